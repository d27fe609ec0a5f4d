"""Rhythm context of every beat: R-R intervals before and after it, their local and running
averages, and those intervals normalised by the patient's own rhythm.

A supraventricular (S) beat often has a normal shape and is abnormal only in its timing:
it comes early. A beat cut alone into 187 samples has lost that; these features give it
back. All intervals are in seconds, computed from the R-peak positions of the whole record
(reference annotations when building, detected peaks in ``ecglib predict``) at the record's
own sampling rate. For beat ``i`` with R peak at ``t[i]``:

- ``pre_rr``: ``t[i] - t[i-1]``; ``post_rr``: ``t[i+1] - t[i]`` (needs the next beat: a live
  detector reports a beat one beat late);
- ``local_rr``: mean ``pre_rr`` of the last ``LOCAL_BEATS`` beats (this one included);
- ``mean_rr``: running mean of every ``pre_rr`` so far in the record (causal);
- ``pre_rr_norm``, ``post_rr_norm``, ``local_rr_norm``: those divided by ``mean_rr``
  (unitless: 1 is the patient's usual rhythm); ``pre_local``: ``pre_rr / local_rr``;
- ``post_pre``: ``post_rr / pre_rr``, large for an early beat followed by a compensatory
  pause; ``pre_prev``: ``pre_rr`` divided by the previous beat's ``pre_rr`` (1 for the
  first beat), small where the rhythm suddenly quickens;
- ``pre_median``, ``post_median``: ``pre_rr`` and ``post_rr`` divided by the median
  ``pre_rr`` of the last ``LOCAL_BEATS`` beats (this one included), a local rhythm that one
  or two early beats do not pull, as they pull the mean.

Whole-record context (:data:`RR_CONTEXT`, not causal: it reads up to
``CONTEXT_BEATS // 2`` beats *after* the beat, minutes of signal, as de Chazal et al. 2004's
+-5 min average R-R does; a model that reads it classifies a recording offline, Holter-style):

- ``pre_centre``, ``post_centre``: ``pre_rr`` and ``post_rr`` divided by the median
  ``pre_rr`` of the :data:`CONTEXT_BEATS` beats centred on this one (about +-2.5 min at 75
  beats per minute), the patient's rhythm at that time of the recording whether it quickens
  or slows later;
- ``local_centre``: mean ``pre_rr`` of the :data:`NEAR_BEATS` beats centred on this one,
  divided by that median;
- ``local_cv``: standard deviation / mean of those :data:`NEAR_BEATS` intervals, near 0 in
  a regular rhythm: an early beat in a regular rhythm is ectopic, a short interval in an
  irregular one (atrial fibrillation, whose beats are N) need not be.

Near a record's ends the centred windows hold the beats that exist (fewer).

Other references for the patient's rhythm (:data:`RR_REFERENCES`, whole-record context too).
A median is *captured* where ectopic beats are most of the beats: in a record whose beats
are mostly supraventricular runs, the median interval is theirs, and they look usual. These
references escape in other ways; each divides ``pre_rr`` (``pre_*``) and ``post_rr``
(``post_*``):

- ``*_record``: the mean interval of the whole record (de Chazal et al. 2004's choice; long
  pauses pull it up);
- ``*_p90``: the 90th percentile of the intervals within +-:data:`REFERENCE_SECONDS` / 2 of
  the beat (a premature interval is shorter than the sinus one);
- ``*_sinus``: an estimate of the sinus interval, the median of the intervals within that
  window that are not premature (at least :data:`NOT_PREMATURE` x the 90th percentile);
  the 90th percentile where the window holds none.

Irregularity of the rhythm around the beat (:data:`RR_IRREGULARITY`, whole-record context):
in atrial fibrillation or flutter the intervals vary beat to beat for minutes, and a short
one is no sign of an early (S) beat; in sinus rhythm with early beats or in an SVT run most
successive intervals are alike. Over the :data:`IRREGULAR_BEATS` beats centred on this one:

- ``irr_diff``: the median absolute change of ``pre_rr`` from one beat to the next, divided
  by the median ``pre_rr`` of the window;
- ``irr_steps``: the fraction of those changes larger than :data:`IRREGULAR_STEP` x that
  median (a pNN50 that does not depend on the heart rate).

Edges: an interval is missing for the first beat (no ``pre_rr``), the last (no
``post_rr``) and wherever the interval holds a signal gap (NaN samples). A missing
``pre_rr`` takes ``post_rr`` and a missing ``post_rr`` takes ``pre_rr``; where both are
missing, the record's median interval. Such beats have ``rr_edge = 1``.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

LOCAL_BEATS = 10
CONTEXT_BEATS = 401
NEAR_BEATS = 11
#: the rhythm features a live detector can compute (``post_*`` one beat late), in this order
RR_FEATURES = ("pre_rr", "post_rr", "local_rr", "mean_rr", "pre_rr_norm", "post_rr_norm",
               "local_rr_norm", "pre_local", "post_pre", "pre_prev", "pre_median",
               "post_median")
#: whole-record context: reads beats after this one (offline)
RR_CONTEXT = ("pre_centre", "post_centre", "local_centre", "local_cv")
#: the same intervals divided by other references than a median (offline, whole record)
RR_REFERENCES = ("pre_record", "post_record", "pre_p90", "post_p90", "pre_sinus",
                 "post_sinus")
#: how irregular the rhythm is around the beat (offline, whole record)
RR_IRREGULARITY = ("irr_diff", "irr_steps")
IRREGULAR_BEATS = 61
IRREGULAR_STEP = 0.1
REFERENCE_SECONDS = 300.0
NOT_PREMATURE = 0.85
#: the rhythm features that divide by no reference of the patient's rhythm: the intervals in
#: seconds, their ratios to each other and the local irregularity; with one reference pair
#: (``pre_centre``/``post_centre``, or two of :data:`RR_REFERENCES`) the ablation's models
#: differ only in the reference (``ecglib.models.REFERENCE_SETS``)
RR_UNREFERENCED = ("pre_rr", "post_rr", "local_rr", "mean_rr", "post_pre", "pre_prev",
                   "local_cv")
#: the intervals themselves, in seconds, not relative to the patient's rhythm (the kind of
#: R-R features de Chazal et al. 2004's linear discriminant reads)
RAW_INTERVALS = ("pre_rr", "post_rr", "local_rr", "mean_rr")
RR_COLUMNS = RR_FEATURES + RR_CONTEXT + RR_REFERENCES + RR_IRREGULARITY + ("rr_edge",)
#: units of every column, for the manifest and the book
RR_UNITS = {"pre_rr": "s", "post_rr": "s", "local_rr": "s", "mean_rr": "s",
            "pre_rr_norm": "ratio", "post_rr_norm": "ratio", "local_rr_norm": "ratio",
            "pre_local": "ratio", "post_pre": "ratio", "pre_prev": "ratio",
            "pre_median": "ratio", "post_median": "ratio", "pre_centre": "ratio",
            "post_centre": "ratio", "local_centre": "ratio", "local_cv": "ratio",
            **{c: "ratio" for c in RR_REFERENCES}, "irr_diff": "ratio",
            "irr_steps": "fraction",
            "rr_edge": "1 = an interval was missing and filled"}


def rr_features(peaks: np.ndarray, fs: float, gaps: np.ndarray | None = None) -> pd.DataFrame:
    """One row of rhythm features per R peak.

    Parameters
    ----------
    peaks : ndarray
        R-peak sample indices, sorted, at rate ``fs``.
    fs : float
        Sampling rate in Hz.
    gaps : ndarray, optional
        Boolean mask over the record's samples marking missing signal: an interval that
        contains a gap sample is treated as missing.

    Returns
    -------
    DataFrame
        One row per peak, the columns :data:`RR_COLUMNS` (seconds and ratios).

    Examples
    --------
    >>> import numpy as np
    >>> peaks = np.arange(20) * 360                   # 1 s apart at 360 Hz
    >>> peaks[10] -= 120                              # one premature beat
    >>> f = rr_features(peaks, 360.0)
    >>> round(float(f["pre_rr"][10]), 3), round(float(f["post_rr"][10]), 3)
    (0.667, 1.333)
    """
    t = np.asarray(peaks, dtype=np.int64)
    n = t.size
    if n and np.any(np.diff(t) < 0):
        raise ValueError("rr_features: peaks must be sorted")
    rr = np.diff(t) / float(fs)                       # rr[k]: between beat k and k+1
    valid = rr > 0
    if gaps is not None and np.any(gaps) and n > 1:
        gap_count = np.concatenate([[0], np.cumsum(gaps)])
        valid &= (gap_count[t[1:]] - gap_count[t[:-1]]) == 0
    pre = np.full(n, np.nan)
    post = np.full(n, np.nan)
    pre[1:] = np.where(valid, rr, np.nan)
    post[:-1] = np.where(valid, rr, np.nan)
    edge = np.isnan(pre) | np.isnan(post)
    median = float(np.nanmedian(rr[valid])) if valid.any() else 1.0
    pre_f = np.where(np.isnan(pre), post, pre)
    post_f = np.where(np.isnan(post), pre, post)
    pre_f = np.where(np.isnan(pre_f), median, pre_f)
    post_f = np.where(np.isnan(post_f), median, post_f)
    csum = np.concatenate([[0.0], np.cumsum(pre_f)])
    idx = np.arange(n)
    start = np.maximum(0, idx - LOCAL_BEATS + 1)
    local = (csum[idx + 1] - csum[start]) / (idx + 1 - start)
    mean = csum[1:] / (idx + 1)
    previous = np.concatenate([pre_f[:1], pre_f[:-1]])
    local_median = pd.Series(pre_f).rolling(LOCAL_BEATS, min_periods=1).median().to_numpy()
    centre = pd.Series(pre_f).rolling(CONTEXT_BEATS, center=True, min_periods=1).median()
    near = pd.Series(pre_f).rolling(NEAR_BEATS, center=True, min_periods=1)
    near_mean, near_std = near.mean().to_numpy(), near.std().fillna(0.0).to_numpy()
    references = _references(t / float(fs), pre_f)
    return pd.DataFrame({
        **_irregularity(pre_f),
        **{f"{side}_{name}": interval / ref for name, ref in references.items()
           for side, interval in (("pre", pre_f), ("post", post_f))},
        "pre_rr": pre_f, "post_rr": post_f, "local_rr": local, "mean_rr": mean,
        "pre_rr_norm": pre_f / mean, "post_rr_norm": post_f / mean,
        "local_rr_norm": local / mean, "pre_local": pre_f / local,
        "post_pre": post_f / pre_f, "pre_prev": pre_f / previous,
        "pre_median": pre_f / local_median, "post_median": post_f / local_median,
        "pre_centre": pre_f / centre.to_numpy(), "post_centre": post_f / centre.to_numpy(),
        "local_centre": near_mean / centre.to_numpy(), "local_cv": near_std / near_mean,
        "rr_edge": edge.astype(np.int64)}, columns=list(RR_COLUMNS))


def _irregularity(pre: np.ndarray) -> dict[str, np.ndarray]:
    """:data:`RR_IRREGULARITY` of the intervals ``pre``, one value per beat."""
    change = np.abs(np.diff(pre, prepend=pre[:1]))
    window = {"window": IRREGULAR_BEATS, "center": True, "min_periods": 1}
    usual = pd.Series(pre).rolling(**window).median().to_numpy()
    return {"irr_diff": pd.Series(change).rolling(**window).median().to_numpy() / usual,
            "irr_steps": pd.Series((change > IRREGULAR_STEP * usual).astype(float))
            .rolling(**window).mean().to_numpy()}


def _references(seconds: np.ndarray, pre: np.ndarray) -> dict[str, np.ndarray]:
    """The record mean, the windowed 90th percentile and the sinus estimate of the
    intervals ``pre`` (beats at ``seconds``), one value per beat (:data:`RR_REFERENCES`)."""
    if pre.size == 0:
        return {name: pre for name in ("record", "p90", "sinus")}
    index = pd.to_timedelta(seconds, unit="s")
    window = f"{REFERENCE_SECONDS:g}s"
    p90 = pd.Series(pre, index=index).rolling(window, center=True,
                                              min_periods=1).quantile(0.9).to_numpy()
    usual = pd.Series(np.where(pre >= NOT_PREMATURE * p90, pre, np.nan), index=index)
    sinus = usual.rolling(window, center=True, min_periods=1).median().to_numpy()
    return {"record": np.full(pre.size, pre.mean()), "p90": p90,
            "sinus": np.where(np.isnan(sinus), p90, sinus)}
