"""How much each training beat weighs in the loss, beyond its class.

A few patients hold most beats of a rare class (in MIT-BIH DS1, record 209 holds 47% of the
S beats): a loss that counts beats alike learns what *their* S beats look like. With a
patient weight ``power`` in [0, 1], within each class a patient with ``n`` beats of that
class gives each of them the weight ``n ** -power``: 0 counts every beat alike, 1 counts
every patient alike (each patient's beats of a class share one patient's weight), 0.5 lies
between. The weights are scaled so that each class keeps its total (its beat count), so the
class weights (``class_weight``) balance the classes exactly as before.
"""
from __future__ import annotations

import numpy as np


def patient_weights(y: np.ndarray, patients: np.ndarray, power: float) -> np.ndarray:
    """One weight per beat (labels ``y``, patient ids ``patients``): within each class,
    ``n_patient_class ** -power``, scaled so the class's weights sum to its beat count."""
    if not 0.0 <= power <= 1.0:
        raise ValueError(f"patient weight power must be in [0, 1], got {power}")
    y, patients = np.asarray(y), np.asarray(patients)
    if y.shape != patients.shape:
        raise ValueError(f"labels {y.shape} and patients {patients.shape} differ in length")
    w = np.ones(y.size, dtype=np.float64)
    for c in np.unique(y):
        mine = y == c
        _, which, counts = np.unique(patients[mine], return_inverse=True, return_counts=True)
        raw = counts[which].astype(np.float64) ** -power
        w[mine] = raw * mine.sum() / raw.sum()
    return w
