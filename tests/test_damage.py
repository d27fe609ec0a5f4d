"""Random damage to every input kind: the CLI answers with one ``ecglib: error:`` line and
exit 1, or with a correct result; never a traceback, never exit 0 on damaged checksummed
input, never a half-written target (issue 12)."""
from __future__ import annotations

import shutil

import numpy as np
import pytest
import wfdb
from beat_tables import assert_same_table
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ecglib.cli import main
from ecglib.data.beatfiles import read_beat_dir
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


@SETTINGS
@given(kept=st.floats(0.02, 1.0))
@example(kept=0.985)                # one beat (0.7%) past the end: dropped with a warning
@example(kept=0.5)                  # half the beats past the end: refused
def test_a_header_shorter_than_its_annotations_never_yields_padding_beats(tmp_path, kept):
    """The header says the signal ends early (kept x its real length): annotations past the
    end are dropped with a warning when a few, refused when more; never cut as beats of
    zero padding."""
    from ecglib.beats.extract import annotated_beats
    from ecglib.beats.records import MAX_PAST_END, read_wfdb_record
    from ecglib.core.errors import DataError

    folder = tmp_path / f"k{kept:.6f}"
    folder.mkdir()
    rec = synthetic_record("s", seed=2, duration_s=120)
    n = max(int(kept * rec.signal.size), 2 * 360)
    wfdb.wrsamp("s", fs=360, units=["mV"], sig_name=["MLII"],
                p_signal=rec.signal[:n, None], fmt=["16"], write_dir=str(folder))
    wfdb.wrann("s", "atr", rec.ann_samples, symbol=list(rec.ann_symbols),
               write_dir=str(folder))
    outside = (rec.ann_samples >= n).mean()
    if outside > MAX_PAST_END:
        with pytest.raises(DataError, match=r"s.atr: .* annotations lie outside the signal"):
            read_wfdb_record(folder / "s")
        return
    with pytest.warns(UserWarning, match="outside the signal") if outside else \
            _no_warning():
        back = read_wfdb_record(folder / "s")
    assert back.ann_samples.max() < n
    beats = annotated_beats(back)
    assert (beats.X.max(axis=1) > 0).all()                 # no beat of zero padding


def _no_warning():
    import contextlib

    return contextlib.nullcontext()


def test_a_header_rate_that_contradicts_the_database_is_refused(tmp_path, mitdb_dir):
    from ecglib.beats.records import read_wfdb_record
    from ecglib.core.errors import DataError
    from ecglib.datasets import get_dataset

    folder = tmp_path / "mitdb"
    folder.mkdir()
    for ext in ("hea", "dat", "atr"):
        shutil.copy(mitdb_dir / f"100.{ext}", folder)
    hea = folder / "100.hea"
    first, *rest = hea.read_text().splitlines()
    fields = first.split()
    fields[2] = "1000"                                      # mitdb is 360 Hz
    hea.write_text("\n".join([" ".join(fields), *rest]) + "\n")
    record = read_wfdb_record(folder / "100")     # a local copy's checksums would refuse it
    with pytest.raises(DataError, match=r"100.hea: sampling rate 1000 Hz, but mitdb records "
                                        r"are 360 Hz"):                   # first: test here
        get_dataset("mitdb").check_rate(record, folder)
    get_dataset("mitdb").check_rate(read_wfdb_record(mitdb_dir / "100"), mitdb_dir)


#: annotation codes WFDB does not define (wfdb reads their symbol as NaN)
UNDEFINED_CODES = [15, 17, *range(42, 59)]


@SETTINGS
@given(recoded=st.lists(st.tuples(st.integers(0, 10_000), st.sampled_from(UNDEFINED_CODES)),
                        min_size=1, max_size=8))
def test_undefined_annotation_codes_are_named_and_never_scored(tmp_path_factory, wfdb_dir,
                                                                recoded):
    """Beat annotations recoded to codes WFDB does not define: a warning names the .atr file
    and the count, they are not reference beats, and a detection at one counts neither for
    nor against detection +P."""
    from ecglib.beats.records import UNDEFINED, read_wfdb_record
    from ecglib.evaluation.predict import Predictor

    db = tmp_path_factory.mktemp("u")
    shutil.copytree(wfdb_dir, db, dirs_exist_ok=True)
    ann = wfdb.rdann(str(db / "r1"), "atr")
    table = wfdb.io.annotation.ann_label_table
    code_of = dict(zip(table["symbol"], table["label_store"]))
    codes = np.array([code_of[s] for s in ann.symbol], dtype=np.int64)
    picked = sorted({i % codes.size: c for i, c in recoded}.items())
    _write_codes(db / "r1.atr", ann.sample, codes, picked)
    with pytest.warns(UserWarning, match=rf"r1.atr: {len(picked)} of {codes.size} annotations "
                                         r"carry a code WFDB does not define"):
        rec = read_wfdb_record(db / "r1")
    assert (rec.ann_symbols == UNDEFINED).sum() == len(picked)
    assert rec.reference_beats()[0].size == codes.size - len(picked)
    detected = ann.sample.astype(np.int64)          # a perfect detector: one per annotation
    matched = np.isin(detected, rec.reference_beats()[0])
    at_undefined = Predictor._at_undefined(rec, detected, matched)
    assert at_undefined.sum() == len(picked) and not (at_undefined & matched).any()


def _write_codes(path, samples, codes, picked) -> None:
    """Rewrite a WFDB annotation file: every annotation as one 2-byte word (code, interval),
    with ``picked`` (index, code) pairs recoded."""
    codes = codes.copy()
    for i, c in picked:
        codes[i] = c
    words, prev = [], 0
    for s, c in zip(samples, codes):
        step = int(s) - prev
        assert 0 <= step < 1024
        words.append((int(c) << 10) | step)
        prev = int(s)
    path.write_bytes(np.array([*words, 0], dtype="<u2").tobytes())


def test_an_empty_annotation_file_is_refused_by_name(tmp_path, wfdb_dir):
    from ecglib.beats.records import read_wfdb_record
    from ecglib.core.errors import DataError

    shutil.copytree(wfdb_dir, tmp_path / "db")
    (tmp_path / "db" / "r1.atr").write_bytes(b"")
    with pytest.raises(DataError, match=r"r1.atr: the annotation file is empty \(0 bytes"):
        read_wfdb_record(tmp_path / "db" / "r1")


@pytest.mark.parametrize("value", [0.5, np.nan])
def test_a_flat_lead_is_named(tmp_path, capsys, value):
    """A lead with one value (or none) throughout: refused by name, in `data build` (which
    cut 70 all-zero 'beats' from it) and in `predict` (which said 'no beats detected')."""
    digital = np.full((360 * 60, 1), -32768 if np.isnan(value) else 100)  # -32768: no sample
    wfdb.wrsamp("f1", fs=360, units=["mV"], sig_name=["MLII"], d_signal=digital, fmt=["16"],
                adc_gain=[200.0], baseline=[0], write_dir=str(tmp_path))
    wfdb.wrann("f1", "atr", np.arange(300, 360 * 59, 300), symbol=["N"] * 70,
               write_dir=str(tmp_path))
    (tmp_path / "RECORDS").write_text("f1\n")
    assert main(["data", "build", "--source", "mitdb", "--data-dir", str(tmp_path),
                 "--no-download", "--no-cache", "--out", str(tmp_path / "out")]) == 1
    assert "f1: lead MLII is flat" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
