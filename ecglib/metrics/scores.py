"""Evaluation as tidy DataFrames: point metrics with bootstrap CIs, confusion, calibration.

Binary tasks take ``p`` = P(abnormal) per beat; multi-class tasks take an (n, k) matrix.
Confidence intervals are 95% percentile bootstrap intervals; with ``groups`` (record names)
whole records are resampled, as an inter-patient test set requires.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from sklearn.metrics import (
    average_precision_score,
    brier_score_loss,
    confusion_matrix,
    precision_recall_fscore_support,
    roc_auc_score,
)


def choose_threshold(y: np.ndarray, p: np.ndarray) -> float:
    """Threshold on P(abnormal) maximising balanced accuracy (Youden's J) on *validation*."""
    y, p = np.asarray(y), np.asarray(p, dtype=np.float64)
    if len(np.unique(y)) < 2:
        return 0.5
    cands = np.unique(np.quantile(p, np.linspace(0.005, 0.995, 199)))
    pos, neg = y == 1, y == 0
    tpr = np.array([(p[pos] >= t).mean() for t in cands])
    tnr = np.array([(p[neg] < t).mean() for t in cands])
    return float(cands[np.argmax(tpr + tnr)])


def predicted_labels(p: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """Hard labels from binary probabilities (1-D) or class probabilities (2-D)."""
    p = np.asarray(p)
    return (p >= threshold).astype(np.int64) if p.ndim == 1 else p.argmax(axis=1)


def point_metrics(y: np.ndarray, p: np.ndarray, threshold: float = 0.5,
                  classes: tuple[str, ...] = ("normal", "abnormal")) -> dict[str, float]:
    """Accuracy, balanced accuracy, macro-F1 and per-class scores of one prediction.

    Balanced accuracy is the mean recall of the classes present in ``y``; per class:
    precision, recall, specificity and F1 (0 where undefined); binary tasks add AUROC,
    AUPRC, the Brier score and the calibration error. The counting metrics all come from
    one confusion matrix (the same values as scikit-learn's functions, in one pass: the
    bootstrap calls this hundreds of times).

    Parameters
    ----------
    y : ndarray
        Reference class indices.
    p : ndarray
        P(second class) per beat (binary, 1-D) or class probabilities (n, k).
    threshold : float
        Binary decision threshold on ``p``.
    classes : tuple of str
        Class names, in index order.

    Returns
    -------
    dict
        Metric name -> value (``recall[abnormal]``, ``auroc``...).

    Examples
    --------
    >>> import numpy as np
    >>> m = point_metrics(np.array([0, 0, 1, 1]), np.array([0.1, 0.6, 0.7, 0.9]))
    >>> m["accuracy"], m["recall[abnormal]"], m["specificity[abnormal]"]
    (0.75, 1.0, 0.5)
    """
    y = np.asarray(y)
    cm = confusion_matrix(y, predicted_labels(p, threshold),
                          labels=np.arange(len(classes))).astype(np.float64)
    hits, true, called = np.diag(cm), cm.sum(axis=1), cm.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        prec = np.where(called > 0, hits / called, 0.0)
        rec = np.where(true > 0, hits / true, 0.0)
        f1 = np.where(true + called > 0, 2 * hits / (true + called), 0.0)
        negatives = cm.sum() - true                        # beats of the other classes
        spec = np.where(negatives > 0, (negatives - (called - hits)) / negatives, np.nan)
    out = {"accuracy": float(hits.sum() / cm.sum()),
           "balanced_accuracy": float(rec[true > 0].mean()),
           "macro_f1": float(f1.mean())}
    for i, name in enumerate(classes):
        out[f"precision[{name}]"] = float(prec[i])
        out[f"recall[{name}]"] = float(rec[i])
        out[f"specificity[{name}]"] = float(spec[i])
        out[f"f1[{name}]"] = float(f1[i])
    if np.asarray(p).ndim == 1 and len(np.unique(y)) == 2:
        out["auroc"] = float(roc_auc_score(y, p))
        out["auprc"] = float(average_precision_score(y, p))
        out["brier"] = float(brier_score_loss(y, p))
        out["ece"] = expected_calibration_error(y, p)
    return out


def metrics_table(y: np.ndarray, p: np.ndarray, threshold: float = 0.5,
                  classes: tuple[str, ...] = ("normal", "abnormal"),
                  groups: np.ndarray | None = None, n_boot: int = 300,
                  seed: int = 0, unit: str = "records") -> pd.DataFrame:
    """Every point metric with a 95% bootstrap CI (beats, or whole ``groups``, resampled;
    ``unit`` names the groups in the table's ``resampled`` attribute)."""
    y, p = np.asarray(y), np.asarray(p)
    point = point_metrics(y, p, threshold, classes)
    rng = np.random.default_rng(seed)
    if groups is not None:
        groups = np.asarray(groups)
        uniq = np.unique(groups)
        members = [np.flatnonzero(groups == g) for g in uniq]
    boots: list[dict[str, float]] = []
    for _ in range(n_boot):
        if groups is None:
            idx = rng.integers(0, len(y), len(y))
        else:
            idx = np.concatenate([members[i] for i in rng.integers(0, len(uniq), len(uniq))])
        if len(np.unique(y[idx])) < 2:
            continue
        boots.append(point_metrics(y[idx], p[idx], threshold, classes))
    frame = pd.DataFrame(boots)
    rows = []
    for name, value in point.items():
        col = frame[name].dropna() if name in frame else pd.Series(dtype=float)
        lo, hi = (col.quantile(0.025), col.quantile(0.975)) if len(col) else (np.nan, np.nan)
        rows.append({"metric": name, "value": value, "ci_low": float(lo), "ci_high": float(hi)})
    table = pd.DataFrame(rows)
    table.attrs["n_boot"] = len(boots)
    table.attrs["resampled"] = unit if groups is not None else "beats"
    return table


def confusion_frame(y: np.ndarray, p: np.ndarray, threshold: float = 0.5,
                    classes: tuple[str, ...] = ("normal", "abnormal")) -> pd.DataFrame:
    """Confusion matrix with true classes as rows and predicted classes as columns."""
    cm = confusion_matrix(y, predicted_labels(p, threshold), labels=np.arange(len(classes)))
    return pd.DataFrame(cm, index=pd.Index(classes, name="true"),
                        columns=pd.Index(classes, name="predicted"))


def _bin_index(p: np.ndarray, bins: int) -> np.ndarray:
    """Index of the equal-width probability bin of each prediction."""
    return np.clip(np.digitize(p, np.linspace(0, 1, bins + 1)[1:-1]), 0, bins - 1)


def reliability(y: np.ndarray, p: np.ndarray, bins: int = 10) -> pd.DataFrame:
    """Reliability curve: per equal-width bin of P(abnormal), mean prediction vs frequency."""
    y, p = np.asarray(y, dtype=np.float64), np.asarray(p, dtype=np.float64)
    edges = np.linspace(0, 1, bins + 1)
    which = _bin_index(p, bins)
    rows = []
    for b in range(bins):
        m = which == b
        rows.append({"bin_low": edges[b], "bin_high": edges[b + 1], "count": int(m.sum()),
                     "mean_predicted": float(p[m].mean()) if m.any() else np.nan,
                     "observed_frequency": float(y[m].mean()) if m.any() else np.nan})
    return pd.DataFrame(rows)


def expected_calibration_error(y: np.ndarray, p: np.ndarray, bins: int = 10) -> float:
    """ECE: the bin-weighted mean of the absolute gap between observed frequency and mean
    prediction."""
    y, p = np.asarray(y, dtype=np.float64), np.asarray(p, dtype=np.float64)
    which = _bin_index(p, bins)
    count = np.bincount(which, minlength=bins)
    gap = np.abs(np.bincount(which, weights=y, minlength=bins)
                 - np.bincount(which, weights=p, minlength=bins))
    return float(gap.sum() / max(count.sum(), 1))


def detection_by_class(aami: np.ndarray, p: np.ndarray, threshold: float) -> pd.DataFrame:
    """For a binary model: per AAMI class, how many beats and what share are called
    abnormal (the sensitivity for S/V/F/Q; one minus the specificity for N)."""
    flagged = np.asarray(p) >= threshold
    aami = np.asarray(aami)
    rows = [{"aami_class": c, "beats": int((aami == c).sum()),
             "called_abnormal": float(flagged[aami == c].mean())}
            for c in ("N", "S", "V", "F", "Q") if (aami == c).any()]
    return pd.DataFrame(rows)


def class_scores(y: np.ndarray, pred: np.ndarray, classes: tuple[str, ...],
                 zero_division: float = 0.0, sample_weight: np.ndarray | None = None
                 ) -> pd.DataFrame:
    """Per class: reference beats, sensitivity (Se), positive predictivity (+P) and F1.

    ``zero_division`` stands where a class has no reference or no predicted beat; each beat
    is weighted by ``sample_weight`` when given.

    Examples
    --------
    >>> import numpy as np
    >>> s = class_scores(np.array([0, 0, 1, 2]), np.array([0, 1, 1, 2]), ("N", "S", "V"))
    >>> s[["class", "n", "se", "ppv"]].to_dict("list")
    {'class': ['N', 'S', 'V'], 'n': [2, 1, 1], 'se': [0.5, 1.0, 1.0], 'ppv': [1.0, 0.5, 1.0]}
    """
    labels = np.arange(len(classes))
    ppv, se, f1, _ = precision_recall_fscore_support(y, pred, labels=labels,
                                                     zero_division=zero_division,
                                                     sample_weight=sample_weight)
    n = np.bincount(np.asarray(y, dtype=np.int64), minlength=len(classes))[:len(classes)]
    return pd.DataFrame({"class": classes, "n": n.astype(int), "se": se, "ppv": ppv, "f1": f1})


def class_scores_ci(y: np.ndarray, pred: np.ndarray, classes: tuple[str, ...],
                    groups: np.ndarray, n_boot: int = 300, seed: int = 0) -> pd.DataFrame:
    """:func:`class_scores` with 95% intervals from resampling whole ``groups`` (records)."""
    point = class_scores(y, pred, classes)
    rng = np.random.default_rng(seed)
    uniq = np.unique(groups)
    members = [np.flatnonzero(groups == g) for g in uniq]
    boots = [class_scores(y[idx], pred[idx], classes, np.nan)[["se", "ppv", "f1"]].to_numpy()
             for idx in (np.concatenate([members[i] for i in rng.integers(0, len(uniq),
                                                                         len(uniq))])
                         for _ in range(n_boot))]
    if boots:
        with warnings.catch_warnings():     # a class absent from every resample: NaN
            warnings.simplefilter("ignore", RuntimeWarning)
            lo, hi = np.nanpercentile(np.stack(boots), [2.5, 97.5], axis=0)
        for j, m in enumerate(("se", "ppv", "f1")):
            point[f"{m}_low"], point[f"{m}_high"] = lo[:, j], hi[:, j]
    return point
