"""Train / validation / test splits, and a leakage report between any two parts.

- ``random``: stratified by class over beats (the seed's and Kaggle's protocol). Beats of one
  patient land in train *and* test, which inflates scores.
- ``interpatient``: de Chazal et al. (2004) DS1 (train) -> DS2 (test) for MIT-BIH; for other
  sources the records are split in two halves by a seeded shuffle. Validation records are
  taken from the training records only.
- ``group_kfold``: k folds grouped by record.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.model_selection import GroupKFold, GroupShuffleSplit, train_test_split

from .records import DS1, DS2

SPLITS = ("random", "interpatient")


@dataclass(frozen=True)
class Split:
    """Row indices of the three parts of a beat table."""

    name: str
    train: np.ndarray
    val: np.ndarray
    test: np.ndarray

    def sizes(self) -> dict[str, int]:
        return {"train": int(self.train.size), "val": int(self.val.size),
                "test": int(self.test.size)}


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


def interpatient_records(meta: pd.DataFrame, seed: int = 0) -> tuple[list[str], list[str]]:
    """(train records, test records): DS1/DS2 when the table is MIT-BIH, else two halves."""
    records = sorted(meta["record"].unique())
    if "unknown" in records:
        raise ValueError("an inter-patient split needs each beat's record; these beats have "
                         "none (Kaggle files): build the data with 'ecglib data build'")
    if set(DS1 + DS2) & set(records):
        return [r for r in DS1 if r in records], [r for r in DS2 if r in records]
    shuffled = list(np.random.default_rng(seed).permutation(records))
    half = len(shuffled) // 2
    return sorted(shuffled[:half]), sorted(shuffled[half:])


def interpatient_split(meta: pd.DataFrame, val_size: float = 0.15, seed: int = 0,
                       train_records: list[str] | None = None,
                       test_records: list[str] | None = None) -> Split:
    """Train and test on disjoint records; validation = some whole training records."""
    if train_records is None or test_records is None:
        train_records, test_records = interpatient_records(meta, seed)
    overlap = set(train_records) & set(test_records)
    if overlap:
        raise ValueError(f"train and test records overlap: {sorted(overlap)}")
    rec = meta["record"].to_numpy()
    pool = np.flatnonzero(np.isin(rec, train_records))
    test = np.flatnonzero(np.isin(rec, test_records))
    if pool.size == 0 or test.size == 0:
        raise ValueError("interpatient split: no beats in the train or test records")
    gss = GroupShuffleSplit(n_splits=1, test_size=val_size, random_state=seed)
    tr, va = next(gss.split(pool, groups=rec[pool]))
    return Split("interpatient", np.sort(pool[tr]), np.sort(pool[va]), test)


def make_split(name: str, meta: pd.DataFrame, y: np.ndarray, seed: int = 0) -> Split:
    """The split called ``name`` ("random" or "interpatient")."""
    if name == "random":
        return random_split(y, seed=seed)
    if name == "interpatient":
        return interpatient_split(meta, seed=seed)
    raise ValueError(f"unknown split {name!r}; choose one of {list(SPLITS)}")


def group_kfold(meta: pd.DataFrame, k: int = 5) -> list[tuple[np.ndarray, np.ndarray]]:
    """``k`` (train, test) index pairs with every record in exactly one test fold."""
    groups = meta["record"].to_numpy()
    if len(np.unique(groups)) < k:
        raise ValueError(f"group_kfold: {len(np.unique(groups))} records, fewer than k={k}")
    return list(GroupKFold(n_splits=k).split(np.zeros(len(groups)), groups=groups))


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
