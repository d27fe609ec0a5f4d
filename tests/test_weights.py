"""Patient weights: within each class, one patient's many beats do not outweigh the others."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from ecglib.core.seed import set_seed
from ecglib.models import get_model_spec
from ecglib.training.config import TrainConfig
from ecglib.training.selection import candidate_row
from ecglib.training.trainer import fit_rows, subsample, train
from ecglib.training.weights import patient_weights


def test_power_zero_counts_beats_alike_and_one_counts_patients_alike():
    y = np.array([0, 0, 0, 0, 0, 1, 1, 1, 1])
    patients = np.array(["a", "a", "a", "a", "b", "a", "b", "b", "b"])
    np.testing.assert_allclose(patient_weights(y, patients, 0.0), np.ones(9))
    w = patient_weights(y, patients, 1.0)
    for c in (0, 1):                          # each class keeps its size ...
        assert w[y == c].sum() == pytest.approx((y == c).sum())
        for p in ("a", "b"):                  # ... shared alike by its patients
            assert w[(y == c) & (patients == p)].sum() == pytest.approx((y == c).sum() / 2)
    # power 0.5 by hand, class 0: a has 4 beats (4^-0.5 = 0.5 each), b one (1); scaled to 5
    np.testing.assert_allclose(patient_weights(y, patients, 0.5)[:5],
                               [0.5 * 5 / 3] * 4 + [5 / 3])


def test_bad_power_and_lengths_are_refused():
    with pytest.raises(ValueError, match="power must be in"):
        patient_weights(np.zeros(3), np.zeros(3), 1.5)
    with pytest.raises(ValueError, match="differ in length"):
        patient_weights(np.zeros(3), np.zeros(2), 1.0)
    with pytest.raises(ValueError, match="patient_weight must be in"):
        TrainConfig(patient_weight=-0.1).validate()


def test_patient_score_gives_each_patient_one_voice():
    """Patient a's 10 S beats are all found, patient b's 2 are all missed: pooled S Se is
    10/12, with every patient counting alike it is 1/2; no false alarms, so +P is 1."""
    classes = ("N", "S", "V", "F", "Q")
    y = np.array([0] * 20 + [1] * 12 + [2] * 4)
    patients = np.array(["a"] * 10 + ["b"] * 10 + ["a"] * 10 + ["b"] * 2 + ["a", "b"] * 2)
    pred = y.copy()
    pred[30:32] = 0                           # b's two S beats called N
    p = np.eye(5)[pred]
    row = candidate_row("x", y, p, classes, patients)
    assert row["S_se"] == pytest.approx(10 / 12)
    s_f1 = 2 * 0.5 / 1.5                      # Se 1/2, +P 1
    assert row["score_patients"] == pytest.approx((s_f1 + 1.0) / 2)
    assert "score_patients" not in candidate_row("x", y, p, classes)


def _fit_and_predict(table, cfg: TrainConfig) -> np.ndarray:
    """Fit ``cfg``'s model on five synthetic patients (800 beats), predict the sixth."""
    y = table.labels(cfg.labels)
    held_out = (table.meta["patient"] == "syn06").to_numpy()
    rows = subsample(np.flatnonzero(~held_out), y, cfg.subset, cfg.seed)
    set_seed(cfg.seed)
    model = get_model_spec(cfg.model).create(n_classes=5, seed=cfg.seed)
    fit_rows(model, table, y, rows, np.flatnonzero(held_out), cfg, verbose=0)
    return model.predict_proba(table.X[held_out], table.features(np.flatnonzero(held_out)))


@pytest.mark.parametrize("model", ["lr_rr_tpl", "vote_rr_tpl", "cnn_rr"])
def test_patient_weights_reach_every_kind_of_model(synthetic_table, model):
    """The same training with patient weights gives other probabilities (scikit-learn,
    a vote's members, Keras) and the same ones again with the same seed."""
    cfg = TrainConfig(model=model, labels="aami5", seed=0, subset=800, epochs=1,
                      batch_size=64, class_weight=True)
    plain = _fit_and_predict(synthetic_table, cfg)
    weighted = _fit_and_predict(synthetic_table, replace(cfg, patient_weight=1.0))
    assert np.abs(weighted - plain).max() > 1e-3
    np.testing.assert_allclose(_fit_and_predict(synthetic_table, replace(cfg, patient_weight=1.0)),
                               weighted, atol=1e-6)


def test_train_with_patient_weights_saves_them_in_the_run(synthetic_table, tmp_path):
    import json

    cfg = TrainConfig(model="lr_rr_tpl", labels="aami5", split="interpatient", seed=0,
                      subset=800, class_weight=True, patient_weight=0.5)
    train(synthetic_table, cfg, out_dir=tmp_path / "run", verbose=0)
    params = json.loads((tmp_path / "run" / "params.json").read_text())
    assert params["config"]["patient_weight"] == 0.5
