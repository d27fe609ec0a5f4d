"""The PTB path on small PTB-shaped WFDB fixtures (15 signals, 1000 Hz, header comments)."""
from __future__ import annotations

import numpy as np
import pytest
import wfdb

from ecglib.core.errors import DataError
from ecglib.data.build import build_table, write_dataset
from ecglib.datasets.ptbdb import diagnosis, ptb_class
from ecglib.datasets.synthetic import synthetic_record

LEADS = ["i", "ii", "iii", "avr", "avl", "avf", "v1", "v2", "v3", "v4", "v5", "v6",
         "vx", "vy", "vz"]
RECORDS = {"patient001/s0010_re": "Myocardial infarction",
           "patient104/s0306lre": "Healthy control",
           "patient105/s0303lre": "Healthy control",
           "patient200/s0400_re": "Cardiomyopathy"}


def write_ptb_fixture(root, records=RECORDS, seconds=20.0):
    """A PTB-shaped database folder; lead ii carries a synthetic ECG with known R peaks."""
    truth = {}
    for i, (name, diag) in enumerate(records.items()):
        folder = root / name.split("/")[0]
        folder.mkdir(parents=True, exist_ok=True)
        rec = synthetic_record(name, seed=i, duration_s=seconds, abnormal_rate=0.0, fs=1000.0)
        rng = np.random.default_rng(i)
        sig = rng.normal(0, 0.05, size=(rec.signal.size, len(LEADS)))
        sig[:, 1] = rec.signal
        wfdb.wrsamp(name.split("/")[1], fs=1000, units=["mV"] * 15, sig_name=LEADS,
                    p_signal=sig, fmt=["16"] * 15, write_dir=str(folder),
                    comments=["age: 60", "sex: male", "ECG date: 01/01/1990",
                              f"Reason for admission: {diag}"])
        truth[name] = rec.ann_samples
    (root / "RECORDS").write_text("".join(f"{n}\n" for n in records))
    return truth


def test_diagnosis_parsing():
    comments = ("age: 81", "Reason for admission: Myocardial infarction")
    assert diagnosis(comments) == "Myocardial infarction" and ptb_class(comments) == "MI"
    assert ptb_class(["Reason for admission: Healthy control"]) == "N"
    assert ptb_class(["Reason for admission: Dysrhythmia"]) is None
    assert ptb_class(["age: 1"]) is None


def test_ptb_build_on_fixtures(tmp_path):
    truth = write_ptb_fixture(tmp_path / "ptbdb")
    table = build_table("ptbdb", data_dir=tmp_path / "ptbdb", progress=False)
    assert table.info["excluded_records_by_diagnosis"] == {"Cardiomyopathy": 1}
    assert set(table.meta["patient"]) == {"patient001", "patient104", "patient105"}
    per_record = table.meta.groupby("record").size()
    for name, n in per_record.items():   # the detector finds (almost) every true beat
        assert abs(n - len(truth[name])) <= 2, (name, n, len(truth[name]))
    # detected peaks sit on the true R peaks (within 20 ms)
    rec = table.meta[table.meta["record"] == "patient104/s0306lre"]["sample"].to_numpy()
    true = truth["patient104/s0306lre"]
    assert np.median([np.abs(true - s).min() for s in rec]) <= 20
    y = table.labels("binary")
    assert set(y[table.meta["patient"].to_numpy() == "patient001"]) == {1}
    man = write_dataset(table, tmp_path / "out")
    assert man["counts"]["abnormal"] == per_record["patient001/s0010_re"]
    with pytest.raises(DataError, match=r"'aami5' has no class for aami values \{'MI': 25\}"):
        table.labels("aami5")
