import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from ecglib.beats.reshape import to_steps
from ecglib.models import load_classifier, seed_model
from ecglib.models.batchnorm import bn_drift, recalibrate_bn
from ecglib.training.config import TrainConfig
from ecglib.training.runs import evaluate_run
from ecglib.training.trainer import train


@pytest.fixture(scope="module")
def small_run(tmp_path_factory, synthetic_table):
    out = tmp_path_factory.mktemp("run")
    cfg = TrainConfig(model="seed", epochs=2, subset=400, seed=1, batch_size=64,
                      keras_bn_curve=True)
    return train(synthetic_table, cfg, out_dir=out, verbose=0), out


def test_run_folder_has_everything(small_run, synthetic_table):
    result, out = small_run
    for name in ("params.json", "history.csv", "model.keras", "split.npz", "metrics.json",
                 "predictions.csv"):
        assert (out / name).is_file(), name
    hist = pd.read_csv(out / "history.csv")
    assert {"accuracy", "val_accuracy", "loss", "val_loss"} <= set(hist.columns)
    params = json.loads((out / "params.json").read_text())
    assert params["data"]["synthetic"] is True and params["split_sizes"]["train"] == 400
    metrics = json.loads((out / "metrics.json").read_text())
    names = {m["metric"] for m in metrics["test"]}
    assert {"accuracy", "balanced_accuracy", "auroc", "auprc", "brier", "ece",
            "recall[abnormal]", "specificity[abnormal]", "macro_f1"} <= names
    again = evaluate_run(out, synthetic_table, n_boot=20).set_index("metric")["value"]
    first = {m["metric"]: m["value"] for m in metrics["test"]}
    assert again["accuracy"] == pytest.approx(first["accuracy"], abs=1e-6)


def test_same_seed_same_weights(synthetic_table):
    cfg = TrainConfig(model="seed", epochs=1, subset=200, seed=5, batch_size=50)
    a = train(synthetic_table, cfg, verbose=0).model.net.get_weights()
    b = train(synthetic_table, cfg, verbose=0).model.net.get_weights()
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    c = train(synthetic_table, TrainConfig(model="seed", epochs=1, subset=200, seed=6,
                                           batch_size=50), verbose=0).model.net.get_weights()
    assert not all(np.array_equal(x, y) for x, y in zip(a, c))


def test_precise_bn_removes_the_initial_variance_bias(synthetic_table):
    """A few steps of training leave moving variances near their initial 1; recalibration
    brings them to the variance the layers really see."""
    import keras

    X = to_steps(synthetic_table.X[:1024])
    y = synthetic_table.labels()[:1024]
    keras.utils.set_random_seed(0)
    model = seed_model()
    model.compile(optimizer="adam", loss="binary_crossentropy")
    model.fit(X, y, epochs=1, batch_size=128, verbose=0)
    before = bn_drift(model, X)
    recalibrate_bn(model, X, batches=8, batch_size=128)
    after = bn_drift(model, X)
    assert before["median_variance_ratio"].max() < 0.3           # moving variance far too big
    ratio = after["median_variance_ratio"]
    assert ((ratio > 0.5) & (ratio < 2.0)).all(), after


def test_baselines_and_class_weights(synthetic_table):
    for name in ("gbm", "cnn"):
        r = train(synthetic_table, TrainConfig(model=name, epochs=1, subset=300,
                                               class_weight=True), verbose=0)
        assert r.test_proba.shape == (len(r.split.test),)
        assert 0 <= r.threshold <= 1


def test_five_class_training(synthetic_table):
    r = train(synthetic_table, TrainConfig(model="cnn", labels="aami5", epochs=1, subset=300,
                                           split="interpatient"), verbose=0)
    assert r.test_proba.shape == (len(r.split.test), 5)


def test_bad_config_is_named():
    with pytest.raises(ValueError, match="epochs"):
        TrainConfig(epochs=0).validate()
    with pytest.raises(ValueError, match="unknown model"):
        TrainConfig(model="resnet9000").validate()


def test_corrupt_model_file_gives_clear_error(tmp_path):
    from ecglib.core.errors import DataError

    bad = tmp_path / "model.keras"
    bad.write_bytes(b"not a zip")
    with pytest.raises(DataError, match="not a valid Keras model file"):
        load_classifier(bad, "seed", 2)


@pytest.mark.slow
def test_jax_backend_trains(tmp_path):
    pytest.importorskip("jax")
    code = ("from ecglib.data.build import build_table; from ecglib.training.trainer import *; "
            "t = build_table('synthetic', n_synthetic=3, progress=False); "
            "r = train(t, TrainConfig(epochs=1, subset=200, batch_size=50), verbose=0); "
            "import keras; print(keras.backend.backend(), r.test_proba.shape)")
    env = dict(os.environ, KERAS_BACKEND="jax")
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip().startswith("jax")


@pytest.mark.parametrize("backend", ["tensorflow", "jax"])
def test_recalibrated_statistics_are_the_average_of_the_batches(backend):
    """recalibrate_bn runs a compiled pass per backend: its result is the exact average of
    the batch statistics, and it changes no weight."""
    pytest.importorskip(backend)
    proc = subprocess.run([sys.executable, os.path.join(os.path.dirname(__file__),
                                                        "bn_average_check.py")],
                          env=dict(os.environ, KERAS_BACKEND=backend), capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.split()[-2:] == ["ok", backend]


def test_keras_statistics_beside_precise_bn_are_those_of_a_run_without_it():
    """The callback's own account of Keras' moving statistics (and the validation scores
    they give) equals what the same network trained without PreciseBN holds."""
    import keras

    from ecglib.models.batchnorm import precise_bn_callback, with_statistics

    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, 8)).astype("float32") * 0.05
    y = (X[:, 0] + 0.02 * rng.normal(size=600) > 0).astype("float32")
    keras.utils.set_random_seed(0)
    inputs = keras.Input((8,))
    hidden = keras.layers.BatchNormalization()(keras.layers.Dense(16)(inputs))
    outputs = keras.layers.Dense(1, activation="sigmoid")(keras.layers.ReLU()(hidden))
    nets = [keras.Model(inputs, outputs)]
    nets.append(keras.models.clone_model(nets[0]))
    nets[1].set_weights(nets[0].get_weights())
    for net in nets:
        net.compile(optimizer=keras.optimizers.Adam(1e-2), loss="binary_crossentropy",
                    metrics=["accuracy"])
    fit = {"epochs": 3, "batch_size": 50, "shuffle": False, "verbose": 0}
    nets[0].fit(X[:500], y[:500], **fit)
    plain = nets[0].evaluate(X[500:], y[500:], verbose=0, return_dict=True)
    precise = precise_bn_callback(X[:500], batches=4, batch_size=100,
                                  validation=(X[500:], y[500:]))
    history = nets[1].fit(X[:500], y[:500], validation_data=(X[500:], y[500:]),
                          callbacks=[precise], **fit).history
    bn = nets[0].layers[2]
    np.testing.assert_allclose(precise.keras_statistics[-1][0], bn.moving_mean.numpy(),
                               rtol=1e-4, atol=1e-7)
    np.testing.assert_allclose(precise.keras_statistics[-1][1], bn.moving_variance.numpy(),
                               rtol=1e-4, atol=1e-7)
    assert history["val_loss_keras_bn"][-1] == pytest.approx(plain["loss"], rel=1e-4)
    assert history["val_accuracy_keras_bn"][-1] == pytest.approx(plain["accuracy"])
    assert history["val_loss"][-1] != pytest.approx(plain["loss"], rel=1e-3)  # recalibrated
    stale = with_statistics(nets[1], precise.keras_statistics[-1])
    np.testing.assert_allclose(stale.predict(X[500:], verbose=0),
                               nets[0].predict(X[500:], verbose=0), rtol=1e-4, atol=1e-6)


def test_run_folder_keeps_the_keras_statistics(small_run, synthetic_table):
    from ecglib.training.runs import load_run

    result, out = small_run
    assert (out / "keras_bn_statistics.npz").is_file()
    loaded = load_run(out, synthetic_table).model.keras_bn_statistics
    assert len(loaded) == 2 * 6                                 # the seed's 6 BN layers
    for saved, kept in zip(result.model.keras_bn_statistics, loaded):
        np.testing.assert_array_equal(saved, kept)
    assert {"val_accuracy_keras_bn", "val_loss_keras_bn"} <= set(result.history.columns)


def test_the_keras_bn_curve_is_asked_for_and_needs_precise_bn(synthetic_table):
    """Without ``keras_bn_curve`` a run makes no extra validation pass and keeps no Keras
    statistics; asking for it without PreciseBN is an error naming both."""
    cfg = TrainConfig(model="cnn", epochs=1, subset=200, seed=1, batch_size=64)
    result = train(synthetic_table, cfg, verbose=0)
    assert not {"val_accuracy_keras_bn", "val_loss_keras_bn"} & set(result.history.columns)
    assert getattr(result.model, "keras_bn_statistics", None) is None
    with pytest.raises(ValueError, match="keras_bn_curve.*precise_bn"):
        TrainConfig(keras_bn_curve=True, precise_bn=False).validate()


def test_only_the_books_seed_run_on_the_random_split_records_the_keras_bn_curve(
        synthetic_table):
    """Chapter 5 shows that run's Keras-BN curve; every chapter asking for the run gets the
    same configuration (one cached run), and no other run pays the extra pass."""
    from ecglib.book.chapter import Chapter

    ch = Chapter({"seed": 0}, synthetic_table)
    assert ch.config(model="seed", split="random").keras_bn_curve
    assert not ch.config(model="seed", split="interpatient").keras_bn_curve
    assert not ch.config(model="cnn", split="random").keras_bn_curve
    assert not ch.config(model="seed", split="random", precise_bn=False).keras_bn_curve


def test_refit_fits_again_on_training_and_validation_patients(synthetic_table):
    """With refit, a boosting model is the same estimator fitted on train + validation for
    the iterations early stopping chose; the threshold and validation scores are the first
    fit's; a Keras model refuses by name."""
    import copy
    from dataclasses import replace

    from ecglib.models import get_model_spec

    cfg = TrainConfig(model="gbm_rr", split="interpatient", subset=600, seed=0)
    plain = train(synthetic_table, cfg, verbose=0)
    refit = train(synthetic_table, replace(cfg, refit=True), verbose=0)
    np.testing.assert_array_equal(plain.val_proba, refit.val_proba)
    assert plain.threshold == refit.threshold
    est = refit.model.estimator
    assert est.max_iter == plain.model.estimator.n_iter_ and not est.early_stopping
    y = synthetic_table.labels("binary")
    both = np.concatenate([refit.split.train, refit.split.val])
    again = copy.deepcopy(est).fit(refit.model.inputs(synthetic_table.X[both],
                                                      synthetic_table.features(both)), y[both])
    test = synthetic_table.X[refit.split.test]
    np.testing.assert_allclose(
        refit.test_proba, again.predict_proba(refit.model.inputs(
            test, synthetic_table.features(refit.split.test)))[:, 1])
    assert not np.allclose(plain.test_proba, refit.test_proba)
    net = get_model_spec("cnn").create(n_classes=2)
    with pytest.raises(ValueError, match="cannot refit"):
        net.refit(test, y[refit.split.test])


def test_refit_with_a_keras_network_is_refused_by_name():
    with pytest.raises(ValueError, match="refit is for the scikit-learn models; 'seed'"):
        TrainConfig(model="seed", refit=True).validate()
