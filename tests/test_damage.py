"""Random damage to every input kind: the CLI answers with one ``ecglib: error:`` line and
exit 1, or with a correct result; never a traceback, never exit 0 on damaged checksummed
input, never a half-written target (issue 12)."""
from __future__ import annotations

import shutil

import numpy as np
import pytest
import wfdb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecglib.cli import main
from ecglib.data.build import write_dataset
from ecglib.datasets.synthetic import synthetic_record

SETTINGS = settings(max_examples=15, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])

damage = st.one_of(
    st.tuples(st.just("truncate"), st.floats(0, 1)),
    st.tuples(st.just("flip"), st.lists(st.tuples(st.floats(0, 1), st.integers(1, 255)),
                                        min_size=1, max_size=5)),
    st.tuples(st.just("insert"), st.floats(0, 1), st.binary(min_size=1, max_size=20)),
)


def _damage(path, how) -> bool:
    """Damage ``path``; False when the bytes did not change."""
    data = bytearray(path.read_bytes())
    before = bytes(data)
    if how[0] == "truncate":
        data = data[: int(how[1] * len(data))]
    elif how[0] == "flip":
        for where, mask in how[1]:
            if data:
                data[min(int(where * len(data)), len(data) - 1)] ^= mask
    else:
        at = int(how[1] * len(data))
        data = data[:at] + bytearray(how[2]) + data[at:]
    path.write_bytes(bytes(data))
    return bytes(data) != before


def _run(argv, capsys):
    code = main(argv)          # an uncaught exception fails the test: that is a traceback
    err = [ln for ln in capsys.readouterr().err.splitlines() if ln.startswith("ecglib")]
    assert code in (0, 1)
    if code == 1:
        assert err and err[-1].startswith("ecglib: error: "), err
    return code


@pytest.fixture(scope="module")
def beat_dir(tmp_path_factory, synthetic_table):
    out = tmp_path_factory.mktemp("beats") / "d"
    write_dataset(synthetic_table.subset(np.arange(120)), out, "aami5")
    return out


@pytest.mark.parametrize("name", ["N.csv", "manifest.json", "meta.csv"])
@SETTINGS
@given(how=damage)
def test_damaged_beat_folder(tmp_path_factory, capsys, beat_dir, name, how):
    folder = tmp_path_factory.mktemp("d") / "d"
    shutil.copytree(beat_dir, folder)
    changed = _damage(folder / name, how)
    code = _run(["data", "check", str(folder)], capsys)
    if name == "manifest.json":
        if code == 0:     # damage to a descriptive field: the beats must still be right
            from test_beatfiles import assert_same_table

            from ecglib.data.beatfiles import read_beat_dir

            assert_same_table(read_beat_dir(folder), read_beat_dir(beat_dir), "aami5")
        return
    assert code == (1 if changed else 0)      # class files and meta.csv are checksummed
    assert _run(["data", "check", str(folder / name)], capsys) == (1 if changed else 0)


@pytest.fixture(scope="module")
def wfdb_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("wfdb")
    rec = synthetic_record("r1", seed=4, duration_s=30, abnormal_rate=0.3)
    wfdb.wrsamp("r1", fs=360, units=["mV"], sig_name=["MLII"], p_signal=rec.signal[:, None],
                fmt=["212"], write_dir=str(out))
    wfdb.wrann("r1", "atr", rec.ann_samples, symbol=list(rec.ann_symbols), write_dir=str(out))
    (out / "RECORDS").write_text("r1\n")
    return out


@pytest.mark.parametrize("name", ["r1.hea", "r1.dat"])
@SETTINGS
@given(how=damage)
def test_damaged_wfdb_record(tmp_path_factory, capsys, wfdb_dir, name, how):
    work = tmp_path_factory.mktemp("w")
    db = work / "db"
    shutil.copytree(wfdb_dir, db)
    _damage(db / name, how)
    out = work / "out"
    code = _run(["data", "build", "--source", "mitdb", "--data-dir", str(db), "--no-download",
                 "--no-cache", "--out", str(out)], capsys)
    if code == 0:                              # a usable record: a complete, valid folder
        assert _run(["data", "check", str(out)], capsys) == 0
    else:
        assert not out.exists()                # nothing half-written


@pytest.fixture(scope="module")
def run_data(tmp_path_factory, synthetic_table):
    """A small binary beat folder and a gbm run trained on it."""
    base = tmp_path_factory.mktemp("run")
    write_dataset(synthetic_table.subset(np.arange(600)), base / "d")
    assert main(["train", "--data", str(base / "d"), "--model", "gbm", "--out",
                 str(base / "run")]) == 0
    return base / "d", base / "run"


@pytest.mark.parametrize("name", ["params.json", "split.npz", "history.csv", "model.skops"])
@settings(SETTINGS, max_examples=6)
@given(how=damage)
def test_damaged_run_folder(tmp_path_factory, capsys, run_data, name, how):
    data, run_dir = run_data
    run = tmp_path_factory.mktemp("r") / "run"
    shutil.copytree(run_dir, run)
    changed = _damage(run / name, how)
    assert _run(["evaluate", "--run", str(run), "--data", str(data)], capsys) == (
        1 if changed else 0)                   # every file of a run is checksummed
