"""Layer 6, training: configuration, splits, the training run and its folder, selection.

The one place every training parameter is declared (:mod:`.config`), the splits registry
(:mod:`.splits`), patient weights (:mod:`.weights`), training and the run folder
(:mod:`.trainer`), reading runs back (:mod:`.runs`), the run cache shared by chapters
(:mod:`.runcache`) and model selection by patient-grouped cross-validation
(:mod:`.selection`). Imports every layer below it."""
from .config import TrainConfig
from .runcache import cached_cross_val_predict, cached_cross_validate, cached_fit, cached_run
from .runs import evaluate_run, load_run, read_params
from .selection import (
    SELECTION_SCORE,
    candidate_row,
    compare_candidates,
    cross_validate,
    patient_folds,
    training_patients,
    vote_weights,
)
from .splits import (
    PATIENT_VAL_SIZE,
    SPLITS,
    Split,
    SplitParams,
    SplitSpec,
    interpatient_split,
    make_split,
    register_split,
    shared_records,
)
from .trainer import TrainResult, fit_rows, split_params, standard_split, test_metrics, train
from .weights import patient_weights

__all__ = ["PATIENT_VAL_SIZE", "SELECTION_SCORE", "SPLITS", "Split", "SplitParams", "SplitSpec",
           "TrainConfig", "TrainResult", "cached_cross_val_predict", "cached_cross_validate",
           "cached_fit", "cached_run", "candidate_row",
           "compare_candidates", "cross_validate", "evaluate_run", "fit_rows",
           "interpatient_split", "load_run", "make_split", "patient_folds", "patient_weights",
           "read_params", "register_split", "shared_records", "split_params", "standard_split",
           "test_metrics", "train", "training_patients", "vote_weights"]
