import json
import subprocess
import sys

import pytest

from ecglib.cli import main


def test_build_and_check_synthetic(tmp_path, capsys):
    out = tmp_path / "syn"
    assert main(["data", "build", "--source", "synthetic", "--n-synthetic", "3",
                 "--out", str(out)]) == 0
    assert "SYNTHETIC" in capsys.readouterr().out
    assert main(["data", "check", str(out / "normal.csv"), str(out / "abnormal.csv")]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2 and "rows (normal" in lines[0]
    man = json.loads((out / "manifest.json").read_text())
    assert man["source"] == "synthetic"


def test_check_bad_file_exits_nonzero_with_one_line(tmp_path):
    bad = tmp_path / "abnormal.csv"
    bad.write_text("0.1,0.2\n")
    proc = subprocess.run([sys.executable, "-m", "ecglib.cli", "data", "check", str(bad)],
                          capture_output=True, text=True)
    assert proc.returncode == 1
    assert proc.stderr.strip() == f"ecglib: error: {bad}: row 1 has 2 columns, expected 188"


@pytest.mark.realdata
def test_build_mitdb_aami5_twice_is_byte_identical(tmp_path, mitdb_dir):
    for d in ("a", "b"):
        assert main(["data", "build", "--source", "mitdb", "--data-dir", str(mitdb_dir),
                     "--labels", "aami5", "--records", "100", "208",
                     "--out", str(tmp_path / d)]) == 0
    for name in ("N.csv", "V.csv", "F.csv", "meta.csv", "manifest.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    man = json.loads((tmp_path / "a" / "manifest.json").read_text())
    assert man["counts"]["F"] > 0 and set(man["source_checksums"]) >= {"100.dat", "208.atr"}
