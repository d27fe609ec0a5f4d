import numpy as np
import pandas as pd
import pytest

from ecglib.datasets import get_dataset
from ecglib.datasets.mitdb import DS1, DS2
from ecglib.training.splits import (
    SPLITS,
    SplitParams,
    SplitSpec,
    get_split,
    group_kfold,
    leakage,
    make_split,
    random_split,
    register_split,
)

MITDB = SplitParams(seed=0, standard=get_dataset("mitdb").standard_split)


def _meta(records, per=50, patients=None):
    patients = patients or {}
    return pd.DataFrame({"record": np.repeat(records, per),
                         "patient": np.repeat([patients.get(r, r) for r in records], per)})


def test_random_split_is_stratified_and_leaks_patients():
    meta = _meta([f"r{i}" for i in range(10)])
    y = np.tile([0] * 40 + [1] * 10, 10)
    s = random_split(y, seed=1)
    assert abs(y[s.test].mean() - 0.2) < 0.02
    assert len(set(s.train) | set(s.val) | set(s.test)) == len(y)
    assert len(leakage(meta, s.train, s.test)) > 0
    assert s.group is None and s.test_groups(meta) is None


def test_interpatient_uses_de_chazal_lists_and_keeps_patients_apart():
    # MIT-BIH 201 (DS1) and 202 (DS2) are one man: 201 must leave training, DS2 stays whole
    meta = _meta(list(DS1) + list(DS2), per=20, patients=get_dataset("mitdb").patients)
    s = make_split("interpatient", meta, np.zeros(len(meta), int), MITDB)
    assert set(meta["record"].iloc[s.test]) == set(DS2)
    assert set(meta["record"].iloc[np.r_[s.train, s.val]]) == set(DS1) - {"201"}
    assert leakage(meta, np.r_[s.train, s.val], s.test).empty
    assert leakage(meta, s.train, s.val).empty
    assert s.group == "patient" and "201" in s.notes[0]
    assert set(s.test_groups(meta)) == set(DS2) - {"202"} | {"201"}


def test_interpatient_other_sources_split_patients_with_a_fraction():
    meta = _meta([f"syn{i:02d}" for i in range(8)])
    s = make_split("interpatient", meta, np.zeros(len(meta), int), SplitParams(seed=0))
    assert leakage(meta, np.r_[s.train, s.val], s.test).empty
    assert meta["record"].iloc[s.test].nunique() == 4
    s = make_split("interpatient", meta, np.zeros(len(meta), int),
                   SplitParams(seed=0, test_size=0.25))
    assert meta["record"].iloc[s.test].nunique() == 2


def test_records_of_one_patient_stay_together():
    # INCART-like: several records per patient
    records = [f"I{i:02d}" for i in range(12)]
    patients = {r: f"p{i // 3}" for i, r in enumerate(records)}
    meta = _meta(records, per=10, patients=patients)
    for name in ("interpatient", "group_kfold"):
        s = make_split(name, meta, np.zeros(len(meta), int),
                       SplitParams(seed=3, folds=4, fold=1, val_size=0.34))
        parts = [set(meta["patient"].iloc[p]) for p in (s.train, s.val, s.test)]
        assert not (parts[0] & parts[1] or parts[0] & parts[2] or parts[1] & parts[2]), name


def test_random_split_fractions_are_parameters():
    y = np.tile([0] * 8 + [1] * 2, 100)
    s = make_split("random", _meta(["a"], per=1000), y, SplitParams(test_size=0.5))
    assert s.sizes()["test"] == 500


def test_group_kfold_covers_each_patient_once():
    meta = _meta([f"r{i}" for i in range(6)], per=5)
    folds = group_kfold(meta, k=3)
    tested = np.concatenate([t for _, t in folds])
    assert sorted(tested) == list(range(len(meta)))
    for tr, te in folds:
        assert leakage(meta, tr, te).empty
    with pytest.raises(ValueError, match="fewer than k"):
        group_kfold(meta, k=10)
    tests = [make_split("group_kfold", meta, np.zeros(len(meta), int),
                        SplitParams(folds=3, fold=f)).test for f in range(3)]
    assert sorted(np.concatenate(tests)) == list(range(len(meta)))


def test_split_registry_names_choices_and_takes_new_entries():
    with pytest.raises(ValueError, match="interpatient"):
        get_split("leave-one-out")

    def first_half(meta, y, params):
        n = len(y) // 2
        return SPLITS["random"].make(meta, y, params).__class__(
            "first_half", np.arange(n // 2), np.arange(n // 2, n), np.arange(n, len(y)))

    register_split(SplitSpec("first_half", first_half, None, 0.5, 0.25, "toy"))
    try:
        s = make_split("first_half", _meta(["a"], per=8), np.zeros(8, int))
        assert list(s.test) == [4, 5, 6, 7]
    finally:
        SPLITS.unregister("first_half")


def test_kaggle_beats_cannot_be_split_by_patient():
    meta = _meta(["unknown"], per=10)
    with pytest.raises(ValueError, match="Kaggle"):
        make_split("interpatient", meta, np.zeros(10, int))


def test_interpatient_adapt_trains_on_the_first_minutes_of_each_test_record():
    # 30-minute records at 360 Hz: one beat a minute (minutes 0..29) per record
    meta = _meta(list(DS1) + list(DS2), per=30, patients=get_dataset("mitdb").patients)
    meta["sample"] = np.tile(np.arange(30) * 60 * 360 + 100, len(DS1) + len(DS2))
    base = make_split("interpatient", meta, np.zeros(len(meta), int), MITDB)
    params = SplitParams(seed=0, standard=MITDB.standard, fs=360.0)
    s = make_split("interpatient_adapt", meta, np.zeros(len(meta), int), params)
    minute = meta["sample"].to_numpy() // (60 * 360)
    adapted = np.setdiff1d(s.train, base.train)
    assert set(meta["record"].iloc[adapted]) == set(DS2)
    assert set(minute[adapted]) == {0, 1, 2, 3, 4}            # the first 5 minutes, no more
    assert set(minute[s.test]) == set(range(5, 30))
    assert sorted(np.r_[adapted, s.test]) == sorted(base.test)  # every test beat, once
    assert np.array_equal(s.val, base.val)                      # validation: training patients
    assert not set(meta["patient"].iloc[s.val]) & set(meta["patient"].iloc[s.test])
    assert "first 5 minutes" in s.notes[-1] and s.group == "patient"
    with pytest.raises(ValueError, match="sampling rate is unknown"):
        make_split("interpatient_adapt", meta, np.zeros(len(meta), int), MITDB)
    short = meta.assign(sample=meta["sample"] % (300 * 360))
    with pytest.raises(ValueError, match="longer than 5 min, so no beat is left to test"):
        make_split("interpatient_adapt", short, np.zeros(len(meta), int), params)
    two = make_split("interpatient_adapt", meta, np.zeros(len(meta), int),
                     SplitParams(seed=0, standard=MITDB.standard, fs=360.0, adapt_minutes=2))
    assert set(minute[np.setdiff1d(two.train, base.train)]) == {0, 1}
    assert set(minute[two.test]) == set(range(2, 30))


def test_interpatient_adapt_trains_end_to_end_and_refuses_what_it_cannot_split(synthetic_table):
    from ecglib.training.config import TrainConfig
    from ecglib.training.trainer import train

    meta = synthetic_table.meta                   # 5-minute synthetic records at 360 Hz
    with pytest.raises(ValueError, match="no test record lasts longer than 5 min"):
        train(synthetic_table, TrainConfig(model="gbm", split="interpatient_adapt"), verbose=0)
    with pytest.raises(ValueError, match="adapt_minutes must be above 0"):
        TrainConfig(split="interpatient_adapt", adapt_minutes=0).validate()
    result = train(synthetic_table, TrainConfig(model="gbm", split="interpatient_adapt",
                                                adapt_minutes=1), verbose=0)
    test_records = set(meta["record"].iloc[result.split.test])
    assert (meta["sample"].iloc[result.split.test] >= 60 * 360).all()
    early_test = np.flatnonzero(meta["record"].isin(test_records) & (meta["sample"] < 60 * 360))
    assert np.isin(early_test, result.split.train).all()
    assert not set(meta["record"].iloc[result.split.val]) & test_records
