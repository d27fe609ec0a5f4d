"""Layer 5, metrics: scores of predictions against reference labels, as DataFrames.

Point metrics with bootstrap intervals, thresholds, confusion matrices, calibration and
per-class Se / +P / F1 (:mod:`.scores`); where ectopic beats are found, alone, in runs
and record by record (:mod:`.ectopy`). Pure functions of labels and probabilities:
imports nothing of ecglib, so training (which chooses its threshold with them) and
evaluation both use it."""
from .ectopy import ectopic_breakdown, run_lengths
from .scores import (
    choose_threshold,
    class_scores,
    class_scores_ci,
    confusion_frame,
    detection_by_class,
    expected_calibration_error,
    metrics_table,
    point_metrics,
    predicted_labels,
    reliability,
)

__all__ = ["choose_threshold", "class_scores", "class_scores_ci", "confusion_frame",
           "detection_by_class", "ectopic_breakdown", "expected_calibration_error",
           "metrics_table", "point_metrics", "predicted_labels", "reliability", "run_lengths"]
