"""Models side by side: parameters, training time, inference speed and test metrics."""
from __future__ import annotations

import time
from dataclasses import replace
from functools import reduce

import numpy as np
import pandas as pd

from .beattable import BeatTable
from .config import TrainConfig
from .metrics import point_metrics, predicted_labels
from .models import Classifier
from .runcache import cached_run
from .train import TrainResult
from .transfer import class_scores


def inference_speed(model: Classifier, X: np.ndarray, rr: np.ndarray | None = None,
                    repeats: int = 2) -> float:
    """Beats per second classified (best of ``repeats`` passes over beats ``X``)."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        model.predict_proba(X, rr)
        best = min(best, time.perf_counter() - start)
    return len(X) / best


def compare_models(table: BeatTable, base: TrainConfig, models: list[str],
                   splits: tuple[str, ...] = ("random", "interpatient"),
                   speed_beats: int = 4000) -> pd.DataFrame:
    """Train (or load cached) every model on every split; one row per (model, split)."""
    return pd.DataFrame([comparison_row(table, replace(base, model=name, split=split),
                                        speed_beats)
                         for split in splits for name in models])


def comparison_row(table: BeatTable, config: TrainConfig, speed_beats: int = 4000) -> dict:
    """One model on one split (trained, or loaded from the run cache) as a table row."""
    run = cached_run(table, config)
    m = point_metrics(run.y_test, run.test_proba, run.threshold)
    return {
        "model": config.model, "split": config.split, "parameters": run.model.n_params,
        "epochs_run": int(len(run.history)) if run.model.trained_by_epoch else None,
        "train_s": round(run.fit_seconds, 1),
        "inference_beats_per_s": round(inference_speed(
            run.model, table.X[run.split.test[:speed_beats]],
            table.rr(run.split.test[:speed_beats]))),
        "accuracy@0.5": point_metrics(run.y_test, run.test_proba, 0.5)["accuracy"],
        "threshold": run.threshold,
        "accuracy": m["accuracy"], "balanced_accuracy": m["balanced_accuracy"],
        "sensitivity": m["recall[abnormal]"], "specificity": m["specificity[abnormal]"],
        "ppv": m["precision[abnormal]"], "macro_f1": m["macro_f1"],
        "auroc": m["auroc"], "auprc": m["auprc"]}


def scores_on_shared_beats(results: dict[str, TrainResult]) -> pd.DataFrame:
    """Per class, the reference beats (``n``) and each result's Se, +P and F1 on the test
    beats that every result tested (rows of one beat table), so that runs whose test parts
    differ (``interpatient`` and ``interpatient_adapt``) are compared on the same beats.
    Columns: ``n``, then (result name, se / ppv / f1); one row per class."""
    if not results:
        raise ValueError("scores_on_shared_beats: no results to compare")
    shared = reduce(np.intersect1d, [r.split.test for r in results.values()])
    if shared.size == 0:
        raise ValueError(f"scores_on_shared_beats: {list(results)} test no beat in common")
    scores = {}
    for name, r in results.items():
        at = pd.Index(r.split.test).get_indexer(shared)
        scores[name] = class_scores(r.y_test[at], predicted_labels(r.test_proba[at], r.threshold),
                                    r.scheme.classes).set_index("class")
    first = next(iter(scores.values()))
    return pd.concat({"": first[["n"]],
                      **{name: s[["se", "ppv", "f1"]] for name, s in scores.items()}}, axis=1)
