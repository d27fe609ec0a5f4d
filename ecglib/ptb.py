"""PTB Diagnostic ECG Database: lead-II beats, healthy control (normal) vs myocardial
infarction (abnormal), with the diagnosis read from each header's comment lines and the
patient from the folder name (``patientNNN/sNNNN_xxx``). Other diagnoses are excluded and
counted. PTB has no beat annotations, so R peaks come from :func:`ecglib.peaks.detect_r_peaks`.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .errors import DataError
from .extract import RecordBeats, beats_from_peaks
from .peaks import detect_r_peaks
from .records import Record, read_wfdb_record
from .segment import SegmentParams

#: header diagnosis -> class stored in the beat table's ``aami`` column
DIAGNOSES = {"healthy control": "N", "myocardial infarction": "MI"}
PTB_LEADS = ("ii", "II", "MLII")


def diagnosis(comments: tuple[str, ...] | list[str]) -> str | None:
    """The 'Reason for admission' of a PTB header, or None when the header has none."""
    for line in comments:
        key, _, value = line.lstrip("#").strip().partition(":")
        if key.strip().lower() == "reason for admission":
            return value.strip()
    return None


def ptb_class(comments: tuple[str, ...] | list[str]) -> str | None:
    """'N' (healthy control), 'MI' (myocardial infarction) or None (excluded)."""
    diag = diagnosis(comments)
    return DIAGNOSES.get(diag.lower()) if diag else None


def read_ptb_record(db_dir: Path, name: str) -> Record:
    """Read lead II of PTB record ``name`` (e.g. ``patient001/s0010_re``)."""
    patient = Path(name).parent.name or Path(name).name
    record = read_wfdb_record(Path(db_dir) / name, annotator=None, preferred=PTB_LEADS,
                              patient=patient)
    record.name = name
    return record


def ptb_record_beats(record: Record, cls: str, params: SegmentParams = SegmentParams()
                     ) -> RecordBeats:
    """Beats at the detected R peaks of a PTB record, all of class ``cls``."""
    try:
        peaks = detect_r_peaks(record.signal, record.fs)
    except ValueError as exc:
        raise DataError(f"PTB record {record.name}: {exc}") from None
    symbols = np.full(peaks.size, "", dtype=object)
    classes = np.full(peaks.size, cls, dtype=object)
    X, meta, dropped, gap_dropped = beats_from_peaks(record, peaks, symbols, classes, params)
    return RecordBeats(X, meta, {}, dropped, float(record.fs), gap_dropped,
                       int(record.gaps.sum()))
