"""R-R features: values, edge beats, gaps, causality, and what they say on real data."""
from __future__ import annotations

import numpy as np
import pytest

from ecglib.beats.extract import annotated_beats
from ecglib.beats.rr import (
    CONTEXT_BEATS,
    IRREGULAR_BEATS,
    IRREGULAR_STEP,
    LOCAL_BEATS,
    NEAR_BEATS,
    RAW_INTERVALS,
    RR_CONTEXT,
    RR_FEATURES,
    RR_IRREGULARITY,
    rr_features,
)
from ecglib.datasets import get_dataset


def test_values_of_a_regular_rhythm_with_one_premature_beat():
    fs = 100.0
    t = np.array([0, 100, 200, 260, 400, 500])          # beat 3 comes 0.4 s early
    f = rr_features(t, fs)
    assert f["pre_rr"].tolist() == pytest.approx([1.0, 1.0, 1.0, 0.6, 1.4, 1.0])
    assert f["post_rr"].tolist() == pytest.approx([1.0, 1.0, 0.6, 1.4, 1.0, 1.0])
    assert f["rr_edge"].tolist() == [1, 0, 0, 0, 0, 1]
    assert f["mean_rr"].iloc[3] == pytest.approx(np.mean([1.0, 1.0, 1.0, 0.6]))
    assert f["pre_rr_norm"].iloc[3] < 0.7 < f["pre_rr_norm"].iloc[2]
    assert f["pre_local"].iloc[3] == pytest.approx(0.6 / np.mean([1.0, 1.0, 1.0, 0.6]))
    assert f["post_pre"].tolist() == pytest.approx([1.0, 1.0, 0.6, 1.4 / 0.6, 1.0 / 1.4, 1.0])
    assert f["pre_prev"].tolist() == pytest.approx([1.0, 1.0, 1.0, 0.6, 1.4 / 0.6, 1.0 / 1.4])
    # the median of the last intervals is not pulled by the one early beat, the mean is
    assert f["pre_median"].iloc[3] == pytest.approx(0.6)
    assert f["pre_median"].iloc[3] < f["pre_local"].iloc[3]
    assert f["post_median"].iloc[3] == pytest.approx(1.4)


def test_raw_intervals_are_the_features_that_follow_the_heart_rate():
    """The same rhythm 1.5 times slower: the raw intervals grow 1.5 times, every ratio to
    the patient's rhythm stays as it was."""
    t = np.cumsum(np.r_[0, np.tile([80, 80, 50, 110, 80], 8)])
    fast, slow = rr_features(t, 100.0), rr_features(1.5 * t, 100.0)
    for column in RR_FEATURES + RR_CONTEXT:
        if column in RAW_INTERVALS:
            np.testing.assert_allclose(slow[column], 1.5 * fast[column], err_msg=column)
        else:
            np.testing.assert_allclose(slow[column], fast[column], err_msg=column)


def test_median_ratios_follow_a_rhythm_change_after_half_the_local_beats():
    t = np.cumsum(np.r_[0, np.full(20, 100), np.full(20, 50)])
    f = rr_features(t, 100.0)
    assert f["pre_median"].iloc[21] == pytest.approx(0.5)        # the first fast beat
    assert f["pre_median"].iloc[26] == pytest.approx(1.0)        # 6 of the last 10 fast
    assert f["pre_prev"].iloc[21] == pytest.approx(0.5) and f["pre_prev"].iloc[22] == 1.0


def test_local_mean_covers_the_last_ten_beats():
    t = np.cumsum(np.r_[0, np.full(14, 50), np.full(10, 100)])
    f = rr_features(t, 100.0)
    assert f["local_rr"].iloc[-1] == pytest.approx(1.0)          # last 10 intervals: 1 s
    assert f["local_rr"].iloc[14] == pytest.approx(0.5)
    assert LOCAL_BEATS == 10


def test_features_are_causal_except_post_rr():
    t = np.array([0, 90, 200, 310, 395, 500, 610, 700])
    full, cut = rr_features(t, 100.0), rr_features(t[:5], 100.0)
    causal = [c for c in RR_FEATURES if "post" not in c]
    np.testing.assert_allclose(full[causal].iloc[:5], cut[causal])


def test_whole_record_context_against_a_plain_loop():
    rng = np.random.default_rng(3)
    t = np.cumsum(np.r_[0, rng.integers(40, 160, 700)])
    f = rr_features(t, 100.0)
    pre = f["pre_rr"].to_numpy()
    half, near = CONTEXT_BEATS // 2, NEAR_BEATS // 2
    for i in (0, 3, 250, 350, 699):                # ends: the centred windows shrink
        centre = np.median(pre[max(0, i - half):i + half + 1])
        around = pre[max(0, i - near):i + near + 1]
        assert f["pre_centre"].iloc[i] == pytest.approx(pre[i] / centre)
        assert f["post_centre"].iloc[i] == pytest.approx(f["post_rr"].iloc[i] / centre)
        assert f["local_centre"].iloc[i] == pytest.approx(around.mean() / centre)
        assert f["local_cv"].iloc[i] == pytest.approx(around.std(ddof=1) / around.mean())
    assert not set(RR_CONTEXT) & set(RR_FEATURES)


def test_context_tells_an_early_beat_in_a_regular_rhythm_from_an_irregular_rhythm():
    regular = np.cumsum(np.r_[0, np.full(30, 80), 50, 110, np.full(30, 80)])
    irregular = np.cumsum(np.r_[0, np.tile([50, 110], 31)])
    early, af = rr_features(regular, 100.0).iloc[31], rr_features(irregular, 100.0).iloc[31]
    assert early["pre_centre"] == pytest.approx(50 / 80)       # early against its rhythm
    assert early["local_cv"] < af["local_cv"]
    assert rr_features(np.arange(0, 5000, 80), 100.0)["local_cv"].max() == pytest.approx(0)


def test_irregularity_against_a_plain_loop():
    rng = np.random.default_rng(4)
    t = np.cumsum(np.r_[0, rng.integers(40, 160, 300)])
    f = rr_features(t, 100.0)
    pre = f["pre_rr"].to_numpy()
    change = np.abs(np.diff(pre, prepend=pre[0]))
    half = IRREGULAR_BEATS // 2
    for i in (0, 5, 150, 299):                     # ends: the centred window shrinks
        around = slice(max(0, i - half), i + half + 1)
        usual = np.median(pre[around])
        assert f["irr_diff"].iloc[i] == pytest.approx(np.median(change[around]) / usual)
        assert f["irr_steps"].iloc[i] == pytest.approx(
            np.mean(change[around] > IRREGULAR_STEP * usual))
    assert not set(RR_IRREGULARITY) & set(RR_FEATURES)


def test_irregularity_tells_fibrillation_from_early_beats_and_runs_at_any_rate():
    rng = np.random.default_rng(5)
    fibrillation = np.cumsum(np.r_[0, rng.integers(144, 432, 200)]) / 360.0
    early_beats = np.cumsum(np.r_[0, np.tile([1.0] * 8 + [0.6, 1.4], 20)])
    run = np.cumsum(np.r_[0, np.full(60, 1.0), np.full(80, 0.45), np.full(60, 1.0)])
    irr = {name: rr_features(np.round(t * 360).astype(int), 360.0)[list(RR_IRREGULARITY)]
           for name, t in (("af", fibrillation), ("early", early_beats), ("run", run))}
    # one early beat in 10 changes 3 intervals in 10 (early, pause, back)
    assert irr["af"]["irr_steps"].median() > 0.6 > 0.35 > irr["early"]["irr_steps"].max()
    assert irr["af"]["irr_diff"].median() > 0.15 > 0.01 > irr["early"]["irr_diff"].max()
    assert irr["run"]["irr_diff"].iloc[100] == pytest.approx(0, abs=1e-9)   # inside the run
    slower = rr_features(np.round(fibrillation * 360).astype(int) * 2, 360.0)   # half the rate
    np.testing.assert_allclose(slower[list(RR_IRREGULARITY)], irr["af"])


def test_gaps_and_edges():
    gaps = np.zeros(1000, dtype=bool)
    gaps[450:460] = True                           # between beats 2 (400) and 3 (500)
    f = rr_features(np.array([200, 300, 400, 500, 600]), 100.0, gaps)
    assert f["rr_edge"].tolist() == [1, 0, 1, 1, 1]
    assert f["post_rr"].iloc[2] == pytest.approx(1.0)          # took its pre_rr
    assert f["pre_rr"].iloc[3] == pytest.approx(1.0)           # took its post_rr
    one = rr_features(np.array([50]), 100.0)
    assert one["rr_edge"].tolist() == [1]
    assert np.isfinite(one[list(RR_FEATURES + RR_CONTEXT)]).all().all()
    assert len(rr_features(np.array([], dtype=int), 100.0)) == 0
    with pytest.raises(ValueError, match="sorted"):
        rr_features(np.array([5, 3]), 100.0)


def test_mitdb_features_match_the_annotations(mitdb_dir):
    ds = get_dataset("mitdb")
    rec = ds.read(mitdb_dir, "209")             # many S beats
    beats = annotated_beats(rec)
    samples = rec.reference_beats()[0]
    expected_pre = np.diff(samples) / rec.fs
    meta = beats.meta
    pos = np.searchsorted(samples, meta["sample"].to_numpy())
    inner = (pos > 0) & (meta["rr_edge"].to_numpy() == 0)
    np.testing.assert_allclose(meta["pre_rr"].to_numpy()[inner], expected_pre[pos[inner] - 1])
    s = meta[meta["aami"] == "S"]["pre_rr_norm"].median()
    n = meta[meta["aami"] == "N"]["pre_rr_norm"].median()
    assert s < 0.85 * n, (s, n)                 # S beats come early for this patient


def test_mitdb_isolated_s_beats_come_early_and_pause_after(mitdb_dir):
    """Record 220: isolated atrial premature beats among normal beats."""
    meta = annotated_beats(get_dataset("mitdb").read(mitdb_dir, "220")).meta
    med = meta.groupby("aami")[["pre_median", "post_pre", "pre_prev", "pre_local"]].median()
    assert med.loc["S", "pre_median"] < 0.7 and 0.95 < med.loc["N", "pre_median"] < 1.05
    assert med.loc["S", "post_pre"] > 1.4 and med.loc["N", "post_pre"] < 1.05
    assert med.loc["S", "pre_prev"] < 0.8
    assert med.loc["S", "pre_median"] < med.loc["S", "pre_local"]   # the median is not pulled


def test_references_escape_where_early_beats_are_most_of_the_beats():
    """Runs of early beats (0.6 s) make 3 of every 4 beats, with sinus beats at 1.2 s
    between the runs: a median of the intervals is the early one (the S beats look usual),
    the 90th percentile and the sinus estimate are the sinus interval."""
    from ecglib.beats.rr import RR_REFERENCES

    intervals = np.tile([1.2, 0.6, 0.6, 0.6], 150)
    peaks = np.r_[0, np.cumsum(intervals)] * 360
    f = rr_features(np.round(peaks).astype(int), 360.0)
    early = np.r_[False, intervals == 0.6]
    middle = np.arange(len(f)) > 300            # whole windows on both sides
    assert set(RR_REFERENCES) <= set(f.columns)
    np.testing.assert_allclose(f["pre_centre"][early & middle], 1.0, atol=0.01)   # captured
    np.testing.assert_allclose(f["pre_p90"][early & middle], 0.5, atol=0.01)
    np.testing.assert_allclose(f["pre_sinus"][early & middle], 0.5, atol=0.01)
    np.testing.assert_allclose(f["pre_sinus"][~early & middle], 1.0, atol=0.01)
    np.testing.assert_allclose(f["pre_record"], f["pre_rr"] / 0.75, rtol=1e-3)


def test_references_of_a_steady_rhythm_are_one():
    f = rr_features(np.arange(400) * 300, 300.0)
    for c in ("pre_record", "post_record", "pre_p90", "post_p90", "pre_sinus", "post_sinus"):
        np.testing.assert_allclose(f[c], 1.0, err_msg=c)


def test_mitdb_fibrillation_is_irregular_and_early_beats_in_sinus_rhythm_are_not(mitdb_dir):
    """203 is atrial fibrillation and flutter throughout; 209's S beats come in sinus
    rhythm and SVT runs (the database's rhythm annotations)."""
    ds = get_dataset("mitdb")
    af = annotated_beats(ds.read(mitdb_dir, "203")).meta
    sinus = annotated_beats(ds.read(mitdb_dir, "209")).meta
    s = sinus[sinus["aami"] == "S"]
    assert af["irr_steps"].median() > 0.6 > 0.25 > s["irr_steps"].median()
    assert af["irr_diff"].median() > 0.2 > 0.05 > s["irr_diff"].median()
