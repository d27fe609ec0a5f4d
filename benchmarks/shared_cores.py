"""What two processes side by side do to a gradient-boosting cross-validation, with and
without :func:`ecglib.core.threads.shared_cores_env` (one process's share of the cores).

    python benchmarks/shared_cores.py [--model gbm] [--repeats 1]

A chapter of a book built with ``--jobs 2``, or a test worker of ``make test``, runs beside
another process that keeps the cores busy. This times the 2-fold patient-grouped
cross-validation of ``--model`` on the training patients' beats (profile ``fast`` sizes) in
a fresh process: alone; beside a process that keeps every core busy, each with the
libraries' own thread count (one per core); and beside a process that keeps its share of the
cores busy, with the shared setting. It prints one row per condition.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

CHILD = """
import json, time
from ecglib.book.profiles import resolve_params
from ecglib.data.loading import load
from ecglib.training.config import CONFIG_FIELDS, TrainConfig
from ecglib.training.selection import cross_validate, training_patients

table = load("auto")
params = {k: v for k, v in resolve_params("fast").items() if k in CONFIG_FIELDS}
config = TrainConfig(**{**params, "model": MODEL, "labels": "aami5",
                        "split": "interpatient"})
rows = training_patients(table, config)
start = time.perf_counter()
cross_validate(table, config, rows, 2, progress=False)
print(json.dumps({"seconds": time.perf_counter() - start}))
"""


def timed(model: str, env: dict[str, str]) -> float:
    """Seconds of the cross-validation in a fresh process with ``env`` added."""
    out = subprocess.run([sys.executable, "-c", CHILD.replace("MODEL", repr(model))],
                         env={**os.environ, **env}, capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])["seconds"]


def main(argv: list[str] | None = None) -> None:
    import pandas as pd

    from ecglib.core.threads import THREAD_VARIABLES, available_cores, shared_cores_env

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="gbm")
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args(argv)
    own = {name: os.environ[name] for name in THREAD_VARIABLES if name in os.environ}
    if own:
        sys.exit(f"unset {', '.join(own)} first: this compares the libraries' own thread "
                 f"counts with ecglib's shared setting")
    cores = available_cores()
    shared = shared_cores_env(2, cores)
    share = int(shared["OMP_NUM_THREADS"])
    conditions = [("alone", 0, {}),
                  (f"beside {cores} busy threads, own threads", cores, {}),
                  (f"beside {cores - share} busy thread(s), {share} thread(s) each",
                   cores - share, shared)]
    rows = []
    for name, busy, env in conditions:
        burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"])
                   for _ in range(busy)]
        try:
            times = [timed(args.model, env) for _ in range(args.repeats)]
        finally:
            for b in burners:
                b.kill()
                b.wait()
        rows.append({"condition": name, "seconds": min(times)})
        print(f"{name}: {min(times):.1f} s", flush=True)
    frame = pd.DataFrame(rows)
    frame["times alone"] = frame["seconds"] / frame["seconds"].iloc[0]
    print(f"\n{args.model} 2-fold cross-validation, {cores} cores, "
          f"min of {args.repeats} run(s)")
    print(frame.round(2).to_string(index=False))


if __name__ == "__main__":
    main()
