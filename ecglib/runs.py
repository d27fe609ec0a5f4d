"""Loading a run folder back: model (Keras safe mode), parameters, split, and re-evaluation."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .atomic import atomic_open, read_json, verify_checksum
from .beattable import BeatTable
from .errors import DataError
from .models import get_model_spec


#: The only types a scikit-learn model file may hold beyond skops' built-in safe list
#: (the trees of HistGradientBoostingClassifier). Anything else is refused, never loaded.
TRUSTED_SKOPS_TYPES = ["sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor"]
PICKLE_SUFFIXES = (".joblib", ".pkl", ".pickle")


def load_model(path: str | Path):
    """Load a ``.keras`` model in safe mode or a ``.skops`` baseline with an explicit list of
    trusted types; pickle-based files are refused. Any problem is a DataError naming the file."""
    path = Path(path)
    if path.suffix in PICKLE_SUFFIXES:
        raise DataError(f"{path}: pickle-based model files are refused (loading one can run "
                        f"any code); ecglib saves scikit-learn models as .skops: retrain with "
                        f"'ecglib train'")
    if not path.is_file():
        raise DataError(f"{path}: model file not found")
    if path.suffix == ".skops":
        return _load_skops(path)
    if path.suffix != ".keras":
        raise DataError(f"{path}: expected a .keras or .skops model file")
    import keras

    try:
        return keras.models.load_model(path, safe_mode=True, compile=False)
    except Exception as exc:
        raise DataError(f"{path}: not a valid Keras model file ({type(exc).__name__}: "
                        f"{str(exc)[:200]})") from None


def _load_skops(path: Path):
    """A scikit-learn model from a skops file, after checking every type it holds."""
    import skops.io

    try:
        untrusted = skops.io.get_untrusted_types(file=path)
        refused = sorted(set(untrusted) - set(TRUSTED_SKOPS_TYPES))
        if refused:
            raise DataError(f"{path}: holds types ecglib does not trust, not loaded: {refused}")
        return skops.io.load(path, trusted=TRUSTED_SKOPS_TYPES)
    except DataError:
        raise
    except Exception as exc:
        raise DataError(f"{path}: not a valid skops model file ({type(exc).__name__}: "
                        f"{str(exc)[:200]})") from None


def verify_run(run_dir: str | Path) -> None:
    """Check every file of a run folder against the checksums its ``manifest.json`` holds
    (runs written before the manifest existed are read as they are)."""
    from .train import RUN_MANIFEST

    run = Path(run_dir)
    if not (run / RUN_MANIFEST).is_file():
        return
    files = read_json(run / RUN_MANIFEST)
    files = files.get("files") if isinstance(files, dict) else None
    if not isinstance(files, dict):
        raise DataError(f"{run / RUN_MANIFEST}: not the manifest of an ecglib run")
    for name, digest in files.items():
        path = run / str(name)
        if not path.is_file():
            raise DataError(f"{path}: missing from the run folder (listed in its manifest)")
        verify_checksum(path, digest, run / RUN_MANIFEST, "train the run again")


def read_params(run_dir: str | Path) -> dict:
    """``params.json`` of a run folder."""
    path = Path(run_dir) / "params.json"
    if not path.is_file():
        raise DataError(f"{path}: not found (is {run_dir} a run folder from 'ecglib train'?)")
    verify_run(run_dir)
    params = read_json(path)
    if not isinstance(params, dict) or not {"config", "threshold", "model_file",
                                            "data"} <= set(params):
        raise DataError(f"{path}: not the parameters of an ecglib run (missing keys)")
    return params


def params_for_model(model_path: str | Path) -> dict | None:
    """The run parameters beside a model file, if it sits in a run folder."""
    folder = Path(model_path).parent
    return read_params(folder) if (folder / "params.json").is_file() else None


def check_input(model, X: np.ndarray, source: str) -> None:
    """Raise a clear error when prepared beats do not fit the model's input shape."""
    shape = getattr(model, "input_shape", None)
    if shape is not None and tuple(shape[1:]) != tuple(X.shape[1:]):
        raise DataError(f"{source}: input of shape {tuple(X.shape[1:])} does not fit the "
                        f"model's input {tuple(shape[1:])}")


def evaluate_run(run_dir: str | Path, table: BeatTable, n_boot: int = 300) -> pd.DataFrame:
    """Re-evaluate a run: predict its test rows of ``table`` again with the saved model;
    writes ``evaluation.csv``."""
    from .train import predict_proba, test_metrics

    run = Path(run_dir)
    params = read_params(run)
    if len(table) != params["data"]["n_beats"]:
        raise DataError(f"{run}: the run was trained on {params['data']['n_beats']:,} beats "
                        f"but the data given has {len(table):,}: pass the same --data")
    result = load_run(run, table)
    X = get_model_spec(result.config.model).prepare(table.X[result.split.test])
    check_input(result.model, X, str(run))
    result.test_proba = predict_proba(result.model, X)
    frame = test_metrics(result, table.meta, n_boot=n_boot)
    with atomic_open(run / "evaluation.csv", "w", newline="\n") as fh:
        frame.to_csv(fh, index=False, lineterminator="\n")
    return frame


def load_run(run_dir: str | Path, table: BeatTable):
    """A saved run as a :class:`ecglib.train.TrainResult` (model loaded in safe mode)."""
    from .splits import Split
    from .train import TrainConfig, TrainResult

    run = Path(run_dir)
    params = read_params(run)
    try:
        cfg = TrainConfig(**params["config"])
    except TypeError as exc:
        raise DataError(f"{run / 'params.json'}: invalid configuration ({exc})") from None
    for name in ("split.npz", "history.csv"):
        if not (run / name).is_file():
            raise DataError(f"{run / name}: not found; the run folder is incomplete")
    try:
        with np.load(run / "split.npz", allow_pickle=False) as z:
            split = Split(cfg.split, z["train"], z["val"], z["test"])
            val_p, test_p = z["val_proba"], z["test_proba"]
    except (ValueError, KeyError, OSError) as exc:
        raise DataError(f"{run / 'split.npz'}: unreadable ({exc})") from None
    if split.test.size and split.test.max() >= len(table):
        raise DataError(f"{run / 'split.npz'}: test rows beyond the {len(table):,} beats given")
    y_test = table.labels(cfg.labels)[split.test]
    return TrainResult(load_model(run / params["model_file"]), cfg, split,
                       pd.read_csv(run / "history.csv"), float(params["threshold"]), val_p,
                       test_p, y_test, float(params.get("fit_seconds", 0.0)), run)
