"""From annotated (or detected) R peaks of a record to a table of fixed-length beats."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .labels import aami_class
from .peaks import refine_r_peaks
from .records import Record
from .segment import SegmentParams, map_samples, resample, segment

META_COLUMNS = ["record", "patient", "sample", "symbol", "aami"]


@dataclass
class RecordBeats:
    """Beats of one record: ``X`` (n, length) float32 and ``meta`` (one row per beat)."""

    X: np.ndarray
    meta: pd.DataFrame
    skipped_symbols: dict[str, int]
    dropped: int
    fs: float = 0.0          # the record's input sampling rate (Hz)


def beats_from_peaks(record: Record, peaks: np.ndarray, symbols: np.ndarray, aami: np.ndarray,
                     params: SegmentParams = SegmentParams()) -> tuple[np.ndarray, pd.DataFrame, int]:
    """Resample ``record`` to ``params.fs`` and cut one beat per peak (peaks at ``record.fs``).

    Each cut starts at the peak moved to the fiducial point ``params.align``. Returns
    ``(X, meta, dropped)``; ``meta.sample`` is the given peak's index in the original record
    (the reference annotation, or the detection).
    """
    peaks = np.asarray(peaks, dtype=np.int64)
    cuts = refine_r_peaks(record.signal, peaks, record.fs) if params.align == "local_max" \
        else peaks
    x = resample(record.signal, record.fs, params.fs)
    order = np.argsort(cuts, kind="stable")
    peaks, cuts, symbols, aami = peaks[order], cuts[order], symbols[order], aami[order]
    beats, kept = segment(x, map_samples(cuts, record.fs, params.fs, x.size), params)
    meta = pd.DataFrame({
        "record": record.name, "patient": record.patient,
        "sample": peaks[kept].astype(np.int64),
        "symbol": symbols[kept].astype(str), "aami": aami[kept].astype(str),
    }, columns=META_COLUMNS)
    return beats, meta, int((~kept).sum())


def annotated_beats(record: Record, params: SegmentParams = SegmentParams()) -> RecordBeats:
    """Beats at the reference annotations of ``record``; non-beat annotations are skipped."""
    classes = np.array([aami_class(s) for s in record.ann_symbols], dtype=object)
    is_beat = np.array([c is not None for c in classes], dtype=bool)
    skipped = pd.Series(record.ann_symbols[~is_beat], dtype=object).value_counts()
    X, meta, dropped = beats_from_peaks(record, record.ann_samples[is_beat],
                                        record.ann_symbols[is_beat], classes[is_beat], params)
    return RecordBeats(X, meta, {str(k): int(v) for k, v in skipped.items()}, dropped,
                       float(record.fs))
