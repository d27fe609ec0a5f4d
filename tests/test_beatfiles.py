import numpy as np
import pandas as pd
import pytest
from beat_tables import assert_same_table
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecglib.core.errors import DataError
from ecglib.data.beatfiles import check_files, load_beats, read_beat_csv, read_beat_dir
from ecglib.data.beattable import BeatTable
from ecglib.data.build import write_dataset


def _rows(n=4, label=0, seed=0):
    rng = np.random.default_rng(seed)
    return np.column_stack([rng.random((n, 187)), np.full(n, label)])


def _write(path, rows):
    np.savetxt(path, rows, delimiter=",", fmt="%.5f")
    return path


def test_good_file_reads(tmp_path):
    X, y = read_beat_csv(_write(tmp_path / "normal.csv", _rows()), expect_label=0)
    assert X.shape == (4, 187) and X.dtype == np.float32 and (y == 0).all()


@pytest.mark.parametrize("mutate, message", [
    (lambda lines: lines[:2] + [lines[2] + ",0.5"] + lines[3:], "row 3 has 189 columns"),
    (lambda lines: [lines[0].replace("0.", "x.", 1)] + lines[1:], "row 1, column 1: non-numeric"),
    (lambda lines: lines[:1] + [lines[1].replace(lines[1].split(",")[5], "nan", 1)] + lines[2:],
     "row 2, column 6"),
    (lambda lines: lines[:1] + [lines[1].replace(lines[1].split(",")[5], "inf", 1)] + lines[2:],
     "row 2, column 6"),
    (lambda lines: lines[:3] + [lines[3].replace(lines[3].split(",")[0], "1.5", 1)],
     "row 4, column 1: value 1.5 outside"),
    (lambda lines: lines[:1] + [lines[1].rsplit(",", 1)[0] + ",7"] + lines[2:],
     "row 2: label 7 is not one of"),
    (lambda lines: lines[:1] + [lines[1].rsplit(",", 1)[0] + ",1"] + lines[2:],
     "row 2: label 1 in a file of class 'normal'"),
    (lambda lines: lines[:1] + [lines[1].rsplit(",", 1)[0] + ","] + lines[2:], "row 2"),
])
def test_bad_files_name_file_and_row(tmp_path, mutate, message):
    path = _write(tmp_path / "normal.csv", _rows())
    lines = path.read_text().splitlines()
    path.write_text("\n".join(mutate(lines)) + "\n")
    with pytest.raises(DataError) as err:
        read_beat_csv(path, expect_label=0)
    assert str(path) in str(err.value) and message in str(err.value)


def test_empty_and_missing_files(tmp_path):
    (tmp_path / "normal.csv").write_text("")
    with pytest.raises(DataError, match="empty"):
        read_beat_csv(tmp_path / "normal.csv")
    with pytest.raises(DataError, match="not found"):
        read_beat_csv(tmp_path / "nope.csv")


def test_kaggle_names_read_as_is(tmp_path):
    _write(tmp_path / "ptbdb_normal.csv", _rows(3, 0))
    _write(tmp_path / "ptbdb_abnormal.csv", _rows(5, 1))
    table = load_beats(tmp_path)
    assert len(table) == 8 and table.labels("binary").tolist() == [0] * 3 + [1] * 5
    mit = _rows(6, 0)
    mit[:, -1] = [0, 1, 2, 3, 4, 4]
    _write(tmp_path / "mitbih_test.csv", mit)
    assert load_beats(tmp_path / "mitbih_test.csv").labels("aami5").tolist() == [0, 1, 2, 3, 4, 4]
    lines = check_files([tmp_path / "ptbdb_abnormal.csv", tmp_path / "mitbih_test.csv"])
    assert "5 rows (abnormal 5)" in lines[0] and "6 rows" in lines[1]


@pytest.mark.parametrize("scheme", ["binary", "aami5"])
def test_beat_dir_roundtrip_synthetic(tmp_path, synthetic_table, scheme):
    write_dataset(synthetic_table, tmp_path, scheme)
    assert_same_table(read_beat_dir(tmp_path), synthetic_table, scheme)


def test_beat_dir_tamper_detection(tmp_path, synthetic_table):
    write_dataset(synthetic_table, tmp_path)
    with open(tmp_path / "abnormal.csv", "a") as fh:
        fh.write("0.1," * 187 + "1\n")
    with pytest.raises(DataError, match="abnormal.csv: checksum differs"):
        read_beat_dir(tmp_path)


def _table(classes: list[str], seed: int = 0) -> BeatTable:
    rng = np.random.default_rng(seed)
    n = len(classes)
    X = np.round(rng.random((n, 187)), 6).astype(np.float32)
    X[:, 0] = np.arange(n) / max(n, 1)           # every beat distinct
    meta = pd.DataFrame({"record": [f"r{i % 3}" for i in range(n)],
                         "patient": [f"p{i % 3}" for i in range(n)],
                         "sample": np.arange(n, dtype=np.int64) * 100,
                         "symbol": classes, "aami": classes})
    return BeatTable(X, meta, "synthetic", True, {})


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from("NSVFQ"), min_size=1, max_size=40),
       st.sampled_from(["binary", "aami5"]))
def test_beat_dir_roundtrip_any_class_order(tmp_path_factory, classes, scheme):
    """Random class orders and sizes: each signal row comes back with its own label."""
    folder = tmp_path_factory.mktemp("rt")
    table = _table(classes)
    write_dataset(table, folder, scheme)
    assert_same_table(read_beat_dir(folder), table, scheme)


def _meta_edit(folder, edit):
    meta = pd.read_csv(folder / "meta.csv", keep_default_na=False, dtype=str)
    edit(meta)
    meta.to_csv(folder / "meta.csv", index=False)


@pytest.mark.parametrize("edit, message", [
    (lambda m: m.loc.__setitem__((0, "row"), "999"), "row 2: row 999 does not exist"),
    (lambda m: m.loc.__setitem__((1, "row"), m.loc[0, "row"]), "row 3 points to a beat used twice"),
    (lambda m: m.loc.__setitem__((0, "file"), "x.csv"), "row 2: file 'x.csv' is not one of"),
    (lambda m: m.loc.__setitem__((0, "aami_class"), "V"), "row 2: class 'V' of a beat stored in"),
])
def test_check_dir_verifies_alignment(tmp_path, edit, message):
    """A meta row pointing to a missing row, a row used twice, an unknown file or a class
    that is not its file's: 'data check DIR' names meta.csv and the row."""
    write_dataset(_table(list("NNNSVVQ")), tmp_path)
    assert "every meta row matches" in check_files([tmp_path])[0]
    _meta_edit(tmp_path, edit)
    with pytest.raises(DataError) as err:
        read_beat_dir(tmp_path, verify=False)
    assert "meta.csv" in str(err.value) and message in str(err.value)
    with pytest.raises(DataError, match="meta.csv: checksum differs"):
        check_files([tmp_path])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(st.one_of(st.floats(allow_nan=True, allow_infinity=True),
                                   st.text(max_size=3)), min_size=186, max_size=189),
                min_size=1, max_size=3))
def test_validator_never_leaks_a_raw_traceback(tmp_path, rows):
    """Whatever the file holds, the reader returns or raises DataError, nothing else."""
    path = tmp_path / "normal.csv"
    path.write_text("\n".join(",".join(str(c).replace(",", "").replace("\n", "")
                                       for c in r) for r in rows) + "\n")
    try:
        X, y = read_beat_csv(path)
    except DataError as exc:
        assert str(path) in str(exc)
    else:
        assert X.shape == (len(rows), 187) and ((X >= 0) & (X <= 1)).all()
