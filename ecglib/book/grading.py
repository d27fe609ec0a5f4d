"""Grade a folder of submitted notebooks: one row per student, pass/fail per exercise.

Each notebook is executed from top to bottom in a fresh kernel with every cell allowed to
fail (a cell that raises costs only the exercises it holds). The exercise checks of
:mod:`ecglib.book.exercises` append their verdicts to the file named by
``$ECGLIB_GRADE_LOG``; an exercise passes when one of its checks said so. The columns are
the checked exercises whose ``{exercise}`` blocks the submitted notebooks hold.

Layout of the folder: ``SUBMISSIONS/<student>.ipynb`` or ``SUBMISSIONS/<student>/*.ipynb``.
Submissions are code from students: run the grader in a container or an account that holds
nothing else.
"""
from __future__ import annotations

import json
import os
import re
import sys
import tempfile
from pathlib import Path

import pandas as pd

from ..core.atomic import atomic_write_text
from ..core.errors import DataError
from .exercises import EXERCISES, GRADE_LOG
from .nbread import read_notebook

LABEL = re.compile(r"```\{exercise\}[^\n]*\n(?::[a-z-]+:[^\n]*\n)*?:label:\s*(\S+)")


def submissions(folder: Path) -> list[tuple[str, Path]]:
    """(student, notebook) pairs of a submissions folder, sorted."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: no such folder of submissions")
    found = [(p.stem, p) for p in folder.glob("*.ipynb")]
    found += [(p.parent.name, p) for p in folder.glob("*/*.ipynb")]
    found = [(s, p) for s, p in found if not p.name.startswith(".")
             and ".ipynb_checkpoints" not in p.parts]
    if not found:
        raise FileNotFoundError(f"{folder}: no notebooks (expected STUDENT.ipynb or "
                                "STUDENT/CHAPTER.ipynb)")
    return sorted(found, key=lambda sp: (sp[0], sp[1].name))


def exercise_labels(nb) -> list[str]:
    """Labels of the ``{exercise}`` blocks of a notebook that have a check."""
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    return [label for label in LABEL.findall(text) if label in EXERCISES]


def run_submission(nb, folder: Path, timeout: int = 600,
                   profile: str = "fast") -> tuple[dict, int]:
    """Execute notebook ``nb`` in ``folder``; return ({exercise: passed}, number of cells
    that raised)."""
    from nbclient import NotebookClient

    with tempfile.TemporaryDirectory(prefix="ecglib-grade-") as tmp:
        log = Path(tmp) / "verdicts.jsonl"
        saved = {k: os.environ.get(k) for k in (GRADE_LOG, "ECGLIB_PROFILE")}
        os.environ[GRADE_LOG], os.environ["ECGLIB_PROFILE"] = str(log), profile
        try:
            NotebookClient(nb, timeout=timeout, allow_errors=True, kernel_name="python3",
                           resources={"metadata": {"path": str(folder)}}).execute()
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
        verdicts: dict[str, bool] = {}
        for line in log.read_text().splitlines() if log.exists() else []:
            row = json.loads(line)
            verdicts[row["exercise"]] = verdicts.get(row["exercise"], False) or row["passed"]
    errors = sum(any(o.get("output_type") == "error" for o in c.get("outputs", []))
                 for c in nb.cells if c.cell_type == "code")
    return verdicts, int(errors)


def grade(folder: Path, out: Path | None = None, timeout: int = 600,
          profile: str = "fast") -> pd.DataFrame:
    """The student x exercise table ("pass"/"fail"), with the number passed, the cells
    that raised and any ``problem`` (an unreadable notebook: its exercises fail, the others
    are graded); written to ``out`` (CSV) when given."""
    rows: dict[str, dict] = {}
    labels: list[str] = []
    for student, path in submissions(folder):
        print(f"grading {student}: {path.name}", flush=True)
        row = rows.setdefault(student, {"cells_raised": 0, "problem": ""})
        try:
            nb = read_notebook(path)
        except DataError as exc:
            print(f"ecglib: warning: {exc}; graded as failing", file=sys.stderr)
            row["problem"] = "; ".join(filter(None, [row["problem"], str(exc)]))
            continue
        labels += [label for label in exercise_labels(nb) if label not in labels]
        verdicts, errors = run_submission(nb, path.parent, timeout, profile)
        row["cells_raised"] += errors
        for label, ok in verdicts.items():
            row[label] = row.get(label, False) or ok
    table = pd.DataFrame.from_dict(rows, orient="index").reindex(
        columns=labels + ["cells_raised", "problem"])
    marks = table[labels].fillna(False).astype(bool)
    table[labels] = marks.replace({True: "pass", False: "fail"})
    table.insert(len(labels), "passed", marks.sum(axis=1).astype(int))
    table["cells_raised"] = table["cells_raised"].fillna(0).astype(int)
    table.index.name = "student"
    if out is not None:
        atomic_write_text(Path(out), table.to_csv())
    return table
