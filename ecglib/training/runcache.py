"""Trained runs (and cross-validations) cached by what defines them, shared by the
chapters and the comparisons.

A run is cached under ``<cache>/runs/<key>``, the key made of the training configuration,
the model's definition, a digest of the data and the Keras backend. Training is
deterministic, so a cached run equals a fresh one; a damaged entry is trained again.
"""
from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import inspect
import json
import os
import shutil
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import numpy as np

from ..beats.labels import get_scheme
from ..core.atomic import atomic_open, cached_json, load_or_compute, sha256_file
from ..core.errors import EcglibError
from ..core.paths import array_digest, cache_dir, cache_key
from ..core.progress import report
from ..core.threads import tensorflow_threads, thread_settings
from ..data.beattable import BeatTable
from ..models import BUILT_IN_MODELS, MODELS, get_model_spec
from .config import TrainConfig
from .runs import load_run
from .selection import cross_validate
from .trainer import TrainResult, train


def data_identity(table: BeatTable) -> dict:
    """What identifies a beat table's content for caching: its source and a digest of what
    models read (:meth:`ecglib.data.beattable.BeatTable.digest`), so rebuilt features never
    reuse runs trained on the old ones."""
    return {"source": table.source, "n": len(table), "synthetic": table.synthetic,
            "digest": table.digest()}


def model_identity(config: TrainConfig, n_classes: int) -> dict:
    """What defines ``config``'s model before training
    (:meth:`ecglib.models.Classifier.definition`, and its class weighting when ``config``
    asks for class weights, :meth:`ecglib.models.Classifier.weighting`). Building a Keras
    model to read its definition imports Keras, seconds for a chapter that only reads a
    cached run's results: the definition is kept in ``<cache>/definitions/``, keyed by the
    model's settings, the thread settings, the installed Keras and TensorFlow, the Keras
    backend and the digest of ecglib's own source (:func:`source_digest`). A model that is
    not ecglib's own, or any while one of ecglib's is registered anew (its code is not in
    that digest), is built every time."""
    def build() -> dict:
        model = get_model_spec(config.model).create(n_classes=n_classes, seed=config.seed)
        return _plain({**model.definition(), **model.weighting(config.class_weight)})

    if not _built_ins_as_registered(config.model):
        return build()
    memo = cache_key({"model": config.model, "n_classes": n_classes, "seed": config.seed,
                      "class_weight": config.class_weight, "source": source_digest(),
                      "versions": _versions("keras", "tensorflow", "scikit-learn"),
                      "keras_backend": os.environ.get("KERAS_BACKEND"),
                      "threads": thread_settings(), "ecglib_definitions": 1})
    return cached_json("definitions", memo, build)


def _built_ins_as_registered(name: str) -> bool:
    """Whether ``name`` is one of ecglib's own models and every one of them is still
    registered as ecglib registered it (a vote's members are looked up by name)."""
    return name in BUILT_IN_MODELS and all(
        MODELS.find(n) is spec for n, spec in BUILT_IN_MODELS.items())


@functools.cache
def source_digest() -> str:
    """SHA-256 of the source files of the ecglib this process imported (what defines its
    models)."""
    h = hashlib.sha256()
    root = Path(__file__).resolve().parents[1]
    for path in sorted(root.rglob("*.py")):
        h.update(str(path.relative_to(root)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def _versions(*packages: str) -> dict[str, str | None]:
    """The installed version of each of ``packages`` (None where it is not installed)."""
    found: dict[str, str | None] = {}
    for name in packages:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            found[name] = None
    return found


def _identity(table: BeatTable, config: TrainConfig) -> dict:
    """What a cached result of ``config`` on ``table`` depends on: the configuration, the
    data and the model's definition (with the Keras backend of a Keras model)."""
    return {"config": asdict(config), "data": data_identity(table),
            "model": model_identity(config, get_scheme(config.labels).n_classes)}


def cached_run(table: BeatTable, config: TrainConfig, verbose: int = 2) -> TrainResult:
    """A trained run for ``config`` on ``table``: loaded from the run cache or trained."""
    # version 4: a Keras run keeps the BN statistics Keras tracked (keras_bn_statistics.npz)
    key = cache_key({**_identity(table, config), "ecglib_runs": 4})
    folder = cache_dir() / "runs" / key
    return load_or_compute("run", key, lambda: _cached_result(folder, table),
                           lambda: _train_into(folder, key, table, config, verbose))


def _train_into(folder: Path, key: str, table: BeatTable, config: TrainConfig,
                verbose: int) -> TrainResult:
    """Train ``config`` on ``table`` and publish the run as ``folder`` in one rename."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{key}.", dir=folder.parent))
    what = _describe(config)
    report(f"training {what}")
    try:                            # the run and its writer's lock file stay inside tmp
        result = train(table, config, out_dir=tmp / "run", verbose=verbose)
        _publish(tmp / "run", folder)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    report(f"trained {what}: {len(result.history)} epoch(s) in {result.fit_seconds:.0f} s")
    result.run_dir = folder
    return result


def _cached_result(folder: Path, table: BeatTable) -> TrainResult | None:
    """The run cached in ``folder``, or None when there is none; a damaged entry is
    removed (and trained again)."""
    if not (folder / "metrics.json").is_file():
        return None
    try:
        return load_run(folder, table)
    except (EcglibError, OSError, ValueError):
        shutil.rmtree(folder, ignore_errors=True)
        return None


def _describe(config: TrainConfig) -> str:
    """A run in a few words: model, split, labels and the choices that set it apart from
    the other runs of a chapter (the fitting sizes are the profile's, the same for all)."""
    same = {"model", "split", "labels", "epochs", "batch_size", "learning_rate", "patience",
            "seed", "subset", "test_size", "val_size"}
    defaults = asdict(TrainConfig())
    changed = [f"{k}={v}" for k, v in asdict(config).items()
               if k not in same and v != defaults[k]]
    return (f"{config.model} on the {config.split} split ({config.labels}"
            + (f"; {', '.join(changed)}" if changed else "") + ")")


def _publish(tmp: Path, folder: Path, marker: str = "metrics.json") -> None:
    """Move the trained run ``tmp`` to ``folder`` in one rename. Where another process
    (a second notebook, a parallel test) has put the same run there first, its copy is kept:
    training is deterministic, so the two are the same run. A leftover ``folder`` without
    its ``marker`` file is not a run and is replaced."""
    try:
        os.replace(tmp, folder)
        return
    except OSError:                 # folder exists and is not empty
        if (folder / marker).is_file():
            return
    shutil.rmtree(folder, ignore_errors=True)
    os.replace(tmp, folder)


def cached_cross_validate(table: BeatTable, config: TrainConfig, rows: np.ndarray,
                          cv_folds: int = 5, progress: bool = True,
                          stress: BeatTable | None = None) -> np.ndarray:
    """:func:`ecglib.training.selection.cross_validate`, its out-of-fold probabilities cached under
    ``<cache>/cv/<key>.npy`` (key: :func:`_identity`, the rows, the number of folds and the
    stress beats' digest)."""
    rows = np.asarray(rows, dtype=np.int64)
    identity = {**_identity(table, config), "cv_folds": cv_folds,
                "rows": hashlib.sha256(rows.tobytes()).hexdigest(), "ecglib_cv": 2}
    if stress is not None:
        identity["stress"] = stress.digest()
    key = cache_key(identity)
    expected = rows.size + (len(stress) if stress is not None else 0)
    return _cached_array("cv", key, expected, lambda: _reported_cross_validate(
        table, config, rows, cv_folds, progress, stress))


def cached_predictions(model_file: Path, load_model: Callable[[], object],
                       table: BeatTable) -> np.ndarray:
    """``load_model().predict_proba`` over every beat of ``table``, cached under
    ``<cache>/predictions/<key>.npy`` (key: the model file's SHA-256 and the table's
    :meth:`~ecglib.data.beattable.BeatTable.digest`): scoring a run again on the same
    records (a rebuilt chapter, ``ecglib evaluate`` twice) reads its predictions instead of
    loading the model and predicting again."""
    key = cache_key({"model_file": sha256_file(model_file), "table": table.digest(),
                     "ecglib_predictions": 1})
    return _cached_array("predictions", key, len(table), lambda: load_model().predict_proba(
        table.X, table.features(np.arange(len(table)))))


def _cached_array(kind: str, key: str, rows: int, compute: Callable[[], np.ndarray]
                  ) -> np.ndarray:
    """An array of ``rows`` rows kept as ``<cache>/<kind>/<key>.npy``: read when it is there
    and whole, else ``compute()``-d and written atomically (no pickle either way)."""
    path = cache_dir() / kind / f"{key}.npy"

    def write() -> np.ndarray:
        array = compute()
        with atomic_open(path, "wb") as f:
            np.save(f, array, allow_pickle=False)
        return array

    return load_or_compute(kind, key, lambda: _cached_probabilities(path, rows), write)


def _reported_cross_validate(table: BeatTable, config: TrainConfig, rows: np.ndarray,
                             cv_folds: int, progress: bool, stress: BeatTable | None
                             ) -> np.ndarray:
    """:func:`cross_validate`, its start and duration reported to the book's progress."""
    what = _describe(config)
    report(f"cross-validating {what} ({cv_folds} folds)")
    start = time.perf_counter()
    out = cross_validate(table, config, rows, cv_folds, progress, stress)
    report(f"cross-validated {what} in {time.perf_counter() - start:.0f} s")
    return out


def _cached_probabilities(path: Path, expected: int) -> np.ndarray | None:
    """The out-of-fold probabilities cached in ``path``, or None when there are none or
    they are damaged (then they are computed again)."""
    if not path.is_file():
        return None
    try:
        cached = np.load(path, allow_pickle=False)
    except (OSError, ValueError):
        return None
    return cached if len(cached) == expected else None


def _plain(value: object) -> object:
    """``value`` as plain JSON (numbers, strings, lists, dicts; anything else as text)."""
    return json.loads(json.dumps(value, default=str))


def fit_identity(model, x: np.ndarray, y: np.ndarray, validation_data: tuple | None,
                 callbacks: list, fit_args: dict) -> dict:
    """What a Keras fit's result depends on: the architecture, the compile settings, the
    initial weights (so the seed), the data, the callbacks' settings (and the
    ``cache_identity`` of a callback that carries one, such as
    :func:`ecglib.models.precise_bn_callback`'s) and ``fit``'s arguments, the Keras backend
    and TensorFlow's thread count (the order of its sums)."""
    import keras

    settings = [{"class": type(c).__name__,      # its settings, not its state in a fit
                 **{k: v for k, v in vars(c).items()
                    if k in inspect.signature(type(c)).parameters
                    and isinstance(v, (bool, int, float, str))},
                 **({"identity": c.cache_identity} if hasattr(c, "cache_identity") else {})}
                for c in callbacks]
    return _plain({"architecture": json.loads(model.to_json()),
                   "compile": model.get_compile_config(),
                   "weights": array_digest(*model.get_weights()),
                   "data": array_digest(x, y, *(validation_data or ())),
                   "callbacks": settings, "fit": fit_args,
                   "backend": keras.backend.backend(), "threads": tensorflow_threads(),
                   "ecglib_fits": 1})


def cached_fit(model, x: np.ndarray, y: np.ndarray, *, validation_data: tuple | None = None,
               callbacks: list | None = None, **fit_args) -> dict[str, list[float]]:
    """``model.fit(x, y, ...)`` for a compiled Keras model written in a notebook, its trained
    weights kept in the run cache (``<cache>/fits/<key>``, key: :func:`fit_identity`): a
    rebuild loads them into ``model`` instead of training again. Returns the per-epoch
    history (``History.history``). Only weights are stored (``.weights.h5``), never code."""
    callbacks = list(callbacks or [])
    key = cache_key(fit_identity(model, x, y, validation_data, callbacks, fit_args))
    folder = cache_dir() / "fits" / key
    return load_or_compute("fit", key, lambda: _cached_fit(model, folder),
                           lambda: _fit_into(folder, key, model, x, y, validation_data,
                                             callbacks, fit_args))


def _fit_into(folder: Path, key: str, model, x: np.ndarray, y: np.ndarray,
              validation_data: tuple | None, callbacks: list, fit_args: dict
              ) -> dict[str, list[float]]:
    """``model.fit``, its weights and history published as ``folder`` in one rename."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{key}.", dir=folder.parent))
    try:
        fitted = model.fit(x, y, validation_data=validation_data, callbacks=callbacks,
                           **fit_args)
        history = {k: [float(v) for v in vals] for k, vals in fitted.history.items()}
        model.save_weights(tmp / "model.weights.h5")
        (tmp / "history.json").write_text(json.dumps(history))
        _publish(tmp, folder, marker="history.json")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return history


def _cached_fit(model, folder: Path) -> dict[str, list[float]] | None:
    """Load the weights cached in ``folder`` into ``model`` and return the fit's history;
    None when there is no entry, or a damaged one (removed, and trained again)."""
    weights, history_file = folder / "model.weights.h5", folder / "history.json"
    if not (history_file.is_file() and weights.is_file()):
        return None
    try:
        history = json.loads(history_file.read_text())
        with warnings.catch_warnings():         # the optimizer's state is not needed
            warnings.filterwarnings("ignore", "Skipping variable loading for optimizer")
            model.load_weights(weights)
    except (OSError, ValueError):
        shutil.rmtree(folder, ignore_errors=True)
        return None
    epochs = len(next(iter(history.values()), []))
    print(f"Loaded the cached fit ({epochs} epochs) from the run cache.")
    return history


def cached_cross_val_predict(estimator, x: np.ndarray, y: np.ndarray, groups: np.ndarray,
                             folds: int) -> np.ndarray:
    """scikit-learn's ``cross_val_predict(estimator, x, y, groups=groups,
    cv=GroupKFold(folds), method="predict_proba")`` for an estimator written in a notebook,
    kept in the run cache (``<cache>/cv_predict/<key>.npy``; key: the estimator's class and
    parameters, the data, the folds, scikit-learn's version and the thread settings): a
    rebuild reads the probabilities instead of training ``folds`` models again."""
    import sklearn
    from sklearn.model_selection import GroupKFold, cross_val_predict

    key = cache_key(_plain({"estimator": f"{type(estimator).__module__}."
                                         f"{type(estimator).__qualname__}",
                            "params": estimator.get_params(deep=True),
                            "data": array_digest(x, y, groups), "folds": folds,
                            "sklearn": sklearn.__version__, "threads": thread_settings(),
                            "ecglib_cv_predict": 1}))
    return _cached_array("cv_predict", key, len(x), lambda: cross_val_predict(
        estimator, x, y, groups=groups, cv=GroupKFold(folds), method="predict_proba"))
