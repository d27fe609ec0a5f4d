"""Databases the models never saw (svdb, incartdb, any WFDB folder), offline: fixtures in
each database's shape, written with wfdb, run through build, evaluate --database and
predict --record."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import wfdb

from ecglib.cli import main
from ecglib.data.build import build_table
from ecglib.datasets import get_dataset
from ecglib.datasets.synthetic import synthetic_record
from ecglib.training.config import TrainConfig
from ecglib.training.trainer import train

INCART_LEADS = ["I", "II", "III", "AVR", "AVL", "AVF", "V1", "V2", "V3", "V4", "V5", "V6"]


def _write(folder: Path, name: str, fs: float, leads: list[str], seed: int,
           comments: list[str] | None = None) -> None:
    rec = synthetic_record(name, seed=seed, duration_s=60.0, abnormal_rate=0.3, fs=fs)
    signal = np.column_stack([rec.signal * (0.6 + 0.1 * k) for k in range(len(leads))])
    wfdb.wrsamp(name, fs=fs, units=["mV"] * len(leads), sig_name=leads, p_signal=signal,
                fmt=["16"] * len(leads), comments=comments or [], write_dir=str(folder))
    wfdb.wrann(name, "atr", rec.ann_samples, symbol=list(rec.ann_symbols),
               write_dir=str(folder))


@pytest.fixture(scope="module")
def fixtures(tmp_path_factory):
    root = tmp_path_factory.mktemp("dbs")
    svdb, incart = root / "svdb", root / "incartdb"
    svdb.mkdir()
    incart.mkdir()
    for i, name in enumerate(["800", "801", "802"]):
        _write(svdb, name, 128.0, ["ECG1", "ECG2"], seed=70 + i)
    people = [["<age>: 65 <sex>: M", "Coronary artery disease"]] * 2 + \
        [["<age>: 50 <sex>: F", "Sinus node dysfunction"]] * 2
    for i, comments in enumerate(people):
        _write(incart, f"I0{i + 1}", 257.0, INCART_LEADS, seed=80 + i, comments=comments)
    for folder, names in ((svdb, ["800", "801", "802"]), (incart, ["I01", "I02", "I03", "I04"])):
        (folder / "RECORDS").write_text("".join(n + "\n" for n in names))
    return svdb, incart


@pytest.fixture(scope="module")
def rr_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("rr") / "run"
    table = build_table("synthetic", n_synthetic=6, seed=3, progress=False)
    train(table, TrainConfig(model="gbm_rr", labels="aami5", split="interpatient", seed=0),
          out_dir=out, verbose=0)
    return out


def test_fixtures_build_with_each_database_lead_rate_and_patients(fixtures):
    svdb, incart = fixtures
    t = build_table("svdb", data_dir=svdb, progress=False)
    assert {r["lead"] for r in t.info["records"].values()} == {"ECG1"}
    assert {r["fs"] for r in t.info["records"].values()} == {128.0}
    assert t.meta["patient"].nunique() == 3
    t = build_table("incartdb", data_dir=incart, progress=False)
    assert {r["lead"] for r in t.info["records"].values()} == {"II"}
    assert dict(t.meta.groupby("record")["patient"].first()) == {
        "I01": "I01", "I02": "I01", "I03": "I03", "I04": "I03"}
    assert get_dataset("incartdb").fs == 257.0 and get_dataset("svdb").fs == 128.0


@pytest.mark.parametrize("which", [0, 1])
def test_evaluate_on_another_database(fixtures, rr_run, tmp_path, capsys, monkeypatch, which):
    monkeypatch.setenv("ECGLIB_DATA_DIR", str(fixtures[0].parent))   # holds svdb/, incartdb/
    out = tmp_path / "eval"
    assert main(["evaluate", "--run", str(rr_run), "--database", ["svdb", "incartdb"][which],
                 "--out", str(out)]) == 0
    per_class = pd.read_csv(out / "per_class.csv")
    assert list(per_class.columns) == ["class", "n", "se", "ppv", "f1"]
    assert list(per_class["class"]) == ["N", "S", "V", "F", "Q"]
    per_record = pd.read_csv(out / "per_record.csv")
    assert per_record["beats"].sum() == per_class["n"].sum()
    assert "per_class.csv" in capsys.readouterr().out


def test_mitdb_records_as_a_generic_folder(mitdb_dir, rr_run, tmp_path):
    folder = tmp_path / "wfdb"
    folder.mkdir()
    for name in ("100", "208"):
        for ext in (".hea", ".dat", ".atr"):
            shutil.copy(mitdb_dir / f"{name}{ext}", folder / f"{name}{ext}")
    assert main(["evaluate", "--run", str(rr_run), "--database", str(folder),
                 "--out", str(tmp_path / "e")]) == 0
    per_class = pd.read_csv(tmp_path / "e" / "per_class.csv").set_index("class")
    reference = build_table("mitdb", data_dir=mitdb_dir, records=["100", "208"],
                            progress=False).meta["aami"].value_counts()
    assert per_class.loc["V", "n"] == reference["V"] and per_class.loc["N", "n"] == reference["N"]


def test_predict_record_of_each_shape(fixtures, rr_run, tmp_path):
    for record in (fixtures[0] / "800", fixtures[1] / "I03"):
        out = tmp_path / f"{record.name}.csv"
        assert main(["predict", "--model", str(rr_run / "model.skops"), "--record",
                     str(record), "--out", str(out)]) == 0
        agreement = pd.read_csv(tmp_path / f"{record.name}.agreement.csv")
        assert agreement["detection sensitivity"].iloc[0] > 0.95


@pytest.mark.parametrize("fs", [128.0, 257.0])
def test_beats_do_not_depend_on_the_recording_rate(mitdb_dir, tmp_path, fs):
    """MIT-BIH records resampled to svdb's rate (128 Hz) and incartdb's (257 Hz) give the
    beats they give at 360 Hz: the R peaks (each beat's first samples) and every beat within
    a small difference, the R-R features within one sample. With the fiducial point searched
    at 128 Hz itself, it fell 7-11 ms early and the first four samples differed by 0.22 on
    average (benchmarks/rate_transfer.py)."""
    from ecglib.beats.records import read_wfdb_record, write_resampled
    from ecglib.evaluation.transfer import database_source

    names = ["100", "208"]
    for name in names:
        write_resampled(read_wfdb_record(mitdb_dir / name), fs, tmp_path / "wfdb")
    source, folder = database_source(tmp_path / "wfdb")
    there = build_table(source, data_dir=folder, progress=False)
    here = build_table("mitdb", data_dir=mitdb_dir, records=names, progress=False)
    assert (there.meta["aami"].to_numpy() == here.meta["aami"].to_numpy()).all()
    diff = np.abs(there.X - here.X)
    assert diff[:, :4].mean() < 0.03 and diff.mean() < 0.02, (diff[:, :4].mean(), diff.mean())
    assert np.abs(there.meta["pre_rr"] - here.meta["pre_rr"]).max() <= 1.5 / fs


def test_a_record_with_gaps_is_not_resampled(tmp_path):
    from ecglib.beats.records import write_resampled
    from ecglib.core.errors import DataError

    rec = synthetic_record("gappy", seed=1, duration_s=20)
    rec.gaps = np.zeros(rec.signal.size, dtype=bool)
    rec.gaps[100:200] = True
    with pytest.raises(DataError, match="gappy: holds gaps"):
        write_resampled(rec, 128.0, tmp_path)


def test_mitdb_v_is_the_other_lead_of_the_same_beats(mitdb_dir, rr_run, tmp_path, capsys):
    """``mitdb_v`` reads each MIT-BIH record's other lead (never MLII, never mitdb's): the
    same people and reference beats; ``evaluate --records`` scores only the records named."""
    names = ["100", "102", "114", "232"]
    here = build_table("mitdb", data_dir=mitdb_dir, records=names, progress=False)
    there = build_table("mitdb_v", data_dir=mitdb_dir, records=names, progress=False)
    leads = {r: there.info["records"][r]["lead"] for r in names}
    assert leads == {"100": "V5", "102": "V2", "114": "V5", "232": "V1"}
    assert all(here.info["records"][r]["lead"] != leads[r] for r in names)
    both = here.meta.merge(there.meta, on=["record", "sample"], suffixes=("", "_v"))
    assert len(both) >= 0.99 * len(here.meta)                  # flat windows may differ
    assert (both["aami"] == both["aami_v"]).all() and (both["patient"] == both["patient_v"]).all()
    np.testing.assert_allclose(both["pre_rr"], both["pre_rr_v"], atol=1.5 / 360)
    out = tmp_path / "v"
    assert main(["evaluate", "--run", str(rr_run), "--database", "mitdb_v", "--records",
                 "100", "232", "--out", str(out)]) == 0
    per_record = pd.read_csv(out / "per_record.csv", dtype={"record": str})
    assert list(per_record["record"]) == ["100", "232"]
    assert main(["evaluate", "--run", str(rr_run), "--records", "100"]) == 1
    assert "give --database too" in capsys.readouterr().err


def test_a_database_scored_again_reads_the_cached_predictions(fixtures, rr_run, tmp_path,
                                                              monkeypatch):
    """The second evaluation of a run on the same records loads neither the model nor
    predicts; the scores are the same; a damaged cache entry is predicted again."""
    from ecglib.evaluation import transfer

    monkeypatch.setenv("ECGLIB_DATA_DIR", str(fixtures[0].parent))
    monkeypatch.setenv("ECGLIB_CACHE_DIR", str(tmp_path / "cache"))
    loads = []
    real = transfer.run_model
    monkeypatch.setattr(transfer, "run_model", lambda *a: loads.append(1) or real(*a))
    first = transfer.evaluate_database(rr_run, "svdb", None, progress=False)
    again = transfer.evaluate_database(rr_run, "svdb", None, progress=False)
    assert loads == [1]
    pd.testing.assert_frame_equal(first.per_class, again.per_class)
    pd.testing.assert_frame_equal(first.per_record, again.per_record)
    for path in (tmp_path / "cache" / "predictions").glob("*.npy"):
        path.write_bytes(b"damaged")
    third = transfer.evaluate_database(rr_run, "svdb", None, progress=False)
    assert loads == [1, 1]
    pd.testing.assert_frame_equal(first.per_class, third.per_class)
