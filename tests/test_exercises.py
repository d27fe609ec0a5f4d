import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ecglib.book import exercises as ex
from ecglib.book.exercises import student_copy
from ecglib.splits import random_split

ROOT = Path(__file__).resolve().parents[1]


def test_checks_accept_reference_and_reject_wrong(synthetic_table, capsys):
    t = synthetic_table
    share = float(t.labels().mean())
    assert ex.check_abnormal_share(t, share) and not ex.check_abnormal_share(t, share + 0.1)
    assert ex.check_dropped_indices(range(180, 187)) and not ex.check_dropped_indices(range(7))
    good = lambda X: np.concatenate([X, np.zeros((len(X), 3))], 1).reshape(-1, 10, 19, 1)
    bad = lambda X: X[:, :180].reshape(-1, 10, 18, 1)
    assert ex.check_padded_reshape(good) and not ex.check_padded_reshape(bad)
    assert not ex.check_padded_reshape(lambda X: 1 / 0)
    assert ex.check_conv_params(5 * 256 * 256 + 256) and not ex.check_conv_params(5 * 256 * 256)
    assert ex.check_lstm_params(4 * (256 + 64 + 1) * 64) and not ex.check_lstm_params(82000)
    cm = pd.DataFrame([[80, 20], [5, 45]], index=["normal", "abnormal"],
                      columns=["normal", "abnormal"])
    assert ex.check_sensitivity_specificity(cm, 45 / 50, 80 / 100)
    assert not ex.check_sensitivity_specificity(cm, 80 / 100, 45 / 50)
    s = random_split(t.labels(), seed=0)
    n = len(set(t.meta["record"].iloc[s.train]) & set(t.meta["record"].iloc[s.test]))
    assert ex.check_leaked_records(t.meta, s.train, s.test, n)
    assert not ex.check_leaked_records(t.meta, s.train, s.test, n + 1)
    out = capsys.readouterr().out
    assert "Correct" in out and "Not yet" in out


def test_student_copy_removes_every_solution():
    nb = json.loads((ROOT / "notebooks" / "11_exercises.ipynb").read_text())
    clean = student_copy(nb)
    text = json.dumps(clean)
    assert "{solution-start}" not in text and "{solution-end}" not in text
    assert not any("solution" in c.get("metadata", {}).get("tags", []) for c in clean["cells"])
    exercises = sum("```{exercise}" in "".join(c["source"]) for c in clean["cells"])
    assert exercises == sum("```{exercise}" in "".join(c["source"]) for c in nb["cells"]) >= 5
    assert all(not c.get("outputs") for c in clean["cells"] if c["cell_type"] == "code")
    assert "check_sensitivity_specificity" not in text     # solutions' code is gone


def test_solution_end_must_stand_alone():
    nb = {"cells": [{"cell_type": "markdown", "metadata": {}, "source": "```{solution-start} x\n```"},
                    {"cell_type": "markdown", "metadata": {},
                     "source": "```{solution-end}\n```\n\n```{exercise}\nnext\n```"}]}
    with pytest.raises(ValueError, match="alone"):
        student_copy(nb)


def test_cli_writes_student_copies(tmp_path):
    from ecglib.cli import main

    assert main(["book", "student-copies", str(ROOT / "notebooks" / "11_exercises.ipynb"),
                 "--out", str(tmp_path)]) == 0
    assert "{solution-start}" not in (tmp_path / "11_exercises.ipynb").read_text()
