"""The run cache: a trained run is reused, a damaged one retrained, and two processes that
train the same run at once (two notebooks, parallel tests) both get it."""
from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from ecglib.training import runcache
from ecglib.training.config import TrainConfig

CONFIG = TrainConfig(model="gbm", subset=300)


@pytest.fixture
def counted(monkeypatch, tmp_path):
    """A private cache, and a list that grows by one per training."""
    monkeypatch.setenv("ECGLIB_CACHE_DIR", str(tmp_path))
    calls: list[int] = []
    real = runcache.train

    def train(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(runcache, "train", train)
    return calls


def test_a_cached_run_is_reused_and_a_damaged_one_retrained(synthetic_table, counted):
    first = runcache.cached_run(synthetic_table, CONFIG, verbose=0)
    again = runcache.cached_run(synthetic_table, CONFIG, verbose=0)
    assert len(counted) == 1 and again.run_dir == first.run_dir
    np.testing.assert_array_equal(again.test_proba, first.test_proba)
    (first.run_dir / "metrics.json").write_text("{not json")
    runcache.cached_run(synthetic_table, CONFIG, verbose=0)
    assert len(counted) == 2
    assert json.loads((first.run_dir / "metrics.json").read_text())


def test_a_run_another_process_finished_first_is_kept(synthetic_table, counted, monkeypatch,
                                                      tmp_path):
    done = runcache.cached_run(synthetic_table, CONFIG, verbose=0)
    folder = done.run_dir
    copy = tmp_path / "other-process"
    shutil.copytree(folder, copy)
    shutil.rmtree(folder)
    (copy / "mark").write_text("the other process's copy")
    real = runcache.train

    def train_while_another_finishes(table, config, out_dir, verbose):
        result = real(table, config, out_dir=out_dir, verbose=verbose)
        shutil.copytree(copy, folder)          # the other process publishes first
        return result

    monkeypatch.setattr(runcache, "train", train_while_another_finishes)
    result = runcache.cached_run(synthetic_table, CONFIG, verbose=0)
    assert result.run_dir == folder
    assert (folder / "mark").is_file()          # theirs kept, no error
    np.testing.assert_array_equal(result.test_proba, done.test_proba)
    assert [p.name for p in folder.parent.iterdir()] == [folder.name]   # no temp left


def test_a_leftover_folder_that_is_not_a_run_is_replaced(synthetic_table, counted):
    done = runcache.cached_run(synthetic_table, CONFIG, verbose=0)
    shutil.rmtree(done.run_dir)
    done.run_dir.mkdir()
    (done.run_dir / "stray.txt").write_text("not a run")
    result = runcache.cached_run(synthetic_table, CONFIG, verbose=0)
    assert (result.run_dir / "metrics.json").is_file()
    assert not (result.run_dir / "stray.txt").exists()
