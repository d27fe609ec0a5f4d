"""MIT-BIH Supraventricular Arrhythmia Database (Greenwald 1990; PhysioNet).

78 half-hour two-lead records (800-894) at 128 Hz, one per patient, chosen to add to the
supraventricular arrhythmias of the MIT-BIH Arrhythmia Database. Lead: the first signal
(``ECG1``); the database does not name its leads, and its first lead is the one most often
close to MLII. Labels: the reference beat annotations (``.atr``, MIT-BIH symbols). Never
used for training in this book: it measures how a model transfers to new recordings.
"""
from __future__ import annotations

from .base import Dataset, register
from .sources import PhysioNet

SVDB = register(Dataset(
    name="svdb",
    title="MIT-BIH Supraventricular Arrhythmia Database (PhysioNet, Greenwald 1990)",
    physionet=PhysioNet("svdb", "1.0.0", (".hea", ".dat", ".atr")),
    fs=128.0,
    leads=("ECG1",),
    lead_note="the first of two unnamed leads (ECG1)",
    patient_note="78 records, one per patient",
))
