"""Where the time of ``ecglib predict --record`` goes, on this machine.

0. With a scikit-learn model (``--sklearn-model``, trained here on synthetic beats): the wall
   time of the whole command on one record beside ``python -c pass`` in the same run, and
   whether Keras was imported on the way (it must not be: importing it takes seconds).
1. Start-up, measured from outside: ``ecglib predict`` on one record, then on N records in one
   call (the model is loaded once), as whole commands; and the import + model-load time alone.
2. After start-up, per 30-minute MIT-BIH record: read, R-peak detection, cut, classify,
   averaged over the records (``Predictor.record`` timings).
3. Detection alone: GQRS at the record's 360 Hz (the old default) against GQRS on the lead
   resampled to 125 Hz (the current one), time and sensitivity against the reference beats.

    python benchmarks/bench_predict.py [--sklearn-model gbm_rr_tpl] [--records 100 208 ...]

A seed model with random weights is used (speed does not depend on the weights); a trained
run's model can be given with ``--model-file RUN/model.keras``.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from ecglib.beats.peaks import detect_r_peaks
from ecglib.beats.records import read_wfdb_record
from ecglib.data.build import build_table
from ecglib.datasets import get_dataset
from ecglib.evaluation.predict import MATCH_WINDOW_S, Predictor, match_beats
from ecglib.training.config import TrainConfig
from ecglib.training.trainer import train

ECGLIB = str(Path(sys.executable).with_name("ecglib"))


def _timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    return time.perf_counter() - start


def sklearn_startup(model: str, record: Path, tmp: Path) -> None:
    """Part 0: ``ecglib predict --record`` with a scikit-learn model, next to ``python``."""
    run = tmp / "sk_run"
    train(build_table("synthetic", n_synthetic=6, progress=False),
          TrainConfig(model=model, labels="aami5", split="interpatient"), out_dir=run,
          verbose=0)
    model_file = next(run.glob("model.*"))
    python = min(_timed([sys.executable, "-c", "pass"]) for _ in range(3))
    command = [ECGLIB, "predict", "--force", "--model", str(model_file), "--out",
               str(tmp / "sk.csv"),
               "--record", str(record)]
    wall = min(_timed(command) for _ in range(3))
    probe = subprocess.run(
        [sys.executable, "-c", "import sys; from ecglib.cli import main; main(sys.argv[1:]); "
         "print('keras' in sys.modules, 'tensorflow' in sys.modules)", *command[1:]],
        check=True, capture_output=True, text=True).stdout.split()[-2:]
    print(f"`ecglib predict --record {record.name}` with {model} ({model_file.name}): "
          f"{wall:.2f} s wall (best of 3) beside `python -c pass` {python:.2f} s; "
          f"Keras imported: {probe[0]}, TensorFlow imported: {probe[1]}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model-file", type=Path, default=None)
    ap.add_argument("--sklearn-model", default="gbm_rr_tpl")
    ap.add_argument("--records", nargs="+", default=["100", "208", "233", "119", "203"])
    args = ap.parse_args()
    db = get_dataset("mitdb").locate()
    paths = [db / r for r in args.records]
    with tempfile.TemporaryDirectory() as tmp:
        sklearn_startup(args.sklearn_model, paths[0], Path(tmp))
        model_file = args.model_file
        if model_file is None:             # a seed run folder: one epoch on synthetic beats
            train(build_table("synthetic", n_synthetic=2, progress=False),
                  TrainConfig(epochs=1, subset=300), out_dir=Path(tmp) / "run", verbose=0)
            model_file = Path(tmp) / "run" / "model.keras"
        out = str(Path(tmp) / "p.csv")
        base = [ECGLIB, "predict", "--force", "--model", str(model_file), "--out", out,
                "--record"]
        load = _timed([sys.executable, "-c", "import sys; from ecglib.evaluation.predict "
                       "import Predictor; Predictor(sys.argv[1])", str(model_file)])
        one = _timed(base + [str(paths[0])])
        many = _timed(base + [str(p) for p in paths])
        predictor = Predictor(model_file)
        rows, det = [], []
        for path in paths:
            result = predictor.record(path)
            rows.append(dict(record=path.name, beats=len(result.preds), **result.seconds))
            rec = read_wfdb_record(path)
            ref = rec.reference_beats()[0]
            start = time.perf_counter()
            old = detect_r_peaks(rec.signal, rec.fs, rate=None)
            t_old = time.perf_counter() - start
            window = int(MATCH_WINDOW_S * rec.fs)
            new = result.preds["sample"].to_numpy()
            det.append({"record": path.name, "reference": ref.size,
                        "found_360": int((match_beats(old, ref, window) >= 0).sum()),
                        "found_125": int((match_beats(new, ref, window) >= 0).sum()),
                        "seconds_360": t_old, "seconds_125": result.seconds["detect"]})
    per_record = pd.DataFrame(rows)
    per_record["total"] = per_record[["read", "detect", "cut", "classify"]].sum(axis=1)
    print(f"start-up (import + model load): {load:.2f} s; `ecglib predict` on 1 record "
          f"{one:.1f} s, on {len(paths)} records in one call {many:.1f} s "
          f"({many / len(paths):.2f} s per record)")
    print("after start-up, per record (seconds):")
    print(per_record.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print(per_record[["read", "detect", "cut", "classify", "total"]].mean().to_frame(
        "mean s").T.to_string(float_format=lambda v: f"{v:.3f}"))
    d = pd.DataFrame(det)
    print(f"GQRS at 360 Hz: Se {d['found_360'].sum() / d['reference'].sum():.4f}, "
          f"{d['seconds_360'].mean():.2f} s per record; on the 125 Hz lead: "
          f"Se {d['found_125'].sum() / d['reference'].sum():.4f}, "
          f"{d['seconds_125'].mean():.2f} s per record")


if __name__ == "__main__":
    main()
