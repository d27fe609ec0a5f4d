"""The built book in a real browser: chapters load, figures decode, internal links resolve.

Builds the book (profile ``fast``, Jupyter Book execution cache) unless $ECGLIB_BOOK_HTML
points at an already built ``_build/html``; screenshots of chapters 2, 4 (their top and their
code) and 6 are written to $ECGLIB_SCREENSHOTS (default: a temporary folder).
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from browser import browser, check_page, chromium_paths, serve

from ecglib.book.exercises import EXERCISES

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted(p.stem for p in (ROOT / "notebooks").glob("*.ipynb"))


@pytest.fixture(scope="module")
def html_root(tmp_path_factory) -> Path:
    if chromium_paths() is None:
        if os.environ.get("CI"):
            pytest.fail("CI must install Debian's chromium and chromium-driver (.ci/run does)")
        pytest.skip("browser test: Debian's chromium and chromium-driver are not installed")
    given = os.environ.get("ECGLIB_BOOK_HTML")
    if given:
        return Path(given)
    # what make book runs: the chapters first (one at a time beside the other tests), then
    # Jupyter Book, which finds each chapter in its cache and executes none again
    ecglib = Path(sys.executable).with_name("ecglib")
    proc = subprocess.run([str(ecglib), "book", "build", "--profile", "fast", "--jobs", "1"],
                          cwd=ROOT, capture_output=True, text=True, timeout=2400)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    assert "Executing notebook" not in proc.stdout, proc.stdout[-4000:]
    return ROOT / "_build" / "html"


def test_every_chapter_loads_with_figures_and_links(html_root, tmp_path):
    shots = Path(os.environ.get("ECGLIB_SCREENSHOTS", tmp_path / "screenshots"))
    shots.mkdir(parents=True, exist_ok=True)
    pages = ["index.html", "book/preface.html", "book/data_and_licences.html",
             "book/instructor.html", "book/references.html"] + [f"notebooks/{c}.html" for c in CHAPTERS]
    with serve(html_root) as base, browser() as driver:
        reports = [check_page(driver, base, page, html_root) for page in pages]
        for chapter in ("02_building", "04_model", "06_evaluation"):
            driver.get(f"{base}/notebooks/{chapter}.html")
            driver.save_screenshot(str(shots / f"{chapter}.png"))
        for chapter, anchor in (("02_building", "the-cut-step-by-step"),
                                ("04_model", "writing-the-seed-yourself")):
            driver.get(f"{base}/notebooks/{chapter}.html#{anchor}")
            driver.save_screenshot(str(shots / f"{chapter}_code.png"))
    for rep in reports:
        assert "Abnormal heartbeats" in rep["title"], rep    # the page, not an error
        assert not rep["broken_images"], rep
        assert not rep["dead_links"], rep
    figures = {r["page"]: r["images"] for r in reports}
    expected = {"01_data": 3, "02_building": 2, "03_reshape": 1, "04_model": 1,
                "05_training": 3, "06_evaluation": 4, "07_honest_evaluation": 1,
                "08_new_patients": 4, "09_rhythm_references": 5, "10_baselines": 1,
                "11_raw_record": 1}
    for chapter, n in expected.items():          # every figure a chapter draws is there
        assert figures[f"notebooks/{chapter}.html"] >= n, figures
    for shot in ("02_building", "02_building_code", "04_model", "04_model_code",
                 "06_evaluation"):
        assert (shots / f"{shot}.png").stat().st_size > 10_000, shot
    for chapter in CHAPTERS:                     # code, sources, exercises, folded solutions
        rep = next(r for r in reports if r["page"] == f"notebooks/{chapter}.html")
        nb = nbformat.read(ROOT / "notebooks" / f"{chapter}.ipynb", as_version=4)
        markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
        assert rep["code_cells"] >= sum(c.cell_type == "code" for c in nb.cells), rep
        assert rep["includes"] == markdown.count("{literalinclude}") + markdown.count(
            "```python\n"), rep                     # sources pulled in, and Python fences
        assert rep["exercises"] == rep["solutions"] == markdown.count("```{exercise}") >= 2, rep
        assert rep["open_solutions"] == 0, rep
        page = (html_root / "notebooks" / f"{chapter}.html").read_text()
        verdicts = re.findall(r"(Correct|Not yet): ([^<\n]*)", page)
        wrong = [v for v in verdicts if v[0] == "Not yet" and "no answer yet" not in v[1]]
        assert not wrong, (chapter, wrong)           # every reference solution passes its check
        checks = [e for e in EXERCISES.values() if e.chapter == chapter]
        assert sum(v[0] == "Correct" for v in verdicts) == len(checks), (chapter, verdicts)
    for chapter in ("02_building", "03_reshape", "04_model", "05_training", "06_evaluation",
                    "07_honest_evaluation"):
        assert next(r for r in reports if r["page"] == f"notebooks/{chapter}.html")["includes"]
