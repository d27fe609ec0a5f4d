"""How a Keras network's class weights work on the five AAMI classes, on the training
patients only.

    python benchmarks/keras_class_weights.py [--model seed_rr] [--epochs 4]
        [--caps 1e9 10 ...] [--sqrt]

Trains ``--model`` (labels aami5, patient weights 0.5, the inter-patient split) on the
split's training patients and scores it on its validation patients (DS1 both: DS2 is
never read), once per cap of the balanced class weights (``ecglib.models.keras_nets
.class_weights``; 1e9 is no cap), with ``--sqrt`` also square-rooted weights, and without
class weights. One row per weighting: N, S and V Se / +P / F1 and the mean of S and V F1.
Balanced weights give a class with a handful of training beats (8 Q beats in DS1) a weight
in the thousands, and a network trained by mini-batches follows those few beats; the cap
(``MAX_CLASS_WEIGHT``) was chosen from this table.
"""
from __future__ import annotations

import argparse
import time
from dataclasses import replace

import numpy as np
import pandas as pd

from ecglib.data.loading import load
from ecglib.metrics.scores import class_scores, predicted_labels
from ecglib.models import keras_nets
from ecglib.training.config import TrainConfig
from ecglib.training.trainer import train


def weighting(cap: float | None, sqrt: bool = False):
    """A ``class_weights`` replacement: balanced weights capped at ``cap``, or their square
    roots."""
    real = keras_nets.class_weights

    def weights(y: np.ndarray, n_classes: int, **_) -> dict[int, float]:
        w = real(y, n_classes, cap=np.inf)
        return {c: float(np.sqrt(v) if sqrt else min(v, cap)) for c, v in w.items()}
    return weights


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="seed_rr")
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--caps", type=float, nargs="+", default=[1e9, 10.0])
    ap.add_argument("--sqrt", action="store_true", help="also square-rooted weights")
    args = ap.parse_args()
    table = load("mitdb")
    base = TrainConfig(model=args.model, labels="aami5", split="interpatient",
                       epochs=args.epochs, patience=2, patient_weight=0.5)
    rows = {"no class weights": (base, None)}
    rows.update({f"balanced, capped at {cap:g}" if cap < 1e9 else "balanced": (
        replace(base, class_weight=True), weighting(cap)) for cap in args.caps})
    if args.sqrt:
        rows["square root of balanced"] = (replace(base, class_weight=True),
                                           weighting(None, sqrt=True))
    real = keras_nets.class_weights
    out = []
    for name, (config, weights) in rows.items():
        keras_nets.class_weights = weights or real
        start = time.perf_counter()
        result = train(table, config, verbose=0)
        keras_nets.class_weights = real
        y = table.labels("aami5")[result.split.val]
        scores = class_scores(y, predicted_labels(result.val_proba, 0.5),
                              result.scheme.classes).set_index("class")
        row = {"class weights": name, "epochs": len(result.history),
               "seconds": round(time.perf_counter() - start),
               **{f"{c} {m}": float(scores.loc[c, m]) for c in ("N", "S", "V")
                  for m in ("se", "ppv", "f1")}}
        row["S, V F1 mean"] = (row["S f1"] + row["V f1"]) / 2
        out.append(row)
        print(pd.DataFrame([row]).round(3).to_string(index=False), flush=True)
    print(f"{args.model}, validation patients of the inter-patient split (DS1), "
          f"{int((y == 1).sum())} S and {int((y == 2).sum())} V beats:")
    print(pd.DataFrame(out).round(3).to_string(index=False))


if __name__ == "__main__":
    main()
