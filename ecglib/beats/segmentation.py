"""Beat segmentation of Kachuee, Fazeli & Sarrafzadeh (2018), step by step.

1. resample the lead to 125 Hz (polyphase FIR, anti-aliased);
2. split it into non-overlapping 10 s windows and min-max normalise each to [0, 1];
3. for each window, T = median R-R interval of the R peaks inside it;
4. from each R peak take ``rr_factor * T`` samples (1.2 T), *within the window*;
5. zero-pad (or truncate) to ``length`` samples (187 at 125 Hz). Rows start at the R peak.

Before step 1 every R-peak position is moved to one fiducial point, the local maximum within
50 ms (``align="local_max"``, see :mod:`ecglib.beats.peaks`), whether it comes from a reference
annotation or from the detector.

Choices the paper leaves open, made here and documented in the book:
- a window with fewer than two R peaks uses the record's median R-R interval;
- a cut that would run past its window's end stops there (the rest is zero padding);
- a flat window (max == min) yields no beats: they are reported as dropped.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Iterator

import numpy as np

BEAT_LENGTH = 187
TARGET_FS = 125


@dataclass(frozen=True)
class SegmentParams:
    """Parameters of the Kachuee segmentation (all saved in every manifest)."""

    fs: int = TARGET_FS
    window_s: float = 10.0
    rr_factor: float = 1.2
    length: int = BEAT_LENGTH
    #: where a beat starts: "local_max" moves every R-peak position (annotated or detected)
    #: to the local maximum within 50 ms (:func:`ecglib.beats.peaks.refine_r_peaks`), so beats
    #: built for training and beats cut at detected peaks start at the same point;
    #: "none" cuts at the given positions as they are.
    align: str = "local_max"

    def __post_init__(self) -> None:
        if self.align not in ALIGNMENTS:
            raise ValueError(f"align must be one of {ALIGNMENTS}, got {self.align!r}")


ALIGNMENTS = ("local_max", "none")


def resample(signal: np.ndarray, fs_in: float, fs_out: float) -> np.ndarray:
    """Resample ``signal`` from ``fs_in`` to ``fs_out`` Hz with an anti-aliasing polyphase filter."""
    ratio = Fraction(fs_out / fs_in).limit_denominator(1000)
    if ratio == 1:
        return np.asarray(signal, dtype=np.float64)
    from scipy.signal import resample_poly       # here: scipy.signal takes a second to load

    return resample_poly(np.asarray(signal, dtype=np.float64), ratio.numerator, ratio.denominator)


def map_samples(samples: np.ndarray, fs_in: float, fs_out: float, n_out: int) -> np.ndarray:
    """Map sample indices at ``fs_in`` to the nearest index at ``fs_out`` (clipped to the signal)."""
    mapped = np.rint(np.asarray(samples, dtype=np.float64) * fs_out / fs_in).astype(np.int64)
    return np.clip(mapped, 0, max(n_out - 1, 0))


def window_bounds(n: int, window: int) -> np.ndarray:
    """Start indices of consecutive non-overlapping windows covering ``n`` samples."""
    if window <= 0:
        raise ValueError(f"window length must be positive, got {window}")
    return np.arange(0, n, window)


@dataclass(frozen=True)
class Window:
    """One window of the segmentation: where it lies, its normalised signal and its cut."""

    start: int                # first sample of the window (at ``params.fs``)
    stop: int                 # one past its last sample
    norm: np.ndarray | None   # the window min-max normalised to [0, 1]; None if flat
    lo: int                   # ``r_peaks[lo:hi]`` lie inside the window
    hi: int
    rr: float                 # median R-R inside (samples); the record's if < 2 peaks
    cut: int                  # samples kept from each R peak: round(rr_factor * rr)


def windows(signal: np.ndarray, r_peaks: np.ndarray,
            params: SegmentParams = SegmentParams()) -> Iterator[Window]:
    """Steps 2-4 for every window of ``signal`` (at ``params.fs``), peaks sorted."""
    x = np.asarray(signal, dtype=np.float64)
    peaks = np.asarray(r_peaks, dtype=np.int64)
    if x.ndim != 1:
        raise ValueError(f"signal must be 1-D, got shape {x.shape}")
    if peaks.size and np.any(np.diff(peaks) < 0):
        raise ValueError("r_peaks must be sorted in increasing order")
    record_rr = float(np.median(np.diff(peaks))) if peaks.size > 1 else float(params.fs)
    win = int(round(params.window_s * params.fs))
    for start in window_bounds(x.size, win):
        stop = min(start + win, x.size)
        lo, hi = (int(i) for i in np.searchsorted(peaks, [start, stop]))
        seg = x[start:stop]
        mn, mx = seg.min(), seg.max()
        flat = not np.isfinite(mn) or not np.isfinite(mx) or mx <= mn
        rr = float(np.median(np.diff(peaks[lo:hi]))) if hi - lo > 1 else record_rr
        yield Window(int(start), int(stop), None if flat else (seg - mn) / (mx - mn),
                     lo, hi, rr, max(1, int(round(params.rr_factor * rr))))


def segment(signal: np.ndarray, r_peaks: np.ndarray,
            params: SegmentParams = SegmentParams()) -> tuple[np.ndarray, np.ndarray]:
    """Cut one fixed-length beat per R peak from a signal already at ``params.fs``.

    Parameters
    ----------
    signal : ndarray
        One lead, resampled to ``params.fs`` (125 Hz by default).
    r_peaks : ndarray
        R-peak sample indices in ``signal``.
    params : SegmentParams
        Window length, rate, the share of the median R-R interval kept, padding.

    Returns
    -------
    beats : ndarray
        float32, shape ``(kept.sum(), params.length)``, each in [0, 1] (min-max over its
        10 s window), zero-padded after ``rr_factor`` x the window's median R-R.
    kept : ndarray
        Boolean mask over ``r_peaks``: False for peaks in flat windows or outside the signal.

    Examples
    --------
    >>> import numpy as np
    >>> signal = np.zeros(1250); signal[[100, 225, 350, 475]] = 1.0
    >>> beats, kept = segment(signal, np.array([100, 225, 350, 475]))
    >>> beats.shape, bool(kept.all()), float(beats[0, 0])
    ((4, 187), True, 1.0)
    """
    peaks = np.asarray(r_peaks, dtype=np.int64)
    kept = np.zeros(peaks.size, dtype=bool)
    beats = np.zeros((peaks.size, params.length), dtype=np.float32)
    for w in windows(signal, peaks, params):
        if w.norm is None:
            continue
        for i in range(w.lo, w.hi):
            piece = w.norm[peaks[i] - w.start:][:w.cut][:params.length]
            beats[i, :piece.size] = piece
            kept[i] = True
    return beats[kept], kept
