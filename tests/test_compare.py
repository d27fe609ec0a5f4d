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


def test_model_facts_are_measured_once_per_run_and_thread_setting(synthetic_table, tmp_path,
                                                                  monkeypatch):
    """A cached run's size and speed are measured the first time (loading its model) and
    read back after; another thread setting is measured again; a damaged entry too."""
    from ecglib.evaluation import compare
    from ecglib.training.config import TrainConfig
    from ecglib.training.runcache import cached_run

    monkeypatch.setenv("ECGLIB_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    config = TrainConfig(model="gbm", subset=400)
    cached_run(synthetic_table, config, verbose=0)
    timed = []
    real = compare.inference_speed
    monkeypatch.setattr(compare, "inference_speed",
                        lambda *a, **k: timed.append(1) or real(*a, **k))
    X = synthetic_table.X[:50]

    def facts():
        run = cached_run(synthetic_table, config, verbose=0)   # a fresh load each time
        return run, compare.model_facts(run, X)

    run, first = facts()
    assert run._model is not None and len(timed) == 1       # measured: the model loaded
    assert first["trained_by_epoch"] is False and first["inference_beats_per_s"] > 0
    run, again = facts()
    assert again == first and len(timed) == 1 and run._model is None   # read, not loaded
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    facts()
    assert len(timed) == 2
    for path in (tmp_path / "measured").glob("*.json"):
        path.write_text("{damaged")
    facts()
    assert len(timed) == 3


def test_a_loaded_run_reads_its_model_file_when_first_used(synthetic_table, tmp_path,
                                                           monkeypatch):
    from ecglib.training import runs
    from ecglib.training.config import TrainConfig
    from ecglib.training.runcache import cached_run

    monkeypatch.setenv("ECGLIB_CACHE_DIR", str(tmp_path))
    config = TrainConfig(model="gbm", subset=400)
    trained = cached_run(synthetic_table, config, verbose=0)
    loads = []
    real = runs.run_model
    monkeypatch.setattr(runs, "run_model", lambda *a: loads.append(1) or real(*a))
    loaded = cached_run(synthetic_table, config, verbose=0)
    assert loads == [] and loaded._model is None
    p = loaded.model.predict_proba(synthetic_table.X[:20], synthetic_table.features(
        np.arange(20)))
    assert loads == [1] and loaded.model is loaded.model and loads == [1]
    np.testing.assert_allclose(p, trained.model.predict_proba(
        synthetic_table.X[:20], synthetic_table.features(np.arange(20))))
