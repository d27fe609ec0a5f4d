"""One training function for the CLI and the notebooks, and the run folder it writes.

A run folder holds everything needed to re-evaluate: ``params.json`` (configuration, the
label scheme whole, data reference, split sizes and grouping, threshold), ``history.csv``,
the model (``model.keras``, or ``model.skops`` for scikit-learn baselines: formats that
cannot run code when loaded), ``split.npz`` (row indices and the validation and test
probabilities), ``keras_bn_statistics.npz`` (a network trained with PreciseBN: the BN
statistics Keras itself tracked), ``metrics.json``, ``predictions.csv`` (test beats) and,
for labels with class S, ``s_breakdown.csv`` (:func:`s_breakdown`).
The folder is written whole (:func:`ecglib.core.atomic.atomic_dir`) and lists its files'
checksums in ``manifest.json``.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from ..beats.labels import LabelScheme, get_scheme
from ..core.atomic import (
    atomic_dir,
    atomic_open,
    atomic_write_json,
    check_replaceable,
    sha256_file,
)
from ..core.errors import DataError
from ..core.paths import cache_key
from ..core.seed import set_seed
from ..data.beattable import BeatTable
from ..data.leads import with_twins
from ..datasets import DATASETS
from ..metrics.ectopy import ectopic_breakdown
from ..metrics.scores import choose_threshold, metrics_table, point_metrics, predicted_labels
from ..models import Classifier, get_model_spec
from .config import TrainConfig
from .splits import Split, SplitParams, make_split
from .weights import patient_weights

RUN_MANIFEST = "manifest.json"   # written last: the run folder's files and checksums
RUN_FORMAT = "ecglib-run-1"
KERAS_BN_FILE = "keras_bn_statistics.npz"   # BN statistics without PreciseBN (Keras nets)
S_BREAKDOWN_FILE = "s_breakdown.csv"        # label schemes with class S


@dataclass
class TrainResult:
    """What :func:`train` returns: the fitted model and everything measured.

    A run loaded from its folder (:func:`ecglib.training.runs.load_run`) reads its model file
    only when :attr:`model` is first asked for (``model_loader``): a chapter that reads a
    run's split and probabilities does not read the trained network."""

    _model: Classifier | None
    config: TrainConfig
    split: Split
    history: pd.DataFrame
    threshold: float
    val_proba: np.ndarray
    test_proba: np.ndarray
    y_test: np.ndarray
    fit_seconds: float
    scheme: LabelScheme
    run_dir: Path | None = None
    extra: dict = field(default_factory=dict)
    model_loader: Callable[[], Classifier] | None = field(default=None, repr=False)

    @property
    def model(self) -> Classifier:
        """The trained model (loaded on first use where the run came from its folder)."""
        if self._model is None and self.model_loader is not None:
            self._model = self.model_loader()
        return self._model


def subsample(idx: np.ndarray, y: np.ndarray, n: int | None, seed: int) -> np.ndarray:
    """A stratified random subset of ``idx`` of size ``n`` (all of it when ``n`` is None)."""
    if n is None or n >= idx.size:
        return idx
    strat = y[idx] if np.bincount(y[idx]).min(initial=idx.size) >= 2 else None
    keep, _ = train_test_split(idx, train_size=n, stratify=strat, random_state=seed)
    return np.sort(keep)


def standard_split(table: BeatTable):
    """The standard (train, test) records of the table's dataset, if it has them."""
    ds = DATASETS.find(table.source)
    return ds.standard_split if ds is not None else None


def split_params(table: BeatTable, config: TrainConfig) -> SplitParams:
    """``config``'s split parameters with what the table's dataset knows: its standard
    split and its records' sampling rate."""
    ds = DATASETS.find(table.source)
    return config.split_params(standard_split(table), ds.fs if ds is not None else None)


def _with_lead(table: BeatTable, y: np.ndarray, rows: np.ndarray, val_rows: np.ndarray,
               config: TrainConfig) -> tuple[BeatTable, np.ndarray, np.ndarray, np.ndarray]:
    """``(table, y, rows, val_rows)`` as fitting sees them: with ``config.other_lead``, the
    table of both leads and each row's twin beside it."""
    if not config.other_lead:
        return table, y, rows, val_rows
    twins = table.twins
    if twins is None or twins.dataset != config.other_lead:
        raise DataError(f"other_lead={config.other_lead!r}: these beats were loaded "
                        f"without that lead; load them with it "
                        f"(ecglib.data.load(..., other_lead={config.other_lead!r}))")
    return (twins.both, twins.both.labels(config.labels), with_twins(rows, twins.twin),
            with_twins(val_rows, twins.twin))


def _weights(table: BeatTable, y: np.ndarray, rows: np.ndarray,
             config: TrainConfig) -> np.ndarray | None:
    """Each beat's patient weight among ``rows`` (None without ``config.patient_weight``)."""
    if not config.patient_weight:
        return None
    return patient_weights(y[rows], table.meta["patient"].to_numpy()[rows],
                           config.patient_weight)


def fit_rows(model: Classifier, table: BeatTable, y: np.ndarray, rows: np.ndarray,
             val_rows: np.ndarray, config: TrainConfig, verbose: int = 2) -> pd.DataFrame:
    """Fit ``model`` on beats ``rows`` of ``table`` (labels ``y``, early stopping on
    ``val_rows``); with ``config.other_lead``, those beats as the other lead recorded them
    join both (the table's ``twins``, :func:`ecglib.data.leads.with_other_lead`); with
    ``config.patient_weight``, each beat also weighs its patient weight
    (:func:`ecglib.training.weights.patient_weights`). Returns the model's history."""
    table, y, rows, val_rows = _with_lead(table, y, rows, val_rows, config)
    weight = _weights(table, y, rows, config)
    extra = {} if weight is None else {"sample_weight": weight}
    return model.fit(table.X[rows], y[rows], table.X[val_rows], y[val_rows],
                     config.fit_params(), verbose=verbose, features=table.features(rows),
                     features_val=table.features(val_rows), **extra)


def refit_rows(model: Classifier, table: BeatTable, y: np.ndarray, rows: np.ndarray,
               val_rows: np.ndarray, config: TrainConfig) -> None:
    """With ``config.refit``, fit ``model`` (fitted by :func:`fit_rows`) again on ``rows``
    and ``val_rows`` together (:meth:`ecglib.models.base.Classifier.refit`), each beat with
    its patient weight among them all; else nothing."""
    if not config.refit:
        return
    table, y, rows, val_rows = _with_lead(table, y, rows, val_rows, config)
    both = np.concatenate([rows, val_rows])
    model.refit(table.X[both], y[both], features=table.features(both),
                sample_weight=_weights(table, y, both, config))


def train(table: BeatTable, config: TrainConfig, out_dir: str | Path | None = None,
          verbose: int = 2, force: bool = False) -> TrainResult:
    """Train ``config.model`` on ``table`` with ``config.split``; write a run folder if asked.

    Validation comes from the training part only; the decision threshold is chosen on it.

    Parameters
    ----------
    table : BeatTable
        The beats (:func:`ecglib.data.load`).
    config : TrainConfig
        Model, split, labels, epochs, seed... (every field is a ``ecglib train`` option).
    out_dir : path, optional
        Write the run folder there (params, history, model, split, metrics, manifest).
    verbose : int
        2 prints one line per epoch, 0 nothing.
    force : bool
        Replace an existing, non-empty ``out_dir`` (refused before any training otherwise).

    Returns
    -------
    TrainResult
        The fitted model, split, history, threshold and the test probabilities.

    Examples
    --------
    >>> from ecglib.data import build_table
    >>> table = build_table("synthetic", n_synthetic=6, progress=False)
    >>> run = train(table, TrainConfig(model="gbm", split="interpatient"), verbose=0)
    >>> run.split.group, run.test_proba.shape == run.y_test.shape
    ('patient', True)
    """
    config.validate()
    if out_dir is not None:
        check_run_target(Path(out_dir), force)
    set_seed(config.seed)
    scheme = get_scheme(config.labels)
    y = table.labels(scheme)
    present = np.unique(y)
    if present.size == 0:
        raise DataError("the data holds no beats")
    if present.size == 1:
        raise DataError(f"the data holds a single class ({scheme.classes[int(present[0])]!r}, "
                        f"{len(y):,} beats) under labels={config.labels!r}: a classifier needs "
                        f"beats of at least two classes")
    split = make_split(config.split, table.meta, y, split_params(table, config))
    for part in ("train", "test"):
        if np.unique(y[getattr(split, part)]).size < 2:
            raise DataError(f"the {part} part of the {config.split} split holds a single class: "
                            f"its metrics would mean nothing; use more or other data")
    train_idx = subsample(split.train, y, config.subset, config.seed)
    val_idx = subsample(split.val, y, None if config.subset is None else
                         max(10, config.subset // 4), config.seed)
    split = Split(split.name, train_idx, val_idx, split.test, split.group, split.notes)
    model = get_model_spec(config.model).create(n_classes=scheme.n_classes, seed=config.seed)
    start = time.perf_counter()
    history = fit_rows(model, table, y, train_idx, val_idx, config, verbose)
    fit_seconds = time.perf_counter() - start
    val_p = model.predict_proba(table.X[val_idx], table.features(val_idx))
    start = time.perf_counter()
    refit_rows(model, table, y, train_idx, val_idx, config)
    fit_seconds += time.perf_counter() - start
    test_p = model.predict_proba(table.X[split.test], table.features(split.test))
    threshold = choose_threshold(y[val_idx], val_p) if val_p.ndim == 1 else 0.5
    result = TrainResult(model, config, split, history, threshold, val_p, test_p,
                         y[split.test], fit_seconds, scheme)
    if out_dir is not None:
        result.run_dir = save_run(result, table, out_dir, replace=force)
    return result


def check_run_target(out: Path, force: bool) -> None:
    """Refuse to write a run over a folder that holds anything, unless ``force``."""
    check_replaceable(out, force, False, "already exists and is not empty (choose another "
                                         "--out)")


def save_run(result: TrainResult, table: BeatTable, out_dir: str | Path,
             replace: bool = False) -> Path:
    """Write the run folder of ``result`` all at once: written beside the target and swapped
    in when complete, so an interrupted run never leaves a folder that looks finished. A
    run another command wrote there meanwhile is replaced only with ``replace``."""
    target = Path(out_dir)
    with atomic_dir(target, replace=replace) as tmp:
        _write_run(result, table, tmp)
    return target


def _write_run(result: TrainResult, table: BeatTable, out: Path) -> None:
    """The files of a run folder, written into ``out``."""
    cfg, scheme = result.config, result.scheme
    model_path = result.model.save(out / "model")
    keras_bn = getattr(result.model, "keras_bn_statistics", None)
    if keras_bn:
        with atomic_open(out / KERAS_BN_FILE, "wb") as fh:
            np.savez(fh, *keras_bn)
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
    checksums = table.info.get("source_checksums")
    params = {"config": asdict(cfg), "label_scheme": scheme.to_dict(),
              "model_file": model_path.name, **result.model.framework(),
              "threshold": result.threshold, "classes": list(scheme.classes),
              "split_sizes": result.split.sizes(), "split_group": result.split.group,
              "split_notes": list(result.split.notes), "fit_seconds": result.fit_seconds,
              "epochs_run": int(len(result.history)),
              "data": {"source": table.source, "synthetic": table.synthetic,
                       "n_beats": len(table), "digest": table.digest(),
                       "path": table.info.get("path"),
                       "source_checksums_sha256": cache_key(checksums, 64) if checksums
                       else None}}
    atomic_write_json(out / "params.json", params)
    table_m = test_metrics(result, table.meta)
    metrics = {"threshold": result.threshold, "test": table_m.to_dict(orient="records"),
               "test_at_0.5": point_metrics_at(result, 0.5), "bootstrap": dict(table_m.attrs),
               "synthetic_data": table.synthetic}
    atomic_write_json(out / "metrics.json", metrics)
    breakdown = s_breakdown(result, table.meta)
    if breakdown is not None:
        with atomic_open(out / S_BREAKDOWN_FILE, "w", newline="\n") as fh:
            breakdown.to_csv(fh, index=False, lineterminator="\n", float_format="%.6g")
    atomic_write_json(out / RUN_MANIFEST, {
        "format": RUN_FORMAT, "files": {f.name: sha256_file(f) for f in sorted(out.iterdir())
                                        if f.is_file() and f.name != RUN_MANIFEST}})


def test_metrics(result: TrainResult, meta: pd.DataFrame, n_boot: int = 300) -> pd.DataFrame:
    """Test metrics of a run with 95% bootstrap CIs at its validation-chosen threshold,
    resampling what the split keeps together (whole patients) or else beats."""
    return metrics_table(result.y_test, result.test_proba, result.threshold,
                         result.scheme.classes, groups=result.split.test_groups(meta),
                         n_boot=n_boot, seed=result.config.seed,
                         unit=f"{result.split.group}s")


def s_breakdown(result: TrainResult, meta: pd.DataFrame) -> pd.DataFrame | None:
    """Where the run finds the test part's S beats: alone, in pairs and runs, in record
    232 and elsewhere, record by record (:func:`ecglib.metrics.ectopy.ectopic_breakdown`,
    at the run's decision); None for a label scheme without class S."""
    if "S" not in result.scheme.classes:
        return None
    test = meta.iloc[result.split.test]
    return ectopic_breakdown(test["record"].to_numpy(), test["sample"].to_numpy(),
                             result.y_test, predicted_labels(result.test_proba,
                                                             result.threshold),
                             result.scheme.classes)


def point_metrics_at(result: TrainResult, threshold: float) -> dict[str, float]:
    """Test metrics of ``result`` at a fixed threshold (e.g. the seed's implicit 0.5)."""
    return point_metrics(result.y_test, result.test_proba, threshold, result.scheme.classes)
