"""Loading a run folder back: parameters (checked against the run's manifest), the label
scheme, the model (in a format that cannot run code), the split, and re-evaluation."""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from ..beats.labels import LabelScheme, get_scheme
from ..core.atomic import atomic_open, read_json, verify_checksum
from ..core.errors import DataError
from ..data.beattable import BeatTable
from ..models import Classifier, load_classifier
from .config import TrainConfig
from .splits import Split, get_split
from .trainer import KERAS_BN_FILE, RUN_MANIFEST, TrainResult, s_breakdown, test_metrics


#: run folders read unverified in this process (each is warned about once)
_UNVERIFIED: set[Path] = set()


def verify_run(run_dir: str | Path, verify: bool = True) -> None:
    """Check every file of a run folder against the checksums its ``manifest.json`` holds.
    A folder without a manifest is refused; ``verify=False`` (``--no-verify``) reads it
    unverified, with a warning."""
    run = Path(run_dir)
    if not verify:
        if run.resolve() not in _UNVERIFIED:      # once per folder, however often it is read
            _UNVERIFIED.add(run.resolve())
            warnings.warn(f"{run}: read without verifying its files (--no-verify)",
                          stacklevel=3)
        return
    if not (run / RUN_MANIFEST).is_file():
        raise DataError(f"{run / RUN_MANIFEST}: missing, so the run folder's files cannot be "
                        f"verified; train the run again, or pass --no-verify to read it "
                        f"unverified")
    files = read_json(run / RUN_MANIFEST)
    files = files.get("files") if isinstance(files, dict) else None
    if not isinstance(files, dict):
        raise DataError(f"{run / RUN_MANIFEST}: not the manifest of an ecglib run")
    for name, digest in files.items():
        path = run / str(name)
        if not path.is_file():
            raise DataError(f"{path}: missing from the run folder (listed in its manifest)")
        verify_checksum(path, digest, run / RUN_MANIFEST, "train the run again")


def read_params(run_dir: str | Path, verify: bool = True) -> dict:
    """``params.json`` of a run folder, its files verified (:func:`verify_run`)."""
    path = Path(run_dir) / "params.json"
    if not path.is_file():
        raise DataError(f"{path}: not found (is {run_dir} a run folder from 'ecglib train'?)")
    verify_run(run_dir, verify)
    params = read_json(path)
    if not isinstance(params, dict) or not {"config", "threshold", "model_file",
                                            "data"} <= set(params):
        raise DataError(f"{path}: not the parameters of an ecglib run (missing keys)")
    check_params(params, path)
    return params


def check_params(params: dict, path: Path) -> None:
    """Refuse a ``params.json`` whose fields are out of range: a run folder is read only as
    far as it makes sense (a threshold of 7.5 would call every beat normal)."""
    def bad(field: str, value, expected: str) -> DataError:
        return DataError(f"{path}: {field} is {value!r}; expected {expected}")

    threshold = params["threshold"]
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) \
            or not 0.0 <= threshold <= 1.0:
        raise bad("threshold", threshold, "a probability in [0, 1]")
    model_file = params["model_file"]
    if not isinstance(model_file, str) or Path(model_file).name != model_file \
            or model_file in ("", ".", ".."):
        raise bad("model_file", model_file, "a file name inside the run folder")
    if not isinstance(params["config"], dict):
        raise bad("config", params["config"], "the training configuration (an object)")
    data = params["data"]
    n_beats = data.get("n_beats") if isinstance(data, dict) else None
    if isinstance(n_beats, bool) or not isinstance(n_beats, int) or n_beats < 1:
        raise bad("data.n_beats", n_beats, "the number of beats trained on (at least 1)")
    if data.get("digest") is not None and not isinstance(data["digest"], str):
        raise bad("data.digest", data["digest"], "the digest of the beats (a string)")


def check_run_data(run_dir: str | Path, params: dict, table: BeatTable) -> None:
    """Refuse beats other than those the run was trained on: its split indices point into
    them, so other beats would put training beats among the test beats."""
    data, run = params["data"], Path(run_dir)
    if len(table) != data["n_beats"]:
        raise DataError(f"{run}: the run was trained on {data['n_beats']:,} beats "
                        f"but the data given has {len(table):,}: pass the same --data")
    if data.get("digest") and data["digest"] != table.digest():
        raise DataError(f"{run}: the data given holds other beats than the run was trained "
                        f"on (same count, digest {table.digest()} instead of "
                        f"{data['digest']}): pass the same --data")


def run_config(run_dir: str | Path, params: dict) -> TrainConfig:
    """The :class:`TrainConfig` a run was trained with."""
    try:
        return TrainConfig(**params["config"])
    except TypeError as exc:
        raise DataError(f"{Path(run_dir) / 'params.json'}: invalid configuration "
                        f"({exc})") from None


def run_scheme(run_dir: str | Path, params: dict) -> LabelScheme:
    """The label scheme a run was trained with, as its ``params.json`` saved it."""
    if isinstance(params.get("label_scheme"), dict):
        return LabelScheme.from_dict(params["label_scheme"], str(Path(run_dir) / "params.json"))
    return get_scheme(params["config"]["labels"])


def run_model(run_dir: str | Path, params: dict) -> Classifier:
    """The trained model of a run folder (with the BN statistics Keras tracked, if saved)."""
    model = load_classifier(Path(run_dir) / params["model_file"], params["config"]["model"],
                            run_scheme(run_dir, params).n_classes)
    keras_bn = Path(run_dir) / KERAS_BN_FILE
    if keras_bn.is_file() and hasattr(model, "keras_bn_statistics"):
        try:
            with np.load(keras_bn, allow_pickle=False) as z:
                model.keras_bn_statistics = [z[f"arr_{i}"] for i in range(len(z.files))]
        except (ValueError, KeyError, OSError) as exc:
            raise DataError(f"{keras_bn}: unreadable ({exc})") from None
    return model


def evaluate_run(run_dir: str | Path, table: BeatTable, n_boot: int = 300,
                 verify: bool = True) -> pd.DataFrame:
    """Re-evaluate a run: predict its test rows of ``table`` again with the saved model;
    writes ``evaluation.csv`` and, for labels with class S, ``evaluation_s_breakdown.csv``
    (:func:`ecglib.training.trainer.s_breakdown`)."""
    run = Path(run_dir)
    result = load_run(run, table, verify)
    try:
        result.test_proba = result.model.predict_proba(table.X[result.split.test],
                                                       table.features(result.split.test))
    except DataError as exc:
        raise DataError(f"{run}: {exc}") from None
    frame = test_metrics(result, table.meta, n_boot=n_boot)
    with atomic_open(run / "evaluation.csv", "w", newline="\n") as fh:
        frame.to_csv(fh, index=False, lineterminator="\n")
    breakdown = s_breakdown(result, table.meta)
    if breakdown is not None:
        with atomic_open(run / "evaluation_s_breakdown.csv", "w", newline="\n") as fh:
            breakdown.to_csv(fh, index=False, lineterminator="\n", float_format="%.6g")
    return frame


def load_run(run_dir: str | Path, table: BeatTable, verify: bool = True) -> TrainResult:
    """A saved run as a :class:`ecglib.training.trainer.TrainResult`, its files verified
    against their checksums; the model is loaded safely when first used."""
    run = Path(run_dir)
    params = read_params(run, verify)
    check_run_data(run, params, table)
    cfg = run_config(run, params)
    scheme = run_scheme(run, params)
    for name in ("split.npz", "history.csv"):
        if not (run / name).is_file():
            raise DataError(f"{run / name}: not found; the run folder is incomplete")
    try:
        with np.load(run / "split.npz", allow_pickle=False) as z:
            split = Split(cfg.split, z["train"], z["val"], z["test"],
                          params.get("split_group", get_split(cfg.split).group),
                          tuple(params.get("split_notes", ())))
            val_p, test_p = z["val_proba"], z["test_proba"]
    except (ValueError, KeyError, OSError) as exc:
        raise DataError(f"{run / 'split.npz'}: unreadable ({exc})") from None
    if split.test.size and split.test.max() >= len(table):
        raise DataError(f"{run / 'split.npz'}: test rows beyond the {len(table):,} beats given")
    y_test = table.labels(scheme)[split.test]
    if not (run / params["model_file"]).is_file():
        raise DataError(f"{run / params['model_file']}: not found; the run folder is "
                        "incomplete")
    return TrainResult(None, cfg, split, pd.read_csv(run / "history.csv"),
                       float(params["threshold"]), val_p, test_p, y_test,
                       float(params.get("fit_seconds", 0.0)), scheme, run,
                       model_loader=lambda: run_model(run, params))
