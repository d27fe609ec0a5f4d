"""Choosing a model for new patients without touching the test patients.

Every choice (model, class weights, hyper-parameters) is made by cross-validation grouped
by patient *inside the training patients* of the inter-patient split (MIT-BIH: DS1 without
record 201, whose patient is in DS2): each fold trains on some patients and predicts
patients it never saw. The test patients (DS2) are used once, by the chosen model.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
import pandas as pd
from sklearn.model_selection import GroupKFold, GroupShuffleSplit
from tqdm.auto import tqdm

from ..beats.labels import get_scheme
from ..core.seed import set_seed
from ..data.beattable import BeatTable
from ..metrics.scores import class_scores, predicted_labels
from ..models import get_model_spec
from .config import TrainConfig
from .splits import PATIENT_VAL_SIZE, make_split
from .trainer import fit_rows, refit_rows, split_params, subsample
from .weights import patient_weights


def training_patients(table: BeatTable, config: TrainConfig) -> np.ndarray:
    """Rows of the training side (train + validation) of ``config``'s split."""
    y = table.labels(config.labels)
    split = make_split(config.split, table.meta, y, split_params(table, config))
    return np.sort(np.concatenate([split.train, split.val]))


def patient_folds(table: BeatTable, config: TrainConfig, rows: np.ndarray, cv_folds: int = 5,
                  progress: bool = True) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """``cv_folds`` folds of ``rows`` grouped by patient, each as (training rows, early-stopping
    rows, held-out positions in ``rows``): the training side is the other folds' patients (at
    most ``config.subset`` beats), a patient-grouped part of them (``config.val_size``, else
    :data:`ecglib.training.splits.PATIENT_VAL_SIZE`) held out for early stopping.
    Seeds every fold (``config.seed`` + fold)."""
    y = table.labels(config.labels)
    patients = table.meta["patient"].to_numpy()[rows]
    for k, (tr, te) in enumerate(tqdm(list(GroupKFold(cv_folds).split(rows, groups=patients)),
                                      desc=f"{config.model} folds", disable=not progress)):
        set_seed(config.seed + k)
        if np.unique(patients[tr]).size < 2:
            raise ValueError(f"cross-validation: fold {k + 1} of {cv_folds} trains on "
                             f"{np.unique(patients[tr]).size} patient(s); at least 2 are needed "
                             f"(one held out for early stopping): use fewer cv_folds")
        fit, val = next(GroupShuffleSplit(
            1, test_size=config.val_size or PATIENT_VAL_SIZE, random_state=config.seed).split(
            tr, groups=patients[tr]))
        train_rows = subsample(np.sort(rows[tr][fit]), y, config.subset, config.seed)
        yield train_rows, rows[tr][val], te


def cross_validate(table: BeatTable, config: TrainConfig, rows: np.ndarray,
                   cv_folds: int = 5, progress: bool = True,
                   stress: BeatTable | None = None) -> np.ndarray:
    """Out-of-fold probabilities for ``rows`` (:func:`patient_folds`): each fold's model
    trains on the other folds' patients and predicts its own.

    With ``stress`` (simulated beats of some of the same patients,
    :func:`ecglib.data.stress.stress_table`), its beats follow the rows' in the result,
    each predicted by the fold model that did not train on its patient (NaN for a patient
    outside ``rows``); no stress beat is ever trained on."""
    y = table.labels(config.labels)
    out: np.ndarray | None = None
    extra: np.ndarray | None = None
    patients = table.meta["patient"].to_numpy()[rows]
    for train_rows, val_rows, te in patient_folds(table, config, rows, cv_folds, progress):
        model = get_model_spec(config.model).create(
            n_classes=get_scheme(config.labels).n_classes, seed=config.seed)
        fit_rows(model, table, y, train_rows, val_rows, config, verbose=0)
        refit_rows(model, table, y, train_rows, val_rows, config)
        p = model.predict_proba(table.X[rows[te]], table.features(rows[te]))
        if out is None:
            out = np.zeros((rows.size,) + p.shape[1:], dtype=np.float64)
            extra = (np.full((len(stress),) + p.shape[1:], np.nan) if stress is not None
                     else None)
        out[te] = p
        if stress is not None:
            mine = np.flatnonzero(np.isin(stress.meta["patient"].to_numpy(),
                                          np.unique(patients[te])))
            if mine.size:
                extra[mine] = model.predict_proba(stress.X[mine], stress.features(mine))
    return out if stress is None else np.concatenate([out, extra])


#: the column every choice is made on: the mean F1 of S and V with every training patient
#: counting alike within each class (:func:`candidate_row`)
SELECTION_SCORE = "score_patients"


def candidate_row(name: str, y: np.ndarray, p: np.ndarray, classes: tuple[str, ...],
                  patients: np.ndarray | None = None) -> dict:
    """One candidate's out-of-fold scores: Se, +P and F1 per class over the pooled beats,
    and ``score``, the mean F1 of classes S and V. With ``patients`` (one id per beat), also
    ``score_patients``: the same mean F1 with every patient counting alike within each class
    (each beat weighted by :func:`ecglib.training.weights.patient_weights` at power 1: a class's Se
    is the mean of its patients' Se, the classes keep their sizes), so one patient who holds
    most beats of a class does not decide the score."""
    row = {"candidate": name}
    pred = predicted_labels(p, 0.5)
    for s in class_scores(y, pred, classes).itertuples():
        row.update({f"{s[1]}_se": s.se, f"{s[1]}_ppv": s.ppv, f"{s[1]}_f1": s.f1})
    row["score"] = float(np.mean([row.get("S_f1", np.nan), row.get("V_f1", np.nan)]))
    if patients is not None:
        even = class_scores(y, pred, classes, sample_weight=patient_weights(y, patients, 1.0))
        f1 = dict(zip(even["class"], even["f1"]))
        row["score_patients"] = float(np.mean([f1.get("S", np.nan), f1.get("V", np.nan)]))
    return row


def compare_candidates(table: BeatTable, candidates: dict[str, TrainConfig], cv_folds: int = 5,
                       progress: bool = True, validate: Callable | None = None
                       ) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Cross-validate every candidate on the training patients; one row per candidate
    (:func:`candidate_row`), and the out-of-fold probabilities of each. ``validate``
    replaces :func:`cross_validate` (same arguments), e.g. by its cached form
    (:func:`ecglib.training.runcache.cached_cross_validate`)."""
    rows = training_patients(table, next(iter(candidates.values())))
    patients = table.meta["patient"].to_numpy()[rows]
    validate = validate or cross_validate
    probas = {name: validate(table, cfg, rows, cv_folds, progress)
              for name, cfg in candidates.items()}
    return pd.DataFrame([candidate_row(name, table.labels(cfg.labels)[rows], probas[name],
                                       get_scheme(cfg.labels).classes, patients)
                         for name, cfg in candidates.items()]), probas


def vote_weights(y: np.ndarray, first: np.ndarray, second: np.ndarray,
                 classes: tuple[str, ...],
                 weights: tuple[float, ...] = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9),
                 patients: np.ndarray | None = None) -> pd.DataFrame:
    """How a soft vote ``w x first + (1 - w) x second`` of two candidates' out-of-fold
    probabilities would score for each weight ``w`` (:func:`candidate_row`); the members
    of a vote train as they do alone, so this is the vote's own out-of-fold score."""
    return pd.DataFrame([{**candidate_row(f"{w:g}", y, w * first + (1 - w) * second,
                                          classes, patients), "weight": w} for w in weights])
