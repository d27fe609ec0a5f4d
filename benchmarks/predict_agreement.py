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

from ecglib.build import build_table
from ecglib.metrics import metrics_table, predicted_labels
from ecglib.predict import Predictor
from ecglib.records import DS2
from ecglib.segment import SegmentParams
from ecglib.sources import resolve_database
from ecglib.train import TrainConfig, train

KEYS = ["balanced_accuracy", "accuracy", "recall[abnormal]", "specificity[abnormal]", "auroc"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="kachuee")
    ap.add_argument("--split", default="interpatient", choices=["random", "interpatient"])
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
        rows = np.flatnonzero(table.meta["record"].isin(args.records).to_numpy())
        y_built = table.labels("binary")[rows]
        p_built = predictor.proba(table.X[rows], "built beats")
        built = metrics_table(y_built, p_built, predictor.threshold, predictor.classes,
                              groups=table.meta["record"].to_numpy()[rows], seed=args.seed)
        db = resolve_database("mitdb")
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

    # beat by beat: the detected beat against the built beat of the reference it matched
    built_p = pd.Series(p_built, index=pd.MultiIndex.from_arrays(
        [table.meta["record"].to_numpy()[rows], table.meta["sample"].to_numpy()[rows]]))
    matched = preds[preds["reference"].astype(str) != ""].copy()
    ref_sample = _reference_samples(db, matched)
    pb = built_p.reindex(pd.MultiIndex.from_arrays([matched["record"], ref_sample])).to_numpy()
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


def _reference_samples(db: Path, matched: pd.DataFrame) -> np.ndarray:
    """The reference annotation sample each matched detected beat was paired with."""
    from ecglib.labels import aami_class
    from ecglib.predict import MATCH_WINDOW_S, match_beats
    from ecglib.records import read_wfdb_record

    out = np.zeros(len(matched), dtype=np.int64)
    for name, idx in matched.groupby("record").indices.items():
        rec = read_wfdb_record(db / name)
        beat = np.array([aami_class(s) is not None for s in rec.ann_symbols])
        ref = rec.ann_samples[beat]
        m = match_beats(matched["sample"].to_numpy()[idx], ref, int(MATCH_WINDOW_S * rec.fs))
        out[idx] = ref[m]
    return out


if __name__ == "__main__":
    main()
