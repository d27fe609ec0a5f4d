"""Does ``ecglib predict`` on raw records agree with evaluation on built beats?

Trains a model (by default on de Chazal's DS1, the inter-patient split), then scores the
chosen records (by default the 22 DS2 records) twice with it: on the beats built from the
reference annotations (what ``ecglib evaluate`` sees) and on the beats ``Predictor`` cuts at
its own detected R peaks, matched to the reference within 150 ms. Both with 95% intervals
from resampling whole records; then beat by beat: how often the two pipelines give a matched
beat the same label, and how far apart their probabilities are.

    python benchmarks/predict_agreement.py [--model kachuee] [--split interpatient]
        [--records 208 ...] [--align local_max|none] [--subset 20000] [--epochs 6]
        [--out FILE.json]

``--align none`` cuts beats where the annotations / detections are, without moving them to
the common fiducial point: it measures what that point buys.
"""
from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from ecglib.beats.segmentation import SegmentParams
from ecglib.data.build import build_table
from ecglib.datasets import get_dataset
from ecglib.datasets.mitdb import DS2
from ecglib.evaluation.predict import Predictor
from ecglib.metrics.scores import predicted_labels
from ecglib.training.config import TrainConfig
from ecglib.training.splits import SPLITS
from ecglib.training.trainer import train

KEYS = ["balanced_accuracy", "accuracy", "recall[abnormal]", "specificity[abnormal]", "auroc"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="kachuee")
    ap.add_argument("--split", default="interpatient", choices=list(SPLITS))
    ap.add_argument("--records", nargs="+", default=list(DS2))
    ap.add_argument("--align", default="local_max", choices=["local_max", "none"])
    ap.add_argument("--subset", type=int, default=20000)
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()

    table = build_table("mitdb", params=SegmentParams(align=args.align), progress=False)
    cfg = TrainConfig(model=args.model, split=args.split, epochs=args.epochs,
                      subset=args.subset, seed=args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        train(table, cfg, out_dir=Path(tmp) / "run", verbose=0)
        predictor = Predictor(next((Path(tmp) / "run").glob("model.*")))
        built, built_p = predictor.built_metrics(table, args.records, seed=args.seed)
        db = get_dataset("mitdb").locate()
        start = time.perf_counter()
        preds, _, per_class, _ = predictor.records([db / r for r in args.records])
        seconds = time.perf_counter() - start
        raw = predictor.matched_metrics(preds, seed=args.seed)

    both = pd.concat({"evaluate (built beats)": built.set_index("metric"),
                      "predict (raw records)": raw.set_index("metric")}, axis=1).loc[KEYS]
    print(f"model {args.model}, split {args.split}, align={args.align}; scored on records "
          f"{' '.join(args.records)} (95% CI, records resampled)")
    print(both.to_string(float_format=lambda v: f"{v:.4f}"))
    print(per_class.to_string(index=False, float_format=lambda v: f"{v:.4f}"))

    # beat by beat: each matched detected beat against the built beat of its reference
    matched = preds[preds["reference_sample"] >= 0]
    pb = built_p.reindex(pd.MultiIndex.from_arrays([matched["record"],
                                                    matched["reference_sample"]])).to_numpy()
    pd_ = matched["probability"].to_numpy()
    ok = np.isfinite(pb)
    same = predicted_labels(pd_[ok], predictor.threshold) == predicted_labels(
        pb[ok], predictor.threshold)
    det = per_class[["reference_beats", "detected"]].sum()
    summary = {
        "detection_se": float(det["detected"] / det["reference_beats"]),
        "same_label_share": float(same.mean()),
        "median_abs_probability_difference": float(np.median(np.abs(pd_[ok] - pb[ok]))),
        "balanced_accuracy_gap": float(both.loc["balanced_accuracy",
                                                ("predict (raw records)", "value")]
                                       - both.loc["balanced_accuracy",
                                                  ("evaluate (built beats)", "value")]),
        "seconds_per_record": seconds / len(args.records)}
    print(f"detection Se {summary['detection_se']:.4f}; matched beats given the same label by "
          f"both pipelines: {summary['same_label_share']:.4f}; median |p difference| "
          f"{summary['median_abs_probability_difference']:.4f}")
    print(f"balanced accuracy gap (predict - evaluate): {summary['balanced_accuracy_gap']:+.4f};"
          f" predict {summary['seconds_per_record']:.2f} s per record")
    if args.out:
        args.out.write_text(json.dumps({
            "model": args.model, "split": args.split, "align": args.align,
            "records": args.records, **summary,
            "evaluate": built.set_index("metric")["value"].loc[KEYS].to_dict(),
            "predict": raw.set_index("metric")["value"].loc[KEYS].to_dict(),
            "per_class": per_class.to_dict(orient="records")}, indent=2))


if __name__ == "__main__":
    main()
