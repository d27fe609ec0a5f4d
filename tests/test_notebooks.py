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
    assert len(NOTEBOOKS) == 11
    for nb in NOTEBOOKS:
        assert f"notebooks/{nb.stem}" in toc


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_chapter_shape(path):
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    tagged = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1 and code[0] is tagged[0], "one parameters cell, first"
    assert "setup_chapter(" in code[1].source, "second cell sets the chapter up"
    assert not hygiene_problems(nb, path.name)
    for cell in code:   # thin: logic lives in ecglib (exercise solutions may define one)
        if "solution" not in cell.metadata.get("tags", []):
            assert not re.search(r"^\s*(def|class) ", cell.source, re.M), cell.source


def test_parse_params_and_profiles():
    assert parse_params(["epochs=3", "split=interpatient", "subset=None"]) == {
        "epochs": 3, "split": "interpatient", "subset": None}
    with pytest.raises(ValueError, match="NAME=VALUE"):
        parse_params(["epochs"])
    assert resolve_params("fast", epochs=4)["epochs"] == 4
    assert resolve_params("full", epochs=None)["epochs"] == PROFILES["full"]["epochs"]
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
])
def test_book_run_refuses_bad_parameters(tmp_path, chapter, params, message):
    from ecglib.errors import EcglibError

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
