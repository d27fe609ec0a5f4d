"""Does the detector chosen on MLII work in another lead, and does training on both help?

Inside the training patients only (MIT-BIH DS1, the folds of ``ecglib.training.selection``): each
fold's model trains on the other folds' patients and predicts its held-out patients twice,
in MLII (``mitdb``) and in their other lead (``mitdb_v``: V1 in most records), the same
reference beats. It does so for a run's configuration as it is and with
``--other-lead mitdb_v`` (every training beat also as the other lead recorded it,
``ecglib.data.leads``), and prints the out-of-fold scores of each on each lead, with the selection
score (every patient alike within a class). The test patients (DS2) are not read.
The configuration is a run's (``params.json``), e.g. the book's choice:

    ecglib train --data mitdb --model vote_rr_tpl --labels aami5 --split interpatient \\
        --class-weight --patient-weight 0.5 --out RUN
    python benchmarks/other_lead.py --run RUN [--cv-folds 5] [--out FILE.json]
"""
from __future__ import annotations

import argparse
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from ecglib.beats.labels import get_scheme
from ecglib.core.atomic import atomic_write_json
from ecglib.data.build import build_table
from ecglib.data.leads import with_other_lead
from ecglib.models import get_model_spec
from ecglib.training.runs import read_params, run_config
from ecglib.training.selection import (
    SELECTION_SCORE,
    candidate_row,
    patient_folds,
    training_patients,
)
from ecglib.training.trainer import fit_rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--run", type=Path, required=True, help="a run folder (ecglib train)")
    ap.add_argument("--cv-folds", type=int, default=5)
    ap.add_argument("--out", type=Path, default=None, help="results JSON")
    args = ap.parse_args()
    t0 = time.perf_counter()
    chosen = replace(run_config(args.run, read_params(args.run)), other_lead=None)
    table = build_table("mitdb", progress=False)
    rows = training_patients(table, chosen)
    table = with_other_lead(table, "mitdb_v")
    both, twin = table.twins.both, table.twins.twin
    rows = rows[twin[rows] >= 0]                 # beats seen in both leads
    classes = get_scheme(chosen.labels).classes
    y, y_both = table.labels(chosen.labels), both.labels(chosen.labels)
    patients = table.meta["patient"].to_numpy()[rows]
    print(f"{rows.size:,} training-patient beats in both leads", flush=True)
    scores = []
    for name, config in (("trained on MLII", chosen),
                         ("trained on MLII + other lead", replace(chosen, other_lead="mitdb_v"))):
        start = time.perf_counter()
        proba = {"MLII": np.zeros((rows.size, len(classes))),
                 "other lead": np.zeros((rows.size, len(classes)))}
        for train_rows, val_rows, held in patient_folds(table, config, rows, args.cv_folds,
                                                        progress=False):
            model = get_model_spec(config.model).create(n_classes=len(classes), seed=config.seed)
            fit_rows(model, table, y, train_rows, val_rows, config, verbose=0)
            for lead, at in (("MLII", rows[held]), ("other lead", twin[rows[held]])):
                proba[lead][held] = model.predict_proba(both.X[at], both.features(at))
        for lead, p in proba.items():
            truth = y if lead == "MLII" else y_both
            at = rows if lead == "MLII" else twin[rows]
            scores.append({**candidate_row(name, truth[at], p, classes, patients),
                           "scored on": lead, "seconds": time.perf_counter() - start})
        print(f"{name}: {time.perf_counter() - start:.0f} s", flush=True)
    frame = pd.DataFrame(scores)
    show = ["candidate", "scored on", "N_se", "S_se", "S_ppv", "S_f1", "V_se", "V_ppv", "V_f1",
            "score", SELECTION_SCORE]
    print(frame[show].round(3).to_string(index=False))
    print(f"total {time.perf_counter() - t0:.0f} s")
    if args.out is not None:
        atomic_write_json(args.out, {"config": chosen.model, "folds": args.cv_folds,
                                     "beats": int(rows.size),
                                     "scores": frame[show].to_dict(orient="records")})


if __name__ == "__main__":
    main()
