"""The book's best new-patient model: chosen on DS1 only, evaluated once on DS2.

    python benchmarks/new_patients.py --out new_patients.json [--profile default]
        [--ablation references [--rows ROW ...]]

Every fit has the book profile's settings and goes through the run cache
(``ecglib.training.runcache``), so chapter 8 and this benchmark share their runs: the DS2
figures the book quotes are the ones printed here (the same cache, ``$ECGLIB_CACHE_DIR``).

1. Candidates (models, class weights) are compared by cross-validation grouped by
   patient inside DS1 (record 201 left out: its patient is DS2's 202); the score is the
   mean F1 of classes S and V on the out-of-fold predictions with every training patient
   counting alike within each class (``score_patients``, ``ecglib.training.selection.SELECTION_SCORE``;
   ``score`` pools the beats, so record 209 holds half the S beats). ``lr_rr_tpl_live`` is
   ``lr_rr_tpl`` without the whole-record R-R context (``ecglib.beats.rr.RR_CONTEXT``): the pair
   shows what that context adds. ``lr_raw_rr_tpl`` is ``lr_rr_tpl_live`` reading only the
   raw intervals in seconds (``ecglib.beats.rr.RAW_INTERVALS``, as de Chazal et al. 2004 do), not
   their ratios to the patient's rhythm: that pair shows what the ratios add.
   ``patient weights x``: within each class a patient's n
   training beats weigh n^-x each (``ecglib.training.weights``).
   The weight of the soft vote ``vote_rr_tpl`` is shown from its two members' out-of-fold
   probabilities (0.1 .. 0.9; the registered 0.4 was chosen this way).
2. The binary decision threshold on P(abnormal) = 1 - P(N) is chosen on the chosen
   candidate's out-of-fold DS1 predictions (balanced accuracy, ``choose_threshold``).
3. The best candidate is trained on all of DS1 and evaluated once on DS2: five-class AAMI
   Se, +P and F1 with record-resampled 95% intervals, and binary normal / abnormal:
   balanced accuracy at that threshold (and at the five-class decision) and AUROC.
4. The table is printed beside the published inter-patient results; FILE.json holds
   {"model", "classes": {N, S, V, F: {se, ppv, f1}}, "binary": {balanced_accuracy, auroc},
   "s_breakdown": [rows of ``ecglib.metrics.ectopic_breakdown``]}.
5. ``--ablation PREFIX`` scores the rows of ``ABLATION`` on DS1 out of fold, on the rhythm
   stress set and on DS2 in separate columns, chooses on DS1 + stress, scores decision
   rules on the chosen row's probabilities (``DECISION_RULES``: an AF gate and a prior shift
   on P(S), two QRS gates on P(V); chosen in turn on DS1 + stress like the rows, each after
   the ones before it; their stress S F1 by scenario shows where a rule fails), and
   reports the chosen row's DS2 figures over 5 seeds (``--seeds``) beside the issue's
   floors, alone and with the chosen rules applied in turn: PREFIX.json and PREFIX.png.
6. The seed family (the book's CNN-LSTM with R-R features; ``SEED_FAMILY`` of
   ``ecglib.evaluation.ablation``) is chosen the same way, among its own rows:
   ``--ablation seed_family --rows "seed_rr (medians)" ... --seeds 1``.
"""
from __future__ import annotations

import argparse
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import balanced_accuracy_score, roc_auc_score

from ecglib.beats.labels import get_scheme
from ecglib.book.plots import plot_ablation
from ecglib.book.profiles import resolve_params
from ecglib.core.atomic import atomic_write_json
from ecglib.data.loading import load
from ecglib.data.stress import SCENARIOS as STRESS_SCENARIOS
from ecglib.data.stress import stress_for
from ecglib.evaluation.ablation import (
    ABLATION,
    CHOICE_SCORE,
    FLOORS,
    ablation_row,
    held_out_row,
    scored,
)
from ecglib.evaluation.literature import beside_published
from ecglib.metrics import (
    class_scores_ci,
    ectopic_breakdown,
    metrics_table,
)
from ecglib.metrics.scores import choose_threshold, predicted_labels
from ecglib.training.config import CONFIG_FIELDS, TrainConfig, config_to_args
from ecglib.training.runcache import cached_cross_validate, cached_run
from ecglib.training.selection import (
    SELECTION_SCORE,
    candidate_row,
    compare_candidates,
    training_patients,
    vote_weights,
)

#: what every candidate changes from the profile's configuration
CHANGES = {
    "gbm (shape only)": dict(model="gbm"),
    "gbm_rr": {},
    "gbm_rr + class weights": dict(class_weight=True),
    "gbm_rr_small + class weights": dict(model="gbm_rr_small", class_weight=True),
    "gbm_rr_tpl": dict(model="gbm_rr_tpl"),
    "gbm_rr_tpl + class weights": dict(model="gbm_rr_tpl", class_weight=True),
    "lr_rr_tpl_live + class weights": dict(model="lr_rr_tpl_live", class_weight=True),
    "lr_raw_rr_tpl + class weights": dict(model="lr_raw_rr_tpl", class_weight=True),
    "lr_rr_tpl + class weights": dict(model="lr_rr_tpl", class_weight=True),
    "vote_rr_tpl + class weights": dict(model="vote_rr_tpl", class_weight=True),
    "vote_rr_tpl + class weights + patient weights 0.5": dict(
        model="vote_rr_tpl", class_weight=True, patient_weight=0.5),
    "vote_rr_tpl + class weights + patient weights 1": dict(
        model="vote_rr_tpl", class_weight=True, patient_weight=1.0),
}
#: the two members of vote_rr_tpl, whose out-of-fold probabilities show its weight
VOTE_MEMBERS = ("gbm_rr_tpl + class weights", "lr_rr_tpl + class weights")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, required=True, help="results JSON")
    ap.add_argument("--profile", default="default", help="the book profile whose settings "
                    "every fit takes (default: the book's)")
    ap.add_argument("--ablation", type=Path, default=None, metavar="PREFIX",
                    help="also score every rhythm reference (ABLATION) on DS1 out of fold, "
                         "on the rhythm stress set and on DS2, in separate columns: "
                         "PREFIX.json and PREFIX.png")
    ap.add_argument("--rows", nargs="+", default=None, metavar="ROW",
                    help="only these rows of ABLATION (the choice is among them); the seed "
                         "family: the rows of ecglib.evaluation.ablation.SEED_FAMILY")
    ap.add_argument("--seeds", type=int, default=SEEDS,
                    help=f"seeds of the chosen row's DS2 figures (default {SEEDS})")
    args = ap.parse_args()
    unknown = sorted(set(args.rows or ()) - set(ABLATION))
    if unknown:
        ap.error(f"--rows: no ablation row {unknown}; rows: {list(ABLATION)}")
    params = resolve_params(args.profile)
    table = load("mitdb")
    base = TrainConfig(**{**{k: v for k, v in params.items() if k in CONFIG_FIELDS},
                          "model": "gbm_rr", "labels": "aami5", "split": "interpatient"})
    candidates = {k: replace(base, **change) for k, change in CHANGES.items()}
    folds = params["cv_folds"]
    start = time.perf_counter()
    cv, out_of_fold = compare_candidates(table, candidates, cv_folds=folds,
                                         validate=cached_cross_validate)
    print(f"profile {args.profile}; model selection on DS1 ({folds}-fold, grouped by patient, "
          f"{time.perf_counter() - start:.0f} s):")
    print(cv.round(3).to_string(index=False))
    pool = training_patients(table, base)
    weights = vote_weights(table.labels("aami5")[pool], *(out_of_fold[m] for m in VOTE_MEMBERS),
                           get_scheme("aami5").classes,
                           patients=table.meta["patient"].to_numpy()[pool])
    print(f"soft vote w x {VOTE_MEMBERS[0]} + (1 - w) x {VOTE_MEMBERS[1]}, DS1 out of fold:")
    print(weights[["weight", "S_se", "S_ppv", "S_f1", "V_f1", "score", SELECTION_SCORE]]
          .round(3).to_string(index=False))
    best = cv.sort_values(SELECTION_SCORE, ascending=False)["candidate"].iloc[0]
    pool = training_patients(table, candidates[best])
    threshold = choose_threshold(table.labels("aami5")[pool] > 0, 1.0 - out_of_fold[best][:, 0])
    print(f"chosen on DS1: {best}; binary threshold on P(abnormal) {threshold:.4f} (DS1 out "
          f"of fold)")
    result = cached_run(table, candidates[best], verbose=0)     # DS2 touched once, here
    test = result.split.test
    pred = predicted_labels(result.test_proba, 0.5)
    groups = table.meta["record"].to_numpy()[test]
    scores = class_scores_ci(result.y_test, pred, result.scheme.classes, groups)
    abnormal = 1.0 - result.test_proba[:, 0]
    binary = {"balanced_accuracy": float(balanced_accuracy_score(result.y_test > 0,
                                                                 abnormal >= threshold)),
              "auroc": float(roc_auc_score(result.y_test > 0, abnormal)),
              "threshold": threshold,
              "balanced_accuracy_five_class": float(balanced_accuracy_score(result.y_test > 0,
                                                                            pred > 0))}
    side = beside_published(scores, f"ecglib {best} (this run)").reset_index()
    print("DS2 (record-resampled 95% intervals):")
    print(scores.round(3).to_string(index=False))
    print(f"binary on DS2: balanced accuracy {binary['balanced_accuracy']:.3f} at the DS1 "
          f"threshold ({binary['balanced_accuracy_five_class']:.3f} from the five-class "
          f"decision), AUROC {binary['auroc']:.3f}")
    breakdown = ectopic_breakdown(groups, table.meta["sample"].to_numpy()[test],
                                  result.y_test, pred, result.scheme.classes)
    print("DS2 S beats: alone, in pairs and runs (Se only), in record 232 and elsewhere, "
          "by record:")
    print(breakdown.round(3).to_string(index=False))
    print("beside the published inter-patient results (%):")
    print(side.to_string(index=False, float_format=lambda v: f"{v:.1f}"))
    atomic_write_json(args.out, {
        "model": best, "train_args": train_args(candidates[best]),
        "selection": cv.to_dict(orient="records"),
        "vote_weights": weights.to_dict(orient="records"),
        "classes": {r[1]: {"se": float(r.se), "ppv": float(r.ppv), "f1": float(r.f1)}
                    for r in scores.itertuples() if r[1] in ("N", "S", "V", "F")},
        "intervals": scores.to_dict(orient="records"), "binary": binary,
        "s_breakdown": (breakdown.astype(object).where(breakdown.notna(), None)
                        .to_dict(orient="records")),
        "test_records": sorted(np.unique(groups).tolist()),
        "split_notes": list(result.split.notes)})
    print(f"wrote {args.out}")
    if args.ablation is not None:
        ablation(table, base, folds, args.ablation, args.rows or list(ABLATION), args.seeds)


def ablation(table, base: TrainConfig, folds: int, prefix: Path, rows: list[str],
             seeds: int = 5) -> None:
    """Each of ``rows`` of :data:`ABLATION` scored three ways, in separate columns: DS1 out of fold
    and the rhythm stress set built from DS1 (``ecglib.data.stress``; each patient's stress
    beats scored by the fold model that did not train on that patient), which may choose,
    and DS2, which never does. Writes PREFIX.json and a chart, PREFIX.png."""
    stress = stress_for(table, training_patients(table, base))
    y_all, y_stress = table.labels("aami5"), stress.labels("aami5")
    print(f"rhythm stress set: {len(stress):,} beats "
          f"({int((y_stress == 1).sum()):,} S) from records "
          f"{sorted(stress.meta['from_record'].unique())}, scenarios {STRESS_SCENARIOS}")
    rows_out = []
    for label in rows:
        config = replace(base, **ABLATION[label])
        row = {"row": label, "train_args": train_args(config),
               **ablation_row(table, config, stress, folds)}
        row.update(held_out_row(table, config, row["threshold"]))   # DS2: never chooses
        rows_out.append(row)
        print(f"  {label}: DS1 {row[SELECTION_SCORE]:.3f}, stress S F1 "
              f"{row['stress S_f1']:.3f}, DS2 S F1 {row['DS2 S_f1']:.3f}", flush=True)
    frame = pd.DataFrame(rows_out).set_index("row")
    chosen = frame[CHOICE_SCORE].idxmax()
    print("rhythm reference ablation (DS1 out of fold and stress: may choose; DS2: never):")
    print(frame.drop(columns="train_args").T.round(3).to_string())
    print(f"chosen on DS1 + stress: {chosen}")
    config = replace(base, **ABLATION[chosen])
    pool = training_patients(table, config)
    both = cached_cross_validate(table, config, pool, folds, stress=stress)
    threshold = float(frame.loc[chosen, "threshold"])
    seen = ~np.isnan(both[pool.size:, 0])
    test = cached_run(table, config, verbose=0)
    rules = decision_rules({
        "DS1 ": (table.meta.iloc[pool], y_all[pool], both[:pool.size]),
        "stress ": (stress.meta[seen], y_stress[seen], both[pool.size:][seen]),
        "DS2 ": (table.meta.iloc[test.split.test], test.y_test, test.test_proba)}, threshold)
    print(f"decision rules on {chosen}'s probabilities, chosen in turn on DS1 + stress, each "
          f"after the ones above at their chosen values (DS2: never chooses):")
    print(rules.T.round(3).to_string())
    picked = chosen_rules(rules)
    by_scenario = stress_by_scenario(stress.meta[seen], y_stress[seen],
                                     both[pool.size:][seen], threshold, picked)
    print("stress S F1 of each decision rule, by scenario (where a rule fails the choice can "
          "see it):")
    print(by_scenario.round(3).to_string())
    floors = seeds_on_ds2(table, config, threshold, seeds)
    print(f"{chosen} on DS2, {seeds} seed(s) pooled (Se: the seeds' mean), record-resampled "
          f"95% intervals, beside the issue's floors:")
    print(floors.round(3).to_string(index=False))
    with_rules = seeds_on_ds2(table, config, threshold, seeds, picked)
    print(f"the same with the decision rules chosen on DS1 + stress applied in turn "
          f"({', '.join(f'{rule}: {value}' for rule, value in picked.items())}), the "
          f"detector the choice made:")
    print(with_rules.round(3).to_string(index=False))
    atomic_write_json(prefix.with_suffix(".json"), {
        "chosen_on_ds1_and_stress": chosen, "chosen_train_args": train_args(config),
        "ds2_seeds": seeds,
        "ds2_floors": floors.astype(object).where(floors.notna(), None)
        .to_dict(orient="records"),
        "ds2_chosen_rules": {rule: str(value) for rule, value in picked.items()},
        "ds2_floors_with_chosen_rules": with_rules.astype(object)
        .where(with_rules.notna(), None).to_dict(orient="records"),
        "stress": {"beats": len(stress), "s_beats": int((y_stress == 1).sum()),
                   "records": sorted(stress.meta["from_record"].unique().tolist()),
                   "scenarios": list(STRESS_SCENARIOS)},
        "rows": frame.reset_index().to_dict(orient="records"),
        "decision_rules": rules.reset_index().to_dict(orient="records"),
        "decision_rules_stress_s_f1_by_scenario": by_scenario.reset_index()
        .to_dict(orient="records")})
    fig = plot_ablation(frame)
    fig.savefig(prefix.with_suffix(".png"), dpi=110)
    print(f"wrote {prefix.with_suffix('.json')} and {prefix.with_suffix('.png')}")


def _af_gate(meta: pd.DataFrame, p: np.ndarray, g: float) -> np.ndarray:
    """``p`` with every S probability moved to N where the rhythm around the beat is
    irregular (``irr_steps >= g``): atrial fibrillation has no early beats."""
    p = p.copy()
    irregular = meta["irr_steps"].to_numpy() >= g
    p[irregular, 0] += p[irregular, 1]
    p[irregular, 1] = 0.0
    return p


def _prior_shift(meta: pd.DataFrame, p: np.ndarray, k: float) -> np.ndarray:
    """``p`` with P(S) multiplied by ``k`` and the rows renormalised (a prior shift)."""
    p = p.copy()
    p[:, 1] *= k
    return p / p.sum(axis=1, keepdims=True)


def _qrs_gate(meta: pd.DataFrame, p: np.ndarray, c: float, to: int = 1,
              where: np.ndarray | None = None) -> np.ndarray:
    """``p`` with every V probability moved to class ``to`` where the beat's QRS matches
    the patient's usual beat (``tpl_corr_qrs >= c``; only ``where`` when given): a beat
    conducted down the usual path is not ventricular."""
    p = p.copy()
    usual = meta["tpl_corr_qrs"].to_numpy() >= c
    if where is not None:
        usual &= where
    p[usual, to] += p[usual, 2]
    p[usual, 2] = 0.0
    return p


def _qrs_gate_irregular(meta: pd.DataFrame, p: np.ndarray, c: float) -> np.ndarray:
    """:func:`_qrs_gate` to N where the rhythm is irregular (``irr_steps >= 0.5``): in
    atrial fibrillation an interval proves nothing, so only a QRS unlike the patient's
    usual one may call a beat V."""
    return _qrs_gate(meta, p, c, to=0, where=meta["irr_steps"].to_numpy() >= 0.5)


#: rules applied to the chosen model's class probabilities before the argmax, each with the
#: values of its one parameter, the first leaving the model as it is (g = inf, k = 1,
#: c = inf); the value is chosen on DS1 out of fold + stress, never DS2
DECISION_RULES = {"AF gate (S -> N where irr_steps >= g)":
                  (_af_gate, (np.inf, 0.4, 0.5, 0.6, 0.7, 0.8)),
                  "prior shift (P(S) x k)": (_prior_shift, (1.0, 0.25, 0.5, 0.75, 1.5, 2.0)),
                  "QRS gate (V -> S where tpl_corr_qrs >= c)":
                  (_qrs_gate, (np.inf, 0.95, 0.9, 0.85, 0.8)),
                  "QRS gate in AF (V -> N where irr_steps >= 0.5, tpl_corr_qrs >= c)":
                  (_qrs_gate_irregular, (np.inf, 0.95, 0.9, 0.8, 0.7))}


def rule_scores(parts: dict, threshold: float, picked: dict | None = None) -> pd.DataFrame:
    """Each of :data:`DECISION_RULES` at each value scored on ``parts`` (prefix -> beats'
    meta, labels, probabilities) like the ablation's rows, one row per (rule, value), after
    the rules before it at their values in ``picked`` (:func:`chosen_rules`)."""
    frames = []
    for rule in DECISION_RULES:
        earlier = {r: v for r, v in (picked or {}).items() if r in _before(rule)}
        frames.append(_one_rule(rule, {prefix: (meta, y, apply_rules(meta, p, earlier))
                                       for prefix, (meta, y, p) in parts.items()}, threshold))
    return pd.concat(frames)


def _before(rule: str) -> list[str]:
    """The rules of :data:`DECISION_RULES` listed before ``rule``."""
    names = list(DECISION_RULES)
    return names[:names.index(rule)]


def _one_rule(rule: str, parts: dict, threshold: float) -> pd.DataFrame:
    """``rule`` at each of its values scored on ``parts`` (:func:`rule_scores`), with the
    DS1 selection score where a part is DS1 (V counts there too)."""
    apply, values = DECISION_RULES[rule]
    rows = []
    for v in values:
        row = {"rule": rule, "value": v if np.isfinite(v) else "inf"}   # JSON has no inf
        for prefix, (meta, y, p) in parts.items():
            ruled = apply(meta, p, v)
            row.update(scored(meta, y, ruled, threshold, prefix))
            if prefix == "DS1 ":
                row[f"DS1 {SELECTION_SCORE}"] = candidate_row(
                    "", y, ruled, get_scheme("aami5").classes,
                    meta["patient"].to_numpy())[SELECTION_SCORE]
        rows.append(row)
    return pd.DataFrame(rows).set_index(["rule", "value"])


def decision_rules(parts: dict, threshold: float) -> pd.DataFrame:
    """The rules of :data:`DECISION_RULES` chosen in turn, each scored (:func:`rule_scores`)
    after the ones before it at their chosen values, so the detector they make together is
    the one scored. ``chosen`` marks each rule's value with the best :data:`CHOICE_SCORE`,
    the rows' choice: the mean of the DS1 selection score (S and V F1) and the stress S F1
    (its first value: the rule is not worth it). ``DS1 + stress S F1`` leaves V out; a rule
    that moves V calls would win on it by losing V beats."""
    picked, frames = {}, []
    for rule in DECISION_RULES:
        frame = _one_rule(rule, {prefix: (meta, y, apply_rules(meta, p, picked))
                                 for prefix, (meta, y, p) in parts.items()}, threshold)
        frame["DS1 + stress S F1"] = (frame["DS1 S_f1"] + frame["stress S_f1"]) / 2
        frame[CHOICE_SCORE] = (frame[f"DS1 {SELECTION_SCORE}"] + frame["stress S_f1"]) / 2
        frame["chosen"] = frame[CHOICE_SCORE] == frame[CHOICE_SCORE].max()
        picked[rule] = frame.index[frame["chosen"]][0][1]
        frames.append(frame)
    return pd.concat(frames)


def chosen_rules(rules: pd.DataFrame) -> dict:
    """Each rule of :data:`DECISION_RULES` -> its value marked ``chosen`` in ``rules``
    (:func:`decision_rules`; the first chosen where several tie)."""
    picked = rules[rules["chosen"]].reset_index().groupby("rule", sort=False).first()
    return {rule: picked.loc[rule, "value"] for rule in DECISION_RULES}


def apply_rules(meta: pd.DataFrame, p: np.ndarray, picked: dict) -> np.ndarray:
    """``p`` after each rule of ``picked`` (:func:`chosen_rules`) at its value, in the
    order of :data:`DECISION_RULES`."""
    for rule, (apply, _) in DECISION_RULES.items():
        if rule in picked:
            p = apply(meta, p, float(picked[rule]))
    return p


def stress_by_scenario(meta: pd.DataFrame, y: np.ndarray, p: np.ndarray,
                       threshold: float, picked: dict) -> pd.DataFrame:
    """The stress S F1 of each of :data:`DECISION_RULES` at each value, after the rules
    before it at their ``picked`` values, one column per scenario of the stress beats
    ``meta`` (labels ``y``, probabilities ``p``)."""
    scenario = meta["scenario"].to_numpy()
    frame = rule_scores({f"{name} ": (meta[scenario == name], y[scenario == name],
                                      p[scenario == name]) for name in STRESS_SCENARIOS},
                        threshold, picked)
    return frame[[f"{name} S_f1" for name in STRESS_SCENARIOS]].set_axis(
        list(STRESS_SCENARIOS), axis=1)


#: seeds whose DS2 figures the chosen configuration reports, pooled
SEEDS = 5
def seeds_on_ds2(table, config: TrainConfig, threshold: float, seeds: int,
                 rules: dict | None = None) -> pd.DataFrame:
    """``config`` trained with seeds 0 .. ``seeds`` - 1 and tested on DS2 once each, its
    probabilities passed through ``rules`` (:func:`apply_rules`) when given: the test beats
    of all seeds pooled (each record's beats of every seed resampled together), so a Se is
    the seeds' mean; one row per :data:`FLOORS` figure with its 95% interval and whether it
    reaches the floor."""
    runs = [cached_run(table, replace(config, seed=k), verbose=0) for k in range(seeds)]
    test = runs[0].split.test
    meta = table.meta.iloc[test]
    y = np.tile(runs[0].y_test, seeds)
    p = np.concatenate([apply_rules(meta, r.test_proba, rules or {}) for r in runs])
    pred = predicted_labels(p, 0.5)
    records = np.tile(meta["record"].to_numpy(), seeds)
    classes = runs[0].scheme.classes
    ci = class_scores_ci(y, pred, classes, records).set_index("class")
    figures = {f"{c}_{m}": (ci.loc[c, m], ci.loc[c, f"{m}_low"], ci.loc[c, f"{m}_high"])
               for c in ("S", "V") for m in ("se", "ppv")}
    binary = metrics_table(y > 0, 1.0 - p[:, 0], threshold, ("normal", "abnormal"),
                           groups=records).set_index("metric").loc["balanced_accuracy"]
    figures["binary_balanced_accuracy"] = (binary.value, binary.ci_low, binary.ci_high)
    for group in ("record 232", "without 232"):
        inside = records == "232" if group == "record 232" else records != "232"
        s = inside & (y == classes.index("S"))
        figures[f"S_se {group}"] = (float((pred[s] == y[s]).mean()), np.nan, np.nan)
    return pd.DataFrame([{"figure": name, "value": figures[name][0],
                          "ci_low": figures[name][1], "ci_high": figures[name][2],
                          "floor": floor, "reached": bool(figures[name][0] >= floor)}
                         for name, floor in FLOORS.items()])


def train_args(config: TrainConfig) -> list[str]:
    """The exact ``ecglib train`` arguments that train ``config`` on MIT-BIH."""
    return ["--data", "mitdb", *config_to_args(config)]


if __name__ == "__main__":
    main()
