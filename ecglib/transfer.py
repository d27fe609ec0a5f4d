"""How a trained model transfers: run it on every annotated beat of a whole other database
(beats cut by the same extraction, resampled to 125 Hz) and score it per class and per
record against that database's reference annotations."""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import precision_recall_fscore_support

from .atomic import atomic_open
from .build import build_table
from .datasets import DATASETS, folder_dataset
from .metrics import predicted_labels
from .runs import read_params, run_model, run_scheme


def database_source(database: str | Path) -> tuple[str, Path | None]:
    """(registered dataset name, folder or None) for a dataset name or a WFDB folder."""
    if str(database) in DATASETS:
        return str(database), None
    return folder_dataset(database).name, Path(database)


def class_scores(y: np.ndarray, pred: np.ndarray, classes: tuple[str, ...],
                 zero_division: float = 0.0, sample_weight: np.ndarray | None = None
                 ) -> pd.DataFrame:
    """Per class: reference beats, sensitivity (Se), positive predictivity (+P) and F1
    (``zero_division`` where a class has no reference or no predicted beat; each beat
    weighted by ``sample_weight`` when given)."""
    labels = np.arange(len(classes))
    ppv, se, f1, _ = precision_recall_fscore_support(y, pred, labels=labels,
                                                     zero_division=zero_division,
                                                     sample_weight=sample_weight)
    n = np.bincount(np.asarray(y, dtype=np.int64), minlength=len(classes))[:len(classes)]
    return pd.DataFrame({"class": classes, "n": n.astype(int), "se": se, "ppv": ppv, "f1": f1})


def class_scores_ci(y: np.ndarray, pred: np.ndarray, classes: tuple[str, ...],
                    groups: np.ndarray, n_boot: int = 300, seed: int = 0) -> pd.DataFrame:
    """:func:`class_scores` with 95% intervals from resampling whole ``groups`` (records)."""
    point = class_scores(y, pred, classes)
    rng = np.random.default_rng(seed)
    uniq = np.unique(groups)
    members = [np.flatnonzero(groups == g) for g in uniq]
    boots = [class_scores(y[idx], pred[idx], classes, np.nan)[["se", "ppv", "f1"]].to_numpy()
             for idx in (np.concatenate([members[i] for i in rng.integers(0, len(uniq),
                                                                         len(uniq))])
                         for _ in range(n_boot))]
    if boots:
        with warnings.catch_warnings():     # a class absent from every resample: NaN
            warnings.simplefilter("ignore", RuntimeWarning)
            lo, hi = np.nanpercentile(np.stack(boots), [2.5, 97.5], axis=0)
        for j, m in enumerate(("se", "ppv", "f1")):
            point[f"{m}_low"], point[f"{m}_high"] = lo[:, j], hi[:, j]
    return point


def evaluate_database(run_dir: str | Path, database: str | Path, out_dir: str | Path | None,
                      progress: bool = True, records: list[str] | None = None
                      ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Score run ``run_dir`` on every beat of ``database`` (of its ``records`` only, when
    given: e.g. the test patients of a run trained on the same people in another lead);
    write ``per_class.csv`` and ``per_record.csv`` into ``out_dir`` (when given). Returns
    (per class, per record)."""
    run = Path(run_dir)
    params = read_params(run)
    model, scheme = run_model(run, params), run_scheme(run, params)
    source, folder = database_source(database)
    table = build_table(source, data_dir=folder, records=records, progress=progress)
    y = table.labels(scheme)
    rows = np.arange(len(table))
    p = model.predict_proba(table.X, table.rr(rows))
    pred = predicted_labels(p, float(params["threshold"]))
    per_class = class_scores(y, pred, scheme.classes)
    records = []
    for (record, patient), idx in table.meta.groupby(["record", "patient"], sort=True).indices.items():
        row = {"record": record, "patient": patient, "beats": int(idx.size),
               "accuracy": float((pred[idx] == y[idx]).mean())}
        for c, name in enumerate(scheme.classes):
            mine = idx[y[idx] == c]
            row[f"n_{name}"] = int(mine.size)
            row[f"se_{name}"] = float((pred[mine] == c).mean()) if mine.size else np.nan
        records.append(row)
    per_record = pd.DataFrame(records)
    if out_dir is not None:
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        for name, frame in (("per_class.csv", per_class), ("per_record.csv", per_record)):
            with atomic_open(out / name, "w", newline="\n") as fh:
                frame.to_csv(fh, index=False, lineterminator="\n", float_format="%.6g")
    return per_class, per_record
