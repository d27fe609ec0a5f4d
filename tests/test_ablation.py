"""The rhythm-reference ablation: each row scored out of fold and on the stress set (which
choose) and on the test patients (which never do), the same way for the book and the
benchmark."""
import numpy as np
import pandas as pd
import pytest

from ecglib.core.errors import DataError
from ecglib.data.stress import stress_for
from ecglib.evaluation.ablation import (
    ABLATION,
    CHOICE_SCORE,
    ablation_row,
    held_out_row,
    scored,
)
from ecglib.models import get_model_spec
from ecglib.training.config import TrainConfig
from ecglib.training.runcache import cached_cross_validate
from ecglib.training.selection import SELECTION_SCORE, candidate_row, training_patients


def test_scored_counts_s_and_v_by_hand():
    """Ten beats in two records; S Se / +P, V Se, the 232 split and the binary balanced
    accuracy worked out by hand."""
    meta = pd.DataFrame({"record": ["232"] * 5 + ["100"] * 5, "sample": np.arange(10) * 300})
    y = np.array([1, 1, 1, 0, 0, 0, 1, 2, 0, 0])      # N S V F Q = 0 1 2 3 4
    called = np.array([1, 1, 0, 0, 1, 0, 0, 2, 2, 1])
    p = np.full((10, 5), 0.01)
    p[np.arange(10), called] = 0.96
    out = scored(meta, y, p, 0.5, "X ")
    assert out["X S_se"] == pytest.approx(2 / 4) and out["X S_ppv"] == pytest.approx(2 / 4)
    assert out["X V_se"] == 1.0 and out["X V_ppv"] == pytest.approx(1 / 2)
    assert out["X S_se record 232"] == pytest.approx(2 / 3)
    assert out["X S_se without 232"] == 0.0 and out["X S_ppv without 232"] == 0.0
    assert out["X S_se runs of 3+"] == pytest.approx(2 / 3)     # 232's three S in a row
    assert out["X S_se isolated"] == 0.0                        # record 100's lone S
    # abnormal = not N: of 5 abnormal beats 3 flagged; of 5 normal ones 3 flagged
    assert out["X binary_balanced_accuracy"] == pytest.approx((3 / 5 + 2 / 5) / 2)


def test_every_ablation_row_is_a_registered_configuration():
    for name, change in ABLATION.items():
        config = TrainConfig(labels="aami5", split="interpatient", **change)
        assert get_model_spec(config.model).name == change["model"], name
    # the rows that differ only in the reference: same member kinds, same weights
    assert {k for k in ABLATION if k.startswith("only ")} >= {
        "only centre", "only record", "only p90", "only sinus", "only sinus + irregularity"}


@pytest.fixture(scope="module")
def small():
    """A synthetic table of 12 patients (6 on the training side) and its stress set."""
    from ecglib.data.build import build_table

    table = build_table("synthetic", n_synthetic=12, seed=3, progress=False)
    config = TrainConfig(model="lr_only_sinus", labels="aami5", split="interpatient",
                         class_weight=True, patient_weight=0.5)
    return table, config, stress_for(table, training_patients(table, config))


def test_ablation_row_is_the_out_of_fold_score_and_the_stress_s_f1(small):
    table, config, stress = small
    row = ablation_row(table, config, stress, cv_folds=2)
    pool = training_patients(table, config)
    both = cached_cross_validate(table, config, pool, 2, stress=stress)    # the cached run
    y = table.labels("aami5")[pool]
    expected = candidate_row("", y, both[:pool.size], ("N", "S", "V", "F", "Q"),
                             table.meta["patient"].to_numpy()[pool])
    assert row[SELECTION_SCORE] == pytest.approx(expected[SELECTION_SCORE])
    assert row["DS1 S_se"] == pytest.approx(expected["S_se"])
    seen = ~np.isnan(both[pool.size:, 0])
    assert seen.any() and 0.0 < row["threshold"] < 1.0
    stress_pred = both[pool.size:][seen].argmax(axis=1)
    stress_y = stress.labels("aami5")[seen]
    s_found = ((stress_pred == 1) & (stress_y == 1)).sum() / (stress_y == 1).sum()
    assert row["stress S_se"] == pytest.approx(s_found)
    assert row[CHOICE_SCORE] == pytest.approx((row[SELECTION_SCORE] + row["stress S_f1"]) / 2)
    tested = held_out_row(table, config, row["threshold"])
    assert set(tested) >= {"DS2 S_se", "DS2 V_ppv", "DS2 binary_balanced_accuracy"}
    assert not any(k.startswith(("DS1", "stress")) for k in tested)


def test_ablation_row_refuses_other_labels_and_a_stress_set_of_strangers(small):
    table, config, stress = small
    with pytest.raises(ValueError, match="aami5"):
        ablation_row(table, TrainConfig(model="gbm", labels="binary"), stress, 2)
    pool = training_patients(table, config)
    strangers = table.subset(np.setdiff1d(np.arange(len(table)), pool)[:50])
    with pytest.raises(ValueError, match="no stress beat comes from a training patient"):
        ablation_row(table, config, strangers, 2)


def test_stress_for_takes_the_records_that_hold_s_beats(small):
    table, config, stress = small
    pool = training_patients(table, config)
    holders = set(table.meta.iloc[pool].query("aami == 'S'")["record"].astype(str))
    assert set(stress.meta["from_record"]) <= holders
    assert set(stress.meta["patient"]) <= set(table.meta.iloc[pool]["patient"])
    no_s = np.flatnonzero((table.meta["aami"] != "S").to_numpy())
    with pytest.raises(DataError, match="holds an S beat"):
        stress_for(table, no_s)


def test_each_seed_family_row_changes_one_thing_from_the_row_before():
    """The seed family's rows differ from the row before in one setting each (the model, or
    how long it trains), and every row is a row of the ablation with the votes' weights."""
    from ecglib.evaluation.ablation import ABLATION, SEED_FAMILY
    from ecglib.models import MODELS

    rows = list(SEED_FAMILY.values())
    for before, row in zip(rows, rows[1:]):
        changed = {k for k in before.keys() | row.keys() if before.get(k) != row.get(k)}
        assert len(changed) == 1, (before, row)
    for label, change in SEED_FAMILY.items():
        assert change["model"] in MODELS
        assert ABLATION[label] == {"class_weight": True, "patient_weight": 0.5, **change}
