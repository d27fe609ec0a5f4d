"""Training on more than one lead: every training beat also as another lead recorded it.

A model that learned its beats in one lead (MLII for MIT-BIH) meets other leads in other
recordings (svdb does not name its leads; a monitor may record any). With
``TrainConfig.other_lead`` set to a dataset holding the same records read from another lead
(``mitdb_v`` for ``mitdb``), each training and validation beat also enters training as that
lead saw it: the same reference beat (same record and sample), the same label, the same
patient. Test beats are untouched, and the split is made on the first table only, so a
patient stays on one side of it in both leads.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from ..core.errors import DataError
from .beattable import BeatTable, LeadTwins
from .build import build_table


def lead_twins(table: BeatTable, dataset: str) -> tuple[BeatTable, np.ndarray]:
    """``table`` with the beats of ``dataset`` for the same records appended, and for each
    row of ``table`` the row of its twin (the same record and sample) there, -1 where the
    other lead has none (a flat window in that lead). ``dataset`` is read from where it
    lives (``ECGLIB_DATA_DIR``, else downloaded)."""
    if dataset == table.source:
        raise DataError(f"other lead {dataset!r} is the lead these beats come from: name the "
                        f"dataset of another lead (mitdb_v for mitdb)")
    records = sorted(table.meta["record"].astype(str).unique())
    other = build_table(dataset, records=records, progress=False)
    where = pd.Series(np.arange(len(other)), index=pd.MultiIndex.from_frame(
        other.meta[["record", "sample"]].astype({"record": str})))
    twin = where.reindex(pd.MultiIndex.from_frame(
        table.meta[["record", "sample"]].astype({"record": str}))).to_numpy()
    found = ~np.isnan(twin)
    if found.mean() < 0.9:
        raise DataError(f"other lead {dataset!r}: only {found.mean():.0%} of the beats of "
                        f"{table.source!r} are there (same record and sample); it must "
                        f"hold the same records and reference beats in another lead")
    twin = np.where(found, twin, -1).astype(np.int64)
    mine = twin[found]
    for column in ("aami", "symbol", "patient"):
        here, there = table.meta[column].to_numpy()[found], other.meta[column].to_numpy()
        if not (here == there[mine]).all():
            raise DataError(f"other lead {dataset!r}: its beats' {column} differ from "
                            f"{table.source!r}'s for the same record and sample")
    both = BeatTable(np.vstack([table.X, other.X]),
                     pd.concat([table.meta, other.meta[table.meta.columns]], ignore_index=True),
                     f"{table.source} + {dataset}", table.synthetic, dict(table.info))
    return both, np.where(twin >= 0, twin + len(table), -1)


def with_other_lead(table: BeatTable, dataset: str) -> BeatTable:
    """``table`` carrying its beats as the lead of ``dataset`` recorded them (its ``twins``),
    which training joins to the training and validation beats when
    ``TrainConfig.other_lead`` names that dataset. The beats themselves are unchanged."""
    both, twin = lead_twins(table, dataset)
    return replace(table, twins=LeadTwins(dataset, both, twin))


def with_twins(rows: np.ndarray, twin: np.ndarray) -> np.ndarray:
    """``rows`` followed by the rows of their twins (those that have one)."""
    mine = twin[rows]
    return np.concatenate([rows, mine[mine >= 0]])
