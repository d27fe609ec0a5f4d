"""St Petersburg INCART 12-lead Arrhythmia Database (PhysioNet).

75 half-hour records (I01-I75) at 257 Hz with 12 standard leads, extracted from 32 Holter
recordings: several records come from one patient. Lead: II. Patient: records whose header
comment lines (age, sex, diagnoses) are identical are taken to come from the same Holter
recording, i.e. the same patient; the patient id is the first such record. Labels: the
reference beat annotations (``.atr``, MIT-BIH symbols).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..beats.records import Record, list_records, read_wfdb_record
from .base import Dataset, register
from .sources import PhysioNet


def header_patients(folder: Path, names: list[str]) -> dict[str, str]:
    """record -> patient: the first record with the same header comment lines."""
    first: dict[tuple[str, ...], str] = {}
    out = {}
    for name in names:
        lines = (folder / f"{name}.hea").read_text(errors="replace").splitlines()
        key = tuple(ln.lstrip("#").strip() for ln in lines if ln.startswith("#"))
        out[name] = first.setdefault(key, name) if key else name
    return out


@dataclass(frozen=True)
class Incart(Dataset):
    """INCART: the patient of a record is read from the header comments of the folder."""

    def read(self, folder: Path | None, name: str) -> Record:
        patients = header_patients(folder, list_records(folder))
        return read_wfdb_record(folder / name, annotator=self.annotator, preferred=self.leads,
                                patient=patients.get(name, name))


INCARTDB = register(Incart(
    name="incartdb",
    title="St Petersburg INCART 12-lead Arrhythmia Database (PhysioNet)",
    physionet=PhysioNet("incartdb", "1.0.0", (".hea", ".dat", ".atr")),
    fs=257.0,
    leads=("II",),
    lead_note="standard lead II of the 12 leads",
    patient_note="75 records from 32 patients, grouped by identical header comments",
))
