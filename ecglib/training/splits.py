"""Train / validation / test splits as a registry, and a leakage report between two parts.

Every split is a :class:`SplitSpec` in :data:`SPLITS`: the CLI's ``--split`` choices, the
training code and the chapters read it from there. A :class:`Split` carries its grouping:
``"patient"`` splits keep every patient's beats on one side, and their confidence intervals
resample whole patients; ``None`` (beats) resamples beats.

- ``random``: stratified by class over beats (the seed's and Kaggle's protocol). Beats of one
  patient land in train *and* test, which inflates scores.
- ``interpatient``: the dataset's standard split when it has one (MIT-BIH: de Chazal et al.
  2004, DS1 -> DS2), else patients drawn at random (``test_size`` of them). A training
  record whose patient also has a test record is left out of training (MIT-BIH 201, whose
  patient is DS2's 202), so the standard test set stays whole.
- ``group_kfold``: fold ``fold`` of ``folds`` patient-grouped folds is the test part.
- ``interpatient_adapt``: ``interpatient`` with the first ``adapt_minutes`` (default 5)
  of every test record moved to training, the patient-adapting protocol (Hu et al. 1997,
  after the AAMI recommended practice; de Chazal & Reilly 2006): the test part is the rest
  of each test record. Test patients are on both sides by design, so its results are not
  inter-patient results and are reported apart; validation still holds whole training
  patients only.

Validation is always taken from the training part (whole patients for grouped splits).
Fractions (``test_size``, ``val_size``) are parameters; None means the split's default.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd
from sklearn.model_selection import GroupKFold, GroupShuffleSplit, train_test_split

from ..core.registry import Registry

#: the share of the training patients every patient-grouped split holds out, whole, for
#: validation (early stopping, the threshold), and model selection's folds too
#: (:func:`ecglib.training.selection.patient_folds`)
PATIENT_VAL_SIZE = 0.15


@dataclass(frozen=True)
class SplitParams:
    """What a split may use beyond the beats: seed, fractions, fold, the dataset's standard
    (train records, test records)."""

    seed: int = 0
    test_size: float | None = None
    val_size: float | None = None
    folds: int = 5
    fold: int = 0
    standard: tuple[tuple[str, ...], tuple[str, ...]] | None = None
    fs: float | None = None     #: the records' sampling rate (``meta["sample"]`` is in it)
    adapt_minutes: float = 5.0  #: minutes of each test record ``interpatient_adapt`` trains on


@dataclass(frozen=True)
class Split:
    """Row indices of the three parts of a beat table, and how they are grouped."""

    name: str
    train: np.ndarray
    val: np.ndarray
    test: np.ndarray
    #: meta column whose groups the intervals resample whole ("patient"; kept on one side of
    #: the split except by interpatient_adapt), or None (beats)
    group: str | None = None
    notes: tuple[str, ...] = field(default=())

    def sizes(self) -> dict[str, int]:
        return {"train": int(self.train.size), "val": int(self.val.size),
                "test": int(self.test.size)}

    def test_groups(self, meta: pd.DataFrame) -> np.ndarray | None:
        """The group of every test beat, for resampling whole groups (None: beats)."""
        return None if self.group is None else meta[self.group].to_numpy()[self.test]


@dataclass(frozen=True)
class SplitSpec:
    """A registered split: its maker, grouping and default fractions."""

    name: str
    make: Callable[[pd.DataFrame, np.ndarray, SplitParams], Split]
    group: str | None
    test_size: float
    val_size: float
    description: str


def random_split(y: np.ndarray, test_size: float = 0.2, val_size: float = 0.1,
                 seed: int = 0) -> Split:
    """Stratified beat-level split; ``val_size`` is a fraction of the training part."""
    idx = np.arange(len(y))
    try:
        train, test = train_test_split(idx, test_size=test_size, stratify=y, random_state=seed)
        train, val = train_test_split(train, test_size=val_size, stratify=y[train],
                                      random_state=seed)
    except ValueError as exc:
        counts = {int(c): int(n) for c, n in zip(*np.unique(y, return_counts=True))}
        raise ValueError(f"random split (test {test_size:g}, validation {val_size:g} of the "
                         f"rest) cannot be stratified on {len(y)} beats with class counts "
                         f"{counts}: it needs at least 2 beats of every class in each part, "
                         f"so about {int(np.ceil(2 / (1 - test_size) / val_size))} beats of "
                         f"the smallest class ({exc})") from None
    return Split("random", np.sort(train), np.sort(val), np.sort(test))


def _check_known(meta: pd.DataFrame) -> None:
    if "unknown" in set(meta["record"]):
        raise ValueError("a patient-grouped split needs each beat's record and patient; these "
                         "beats have none (Kaggle files): build the data with "
                         "'ecglib data build'")


def _with_validation(name: str, meta: pd.DataFrame, pool: np.ndarray, test: np.ndarray,
                     val_size: float, seed: int, notes: tuple[str, ...] = ()) -> Split:
    """Take whole patients of ``pool`` as validation; the rest is training."""
    if pool.size == 0 or test.size == 0:
        raise ValueError(f"{name} split: no beats in the training or test patients")
    patients = meta["patient"].to_numpy()
    if np.unique(patients[pool]).size < 2:
        raise ValueError(f"{name} split: {np.unique(patients[pool]).size} training patient(s); "
                         f"at least 2 are needed to hold whole patients out for validation "
                         f"(use more records, or a smaller test_size)")
    gss = GroupShuffleSplit(n_splits=1, test_size=val_size, random_state=seed)
    tr, va = next(gss.split(pool, groups=patients[pool]))
    return Split(name, np.sort(pool[tr]), np.sort(pool[va]), np.sort(test), "patient", notes)


def interpatient_records(meta: pd.DataFrame, params: SplitParams = SplitParams(),
                         test_size: float = 0.5) -> tuple[list[str], list[str]]:
    """(train records, test records): the dataset's standard split when its records are
    present, else whole patients drawn with ``params.seed`` (``test_size`` of them)."""
    _check_known(meta)
    records = sorted(meta["record"].unique())
    if params.standard and set(params.standard[0] + params.standard[1]) & set(records):
        return ([r for r in params.standard[0] if r in records],
                [r for r in params.standard[1] if r in records])
    patients = sorted(meta["patient"].unique())
    shuffled = list(np.random.default_rng(params.seed).permutation(patients))
    n_train = int(len(shuffled) * (1 - test_size))
    test_patients = set(shuffled[n_train:])
    by_record = meta.drop_duplicates("record").set_index("record")["patient"]
    return ([r for r in records if by_record[r] not in test_patients],
            [r for r in records if by_record[r] in test_patients])


def interpatient_split(meta: pd.DataFrame, y: np.ndarray | None = None,
                       params: SplitParams = SplitParams()) -> Split:
    """Train and test on disjoint patients; validation = whole training patients."""
    spec = SPLITS["interpatient"]
    train_records, test_records = interpatient_records(
        meta, params, params.test_size or spec.test_size)
    rec, patients = meta["record"].to_numpy(), meta["patient"].to_numpy()
    test = np.flatnonzero(np.isin(rec, test_records))
    test_patients = set(patients[test])
    shared = sorted({r for r in train_records
                     if set(patients[rec == r]) & test_patients})
    notes = (f"training record(s) {shared} left out: their patient has test records",) \
        if shared else ()
    pool = np.flatnonzero(np.isin(rec, train_records) & ~np.isin(patients, list(test_patients)))
    return _with_validation("interpatient", meta, pool, test,
                            params.val_size or spec.val_size, params.seed, notes)


def interpatient_adapt_split(meta: pd.DataFrame, y: np.ndarray | None = None,
                             params: SplitParams = SplitParams()) -> Split:
    """:func:`interpatient_split` whose training part also holds every test record's beats
    of its first ``params.adapt_minutes`` (R peak before it); the test part keeps the rest."""
    if params.fs is None:
        raise ValueError("interpatient_adapt split: the records' sampling rate is unknown, so "
                         "their first minutes cannot be found; build the beats from a "
                         "registered dataset (ecglib data build --source NAME)")
    base = interpatient_split(meta, y, params)
    early = meta["sample"].to_numpy()[base.test] < params.adapt_minutes * 60 * params.fs
    adapt, test = base.test[early], base.test[~early]
    if test.size == 0:
        raise ValueError(f"interpatient_adapt split: no test record lasts longer than "
                         f"{params.adapt_minutes:g} min, so no beat is left to test")
    notes = base.notes + (f"patient-adapting: the first {params.adapt_minutes:g} minutes of "
                          f"every test record ({adapt.size} beats) train too; the test part "
                          f"is the rest of each record",)
    return Split("interpatient_adapt", np.sort(np.r_[base.train, adapt]), base.val, test,
                 "patient", notes)


def group_kfold(meta: pd.DataFrame, k: int = 5) -> list[tuple[np.ndarray, np.ndarray]]:
    """``k`` (train, test) index pairs with every patient in exactly one test fold."""
    _check_known(meta)
    groups = meta["patient"].to_numpy()
    if len(np.unique(groups)) < k:
        raise ValueError(f"group_kfold: {len(np.unique(groups))} patients, fewer than k={k}")
    return list(GroupKFold(n_splits=k).split(np.zeros(len(groups)), groups=groups))


def group_kfold_split(meta: pd.DataFrame, y: np.ndarray | None = None,
                      params: SplitParams = SplitParams()) -> Split:
    """Fold ``params.fold`` of :func:`group_kfold` as the test part."""
    if not 0 <= params.fold < params.folds:
        raise ValueError(f"fold must be in 0..{params.folds - 1}, got {params.fold}")
    pool, test = group_kfold(meta, params.folds)[params.fold]
    return _with_validation("group_kfold", meta, pool, test,
                            params.val_size or SPLITS["group_kfold"].val_size, params.seed)


def _random(meta: pd.DataFrame, y: np.ndarray, params: SplitParams) -> Split:
    spec = SPLITS["random"]
    return random_split(y, params.test_size or spec.test_size, params.val_size or spec.val_size,
                        params.seed)


#: every registered split, by name
SPLITS: Registry[SplitSpec] = Registry("split")


def register_split(spec: SplitSpec) -> SplitSpec:
    """Add a split to the registry (the CLI, training and chapters read it from there)."""
    return SPLITS.register(spec.name, spec)


register_split(SplitSpec("random", _random, None, 0.2, 0.1,
                         "beats at random, stratified by class (the seed's protocol; leaks "
                         "patients)"))
register_split(SplitSpec("interpatient", interpatient_split, "patient", 0.5, PATIENT_VAL_SIZE,
                         "disjoint patients: the dataset's standard split (MIT-BIH DS1 -> DS2)"))
register_split(SplitSpec("interpatient_adapt", interpatient_adapt_split, "patient", 0.5,
                         PATIENT_VAL_SIZE,
                         "interpatient, plus the first --adapt-minutes (5) of every test "
                         "record in training (patient-adapting; not an inter-patient result)"))
register_split(SplitSpec("group_kfold", group_kfold_split, "patient", 0.2, PATIENT_VAL_SIZE,
                         "fold FOLD of FOLDS patient-grouped folds as the test part"))


#: the registered split ``name``, or an UnknownNameError listing the known ones
get_split = SPLITS.get


def make_split(name: str, meta: pd.DataFrame, y: np.ndarray,
               params: SplitParams = SplitParams()) -> Split:
    """The split called ``name`` of a beat table (``meta``, labels ``y``)."""
    return get_split(name).make(meta, y, params)


def shared_records(meta: pd.DataFrame, a: np.ndarray, b: np.ndarray) -> int:
    """How many records have beats in both parts ``a`` and ``b``."""
    return int((leakage(meta, a, b)["level"] == "record").sum())


def leakage(meta: pd.DataFrame, a: np.ndarray, b: np.ndarray) -> pd.DataFrame:
    """Records and patients present in both parts ``a`` and ``b``, with beat counts."""
    rows = []
    for col in ("record", "patient"):
        in_a = meta[col].iloc[a].value_counts()
        in_b = meta[col].iloc[b].value_counts()
        for key in sorted(set(in_a.index) & set(in_b.index)):
            rows.append({"level": col, "id": key, "beats_a": int(in_a[key]),
                         "beats_b": int(in_b[key])})
    return pd.DataFrame(rows, columns=["level", "id", "beats_a", "beats_b"])
