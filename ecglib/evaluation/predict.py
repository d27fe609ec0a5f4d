"""Classify the beats of raw WFDB records (own R-peak detection) or of beat CSV files.

A :class:`Predictor` loads a model once (start-up: importing Keras and loading the model
costs seconds) and then classifies any number of records. With reference annotations
(``.atr``) each record gets an agreement report: detection sensitivity / positive
predictivity, classification metrics on the detected beats matched to reference beats,
and per AAMI class how many beats were detected and how they were classified.
"""
from __future__ import annotations

import glob
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm.auto import tqdm
from wfdb.processing import compare_annotations

from ..beats.extract import beats_from_peaks
from ..beats.features import beat_features
from ..beats.labels import AAMI_CLASSES, get_scheme
from ..beats.peaks import detect_r_peaks
from ..beats.records import PREFERRED_LEADS, UNDEFINED, read_wfdb_record
from ..core.atomic import atomic_open, read_json
from ..core.errors import DataError
from ..data.beatfiles import infer_file_kind, read_beat_csv
from ..data.beattable import BeatTable
from ..metrics.scores import metrics_table, point_metrics, predicted_labels
from ..training.runs import read_params, run_model, run_scheme

MATCH_WINDOW_S = 0.15   # a detected beat matches a reference beat within 150 ms (EC57 practice)
#: warn when matched-beat balanced accuracy falls this far below the run's own test CI
WARN_MARGIN = 0.10
#: detected beats per minute outside this range are reported as implausible
MIN_BPM, MAX_BPM = 25, 250


def match_beats(detected: np.ndarray, reference: np.ndarray, window: int) -> np.ndarray:
    """For each detected sample, the index of the reference beat it matches within
    ``window`` samples, or -1: the matching of :func:`wfdb.processing.compare_annotations`
    (PhysioNet's beat-by-beat comparison; each reference beat matched at most once)."""
    out = np.full(len(detected), -1, dtype=np.int64)
    if len(reference) == 0 or len(detected) == 0:
        return out
    comparison = compare_annotations(np.asarray(reference), np.asarray(detected), window + 1)
    matched = comparison.matching_sample_nums        # per reference beat: detection or -1
    out[matched[matched >= 0]] = np.flatnonzero(matched >= 0)
    return out


@dataclass
class RecordPrediction:
    """Predictions for one record, and (with reference annotations) how they agree."""

    preds: pd.DataFrame
    agreement: pd.DataFrame | None = None     # metric, value
    per_class: pd.DataFrame | None = None     # one row per AAMI class of the reference
    seconds: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


class Predictor:
    """A model loaded once, with what its run folder says: input preparation, decision
    threshold, label scheme and the run's own test metrics."""

    def __init__(self, model_path: str | Path, verify: bool = True) -> None:
        self.path = Path(model_path)
        run = self.path if self.path.is_dir() else self.path.parent
        if not (run / "params.json").is_file():
            raise DataError(f"{self.path}: not in a run folder (no params.json beside it): "
                            f"ecglib needs the run's parameters to know the model's input, "
                            f"label scheme and threshold; pass RUN/model.keras from "
                            f"'ecglib train'")
        params = read_params(run, verify)
        if self.path.is_file() and self.path.name != params["model_file"]:
            raise DataError(f"{self.path}: the run folder's model is {params['model_file']}")
        self.model = run_model(run, params)
        self.threshold = float(params["threshold"])
        self.scheme = run_scheme(run, params)
        self.expected = _run_test_metrics(run / "metrics.json")

    @property
    def classes(self) -> tuple[str, ...]:
        return self.scheme.classes

    def proba(self, X: np.ndarray, source: str, features: pd.DataFrame | None = None) -> np.ndarray:
        """Probabilities for beats ``X`` (n, 187) with their per-beat features ``features``
        (needed by models that read them); ``source`` names the beats in errors."""
        try:
            return self.model.predict_proba(X, features)
        except DataError as exc:
            raise DataError(f"{source}: {exc}") from None

    def record(self, record_path: str | Path) -> RecordPrediction:
        """Detect, cut and classify every beat of one WFDB record."""
        t0 = time.perf_counter()
        rec = read_wfdb_record(record_path)
        t1 = time.perf_counter()
        try:
            peaks = detect_r_peaks(rec.signal, rec.fs)
        except ValueError as exc:
            raise DataError(f"{record_path}: {exc}") from None
        t2 = time.perf_counter()
        empty = np.full(peaks.size, "", dtype=object)
        X, meta, _, gap_dropped = beats_from_peaks(rec, peaks, empty, empty)
        if len(X) == 0:
            raise DataError(f"{record_path}: no beats detected")
        notes = []
        minutes = rec.signal.size / rec.fs / 60
        rate = len(peaks) / minutes
        if not MIN_BPM <= rate <= MAX_BPM:
            notes.append(f"{rec.name}: {len(peaks)} beats detected in {minutes:.1f} min "
                         f"({rate:.0f} per minute) is not a plausible heart rate: is this an "
                         f"ECG lead?")
        if rec.lead not in PREFERRED_LEADS:
            notes.append(f"{rec.name}: no MLII / II lead; used {rec.lead!r}, while the "
                         f"models are trained on MLII")
        if rec.gaps.any():
            notes.append(f"{rec.name}: {rec.gaps.mean():.0%} of the samples are gaps (NaN); "
                         f"{gap_dropped} detected beats in 10 s windows with a gap were not "
                         f"classified")
        t3 = time.perf_counter()
        p = self.proba(X, str(record_path), beat_features(meta))
        t4 = time.perf_counter()
        preds = pd.concat([pd.DataFrame({"record": rec.name, "time_s": meta["sample"] / rec.fs,
                                         "sample": meta["sample"],
                                         "rr_edge": meta["rr_edge"].astype(np.int64)}),
                           _label_frame(p, self.threshold, self.classes)], axis=1)
        out = RecordPrediction(preds, seconds={"read": t1 - t0, "detect": t2 - t1,
                                               "cut": t3 - t2, "classify": t4 - t3},
                               warnings=notes)
        if rec.ann_symbols.size:
            self._agree(rec, out, p)
        return out

    def _agree(self, rec, out: RecordPrediction, p: np.ndarray) -> None:
        """Fill ``out``'s agreement report against the record's reference annotations."""
        ref_samples, ref_symbols, ref_aami = rec.reference_beats()
        ref_aami = ref_aami.astype(str)
        match = match_beats(out.preds["sample"].to_numpy(), ref_samples,
                            int(MATCH_WINDOW_S * rec.fs))
        matched = match >= 0
        at_undefined = self._at_undefined(rec, out.preds["sample"].to_numpy(), matched)
        ref_class = np.where(matched, ref_aami[np.maximum(match, 0)], "").astype(object)
        out.preds["reference"] = ref_class
        out.preds["reference_sample"] = np.where(matched, ref_samples[np.maximum(match, 0)], -1)
        ref_codes = self._codes(ref_aami, ref_symbols)
        codes = np.where(matched, ref_codes[np.maximum(match, 0)], -1)
        labelled = np.asarray(self.classes + ("",), dtype=object)
        out.preds["reference_label"] = labelled[codes]      # code -1 -> ""
        rows = {"reference beats": float(ref_samples.size),
                "detected beats": float(len(out.preds)),
                "detection sensitivity": float(matched.sum() / max(ref_samples.size, 1)),
                "detection positive predictivity": float(
                    matched.sum() / max(int((~at_undefined).sum()), 1))}
        if at_undefined.any():
            rows["detections at undefined annotations (not scored)"] = float(at_undefined.sum())
        scored = codes >= 0
        y = codes[scored]
        if scored.any():
            pm = p[scored]
            if len(np.unique(y)) > 1:
                rows.update(point_metrics(y, pm, self.threshold, self.classes))
            else:
                rows["accuracy"] = float((predicted_labels(pm, self.threshold) == y).mean())
        out.agreement = pd.DataFrame({"metric": list(rows), "value": list(rows.values())})
        out.per_class = class_agreement(ref_aami, ref_codes, match, p, self.threshold)
        out.warnings += self._compare_to_run(rec.name, rows)

    @staticmethod
    def _at_undefined(rec, detected: np.ndarray, matched: np.ndarray) -> np.ndarray:
        """Detections that match no reference beat but lie at an annotation whose code WFDB
        does not define: what it marks is unknown, so they count neither way."""
        undefined = rec.ann_samples[rec.ann_symbols == UNDEFINED]
        out = np.zeros(detected.size, dtype=bool)
        if undefined.size:
            near = match_beats(detected, undefined, int(MATCH_WINDOW_S * rec.fs)) >= 0
            out = near & ~matched
        return out

    def _codes(self, aami: np.ndarray, symbols: np.ndarray) -> np.ndarray:
        """Labels of reference beats under the run's scheme (-1: a class it lacks)."""
        return np.array([self.classes.index(c) if (c := self.scheme.class_of(
            a if self.scheme.key == "aami" else s)) else -1 for a, s in zip(aami, symbols)],
            dtype=np.int64)

    def _compare_to_run(self, name: str, rows: dict) -> list[str]:
        """A warning when the matched beats score far below the run's own test metrics."""
        key = "balanced_accuracy" if "balanced_accuracy" in rows else "accuracy"
        if key not in rows or key not in self.expected:
            return []
        value, low, high = self.expected[key]
        if rows[key] >= low - WARN_MARGIN:
            return []
        return [f"{name}: {key.replace('_', ' ')} on matched beats {rows[key]:.3f} is far below "
                f"the run's own test result {value:.3f} [95% CI {low:.3f}, {high:.3f}]: this "
                f"record differs from the data the model was tested on (a new patient, "
                f"lead or noise)"]

    def records(self, paths: list[str | Path], progress: bool = False
                ) -> tuple[pd.DataFrame, pd.DataFrame | None, pd.DataFrame | None, list[str]]:
        """Predict many records with one loaded model: (predictions, per-record agreement,
        per-class agreement over all records, warnings)."""
        results = [self.record(p) for p in tqdm(paths, desc="records", unit="record",
                                                disable=not progress)]
        preds = pd.concat([r.preds for r in results], ignore_index=True)
        warns = [w for r in results for w in r.warnings]
        with_ref = [r for r in results if r.agreement is not None]
        if not with_ref:
            return preds, None, None, warns
        per_record = pd.DataFrame([dict(record=r.preds["record"].iloc[0],
                                        **r.agreement.set_index("metric")["value"].to_dict())
                                   for r in with_ref])
        classes = pd.concat([r.per_class for r in with_ref]).groupby(
            "aami_class", sort=False).sum(numeric_only=True).reset_index()
        per_class = _class_rates(classes)
        return preds, per_record, per_class, warns

    def matched_metrics(self, preds: pd.DataFrame, n_boot: int = 300,
                        seed: int = 0) -> pd.DataFrame:
        """Metrics with 95% CIs (whole records resampled) on all detected beats matched to a
        reference beat, pooled over the records of ``preds`` (from :meth:`records`)."""
        matched = preds[preds["reference_label"].fillna("").astype(str) != ""]
        y = matched["reference_label"].map(self.classes.index).to_numpy(dtype=np.int64)
        cols = ["probability"] if "probability" in matched else [f"p_{c}" for c in self.classes]
        p = matched[cols].to_numpy()
        p = p[:, 0] if p.shape[1] == 1 else p
        return metrics_table(y, p, self.threshold, self.classes,
                             groups=matched["record"].to_numpy(), n_boot=n_boot, seed=seed)

    def built_metrics(self, table: BeatTable, records: list[str], n_boot: int = 300,
                      seed: int = 0) -> tuple[pd.DataFrame, pd.Series]:
        """The evaluation side of the same comparison: metrics with 95% CIs (records
        resampled) on the beats of ``records`` built from the reference annotations, and
        their probabilities indexed by (record, reference sample)."""
        rows = np.flatnonzero(table.meta["record"].isin(records).to_numpy())
        if rows.size == 0:
            raise DataError(f"records {records} are not in this beat table")
        p = self.proba(table.X[rows], "built beats", table.features(rows))
        meta = table.meta.iloc[rows]
        frame = metrics_table(table.labels(self.scheme)[rows], p, self.threshold,
                              self.classes, groups=meta["record"].to_numpy(), n_boot=n_boot,
                              seed=seed)
        index = pd.MultiIndex.from_arrays([meta["record"], meta["sample"]])
        return frame, pd.Series(list(p) if p.ndim == 2 else p, index=index)


def _run_test_metrics(path: Path) -> dict[str, tuple[float, float, float]]:
    """metric -> (value, ci_low, ci_high) from a run's ``metrics.json`` (empty if absent)."""
    if not path.is_file():
        return {}
    try:
        rows = read_json(path)["test"]
        return {r["metric"]: (float(r["value"]), float(r["ci_low"]), float(r["ci_high"]))
                for r in rows}
    except (ValueError, KeyError, TypeError):
        raise DataError(f"{path}: not a valid metrics file of a run folder") from None


def class_agreement(ref_aami: np.ndarray, codes: np.ndarray, match: np.ndarray, p: np.ndarray,
                    threshold: float) -> pd.DataFrame:
    """Per AAMI class of the reference beats: how many, how many were detected, and how many
    of the detected ones were classified as their own class under the run's scheme
    (``codes``; binary: N as normal, the others as abnormal)."""
    found = np.zeros(ref_aami.size, dtype=bool)
    right = np.zeros(ref_aami.size, dtype=bool)
    matched = match >= 0
    found[match[matched]] = True
    pred = predicted_labels(p[matched], threshold)
    right[match[matched]] = pred == codes[match[matched]]
    frame = pd.DataFrame([{"aami_class": c, "reference_beats": int((ref_aami == c).sum()),
                           "detected": int(found[ref_aami == c].sum()),
                           "classified_right": int(right[ref_aami == c].sum())}
                          for c in AAMI_CLASSES if (ref_aami == c).any()])
    return _class_rates(frame)


def _class_rates(frame: pd.DataFrame) -> pd.DataFrame:
    """Add detection sensitivity and classification recall (of detected beats) per class."""
    frame = frame[["aami_class", "reference_beats", "detected", "classified_right"]].copy()
    frame["detection_se"] = frame["detected"] / frame["reference_beats"]
    frame["recall_of_detected"] = frame["classified_right"] / frame["detected"].where(
        frame["detected"] > 0)
    return frame


def _label_frame(p: np.ndarray, threshold: float, classes: tuple[str, ...]) -> pd.DataFrame:
    codes = predicted_labels(p, threshold)
    frame = pd.DataFrame({"label": np.asarray(classes, dtype=object)[codes]})
    if p.ndim == 1:
        frame.insert(0, "probability", p)
    else:
        for i, c in enumerate(classes):
            frame.insert(i, f"p_{c}", p[:, i])
    return frame


def record_paths(specs: list[str | Path]) -> list[Path]:
    """WFDB record paths (without extension) from record paths, folders and globs."""
    out: list[Path] = []
    for spec in map(str, specs):
        path = Path(spec)
        if path.is_dir():
            found = sorted(path.glob("*.hea"))
        elif any(ch in spec for ch in "*?["):
            found = sorted(Path(q) for q in glob.glob(spec) if q.endswith(".hea"))
        else:
            found = [path.with_suffix(".hea") if path.suffix != ".hea" else path]
        if not found:
            raise DataError(f"{spec}: no WFDB records (.hea files) found")
        out += [f.with_suffix("") for f in found]
    return out


def predict_record(model_path: str | Path, record_path: str | Path
                   ) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """One row per detected beat (record, time_s, sample, probability, label). With
    reference annotations (``.atr``), a report of detection and classification agreement."""
    result = Predictor(model_path).record(record_path)
    for w in result.warnings:
        warnings.warn(w, stacklevel=2)
    return result.preds, result.agreement


def predict_beat_files(model_path: str | Path, paths: list[str | Path], verify: bool = True
                       ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Predictions for beat CSV files (188 columns) and metrics against their labels."""
    predictor = Predictor(model_path, verify)
    classes = predictor.classes
    frames, ys, ps = [], [], []
    for path in map(Path, paths):
        scheme, label = infer_file_kind(path)
        X, y = read_beat_csv(path, scheme, expect_label=label)
        y = _to_model_labels(y, get_scheme(scheme), predictor.scheme, path)
        p = predictor.proba(X, str(path))
        frame = pd.concat([pd.DataFrame({"file": path.name, "row": np.arange(len(y)) + 1}),
                           _label_frame(p, predictor.threshold, classes)], axis=1)
        frame["reference"] = np.asarray(classes, dtype=object)[y]
        frames.append(frame)
        ys.append(y)
        ps.append(p)
    y, p = np.concatenate(ys), np.concatenate(ps)
    metrics = point_metrics(y, p, predictor.threshold, classes) if len(np.unique(y)) > 1 else {
        "accuracy": float((predicted_labels(p, predictor.threshold) == y).mean())}
    report = pd.DataFrame([{"metric": k, "value": v} for k, v in metrics.items()])
    return pd.concat(frames, ignore_index=True), report


def _to_model_labels(y: np.ndarray, file_scheme, model_scheme, path: Path) -> np.ndarray:
    """A beat file's labels under the model's scheme (e.g. five AAMI classes -> binary)."""
    if file_scheme.classes == model_scheme.classes:
        return y
    if model_scheme.key == "aami" and set(file_scheme.classes) <= set(AAMI_CLASSES):
        names = [model_scheme.class_of(c) for c in file_scheme.classes]
        if None not in names:
            return np.array([model_scheme.classes.index(names[c]) for c in y], dtype=np.int64)
    raise DataError(f"{path}: its {file_scheme.name} labels {list(file_scheme.classes)} cannot "
                    f"be compared with the model's {model_scheme.name} classes "
                    f"{list(model_scheme.classes)}")


def write_predictions(preds: pd.DataFrame, path: str | Path) -> None:
    """Write predictions to CSV atomically."""
    with atomic_open(path, "w", newline="\n") as fh:
        preds.to_csv(fh, index=False, lineterminator="\n", float_format="%.6g")
