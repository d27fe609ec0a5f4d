"""PTB Diagnostic ECG Database (Bousseljot et al. 1995; PhysioNet): lead-II beats, healthy
control (normal) vs myocardial infarction (abnormal).

549 records at 1 kHz from 290 people, one folder per patient (``patientNNN/sNNNN_xxx``):
the patient is the folder. The diagnosis is read from each header's comment lines; other
diagnoses are excluded and counted. PTB has no beat annotations, so R peaks come from
:func:`ecglib.beats.peaks.detect_r_peaks`, and every beat carries its record's class (N or MI) in
the beat table's ``aami`` column.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..beats.extract import RecordBeats, beats_from_peaks
from ..beats.peaks import detect_r_peaks
from ..beats.records import Record, read_wfdb_record
from ..beats.segmentation import SegmentParams
from ..core.errors import DataError
from .base import Dataset, register
from .sources import PhysioNet

#: header diagnosis -> class stored in the beat table's ``aami`` column
DIAGNOSES = {"healthy control": "N", "myocardial infarction": "MI"}


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


@dataclass(frozen=True)
class Ptb(Dataset):
    """PTB: records in patient folders, labelled by diagnosis, beats at detected peaks."""

    def patient(self, record: str) -> str:
        return Path(record).parent.name or Path(record).name

    def read(self, folder: Path | None, name: str) -> Record:
        record = read_wfdb_record(folder / name, annotator=None, preferred=self.leads,
                                  patient=self.patient(name))
        record.name = name
        return record

    def exclusion(self, record: Record) -> str | None:
        if ptb_class(record.comments) is None:
            return diagnosis(record.comments) or "no diagnosis"
        return None

    def beats(self, record: Record, params: SegmentParams) -> RecordBeats:
        """Beats at the detected R peaks, all of the record's class."""
        try:
            peaks = detect_r_peaks(record.signal, record.fs)
        except ValueError as exc:
            raise DataError(f"PTB record {record.name}: {exc}") from None
        symbols = np.full(peaks.size, "", dtype=object)
        classes = np.full(peaks.size, ptb_class(record.comments), dtype=object)
        X, meta, dropped, gap_dropped = beats_from_peaks(record, peaks, symbols, classes, params)
        return RecordBeats(X, meta, {}, dropped, float(record.fs), gap_dropped,
                           int(record.gaps.sum()))


PTBDB = register(Ptb(
    name="ptbdb",
    title="PTB Diagnostic ECG Database (PhysioNet, Bousseljot et al. 1995)",
    physionet=PhysioNet("ptbdb", "1.0.0", (".hea", ".dat")),
    fs=1000.0,
    leads=("ii", "II", "MLII"),
    lead_note="standard lead II of the 15 recorded leads",
    patient_note="549 records from 290 people; the patient is the record's folder",
    excluded_key="excluded_records_by_diagnosis",
))
