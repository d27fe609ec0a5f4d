"""The models registry: every model ecglib trains, behind one interface
(:mod:`ecglib.models.base`). Adding a model is one call to :func:`keras_model`,
:func:`sklearn_model` or :func:`register_model`."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..beats.reshape import to_steps, to_steps_padded
from ..beats.rr import (
    RAW_INTERVALS,
    RR_CONTEXT,
    RR_FEATURES,
    RR_IRREGULARITY,
    RR_REFERENCES,
    RR_UNREFERENCED,
)
from ..beats.template import PRE_R_FEATURES, TEMPLATE_FEATURES
from .base import (
    MODELS,
    Classifier,
    FitParams,
    ModelSpec,
    get_model_spec,
    load_classifier,
    register_model,
)
from .batchnorm import bn_drift, precise_bn_callback, recalibrate_bn, with_statistics
from .keras_nets import (
    KerasClassifier,
    compact_cnn,
    kachuee_model,
    keras_model,
    seed_model,
    with_channel,
    with_rhythm,
)
from .sklearn_models import (
    SklearnClassifier,
    flat,
    gradient_boosting,
    linear_model,
    no_samples,
    qrs_part,
    rhythm_boosting,
    sklearn_model,
    small_gradient_boosting,
    template_boosting,
)
from .vote import VoteClassifier, vote_model

keras_model("seed", seed_model, to_steps, "seed CNN-LSTM, 10 x 18 steps (drops 7 samples)")
keras_model("seed190", lambda n_classes=2: seed_model(n_classes, 19), to_steps_padded,
            "seed CNN-LSTM, 10 x 19 steps (keeps all 187)")
keras_model("kachuee", kachuee_model, with_channel, "residual CNN of Kachuee et al. 2018")
keras_model("cnn", compact_cnn, with_channel, "compact 1D-CNN")
sklearn_model("gbm", gradient_boosting, flat,
              "histogram gradient boosting on raw samples (scikit-learn)")
# morphology + rhythm: the same models that also read each beat's R-R features
keras_model("seed_rr", with_rhythm(seed_model, name="seed_cnn_lstm_rr"), to_steps,
            "seed CNN-LSTM + R-R features (two inputs)", reads=RR_FEATURES)
keras_model("cnn_rr", with_rhythm(compact_cnn), with_channel,
            "compact 1D-CNN + R-R features (two inputs)", reads=RR_FEATURES)
sklearn_model("gbm_rr", rhythm_boosting, flat,
              "histogram gradient boosting on raw samples + R-R features", reads=RR_FEATURES)
sklearn_model("gbm_rr_small", small_gradient_boosting, flat,
              "shallow gradient boosting (depth 3) on raw samples + R-R features",
              reads=RR_FEATURES)
# the beat beside the patient's own usual beat (ecglib.beats.template): compares each new patient
# with himself, not with the training patients
sklearn_model("gbm_rr_tpl", template_boosting, qrs_part,
              "gradient boosting on R-R + template features + the beat's first 0.5 s",
              reads=RR_FEATURES + TEMPLATE_FEATURES)
sklearn_model("lr_rr_tpl_live", linear_model, qrs_part,
              "logistic regression on R-R + template features + the beat's first 0.5 s "
              "(no whole-record context: can run on a live signal)",
              reads=RR_FEATURES + TEMPLATE_FEATURES)
# the same linear model on de Chazal et al. 2004's raw intervals instead of ratios to the
# patient's rhythm (ecglib.beats.rr.RAW_INTERVALS): what that normalising buys on new patients
sklearn_model("lr_raw_rr_tpl", linear_model, qrs_part,
              "logistic regression on the raw R-R intervals (pre, post, local and running mean, "
              "in s) + template features + the beat's first 0.5 s",
              reads=RAW_INTERVALS + TEMPLATE_FEATURES)
# the same linear model reading the rhythm around the beat in the whole recording (offline):
# chosen on DS1 (benchmarks/new_patients.py); the trees did better without it
sklearn_model("lr_rr_tpl", linear_model, qrs_part,
              "logistic regression on R-R + whole-record R-R context + template features + "
              "the beat's first 0.5 s", reads=RR_FEATURES + RR_CONTEXT + TEMPLATE_FEATURES)
# the trees and the straight boundaries err on different patients (chapter 8); weights
# chosen by patient-grouped cross-validation on DS1 (benchmarks/new_patients.py)
vote_model("vote_rr_tpl", ("gbm_rr_tpl", "lr_rr_tpl"), (0.4, 0.6),
           "soft vote: 0.4 x gbm_rr_tpl + 0.6 x lr_rr_tpl")
# the same vote with no whole-record context: both members read only what a live detector
# has (the running template, the rhythm so far and the next interval)
vote_model("vote_rr_tpl_live", ("gbm_rr_tpl", "lr_rr_tpl_live"), (0.4, 0.6),
           "soft vote: 0.4 x gbm_rr_tpl + 0.6 x lr_rr_tpl_live (causal: can run live)")

#: other references for the patient's rhythm than a median (ecglib.beats.rr.RR_REFERENCES),
#: each read beside the features above by both members of the vote, and all of them at once
REFERENCE_SETS = {"record": RR_REFERENCES[0:2], "p90": RR_REFERENCES[2:4],
                  "sinus": RR_REFERENCES[4:6], "refs": RR_REFERENCES}
for _ref, _reads in REFERENCE_SETS.items():
    sklearn_model(f"gbm_rr_tpl_{_ref}", template_boosting, qrs_part,
                  f"gbm_rr_tpl + the R-R intervals divided by {_reads}",
                  reads=RR_FEATURES + _reads + TEMPLATE_FEATURES)
    sklearn_model(f"lr_rr_tpl_{_ref}", linear_model, qrs_part,
                  f"lr_rr_tpl + the R-R intervals divided by {_reads}",
                  reads=RR_FEATURES + RR_CONTEXT + _reads + TEMPLATE_FEATURES)
    vote_model(f"vote_rr_tpl_{_ref}", (f"gbm_rr_tpl_{_ref}", f"lr_rr_tpl_{_ref}"), (0.4, 0.6),
               f"soft vote: 0.4 x gbm_rr_tpl_{_ref} + 0.6 x lr_rr_tpl_{_ref}")
#: one reference only: every rhythm feature that divides by a reference of the patient's
#: rhythm is left out but this pair, so the models of the ablation differ in nothing else
ONLY_REFERENCE = {"centre": ("pre_centre", "post_centre"), **{
    ref: reads for ref, reads in REFERENCE_SETS.items() if ref != "refs"}}


def _only_reference_vote(name: str, reads: tuple[str, ...], prepare=qrs_part) -> None:
    """Register ``vote_only_<name>``: the vote of ``gbm_only_<name>`` and ``lr_only_<name>``,
    both on the unreferenced R-R features + ``reads`` + template features + ``prepare``'s
    columns of the beat (its first 0.5 s)."""
    beat = "the beat's first 0.5 s" if prepare is qrs_part else "no sample of the beat"
    what = f"the unreferenced R-R features + {reads} + template features + {beat}"
    sklearn_model(f"gbm_only_{name}", template_boosting, prepare,
                  f"gradient boosting on {what}",
                  reads=RR_UNREFERENCED + reads + TEMPLATE_FEATURES)
    sklearn_model(f"lr_only_{name}", linear_model, prepare,
                  f"logistic regression on {what}",
                  reads=RR_UNREFERENCED + reads + TEMPLATE_FEATURES)
    vote_model(f"vote_only_{name}", (f"gbm_only_{name}", f"lr_only_{name}"), (0.4, 0.6),
               f"soft vote: 0.4 x gbm_only_{name} + 0.6 x lr_only_{name}")


for _ref, _reads in ONLY_REFERENCE.items():
    _only_reference_vote(_ref, _reads)
# the sinus reference and how irregular the rhythm is around the beat (atrial fibrillation
# and flutter, whose short intervals are not early beats; ecglib.beats.rr.RR_IRREGULARITY)
_only_reference_vote("sinus_irr", ONLY_REFERENCE["sinus"] + RR_IRREGULARITY)
# the same without the beat's samples: its shape only beside the patient's usual beat (a
# new patient's narrow early beats, unlike any training patient's, were called V)
_only_reference_vote("sinus_irr_relative", ONLY_REFERENCE["sinus"] + RR_IRREGULARITY,
                     prepare=no_samples)
#: the same two members with the other weights the ablation scores (the trees' weight, as a
#: percentage; 40 is ``vote_only_sinus_irr_relative``, 0 and 100 are its members alone)
RELATIVE_TREE_WEIGHTS = (20, 60)
for _w in RELATIVE_TREE_WEIGHTS:
    vote_model(f"vote_only_sinus_irr_relative_t{_w}",
               ("gbm_only_sinus_irr_relative", "lr_only_sinus_irr_relative"),
               (_w / 100, 1 - _w / 100), f"soft vote: {_w / 100:g} x gbm_only_sinus_irr_relative "
               f"+ {1 - _w / 100:g} x lr_only_sinus_irr_relative")

#: the seed CNN-LSTM reading the rhythm as the ablation's sinus rows do (issue 29): the
#: unreferenced R-R features, the intervals divided by the sinus estimate and the rhythm's
#: irregularity; then the same plus the pre-R window beside the patient's template (where
#: the P wave lies, which the seed's cut beat does not hold). One change per name.
SEED_READS = {"seed_rr_sinus_irr": RR_UNREFERENCED + ONLY_REFERENCE["sinus"] + RR_IRREGULARITY}
SEED_READS["seed_rr_sinus_irr_pre"] = SEED_READS["seed_rr_sinus_irr"] + PRE_R_FEATURES
for _name, _reads in SEED_READS.items():
    keras_model(_name, with_rhythm(seed_model, len(_reads), name=f"seed_cnn_lstm_{_name[5:]}"),
                to_steps, f"seed CNN-LSTM + {', '.join(_reads)} (two inputs)", reads=_reads)
#: the last one with its features standardised (mean 0, variance 1 on the training beats)
#: before its Dense layer: raw intervals in seconds, ratios near 1 and template distances
#: of other scales otherwise reach the network as they are; then the same reading every
#: template feature (the QRS beside the patient's own usual beat too, as the votes do)
SCALED_READS = {"seed_rr_sinus_irr_pre_scaled": SEED_READS["seed_rr_sinus_irr_pre"],
                "seed_rr_sinus_irr_tpl_scaled": SEED_READS["seed_rr_sinus_irr"]
                + TEMPLATE_FEATURES}
for _name, _reads in SCALED_READS.items():
    keras_model(_name, with_rhythm(seed_model, len(_reads), name=f"seed_cnn_lstm_{_name[5:]}",
                                   scaled=True),
                to_steps, f"seed CNN-LSTM + {', '.join(_reads)}, standardised (two inputs)",
                reads=_reads)


#: the models ecglib registers itself, as registered: their definitions follow from ecglib's
#: source alone while none of them is registered anew (the run cache keeps them so)
BUILT_IN_MODELS = {name: MODELS.get(name) for name in MODELS.names()}


def summary_table(model) -> pd.DataFrame:
    """Keras model summary as a DataFrame: layer, class, output shape, parameters."""
    rows = [{"layer": layer.name, "type": type(layer).__name__,
             "output_shape": str(tuple(layer.output.shape)),
             "params": int(layer.count_params())} for layer in model.layers]
    return pd.DataFrame(rows)


def param_counts(model) -> dict[str, int]:
    """Total, trainable and non-trainable parameter counts of a Keras model."""
    trainable = int(sum(np.prod(w.shape) for w in model.trainable_weights))
    total = int(model.count_params())
    return {"total": total, "trainable": trainable, "non_trainable": total - trainable}


__all__ = ["BUILT_IN_MODELS", "MODELS", "ONLY_REFERENCE", "REFERENCE_SETS", "RELATIVE_TREE_WEIGHTS",
           "Classifier", "FitParams", "KerasClassifier", "ModelSpec",
           "SklearnClassifier", "VoteClassifier", "bn_drift", "compact_cnn", "flat",
           "get_model_spec", "gradient_boosting", "kachuee_model", "keras_model", "linear_model",
           "load_classifier", "param_counts", "precise_bn_callback", "recalibrate_bn",
           "with_statistics",
           "register_model", "seed_model", "sklearn_model", "summary_table", "vote_model",
           "with_channel", "with_rhythm"]
