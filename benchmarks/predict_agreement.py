"""Does ``ecglib predict`` on raw records agree with evaluation on built beats?

Trains a model on de Chazal's DS1 (the inter-patient split, the book profile's settings,
the run cache), then scores the chosen records (by default the 22 DS2 records) twice with
it: on the beats built from the reference annotations (what ``ecglib evaluate`` sees) and
on the beats ``Predictor`` cuts at its own detected R peaks, matched to the reference within
150 ms. Both pipelines compute every rhythm and shape feature from their own peaks. Reports
each pipeline's metrics with 95% intervals (whole records resampled), the binary balanced
accuracy (abnormal = not N) of both and its gap (the target: within 0.02), and beat by beat
how often the two give a matched beat the same label.

By default it measures the two variants of today's chosen model (chapter 8,
``benchmarks/new_patients.py``):

- **offline** (whole-record context): ``vote_only_sinus`` refitted on the validation
  patients, whose R-R references read the rhythm up to 150 s after the beat; it classifies
  a whole recording, Holter-style;
- **live** (causal): ``vote_rr_tpl_live``, the same settings, which reads only what a live
  detector has (the rhythm so far, the next interval, the running template).

    python benchmarks/predict_agreement.py [--model M --labels L ...] [--records 208 ...]
        [--align local_max|none] [--out FILE.json]

``--model`` measures one other configuration instead; ``--align none`` cuts beats where the
annotations / detections are, without moving them to the common fiducial point.
"""
from __future__ import annotations

import argparse
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import balanced_accuracy_score

from ecglib.beats.segmentation import SegmentParams
from ecglib.book.profiles import resolve_params
from ecglib.core.atomic import atomic_write_json
from ecglib.data.build import build_table
from ecglib.datasets import get_dataset
from ecglib.datasets.mitdb import DS2
from ecglib.evaluation.predict import Predictor
from ecglib.metrics.scores import predicted_labels
from ecglib.training.config import CONFIG_FIELDS, TrainConfig
from ecglib.training.runcache import cached_run

KEYS = ["balanced_accuracy", "accuracy", "macro_f1", "recall[abnormal]", "recall[S]",
        "recall[V]", "auroc"]
#: the two variants of the chosen model (the module docstring)
VARIANTS = {
    "offline (whole-record context)": dict(model="vote_only_sinus", labels="aami5",
                                           class_weight=True, patient_weight=0.5, refit=True),
    "live (causal)": dict(model="vote_rr_tpl_live", labels="aami5", class_weight=True,
                          patient_weight=0.5, refit=True)}
#: the largest binary balanced-accuracy gap (predict - evaluate) the two pipelines may show
TARGET_GAP = 0.02


def binary_decision(p: np.ndarray, threshold: float) -> np.ndarray:
    """Abnormal (True) or not from probabilities: the run's threshold for a binary model,
    any class but the first (N) for a multi-class one."""
    return predicted_labels(p, threshold) > 0


def agreement(table, config: TrainConfig, records: list[str], seed: int) -> dict:
    """Both pipelines' metrics and their agreement for one configuration."""
    result = cached_run(table, config, verbose=0)
    predictor = Predictor(next(result.run_dir.glob("model.*")))
    built, built_p = predictor.built_metrics(table, records, seed=seed)
    db = get_dataset("mitdb").locate()
    start = time.perf_counter()
    preds, _, per_class, _ = predictor.records([db / r for r in records], progress=True)
    seconds = time.perf_counter() - start
    raw = predictor.matched_metrics(preds, seed=seed)

    classes, t = predictor.classes, predictor.threshold
    cols = ["probability"] if "probability" in preds else [f"p_{c}" for c in classes]
    matched = preds[preds["reference_label"].fillna("").astype(str) != ""]
    p_raw = matched[cols].to_numpy().squeeze(axis=1) if len(cols) == 1 \
        else matched[cols].to_numpy()
    y_raw = matched["reference_label"].map(classes.index).to_numpy()
    rows = np.flatnonzero(table.meta["record"].isin(records).to_numpy())
    y_built = table.labels(predictor.scheme)[rows]
    p_built = np.stack(built_p.to_numpy()) if p_raw.ndim == 2 else built_p.to_numpy()
    binary = {"evaluate": float(balanced_accuracy_score(y_built > 0,
                                                        binary_decision(p_built, t))),
              "predict": float(balanced_accuracy_score(y_raw > 0, binary_decision(p_raw, t)))}

    # beat by beat: each matched detected beat against the built beat of its reference
    at = built_p.reindex(pd.MultiIndex.from_arrays([matched["record"],
                                                    matched["reference_sample"]]))
    ok = at.notna().to_numpy()
    p_same = np.stack(at[ok].to_numpy()) if p_raw.ndim == 2 else at[ok].to_numpy()
    same = predicted_labels(p_raw[ok], t) == predicted_labels(p_same, t)
    det = per_class[["reference_beats", "detected"]].sum()
    return {
        "config": {k: getattr(config, k) for k in ("model", "labels", "split", "class_weight",
                                                    "patient_weight", "refit", "seed")},
        "metrics": pd.concat({"evaluate (built beats)": built.set_index("metric"),
                              "predict (raw records)": raw.set_index("metric")}, axis=1),
        "per_class": per_class,
        "binary_balanced_accuracy": binary,
        "binary_gap": binary["predict"] - binary["evaluate"],
        "detection_se": float(det["detected"] / det["reference_beats"]),
        "same_label_share": float(same.mean()),
        "median_abs_probability_difference": float(np.median(
            np.abs(p_raw[ok] - p_same).reshape(ok.sum(), -1).max(axis=1))),
        "seconds_per_record": seconds / len(records)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=None, help="one configuration instead of VARIANTS")
    ap.add_argument("--labels", default="aami5")
    ap.add_argument("--class-weight", action="store_true")
    ap.add_argument("--patient-weight", type=float, default=0.0)
    ap.add_argument("--profile", default="default", help="the book profile whose settings "
                    "every fit takes")
    ap.add_argument("--records", nargs="+", default=list(DS2))
    ap.add_argument("--align", default="local_max", choices=["local_max", "none"])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()

    table = build_table("mitdb", params=SegmentParams(align=args.align), progress=False)
    params = resolve_params(args.profile)
    base = TrainConfig(**{**{k: v for k, v in params.items() if k in CONFIG_FIELDS},
                          "split": "interpatient", "seed": args.seed})
    variants = VARIANTS if args.model is None else {args.model: dict(
        model=args.model, labels=args.labels, class_weight=args.class_weight,
        patient_weight=args.patient_weight)}
    out = {}
    for name, change in variants.items():
        found = agreement(table, replace(base, **change), args.records, args.seed)
        print(f"\n{name}: {found['config']}, align={args.align}; records "
              f"{' '.join(args.records)} (95% CI, records resampled)")
        keys = [k for k in KEYS if k in found["metrics"].index]
        print(found["metrics"].loc[keys].to_string(float_format=lambda v: f"{v:.4f}"))
        print(found["per_class"].to_string(index=False, float_format=lambda v: f"{v:.4f}"))
        b = found["binary_balanced_accuracy"]
        verdict = "within" if abs(found["binary_gap"]) <= TARGET_GAP else "OUTSIDE"
        print(f"binary balanced accuracy (abnormal = not N): evaluate {b['evaluate']:.4f}, "
              f"predict {b['predict']:.4f}, gap {found['binary_gap']:+.4f} ({verdict} "
              f"{TARGET_GAP}); detection Se {found['detection_se']:.4f}; matched beats given "
              f"the same label by both: {found['same_label_share']:.4f}; median largest "
              f"|p difference| {found['median_abs_probability_difference']:.4f}; predict "
              f"{found['seconds_per_record']:.2f} s per record")
        out[name] = {**{k: v for k, v in found.items() if k not in ("metrics", "per_class")},
                     "evaluate": found["metrics"]["evaluate (built beats)"]["value"]
                     .loc[keys].to_dict(),
                     "predict": found["metrics"]["predict (raw records)"]["value"]
                     .loc[keys].to_dict(),
                     "per_class": found["per_class"].to_dict(orient="records")}
    if args.out:
        atomic_write_json(args.out, {"align": args.align, "records": args.records,
                                     "target_gap": TARGET_GAP, "variants": out})
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
