"""The rhythm-reference ablation: configurations that differ in one thing, each scored on the
training patients out of fold and on the rhythm stress set built from them
(:mod:`ecglib.data.stress`), which may choose, and on the test patients, which never do.

Chapter 9 and ``benchmarks/new_patients.py --ablation`` share it, and every fit goes through
the run cache, so the book and the benchmark report the same runs.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import balanced_accuracy_score

from ..beats.labels import get_scheme
from ..data.beattable import BeatTable
from ..metrics.ectopy import ectopic_breakdown
from ..metrics.scores import choose_threshold, class_scores, predicted_labels
from ..models import ONLY_REFERENCE, REFERENCE_SETS, RELATIVE_TREE_WEIGHTS
from ..training.config import TrainConfig
from ..training.runcache import cached_cross_validate, cached_run
from ..training.selection import SELECTION_SCORE, candidate_row, training_patients

#: the seed family's rows: label -> what each changes from the profile's configuration
#: (class weights and patient weight 0.5 in every row, as in the votes'). The row with 12
#: epochs trains the scaled network longer: with the default profile's 6 epochs at most, its
#: validation loss was still falling at the last epoch of every fit. The last row reads all
#: the template features, not only the pre-R window's.
SEED_FAMILY = {"seed_rr (medians)": dict(model="seed_rr"),
               "seed_rr only sinus + irregularity": dict(model="seed_rr_sinus_irr"),
               "seed_rr only sinus + irregularity + pre-R": dict(model="seed_rr_sinus_irr_pre"),
               "seed_rr only sinus + irregularity + pre-R, scaled":
                   dict(model="seed_rr_sinus_irr_pre_scaled"),
               "seed_rr only sinus + irregularity + pre-R, scaled, 12 epochs":
                   dict(model="seed_rr_sinus_irr_pre_scaled", epochs=12),
               "seed_rr only sinus + irregularity + template, scaled, 12 epochs":
                   dict(model="seed_rr_sinus_irr_tpl_scaled", epochs=12)}
#: what each row changes from the base configuration: chapter 8's vote (medians); the same
#: with each other reference read beside the medians (``ecglib.models.REFERENCE_SETS``); then
#: models that differ only in the one reference their R-R ratios divide by
#: (``ecglib.models.ONLY_REFERENCE``: the centred median, the record mean, the 90th
#: percentile, the sinus estimate); the sinus one with the rhythm's irregularity; and
#: refitting on the validation patients
ABLATION = {"medians (vote_rr_tpl)": dict(model="vote_rr_tpl", class_weight=True,
                                          patient_weight=0.5),
            **{f"+ {ref}": dict(model=f"vote_rr_tpl_{ref}", class_weight=True,
                                patient_weight=0.5) for ref in REFERENCE_SETS},
            **{f"only {ref}": dict(model=f"vote_only_{ref}", class_weight=True,
                                   patient_weight=0.5) for ref in ONLY_REFERENCE},
            # + how irregular the rhythm is around the beat: the AF and flutter records'
            # short intervals are not early beats (ecglib.beats.rr.RR_IRREGULARITY)
            "only sinus + irregularity": dict(model="vote_only_sinus_irr", class_weight=True,
                                              patient_weight=0.5),
            # + the beat's shape only beside the patient's own usual beat: no raw sample
            # (ecglib.models.sklearn_models.no_samples)
            "only sinus + irregularity, relative shape": dict(
                model="vote_only_sinus_irr_relative", class_weight=True, patient_weight=0.5),
            # + the weight of the vote's two members (the trees' share; 0.4 above)
            **{f"only sinus + irregularity, relative shape, trees x {w / 100:g}": dict(
                model=model, class_weight=True, patient_weight=0.5)
               for w, model in ((0, "lr_only_sinus_irr_relative"),
                                *((w, f"vote_only_sinus_irr_relative_t{w}")
                                  for w in RELATIVE_TREE_WEIGHTS),
                                (100, "gbm_only_sinus_irr_relative"))},
            # refit on the validation patients too: which S-rich patients a seed holds out
            # for early stopping no longer decides what the model sees
            **{f"{label} + refit": dict(model=model, class_weight=True, patient_weight=0.5,
                                        refit=True)
               for label, model in (("medians (vote_rr_tpl)", "vote_rr_tpl"),
                                    ("only sinus", "vote_only_sinus"),
                                    ("only sinus + irregularity", "vote_only_sinus_irr"))},
            # the seed family (issue 29): the book's CNN-LSTM with the medians (seed_rr), with
            # the sinus reference and the irregularity instead, then with the pre-R window too
            # (ecglib.models.SEED_READS), its features standardised, then trained longer;
            # chosen among themselves, as the votes are
            **{label: dict(class_weight=True, patient_weight=0.5, **change)
               for label, change in SEED_FAMILY.items()}}
#: the column a row is chosen by: the mean of the DS1 selection score and the stress S F1
CHOICE_SCORE = "DS1 + stress score"
#: what the chosen configuration must reach on the test patients (DS2; issue 29's floors,
#: after de Chazal et al. 2004): (figure, floor)
FLOORS = {"S_se": 0.75, "S_ppv": 0.40, "S_se record 232": 0.80, "S_se without 232": 0.60,
          "V_se": 0.90, "V_ppv": 0.85, "binary_balanced_accuracy": 0.88}
#: the S beat groups of :func:`ecglib.metrics.ectopy.ectopic_breakdown` a row reports
S_GROUPS = ("isolated", "pairs", "runs of 3+", "record 232", "without 232")


def scored(meta: pd.DataFrame, y: np.ndarray, p: np.ndarray, threshold: float,
           prefix: str) -> dict:
    """S and V Se / +P / F1, binary balanced accuracy (abnormal = not N, at ``threshold``)
    and the S breakdown of predictions ``p`` of the beats ``meta`` (labels ``y``, AAMI
    five classes), each name starting with ``prefix``; NaN for a class these beats lack."""
    classes = get_scheme("aami5").classes
    pred = predicted_labels(p, 0.5)
    out = {f"{prefix}binary_balanced_accuracy": float(balanced_accuracy_score(
        y > 0, 1.0 - p[:, 0] >= threshold))}
    per_class = class_scores(y, pred, classes).set_index("class")
    for c in ("S", "V"):
        out.update({f"{prefix}{c}_{m}": float(per_class.loc[c, m])
                    if per_class.loc[c, "n"] else np.nan for m in ("se", "ppv", "f1")})
    breakdown = ectopic_breakdown(meta["record"].to_numpy(), meta["sample"].to_numpy(), y,
                                  pred, classes).set_index("group")
    for group in S_GROUPS:
        if group in breakdown.index:
            out[f"{prefix}S_se {group}"] = float(breakdown.loc[group, "se"])
    if "without 232" in breakdown.index:
        out[f"{prefix}S_ppv without 232"] = float(breakdown.loc["without 232", "ppv"])
    return out


def ablation_row(table: BeatTable, config: TrainConfig, stress: BeatTable,
                 cv_folds: int) -> dict:
    """``config`` scored where it may be chosen: out of fold on its training patients
    (``cv_folds`` folds grouped by patient) and on the ``stress`` beats, each stress beat
    scored by the fold model that did not train on its patient. Holds the binary
    ``threshold`` chosen out of fold, :data:`~ecglib.training.selection.SELECTION_SCORE`, the
    :func:`scored` figures (names starting "DS1 " and "stress ") and :data:`CHOICE_SCORE`."""
    if config.labels != "aami5":
        raise ValueError(f"ablation_row: labels {config.labels!r}; the ablation scores the "
                         "AAMI classes (labels 'aami5')")
    pool = training_patients(table, config)
    # a hashed lookup: np.isin of ~50,000 patient names compares Python objects (6 s)
    if not stress.meta["patient"].isin(set(table.meta["patient"].iloc[pool])).any():
        raise ValueError("ablation_row: no stress beat comes from a training patient of "
                         f"the split {config.split!r}")
    both = cached_cross_validate(table, config, pool, cv_folds, stress=stress)
    return choice_row(table, pool, both[:pool.size], stress, both[pool.size:])


def choice_row(table: BeatTable, pool: np.ndarray, oof: np.ndarray, stress: BeatTable,
               on_stress: np.ndarray) -> dict:
    """:func:`ablation_row`'s figures from out-of-fold probabilities ``oof`` of the rows
    ``pool`` and ``on_stress`` of every stress beat (NaN where no fold scored it)."""
    seen = ~np.isnan(on_stress[:, 0])               # the stress beats of training patients
    y, y_stress = table.labels("aami5")[pool], stress.labels("aami5")[seen]
    threshold = choose_threshold(y > 0, 1.0 - oof[:, 0])
    ds1 = candidate_row("", y, oof, get_scheme("aami5").classes,
                        table.meta["patient"].to_numpy()[pool])
    row = {"threshold": threshold, SELECTION_SCORE: ds1[SELECTION_SCORE],
           **scored(table.meta.iloc[pool], y, oof, threshold, "DS1 "),
           **scored(stress.meta[seen], y_stress, on_stress[seen], threshold, "stress ")}
    row[CHOICE_SCORE] = float(np.mean([ds1[SELECTION_SCORE], row["stress S_f1"]]))
    return row


def held_out_row(table: BeatTable, config: TrainConfig, threshold: float) -> dict:
    """``config`` trained on all its training patients (the run cache) and scored once on
    the test patients: the :func:`scored` figures (names starting "DS2 ") at
    ``threshold``."""
    result = cached_run(table, config, verbose=0)
    return scored(table.meta.iloc[result.split.test], result.y_test, result.test_proba,
                  threshold, "DS2 ")
