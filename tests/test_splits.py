import numpy as np
import pandas as pd
import pytest

from ecglib.records import DS1, DS2
from ecglib.splits import group_kfold, interpatient_split, leakage, make_split, random_split


def _meta(records, per=50):
    return pd.DataFrame({"record": np.repeat(records, per), "patient": np.repeat(records, per)})


def test_random_split_is_stratified_and_leaks_patients():
    meta = _meta([f"r{i}" for i in range(10)])
    y = np.tile([0] * 40 + [1] * 10, 10)
    s = random_split(y, seed=1)
    assert abs(y[s.test].mean() - 0.2) < 0.02
    assert len(set(s.train) | set(s.val) | set(s.test)) == len(y)
    assert len(leakage(meta, s.train, s.test)) > 0


def test_interpatient_uses_de_chazal_lists_and_has_no_leakage():
    meta = _meta(list(DS1) + list(DS2), per=20)
    s = interpatient_split(meta, seed=0)
    assert set(meta["record"].iloc[s.test]) == set(DS2)
    assert set(meta["record"].iloc[np.r_[s.train, s.val]]) == set(DS1)
    assert leakage(meta, np.r_[s.train, s.val], s.test).empty
    assert leakage(meta, s.train, s.val).empty


def test_interpatient_other_sources_halve_records():
    meta = _meta([f"syn{i:02d}" for i in range(8)])
    s = make_split("interpatient", meta, np.zeros(len(meta), int), seed=0)
    assert leakage(meta, np.r_[s.train, s.val], s.test).empty
    assert meta["record"].iloc[s.test].nunique() == 4


def test_group_kfold_covers_each_record_once():
    meta = _meta([f"r{i}" for i in range(6)], per=5)
    folds = group_kfold(meta, k=3)
    tested = np.concatenate([t for _, t in folds])
    assert sorted(tested) == list(range(len(meta)))
    for tr, te in folds:
        assert leakage(meta, tr, te).empty
    with pytest.raises(ValueError, match="fewer than k"):
        group_kfold(meta, k=10)
