"""The grader on three made-up submissions: all right, half right, one that raises."""
import nbformat
import pandas as pd
import pytest

from ecglib.book.grading import exercise_labels, grade


def submission(path, cells):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    for kind, source in cells:
        nb.cells.append(nbformat.v4.new_markdown_cell(source) if kind == "md"
                        else nbformat.v4.new_code_cell(source))
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)


def block(label):
    return ("md", f"```{{exercise}}\n:label: {label}\n\nQuestion.\n```")


IMPORT = ("code", "from ecglib.book import exercises")


def answers(cut, dropped, updates, bn):
    return [IMPORT,
            block("ex-cut-length"), ("code", f"exercises.check_cut_length(75, {cut})"),
            block("ex-dropped"), ("code", f"exercises.check_dropped_indices({dropped})"),
            block("ex-updates"), ("code", f"exercises.check_updates_per_epoch(1000, 128, {updates})"),
            block("ex-bn-memory"), ("code", f"exercises.check_bn_steps(0.99, 0.01, {bn})")]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("submissions")
    submission(folder / "ada.ipynb", answers(120, "range(180, 187)", 8, 459))
    submission(folder / "ben" / "chapters.ipynb", answers(120, "range(7)", 8, None))
    raising = answers(120, "range(180, 187)", 8, 459)
    raising.insert(1, ("code", "raise RuntimeError('the student broke this cell')"))
    raising[3] = ("code", "exercises.check_cut_length(75, undefined_name)")
    submission(folder / "cy.ipynb", raising)
    (folder / "dee.ipynb").write_bytes(b"\xff\xfe not a notebook")    # unreadable: marked
    out = folder / "grades.csv"
    return grade(folder, out), out


def test_grade_table(graded):
    table, out = graded
    assert list(table.index) == ["ada", "ben", "cy", "dee"]
    labels = ["ex-cut-length", "ex-dropped", "ex-updates", "ex-bn-memory"]
    assert list(table.columns) == labels + ["passed", "cells_raised", "problem"]
    assert table.loc["dee", labels].tolist() == ["fail"] * 4 and table.loc["dee", "passed"] == 0
    assert "dee.ipynb: not a notebook" in table.loc["dee", "problem"]
    table = table.drop(index="dee")
    assert table.loc["ada", labels].tolist() == ["pass"] * 4
    assert table.loc["ben", labels].tolist() == ["pass", "fail", "pass", "fail"]
    assert table.loc["cy", labels].tolist() == ["fail", "pass", "pass", "pass"]
    assert table["passed"].tolist() == [4, 2, 3]
    assert table["cells_raised"].tolist() == [0, 0, 2]
    assert pd.read_csv(out, index_col="student").shape[0] == 4
    assert pd.read_csv(out, index_col="student").loc["ben", "ex-dropped"] == "fail"


def test_labels_of_real_chapters():
    nb = nbformat.read("notebooks/03_reshape.ipynb", as_version=4)
    assert {"ex-dropped", "ex-padded", "ex-step-position"} <= set(exercise_labels(nb))


def test_cli_names_a_missing_folder(tmp_path, capsys):
    from ecglib.cli import main

    assert main(["book", "grade", str(tmp_path / "nope"), "--out", str(tmp_path / "g.csv")]) == 1
    assert "no such folder of submissions" in capsys.readouterr().err
    assert not (tmp_path / "g.csv").exists()


@pytest.mark.parametrize("command", [["book", "student-copies", "--out", "st"],
                                     ["book", "clean", "--check"]])
def test_a_non_utf8_notebook_is_named(tmp_path, monkeypatch, capsys, command):
    from ecglib.cli import main

    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.ipynb").write_bytes(b'{"cells": [], "metadata": {"x": "caf\xe9"}}')
    assert main([*command, "bad.ipynb"]) == 1
    assert "bad.ipynb: not a notebook: not UTF-8 text" in capsys.readouterr().err
