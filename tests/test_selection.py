"""Model selection inside the training patients: DS2 never enters, folds never share a
patient, and the published rows are what the papers report."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ecglib.datasets.mitdb import DS1, DS2
from ecglib.evaluation.literature import published
from ecglib.training.config import TrainConfig
from ecglib.training.selection import (
    candidate_row,
    compare_candidates,
    cross_validate,
    training_patients,
    vote_weights,
)


def test_training_patients_of_mitdb_are_ds1_without_201(mitdb_table):
    rows = training_patients(mitdb_table, TrainConfig(split="interpatient", labels="aami5"))
    records = set(mitdb_table.meta["record"].iloc[rows])
    assert records == set(DS1) - {"201"} and not records & set(DS2)


def test_cross_validation_is_out_of_fold_and_deterministic(synthetic_table, monkeypatch):
    seen = []
    from ecglib.models.sklearn_models import SklearnClassifier

    fit = SklearnClassifier.fit

    def spy(self, X, y, X_val, y_val, config, verbose=2, features=None, features_val=None, **kw):
        seen.append(X)
        return fit(self, X, y, X_val, y_val, config, verbose, features, features_val, **kw)

    monkeypatch.setattr(SklearnClassifier, "fit", spy)
    cfg = TrainConfig(model="gbm_rr", labels="aami5", split="interpatient", seed=0)
    rows = training_patients(synthetic_table, cfg)
    p = cross_validate(synthetic_table, cfg, rows, cv_folds=3, progress=False)
    assert p.shape == (rows.size, 5) and np.allclose(p.sum(axis=1), 1)
    # every fold trained on beats of other patients than the ones it predicted
    patients = synthetic_table.meta["patient"].to_numpy()
    by_beat = {synthetic_table.X[r].tobytes(): patients[r] for r in rows}
    fold_patients = [{by_beat[x.tobytes()] for x in X} for X in seen]
    assert len(fold_patients) == 3 and all(len(f) < len(set(patients[rows])) for f in fold_patients)
    again = cross_validate(synthetic_table, cfg, rows, cv_folds=3, progress=False)
    np.testing.assert_allclose(p, again)


def test_compare_candidates_scores_s_and_v(synthetic_table):
    base = TrainConfig(model="gbm_rr", labels="aami5", split="interpatient", subset=600)
    table, _ = compare_candidates(synthetic_table, {"a": base, "b": TrainConfig(
        model="gbm", labels="aami5", split="interpatient", subset=600)}, cv_folds=3,
        progress=False)
    assert list(table["candidate"]) == ["a", "b"]
    assert table["score"].between(0, 1).all()
    assert table.loc[0, "score"] == pytest.approx((table.loc[0, "S_f1"] + table.loc[0, "V_f1"]) / 2)
    with pytest.raises(ValueError, match=r"fold \d of 2 trains on 1 patient"):
        compare_candidates(synthetic_table, {"a": base}, cv_folds=2, progress=False)


def test_published_rows():
    rows = published().set_index("method")
    chazal = rows.loc["de Chazal et al. 2004 (linear discriminants)"]
    assert (chazal["S_se"], chazal["S_ppv"], chazal["V_se"], chazal["V_ppv"]) == (
        75.9, 38.5, 77.7, 81.9)
    assert chazal["S_f1"] == pytest.approx(2 * 75.9 * 38.5 / (75.9 + 38.5), abs=0.05)
    assert rows.loc["Niu et al. 2020 (symbolic CNN)", "V_f1"] == 89.7
    assert isinstance(rows, pd.DataFrame) and len(rows) == 4


def test_boosting_with_a_validation_class_absent_from_training(synthetic_table):
    from ecglib.models import get_model_spec

    y = synthetic_table.labels("aami5")
    train_rows = np.flatnonzero(y != 4)[:400]                 # no Q beat to learn from
    val_rows = np.r_[np.flatnonzero(y == 4)[:5], np.flatnonzero(y == 0)[:50]]
    model = get_model_spec("gbm_rr").create(n_classes=5)
    model.fit(synthetic_table.X[train_rows], y[train_rows], synthetic_table.X[val_rows],
              y[val_rows], TrainConfig(), features=synthetic_table.features(train_rows),
              features_val=synthetic_table.features(val_rows))
    p = model.predict_proba(synthetic_table.X[:10], synthetic_table.features(np.arange(10)))
    assert p.shape == (10, 5) and np.all(p[:, 4] == 0)


def test_cached_cross_validation_is_reused_and_recomputed_when_damaged(synthetic_table,
                                                                       monkeypatch, tmp_path):
    from ecglib.training import runcache

    monkeypatch.setenv("ECGLIB_CACHE_DIR", str(tmp_path))     # this test's entries only

    cfg = TrainConfig(model="gbm_rr_small", labels="aami5", split="interpatient", seed=0,
                      subset=300)
    rows = training_patients(synthetic_table, cfg)
    first = runcache.cached_cross_validate(synthetic_table, cfg, rows, 3, progress=False)
    calls = []
    monkeypatch.setattr(runcache, "cross_validate", lambda *a, **k: calls.append(1) or first)
    np.testing.assert_array_equal(
        runcache.cached_cross_validate(synthetic_table, cfg, rows, 3, progress=False), first)
    assert not calls                                       # read from the cache
    (entry,) = (tmp_path / "cv").glob("*.npy")
    entry.write_bytes(b"damaged")
    runcache.cached_cross_validate(synthetic_table, cfg, rows, 3, progress=False)
    assert calls == [1]                                    # computed again
    runcache.cached_cross_validate(synthetic_table, cfg, rows[:-1], 3, progress=False)
    assert calls == [1, 1]                                 # other rows, other entry


def test_cached_results_are_never_reused_for_other_features_or_another_model(
        synthetic_table, monkeypatch, tmp_path):
    from dataclasses import replace as swap

    from ecglib.models import MODELS
    from ecglib.training import runcache

    monkeypatch.setenv("ECGLIB_CACHE_DIR", str(tmp_path))
    cfg = TrainConfig(model="lr_rr_tpl", labels="aami5", split="interpatient", seed=0)
    rows = training_patients(synthetic_table, cfg)
    calls = []
    monkeypatch.setattr(runcache, "cross_validate", lambda *a, **k: calls.append(1) or
                        np.zeros((rows.size, 5)))

    def cv(table):
        runcache.cached_cross_validate(table, cfg, rows, 3, progress=False)
        return len(calls)

    assert cv(synthetic_table) == 1
    noted = synthetic_table.subset(np.arange(len(synthetic_table)))
    noted.meta["my_note"] = 1.0                           # a column no model reads
    assert cv(noted) == 1                                  # same entry
    rebuilt = synthetic_table.subset(np.arange(len(synthetic_table)))
    rebuilt.meta["local_cv"] = rebuilt.meta["local_cv"] * 2   # a feature computed anew
    assert cv(rebuilt) == 2
    spec = MODELS["lr_rr_tpl"]                             # the same name, another model
    MODELS.register("lr_rr_tpl", swap(spec, create=MODELS["lr_rr_tpl_live"].create))
    try:
        assert cv(synthetic_table) == 3
    finally:
        MODELS.register("lr_rr_tpl", spec)
    assert cv(synthetic_table) == 3                        # back: the first entry


def test_vote_weights_score_the_vote_its_cross_validation_gives(synthetic_table):
    base = TrainConfig(model="gbm_rr_tpl", labels="aami5", split="interpatient", subset=600,
                       class_weight=True)
    cv, p = compare_candidates(synthetic_table, {m: TrainConfig(**{**vars(base), "model": m})
                                                 for m in ("gbm_rr_tpl", "lr_rr_tpl",
                                                           "vote_rr_tpl")},
                               cv_folds=3, progress=False)
    np.testing.assert_allclose(p["vote_rr_tpl"], 0.4 * p["gbm_rr_tpl"] + 0.6 * p["lr_rr_tpl"],
                               atol=1e-9)
    y = synthetic_table.labels("aami5")[training_patients(synthetic_table, base)]
    classes = ("N", "S", "V", "F", "Q")
    curve = vote_weights(y, p["gbm_rr_tpl"], p["lr_rr_tpl"], classes).set_index("weight")
    assert curve.loc[0.4, "score"] == pytest.approx(
        cv.set_index("candidate").loc["vote_rr_tpl", "score"])
    assert curve.loc[0.9, "score"] == pytest.approx(candidate_row(
        "x", y, 0.9 * p["gbm_rr_tpl"] + 0.1 * p["lr_rr_tpl"], classes)["score"])


def test_a_chapter_cross_validates_with_its_profiles_folds(synthetic_table, monkeypatch,
                                                          tmp_path):
    from ecglib.book.chapter import Chapter

    monkeypatch.setenv("ECGLIB_CACHE_DIR", str(tmp_path))
    ch = Chapter({"cv_folds": 3, "subset": 600, "labels": "aami5", "split": "interpatient",
                  "seed": 0}, synthetic_table)
    rows = training_patients(synthetic_table, ch.config())
    p = ch.out_of_fold(rows, model="gbm_rr")
    np.testing.assert_array_equal(p, cross_validate(
        synthetic_table, ch.config(model="gbm_rr"), rows, cv_folds=3, progress=False))
    cv, _ = compare_candidates(synthetic_table, {"boosting": ch.config(model="gbm_rr")},
                               cv_folds=3, progress=False)
    assert ch.candidate_row("boosting", rows, model="gbm_rr") == cv.iloc[0].to_dict()


def test_selection_holds_out_the_splits_validation_share_of_patients():
    import pandas as pd

    from ecglib.data.beattable import BeatTable
    from ecglib.training.selection import patient_folds
    from ecglib.training.splits import PATIENT_VAL_SIZE, SPLITS

    assert {SPLITS[s].val_size for s in ("interpatient", "interpatient_adapt",
                                         "group_kfold")} == {PATIENT_VAL_SIZE}
    n = 240                                       # 12 patients: each fold trains on 6
    meta = pd.DataFrame({"record": np.repeat([f"r{i}" for i in range(12)], 20),
                         "patient": np.repeat([f"p{i}" for i in range(12)], 20),
                         "aami": np.tile(["N", "N", "S", "V"], n // 4)})
    table = BeatTable(np.zeros((n, 187), np.float32), meta, "toy", True)
    cfg = TrainConfig(model="gbm", labels="aami5")
    for train_rows, val_rows, held in patient_folds(table, cfg, np.arange(n), 2,
                                                    progress=False):
        fold = np.unique(meta["patient"].to_numpy()[np.r_[train_rows, val_rows]]).size
        assert fold == 6
        assert np.unique(meta["patient"].to_numpy()[val_rows]).size == \
            int(np.ceil(PATIENT_VAL_SIZE * fold))
