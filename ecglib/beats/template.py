"""Each beat beside its patient's usual beat: shape features relative to the record's own
recent beats, so a model compares a new patient with himself, not with the training patients.

For beat ``j`` of a record (beats in time order), the *template* is the sample-wise median
of the previous :data:`TEMPLATE_BEATS` beats (causal: it can run on a live signal; the first
beat is its own template). Most beats of a record are the patient's usual beat, so the
median is that beat even when some neighbours are ectopic. Features (unitless, beats in
[0, 1] as cut):

- ``tpl_corr``, ``tpl_corr_qrs``: Pearson correlation with the template over the whole beat
  and over its first :data:`QRS_SAMPLES` samples (0.51 s from the R peak: QRS, ST, T);
- ``tpl_mad``, ``tpl_mad_qrs``: mean absolute difference over the same spans;
  ``tpl_maxdiff``: the largest absolute difference; ``tpl_spread``: the ratio of the
  beat's standard deviation to the template's over the first span;
- ``tpl_d0`` .. ``tpl_d15``: the difference beat - template over the first span, in 16 bins
  of 4 samples (32 ms);
- ``pre_corr``, ``pre_mad``, ``pre_d0`` .. ``pre_d18``: the same for the
  :data:`PRE_SAMPLES` samples (0.3 s) *before* the R peak, where the P wave lies, which the
  cut beat does not hold. Each pre-R window has its mean removed before it is compared.

A supraventricular beat keeps a normal QRS but may have another P wave (or none); a
ventricular beat has a QRS unlike the patient's usual one: both show here whatever the
patient's own beat shape is.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from .segmentation import SegmentParams, windows

TEMPLATE_BEATS = 50
QRS_SAMPLES = 64
PRE_SAMPLES = 38
_BIN, _PRE_BIN = 4, 2
TEMPLATE_FEATURES = (
    "tpl_corr", "tpl_corr_qrs", "tpl_mad", "tpl_mad_qrs", "tpl_maxdiff", "tpl_spread",
    *(f"tpl_d{k}" for k in range(QRS_SAMPLES // _BIN)),
    "pre_corr", "pre_mad", *(f"pre_d{k}" for k in range(PRE_SAMPLES // _PRE_BIN)))
#: the features of the 0.3 s before the R peak only (the P wave, which the cut beat lacks)
PRE_R_FEATURES = tuple(f for f in TEMPLATE_FEATURES if f.startswith("pre_"))


def pre_r_windows(signal: np.ndarray, r_peaks: np.ndarray,
                  params: SegmentParams = SegmentParams()) -> np.ndarray:
    """The :data:`PRE_SAMPLES` samples before each R peak (signal at ``params.fs``, peaks
    sorted), normalised like its beat (its 10 s window's min-max) and taken inside that
    window; a window that starts less than 0.3 s before the peak is padded with its first
    sample. Rows for peaks in flat windows are zeros (those beats are dropped)."""
    peaks = np.asarray(r_peaks, dtype=np.int64)
    out = np.zeros((peaks.size, PRE_SAMPLES), dtype=np.float32)
    for w in windows(signal, peaks, params):
        if w.norm is None:
            continue
        for i in range(w.lo, w.hi):
            at = int(peaks[i]) - w.start
            piece = w.norm[max(0, at - PRE_SAMPLES):at] if at > 0 else w.norm[:1]
            out[i] = np.pad(piece, (PRE_SAMPLES - piece.size, 0), mode="edge")
    return out


def running_templates(beats: np.ndarray, k: int = TEMPLATE_BEATS) -> np.ndarray:
    """Row ``j``: the sample-wise median of rows ``j-k .. j-1`` (fewer at the start; row 0
    is its own template)."""
    B = np.asarray(beats, dtype=np.float32)
    n = len(B)
    out = np.empty_like(B)
    for j in range(min(n, k + 1)):
        out[j] = np.median(B[:j] if j else B[:1], axis=0)
    if n > k + 1:
        view = sliding_window_view(B[:-1], k, axis=0)     # view[i] = rows i .. i+k-1
        for s in range(0, n - k - 1, 512):                 # bounded memory per record
            out[k + 1 + s:k + 1 + s + 512] = np.median(view[s + 1:s + 513], axis=-1)
    return out


def _rowwise_corr(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pearson correlation of each row of ``a`` with the same row of ``b`` (0 where flat)."""
    a = a - a.mean(axis=1, keepdims=True)
    b = b - b.mean(axis=1, keepdims=True)
    den = np.sqrt((a * a).sum(axis=1) * (b * b).sum(axis=1))
    return np.divide((a * b).sum(axis=1), den, out=np.zeros(len(a)), where=den > 1e-12)


def template_features(beats: np.ndarray, pre: np.ndarray) -> pd.DataFrame:
    """:data:`TEMPLATE_FEATURES` of one record's beats (``(n, 187)``, in time order) and of
    their pre-R windows (``(n, PRE_SAMPLES)``, from :func:`pre_r_windows`)."""
    B = np.asarray(beats, dtype=np.float32)
    P = np.asarray(pre, dtype=np.float32)
    P = P - P.mean(axis=1, keepdims=True)
    if len(B) == 0:
        return pd.DataFrame(columns=list(TEMPLATE_FEATURES), dtype=np.float32)
    tb, tp = running_templates(B), running_templates(P)
    q = slice(0, QRS_SAMPLES)
    d, dp = B - tb, P - tp
    spread = (B[:, q].std(axis=1) + 1e-6) / (tb[:, q].std(axis=1) + 1e-6)
    columns = np.column_stack([
        _rowwise_corr(B, tb), _rowwise_corr(B[:, q], tb[:, q]), np.abs(d).mean(axis=1),
        np.abs(d[:, q]).mean(axis=1), np.abs(d).max(axis=1), spread,
        d[:, q].reshape(len(B), -1, _BIN).mean(axis=2),
        _rowwise_corr(P, tp), np.abs(dp).mean(axis=1),
        dp.reshape(len(B), -1, _PRE_BIN).mean(axis=2)])
    return pd.DataFrame(columns.astype(np.float32), columns=list(TEMPLATE_FEATURES))
