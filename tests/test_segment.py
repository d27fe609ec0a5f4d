import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecglib.beats.segmentation import SegmentParams, map_samples, resample, segment


def test_resample_length_and_antialiasing():
    fs = 360
    t = np.arange(10 * fs) / fs
    low = np.sin(2 * np.pi * 5 * t)          # kept
    high = np.sin(2 * np.pi * 100 * t)       # above the 62.5 Hz Nyquist of 125 Hz: removed
    out_low, out_high = resample(low, fs, 125), resample(high, fs, 125)
    assert out_low.size == 1250
    assert np.std(out_low) > 0.6
    assert np.std(out_high[50:-50]) < 0.05


def test_map_samples_clips_to_signal():
    assert map_samples(np.array([0, 360, 10**9]), 360, 125, 500).tolist() == [0, 125, 499]


def test_segment_starts_at_r_peak_and_pads():
    params = SegmentParams()
    x = np.zeros(1250)
    peaks = np.array([100, 200, 300])
    x[peaks] = 1.0
    x[5] = -1.0
    beats, kept = segment(x, peaks, params)
    assert kept.all() and beats.shape == (3, 187)
    assert beats[0, 0] == pytest.approx(1.0)         # row starts at the R peak
    cut = int(round(1.2 * 100))                      # 1.2 x median RR
    assert np.all(beats[0, cut:] == 0)               # zero padding after the cut
    assert beats[0, 1:100].max() == pytest.approx(0.5)  # (0 - min) / (max - min)
    assert beats[0, 100] == pytest.approx(1.0)       # the next R peak lies inside 1.2 RR


def test_segment_flat_window_drops_beats():
    beats, kept = segment(np.ones(2000), np.array([10, 100, 1300]))
    assert beats.shape == (0, 187) and not kept.any()


def test_segment_rejects_unsorted_peaks():
    with pytest.raises(ValueError, match="sorted"):
        segment(np.random.rand(1000), np.array([50, 10]))


@settings(max_examples=60, deadline=None)
@given(n=st.integers(200, 4000), data=st.data())
def test_segment_properties(n, data):
    """Any signal and peaks: beats lie in [0, 1], one row per kept peak, fixed length."""
    seed = data.draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n) * data.draw(st.floats(1e-3, 1e3))
    k = data.draw(st.integers(0, 40))
    peaks = np.sort(rng.integers(0, n, size=k))
    beats, kept = segment(x, peaks)
    assert beats.shape == (kept.sum(), 187)
    assert kept.sum() == k                       # random signals are never flat
    assert beats.min(initial=0) >= 0 and beats.max(initial=0) <= 1


def test_segmentation_figure_draws_the_beats_segment_cuts():
    """The figure and the beats come from one code path: a flat window shows no beats
    (segment drops them), and each shaded cut is as long as the beat's un-padded part."""
    import matplotlib

    matplotlib.use("Agg")
    from ecglib.beats.extract import annotated_beats
    from ecglib.beats.records import Record
    from ecglib.book.plots import plot_segmentation
    from ecglib.datasets.synthetic import synthetic_record

    raw = synthetic_record("s", seed=1, duration_s=30)
    signal = resample(raw.signal, raw.fs, 125)                  # already at 125 Hz
    signal[1250:2500] = 0.5                                     # the second window is flat
    rec = Record("s", signal, 125.0, raw.lead, "s",
                 map_samples(raw.ann_samples, raw.fs, 125, signal.size), raw.ann_symbols)
    fig = plot_segmentation(rec, start_s=0, seconds=30)
    bottom = fig.axes[1]
    spans = [p for p in bottom.patches]
    beats = annotated_beats(rec)
    in_view = beats.meta["sample"] < 30 * rec.fs
    assert len(spans) == int(in_view.sum()) > 0 and beats.dropped > 5
    widths = sorted(round(p.get_width() * 125) + 1 for p in spans)   # seconds -> samples
    lengths = sorted(int(np.flatnonzero(b)[-1]) + 1 for b in beats.X[in_view.to_numpy()])
    assert np.abs(np.array(widths) - np.array(lengths)).max() <= 1
