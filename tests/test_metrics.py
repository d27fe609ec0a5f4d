import numpy as np
import pytest

from ecglib.metrics.scores import (
    choose_threshold,
    confusion_frame,
    expected_calibration_error,
    metrics_table,
    point_metrics,
    reliability,
)


def test_point_metrics_known_values():
    y = np.array([0, 0, 0, 1, 1])
    p = np.array([0.1, 0.2, 0.7, 0.8, 0.4])
    m = point_metrics(y, p)
    assert m["accuracy"] == pytest.approx(3 / 5)
    assert m["recall[abnormal]"] == pytest.approx(0.5)
    assert m["specificity[abnormal]"] == pytest.approx(2 / 3)
    assert m["precision[abnormal]"] == pytest.approx(0.5)
    assert m["auroc"] == pytest.approx(5 / 6)
    cm = confusion_frame(y, p)
    assert cm.loc["normal", "abnormal"] == 1 and cm.loc["abnormal", "normal"] == 1


def test_bootstrap_ci_brackets_point_and_groups_widen_it():
    rng = np.random.default_rng(0)
    groups = np.repeat(np.arange(20), 50)
    y = rng.integers(0, 2, 1000)
    shift = rng.normal(0, 0.3, 20)[groups]               # strong per-record effect
    p = 1 / (1 + np.exp(-(3 * (y - 0.5) + 3 * shift)))
    beats = metrics_table(y, p, n_boot=200).set_index("metric")
    recs = metrics_table(y, p, groups=groups, n_boot=200).set_index("metric")
    for t in (beats, recs):
        assert (t["ci_low"] <= t["value"]).all() and (t["value"] <= t["ci_high"]).all()
    width = lambda t: t.loc["accuracy", "ci_high"] - t.loc["accuracy", "ci_low"]
    assert width(recs) > width(beats)


def test_calibration():
    rng = np.random.default_rng(1)
    p = rng.random(20000)
    y = (rng.random(20000) < p).astype(int)               # perfectly calibrated
    assert expected_calibration_error(y, p) < 0.02
    assert expected_calibration_error(y, p ** 3) > 0.1    # over-confident in normal
    rel = reliability(y, p)
    assert len(rel) == 10 and rel["count"].sum() == 20000


def test_threshold_is_chosen_for_balanced_accuracy():
    y = np.array([0] * 90 + [1] * 10)
    p = np.r_[np.linspace(0, 0.3, 90), np.linspace(0.2, 0.4, 10)]
    t = choose_threshold(y, p)
    assert 0.15 < t <= 0.3
    assert point_metrics(y, p, t)["balanced_accuracy"] > point_metrics(y, p, 0.5)["balanced_accuracy"]


def test_balanced_accuracy_is_the_mean_recall_of_present_classes_without_a_warning():
    import warnings

    y = np.array([0, 0, 0, 1, 1, 2])
    p = np.eye(4)[[0, 0, 3, 1, 0, 2]]           # class 3 predicted once, never true
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m = point_metrics(y, p, classes=("N", "S", "V", "F"))
    assert m["balanced_accuracy"] == pytest.approx((2 / 3 + 1 / 2 + 1) / 3)
    assert m["recall[F]"] == 0.0 and m["precision[F]"] == 0.0


@pytest.mark.parametrize("k", [2, 5])
def test_counting_metrics_equal_scikit_learns_functions(k):
    """point_metrics derives them from one confusion matrix: they must be sklearn's own."""
    import warnings

    from sklearn.metrics import (
        balanced_accuracy_score,
        f1_score,
        precision_recall_fscore_support,
    )

    rng = np.random.default_rng(k)
    y = rng.choice(k, 3000, p=np.r_[0.7, np.full(k - 1, 0.3 / (k - 1))])
    y[y == k - 1] = 0 if k > 2 else y[y == k - 1]      # 5 classes: the last one absent
    p = rng.dirichlet(np.ones(k), 3000) if k > 2 else rng.random(3000)
    classes = tuple(f"c{i}" for i in range(k))
    m = point_metrics(y, p, 0.5, classes)
    yhat = p.argmax(1) if k > 2 else (p >= 0.5).astype(int)
    labels = np.arange(k)
    prec, rec, f1, _ = precision_recall_fscore_support(y, yhat, labels=labels, zero_division=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        balanced = balanced_accuracy_score(y, yhat)
    assert m["balanced_accuracy"] == pytest.approx(balanced)
    assert m["macro_f1"] == pytest.approx(f1_score(y, yhat, labels=labels, average="macro",
                                                   zero_division=0))
    assert m["accuracy"] == pytest.approx((y == yhat).mean())
    for i, c in enumerate(classes):
        assert (m[f"precision[{c}]"], m[f"recall[{c}]"], m[f"f1[{c}]"]) == pytest.approx(
            (prec[i], rec[i], f1[i]))
        others = y != i
        assert m[f"specificity[{c}]"] == pytest.approx((yhat[others] != i).mean())


def test_ranking_metrics_equal_scikit_learns_with_ties_and_weights():
    """AUROC, AUPRC and Brier from one sort, with tied scores, are sklearn's; weighting the
    beats by how often a bootstrap drew them gives what the resampled beats give."""
    from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

    from ecglib.metrics.scores import _Scorer

    rng = np.random.default_rng(3)
    y = (rng.random(4000) < 0.2).astype(int)
    p = np.round(np.clip(0.4 * y + rng.random(4000) * 0.7, 0, 1), 2)   # many ties
    m = point_metrics(y, p, 0.5)
    assert m["auroc"] == pytest.approx(roc_auc_score(y, p), abs=1e-12)
    assert m["auprc"] == pytest.approx(average_precision_score(y, p), abs=1e-12)
    assert m["brier"] == pytest.approx(brier_score_loss(y, p), abs=1e-12)
    single = p.astype(np.float32)                     # what a Keras model gives
    assert point_metrics(y, single, 0.5)["brier"] == brier_score_loss(y, single)
    scorer = _Scorer(y, p, 0.5, ("normal", "abnormal"))
    for _ in range(3):
        idx = rng.integers(0, y.size, y.size)
        weighted = scorer.scores(np.bincount(idx, minlength=y.size).astype(float))
        resampled = point_metrics(y[idx], p[idx], 0.5)
        assert weighted.keys() == resampled.keys()
        for name, value in resampled.items():
            assert weighted[name] == pytest.approx(value, abs=1e-12), name


def test_class_score_intervals_are_those_of_the_resampled_records():
    """class_scores_ci sums per-record confusion matrices: the same intervals as scoring
    each resample of whole records with class_scores (sklearn) directly."""
    from ecglib.metrics.scores import class_scores, class_scores_ci

    rng = np.random.default_rng(5)
    groups = np.repeat(np.arange(12), 150)
    y = rng.choice(3, groups.size, p=[0.8, 0.15, 0.05])
    y[groups < 4] = np.where(y[groups < 4] == 2, 0, y[groups < 4])   # class 2 in 8 records
    pred = np.where(rng.random(groups.size) < 0.8, y, rng.choice(3, groups.size))
    classes = ("N", "S", "V")
    ci = class_scores_ci(y, pred, classes, groups, n_boot=50, seed=7)
    draws = np.random.default_rng(7)
    boots = []
    for _ in range(50):
        idx = np.concatenate([np.flatnonzero(groups == g)
                              for g in draws.integers(0, 12, 12)])
        boots.append(class_scores(y[idx], pred[idx], classes, np.nan)[["se", "ppv", "f1"]])
    stacked = np.stack([b.to_numpy() for b in boots])
    lo, hi = np.nanpercentile(stacked, [2.5, 97.5], axis=0)
    np.testing.assert_allclose(ci[["se_low", "ppv_low", "f1_low"]].to_numpy(), lo)
    np.testing.assert_allclose(ci[["se_high", "ppv_high", "f1_high"]].to_numpy(), hi)
