import json

import numpy as np
import pytest
from beat_tables import assert_same_table

from ecglib.beats.records import read_wfdb_record
from ecglib.core.paths import cache_dir
from ecglib.data.build import build_table, reference_comparison, write_dataset


def test_synthetic_build_is_deterministic_and_labelled(tmp_path, synthetic_table):
    a, b = tmp_path / "a", tmp_path / "b"
    write_dataset(synthetic_table, a)
    write_dataset(build_table("synthetic", n_synthetic=6, seed=3, use_cache=False,
                              progress=False), b)
    for name in ("normal.csv", "abnormal.csv", "meta.csv", "manifest.json"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    man = json.loads((a / "manifest.json").read_text())
    assert man["synthetic"] is True and "SYNTHETIC" in man["WARNING"]
    assert man["counts"]["normal"] + man["counts"]["abnormal"] == len(synthetic_table)
    rows = np.loadtxt(a / "normal.csv", delimiter=",")
    assert rows.shape[1] == 188 and set(rows[:, -1]) == {0.0}


def test_synthetic_seed_changes_data():
    a = build_table("synthetic", n_synthetic=2, seed=1, progress=False)
    b = build_table("synthetic", n_synthetic=2, seed=2, progress=False)
    assert len(a) != len(b) or not np.array_equal(a.X, b.X)


def test_aami5_files(tmp_path, synthetic_table):
    man = write_dataset(synthetic_table, tmp_path, "aami5")
    assert set(man["files"]) == {"N.csv", "S.csv", "V.csv", "F.csv", "Q.csv"}
    assert sum(f["rows"] for f in man["files"].values()) == len(synthetic_table)


def test_corrupted_cache_is_rebuilt(tmp_path, monkeypatch):
    monkeypatch.setenv("ECGLIB_CACHE_DIR", str(tmp_path))     # this test's entry only
    first = build_table("synthetic", n_synthetic=2, seed=9, progress=False)
    (npz,) = (cache_dir() / "tables").glob("*.npz")
    npz.write_bytes(b"garbage")
    again = build_table("synthetic", n_synthetic=2, seed=9, progress=False)
    np.testing.assert_array_equal(first.X, again.X)
    assert npz.read_bytes() != b"garbage"


@pytest.mark.realdata
def test_mitdb_counts_match_kaggle_within_2_percent(mitdb_table):
    ref = reference_comparison(mitdb_table)
    assert (ref["difference_%"].abs() < 2).all(), ref
    assert len(mitdb_table) == 109494        # every beat annotation of the 48 records
    assert mitdb_table.info["records"]["114"]["lead"] == "MLII"
    assert mitdb_table.info["records"]["102"]["lead"] == "V5"


@pytest.mark.realdata
def test_mitdb_provenance_points_at_r_peaks(mitdb_dir, mitdb_table):
    """The stored sample is the reference annotation; the beat starts at the R peak."""
    rec = read_wfdb_record(mitdb_dir / "100")
    meta = mitdb_table.meta
    rows = meta.index[meta["record"] == "100"]
    assert set(meta.loc[rows, "sample"]) <= set(rec.ann_samples.tolist())
    first = mitdb_table.X[rows[:500]]
    assert np.median(first[:, 0]) > 0.7        # beats start on the R peak (near the max)


@pytest.mark.realdata
@pytest.mark.parametrize("scheme", ["binary", "aami5"])
def test_mitdb_folder_reads_back_the_built_table(tmp_path, mitdb_table, scheme):
    """build -> write -> read on all 48 records gives the in-memory table, row by row."""
    from ecglib.data.beatfiles import read_beat_dir

    write_dataset(mitdb_table, tmp_path, scheme)
    back = read_beat_dir(tmp_path)
    assert_same_table(back, mitdb_table, scheme)
    assert back.labels(scheme).sum() > 0
