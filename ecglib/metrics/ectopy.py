"""Where the ectopic beats of one class are found and missed: alone, in pairs, in runs, and
record by record.

Supraventricular (S) beats are easy to find when one comes early in a sinus rhythm and
hard when they come in runs (a supraventricular tachycardia) or make up most of a record:
then the "usual rhythm" a model compares a beat with is their own. One Se figure over all
S beats hides which of these a model gets right; :func:`ectopic_breakdown` splits it.

A run is a stretch of consecutive beats of the class in a record's beat sequence (the
beats given, ordered by their R-peak sample): a beat of run length 1 is isolated, 2 a
pair (couplet), 3 or more a run. Pure functions of labels and positions, like
:mod:`.scores`.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

#: the record that holds most of DS2's S beats (1,382 of 1,837): a slow rhythm with long
#: pauses in which S beats are most of the beats
FOCUS_RECORD = "232"


def run_lengths(records: np.ndarray, samples: np.ndarray, is_class: np.ndarray) -> np.ndarray:
    """For each beat: the length of the run of consecutive ``is_class`` beats it belongs to
    in its record's beat sequence (ordered by ``samples``); 0 for beats not of the class.

    Examples
    --------
    >>> import numpy as np
    >>> run_lengths(np.array(["a"] * 6), np.arange(6), np.array([1, 0, 1, 1, 1, 0], bool))
    array([1, 0, 3, 3, 3, 0])
    """
    records, is_class = np.asarray(records), np.asarray(is_class, dtype=bool)
    order = np.lexsort((np.asarray(samples), records))
    mine, rec = is_class[order], records[order]
    # a run starts at a class beat whose previous beat is another class or another record
    starts = mine & np.r_[True, ~mine[:-1] | (rec[1:] != rec[:-1])]
    run_id = np.cumsum(starts) * mine
    length = np.bincount(run_id)[run_id] * mine
    out = np.zeros(len(order), dtype=np.int64)
    out[order] = length
    return out


def ectopic_breakdown(records: np.ndarray, samples: np.ndarray, y: np.ndarray,
                      pred: np.ndarray, classes: tuple[str, ...], cls: str = "S",
                      focus: str = FOCUS_RECORD) -> pd.DataFrame:
    """Se of class ``cls`` by context, and Se, +P and F1 by record group.

    Rows (``group``): all beats; isolated beats, pairs and runs of 3 or more (Se only: a
    call cannot be assigned to a context); record ``focus`` and the rest (when ``focus``
    is among the records); then each record that holds beats of ``cls``, by its name.
    Columns: ``n``
    (reference beats of ``cls``), ``found``, ``se``, ``calls`` (beats called ``cls``),
    ``ppv``, ``f1`` (NaN where undefined) and ``kind`` (context / records / record).

    Examples
    --------
    >>> import numpy as np
    >>> y = np.array([0, 1, 0, 1, 1, 1, 0])
    >>> pred = np.array([0, 1, 0, 0, 1, 0, 1])
    >>> b = ectopic_breakdown(np.array(["r"] * 7), np.arange(7), y, pred, ("N", "S"))
    >>> b = b.set_index("group")
    >>> b.loc[["all", "isolated", "runs of 3+"], ["n", "found"]].to_dict("list")
    {'n': [4, 1, 3], 'found': [2, 1, 1]}
    """
    if cls not in classes:
        raise ValueError(f"ectopic_breakdown: class {cls!r} is not one of {list(classes)}")
    c = classes.index(cls)
    records = np.asarray(records).astype(str)
    true, called = np.asarray(y) == c, np.asarray(pred) == c
    length = run_lengths(records, samples, true)
    rows = [_row("all", "records", true, called)]
    for name, members in (("isolated", length == 1), ("pairs", length == 2),
                          ("runs of 3+", length >= 3)):
        rows.append(_row(name, "context", true & members, called, calls_known=False))
    if focus in set(records):
        rows.append(_row(f"record {focus}", "records", true & (records == focus),
                         called & (records == focus)))
        rows.append(_row(f"without {focus}", "records", true & (records != focus),
                         called & (records != focus)))
    for record in sorted(set(records[true])):
        here = records == record
        rows.append(_row(record, "record", true & here, called & here))
    return pd.DataFrame(rows)


def _row(group: str, kind: str, true: np.ndarray, called: np.ndarray,
         calls_known: bool = True) -> dict:
    """Counts and scores of the group's reference beats ``true`` and its calls ``called``
    (beat masks); without ``calls_known`` (a context: a call cannot be assigned to one)
    only the Se."""
    n, found = int(true.sum()), int((true & called).sum())
    row = {"group": group, "kind": kind, "n": n, "found": found,
           "se": found / n if n else np.nan, "calls": np.nan, "ppv": np.nan, "f1": np.nan}
    if calls_known:
        calls = int(called.sum())
        row.update({"calls": calls, "ppv": found / calls if calls else np.nan,
                    "f1": 2 * found / (n + calls) if n + calls else np.nan})
    return row
