"""The rhythm stress set: simulated rhythms of real beats, scored out of fold."""
import numpy as np
import pytest

from ecglib.data.stress import SCENARIOS, stress_record, stress_rhythm


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_stress_rhythms_are_what_they_say(scenario):
    intervals, is_s = stress_rhythm(scenario, 0.8, 600, np.random.default_rng(1))
    assert intervals.shape == is_s.shape == (600,)
    starts = np.flatnonzero(is_s & ~np.r_[False, is_s[:-1]])
    ends = np.flatnonzero(is_s & ~np.r_[is_s[1:], False])
    runs = (ends - starts + 1)[:-1]                      # the last run may be cut short
    if scenario == "s_dominant":
        assert is_s.mean() > 0.7 and runs.min() >= 3 and runs.max() <= 12
        assert intervals[~is_s].min() >= 1.6 * 0.8 - 1e-9       # a pause before every N
    elif scenario == "svt_runs":
        assert runs.min() >= 10 and runs.max() <= 30
        np.testing.assert_allclose(intervals[is_s], 0.4)
    elif scenario == "slow_pauses":
        assert runs.max() == 1 and 0.02 < is_s.mean() < 0.15
        assert intervals.max() == pytest.approx(2.0)
    elif scenario == "sick_sinus":
        assert runs.min() >= 3 and runs.max() <= 20 and 0.3 < is_s.mean() < 0.8
        assert intervals[is_s].min() >= 0.5 * 0.85 * 0.8 - 1e-9
        assert intervals[is_s].max() <= 0.7 * 1.15 * 0.8 + 1e-9
        after_run = ends[:-1] + 1
        assert not is_s[after_run].any() and intervals[after_run].min() >= 1.8 * 0.8 - 1e-9
        sinus = ~is_s & ~np.r_[False, is_s[:-1]] & (intervals < 2.0 * 0.8)
        steps = np.abs(np.diff(intervals))[(sinus[1:] & sinus[:-1])] / intervals.mean()
        assert (steps > 0.1).mean() > 0.2                # marked sinus arrhythmia
        pauses = intervals[~is_s & ~np.r_[False, is_s[:-1]] & (intervals >= 2.0 * 0.8)]
        assert pauses.size >= 5 and pauses.std() > 0.2 * 0.8      # pauses of varying length
        run_steps = [np.abs(np.diff(intervals[a:b + 1])) / intervals[a:b + 1].mean()
                     for a, b in zip(starts, ends)]
        assert (np.concatenate(run_steps) > 0.1).mean() > 0.3    # an irregular tachycardia
    else:                                                 # block_2to1
        assert runs.max() == 1 and 0.01 < is_s.mean() < 0.05         # one S per cycle
        np.testing.assert_allclose(intervals[is_s], 0.7 * 0.8)
        blocked = np.isclose(intervals, 1.6)
        assert 0.2 < blocked.mean() < 0.6 and not (blocked & is_s).any()
        released = np.flatnonzero(~blocked[1:] & blocked[:-1]) + 1
        assert released.size > 5                          # each block stretch ends ...
        np.testing.assert_allclose(intervals[released], 0.8)   # ... at the sinus interval
        assert not is_s[released].any()                   # with an N beat, not an early one


def test_a_stress_record_keeps_each_beats_signal_and_its_new_rhythm(mitdb_dir):
    from ecglib.beats.extract import annotated_beats
    from ecglib.datasets import get_dataset

    ds = get_dataset("mitdb")
    record = ds.read(mitdb_dir, "209")
    stress = stress_record(record, "s_dominant", seed=3)
    assert stress.patient == record.patient and stress.name == "209~s_dominant"
    samples, symbols, _ = record.reference_beats()
    by_sample = dict(zip(samples.tolist(), symbols.tolist()))
    # 30 ms around every new R peak is the original signal around a beat of that symbol
    half = int(0.03 * record.fs)
    for at, symbol in list(zip(stress.ann_samples, stress.ann_symbols))[5:40]:
        piece = stress.signal[at - half:at + half]
        found = [s for s, sym in by_sample.items() if sym == symbol
                 and np.allclose(record.signal[s - half:s + half], piece)]
        assert found, (at, symbol)
    beats = annotated_beats(stress)
    pre = np.diff(stress.ann_samples) / record.fs
    np.testing.assert_allclose(beats.meta["pre_rr"].to_numpy()[1:], pre, rtol=1e-6)
    s_share = (beats.meta["aami"] == "S").mean()
    assert s_share > 0.7
    s = beats.meta[beats.meta["aami"] == "S"]
    assert s["pre_centre"].median() == pytest.approx(1.0, abs=0.05)   # the median is captured
    assert s["pre_sinus"].median() < 0.5                               # the sinus one is not


def test_sick_sinus_beats_are_as_irregular_as_atrial_fibrillation_yet_early(mitdb_dir):
    """The one scenario whose S beats come in an irregular rhythm: the irregularity
    feature ranks them with atrial fibrillation (at least 0.4, where no beat of the other
    scenarios reaches), while the sinus reference still calls them early."""
    from ecglib.beats.extract import annotated_beats
    from ecglib.datasets import get_dataset

    record = get_dataset("mitdb").read(mitdb_dir, "209")
    meta = {name: annotated_beats(stress_record(record, name, seed=2)).meta
            for name in ("sick_sinus", "slow_pauses", "s_dominant")}
    s = meta["sick_sinus"][meta["sick_sinus"]["aami"] == "S"]
    assert (s["irr_steps"] >= 0.4).mean() > 0.9
    assert s["pre_sinus"].median() < 0.8
    for other in ("slow_pauses", "s_dominant"):
        assert meta[other]["irr_steps"].max() < 0.4


def test_stress_beats_are_scored_by_the_fold_that_did_not_train_on_their_patient(
        synthetic_table):
    """Stress beats that are copies of real rows get exactly those rows' out-of-fold
    probabilities; a patient outside the rows gets NaN."""
    from ecglib.training.config import TrainConfig
    from ecglib.training.selection import cross_validate

    patients = synthetic_table.meta["patient"].to_numpy()
    outside = patients == patients[0]
    rows = np.flatnonzero(~outside)[::5]                  # a few hundred beats: quick fits
    copies = np.r_[rows[::7], np.flatnonzero(outside)[:5]]
    stress = synthetic_table.subset(copies)
    config = TrainConfig(model="gbm", split="interpatient")
    both = cross_validate(synthetic_table, config, rows, cv_folds=3, progress=False,
                          stress=stress)
    oof, on_stress = both[:rows.size], both[rows.size:]
    np.testing.assert_allclose(on_stress[:-5], oof[::7])
    assert np.isnan(on_stress[-5:]).all()


def test_the_default_stress_records_are_those_the_interpatient_split_trains_on():
    """DS1 without 201, whose patient is DS2's 202: its stress beats could never be scored."""
    from ecglib.data.stress import training_records
    from ecglib.datasets.mitdb import DS1

    names = training_records("mitdb")
    assert "201" not in names
    assert names == [r for r in DS1 if r != "201"]


def test_a_records_stress_beats_do_not_depend_on_the_other_records(mitdb_dir):
    from ecglib.data.stress import stress_table

    alone = stress_table("mitdb", records=["118"], data_dir=mitdb_dir)
    both = stress_table("mitdb", records=["207", "118"], data_dir=mitdb_dir)
    mine = (both.meta["from_record"] == "118").to_numpy()
    np.testing.assert_array_equal(both.X[mine], alone.X)
