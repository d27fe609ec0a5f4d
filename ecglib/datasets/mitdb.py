"""The MIT-BIH Arrhythmia Database (Moody & Mark 2001; Goldberger et al. 2000, PhysioNet).

48 half-hour two-lead records at 360 Hz from 47 people: records 201 and 202 come from the
same man. Lead: MLII where present (46 records); 102 and 104 lack it and use V5 (their
first lead). Labels: the reference beat annotations (``.atr``). Standard split: de Chazal
et al. (2004) DS1 -> DS2, paced records 102, 104, 107 and 217 excluded.

``mitdb_v``: the same records, beats and people read from the *other* lead (V1 in 40
records, else V2, V4 or V5; never MLII), to measure how a model trained on MLII meets a
recording made with another lead.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from .base import Dataset, register
from .sources import PhysioNet

#: de Chazal et al. (2004) inter-patient split of MIT-BIH (paced records excluded).
DS1 = ("101 106 108 109 112 114 115 116 118 119 122 124 201 203 205 207 208 209 215 220 223 "
       "230").split()
DS2 = ("100 103 105 111 113 117 121 123 200 202 210 212 213 214 219 221 222 228 231 232 233 "
       "234").split()
PACED = ("102", "104", "107", "217")


@dataclass(frozen=True)
class MitBih(Dataset):
    """MIT-BIH: the manifest also lists the paced records built."""

    def build_info(self, names: list[str]) -> dict:
        return {"paced_records": [r for r in names if r in PACED]}


MITDB = register(MitBih(
    name="mitdb",
    title="MIT-BIH Arrhythmia Database (PhysioNet, Moody &amp; Mark 2001)",
    physionet=PhysioNet("mitdb", "1.0.0", (".hea", ".dat", ".atr")),
    fs=360.0,
    lead_note="MLII (modified lead II) where present; records 102 and 104 have none and use "
              "their first lead, V5",
    patient_note="48 records from 47 people: 201 and 202 are the same man",
    patients={"202": "201"},
    standard_split=(tuple(DS1), tuple(DS2)),
    # Kaggle "ECG Heartbeat Categorization" MIT-BIH set (train + test): same method, records
    reference_counts={"N": 90589, "S": 2779, "V": 7236, "F": 803, "Q": 8039},
))

MITDB_V = register(replace(
    MITDB, name="mitdb_v",
    title="MIT-BIH Arrhythmia Database, second lead (PhysioNet, Moody &amp; Mark 2001)",
    leads=("V1", "V2", "V4", "V5"),
    lead_note="the second lead, never MLII: V1 in 40 records, else V2, V4 or V5 (102 and "
              "104, whose first lead V5 mitdb reads, give V2 here)",
    reference_counts={}))
