"""Records at the edge of what the rhythm and shape context needs: too short for it, fewer
than 3 beats, signal gaps, no sinus rhythm at all. Each gives a one-line error naming the
record, or predictions that are all finite with the beats whose context was filled in
flagged (``rr_edge``); never NaN."""
import numpy as np
import pandas as pd
import pytest
import wfdb
from hypothesis import given, settings
from hypothesis import strategies as st

from ecglib.beats.rr import RR_COLUMNS, rr_features
from ecglib.core.errors import DataError
from ecglib.datasets.synthetic import synthetic_record
from ecglib.evaluation.predict import Predictor
from ecglib.training.config import TrainConfig
from ecglib.training.trainer import train


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 20_000), max_size=40),
       st.lists(st.tuples(st.integers(0, 20_000), st.integers(1, 3_000)), max_size=3))
def test_rhythm_features_are_finite_for_any_peaks_and_gaps(peaks, gaps):
    """Any sorted peaks (none, one, repeated, a few samples apart) and any gaps give finite
    features; a beat whose interval was missing is flagged, every other is not."""
    t = np.sort(np.asarray(peaks, dtype=np.int64))
    mask = np.zeros(25_000, dtype=bool)
    for start, length in gaps:
        mask[start:start + length] = True
    f = rr_features(t, 360.0, mask)
    assert list(f.columns) == list(RR_COLUMNS) and len(f) == t.size
    assert np.isfinite(f.to_numpy(dtype=np.float64)).all()
    if t.size:
        assert f["rr_edge"].iloc[0] == 1 and f["rr_edge"].iloc[-1] == 1
        d = np.diff(t)
        counts = np.r_[0, np.cumsum(mask)]
        bad = (d <= 0) | (counts[t[1:]] != counts[t[:-1]])
        missing = np.r_[True, bad] | np.r_[bad, True]      # no pre or no post interval
        np.testing.assert_array_equal(f["rr_edge"].to_numpy() == 1, missing)


def test_no_sinus_rhythm_falls_back_to_the_high_percentile():
    """An irregular rhythm (atrial fibrillation: intervals drawn at random) and a rhythm of
    nothing but early beats in runs still give every reference; where a window holds no
    interval that is not premature the sinus reference is the 90th percentile."""
    rng = np.random.default_rng(0)
    for intervals in (rng.uniform(0.35, 1.2, 600), np.tile([0.4, 0.4, 0.4, 1.6], 150)):
        t = np.r_[0, np.cumsum(np.round(intervals * 360))].astype(np.int64)
        f = rr_features(t, 360.0)
        assert np.isfinite(f.to_numpy(dtype=np.float64)).all()
        assert (f["pre_sinus"] > 0).all()


@pytest.fixture(scope="module")
def predictor(tmp_path_factory, synthetic_table):
    """A model that reads whole-record rhythm references and the running template."""
    out = tmp_path_factory.mktemp("edge-run")
    train(synthetic_table, TrainConfig(model="vote_only_sinus", labels="aami5", subset=900,
                                       seed=0), out_dir=out, verbose=0)
    return Predictor(next(out.glob("model.*")))


def _write(folder, name: str, signal: np.ndarray, samples=None, symbols=None):
    wfdb.wrsamp(name, fs=360, units=["mV"], sig_name=["MLII"], p_signal=signal[:, None],
                fmt=["16"], write_dir=str(folder))
    if samples is not None and len(samples):
        wfdb.wrann(name, "atr", np.asarray(samples), symbol=list(symbols),
                   write_dir=str(folder))
    return folder / name


def _finite_or_named(predictor, path) -> pd.DataFrame | None:
    """The record's predictions, checked finite and flagged; or None after a one-line
    error that names the record."""
    try:
        out = predictor.record(path)
    except DataError as exc:
        assert path.name in str(exc) and "\n" not in str(exc)
        return None
    probs = out.preds[[c for c in out.preds if c.startswith("p_")]].to_numpy()
    assert np.isfinite(probs).all() and len(probs) == len(out.preds)
    assert set(out.preds["rr_edge"].unique()) <= {0, 1}
    return out.preds


@pytest.mark.parametrize("seconds", [1.0, 2.5, 4.0, 9.0])
def test_a_record_shorter_than_the_context_is_classified_or_named(tmp_path, predictor,
                                                                   seconds):
    """Records from 1 s (too short to detect beats) to just under one 10 s window: a one-
    line error, or finite predictions whose first and last beats are flagged."""
    rec = synthetic_record("full", seed=4, duration_s=60)
    n = int(seconds * 360)
    keep = rec.ann_samples < n
    path = _write(tmp_path, f"short{n}", rec.signal[:n], rec.ann_samples[keep],
                  rec.ann_symbols[keep])
    preds = _finite_or_named(predictor, path)
    if seconds < 2:
        assert preds is None                                 # the detector needs 2 s
        with pytest.raises(DataError, match="at least 2 s of signal, got 1.00 s"):
            predictor.record(path)
    if preds is not None and len(preds):
        assert preds["rr_edge"].iloc[0] == 1 and preds["rr_edge"].iloc[-1] == 1


def test_a_record_with_fewer_than_three_beats(tmp_path, predictor):
    """Two beats in 6 s of signal: each has one interval at most, so both are flagged."""
    rec = synthetic_record("two", seed=5, duration_s=60)
    first, second = rec.ann_samples[2], rec.ann_samples[3]
    signal = np.zeros(6 * 360)
    for at, peak in ((720, first), (1200, second)):     # each beat's own 0.6 s of signal
        signal[at - 108:at + 108] = rec.signal[peak - 108:peak + 108]
    path = _write(tmp_path, "two", signal, [720, 1200], ["N", "N"])
    preds = _finite_or_named(predictor, path)
    if preds is not None:
        assert len(preds) <= 2 and (preds["rr_edge"] == 1).all()


def test_gaps_flag_the_beats_beside_them(tmp_path, predictor):
    """A 3 s gap in a minute of signal: the beats of its 10 s window are not classified
    (counted in a warning); the others are finite, and those whose interval spans the gap
    are flagged."""
    rec = synthetic_record("gap", seed=6, duration_s=60, abnormal_rate=0.2)
    signal = rec.signal.copy()
    signal[int(30 * 360):int(33 * 360)] = np.nan
    path = _write(tmp_path, "gap", signal, rec.ann_samples, rec.ann_symbols)
    preds = _finite_or_named(predictor, path)
    assert preds is not None
    assert not preds["time_s"].between(30, 40).any()
    assert preds["rr_edge"].iloc[0] == 1 and preds["rr_edge"].iloc[-1] == 1
    assert preds["rr_edge"].sum() >= 2 + 1               # the ends and the gap's neighbour
