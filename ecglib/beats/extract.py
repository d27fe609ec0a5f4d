"""From annotated (or detected) R peaks of a record to a table of fixed-length beats."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .peaks import refine_r_peaks
from .records import Record
from .rr import RR_COLUMNS, rr_features
from .segmentation import SegmentParams, map_samples, resample, segment
from .template import TEMPLATE_FEATURES, pre_r_windows, template_features

#: what every beat carries besides its samples; R-R features: see :mod:`ecglib.beats.rr`,
#: shape beside the patient's usual beat: see :mod:`ecglib.beats.template`
META_COLUMNS = ["record", "patient", "sample", "symbol", "aami", *RR_COLUMNS,
                *TEMPLATE_FEATURES]


@dataclass
class RecordBeats:
    """Beats of one record: ``X`` (n, length) float32 and ``meta`` (one row per beat)."""

    X: np.ndarray
    meta: pd.DataFrame
    skipped_symbols: dict[str, int]
    dropped: int             # beats in flat windows
    fs: float = 0.0          # the record's input sampling rate (Hz)
    gap_dropped: int = 0     # beats in 10 s windows holding a signal gap (NaN samples)
    gap_samples: int = 0     # samples of the record that were gaps


def fiducial_points(record: Record, peaks: np.ndarray,
                    params: SegmentParams = SegmentParams(), fs: float | None = None
                    ) -> np.ndarray:
    """Where the beats of ``peaks`` (at ``record.fs``) start, as sample indices at ``fs``
    (default ``record.fs``): each peak moved to the fiducial point ``params.align`` (the
    local maximum within 50 ms, :func:`ecglib.beats.peaks.refine_r_peaks`), in the same order."""
    peaks = np.asarray(peaks, dtype=np.int64)
    fs = record.fs if fs is None else fs
    if params.align == "local_max":
        return refine_r_peaks(record.signal, peaks, record.fs, out_fs=fs)
    return map_samples(peaks, record.fs, fs, int(np.ceil(record.signal.size * fs / record.fs)))


def beats_from_peaks(record: Record, peaks: np.ndarray, symbols: np.ndarray, aami: np.ndarray,
                     params: SegmentParams = SegmentParams()) -> tuple[np.ndarray, pd.DataFrame, int]:
    """Resample ``record`` to ``params.fs`` and cut one beat per peak (peaks at ``record.fs``).

    Each cut starts at the peak moved to the fiducial point ``params.align``. Beats in a
    10 s window that holds a signal gap are dropped: the gap's zeros would distort the
    window's min-max normalisation. Returns ``(X, meta, dropped, gap_dropped)``;
    ``meta.sample`` is the given peak's index in the original record (the reference
    annotation, or the detection); ``dropped`` counts beats in flat windows.
    Every beat's R-R features come from all ``peaks`` of the record, dropped beats
    included (:func:`ecglib.beats.rr.rr_features`); its template features from the record's
    beats kept before it (:func:`ecglib.beats.template.template_features`).
    """
    peaks = np.asarray(peaks, dtype=np.int64)
    by_time = np.argsort(peaks, kind="stable")
    peaks, symbols, aami = peaks[by_time], symbols[by_time], aami[by_time]
    rr = rr_features(peaks, record.fs, record.gaps)
    x = resample(record.signal, record.fs, params.fs)
    at = np.minimum(fiducial_points(record, peaks, params, fs=params.fs), x.size - 1)
    order = np.argsort(at, kind="stable")
    peaks, at, symbols, aami = peaks[order], at[order], symbols[order], aami[order]
    rr = rr.iloc[order]
    clean = ~_in_gap_windows(record, at, params, x.size)
    peaks, symbols, aami, rr = peaks[clean], symbols[clean], aami[clean], rr.iloc[clean]
    beats, kept = segment(x, at[clean], params)
    shape = template_features(beats, pre_r_windows(x, at[clean], params)[kept])
    meta = pd.concat([pd.DataFrame({
        "record": record.name, "patient": record.patient,
        "sample": peaks[kept].astype(np.int64),
        "symbol": symbols[kept].astype(str), "aami": aami[kept].astype(str),
    }), rr.iloc[kept].reset_index(drop=True), shape], axis=1)[META_COLUMNS]
    return beats, meta, int((~kept).sum()), int((~clean).sum())


def _in_gap_windows(record: Record, at: np.ndarray, params: SegmentParams, n: int) -> np.ndarray:
    """For beat starts ``at`` (at ``params.fs``): True where their window holds a gap."""
    if not record.gaps.any():
        return np.zeros(at.size, dtype=bool)
    win = int(round(params.window_s * params.fs))
    gap_at = map_samples(np.flatnonzero(record.gaps), record.fs, params.fs, n)
    return np.isin(at // win, np.unique(gap_at // win))


def annotated_beats(record: Record, params: SegmentParams = SegmentParams()) -> RecordBeats:
    """Beats at the reference annotations of ``record``; non-beat annotations are skipped."""
    samples, symbols, classes = record.reference_beats()
    skipped = pd.Series(record.ann_symbols[~record.beat_mask()], dtype=object).value_counts()
    X, meta, dropped, gap_dropped = beats_from_peaks(record, samples, symbols, classes, params)
    return RecordBeats(X, meta, {str(k): int(v) for k, v in skipped.items()}, dropped,
                       float(record.fs), gap_dropped, int(record.gaps.sum()))
