"""The chapters as committed: thin, parameterised, clean, listed in the table of contents."""
from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest

from ecglib.book.notebooks import hygiene_problems, parse_params, run_notebook
from ecglib.book.profiles import PROFILES, resolve_params

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_all_chapters_are_in_the_toc():
    toc = (ROOT / "_toc.yml").read_text()
    assert len(NOTEBOOKS) == 12
    for nb in NOTEBOOKS:
        assert f"notebooks/{nb.stem}" in toc


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_chapter_shape(path):
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    tagged = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1 and code[0] is tagged[0], "one parameters cell, first"
    assert "setup_chapter(" in code[1].source, "second cell sets the chapter up"
    assert len(code[1].source.splitlines()) <= 5, "the setup cell is short"
    assert not hygiene_problems(nb, path.name)
    hidden = [c.source[:60] for c in code if {"hide-input", "hide-cell", "remove-input",
                                               "remove-cell"} & set(c.metadata.get("tags", []))]
    assert not hidden, f"every code cell is shown: {hidden}"
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "**In this chapter you will**" in text and "## Summary" in text


#: the longest code line a rendered page shows without scrolling sideways
PAGE_WIDTH = 88


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_code_lines_fit_the_page(path):
    nb = nbformat.read(path, as_version=4)
    long = [f"cell {i}: {line[:50]}..." for i, c in enumerate(nb.cells) if c.cell_type == "code"
            for line in c.source.splitlines() if len(line) > PAGE_WIDTH]
    assert not long, f"{len(long)} code lines longer than {PAGE_WIDTH} characters: {long[:5]}"


TEACHING_CHAPTERS = [p for p in NOTEBOOKS if p.stem[:2] in {"02", "03", "04", "05", "06", "07"}]
CHECK = re.compile(r"np\.testing\.assert|assert_frame_equal|^\s*assert |exercises\.check_", re.M)


@pytest.mark.parametrize("path", TEACHING_CHAPTERS, ids=[p.stem for p in TEACHING_CHAPTERS])
def test_teaching_chapters_show_the_code_and_check_it(path):
    """Chapters 2-7 pull real ecglib source into the page and check the code they build."""
    nb = nbformat.read(path, as_version=4)
    includes = re.findall(r"```\{literalinclude\} (\S+)\n:pyobject: (\S+)",
                          "\n".join(c.source for c in nb.cells if c.cell_type == "markdown"))
    assert includes, "no ecglib source pulled in with literalinclude"
    for file, obj in includes:
        source = (path.parent / file).resolve()
        assert source.is_file() and source.is_relative_to(ROOT / "ecglib"), file
        name = obj.split(".")[-1]
        assert re.search(rf"^\s*(def|class) {name}\b", source.read_text(), re.M), (file, obj)
    checks = [c for c in nb.cells if c.cell_type == "code"
              and "solution" not in c.metadata.get("tags", []) and CHECK.search(c.source)
              and "exercises.check_" not in c.source]
    assert checks, "no cell checks the chapter's own code against ecglib"


def test_code_a_chapter_defines_is_checked_and_defined_once():
    """Reusable logic lives in ecglib: a chapter may define code it teaches, then checks it
    against ecglib (in the same cell or one of the next two); no function is defined in two
    chapters."""
    where: dict[str, str] = {}
    for path in NOTEBOOKS:
        cells = [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
        for i, cell in enumerate(cells):
            for name in re.findall(r"^(?:def|class) (\w+)", cell.source, re.M):
                assert name not in where, f"{name} defined in {where[name]} and {path.stem}"
                where[name] = path.stem
                assert any(CHECK.search(c.source) for c in cells[i:i + 3]), \
                    f"{path.stem} defines {name} but never checks it against ecglib"


def test_parse_params_and_profiles():
    assert parse_params(["epochs=3", "split=interpatient", "subset=None"]) == {
        "epochs": 3, "split": "interpatient", "subset": None}
    with pytest.raises(ValueError, match="NAME=VALUE"):
        parse_params(["epochs"])
    assert resolve_params("fast", epochs=4)["epochs"] == 4
    assert resolve_params("quick", epochs=None)["epochs"] == PROFILES["quick"]["epochs"]
    assert resolve_params("default")["subset"] is None          # the book: every beat
    with pytest.raises(ValueError, match="unknown profile"):
        resolve_params("huge")
    with pytest.raises(ValueError, match="unknown parameter"):
        resolve_params("fast", epoch=3)


def test_papermill_run_with_parameters(tmp_path):
    out = run_notebook(ROOT / "notebooks" / "03_reshape.ipynb", tmp_path,
                       {"profile": "fast", "data": "synthetic"})
    nb = json.loads(out.read_text())
    injected = [c for c in nb["cells"] if "injected-parameters" in c["metadata"].get("tags", [])]
    assert len(injected) == 1 and "remove-cell" in injected[0]["metadata"]["tags"]
    assert 'data = "synthetic"' in "".join(injected[0]["source"])
    text = json.dumps(nb)
    assert "SYNTHETIC" in text and "(2, 10, 18, 1)" in text


def test_plain_papermill_refuses_an_unknown_parameter(tmp_path):
    # papermill itself only logs "Passed unknown parameter"; the chapter's setup refuses it
    import papermill as pm

    with pytest.raises(pm.PapermillExecutionError,
                       match=r"unknown parameter\(s\) \['epoch'\] for this chapter"):
        pm.execute_notebook(str(ROOT / "notebooks" / "03_reshape.ipynb"),
                            str(tmp_path / "out.ipynb"), cwd=str(ROOT / "notebooks"),
                            parameters={"profile": "fast", "data": "synthetic", "epoch": 3},
                            progress_bar=False)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_chapters_declare_known_parameters_only(path):
    from ecglib.book.notebooks import notebook_parameters
    from ecglib.book.profiles import known_parameters

    params = notebook_parameters(path)
    own = {k for k, v in params.items() if v is not None}         # the chapter's own, set
    assert set(params) - own <= known_parameters() | {"profile"}
    setup = nbformat.read(path, as_version=4).cells
    call = next(c.source for c in setup if "setup_chapter(" in c.source)
    for name in set(params) - {"profile"}:
        assert f"{name}={name}" in call, f"{name} is declared but not passed to setup_chapter"


@pytest.mark.parametrize("chapter, params, message", [
    ("03_reshape", {"epochs": 3}, r"unknown parameter\(s\) \['epochs'\]; this chapter's "
                                  r"parameters are: profile=None, data=None"),
    ("06_evaluation", {"epoch": 3}, r"unknown parameter\(s\) \['epoch'\]"),
    ("06_evaluation", {"epochs": "abc"}, r"parameter epochs='abc' should be of type int"),
    ("06_evaluation", {"seed": 1.5}, r"parameter seed=1.5 should be of type int"),
    ("02_building", {"start_s": "x"}, r"parameter start_s='x' should be of type float"),
    ("05_training", {"epochs": -2}, r"epochs must be at least 1, got -2"),   # before a kernel
    ("05_training", {"split": "bogus"}, r"unknown split 'bogus'; choose one of"),
])
def test_book_run_refuses_bad_parameters(tmp_path, chapter, params, message):
    from ecglib.core.errors import EcglibError

    with pytest.raises(EcglibError, match=message):
        run_notebook(ROOT / "notebooks" / f"{chapter}.ipynb", tmp_path, params)
    assert not list(tmp_path.iterdir())


def test_book_run_failure_is_one_line_and_keeps_the_notebook(tmp_path, capsys):
    from ecglib.cli import main

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["parameters"]}),
                nbformat.v4.new_code_cell("raise RuntimeError('boom')")]
    path = tmp_path / "bad.ipynb"
    nbformat.write(nb, path)
    assert main(["book", "run", str(path), "--out", str(tmp_path / "out")]) == 1
    err = [ln for ln in capsys.readouterr().err.splitlines() if ln.startswith("ecglib")]
    assert len(err) == 1 and "failed with RuntimeError: boom" in err[0]
    assert (tmp_path / "out" / "bad.failed.ipynb").is_file() and "bad.failed.ipynb" in err[0]


def test_book_config_ties_the_cell_timeout_to_the_profile(tmp_path):
    import yaml

    from ecglib.book.profiles import CELL_TIMEOUT
    from ecglib.cli import main

    for profile in ("quick", "default"):
        out = tmp_path / f"{profile}.yml"
        assert main(["book", "config", "--profile", profile, "--template",
                     str(ROOT / "_config.yml"), "--out", str(out)]) == 0
        config = yaml.safe_load(out.read_text())
        assert config["execute"]["timeout"] == CELL_TIMEOUT[profile]
        assert config["bibtex_bibfiles"] == yaml.safe_load(
            (ROOT / "_config.yml").read_text())["bibtex_bibfiles"]     # the rest as it was
    assert CELL_TIMEOUT["default"] > CELL_TIMEOUT["quick"]
    assert main(["book", "config", "--profile", "huge", "--out", str(tmp_path / "x.yml")]) == 1
    assert not (tmp_path / "x.yml").exists()


def test_instructor_page_shows_measured_times_for_every_chapter():
    import pandas as pd

    page = (ROOT / "book" / "instructor.md").read_text()
    assert ":file: chapter_times.csv" in page and "book/instructor" in (ROOT / "_toc.yml").read_text()
    times = pd.read_csv(ROOT / "book" / "chapter_times.csv", index_col="chapter", dtype=str)
    for profile in ("fast", "quick", "default"):
        column = times[f"{profile} (s)"]
        seconds = column.drop(["total (min)", "wall (min)", "measured on"],
                              errors="ignore").astype(int)
        assert sorted(seconds.index) == [p.stem for p in NOTEBOOKS]
        assert (seconds > 0).all()
        assert abs(float(column["total (min)"]) - seconds.sum() / 60) < 0.1    # rounding
        assert "cores" in column["measured on"]
    said = pd.read_csv(ROOT / "book" / "profile_figures.csv")
    assert ":file: profile_figures.csv" in page
    assert list(said.columns) == ["chapter", "quick", "default"] and len(said) > 0
    assert (said["quick"] != said["default"]).all()


def test_book_config_outside_the_checkout_finds_the_checkouts_config(tmp_path, monkeypatch,
                                                                     capsys):
    from ecglib.cli import main

    monkeypatch.chdir(tmp_path)                  # no _config.yml here
    assert main(["book", "config", "--profile", "fast", "--out", "c.yml"]) == 0
    assert "bibtex_bibfiles" in (tmp_path / "c.yml").read_text()
    assert main(["book", "config", "--template", "nope.yml", "--out", "d.yml"]) == 1
    assert "nope.yml: no such configuration file" in capsys.readouterr().err
