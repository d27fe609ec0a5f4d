"""How a trained model transfers: run it on every annotated beat of a whole other database
(beats cut by the same extraction, resampled to 125 Hz) and score it per class and per
record against that database's reference annotations."""
from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from ..core.atomic import atomic_open
from ..data.build import build_table
from ..datasets import DATASETS, folder_dataset
from ..metrics.ectopy import ectopic_breakdown
from ..metrics.scores import class_scores, predicted_labels
from ..training.runcache import cached_predictions
from ..training.runs import read_params, run_model, run_scheme


def database_source(database: str | Path) -> tuple[str, Path | None]:
    """(registered dataset name, folder or None) for a dataset name or a WFDB folder."""
    if str(database) in DATASETS:
        return str(database), None
    return folder_dataset(database).name, Path(database)


class DatabaseScores(NamedTuple):
    """What :func:`evaluate_database` measures: Se, +P and F1 per class, the scores of each
    record, and (labels with class S) where the S beats are found, else None."""

    per_class: pd.DataFrame
    per_record: pd.DataFrame
    s_breakdown: pd.DataFrame | None


def evaluate_database(run_dir: str | Path, database: str | Path, out_dir: str | Path | None,
                      progress: bool = True, records: list[str] | None = None,
                      verify: bool = True) -> DatabaseScores:
    """Score run ``run_dir`` on every beat of ``database`` (of its ``records`` only, when
    given: e.g. the test patients of a run trained on the same people in another lead);
    write ``per_class.csv`` and ``per_record.csv`` into ``out_dir`` (when given), and for
    labels with class S ``s_breakdown.csv``
    (:func:`ecglib.metrics.ectopy.ectopic_breakdown`). The beat table and the model's
    predictions on it come from the caches when these records were scored before
    (:func:`ecglib.training.runcache.cached_predictions`)."""
    run = Path(run_dir)
    params = read_params(run, verify)
    scheme = run_scheme(run, params)
    source, folder = database_source(database)
    table = build_table(source, data_dir=folder, records=records, progress=progress)
    y = table.labels(scheme)
    p = cached_predictions(run / params["model_file"], lambda: run_model(run, params), table)
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
    breakdown = ectopic_breakdown(table.meta["record"].to_numpy(),
                                  table.meta["sample"].to_numpy(), y, pred,
                                  scheme.classes) if "S" in scheme.classes else None
    files = {"per_class.csv": per_class, "per_record.csv": per_record,
             "s_breakdown.csv": breakdown}
    if out_dir is not None:
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        for name, frame in ((n, f) for n, f in files.items() if f is not None):
            with atomic_open(out / name, "w", newline="\n") as fh:
                frame.to_csv(fh, index=False, lineterminator="\n", float_format="%.6g")
    return DatabaseScores(per_class, per_record, breakdown)
