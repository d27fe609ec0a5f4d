"""The run cache: a trained run is reused, a damaged one retrained, and two processes that
train the same run at once (two notebooks, parallel tests) both get it."""
from __future__ import annotations

import json
import os
import shutil
import threading
import time

import numpy as np
import pytest

from ecglib.training import runcache
from ecglib.training.config import TrainConfig

CONFIG = TrainConfig(model="gbm", subset=300)


def count_calls(monkeypatch, owner, name: str) -> list[int]:
    """Wrap ``owner.<name>`` so that each call appends 1 to the list returned."""
    calls: list[int] = []
    real = getattr(owner, name)

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, counting)
    return calls


@pytest.fixture
def counted(monkeypatch, tmp_path):
    """A private cache, and a list that grows by one per training."""
    monkeypatch.setenv("ECGLIB_CACHE_DIR", str(tmp_path))
    return count_calls(monkeypatch, runcache, "train")


def test_a_cached_run_is_reused_and_a_damaged_one_retrained(synthetic_table, counted):
    first = runcache.cached_run(synthetic_table, CONFIG, verbose=0)
    again = runcache.cached_run(synthetic_table, CONFIG, verbose=0)
    assert len(counted) == 1 and again.run_dir == first.run_dir
    np.testing.assert_array_equal(again.test_proba, first.test_proba)
    (first.run_dir / "metrics.json").write_text("{not json")
    runcache.cached_run(synthetic_table, CONFIG, verbose=0)
    assert len(counted) == 2
    assert json.loads((first.run_dir / "metrics.json").read_text())


def test_a_run_another_process_finished_first_is_kept(synthetic_table, counted, monkeypatch,
                                                      tmp_path):
    done = runcache.cached_run(synthetic_table, CONFIG, verbose=0)
    folder = done.run_dir
    copy = tmp_path / "other-process"
    shutil.copytree(folder, copy)
    shutil.rmtree(folder)
    (copy / "mark").write_text("the other process's copy")
    real = runcache.train

    def train_while_another_finishes(table, config, out_dir, verbose):
        result = real(table, config, out_dir=out_dir, verbose=verbose)
        shutil.copytree(copy, folder)          # the other process publishes first
        return result

    monkeypatch.setattr(runcache, "train", train_while_another_finishes)
    result = runcache.cached_run(synthetic_table, CONFIG, verbose=0)
    assert result.run_dir == folder
    assert (folder / "mark").is_file()          # theirs kept, no error
    np.testing.assert_array_equal(result.test_proba, done.test_proba)
    assert [p.name for p in folder.parent.iterdir()] == [folder.name]   # no temp left


def test_a_run_asked_for_while_another_process_trains_it_waits_and_loads_it(
        synthetic_table, counted, monkeypatch):
    """Two chapters built side by side that need one run train it once: the second waits
    for the first's lock, then loads what it published."""
    real = runcache.train                       # counts each training
    started = threading.Event()

    def slow_train(*args, **kwargs):
        started.set()
        time.sleep(1.0)                         # the second caller arrives meanwhile
        return real(*args, **kwargs)

    monkeypatch.setattr(runcache, "train", slow_train)
    results = []
    first = threading.Thread(
        target=lambda: results.append(runcache.cached_run(synthetic_table, CONFIG, verbose=0)))
    first.start()
    assert started.wait(30)
    second = runcache.cached_run(synthetic_table, CONFIG, verbose=0)
    first.join()
    assert len(counted) == 1
    assert second.run_dir == results[0].run_dir
    np.testing.assert_array_equal(second.test_proba, results[0].test_proba)


def test_a_leftover_folder_that_is_not_a_run_is_replaced(synthetic_table, counted):
    done = runcache.cached_run(synthetic_table, CONFIG, verbose=0)
    shutil.rmtree(done.run_dir)
    done.run_dir.mkdir()
    (done.run_dir / "stray.txt").write_text("not a run")
    result = runcache.cached_run(synthetic_table, CONFIG, verbose=0)
    assert (result.run_dir / "metrics.json").is_file()
    assert not (result.run_dir / "stray.txt").exists()


def _small_net(seed: int = 0):
    """A compiled two-layer Keras net, its initial weights drawn from ``seed``."""
    import keras

    from ecglib.core.seed import set_seed

    set_seed(seed)
    net = keras.Sequential([keras.layers.Input((8,)), keras.layers.Dense(4, activation="relu"),
                            keras.layers.Dense(1, activation="sigmoid")])
    net.compile(optimizer="adam", loss="binary_crossentropy")
    return net


def test_a_notebooks_keras_fit_is_cached_by_what_defines_it(monkeypatch, tmp_path, capsys):
    """The second identical fit loads the weights and history instead of training; a new
    seed, other data or other fit arguments train again; a damaged entry is retrained."""
    import keras

    monkeypatch.setenv("ECGLIB_CACHE_DIR", str(tmp_path))
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(64, 8)).astype("float32"), rng.integers(0, 2, 64)
    stop = [keras.callbacks.EarlyStopping(monitor="loss", patience=1)]
    fits = count_calls(monkeypatch, keras.Model, "fit")
    first = _small_net()
    history = runcache.cached_fit(first, x, y, epochs=3, verbose=0, callbacks=stop)
    again = _small_net()
    assert runcache.cached_fit(again, x, y, epochs=3, verbose=0, callbacks=stop) == history
    assert len(fits) == 1 and "Loaded the cached fit (3 epochs)" in capsys.readouterr().out
    for a, b in zip(first.get_weights(), again.get_weights()):
        np.testing.assert_array_equal(a, b)
    runcache.cached_fit(_small_net(seed=1), x, y, epochs=3, verbose=0)
    runcache.cached_fit(_small_net(), x, 1 - y, epochs=3, verbose=0)
    runcache.cached_fit(_small_net(), x, y, epochs=2, verbose=0)
    assert len(fits) == 4
    (entry,) = [p for p in (tmp_path / "fits").iterdir()
                if json.loads((p / "history.json").read_text()) == history]
    (entry / "model.weights.h5").write_bytes(b"not an h5 file")
    runcache.cached_fit(_small_net(), x, y, epochs=3, verbose=0, callbacks=stop)
    assert len(fits) == 5 and (entry / "model.weights.h5").stat().st_size > 100
    with monkeypatch.context() as threads:            # another order of TF's sums
        threads.setenv("TF_NUM_INTRAOP_THREADS", "7")
        runcache.cached_fit(_small_net(), x, y, epochs=3, verbose=0, callbacks=stop)
    assert len(fits) == 6


def test_a_precise_bn_callbacks_settings_key_the_fit():
    """PreciseBN's beats, batches and seed live in its closure, not in attributes the
    generic callback settings read: its ``cache_identity`` puts them in the fit's key."""
    from ecglib.models import precise_bn_callback

    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(64, 8)).astype("float32"), rng.integers(0, 2, 64)

    def key(**options) -> str:
        settings = {"X": x, "seed": 0, **options}
        callback = precise_bn_callback(settings.pop("X"), **settings)
        return runcache.cache_key(runcache.fit_identity(_small_net(), x, y, None, [callback],
                                                        {"epochs": 1}))

    assert key() == key()
    assert len({key(), key(seed=1), key(batches=3), key(X=x[:32]),
                key(validation=(x, y))}) == 5


def test_a_notebooks_cross_val_predict_is_cached_by_what_defines_it(monkeypatch, tmp_path):
    """The probabilities are scikit-learn's own cross_val_predict's; asked again they are
    read, not computed; other parameters, data or folds compute anew; a damaged entry is
    computed again."""
    import sklearn.model_selection as model_selection
    from sklearn.linear_model import LogisticRegression

    monkeypatch.setenv("ECGLIB_CACHE_DIR", str(tmp_path))
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(90, 4)), rng.integers(0, 3, 90)
    groups = np.repeat(np.arange(9), 10)
    expected = model_selection.cross_val_predict(
        LogisticRegression(), x, y, groups=groups, cv=model_selection.GroupKFold(3),
        method="predict_proba")
    calls = count_calls(monkeypatch, model_selection, "cross_val_predict")
    for _ in range(2):
        got = runcache.cached_cross_val_predict(LogisticRegression(), x, y, groups, 3)
        np.testing.assert_allclose(got, expected)
    assert len(calls) == 1
    runcache.cached_cross_val_predict(LogisticRegression(C=0.1), x, y, groups, 3)
    runcache.cached_cross_val_predict(LogisticRegression(), x[::-1], y, groups, 3)
    runcache.cached_cross_val_predict(LogisticRegression(), x, y, groups, 2)
    assert len(calls) == 4
    for entry in (tmp_path / "cv_predict").glob("*.npy"):
        entry.write_bytes(b"not an npy file")
    got = runcache.cached_cross_val_predict(LogisticRegression(), x, y, groups, 3)
    np.testing.assert_allclose(got, expected)
    assert len(calls) == 5


def test_array_digest_keys_on_shape_type_and_bytes():
    """Two arrays with the same bytes but another shape or type key different results."""
    from ecglib.core import array_digest

    a = np.arange(12, dtype=np.int32)
    assert array_digest(a) == array_digest(a.copy())
    assert array_digest(a) != array_digest(a.reshape(3, 4))
    assert array_digest(a) != array_digest(a.view(np.float32))
    assert array_digest(a[::2]) == array_digest(np.ascontiguousarray(a[::2]))
    assert array_digest(a, a) != array_digest(a)
    ids = np.array(["100", "101", "102"], dtype=object)        # patient ids, as in meta
    assert array_digest(ids) == array_digest(np.array([str(i) for i in (100, 101, 102)],
                                                      dtype=object))
    assert array_digest(ids) != array_digest(ids[::-1])
    assert array_digest(ids) != array_digest(np.array([100, 101, 102], dtype=object))


def test_a_model_definition_is_built_once_per_source_and_settings(counted, monkeypatch):
    """The run cache's key reads a model's definition; it is built (Keras imported) once,
    then read from the cache; the same as built; built again when ecglib's source, the
    thread settings or the model's settings differ, or when the entry is damaged."""
    built: list[str] = []
    real = runcache.get_model_spec

    def spec(name):
        built.append(name)
        return real(name)

    monkeypatch.setattr(runcache, "get_model_spec", spec)
    config = TrainConfig(model="seed")
    first = runcache.model_identity(config, 2)
    assert built == ["seed"] and runcache.model_identity(config, 2) == first
    assert first == json.loads(json.dumps(
        {**real("seed").create(n_classes=2).definition()}))
    runcache.model_identity(TrainConfig(model="seed", seed=1), 2)
    runcache.model_identity(TrainConfig(model="seed", class_weight=True), 2)
    assert len(built) == 3
    threads = os.environ.get("OMP_NUM_THREADS")          # make test sets one per worker
    monkeypatch.setenv("OMP_NUM_THREADS", "7" if threads != "7" else "5")
    runcache.model_identity(config, 2)
    assert len(built) == 4
    monkeypatch.setattr(runcache, "source_digest", lambda: "another ecglib")
    runcache.model_identity(config, 2)
    assert len(built) == 5
    for entry in (runcache.cache_dir() / "definitions").glob("*.json"):
        entry.write_text("{damaged")
    assert runcache.model_identity(config, 2) and len(built) == 6
    from ecglib.models import MODELS

    member = MODELS.get("gbm_rr_tpl")            # a vote's member registered anew
    MODELS.register("gbm_rr_tpl", MODELS.get("gbm_rr"))
    try:
        vote = TrainConfig(model="vote_rr_tpl")
        assert runcache.model_identity(vote, 2) == runcache.model_identity(vote, 2)
        assert built.count("vote_rr_tpl") == 2               # built each time, never kept
    finally:
        MODELS.register("gbm_rr_tpl", member)
