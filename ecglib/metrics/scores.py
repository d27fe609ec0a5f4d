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
    confusion_matrix,
    precision_recall_fscore_support,
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
    one confusion matrix, the ranking ones from one sort (the same values as
    scikit-learn's functions, which the tests check; the bootstrap scores hundreds of
    samples with the same sort).

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
    return _Scorer(y, p, threshold, classes).scores()


def _ratio(a: np.ndarray, b: np.ndarray, undefined: float) -> np.ndarray:
    """``a / b``, and ``undefined`` where ``b`` is 0."""
    a, b = np.broadcast_arrays(np.asarray(a, dtype=np.float64), b)
    return np.divide(a, b, out=np.full(a.shape, undefined), where=b > 0)


def class_rates(cm: np.ndarray, undefined: float = 0.0
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Recall (Se), precision (+P) and F1 of each class from confusion matrices of shape
    ``(..., k, k)`` (rows: true class), ``undefined`` where a class was never true or never
    called (sklearn's ``zero_division=0`` is the default).

    >>> [r.tolist() for r in class_rates(np.array([[3, 1], [0, 0]]))]
    [[0.75, 0.0], [1.0, 0.0], [0.8571428571428571, 0.0]]
    """
    hits = np.diagonal(cm, axis1=-2, axis2=-1)
    true, called = cm.sum(axis=-1), cm.sum(axis=-2)
    return (_ratio(hits, true, undefined), _ratio(hits, called, undefined),
            _ratio(2 * hits, true + called, undefined))


class _Scorer:
    """:func:`point_metrics` of one prediction under any beat weights: each bootstrap sample
    is the same beats weighted by how often it drew them, so the sorting and labelling is
    done once and a sample costs a few weighted sums (what sklearn's functions give on the
    resampled beats, without resampling them)."""

    def __init__(self, y: np.ndarray, p: np.ndarray, threshold: float,
                 classes: tuple[str, ...]) -> None:
        self.y, self.classes = np.asarray(y).astype(np.int64), classes
        self.given = np.asarray(p)            # its own dtype: the Brier score is sklearn's
        self.p = self.given.astype(np.float64)
        self.k = len(classes)
        self.cell = self.y * self.k + predicted_labels(self.p, threshold)
        self.ranked = self.p.ndim == 1 and np.unique(self.y).size == 2
        if self.ranked:
            self.order = np.argsort(-self.p, kind="stable")
            sorted_p = self.p[self.order]
            self.ends = np.r_[np.flatnonzero(np.diff(sorted_p)), sorted_p.size - 1]

    def classes_present(self, w: np.ndarray) -> int:
        """How many classes the beats of positive weight hold."""
        return int((np.bincount(self.y, weights=w, minlength=self.k) > 0).sum())

    def scores(self, w: np.ndarray | None = None) -> dict[str, float]:
        """The metrics with beat weights ``w`` (None: each beat once)."""
        uniform = w is None
        w = np.ones(self.y.size) if uniform else np.asarray(w, dtype=np.float64)
        cm = np.bincount(self.cell, weights=w, minlength=self.k * self.k).reshape(self.k, -1)
        hits, true, called = np.diag(cm), cm.sum(axis=1), cm.sum(axis=0)
        rec, prec, f1 = class_rates(cm)
        negatives = cm.sum() - true                          # beats of the other classes
        spec = _ratio(negatives - (called - hits), negatives, np.nan)
        out = {"accuracy": float(hits.sum() / cm.sum()),
               "balanced_accuracy": float(rec[true > 0].mean()),
               "macro_f1": float(f1.mean())}
        for i, name in enumerate(self.classes):
            out[f"precision[{name}]"] = float(prec[i])
            out[f"recall[{name}]"] = float(rec[i])
            out[f"specificity[{name}]"] = float(spec[i])
            out[f"f1[{name}]"] = float(f1[i])
        if self.ranked and (true > 0).sum() == 2:
            out.update(self._ranking(w, uniform))
        return out

    def _brier(self, w: np.ndarray, uniform: bool) -> float:
        """The Brier score as sklearn computes it (both classes' squared errors, halved, in
        the probabilities' own dtype), so the two agree to the last bit."""
        q = self.given
        t = self.y.astype(q.dtype)
        squares = ((1 - t) - (1 - q)) ** 2 + (t - q) ** 2
        return float(0.5 * (np.mean(squares) if uniform else np.average(squares, weights=w)))

    def _ranking(self, w: np.ndarray, uniform: bool = False) -> dict[str, float]:
        """AUROC, AUPRC (average precision), Brier score and ECE under weights ``w``."""
        y, ws = self.y.astype(np.float64), w[self.order]
        tps = np.cumsum(ws * y[self.order])[self.ends]
        fps = np.cumsum(ws * (1 - y[self.order]))[self.ends]
        tpr, fpr = np.r_[0.0, tps / tps[-1]], np.r_[0.0, fps / fps[-1]]
        called = tps + fps
        precision = np.divide(tps, called, out=np.zeros_like(tps), where=called > 0)
        return {"auroc": float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1])) / 2),
                "auprc": float(np.sum(np.diff(tpr) * precision)),
                "brier": self._brier(w, uniform),
                "ece": expected_calibration_error(y, self.p, weights=w)}


def metrics_table(y: np.ndarray, p: np.ndarray, threshold: float = 0.5,
                  classes: tuple[str, ...] = ("normal", "abnormal"),
                  groups: np.ndarray | None = None, n_boot: int = 300,
                  seed: int = 0, unit: str = "records") -> pd.DataFrame:
    """Every point metric with a 95% bootstrap CI (beats, or whole ``groups``, resampled;
    ``unit`` names the groups in the table's ``resampled`` attribute)."""
    scorer = _Scorer(y, p, threshold, classes)
    point = scorer.scores()
    rng = np.random.default_rng(seed)
    if groups is not None:
        uniq, which = np.unique(np.asarray(groups), return_inverse=True)
    boots: list[dict[str, float]] = []
    for _ in range(n_boot):
        if groups is None:       # how often each beat, or each group, was drawn
            w = np.bincount(rng.integers(0, scorer.y.size, scorer.y.size),
                            minlength=scorer.y.size).astype(np.float64)
        else:
            w = np.bincount(rng.integers(0, len(uniq), len(uniq)),
                            minlength=len(uniq)).astype(np.float64)[which]
        if scorer.classes_present(w) < 2:
            continue
        boots.append(scorer.scores(w))
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


def expected_calibration_error(y: np.ndarray, p: np.ndarray, bins: int = 10,
                               weights: np.ndarray | None = None) -> float:
    """ECE: the bin-weighted mean of the absolute gap between observed frequency and mean
    prediction (each beat counted ``weights`` times, default once)."""
    y, p = np.asarray(y, dtype=np.float64), np.asarray(p, dtype=np.float64)
    w = np.ones_like(p) if weights is None else np.asarray(weights, dtype=np.float64)
    which = _bin_index(p, bins)
    count = np.bincount(which, weights=w, minlength=bins)
    gap = np.abs(np.bincount(which, weights=w * y, minlength=bins)
                 - np.bincount(which, weights=w * p, minlength=bins))
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
    uniq, which = np.unique(np.asarray(groups), return_inverse=True)
    k = len(classes)
    # one confusion matrix per group; a resample's matrix is their sum, each group counted
    # as often as it was drawn (the rows of the resampled beats, without copying them)
    per_group = np.zeros((len(uniq), k * k))
    np.add.at(per_group, (which, np.asarray(y, dtype=np.int64) * k
                          + np.asarray(pred, dtype=np.int64)), 1)
    drawn = np.stack([np.bincount(rng.integers(0, len(uniq), len(uniq)), minlength=len(uniq))
                      for _ in range(n_boot)]) if n_boot else np.zeros((0, len(uniq)))
    cm = (drawn @ per_group).reshape(-1, k, k)
    boots = list(np.stack(class_rates(cm, undefined=np.nan), axis=2))
    if boots:
        with warnings.catch_warnings():     # a class absent from every resample: NaN
            warnings.simplefilter("ignore", RuntimeWarning)
            lo, hi = np.nanpercentile(np.stack(boots), [2.5, 97.5], axis=0)
        for j, m in enumerate(("se", "ppv", "f1")):
            point[f"{m}_low"], point[f"{m}_high"] = lo[:, j], hi[:, j]
    return point
