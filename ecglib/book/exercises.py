"""The book's exercise checks, and student copies of the chapters without solutions.

Every exercise with a definite answer has one ``check_*`` function here, registered under
the label of its ``{exercise}`` block (:data:`EXERCISES`). A check computes the expected
answer with ecglib or scikit-learn itself (nothing typed in), prints a short verdict and
returns a :class:`Verdict`, true when the answer is right, which a notebook does not display
(the printed line is the verdict). It never raises: an answer still ``None`` reads "not answered yet",
an answer it cannot read is wrong. When ``$ECGLIB_GRADE_LOG`` names a file, each verdict is
also appended to it as one JSON line, which is how :mod:`ecglib.book.grading` collects them.
"""
from __future__ import annotations

import copy
import functools
import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import nbformat
import numpy as np
import pandas as pd

from ..beats.reshape import to_steps, to_steps_padded
from ..beats.segmentation import BEAT_LENGTH, SegmentParams, segment, windows
from ..core.atomic import atomic_write_text
from ..data.beattable import BeatTable
from ..training.splits import shared_records
from .nbread import read_notebook

#: the environment variable naming the file verdicts are appended to (one JSON per line)
GRADE_LOG = "ECGLIB_GRADE_LOG"


@dataclass(frozen=True)
class Exercise:
    """An exercise with a definite answer: its label in the book, its chapter, its check."""

    label: str
    chapter: str
    check: Callable[..., bool]


EXERCISES: dict[str, Exercise] = {}


class Verdict:
    """A check's result: true when the answer is right. A notebook displays nothing for it
    (the check has printed its verdict), so a check cell shows one line, not a stray True."""

    __slots__ = ("passed",)

    def __init__(self, passed: bool) -> None:
        self.passed = bool(passed)

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:
        return f"Verdict(passed={self.passed})"

    def _ipython_display_(self) -> None:
        """Display nothing in IPython and Jupyter."""


def _log(label: str, ok: bool) -> None:
    path = os.environ.get(GRADE_LOG)
    if path:
        with open(path, "a", encoding="utf-8") as log:
            log.write(json.dumps({"exercise": label, "passed": ok}) + "\n")


def exercise(label: str, chapter: str) -> Callable:
    """Register a check for exercise ``label`` of ``chapter`` (a notebook stem)."""
    def register(check: Callable[..., bool]) -> Callable[..., bool]:
        @functools.wraps(check)
        def checked(*args, **kwargs) -> Verdict:
            if any(a is None for a in (*args, *kwargs.values())):
                print("Not yet: no answer yet (replace None with yours).")
                ok = False
            else:
                try:
                    ok = bool(check(*args, **kwargs))
                except Exception as exc:   # a student's answer may be of any shape or type
                    print(f"Not yet: your answer could not be checked "
                          f"({type(exc).__name__}: {exc}).")
                    ok = False
            _log(label, ok)
            return Verdict(ok)

        EXERCISES[label] = Exercise(label, chapter, checked)
        return checked
    return register


def _verdict(ok: bool, good: str, bad: str) -> bool:
    print(("Correct: " + good) if ok else ("Not yet: " + bad))
    return bool(ok)


def _close(a: float, b: float, tol: float = 1e-3) -> bool:
    return abs(float(a) - float(b)) <= tol


# --- chapter 1: the data ------------------------------------------------------------------
@exercise("ex-share", "01_data")
def check_abnormal_share(table: BeatTable, answer: float) -> bool:
    """The share of abnormal beats (binary scheme) in ``table``."""
    expected = float(table.labels("binary").mean())
    return _verdict(_close(answer, expected), f"{expected:.4f} of beats are abnormal.",
                    "count label 1 in table.labels('binary') and divide by the number of beats.")


@exercise("ex-rarest", "01_data")
def check_rarest_class(table: BeatTable, name: str, count: int) -> bool:
    """The rarest AAMI class present in ``table`` and its number of beats."""
    counts = table.meta["aami"].value_counts()
    rarest = str(counts.idxmin())
    ok = str(name) == rarest and int(count) == int(counts.min())
    return _verdict(ok, f"{rarest}, with {int(counts.min()):,} beats.",
                    "table.meta['aami'].value_counts() lists every class with its count.")


# --- chapter 2: building the beats -------------------------------------------------------
@exercise("ex-cut-length", "02_building")
def check_cut_length(bpm: float, answer: int) -> bool:
    """Samples a beat keeps at 125 Hz when the heart beats ``bpm`` times a minute."""
    params = SegmentParams()
    rr = 60.0 / float(bpm) * params.fs
    expected = min(int(round(params.rr_factor * rr)), params.length)
    return _verdict(int(answer) == expected,
                    f"{params.rr_factor} x {rr:.0f} samples = {expected} samples (at most "
                    f"{params.length}).",
                    f"the R-R interval in samples is 60 / bpm x {params.fs}; the cut is "
                    f"{params.rr_factor} times it, and a row holds at most {params.length} "
                    "samples.")


@exercise("ex-next-window", "02_building")
def check_window_beats(x: np.ndarray, peaks: np.ndarray, window: int,
                       beats: np.ndarray) -> bool:
    """Beats cut by hand from window number ``window`` of a 125 Hz signal ``x``."""
    cut, kept = segment(x, peaks)
    found = [w for i, w in enumerate(windows(x, peaks)) if i == int(window)]
    if not found:
        return _verdict(False, "", f"the signal has no window number {window}.")
    w = found[0]
    expected = cut[np.cumsum(kept)[w.lo:w.hi] - 1] if w.norm is not None \
        else np.zeros((0, BEAT_LENGTH), dtype=np.float32)
    got = np.asarray(beats, dtype=np.float32)
    ok = got.shape == expected.shape and np.allclose(got, expected, atol=1e-6)
    return _verdict(ok, f"the {len(expected)} beats of window {window} match "
                        "ecglib.beats.segmentation.",
                    f"expected {expected.shape} beats, got {got.shape}; normalise the window "
                    "on its own, use its own median R-R, and zero-pad every row.")


# --- chapter 3: the reshape ----------------------------------------------------------------
@exercise("ex-dropped", "03_reshape")
def check_dropped_indices(answer) -> bool:
    """Which sample indices ``to_steps`` drops."""
    kept = to_steps(np.arange(187, dtype=np.float32)[None, :] / 187).ravel() * 187
    expected = sorted(set(range(187)) - set(np.rint(kept).astype(int)))
    return _verdict(sorted(int(i) for i in answer) == expected, f"samples {expected} go.",
                    "reshape np.arange(187) and see which values are missing.")


@exercise("ex-padded", "03_reshape")
def check_padded_reshape(func: Callable[[np.ndarray], np.ndarray]) -> bool:
    """A function (n, 187) -> (n, 10, 19, 1) that keeps every sample."""
    X = np.random.default_rng(0).random((5, 187)).astype(np.float32)
    got = np.asarray(func(X))
    ok = got.shape == (5, 10, 19, 1) and np.allclose(got, to_steps_padded(X))
    return _verdict(ok, "all 187 samples kept, 3 zeros appended.",
                    f"expected shape (5, 10, 19, 1) with zeros at the end, got {got.shape}.")


@exercise("ex-step-position", "03_reshape")
def check_step_position(sample: int, step: int, position: int) -> bool:
    """The step (1-10) and the position in it (0-17) where ``to_steps`` puts ``sample``."""
    where = np.argwhere(to_steps(np.arange(187, dtype=np.float32)[None, :])[0, :, :, 0]
                        == int(sample))
    if where.size == 0:
        return _verdict(False, "", f"sample {sample} is dropped by the reshape.")
    s, p = int(where[0, 0]) + 1, int(where[0, 1])
    return _verdict((int(step), int(position)) == (s, p),
                    f"sample {sample} is position {p} of step {s}.",
                    "step = sample // 18 + 1 (counting from 1), position = sample % 18.")


# --- chapter 4: the model ------------------------------------------------------------------
def _keras_params(layer, input_shape: tuple) -> int:
    layer.build(input_shape)
    return int(layer.count_params())


@exercise("ex-conv", "04_model")
def check_conv_params(answer: int) -> bool:
    """Parameters of Conv1D(256, kernel 5) on 256 input channels."""
    import keras

    expected = _keras_params(keras.layers.Conv1D(256, 5), (None, 11, 256))
    return _verdict(int(answer) == expected, f"{expected:,} = 5 x 256 x 256 weights + 256 biases.",
                    "kernel x input channels x filters, plus one bias per filter.")


@exercise("ex-lstm", "04_model")
def check_lstm_params(answer: int) -> bool:
    """Parameters of LSTM(64) reading 256 features per step."""
    import keras

    expected = _keras_params(keras.layers.LSTM(64), (None, 10, 256))
    return _verdict(int(answer) == expected, f"{expected:,} = 4 x (256 + 64 + 1) x 64.",
                    "four gates, each with input weights, recurrent weights and a bias.")


@exercise("ex-dense-bn", "04_model")
def check_dense_bn_params(answer: int) -> bool:
    """Parameters of the seed's first Dense(1024) (reading the LSTM's 64) + its BatchNorm."""
    import keras

    expected = _keras_params(keras.layers.Dense(1024), (None, 64)) + \
        _keras_params(keras.layers.BatchNormalization(), (None, 1024))
    return _verdict(int(answer) == expected,
                    f"{expected:,} = 64 x 1024 + 1024 (Dense) + 4 x 1024 (BatchNormalization: "
                    "gamma, beta, moving mean, moving variance).",
                    "a Dense layer has inputs x units weights plus units biases; a "
                    "BatchNormalization layer holds four numbers per unit.")


# --- chapter 5: training -------------------------------------------------------------------
@exercise("ex-updates", "05_training")
def check_updates_per_epoch(n_beats: int, batch_size: int, answer: int) -> bool:
    """Weight updates in one epoch over ``n_beats`` in batches of ``batch_size``."""
    expected = math.ceil(int(n_beats) / int(batch_size))
    return _verdict(int(answer) == expected, f"{expected:,} updates (the last batch is smaller).",
                    "one update per batch: the number of beats divided by the batch size, "
                    "rounded up.")


@exercise("ex-bn-memory", "05_training")
def check_bn_steps(momentum: float, share: float, answer: int) -> bool:
    """Steps until the initial moving variance weighs less than ``share`` at ``momentum``."""
    expected = math.ceil(math.log(float(share)) / math.log(float(momentum)))
    return _verdict(int(answer) == expected,
                    f"{momentum}^{expected} = {float(momentum) ** expected:.4f} < {share}.",
                    f"find the smallest k with {momentum}^k < {share}: k > log(share) / "
                    "log(momentum).")


# --- chapter 6: evaluation -----------------------------------------------------------------
@exercise("ex-sesp", "06_evaluation")
def check_sensitivity_specificity(cm: pd.DataFrame, sensitivity: float,
                                  specificity: float) -> bool:
    """Sensitivity and specificity for 'abnormal' from a confusion matrix."""
    tp, fn = cm.loc["abnormal", "abnormal"], cm.loc["abnormal", "normal"]
    tn, fp = cm.loc["normal", "normal"], cm.loc["normal", "abnormal"]
    se, sp = tp / (tp + fn), tn / (tn + fp)
    return _verdict(_close(sensitivity, se) and _close(specificity, sp),
                    f"sensitivity {se:.4f}, specificity {sp:.4f}.",
                    "sensitivity = TP / (TP + FN), specificity = TN / (TN + FP).")


@exercise("ex-auroc", "06_evaluation")
def check_auroc(y: np.ndarray, p: np.ndarray, answer: float) -> bool:
    """The area under the ROC curve of scores ``p`` for labels ``y``."""
    from sklearn.metrics import roc_auc_score

    expected = float(roc_auc_score(y, p))
    return _verdict(_close(answer, expected, 1e-6), f"AUROC {expected:.4f}.",
                    "compare every abnormal beat's score with every normal beat's: the share "
                    "of pairs ranked right, ties counting one half.")


# --- chapter 7: honest evaluation ----------------------------------------------------------
@exercise("ex-leak", "07_honest_evaluation")
def check_leaked_records(meta: pd.DataFrame, train_idx: np.ndarray, test_idx: np.ndarray,
                         answer: int) -> bool:
    """How many records have beats in both the training and the test part."""
    expected = shared_records(meta, train_idx, test_idx)
    return _verdict(int(answer) == expected, f"{expected} records are on both sides.",
                    "compare the sets of meta['record'] in the two parts.")


@exercise("ex-record-ci", "07_honest_evaluation")
def check_record_ci(records: np.ndarray, y: np.ndarray, p: np.ndarray, threshold: float,
                    low: float, high: float) -> bool:
    """A 95% interval for balanced accuracy that resamples whole records.

    Bootstrap intervals vary with the random draws: the answer is right when both ends lie
    within 0.02 of the interval from 4,000 record resamples, computed here from per-record
    counts of true positives, positives, true negatives and negatives."""
    records, y = np.asarray(records), np.asarray(y)
    hit = (np.asarray(p) >= threshold) == (y == 1)
    names, which = np.unique(records, return_inverse=True)
    counts = np.stack([np.bincount(which, (hit & (y == 1)).astype(float), names.size),
                       np.bincount(which, (y == 1).astype(float), names.size),
                       np.bincount(which, (hit & (y == 0)).astype(float), names.size),
                       np.bincount(which, (y == 0).astype(float), names.size)], axis=1)
    draws = np.random.default_rng(0).integers(0, names.size, (4000, names.size))
    tp, pos, tn, neg = counts[draws].sum(axis=1).T
    both = (pos > 0) & (neg > 0)
    ba = 0.5 * (tp[both] / pos[both] + tn[both] / neg[both])
    ref_low, ref_high = np.quantile(ba, [0.025, 0.975])
    ok = _close(low, ref_low, 0.02) and _close(high, ref_high, 0.02)
    return _verdict(ok, f"about [{ref_low:.3f}, {ref_high:.3f}] "
                        f"(yours [{float(low):.3f}, {float(high):.3f}]).",
                    f"the interval is about [{ref_low:.3f}, {ref_high:.3f}]: draw as many "
                    "records as there are, with replacement, keep all beats of each, and take "
                    "the 2.5% and 97.5% quantiles over many draws.")


# --- chapter 8: new patients ---------------------------------------------------------------
@exercise("ex-pre-rr", "08_new_patients")
def check_pre_rr(table: BeatTable, row: int, fs: float, answer: float) -> bool:
    """The pre-R-R interval (seconds) of beat ``row``, from the annotation samples."""
    expected = float(table.meta["pre_rr"].iloc[int(row)])
    prev = int(row) - 1
    same = prev >= 0 and table.meta["record"].iloc[prev] == table.meta["record"].iloc[int(row)]
    hint = (f"(sample of beat {row} - sample of beat {prev}) / {fs:g} Hz" if same
            else "this beat is the first of its record: pick another")
    return _verdict(_close(answer, expected), f"{expected:.4f} s, as in meta['pre_rr'].", hint)


@exercise("ex-early-by-mean", "08_new_patients")
def check_early_shares(meta: pd.DataFrame, record: str, by_mean: float,
                       by_median: float) -> bool:
    """Shares of ``record``'s S beats that come early (below 0.9) by the record's running
    mean interval (``pre_rr_norm``) and by the median interval around them (``pre_centre``)."""
    s = meta[(meta["record"] == record) & (meta["aami"] == "S")]
    if s.empty:
        return _verdict(False, "", f"record {record!r} has no S beats: take the record of the "
                                   "figure (worst).")
    mean_share = float((s["pre_rr_norm"] < 0.9).mean())
    median_share = float((s["pre_centre"] < 0.9).mean())
    ok = _close(by_mean, mean_share) and _close(by_median, median_share)
    return _verdict(ok, f"{mean_share:.3f} of its S beats are early by the running mean, "
                        f"{median_share:.3f} by the median around them.",
                    "take the record's S beats from meta and the share of pre_rr_norm < 0.9, "
                    "then of pre_centre < 0.9.")


# --- chapter 9: when the ectopic beat is the rhythm ------------------------------------------
@exercise("ex-captured-median", "09_rhythm_references")
def check_captured_median(stress_meta: pd.DataFrame, share: float, median: float) -> bool:
    """The share of S beats among the ``s_dominant`` stress beats, and the median
    ``pre_centre`` of those S beats."""
    beats = stress_meta[stress_meta["scenario"] == "s_dominant"]
    s = beats[beats["aami"] == "S"]
    if s.empty:
        return _verdict(False, "", "this stress set holds no S beat of the s_dominant "
                                   "scenario: build it with stress_for(ch.table, pool).")
    expected_share = float((beats["aami"] == "S").mean())
    expected_median = float(s["pre_centre"].median())
    ok = _close(share, expected_share) and _close(median, expected_median)
    return _verdict(ok, f"{expected_share:.3f} of the s_dominant beats are S, and their median "
                        f"pre_centre is {expected_median:.3f}: by the centred median they come "
                        "on time.",
                    "keep the rows of stress.meta whose scenario is 's_dominant'; the share is "
                    "the mean of aami == 'S', the median that of pre_centre over the S rows.")


# --- chapter 10: baselines -----------------------------------------------------------------
@exercise("ex-small-model", "10_baselines")
def check_small_model(n_params: int, y_test: np.ndarray, p_test: np.ndarray,
                      seed_run) -> bool:
    """A model under 60,000 parameters that matches the seed (AUROC within 0.005) on the
    seed's own test beats."""
    from sklearn.metrics import roc_auc_score

    y_test = np.asarray(y_test)
    if y_test.shape != seed_run.y_test.shape or not np.array_equal(y_test, seed_run.y_test):
        return _verdict(False, "", "test on the seed's test beats: seed_run.split.test.")
    mine, seed = float(roc_auc_score(y_test, p_test)), float(roc_auc_score(y_test,
                                                                          seed_run.test_proba))
    ok = int(n_params) < 60_000 and mine >= seed - 0.005
    return _verdict(ok, f"{int(n_params):,} parameters, AUROC {mine:.4f} vs the seed's "
                        f"{seed:.4f}.",
                    f"{int(n_params):,} parameters (limit 60,000), AUROC {mine:.4f} vs the "
                    f"seed's {seed:.4f}.")


# --- chapter 11: a raw record ---------------------------------------------------------------
@exercise("ex-detection", "11_raw_record")
def check_detection_share(predictions: pd.DataFrame, n_reference: int, answer: float) -> bool:
    """The share of the ``n_reference`` reference beats that the detector found."""
    expected = int((predictions["reference"] != "").sum()) / int(n_reference)
    return _verdict(_close(answer, expected), f"{expected:.4f} of the reference beats.",
                    "count detected beats with a matched reference class, divide by the "
                    "number of reference beats.")


# --- chapter 12: projects ------------------------------------------------------------------
@exercise("ex-seed190", "12_exercises")
def check_seed190(model) -> bool:
    """A Keras model equal, layer by layer, to ecglib's seed190 (steps of 19 samples)."""
    from ..models import seed_model, summary_table

    reference = seed_model(step_len=19)
    expected, got = summary_table(reference), summary_table(model)
    cols = ["type", "output_shape", "params"]
    ok = tuple(model.input_shape) == tuple(reference.input_shape) and \
        got.shape == expected.shape and got[cols].astype(str).equals(expected[cols].astype(str))
    return _verdict(ok, f"{int(expected['params'].sum()):,} parameters, every layer as in "
                        "ecglib.models.seed_model(step_len=19).",
                    "compare summary_table(model) with summary_table(seed_model(step_len=19)) "
                    "row by row.")


def student_copy(notebook: dict) -> dict:
    """A copy of a notebook (nbformat dict) without solutions and without outputs.

    Removed: code cells tagged ``solution``, and every cell from a markdown cell opening a
    ``{solution-start}`` block to the one holding ``{solution-end}`` (sphinx-exercise's gated
    solutions), as well as plain ``{solution}`` blocks. The ``{solution-end}`` fence must sit
    in a cell of its own, so that nothing after it is lost.
    """
    nb = copy.deepcopy(notebook)
    cells, inside = [], False
    for cell in nb["cells"]:
        src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if "{solution-start}" in src:
            inside = True
        if not inside and "solution" not in cell.get("metadata", {}).get("tags", []) \
                and "```{solution}" not in src:
            if cell["cell_type"] == "code":
                cell["outputs"], cell["execution_count"] = [], None
            cells.append(cell)
        if "{solution-end}" in src:
            if src.replace("```{solution-end}", "").replace("```", "").strip():
                raise ValueError("a {solution-end} fence must be alone in its cell: "
                                 + src[:80])
            inside = False
    nb["cells"] = cells
    return nb


def write_student_copies(notebooks: list[Path], out_dir: Path) -> list[Path]:
    """Write solution-free copies of ``notebooks`` into ``out_dir``."""
    written = []
    for path in notebooks:
        nb = read_notebook(path)
        clean = nbformat.from_dict(student_copy(nb))
        target = Path(out_dir) / Path(path).name
        atomic_write_text(target, nbformat.writes(clean))
        written.append(target)
    return written
