"""Folders are never overwritten by surprise and never left half-finished (issue 12)."""
from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time

import pytest

from ecglib.core.atomic import output_lock
from ecglib.core.errors import EcglibError
from ecglib.data.beatfiles import read_beat_dir
from ecglib.data.build import write_dataset
from ecglib.training.config import TrainConfig
from ecglib.training.trainer import train


def test_build_refuses_a_folder_with_someone_elses_files(tmp_path, synthetic_table):
    mine = tmp_path / "normal.csv"
    mine.write_text("my own data\n")
    with pytest.raises(EcglibError, match="not an ecglib beat folder; refusing"):
        write_dataset(synthetic_table, tmp_path)
    assert mine.read_text() == "my own data\n"
    write_dataset(synthetic_table, tmp_path, force=True)
    assert len(read_beat_dir(tmp_path)) == len(synthetic_table)


def test_rebuild_leaves_no_stale_files(tmp_path, synthetic_table):
    write_dataset(synthetic_table, tmp_path / "d")
    write_dataset(synthetic_table, tmp_path / "d", "aami5")      # an ecglib build: replaced
    names = {p.name for p in (tmp_path / "d").iterdir()}
    assert "normal.csv" not in names and {"N.csv", "meta.csv", "manifest.json"} <= names
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".d.tmp")]


def test_a_second_writer_is_refused_while_the_first_holds_the_lock(tmp_path, synthetic_table):
    with output_lock(tmp_path / "d"):
        with pytest.raises(EcglibError, match="another ecglib command is writing"):
            write_dataset(synthetic_table, tmp_path / "d")
    write_dataset(synthetic_table, tmp_path / "d")


def test_train_refuses_an_existing_run_before_training(tmp_path, synthetic_table):
    cfg = TrainConfig(model="gbm", subset=300, seed=0)
    train(synthetic_table, cfg, out_dir=tmp_path / "run", verbose=0)
    start = time.perf_counter()
    with pytest.raises(EcglibError, match="already exists and is not empty"):
        train(synthetic_table, cfg, out_dir=tmp_path / "run", verbose=0)
    assert time.perf_counter() - start < 1.0
    (tmp_path / "run" / "extra.txt").write_text("old")
    train(synthetic_table, cfg, out_dir=tmp_path / "run", verbose=0, force=True)
    assert not (tmp_path / "run" / "extra.txt").exists()


def _complete_build(folder) -> bool:
    read_beat_dir(folder)          # raises unless every file matches the manifest
    return True


def _complete_run(folder) -> bool:
    names = {p.name for p in folder.iterdir()}
    assert {"params.json", "metrics.json", "model.skops", "split.npz"} <= names, names
    json.loads((folder / "metrics.json").read_text())
    return True


@pytest.mark.parametrize("what", ["build", "train"])
def test_kill_9_leaves_the_old_or_the_new_complete_folder(tmp_path, what):
    """SIGKILL at random moments of 'data build' and 'train': the target is always a
    complete folder (the old one or the new one), never a mix or a half-written one."""
    data = tmp_path / "data"
    ecglib = [sys.executable, "-m", "ecglib.cli"]
    build = ecglib + ["data", "build", "--source", "synthetic", "--n-synthetic", "3", "--force"]
    subprocess.run(build + ["--out", str(data)], check=True, capture_output=True)
    target = data if what == "build" else tmp_path / "run"
    cmd = (build + ["--out", str(target), "--labels", "aami5"] if what == "build" else
           ecglib + ["train", "--data", str(data), "--model", "gbm", "--subset", "300",
                     "--force", "--out", str(target)])
    subprocess.run(cmd, check=True, capture_output=True)
    check = _complete_build if what == "build" else _complete_run
    rng = random.Random(0)
    for _ in range(4):
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.5, 6.0))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert check(target)


def test_outputs_leave_no_lock_and_clear_a_killed_writers_leftovers(tmp_path, synthetic_table):
    stale = tmp_path / ".d.tmp-abc123"                      # what kill -9 mid-build leaves
    (stale / "N.csv").parent.mkdir()
    (stale / "N.csv").write_text("half")
    write_dataset(synthetic_table, tmp_path / "d")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d"]      # no .d.lock, no .tmp


def test_a_run_written_meanwhile_into_the_same_out_is_not_replaced(tmp_path, synthetic_table,
                                                                    monkeypatch):
    from ecglib.training import trainer

    out = tmp_path / "run"
    cfg = TrainConfig(model="gbm", subset=300, seed=0)
    real = trainer._write_run

    def other_command_finishes_first(result, table, tmp):
        (out / "theirs").mkdir(parents=True)               # the other run, swapped in meanwhile
        real(result, table, tmp)

    monkeypatch.setattr(trainer, "_write_run", other_command_finishes_first)
    with pytest.raises(EcglibError, match="another command wrote there while this one ran"):
        train(synthetic_table, cfg, out_dir=out, verbose=0)
    assert [p.name for p in out.iterdir()] == ["theirs"]
