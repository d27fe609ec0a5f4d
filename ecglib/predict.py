"""Classify the beats of a raw WFDB record (own R-peak detection) or of beat CSV files."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .atomic import atomic_open
from .beatfiles import infer_file_kind, read_beat_csv
from .errors import DataError
from .extract import beats_from_peaks
from .labels import aami_class, get_scheme
from .metrics import point_metrics, predicted_labels
from .models import MODELS, get_model_spec
from .peaks import detect_r_peaks
from .records import read_wfdb_record
from .runs import check_input, load_model, params_for_model

MATCH_WINDOW_S = 0.15   # a detected beat matches a reference beat within 150 ms (EC57 practice)


def _model_and_setup(model_path: str | Path):
    """(model, prepare function, threshold, classes) for a model file."""
    model = load_model(model_path)
    params = params_for_model(model_path)
    if params is not None:
        spec = get_model_spec(params["config"]["model"])
        return model, spec.prepare, float(params["threshold"]), tuple(params["classes"])
    shape = tuple(getattr(model, "input_shape", (None, 187))[1:])
    by_shape = {(10, 18, 1): "seed", (10, 19, 1): "seed190", (187, 1): "cnn", (187,): "gbm"}
    if shape not in by_shape:
        raise DataError(f"{model_path}: input shape {shape} is not one ecglib knows")
    out = getattr(model, "output_shape", (None, 1))[-1]
    classes = ("normal", "abnormal") if out in (1, 2) else get_scheme("aami5").classes
    return model, MODELS[by_shape[shape]].prepare, 0.5, classes


def _label_frame(p: np.ndarray, threshold: float, classes: tuple[str, ...]) -> pd.DataFrame:
    codes = predicted_labels(p, threshold)
    frame = pd.DataFrame({"label": np.asarray(classes, dtype=object)[codes]})
    if p.ndim == 1:
        frame.insert(0, "probability", p)
    else:
        for i, c in enumerate(classes):
            frame.insert(i, f"p_{c}", p[:, i])
    return frame


def match_beats(detected: np.ndarray, reference: np.ndarray, window: int) -> np.ndarray:
    """For each detected sample, the index of the nearest reference beat within ``window``
    samples, or -1. Each reference beat is matched at most once (nearest detection wins)."""
    out = np.full(detected.size, -1, dtype=np.int64)
    if reference.size == 0 or detected.size == 0:
        return out
    pos = np.clip(np.searchsorted(reference, detected), 1, reference.size - 1)
    left, right = reference[pos - 1], reference[pos]
    nearest = np.where(np.abs(detected - left) <= np.abs(detected - right), pos - 1, pos)
    dist = np.abs(detected - reference[nearest])
    order = np.argsort(dist, kind="stable")
    taken = np.zeros(reference.size, dtype=bool)
    for i in order:
        if dist[i] <= window and not taken[nearest[i]]:
            out[i] = nearest[i]
            taken[nearest[i]] = True
    return out


def predict_record(model_path: str | Path, record_path: str | Path
                   ) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """One row per detected beat (time_s, sample, probability, label). With reference
    annotations (``.atr``), a report of detection and classification agreement."""
    from .train import predict_proba

    model, prepare, threshold, classes = _model_and_setup(model_path)
    rec = read_wfdb_record(record_path)
    peaks = detect_r_peaks(rec.signal, rec.fs)
    empty = np.full(peaks.size, "", dtype=object)
    X, meta, _ = beats_from_peaks(rec, peaks, empty, empty)
    if len(X) == 0:
        raise DataError(f"{record_path}: no beats detected")
    inputs = prepare(X)
    check_input(model, inputs, str(record_path))
    p = predict_proba(model, inputs)
    preds = pd.concat([pd.DataFrame({"record": rec.name, "time_s": meta["sample"] / rec.fs,
                                     "sample": meta["sample"]}),
                       _label_frame(p, threshold, classes)], axis=1)
    report = None
    if rec.ann_symbols.size:
        report, ref_class = _agreement(rec, preds, p, threshold, classes)
        preds["reference"] = ref_class
    return preds, report


def _agreement(rec, preds: pd.DataFrame, p: np.ndarray, threshold: float,
               classes: tuple[str, ...]) -> tuple[pd.DataFrame, np.ndarray]:
    """Detection sensitivity / PPV against reference beats, and classification metrics on
    the matched beats; also each detected beat's reference class ('' when unmatched)."""
    aami = np.array([aami_class(s) for s in rec.ann_symbols], dtype=object)
    is_beat = aami != None  # noqa: E711  (elementwise comparison on an object array)
    ref_samples, ref_aami = rec.ann_samples[is_beat], aami[is_beat]
    match = match_beats(preds["sample"].to_numpy(), ref_samples, int(MATCH_WINDOW_S * rec.fs))
    matched = match >= 0
    ref_class = np.where(matched, ref_aami[np.maximum(match, 0)], "").astype(object)
    scheme = get_scheme("binary" if len(classes) == 2 else "aami5")
    rows = [{"metric": "reference beats", "value": float(ref_samples.size)},
            {"metric": "detected beats", "value": float(len(preds))},
            {"metric": "detection sensitivity", "value": float(matched.sum() / max(ref_samples.size, 1))},
            {"metric": "detection positive predictivity", "value": float(matched.mean())}]
    if matched.any():
        y = np.array([scheme.code(c) for c in ref_class[matched]])
        pm = p[matched]
        if len(np.unique(y)) > 1:
            rows += [{"metric": k, "value": v}
                     for k, v in point_metrics(y, pm, threshold, classes).items()]
        else:
            rows.append({"metric": "accuracy", "value":
                         float((predicted_labels(pm, threshold) == y).mean())})
    return pd.DataFrame(rows), ref_class


def predict_beat_files(model_path: str | Path, paths: list[str | Path]
                       ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Predictions for beat CSV files (188 columns) and metrics against their labels."""
    from .train import predict_proba

    model, prepare, threshold, classes = _model_and_setup(model_path)
    frames, ys, ps = [], [], []
    for path in map(Path, paths):
        scheme, label = infer_file_kind(path)
        X, y = read_beat_csv(path, scheme, expect_label=label)
        if scheme != "binary" and len(classes) == 2:
            y = (y != 0).astype(np.int64)      # five-class file, binary model: N vs rest
        inputs = prepare(X)
        check_input(model, inputs, str(path))
        p = predict_proba(model, inputs)
        frame = pd.concat([pd.DataFrame({"file": path.name, "row": np.arange(len(y)) + 1}),
                           _label_frame(p, threshold, classes)], axis=1)
        frame["reference"] = np.asarray(classes, dtype=object)[np.minimum(y, len(classes) - 1)]
        frames.append(frame)
        ys.append(y)
        ps.append(p)
    y, p = np.concatenate(ys), np.concatenate(ps)
    metrics = point_metrics(y, p, threshold, classes) if len(np.unique(y)) > 1 else {
        "accuracy": float((predicted_labels(p, threshold) == y).mean())}
    report = pd.DataFrame([{"metric": k, "value": v} for k, v in metrics.items()])
    return pd.concat(frames, ignore_index=True), report


def write_predictions(preds: pd.DataFrame, path: str | Path) -> None:
    """Write predictions to CSV atomically."""
    with atomic_open(path, "w", newline="\n") as fh:
        preds.to_csv(fh, index=False, lineterminator="\n", float_format="%.6g")
