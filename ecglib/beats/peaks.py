"""R peaks: detection for records without reference annotations, and one fiducial point.

Detection uses GQRS, G. Moody's PhysioNet QRS detector as ported in
``wfdb.processing.gqrs_detect``, run on the lead resampled to 125 Hz (the rate the beats are
cut at). Measured on all 48 MIT-BIH records against the reference beats (150 ms window):
GQRS at 360 Hz Se 99.87% / +P 99.28% in 3.8 s per 30-min record; at 125 Hz Se 99.86% /
+P 99.43% in 1.6 s. Faster detectors were measured and not adopted because they miss beats:
neurokit2 (Se 99.39%, 0.08 s), sleepecg (Se 99.08%), py-ecg-detectors' two-average,
Pan-Tompkins, SWT and Engzee (Se 92-98% on DS1).

Every beat, whether its position comes from a reference annotation or from the detector, is
then moved to the same fiducial point by :func:`refine_r_peaks`: the local maximum of the
baseline-removed lead within 50 ms. Training and prediction therefore cut beats at the same
point of the QRS (ventricular beats with a negative main deflection included); without it,
detected V beats sat 13 ms (median 11 ms) before their annotation and the cut differed.

The search runs on the lead at :data:`REFINE_FS` (360 Hz, MIT-BIH's rate, the rate the
training beats come from): a record at another rate is resampled to it first, so the point
does not depend on the recording's rate. On the 22 MIT-BIH DS2 records resampled to svdb's
128 Hz, a search at 128 Hz itself (where the 20 ms window is 2 samples) put the point 9 ms
early on average, 89% of beats more than 4 ms (half a 125 Hz sample) from their point at
360 Hz; searched at 360 Hz, 0.4 ms and 3% (``benchmarks/rate_transfer.py``).
"""
from __future__ import annotations

import contextlib
import io

import numpy as np

from .segmentation import TARGET_FS, resample

REFINE_RADIUS_S = 0.05      # search the local maximum within +-50 ms
SMOOTH_WINDOW_S = 0.02      # baseline removed with a 20 ms moving average first
REFINE_FS = 360.0           # the rate the search runs at, whatever the record's


def refine_r_peaks(signal: np.ndarray, samples: np.ndarray, fs: float,
                   out_fs: float | None = None, search_fs: float = REFINE_FS) -> np.ndarray:
    """Move each sample to the local maximum of the baseline-removed signal within 50 ms,
    searched on the signal at ``search_fs`` (resampled first if ``fs`` differs).

    Returns int64 indices at ``out_fs`` (default ``fs``), the nearest sample to that
    maximum, one per input sample, in the same order (so labels stay attached); the input
    need not be sorted.
    """
    x = np.asarray(signal, dtype=np.float64)
    s = np.asarray(samples, dtype=np.int64)
    out_fs = fs if out_fs is None else out_fs
    n_out = max(1, int(np.ceil(x.size * out_fs / fs)))
    if s.size == 0:
        return s
    fine = resample(x, fs, search_fs)
    order = np.argsort(s, kind="stable")
    at = np.clip(np.rint(s[order] * search_fs / fs).astype(np.int64), 0, fine.size - 1)
    moved = _wfdb_processing().correct_peaks(
        fine, at, search_radius=max(1, int(REFINE_RADIUS_S * search_fs)),
        smooth_window_size=max(2, int(SMOOTH_WINDOW_S * search_fs)), peak_dir="up")
    out = np.empty_like(s)
    out[order] = np.clip(np.rint(np.asarray(moved, dtype=np.float64) * out_fs / search_fs),
                         0, n_out - 1).astype(np.int64)
    return out



def _wfdb_processing():
    """``wfdb.processing``, imported on first use: it loads scipy.signal (about a second),
    which a chapter that reads cached beats never needs."""
    from wfdb import processing

    return processing


def detect_r_peaks(signal: np.ndarray, fs: float, rate: float | None = TARGET_FS
                   ) -> np.ndarray:
    """Sample indices (at ``fs``) of the R peaks detected in one ECG lead, sorted, unique.

    GQRS runs on the lead resampled to ``rate`` Hz when that is below ``fs`` (``None``: at
    ``fs`` itself, the slower way measured in ``benchmarks/bench_predict.py``).
    """
    x = np.asarray(signal, dtype=np.float64)
    if x.ndim != 1:
        raise ValueError(f"R-peak detection needs one lead (a 1-D signal), got shape {x.shape}")
    if x.size < int(2 * fs):
        raise ValueError(f"R-peak detection needs at least 2 s of signal, got "
                         f"{x.size / fs:.2f} s")
    low_fs = fs if rate is None or rate >= fs else rate
    low = x if low_fs == fs else resample(x, fs, low_fs)
    with contextlib.redirect_stdout(io.StringIO()):
        found = np.asarray(_wfdb_processing().gqrs_detect(sig=low, fs=low_fs), dtype=np.int64)
    if found.size == 0:
        return found
    found = np.rint(found * fs / low_fs).astype(np.int64)
    found = found[(found >= 0) & (found < x.size)]
    return np.unique(refine_r_peaks(x, found, fs))
