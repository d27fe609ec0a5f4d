"""``ecglib book build``: the chapter and model at work and the time left, shown while
Jupyter Book runs (here a stand-in that prints what myst-nb prints and writes what the
chapters write to the progress file)."""
from __future__ import annotations

import sys
import textwrap
from pathlib import Path

from ecglib.book.build import Watch, build_book, expected_seconds

ROOT = Path(__file__).resolve().parents[1]


def test_time_left_follows_the_chapters():
    now = [0.0]
    watch = Watch({"01_data": 60.0, "02_building": 120.0, "03_reshape": 30.0},
                  clock=lambda: now[0])
    assert watch.seconds_left() == 210
    watch.saw("/x/notebooks/01_data.ipynb: Executing notebook using local CWD [mystnb]")
    now[0] = 20.0
    assert watch.chapter == "01_data" and watch.seconds_left() == 40 + 150
    now[0] = 500.0                                   # slower than measured: never negative
    assert watch.seconds_left() == 150
    watch.saw("/x/notebooks/01_data.ipynb: Executed notebook in 500.00 seconds [mystnb]")
    watch.saw("/x/notebooks/02_building.ipynb: Executing notebook using local CWD [mystnb]")
    assert watch.chapter == "02_building" and watch.seconds_left() == 150
    assert watch.status("training seed").startswith("[02_building] training seed; about 2")
    assert Watch({}).status("x") == "[book] x"        # a profile never measured: no guess
    # a line stamped while chapter 1 ran, read after chapter 2 began, names chapter 1
    assert watch.status("trained seed", when=10.0).startswith("[01_data] trained seed")


def test_expected_seconds_are_the_measured_first_build():
    times = expected_seconds(ROOT / "book" / "chapter_times.csv", "fast")
    assert set(times) == {p.stem for p in (ROOT / "notebooks").glob("*.ipynb")}
    assert expected_seconds(ROOT / "book" / "chapter_times.csv", "nosuch") == {}


def test_build_shows_chapter_model_and_time_left(tmp_path):
    fake = tmp_path / "fake_jupyter_book.py"
    fake.write_text(textwrap.dedent("""
        import os, sys, time
        log = os.environ["ECGLIB_PROGRESS"]
        for name in ("01_data", "02_building"):
            print(f"/r/notebooks/{name}.ipynb: Executing notebook using local CWD [mystnb]")
            with open(log, "a") as fh:
                fh.write(f"{time.time():.1f} training seed on the random split ({name})\\n")
            time.sleep(1.5)
            print(f"/r/notebooks/{name}.ipynb: Executed notebook in 1.50 seconds [mystnb]")
        sys.exit(3)
    """))
    lines: list[str] = []
    code = build_book("fast", root=ROOT, out=tmp_path / "build",
                      command=[sys.executable, str(fake)], echo=lines.append)
    assert code == 3                                     # Jupyter Book's own exit status
    assert "timeout" in (tmp_path / "build" / "_config.yml").read_text()
    shown = [ln for ln in lines if ln.startswith("[0")]
    assert any(ln.startswith("[01_data] training seed on the random split (01_data); about ")
               and ln.endswith(" min left") for ln in shown), lines
    assert any(ln.startswith("[02_building] training seed") for ln in shown), lines
