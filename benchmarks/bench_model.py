"""Benchmark the seed model on this machine: training throughput per epoch (beats/s) on the
TensorFlow and JAX Keras backends, inference beats/s, the time to classify a full 30-minute
MIT-BIH record end to end (read, detect R peaks, cut, classify), and peak memory.

    python benchmarks/bench_model.py [--beats 20000] [--record 100] [--backends tensorflow jax]

Each backend runs in its own process (Keras picks its backend at import). Beats come from the
real MIT-BIH table when available, else from the synthetic source (said in the output).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time


def worker(n_beats: int, record: str) -> dict:
    import keras
    import numpy as np

    from ecglib.beats.reshape import to_steps
    from ecglib.core.seed import set_seed
    from ecglib.data.loading import load
    from ecglib.datasets import get_dataset
    from ecglib.evaluation.predict import predict_record
    from ecglib.models import get_model_spec
    from ecglib.training.config import TrainConfig
    from ecglib.training.trainer import train

    set_seed(0)
    table = load("auto")
    rng = np.random.default_rng(0)
    idx = rng.choice(len(table), size=min(n_beats, len(table)), replace=False)
    X, y = to_steps(table.X[idx]), table.labels()[idx]
    model = get_model_spec("seed").create().net
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(X[:512], y[:512], batch_size=256, epochs=1, verbose=0)      # compile / warm up
    start = time.perf_counter()
    model.fit(X, y, batch_size=256, epochs=1, verbose=0)
    epoch_s = time.perf_counter() - start
    model.predict(X[:1024], batch_size=512, verbose=0)
    start = time.perf_counter()
    model.predict(X, batch_size=512, verbose=0)
    infer_s = time.perf_counter() - start
    out = {"backend": keras.backend.backend(), "data": table.source,
           "synthetic": table.synthetic, "beats": int(len(X)), "epoch_s": epoch_s,
           "train_beats_per_s": len(X) / epoch_s, "inference_beats_per_s": len(X) / infer_s}
    if table.source == "mitdb":
        with tempfile.TemporaryDirectory() as tmp:     # a run folder: one epoch, 600 beats
            run = os.path.join(tmp, "run")
            train(table, TrainConfig(epochs=1, subset=600), out_dir=run, verbose=0)
            start = time.perf_counter()
            preds, _ = predict_record(os.path.join(run, "model.keras"),
                                      get_dataset("mitdb").locate() / record)
            out["record"] = record
            out["record_beats"] = int(len(preds))
            out["record_end_to_end_s"] = time.perf_counter() - start
    out["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--beats", type=int, default=20000)
    ap.add_argument("--record", default="100")
    ap.add_argument("--backends", nargs="+", default=["tensorflow", "jax"])
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        print("RESULT " + json.dumps(worker(args.beats, args.record)))
        return
    print(f"{'backend':<11} {'data':<10} {'beats':>6} {'epoch s':>8} {'train b/s':>10} "
          f"{'infer b/s':>10} {'record s':>9} {'peak MiB':>9}")
    for backend in args.backends:
        env = dict(os.environ, KERAS_BACKEND=backend)
        proc = subprocess.run([sys.executable, __file__, "--worker", "--beats", str(args.beats),
                               "--record", args.record], env=env, capture_output=True, text=True)
        line = [l for l in proc.stdout.splitlines() if l.startswith("RESULT ")]
        if proc.returncode or not line:
            print(f"{backend:<11} failed: {proc.stderr.strip().splitlines()[-1:]}")
            continue
        r = json.loads(line[0][7:])
        rec = f"{r['record_end_to_end_s']:9.1f}" if "record_end_to_end_s" in r else f"{'n/a':>9}"
        print(f"{r['backend']:<11} {r['data'] + ('*' if r['synthetic'] else ''):<10} "
              f"{r['beats']:>6} {r['epoch_s']:8.1f} {r['train_beats_per_s']:10.0f} "
              f"{r['inference_beats_per_s']:10.0f} {rec} {r['peak_rss_mib']:9.0f}")
        if "record_beats" in r:
            print(f"{'':<11} record {r['record']}: {r['record_beats']} beats classified end to end")
    print("(* synthetic data)")


if __name__ == "__main__":
    main()
