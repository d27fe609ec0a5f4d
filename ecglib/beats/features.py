"""The per-beat features a model may read beside the beat's samples: rhythm
(:mod:`ecglib.beats.rr`) and shape beside the patient's usual beat (:mod:`ecglib.beats.template`).

A model declares the columns it reads (:attr:`ecglib.models.Classifier.reads`); every part
of ecglib hands it the beats' feature table and the model takes its columns by name.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..core.errors import DataError
from .rr import RR_CONTEXT, RR_FEATURES, RR_IRREGULARITY, RR_REFERENCES, RR_UNITS
from .template import TEMPLATE_FEATURES

#: every feature a beat may carry, in this order
BEAT_FEATURES = RR_FEATURES + RR_CONTEXT + RR_REFERENCES + RR_IRREGULARITY + TEMPLATE_FEATURES
#: units of every column, for the manifest and the book
FEATURE_UNITS = {**RR_UNITS, **{c: "unitless (beat scale [0, 1])" for c in TEMPLATE_FEATURES}}


def beat_features(meta: pd.DataFrame) -> pd.DataFrame | None:
    """The :data:`BEAT_FEATURES` columns a beat table's ``meta`` carries, or None when it
    carries none (beats read from CSV files)."""
    present = [c for c in BEAT_FEATURES if c in meta.columns]
    return meta[present].reset_index(drop=True) if present else None


def select_features(features: pd.DataFrame | np.ndarray | None, names: tuple[str, ...],
                    n: int, model: str) -> np.ndarray:
    """Columns ``names`` of ``features`` (a table from :func:`beat_features`, or an array
    that holds exactly those columns) for ``n`` beats, as float32 clipped to [-5, 5]; a
    clear error when they are missing."""
    if features is None or len(features) != n:
        raise DataError(f"model {model!r} reads each beat's features {_short(names)}, which "
                        f"were not given (beat CSV files carry none: classify records)")
    if isinstance(features, pd.DataFrame):
        missing = [c for c in names if c not in features.columns]
        if missing:
            raise DataError(f"model {model!r} reads features these beats do not carry "
                            f"({_short(missing)}): rebuild them from records with "
                            f"'ecglib data build'")
        features = features[list(names)].to_numpy()
    arr = np.asarray(features, dtype=np.float32)
    if arr.ndim != 2 or arr.shape[1] != len(names):
        raise DataError(f"model {model!r} reads {len(names)} features per beat, got an "
                        f"array of shape {arr.shape}")
    return np.clip(np.nan_to_num(arr), -5.0, 5.0)


def _short(names) -> str:
    names = list(names)
    return str(names) if len(names) <= 4 else f"[{', '.join(names[:3])}, ... {len(names)} in all]"
