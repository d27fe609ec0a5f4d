"""Layer 7, evaluation: what a trained run does on new data.

Models side by side (:mod:`.compare`), classifying raw records through detected peaks
(:mod:`.predict`), scoring a run on a whole other database (:mod:`.transfer`), the
rhythm-reference ablation scored on the training patients, the stress set and the test
patients (:mod:`.ablation`) and the published results the book compares with
(:mod:`.literature`). Imports every layer below
it."""
from .ablation import ablation_row, held_out_row
from .compare import (
    compare_models,
    comparison_row,
    found_by_record,
    model_facts,
    scores_on_shared_beats,
)
from .literature import beside_published, published
from .predict import Predictor, predict_beat_files, predict_record
from .transfer import evaluate_database

__all__ = ["Predictor", "ablation_row", "beside_published", "compare_models", "comparison_row",
           "evaluate_database", "found_by_record", "held_out_row", "model_facts",
           "predict_beat_files",
           "predict_record", "published", "scores_on_shared_beats"]
