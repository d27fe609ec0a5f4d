"""Models side by side: parameters, training time, inference speed and test metrics."""
from __future__ import annotations

import time
from dataclasses import replace
from functools import reduce

import numpy as np
import pandas as pd

from ..core.atomic import cached_json
from ..core.paths import array_digest, cache_key
from ..core.threads import thread_settings
from ..data.beattable import BeatTable
from ..metrics.scores import class_scores, point_metrics, predicted_labels
from ..models import Classifier
from ..training.config import TrainConfig
from ..training.runcache import cached_run
from ..training.trainer import TrainResult


def inference_speed(model: Classifier, X: np.ndarray, features: np.ndarray | None = None,
                    repeats: int = 2) -> float:
    """Beats per second classified (best of ``repeats`` passes over beats ``X``)."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        model.predict_proba(X, features)
        best = min(best, time.perf_counter() - start)
    return len(X) / best


def model_facts(run: TrainResult, X: np.ndarray, features: np.ndarray | None = None) -> dict:
    """The run's model size (``parameters``; None where the notion does not apply), whether
    it trains by epoch, and its ``inference_beats_per_s`` over beats ``X``
    (:func:`inference_speed`). A cached run's facts are measured once per run, beats and
    thread setting (:func:`ecglib.core.threads.thread_settings`) and kept in
    ``<cache>/measured/<key>.json``: a rebuild reads them instead of loading every model
    to time it again."""
    def measure() -> dict:
        model = run.model
        return {"parameters": model.n_params, "trained_by_epoch": model.trained_by_epoch,
                "inference_beats_per_s": inference_speed(model, X, features)}

    if run.run_dir is None:
        return measure()
    key = cache_key({"run": run.run_dir.name, "beats": len(X),
                     "digest": array_digest(X),
                     "threads": thread_settings(), "ecglib_facts": 1})
    return cached_json("measured", key, measure, valid=lambda facts: set(facts) == {
        "parameters", "trained_by_epoch", "inference_beats_per_s"})


def compare_models(table: BeatTable, base: TrainConfig, models: list[str],
                   splits: tuple[str, ...] = ("random", "interpatient"),
                   speed_beats: int = 4000) -> pd.DataFrame:
    """Train (or load cached) every model on every split; one row per (model, split)."""
    return pd.DataFrame([comparison_row(table, replace(base, model=name, split=split),
                                        speed_beats)
                         for split in splits for name in models])


def comparison_row(table: BeatTable, config: TrainConfig, speed_beats: int = 4000) -> dict:
    """One model on one split (trained, or loaded from the run cache) as a table row.

    Every row has the accuracies, balanced accuracy and macro-F1; a binary run adds the
    sensitivity, specificity and +P of its second class and AUROC/AUPRC, a multi-class run
    the Se and +P of every class but the first (``S_se``, ``S_ppv``, ...)."""
    run = cached_run(table, config)
    classes = run.scheme.classes
    m = point_metrics(run.y_test, run.test_proba, run.threshold, classes)
    timed = run.split.test[:speed_beats]
    facts = model_facts(run, table.X[timed], table.features(timed))
    row = {
        "model": config.model, "split": config.split, "parameters": facts["parameters"],
        "epochs_run": int(len(run.history)) if facts["trained_by_epoch"] else None,
        "train_s": round(run.fit_seconds, 1),
        "inference_beats_per_s": round(facts["inference_beats_per_s"]),
        "accuracy@0.5": point_metrics(run.y_test, run.test_proba, 0.5, classes)["accuracy"],
        "threshold": run.threshold,
        "accuracy": m["accuracy"], "balanced_accuracy": m["balanced_accuracy"]}
    if len(classes) == 2:
        positive = classes[1]
        row.update({"sensitivity": m[f"recall[{positive}]"],
                    "specificity": m[f"specificity[{positive}]"],
                    "ppv": m[f"precision[{positive}]"], "macro_f1": m["macro_f1"],
                    "auroc": m.get("auroc", np.nan), "auprc": m.get("auprc", np.nan)})
    else:
        row["macro_f1"] = m["macro_f1"]
        for c in classes[1:]:
            row.update({f"{c}_se": m[f"recall[{c}]"], f"{c}_ppv": m[f"precision[{c}]"]})
    return row


def scores_on_shared_beats(results: dict[str, TrainResult]) -> pd.DataFrame:
    """Per class, the reference beats (``n``) and each result's Se, +P and F1 on the test
    beats that every result tested (rows of one beat table), so that runs whose test parts
    differ (``interpatient`` and ``interpatient_adapt``) are compared on the same beats.
    Columns: ``n``, then (result name, se / ppv / f1); one row per class."""
    shared, labels = _shared_predictions(results, "scores_on_shared_beats")
    scores = {name: class_scores(y, pred, results[name].scheme.classes).set_index("class")
              for name, (y, pred) in labels.items()}
    first = next(iter(scores.values()))
    return pd.concat({"": first[["n"]],
                      **{name: s[["se", "ppv", "f1"]] for name, s in scores.items()}}, axis=1)


def found_by_record(results: dict[str, TrainResult], meta: pd.DataFrame, cls: str,
                    labelled: np.ndarray | None = None) -> pd.DataFrame:
    """Per record (rows of ``meta``), on the test beats every result tested: the reference
    beats of class ``cls`` (``"{cls} tested"``), those among rows ``labelled`` (when given:
    the beats a model trained on, ``"{cls} labelled"``), and for each result the share of
    them it found (``"found, NAME"``) and the beats of other classes it called ``cls``
    (``"false {cls}, NAME"``)."""
    shared, labels = _shared_predictions(results, "found_by_record")
    first = next(iter(results.values()))
    at = first.scheme.classes.index(cls)
    record = meta["record"].to_numpy()
    truth = labels[next(iter(labels))][0] == at
    frame = pd.DataFrame({f"{cls} tested": truth}, index=pd.Index(record[shared], name="record"))
    if labelled is not None:
        is_cls = first.scheme.encode(meta.iloc[labelled]) == at
        counts = pd.Series(is_cls.astype(int)).groupby(record[labelled]).sum()
    for name, (_, pred) in labels.items():
        frame[f"found, {name}"] = np.where(truth, pred == at, np.nan)
        frame[f"false {cls}, {name}"] = ~truth & (pred == at)
    out = frame.groupby("record").agg(
        {c: "mean" if c.startswith("found") else "sum" for c in frame.columns})
    if labelled is not None:
        out.insert(0, f"{cls} labelled", counts.reindex(out.index, fill_value=0).astype(int))
    return out


def _shared_predictions(results: dict[str, TrainResult], caller: str
                        ) -> tuple[np.ndarray, dict[str, tuple[np.ndarray, np.ndarray]]]:
    """The table rows every result tested, and each result's (reference, predicted) class
    indices on them."""
    if not results:
        raise ValueError(f"{caller}: no results to compare")
    shared = reduce(np.intersect1d, [r.split.test for r in results.values()])
    if shared.size == 0:
        raise ValueError(f"{caller}: {list(results)} test no beat in common")
    labels = {}
    for name, r in results.items():
        at = pd.Index(r.split.test).get_indexer(shared)
        labels[name] = (r.y_test[at], predicted_labels(r.test_proba[at], r.threshold))
    return shared, labels
