"""The seed's "188 to 10 steps of 18" reshape, and a variant that keeps all 187 samples.

A row holds 187 samples and a label; the label is removed first. 10 x 18 = 180, so 7 samples
cannot be kept: :func:`to_steps` drops the **last** seven (indices 180-186). Rows start at
the R peak and are zero-padded at the end, so the tail is the part most often pure padding
(a cut of 1.2 x RR reaches sample 180 only when RR > 150 samples, i.e. a heart rate under
50 bpm). :func:`dropped_signal` measures what is lost on a given data set.
:func:`to_steps_padded` keeps everything: it pads 187 -> 190 = 10 x 19 with zeros.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .segmentation import BEAT_LENGTH

STEPS = 10


def _check(X: np.ndarray) -> np.ndarray:
    X = np.asarray(X, dtype=np.float32)
    if X.ndim != 2 or X.shape[1] != BEAT_LENGTH:
        raise ValueError(f"expected beats of shape (n, {BEAT_LENGTH}) (label removed), got "
                         f"{X.shape}; for a 188-column file use X = rows[:, :187]")
    return X


def to_steps(X: np.ndarray, steps: int = STEPS, step_len: int = 18) -> np.ndarray:
    """The seed's input: (n, 187) -> (n, steps, step_len, 1), keeping the first
    ``steps * step_len`` samples (the last 7 of 187 are dropped by 10 x 18).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.arange(2 * 187, dtype=np.float32).reshape(2, 187) / 400
    >>> steps = to_steps(X)
    >>> steps.shape, bool(steps[0, 1, 0, 0] == X[0, 18])
    ((2, 10, 18, 1), True)
    """
    X = _check(X)
    keep = steps * step_len
    if keep > BEAT_LENGTH:
        raise ValueError(f"{steps} x {step_len} = {keep} > {BEAT_LENGTH} samples: "
                         f"use to_steps_padded")
    return X[:, :keep].reshape(-1, steps, step_len, 1)


def to_steps_padded(X: np.ndarray, steps: int = STEPS) -> np.ndarray:
    """(n, 187) -> (n, steps, ceil(187 / steps), 1) with zeros appended: no sample dropped."""
    X = _check(X)
    step_len = -(-BEAT_LENGTH // steps)
    padded = np.zeros((X.shape[0], steps * step_len), dtype=np.float32)
    padded[:, :BEAT_LENGTH] = X
    return padded.reshape(-1, steps, step_len, 1)


def dropped_energy_share(X: np.ndarray, keep: int = 180) -> np.ndarray:
    """Per beat: the share of its energy (sum of squares) in the samples ``keep:``."""
    X = _check(X).astype(np.float64)
    energy = (X ** 2).sum(axis=1)
    tail = (X[:, keep:] ** 2).sum(axis=1)
    return np.divide(tail, energy, out=np.zeros_like(tail), where=energy > 0)


def dropped_signal(X: np.ndarray, keep: int = 180) -> pd.DataFrame:
    """What dropping samples ``keep:`` costs: share of beats whose dropped part is all zero
    padding, and the share of total signal energy (sum of squares) dropped."""
    X = _check(X)
    tail = X[:, keep:]
    energy = (X.astype(np.float64) ** 2).sum(axis=1)
    tail_energy = (tail.astype(np.float64) ** 2).sum(axis=1)
    per_beat = dropped_energy_share(X, keep)
    return pd.DataFrame([
        {"quantity": "beats whose dropped samples are all zero padding",
         "value": float((tail == 0).all(axis=1).mean())},
        {"quantity": "share of total signal energy dropped", "value":
         float(tail_energy.sum() / max(energy.sum(), 1e-12))},
        {"quantity": "largest share of one beat's energy dropped",
         "value": float(per_beat.max(initial=0.0))},
        {"quantity": "dropped samples", "value": float(BEAT_LENGTH - keep)},
    ])
