"""Models side by side: parameters, training time, inference speed and test metrics."""
from __future__ import annotations

import time

import numpy as np
import pandas as pd

from .beattable import BeatTable
from .book import cached_run
from .metrics import point_metrics
from .models import get_model_spec
from .train import TrainConfig


def inference_speed(model, X: np.ndarray, kind: str, repeats: int = 2) -> float:
    """Beats per second classified (best of ``repeats`` passes over ``X``)."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        if kind == "sklearn":
            model.predict_proba(X)
        else:
            model.predict(X, batch_size=512, verbose=0)
        best = min(best, time.perf_counter() - start)
    return len(X) / best


def compare_models(table: BeatTable, base: TrainConfig, models: list[str],
                   splits: tuple[str, ...] = ("random", "interpatient"),
                   speed_beats: int = 4000) -> pd.DataFrame:
    """Train (or load cached) every model on every split; one row per (model, split)."""
    from dataclasses import replace

    rows = []
    for split in splits:
        for name in models:
            run = cached_run(table, replace(base, model=name, split=split))
            spec = get_model_spec(name)
            X = spec.prepare(table.X[run.split.test[:speed_beats]])
            m = point_metrics(run.y_test, run.test_proba, run.threshold)
            rows.append({
                "model": name, "split": split,
                "parameters": int(run.model.count_params()) if spec.kind == "keras" else None,
                "epochs_run": int(len(run.history)) if spec.kind == "keras" else None,
                "train_s": round(run.fit_seconds, 1),
                "inference_beats_per_s": round(inference_speed(run.model, X, spec.kind)),
                "accuracy@0.5": point_metrics(run.y_test, run.test_proba, 0.5)["accuracy"],
                "threshold": run.threshold,
                "accuracy": m["accuracy"], "balanced_accuracy": m["balanced_accuracy"],
                "sensitivity": m["recall[abnormal]"], "specificity": m["specificity[abnormal]"],
                "ppv": m["precision[abnormal]"], "macro_f1": m["macro_f1"],
                "auroc": m["auroc"], "auprc": m["auprc"]})
    return pd.DataFrame(rows)
