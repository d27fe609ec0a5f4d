"""One training function for the CLI and the notebooks, and the run folder it writes.

A run folder holds everything needed to re-evaluate: ``params.json`` (configuration, data
manifest reference, split sizes, threshold), ``history.csv``, ``model.keras`` (or
``model.skops`` for scikit-learn baselines: a format that cannot run code when loaded), ``split.npz`` (row indices and the validation
and test probabilities), ``metrics.json``
and ``predictions.csv`` (test beats). Every file is written atomically.
"""
from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .atomic import (atomic_dir, atomic_open, atomic_write_json, check_replaceable,
                     sha256_file)
from .beattable import BeatTable
from .errors import DataError
from .labels import get_scheme
from .models import get_model_spec
from .seed import set_seed
from .splits import Split, make_split

RUN_MANIFEST = "manifest.json"   # written last: the run folder's files and checksums
RUN_FORMAT = "ecglib-run-1"


@dataclass
class TrainConfig:
    """Everything that defines a training run (saved in ``params.json``)."""

    model: str = "seed"
    split: str = "random"
    labels: str = "binary"
    epochs: int = 10
    batch_size: int = 256
    learning_rate: float = 1e-3
    seed: int = 0
    class_weight: bool = False
    patience: int = 3
    subset: int | None = None
    precise_bn: bool = True

    def validate(self) -> None:
        get_model_spec(self.model)
        get_scheme(self.labels)
        for name in ("epochs", "batch_size"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.subset is not None and self.subset < 10:
            raise ValueError(f"subset must be at least 10 beats, got {self.subset}")
        if not 0 < self.learning_rate < 1:
            raise ValueError(f"learning_rate must be in (0, 1), got {self.learning_rate}")


@dataclass
class TrainResult:
    """What :func:`train` returns: the fitted model and everything measured."""

    model: object
    config: TrainConfig
    split: Split
    history: pd.DataFrame
    threshold: float
    val_proba: np.ndarray
    test_proba: np.ndarray
    y_test: np.ndarray
    fit_seconds: float
    run_dir: Path | None = None
    extra: dict = field(default_factory=dict)


def _subsample(idx: np.ndarray, y: np.ndarray, n: int | None, seed: int) -> np.ndarray:
    """A stratified random subset of ``idx`` of size ``n`` (all of it when ``n`` is None)."""
    if n is None or n >= idx.size:
        return idx
    from sklearn.model_selection import train_test_split

    strat = y[idx] if np.bincount(y[idx]).min(initial=idx.size) >= 2 else None
    keep, _ = train_test_split(idx, train_size=n, stratify=strat, random_state=seed)
    return np.sort(keep)


def predict_proba(model, X: np.ndarray, batch_size: int = 512) -> np.ndarray:
    """P(abnormal) per row (binary, 1-D) or class probabilities (multi-class, 2-D)."""
    if hasattr(model, "predict_proba"):
        p = model.predict_proba(X)
        return p[:, 1] if p.shape[1] == 2 else p
    p = np.asarray(model.predict(X, batch_size=batch_size, verbose=0))
    return p[:, 0] if p.shape[1] == 1 else p


def _fit_keras(model, cfg: TrainConfig, Xtr, ytr, Xva, yva, n_classes: int, verbose: int):
    import keras

    from .batchnorm import precise_bn_callback

    loss = "binary_crossentropy" if n_classes == 2 else "sparse_categorical_crossentropy"
    model.compile(optimizer=keras.optimizers.Adam(cfg.learning_rate), loss=loss,
                  metrics=["accuracy"])
    callbacks = []
    if cfg.precise_bn:
        callbacks.append(precise_bn_callback(Xtr, seed=cfg.seed))
    callbacks.append(keras.callbacks.EarlyStopping(monitor="val_loss", patience=cfg.patience,
                                                   restore_best_weights=True))
    weights = None
    if cfg.class_weight:
        counts = np.bincount(ytr, minlength=n_classes)
        weights = {c: float(len(ytr) / (n_classes * max(n, 1))) for c, n in enumerate(counts)}
    hist = model.fit(Xtr, ytr, validation_data=(Xva, yva), epochs=cfg.epochs,
                     batch_size=cfg.batch_size, class_weight=weights, callbacks=callbacks,
                     verbose=verbose, shuffle=True)
    frame = pd.DataFrame(hist.history)
    frame.insert(0, "epoch", np.arange(1, len(frame) + 1))
    return frame


def train(table: BeatTable, config: TrainConfig, out_dir: str | Path | None = None,
          verbose: int = 2, force: bool = False) -> TrainResult:
    """Train ``config.model`` on ``table`` with ``config.split``; write a run folder if asked.

    Validation comes from the training part only; the decision threshold is chosen on it.
    ``verbose=2`` prints one line per epoch. An existing, non-empty ``out_dir`` is refused
    (before any training) unless ``force``.
    """
    config.validate()
    if out_dir is not None:
        check_run_target(Path(out_dir), force)
    set_seed(config.seed)
    spec = get_model_spec(config.model)
    scheme = get_scheme(config.labels)
    y = table.labels(config.labels)
    present = np.unique(y)
    if present.size == 0:
        raise DataError("the data holds no beats")
    if present.size == 1:
        raise DataError(f"the data holds a single class ({scheme.classes[int(present[0])]!r}, "
                        f"{len(y):,} beats) under labels={config.labels!r}: a classifier needs "
                        f"beats of at least two classes")
    split = make_split(config.split, table.meta, y, seed=config.seed)
    for part in ("train", "test"):
        if np.unique(y[getattr(split, part)]).size < 2:
            raise DataError(f"the {part} part of the {config.split} split holds a single class: "
                            f"its metrics would mean nothing; use more or other data")
    train_idx = _subsample(split.train, y, config.subset, config.seed)
    val_idx = _subsample(split.val, y, None if config.subset is None else
                         max(10, config.subset // 4), config.seed)
    split = Split(split.name, train_idx, val_idx, split.test)
    Xtr, Xva, Xte = (spec.prepare(table.X[i]) for i in (train_idx, val_idx, split.test))
    ytr, yva, yte = y[train_idx], y[val_idx], y[split.test]
    start = time.perf_counter()
    if spec.kind == "keras":
        model = spec.build(n_classes=scheme.n_classes)
        history = _fit_keras(model, config, Xtr, ytr, Xva, yva, scheme.n_classes, verbose)
    else:
        model = spec.build(n_classes=scheme.n_classes, seed=config.seed)
        model.fit(Xtr, ytr)
        history = pd.DataFrame({"epoch": [1], "n_iter": [int(getattr(model, "n_iter_", 1))]})
    fit_seconds = time.perf_counter() - start
    val_p, test_p = predict_proba(model, Xva), predict_proba(model, Xte)
    from .metrics import choose_threshold

    threshold = choose_threshold(yva, val_p) if val_p.ndim == 1 else 0.5
    result = TrainResult(model, config, split, history, threshold, val_p, test_p, yte,
                         fit_seconds)
    if out_dir is not None:
        result.run_dir = save_run(result, table, out_dir)
    return result


def _save_model(model, path_stem: Path) -> Path:
    """Save a Keras model as ``.keras`` (or a scikit-learn one as ``.skops``) atomically."""
    if hasattr(model, "save"):
        final = path_stem.with_suffix(".keras")
        tmp = final.with_name(f".{final.name}.{os.getpid()}.tmp.keras")
        try:
            model.save(tmp)
            os.replace(tmp, final)
        finally:
            tmp.unlink(missing_ok=True)
        return final
    import skops.io

    final = path_stem.with_suffix(".skops")
    with atomic_open(final, "wb") as fh:
        fh.write(skops.io.dumps(model))
    return final


def check_run_target(out: Path, force: bool) -> None:
    """Refuse to write a run over a folder that holds anything, unless ``force``."""
    check_replaceable(out, force, False, "already exists and is not empty (choose another "
                                         "--out)")


def save_run(result: TrainResult, table: BeatTable, out_dir: str | Path) -> Path:
    """Write the run folder of ``result`` all at once: written beside the target and swapped
    in when complete, so an interrupted run never leaves a folder that looks finished."""
    target = Path(out_dir)
    with atomic_dir(target) as tmp:
        _write_run(result, table, tmp)
    return target


def _write_run(result: TrainResult, table: BeatTable, out: Path) -> None:
    """The files of a run folder, written into ``out``."""
    cfg = result.config
    scheme = get_scheme(cfg.labels)
    model_path = _save_model(result.model, out / "model")
    with atomic_open(out / "history.csv", "w", newline="\n") as fh:
        result.history.to_csv(fh, index=False, lineterminator="\n")
    with atomic_open(out / "split.npz", "wb") as fh:
        np.savez(fh, train=result.split.train, val=result.split.val, test=result.split.test,
                 val_proba=result.val_proba, test_proba=result.test_proba)
    meta = table.meta.iloc[result.split.test]
    preds = pd.DataFrame({"row": result.split.test, "record": meta["record"].to_numpy(),
                          "sample": meta["sample"].to_numpy(), "label": result.y_test})
    if result.test_proba.ndim == 1:
        preds["probability"] = result.test_proba
    else:
        for i, c in enumerate(scheme.classes):
            preds[f"p_{c}"] = result.test_proba[:, i]
    with atomic_open(out / "predictions.csv", "w", newline="\n") as fh:
        preds.to_csv(fh, index=False, lineterminator="\n", float_format="%.6g")
    import keras

    params = {"config": asdict(cfg), "model_file": model_path.name,
              "keras_backend": keras.backend.backend(), "keras_version": keras.__version__,
              "threshold": result.threshold, "classes": list(scheme.classes),
              "split_sizes": result.split.sizes(), "fit_seconds": result.fit_seconds,
              "epochs_run": int(len(result.history)),
              "data": {"source": table.source, "synthetic": table.synthetic,
                       "n_beats": len(table), "path": table.info.get("path"),
                       "source_checksums_sha256": _digest(table.info.get("source_checksums"))}}
    atomic_write_json(out / "params.json", params)
    table_m = test_metrics(result, table.meta)
    at_half = point_metrics_at(result, 0.5)
    metrics = {"threshold": result.threshold, "test": table_m.to_dict(orient="records"),
               "test_at_0.5": at_half, "bootstrap": dict(table_m.attrs),
               "synthetic_data": table.synthetic}
    atomic_write_json(out / "metrics.json", metrics)
    atomic_write_json(out / RUN_MANIFEST, {
        "format": RUN_FORMAT, "files": {f.name: sha256_file(f) for f in sorted(out.iterdir())
                                        if f.is_file() and f.name != RUN_MANIFEST}})


def test_metrics(result: TrainResult, meta: pd.DataFrame, n_boot: int = 300) -> pd.DataFrame:
    """Test metrics of a run with 95% bootstrap CIs at its validation-chosen threshold;
    whole records are resampled for the inter-patient split, beats otherwise."""
    from .metrics import metrics_table

    cfg = result.config
    groups = (meta["record"].to_numpy()[result.split.test] if cfg.split == "interpatient"
              else None)
    return metrics_table(result.y_test, result.test_proba, result.threshold,
                         get_scheme(cfg.labels).classes, groups=groups, n_boot=n_boot,
                         seed=cfg.seed)


def point_metrics_at(result: TrainResult, threshold: float) -> dict[str, float]:
    """Test metrics of ``result`` at a fixed threshold (e.g. the seed's implicit 0.5)."""
    from .metrics import point_metrics

    return point_metrics(result.y_test, result.test_proba, threshold,
                         get_scheme(result.config.labels).classes)


def _digest(obj) -> str | None:
    if not obj:
        return None
    import hashlib

    return hashlib.sha256(json.dumps(obj, sort_keys=True).encode()).hexdigest()
