"""Published inter-patient results on MIT-BIH DS2 (de Chazal's DS1 -> DS2 protocol), the
rows every new-patient table in the book is compared with. Values in %, as published;
F1 is computed from Se and +P where the paper reports those."""
from __future__ import annotations

import numpy as np
import pandas as pd

#: (method, S Se, S +P, V Se, V +P, S F1, V F1); None where the paper does not report it
_ROWS = [
    ("de Chazal et al. 2004 (linear discriminants)", 75.9, 38.5, 77.7, 81.9, None, None),
    ("Mar et al. 2011 (feature selection + MLP)", 83.2, 33.5, 86.8, 75.9, None, None),
    ("Zhang et al. 2014 (feature selection + SVM)", 79.1, 36.0, 85.5, 92.7, None, None),
    ("Niu et al. 2020 (symbolic CNN)", None, None, None, None, 76.6, 89.7),
]


def published() -> pd.DataFrame:
    """The published rows, with F1 = 2 Se +P / (Se + +P) where Se and +P are given."""
    frame = pd.DataFrame(_ROWS, columns=["method", "S_se", "S_ppv", "V_se", "V_ppv", "S_f1",
                                         "V_f1"]).astype({c: float for c in ("S_se", "S_ppv",
                                                                              "V_se", "V_ppv",
                                                                              "S_f1", "V_f1")})
    for c in ("S", "V"):
        f1 = 2 * frame[f"{c}_se"] * frame[f"{c}_ppv"] / (frame[f"{c}_se"] + frame[f"{c}_ppv"])
        frame[f"{c}_f1"] = frame[f"{c}_f1"].fillna(f1.round(1))
    return frame.replace({np.nan: None})


def beside_published(scores: pd.DataFrame, method: str) -> pd.DataFrame:
    """``scores`` (one row per class with ``se``, ``ppv``, ``f1``: say
    :func:`ecglib.metrics.class_scores_ci`) as a row ``method`` in %, above :func:`published`."""
    ours = {"method": method}
    for row in scores.itertuples(index=False):
        ours.update({f"{row[0]}_{m}": 100 * getattr(row, m) for m in ("se", "ppv", "f1")})
    return (pd.concat([pd.DataFrame([ours])[published().columns], published()],
                      ignore_index=True).set_index("method").astype(float))
