"""Bad input stops with one clear line naming the file or parameter (issue 12, first part)."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest
import wfdb

from ecglib.atomic import atomic_write_json
from ecglib.build import build_table
from ecglib.cli import main
from ecglib.errors import DataError
from ecglib.records import read_wfdb_record
from ecglib.synthetic import synthetic_record
from ecglib.train import TrainConfig, train


def test_json_outputs_are_strict(tmp_path):
    atomic_write_json(tmp_path / "m.json", {"a": math.nan, "b": [1.0, math.inf], "c": "x"})
    text = (tmp_path / "m.json").read_text()
    assert "NaN" not in text and "Infinity" not in text
    assert json.loads(text) == {"a": None, "b": [1.0, None], "c": "x"}


def test_one_class_data_is_refused(synthetic_table):
    normal = synthetic_table.subset(np.flatnonzero(synthetic_table.labels() == 0)[:300])
    with pytest.raises(DataError, match="single class \\('normal', 300 beats\\)"):
        train(normal, TrainConfig(model="gbm"), verbose=0)


def test_duplicate_records_are_refused():
    with pytest.raises(DataError, match=r"--records names \['100'\] more than once"):
        build_table("mitdb", records=["100", "101", "100"], download=False, progress=False)


def _record(folder, fs_field: str):
    rec = synthetic_record("r", seed=1, duration_s=20)
    wfdb.wrsamp("r", fs=360, units=["mV"], sig_name=["MLII"], p_signal=rec.signal[:, None],
                fmt=["16"], write_dir=str(folder))
    hea = folder / "r.hea"
    first, *rest = hea.read_text().splitlines()
    fields = first.split()
    fields[2] = fs_field
    hea.write_text("\n".join([" ".join(fields), *rest]) + "\n")
    return folder / "r"


@pytest.mark.parametrize("fs", ["abc", "-360", "0"])
def test_bad_sampling_rate_is_refused_with_the_record(tmp_path, fs):
    with pytest.raises(DataError, match=f"r.hea: sampling frequency '{fs}' is not a positive"):
        read_wfdb_record(_record(tmp_path, fs))


def test_good_sampling_rate_reads(tmp_path):
    assert read_wfdb_record(_record(tmp_path, "360")).fs == 360


def test_file_system_errors_are_one_line(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code = main(["data", "build", "--source", "synthetic", "--n-synthetic", "1",
                 "--out", str(blocker / "sub")])
    lines = [ln for ln in capsys.readouterr().err.splitlines() if "ecglib" in ln]
    assert code == 1 and len(lines) == 1 and lines[0].startswith("ecglib: error: ")
    assert str(blocker) in lines[0] and "Traceback" not in lines[0]
