"""What a few labelled minutes of each new patient buy: a run's configuration trained again
with the ``interpatient_adapt`` split and both scored on the same test beats.

``interpatient_adapt`` is the inter-patient split with the first 5 minutes of every test
record moved into training (the patient-adapting protocol of Hu et al. 1997, after the
AAMI recommended practice; de Chazal & Reilly 2006): it needs an expert to label those minutes for each new
patient, so its figures are not inter-patient results and are reported apart. Nothing is
chosen here: the configuration is the run's (e.g. the book's choice, made on DS1), only the
protocol changes. Both are scored on the beats after each test record's first 5 minutes.

    ecglib train --data mitdb --model vote_rr_tpl --labels aami5 --split interpatient \\
        --class-weight --patient-weight 0.5 --out RUN
    python benchmarks/patient_adapting.py --run RUN [--minutes 5] [--out FILE.json]
"""
from __future__ import annotations

import argparse
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from ecglib.core.atomic import atomic_write_json
from ecglib.data.build import build_table
from ecglib.evaluation.compare import found_by_record, scores_on_shared_beats
from ecglib.training.runs import load_run, read_params
from ecglib.training.trainer import train


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--run", type=Path, required=True, help="a run folder (ecglib train)")
    ap.add_argument("--minutes", type=float, default=5.0,
                    help="minutes labelled at the start of every test record")
    ap.add_argument("--out", type=Path, default=None, help="results JSON")
    args = ap.parse_args()
    t0 = time.perf_counter()
    table = build_table(read_params(args.run)["data"]["source"], progress=False)
    run = load_run(args.run, table)
    adapted = train(table, replace(run.config, split="interpatient_adapt",
                                   adapt_minutes=args.minutes), verbose=0)
    names = {f"inter-patient ({args.run.name})": run,
             f"first {args.minutes:g} min labelled": adapted}
    frame = scores_on_shared_beats(names)
    labelled = np.intersect1d(adapted.split.train, run.split.test)
    print(f"{run.config.model} on the {int(frame[('', 'n')].sum()):,} test beats after the "
          f"first {args.minutes:g} min of each test record; the adapted model also "
          f"trained on the {labelled.size:,} beats before")
    print(frame.round(3).to_string())
    per_record = found_by_record(names, table.meta, "S", labelled=labelled)
    print("\nS beats per test record (at least 10 tested): labelled, tested, share found and "
          "beats wrongly called S by each")
    print(per_record[per_record["S tested"] >= 10].sort_values("S tested", ascending=False)
          .round(2).to_string())
    print("beats wrongly called S: " + ", ".join(
        f"{name} {int(per_record[f'false S, {name}'].sum()):,}" for name in names))
    print(f"total {time.perf_counter() - t0:.0f} s")
    if args.out is not None:
        atomic_write_json(args.out, {
            "run": str(args.run), "model": run.config.model, "adapt_minutes": args.minutes,
            "adapt_beats": int(labelled.size), "test_beats": int(frame[("", "n")].sum()),
            "protocols": {name: frame[name].to_dict(orient="index") for name in names},
            "s_by_record": per_record[per_record["S tested"] > 0].reset_index()
            .to_dict(orient="records")})


if __name__ == "__main__":
    main()
