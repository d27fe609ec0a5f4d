"""Checks for the exercises chapter, and student copies without solutions.

Every ``check_*`` function computes the expected answer with ecglib itself (nothing typed
in), prints a short verdict and returns True or False.
"""
from __future__ import annotations

import copy
from pathlib import Path
from typing import Callable

import keras
import nbformat
import numpy as np
import pandas as pd

from ..atomic import atomic_write_text
from ..beattable import BeatTable
from ..reshape import to_steps, to_steps_padded
from ..splits import shared_records


def _verdict(ok: bool, good: str, bad: str) -> bool:
    print(("Correct: " + good) if ok else ("Not yet: " + bad))
    return bool(ok)


def check_abnormal_share(table: BeatTable, answer: float) -> bool:
    """Exercise 1: the share of abnormal beats (binary scheme) in ``table``."""
    expected = float(table.labels("binary").mean())
    return _verdict(abs(float(answer) - expected) < 1e-3, f"{expected:.4f} of beats are abnormal.",
                    "count label 1 in table.labels('binary') and divide by the number of beats.")


def check_dropped_indices(answer) -> bool:
    """Exercise 2: which sample indices ``to_steps`` drops."""
    kept = to_steps(np.arange(187, dtype=np.float32)[None, :] / 187).ravel() * 187
    expected = sorted(set(range(187)) - set(np.rint(kept).astype(int)))
    return _verdict(sorted(int(i) for i in answer) == expected, f"samples {expected} go.",
                    "reshape np.arange(187) and see which values are missing.")


def check_padded_reshape(func: Callable[[np.ndarray], np.ndarray]) -> bool:
    """Exercise 3: a function (n, 187) -> (n, 10, 19, 1) that keeps every sample."""
    X = np.random.default_rng(0).random((5, 187)).astype(np.float32)
    try:
        got = np.asarray(func(X))
    except Exception as exc:  # a student's function may fail in any way
        return _verdict(False, "", f"your function raised {type(exc).__name__}: {exc}")
    ok = got.shape == (5, 10, 19, 1) and np.allclose(got, to_steps_padded(X))
    return _verdict(ok, "all 187 samples kept, 3 zeros appended.",
                    f"expected shape (5, 10, 19, 1) with zeros at the end, got {got.shape}.")


def check_conv_params(answer: int) -> bool:
    """Exercise 4: parameters of Conv1D(256, kernel 5) on 256 input channels."""
    layer = keras.layers.Conv1D(256, 5)
    layer.build((None, 11, 256))
    expected = int(layer.count_params())
    return _verdict(int(answer) == expected, f"{expected:,} = 5 x 256 x 256 weights + 256 biases.",
                    "kernel x input channels x filters, plus one bias per filter.")


def check_lstm_params(answer: int) -> bool:
    """Exercise 5: parameters of LSTM(64) reading 256 features per step."""
    layer = keras.layers.LSTM(64)
    layer.build((None, 10, 256))
    expected = int(layer.count_params())
    return _verdict(int(answer) == expected, f"{expected:,} = 4 x (256 + 64 + 1) x 64.",
                    "four gates, each with input weights, recurrent weights and a bias.")


def check_sensitivity_specificity(cm: pd.DataFrame, sensitivity: float,
                                  specificity: float) -> bool:
    """Exercise 6: sensitivity and specificity for 'abnormal' from a confusion matrix."""
    tp = cm.loc["abnormal", "abnormal"]
    fn = cm.loc["abnormal", "normal"]
    tn = cm.loc["normal", "normal"]
    fp = cm.loc["normal", "abnormal"]
    se, sp = tp / (tp + fn), tn / (tn + fp)
    ok = abs(sensitivity - se) < 1e-3 and abs(specificity - sp) < 1e-3
    return _verdict(ok, f"sensitivity {se:.4f}, specificity {sp:.4f}.",
                    "sensitivity = TP / (TP + FN), specificity = TN / (TN + FP).")


def check_leaked_records(meta: pd.DataFrame, train_idx: np.ndarray, test_idx: np.ndarray,
                         answer: int) -> bool:
    """Exercise 7: how many records have beats in both the training and the test part."""
    expected = shared_records(meta, train_idx, test_idx)
    return _verdict(int(answer) == expected, f"{expected} records are on both sides.",
                    "compare the sets of meta['record'] in the two parts.")


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
        nb = nbformat.read(path, as_version=4)
        clean = nbformat.from_dict(student_copy(nb))
        target = Path(out_dir) / Path(path).name
        atomic_write_text(target, nbformat.writes(clean))
        written.append(target)
    return written
