"""R-peak detection for records without reference annotations (PTB, a user's own record).

Uses GQRS, G. Moody's PhysioNet QRS detector as ported in ``wfdb.processing.gqrs_detect``,
then moves each detection to the local signal maximum so that beats start at the R peak as
the Kachuee method requires. GQRS was preferred to wfdb's XQRS after measuring both against
the MIT-BIH reference annotations (record 208, frequent PVCs: sensitivity 99.5% vs 92.2%;
XQRS also missed every beat of 1000 Hz synthetic test records).
"""
from __future__ import annotations

import contextlib
import io

import numpy as np


def detect_r_peaks(signal: np.ndarray, fs: float) -> np.ndarray:
    """Sample indices (at ``fs``) of the R peaks detected in one ECG lead, sorted, unique."""
    from wfdb import processing

    x = np.asarray(signal, dtype=np.float64)
    if x.ndim != 1 or x.size < int(2 * fs):
        raise ValueError(f"need a 1-D signal of at least 2 s for R-peak detection, got {x.shape}")
    with contextlib.redirect_stdout(io.StringIO()):
        found = np.asarray(processing.gqrs_detect(sig=x, fs=fs), dtype=np.int64)
    if found.size == 0:
        return found
    radius = max(1, int(0.05 * fs))
    corrected = processing.correct_peaks(x, found, search_radius=radius,
                                         smooth_window_size=max(2, int(0.02 * fs)),
                                         peak_dir="up")
    corrected = np.asarray(corrected, dtype=np.int64)
    corrected = corrected[(corrected >= 0) & (corrected < x.size)]
    return np.unique(corrected)
