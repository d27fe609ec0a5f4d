"""Training on another lead too (ecglib.data.leads): every training beat joined by its twin, the
same reference beat as the other lead recorded it; test beats untouched."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from ecglib.core.errors import DataError
from ecglib.core.seed import set_seed
from ecglib.data.build import build_table
from ecglib.data.leads import lead_twins, with_other_lead, with_twins
from ecglib.models import get_model_spec
from ecglib.training.config import TrainConfig
from ecglib.training.trainer import fit_rows


@pytest.fixture(scope="module")
def two_records(mitdb_dir):
    return build_table("mitdb", data_dir=mitdb_dir, records=["119", "208"], progress=False)


def test_each_beat_meets_its_twin_in_the_other_lead(two_records):
    t = two_records
    both, twin = lead_twins(t, "mitdb_v")
    assert len(both) > len(t) and (twin >= len(t)).mean() > 0.99
    has = np.flatnonzero(twin >= 0)
    for column in ("record", "sample", "aami", "patient"):
        assert (both.meta[column].to_numpy()[twin[has]] == t.meta[column].to_numpy()[has]).all()
    np.testing.assert_array_equal(both.X[:len(t)], t.X)             # the first lead as it was
    assert np.abs(both.X[twin[has]] - t.X[has]).mean() > 0.05       # another lead's shapes
    rows = np.array([0, 5, 9])
    assert list(with_twins(rows, twin)) == [0, 5, 9, *twin[rows]]
    moved = t.subset(np.arange(len(t)))
    moved.meta["sample"] += 1                                        # no beat has a twin
    with pytest.raises(DataError, match="mitdb_v.*0% of the beats"):
        lead_twins(moved, "mitdb_v")
    with pytest.raises(DataError, match="'mitdb' is the lead these beats come from"):
        lead_twins(t, "mitdb")


def test_other_lead_changes_the_model_and_the_same_seed_repeats_it(two_records):
    t = two_records
    y = t.labels("aami5")
    rows, val = np.arange(0, len(t), 2), np.arange(1, len(t), 4)
    config = TrainConfig(model="lr_rr_tpl", labels="aami5", class_weight=True)

    def proba(cfg, table=t):
        set_seed(0)
        model = get_model_spec(cfg.model).create(n_classes=5, seed=0)
        fit_rows(model, table, y, rows, val, cfg, verbose=0)
        return model.predict_proba(t.X[val], t.features(val))

    one = proba(config)
    with pytest.raises(DataError, match="loaded without that lead"):
        proba(replace(config, other_lead="mitdb_v"))
    t = with_other_lead(two_records, "mitdb_v")
    assert proba(config, t).tolist() == one.tolist()     # carried, unused without other_lead
    both = proba(replace(config, other_lead="mitdb_v"), t)
    assert np.abs(both - one).max() > 0.01
    np.testing.assert_array_equal(both, proba(replace(config, other_lead="mitdb_v"), t))


def test_an_unknown_other_lead_is_named():
    with pytest.raises(ValueError, match="other_lead must be a dataset.*'V9'"):
        TrainConfig(other_lead="V9").validate()
