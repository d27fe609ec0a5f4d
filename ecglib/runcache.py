"""Trained runs cached by what defines them, shared by the chapters and the comparisons.

A run is cached under ``<cache>/runs/<key>``, the key made of the training configuration,
the data's identity and the Keras backend. Training is deterministic, so a cached run
equals a fresh one; a damaged entry is trained again.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import asdict
from pathlib import Path

from .beattable import BeatTable
from .config import TrainConfig
from .errors import EcglibError
from .paths import cache_dir, cache_key
from .runs import load_run
from .seed import keras_info
from .train import TrainResult, train


def data_identity(table: BeatTable) -> dict:
    """What identifies a beat table's content for caching."""
    info = table.info
    return {"source": table.source, "n": len(table), "synthetic": table.synthetic,
            "checksums": cache_key(info.get("source_checksums") or {}),
            "seed": info.get("seed"), "n_records": info.get("n_records"),
            "params": info.get("params")}


def cached_run(table: BeatTable, config: TrainConfig, verbose: int = 2) -> TrainResult:
    """A trained run for ``config`` on ``table``: loaded from the run cache or trained."""
    key = cache_key({"config": asdict(config), "data": data_identity(table),
                     "backend": keras_info()["keras_backend"], "ecglib_runs": 2})
    folder = cache_dir() / "runs" / key
    if (folder / "metrics.json").is_file():
        try:
            return load_run(folder, table)
        except (EcglibError, OSError, ValueError):   # a damaged cache entry is retrained
            shutil.rmtree(folder, ignore_errors=True)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{key}.", dir=folder.parent))
    try:
        result = train(table, config, out_dir=tmp, verbose=verbose)
        shutil.rmtree(folder, ignore_errors=True)
        os.replace(tmp, folder)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    result.run_dir = folder
    return result
