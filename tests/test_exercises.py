"""Every exercise check accepts the reference answer and rejects a wrong one; student
copies lose every solution; checks never raise."""
import json
from pathlib import Path
from types import SimpleNamespace

import nbformat
import numpy as np
import pandas as pd
import pytest

from ecglib.beats.segmentation import windows
from ecglib.book import exercises as ex
from ecglib.book.exercises import EXERCISES, student_copy
from ecglib.training.splits import random_split

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def both(check, right: tuple, wrong: tuple) -> None:
    assert check(*right).passed is True
    assert check(*wrong).passed is False


def test_data_and_building_checks(synthetic_table):
    t = synthetic_table
    share = float(t.labels("binary").mean())
    both(ex.check_abnormal_share, (t, share), (t, share + 0.1))
    counts = t.meta["aami"].value_counts()
    both(ex.check_rarest_class, (t, counts.idxmin(), counts.min()),
         (t, counts.idxmax(), counts.min()))
    both(ex.check_cut_length, (75, 120), (75, 100))
    assert ex.check_cut_length(30, 187)                 # 1.2 x 250 samples, capped at 187
    rng = np.random.default_rng(0)
    x = rng.normal(size=5000)
    peaks = np.sort(rng.choice(5000, 30, replace=False))
    w = list(windows(x, peaks))[2]
    by_hand = np.zeros((w.hi - w.lo, 187), dtype=np.float32)
    for i, p in enumerate(peaks[w.lo:w.hi] - w.start):
        piece = w.norm[p:p + w.cut][:187]
        by_hand[i, :piece.size] = piece
    both(ex.check_window_beats, (x, peaks, 2, by_hand), (x, peaks, 1, by_hand))
    assert not ex.check_window_beats(x, peaks, 2, by_hand[:, ::-1])
    assert not ex.check_window_beats(x, peaks, 99, by_hand)


def test_reshape_and_model_checks():
    both(ex.check_dropped_indices, (range(180, 187),), (range(7),))
    good = lambda X: np.concatenate([X, np.zeros((len(X), 3))], 1).reshape(-1, 10, 19, 1)
    bad = lambda X: X[:, :180].reshape(-1, 10, 18, 1)
    both(ex.check_padded_reshape, (good,), (bad,))
    assert not ex.check_padded_reshape(lambda X: 1 / 0)      # a raising answer is wrong
    both(ex.check_step_position, (100, 6, 10), (100, 5, 10))
    assert not ex.check_step_position(183, 10, 3)            # dropped by the reshape
    both(ex.check_conv_params, (5 * 256 * 256 + 256,), (5 * 256 * 256,))
    both(ex.check_lstm_params, (4 * (256 + 64 + 1) * 64,), (82000,))
    both(ex.check_dense_bn_params, (64 * 1024 + 1024 + 4 * 1024,), (64 * 1024 + 1024,))


def test_training_and_evaluation_checks(synthetic_table):
    both(ex.check_updates_per_epoch, (1000, 128, 8), (1000, 128, 7))
    both(ex.check_bn_steps, (0.99, 0.01, 459), (0.99, 0.01, 100))
    cm = pd.DataFrame([[80, 20], [5, 45]], index=["normal", "abnormal"],
                      columns=["normal", "abnormal"])
    both(ex.check_sensitivity_specificity, (cm, 45 / 50, 80 / 100), (cm, 80 / 100, 45 / 50))
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 300)
    p = np.clip(y * 0.3 + rng.random(300) * 0.7, 0, 1)
    pos, neg = p[y == 1], p[y == 0]
    by_pairs = ((pos[:, None] > neg[None, :]).mean() + 0.5 * (pos[:, None] == neg[None, :]).mean())
    both(ex.check_auroc, (y, p, by_pairs), (y, p, by_pairs - 0.01))
    t = synthetic_table
    s = random_split(t.labels(), seed=0)
    n = len(set(t.meta["record"].iloc[s.train]) & set(t.meta["record"].iloc[s.test]))
    both(ex.check_leaked_records, (t.meta, s.train, s.test, n),
         (t.meta, s.train, s.test, n + 1))


def test_record_ci_by_hand():
    rng = np.random.default_rng(2)
    records = np.repeat(np.arange(20), 50)
    y = rng.integers(0, 2, records.size)
    p = np.clip(y * 0.4 + rng.random(records.size) * 0.6 + rng.normal(0, .1, 20)[records], 0, 1)
    stats = []
    for _ in range(1000):          # the student's loop: resample whole records
        pick = rng.integers(0, 20, 20)
        idx = np.concatenate([np.flatnonzero(records == r) for r in pick])
        yhat = p[idx] >= 0.5
        stats.append(0.5 * ((yhat & (y[idx] == 1)).sum() / (y[idx] == 1).sum()
                            + (~yhat & (y[idx] == 0)).sum() / (y[idx] == 0).sum()))
    low, high = np.quantile(stats, [0.025, 0.975])
    both(ex.check_record_ci, (records, y, p, 0.5, low, high),
         (records, y, p, 0.5, low - 0.05, high))


def test_new_patient_baseline_record_and_project_checks(synthetic_table):
    t = synthetic_table
    row = 10
    assert t.meta["record"].iloc[row] == t.meta["record"].iloc[row - 1]
    diff = (t.meta["sample"].iloc[row] - t.meta["sample"].iloc[row - 1]) / 360
    both(ex.check_pre_rr, (t, row, 360, diff), (t, row, 360, diff * 2))
    meta = pd.DataFrame({"record": ["a"] * 5 + ["b"], "aami": ["S", "S", "N", "S", "S", "S"],
                         "pre_rr_norm": [0.7, 0.8, 1.0, 0.95, 0.85, 0.5],
                         "pre_centre": [0.95, 1.0, 1.0, 0.99, 0.8, 0.5]})
    both(ex.check_early_shares, (meta, "a", 0.75, 0.25), (meta, "a", 0.25, 0.75))
    assert not ex.check_early_shares(meta, "c", 0.0, 0.0)           # no S beats there
    stress = pd.DataFrame({"scenario": ["s_dominant"] * 4 + ["svt_runs"] * 2,
                           "aami": ["S", "S", "S", "N", "S", "S"],
                           "pre_centre": [0.9, 1.0, 1.1, 1.6, 0.5, 0.5]})
    both(ex.check_captured_median, (stress, 0.75, 1.0), (stress, 5 / 6, 0.5))
    assert not ex.check_captured_median(stress[stress["scenario"] != "s_dominant"], 0, 0)
    y = np.array([0, 0, 1, 1, 0, 1])
    seed_run = SimpleNamespace(y_test=y, test_proba=np.array([.1, .4, .35, .8, .2, .9]))
    good = np.array([.1, .2, .7, .8, .3, .9])
    both(ex.check_small_model, (30_000, y, good, seed_run), (70_000, y, good, seed_run))
    assert not ex.check_small_model(30_000, y[::-1], good, seed_run)   # other test beats
    preds = pd.DataFrame({"reference": ["N", "V", "", "N"]})
    both(ex.check_detection_share, (preds, 4, 0.75), (preds, 4, 1.0))
    from ecglib.models import seed_model
    both(ex.check_seed190, (seed_model(step_len=19),), (seed_model(),))


def test_every_check_is_registered_once_and_appears_in_its_chapter():
    stems = {p.stem: nbformat.read(p, as_version=4) for p in NOTEBOOKS}
    for label, exercise in EXERCISES.items():
        nb = stems[exercise.chapter]
        text = "\n".join(c.source for c in nb.cells)
        assert f":label: {label}" in text, f"{label} is not an exercise of {exercise.chapter}"
        assert f"exercises.{exercise.check.__name__}(" in text, \
            f"{exercise.chapter} never calls {exercise.check.__name__}"


def test_exercises_per_chapter():
    counts = {}
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        counts[path.stem] = sum("```{exercise}" in c.source for c in nb.cells
                                if c.cell_type == "markdown")
    assert sum(counts.values()) >= 20, counts
    assert all(2 <= n <= 4 for n in counts.values()), counts


def test_checks_say_not_yet_for_none_and_log_verdicts(tmp_path, monkeypatch, capsys):
    log = tmp_path / "log.jsonl"
    monkeypatch.setenv(ex.GRADE_LOG, str(log))
    assert not ex.check_cut_length(75, None)
    assert not ex.check_cut_length(75, "abc")              # unreadable: wrong, no traceback
    assert ex.check_cut_length(75, 120)
    out = capsys.readouterr().out
    assert "no answer yet" in out and "could not be checked" in out and "Correct" in out
    rows = [json.loads(line) for line in log.read_text().splitlines()]
    assert rows == [{"exercise": "ex-cut-length", "passed": v} for v in (False, False, True)]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_student_copy_removes_every_solution(path):
    nb = json.loads(path.read_text())
    clean = student_copy(nb)
    text = json.dumps(clean)
    assert "{solution-start}" not in text and "{solution-end}" not in text
    assert not any("solution" in c.get("metadata", {}).get("tags", []) for c in clean["cells"])
    exercises = sum("```{exercise}" in "".join(c["source"]) for c in clean["cells"])
    assert exercises == sum("```{exercise}" in "".join(c["source"]) for c in nb["cells"]) >= 2
    assert all(not c.get("outputs") for c in clean["cells"] if c["cell_type"] == "code")
    solutions = [c for c in nb["cells"] if "solution" in c["metadata"].get("tags", [])]
    for cell in solutions:                              # no solution's code survives
        assert "".join(cell["source"]) not in text


def test_solution_end_must_stand_alone():
    nb = {"cells": [{"cell_type": "markdown", "metadata": {}, "source": "```{solution-start} x\n```"},
                    {"cell_type": "markdown", "metadata": {},
                     "source": "```{solution-end}\n```\n\n```{exercise}\nnext\n```"}]}
    with pytest.raises(ValueError, match="alone"):
        student_copy(nb)


def test_cli_writes_student_copies(tmp_path):
    from ecglib.cli import main

    assert main(["book", "student-copies", *map(str, NOTEBOOKS), "--out", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [p.name for p in NOTEBOOKS]
    for path in tmp_path.iterdir():
        nbformat.validate(nbformat.read(path, as_version=4))
        assert "{solution-start}" not in path.read_text()


def test_a_student_copy_runs_and_its_checks_wait_for_answers(tmp_path, monkeypatch):
    """A student copy executes top to bottom (synthetic data, fast profile): every answer
    cell runs and its check says 'not answered yet'; nothing raises."""
    from nbclient import NotebookClient

    from ecglib.book.exercises import write_student_copies

    path = write_student_copies([ROOT / "notebooks" / "03_reshape.ipynb"], tmp_path)[0]
    nb = nbformat.read(path, as_version=4)
    next(c for c in nb.cells if "parameters" in c.metadata.get("tags", [])).source += \
        '\ndata = "synthetic"'
    monkeypatch.setenv("ECGLIB_PROFILE", "fast")
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(ROOT / "notebooks")}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "".join(o.get("text", "") for o in outputs)
    assert text.count("no answer yet") == 3 and "Correct" not in text


def test_a_check_prints_its_verdict_and_displays_nothing(capsys):
    from IPython.core.formatters import DisplayFormatter

    verdict = ex.check_cut_length(75, 120)
    assert capsys.readouterr().out.startswith("Correct: ")
    assert DisplayFormatter().format(verdict) == ({}, {})      # no stray True under the line
    assert bool(verdict) and repr(verdict) == "Verdict(passed=True)"
