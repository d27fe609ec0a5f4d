"""Training on the rhythm stress set: does a model that also learns from the training
patients' re-timed beats (``ecglib.data.stress``) find more S beats on new patients?

    python benchmarks/stress_training.py [--row LABEL] [--profile default] [--out FILE]

For one row of the ablation (``ecglib.evaluation.ablation.ABLATION``; default: the row
``benchmarks/new_patients.py --ablation`` chooses) two ways, which differ in one thing:

- *real beats*: each fold's model trains on its training patients' beats, as in the
  ablation;
- *real + stress beats*: the same plus those patients' stress beats (never a held-out
  patient's).

Both are scored out of fold on the held-out patients' DS1 beats (the ablation's DS1
score) and on their stress beats. That stress score flatters the augmented model: it
trained on the same simulation, other patients' copies of it. So each stress beat is also
scored by fold models that trained on no beat of its scenario ("scenario left out": five
times the folds). Then each is trained on all training patients and tested once on DS2,
in columns that choose nothing. Prints one table and
writes it as JSON with ``--out``.
"""
from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from ecglib.beats.labels import get_scheme
from ecglib.book.profiles import resolve_params
from ecglib.core.atomic import atomic_write_json
from ecglib.core.seed import set_seed
from ecglib.data.beattable import BeatTable
from ecglib.data.loading import load
from ecglib.data.stress import stress_for
from ecglib.evaluation.ablation import ABLATION, choice_row, scored
from ecglib.models import get_model_spec
from ecglib.training.config import CONFIG_FIELDS, TrainConfig
from ecglib.training.selection import SELECTION_SCORE, patient_folds, training_patients
from ecglib.training.splits import make_split
from ecglib.training.trainer import fit_rows, split_params

#: the row the ablation chose last (benchmarks/new_patients.py --ablation)
DEFAULT_ROW = "only sinus + irregularity, relative shape"


def with_stress(table: BeatTable, stress: BeatTable) -> BeatTable:
    """``table``'s beats followed by ``stress``'s (their shared meta columns), one table."""
    columns = [c for c in table.meta.columns if c in stress.meta.columns]
    return BeatTable(np.concatenate([table.X, stress.X]),
                     pd.concat([table.meta[columns], stress.meta[columns]],
                               ignore_index=True), table.source, table.synthetic)


def _fit(both: BeatTable, n_real: int, scenarios: np.ndarray, config: TrainConfig,
         rows: np.ndarray, val_rows: np.ndarray, trained: frozenset[str]):
    """``config``'s model fitted on ``rows`` of ``both`` and on the stress beats (rows
    ``n_real`` on, of scenario ``scenarios``) of the same patients whose scenario is in
    ``trained`` (none: the real beats alone)."""
    patients = both.meta["patient"].to_numpy()
    stress_rows = n_real + np.flatnonzero(np.isin(patients[n_real:], np.unique(patients[rows]))
                                          & np.isin(scenarios, list(trained)))
    model = get_model_spec(config.model).create(
        n_classes=get_scheme(config.labels).n_classes, seed=config.seed)
    fit_rows(model, both, both.labels(config.labels), np.concatenate([rows, stress_rows]),
             val_rows, config, verbose=0)
    return model


def out_of_fold(table: BeatTable, stress: BeatTable, config: TrainConfig, rows: np.ndarray,
                folds: int, trained: frozenset[str]) -> tuple[np.ndarray, np.ndarray]:
    """Probabilities for ``rows`` and for every stress beat of their patients (NaN for
    others), each from the fold model that did not train on its patient; the fold models
    also train on their patients' stress beats of the scenarios ``trained``."""
    both, n_real = with_stress(table, stress), len(table)
    scenarios = stress.meta["scenario"].to_numpy()
    patients = table.meta["patient"].to_numpy()
    stress_patients = stress.meta["patient"].to_numpy()
    oof, on_stress = None, None
    for train_rows, val_rows, te in patient_folds(table, config, rows, folds):
        model = _fit(both, n_real, scenarios, config, train_rows, val_rows, trained)
        p = model.predict_proba(table.X[rows[te]], table.features(rows[te]))
        if oof is None:
            oof = np.zeros((rows.size, p.shape[1]))
            on_stress = np.full((len(stress), p.shape[1]), np.nan)
        oof[te] = p
        mine = np.flatnonzero(np.isin(stress_patients, np.unique(patients[rows[te]])))
        if mine.size:
            on_stress[mine] = model.predict_proba(stress.X[mine], stress.features(mine))
    return oof, on_stress


def scenario_left_out(table: BeatTable, stress: BeatTable, config: TrainConfig,
                      rows: np.ndarray, folds: int, trained: frozenset[str]) -> np.ndarray:
    """Like :func:`out_of_fold`'s stress probabilities, but each stress beat scored by fold
    models that trained on no beat of its scenario either (the others of ``trained``): a
    stress score that training on the simulation does not flatter."""
    scenarios = stress.meta["scenario"].to_numpy()
    fair = np.full((len(stress), get_scheme(config.labels).n_classes), np.nan)
    for name in trained:
        _, held = out_of_fold(table, stress, config, rows, folds, trained - {name})
        fair[scenarios == name] = held[scenarios == name]
    return fair


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--row", default=DEFAULT_ROW, help=f"ablation row (default {DEFAULT_ROW!r})")
    ap.add_argument("--profile", default="default", help="the book profile whose settings "
                    "every fit takes (default: the book's)")
    ap.add_argument("--out", type=Path, default=None, help="the table as JSON")
    args = ap.parse_args()
    if args.row not in ABLATION:
        ap.error(f"--row: no ablation row {args.row!r}; rows: {list(ABLATION)}")
    params = resolve_params(args.profile)
    table = load("mitdb")
    base = TrainConfig(**{**{k: v for k, v in params.items() if k in CONFIG_FIELDS},
                          "labels": "aami5", "split": "interpatient"})
    config = replace(base, **ABLATION[args.row])
    pool = training_patients(table, config)
    stress = stress_for(table, pool)
    y, y_stress = table.labels("aami5"), stress.labels("aami5")
    split = make_split(config.split, table.meta, y, split_params(table, config))
    both = with_stress(table, stress)
    rows = []
    every = frozenset(stress.meta["scenario"].unique())
    for augment in (False, True):
        trained = every if augment else frozenset()
        oof, on_stress = out_of_fold(table, stress, config, pool, params["cv_folds"], trained)
        fair = (scenario_left_out(table, stress, config, pool, params["cv_folds"], trained)
                if augment else on_stress)
        seen = ~np.isnan(on_stress[:, 0])
        row = {"training": "real + stress beats" if augment else "real beats",
               **choice_row(table, pool, oof, stress, on_stress)}
        threshold = row["threshold"]
        row.update(scored(stress.meta[seen], y_stress[seen], fair[seen], threshold,
                          "stress, scenario left out "))
        set_seed(config.seed)
        model = _fit(both, len(table), stress.meta["scenario"].to_numpy(), config,
                     split.train, split.val, trained)
        test = split.test
        row.update(scored(table.meta.iloc[test], y[test],
                          model.predict_proba(table.X[test], table.features(test)),
                          threshold, "DS2 "))     # chooses nothing
        rows.append(row)
        print(f"  {row['training']}: DS1 {row[SELECTION_SCORE]:.3f}, stress S F1 "
              f"{row['stress S_f1']:.3f} ({row['stress, scenario left out S_f1']:.3f} with "
              f"its scenario left out), DS2 S F1 {row['DS2 S_f1']:.3f}", flush=True)
    frame = pd.DataFrame(rows).set_index("training")
    print(f"{args.row} ({config.model}), profile {args.profile}: trained on the training "
          f"patients' real beats, and on those plus their {len(stress):,} stress beats "
          f"(DS1 out of fold and stress: the held-out patients; DS2: chooses nothing):")
    print(frame.T.round(3).to_string())
    if args.out is not None:
        atomic_write_json(args.out, {"row": args.row, "model": config.model,
                                     "rows": frame.reset_index().to_dict(orient="records")})
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
