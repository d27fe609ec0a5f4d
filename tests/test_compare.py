import numpy as np
import pandas as pd
import pytest

from ecglib.beats.labels import get_scheme
from ecglib.evaluation.compare import found_by_record, scores_on_shared_beats
from ecglib.metrics import class_scores
from ecglib.training.splits import Split
from ecglib.training.trainer import TrainResult

SCHEME = get_scheme("aami5")


def _result(test: np.ndarray, y: np.ndarray, pred: np.ndarray) -> TrainResult:
    proba = np.eye(len(SCHEME.classes))[pred[test]]
    return TrainResult(None, None, Split("x", np.array([], int), np.array([], int), test),
                       pd.DataFrame(), 0.5, np.zeros((0, 5)), proba, y[test], 0.0, SCHEME)


def test_results_are_scored_on_the_beats_both_tested():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 400)
    right, noisy = y.copy(), np.where(rng.random(400) < 0.3, 1, y)
    whole = _result(np.arange(400), y, noisy)                  # all beats
    later = _result(np.arange(100, 400), y, right)             # a test part without 0..99
    frame = scores_on_shared_beats({"whole": whole, "later": later})
    expected = class_scores(y[100:], noisy[100:], SCHEME.classes).set_index("class")
    assert frame[("", "n")].tolist() == expected["n"].tolist()
    assert np.allclose(frame[("whole", "se")], expected["se"])
    assert np.allclose(frame[("later", "f1")].loc[["N", "S", "V"]], 1.0)
    with pytest.raises(ValueError, match="no beat in common"):
        scores_on_shared_beats({"a": _result(np.arange(10), y, y),
                                "b": _result(np.arange(10, 20), y, y)})


def test_found_by_record_counts_tested_labelled_found_and_false_beats():
    y = np.array([1, 1, 0, 0, 1, 0, 1, 1])                     # S = 1, N = 0
    meta = pd.DataFrame({"record": ["a"] * 4 + ["b"] * 4,
                         "aami": np.asarray(SCHEME.classes)[y]})
    pred_one = np.array([1, 0, 1, 0, 1, 0, 0, 0])
    pred_two = np.array([1, 1, 0, 0, 1, 1, 1, 1])
    frame = found_by_record({"one": _result(np.arange(1, 8), y, pred_one),
                             "two": _result(np.arange(8), y, pred_two)}, meta, "S",
                            labelled=np.array([0, 5]))
    # shared test beats: rows 1..7; record a: S rows 1, N rows 2, 3; record b: S 4, 6, 7
    assert frame["S tested"].to_dict() == {"a": 1, "b": 3}
    assert frame["S labelled"].to_dict() == {"a": 1, "b": 0}   # row 0 is S, row 5 is N
    assert frame["found, one"].tolist() == [0.0, pytest.approx(1 / 3)]
    assert frame["found, two"].tolist() == [1.0, 1.0]
    assert frame["false S, one"].to_dict() == {"a": 1, "b": 0}
    assert frame["false S, two"].to_dict() == {"a": 0, "b": 1}


def test_comparison_row_scores_a_five_class_run(synthetic_table, tmp_path, monkeypatch):
    from ecglib.evaluation.compare import comparison_row
    from ecglib.training.config import TrainConfig

    monkeypatch.setenv("ECGLIB_CACHE_DIR", str(tmp_path))
    row = comparison_row(synthetic_table, TrainConfig(model="gbm", labels="aami5", subset=600),
                         speed_beats=100)
    assert {"accuracy", "balanced_accuracy", "macro_f1", "S_se", "S_ppv", "V_se"} <= set(row)
    assert 0 <= row["S_se"] <= 1 and "sensitivity" not in row
    binary = comparison_row(synthetic_table, TrainConfig(model="gbm", subset=600),
                            speed_beats=100)
    assert 0 <= binary["sensitivity"] <= 1 and 0.5 <= binary["auroc"] <= 1
