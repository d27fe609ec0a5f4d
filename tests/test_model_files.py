"""Model files that could run code are refused before anything in them is executed."""
from __future__ import annotations

import functools
import os
import pickle

import numpy as np
import pytest

from ecglib.core.errors import DataError
from ecglib.models import load_classifier


class _Payload:
    """Unpickling this creates a file: the proof that a loader ran foreign code."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


@pytest.mark.parametrize("suffix", [".joblib", ".pkl"])
def test_pickle_model_file_is_refused_and_never_run(tmp_path, suffix):
    marker = tmp_path / "pwned"
    evil = tmp_path / f"model{suffix}"
    evil.write_bytes(pickle.dumps(_Payload(str(marker))))
    with pytest.raises(DataError, match="pickle-based model files are refused"):
        load_classifier(evil, "gbm", 2)
    assert not marker.exists()


def test_skops_file_with_untrusted_types_is_refused_and_never_run(tmp_path):
    import skops.io

    marker = tmp_path / "pwned"
    evil = tmp_path / "model.skops"
    evil.write_bytes(skops.io.dumps({"m": functools.partial(os.system, f"touch {marker}")}))
    with pytest.raises(DataError, match="types ecglib does not trust.*posix.system"):
        load_classifier(evil, "gbm", 2)
    assert not marker.exists()
    junk = tmp_path / "junk.skops"
    junk.write_bytes(b"not a zip")
    with pytest.raises(DataError, match="junk.skops: not a valid skops model file"):
        load_classifier(junk, "gbm", 2)


def test_trained_baseline_round_trips_through_skops(tmp_path, synthetic_table):
    from ecglib.training.config import TrainConfig
    from ecglib.training.trainer import train

    result = train(synthetic_table, TrainConfig(model="gbm", subset=800, seed=0),
                   out_dir=tmp_path / "run", verbose=0)
    assert (tmp_path / "run" / "model.skops").is_file()
    assert not list((tmp_path / "run").glob("*.joblib"))
    back = load_classifier(tmp_path / "run" / "model.skops", "gbm", 2)
    X = synthetic_table.X[:50]
    np.testing.assert_allclose(back.predict_proba(X), result.model.predict_proba(X))
