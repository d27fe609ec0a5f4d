"""The in-memory beat table every chapter works on, and its on-disk cache."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from ..beats.features import BEAT_FEATURES, beat_features
from ..beats.labels import LabelScheme, get_scheme
from ..core.atomic import atomic_open
from ..core.paths import cache_dir


class LeadTwins(NamedTuple):
    """The same beats as another lead recorded them (:func:`ecglib.data.leads.with_other_lead`).

    ``dataset`` names that lead's dataset; ``both`` is the table with that lead's beats
    appended; ``twin[i]`` is the row in ``both`` of row ``i``'s twin, -1 where it has none."""

    dataset: str
    both: "BeatTable"
    twin: np.ndarray


@dataclass
class BeatTable:
    """Beats ``X`` (n, 187) float32 in [0, 1] and one ``meta`` row per beat.

    ``meta`` columns: record, patient, sample (R peak in the original record), symbol
    (original annotation symbol), aami (AAMI class, or PTB's N / MI).
    ``info`` holds what the manifest reports (source, parameters, checksums, counts).
    ``twins``: the other lead's beats when loaded with one (``load(..., other_lead=)``).
    """

    X: np.ndarray
    meta: pd.DataFrame
    source: str
    synthetic: bool
    info: dict = field(default_factory=dict)
    twins: LeadTwins | None = None

    def __len__(self) -> int:
        return int(self.X.shape[0])

    def labels(self, scheme: str | LabelScheme = "binary") -> np.ndarray:
        """Integer labels of every beat under ``scheme`` (a name, JSON file or scheme)."""
        return get_scheme(scheme).encode(self.meta)

    def digest(self) -> str:
        """A digest of what models and splits read: the beats, their labels, records,
        patients and per-beat features (columns a user adds to ``meta`` are not read)."""
        read = [c for c in ("record", "patient", "symbol", "aami", *BEAT_FEATURES)
                if c in self.meta.columns]
        h = hashlib.sha256(np.ascontiguousarray(self.X).tobytes())
        h.update(json.dumps(read).encode())
        h.update(pd.util.hash_pandas_object(self.meta[read], index=False).to_numpy().tobytes())
        return h.hexdigest()[:24]

    def features(self, index: np.ndarray) -> pd.DataFrame | None:
        """The per-beat features of rows ``index`` (R-R and template columns,
        :func:`ecglib.beats.features.beat_features`), or None when these beats carry none
        (Kaggle files)."""
        return beat_features(self.meta.iloc[index])

    def subset(self, index: np.ndarray) -> "BeatTable":
        """A new table holding the rows ``index`` (meta re-indexed from 0), without twins."""
        return BeatTable(self.X[index], self.meta.iloc[index].reset_index(drop=True),
                         self.source, self.synthetic, dict(self.info))


def save_table(table: BeatTable, key: str, folder: Path | None = None) -> Path:
    """Store ``table`` in the cache under ``key``: one ``.npz`` file, renamed into place in
    one step, holding the arrays and a header (``_side``, JSON); the zip format keeps a
    CRC-32 of each, checked when it is read. Two processes saving the same key at once leave
    one of their entries whole, never one's arrays beside the other's header."""
    folder = folder or cache_dir() / "tables"
    arrays = {"X": table.X, **{f"meta_{c}": _column(table.meta[c]) for c in table.meta}}
    side = {"source": table.source, "synthetic": table.synthetic,
            "columns": list(table.meta.columns), "info": table.info}
    npz = folder / f"{key}.npz"
    with atomic_open(npz, "wb") as fh:
        np.savez(fh, _side=np.array(json.dumps(side, sort_keys=True)), **arrays)
    return npz


def _column(values: pd.Series) -> np.ndarray:
    """A meta column as a plain NumPy array (strings as fixed-width unicode, no pickling)."""
    if pd.api.types.is_numeric_dtype(values):
        return values.to_numpy()
    return values.astype(str).to_numpy(dtype=str)


def load_table(key: str, folder: Path | None = None) -> BeatTable | None:
    """The cached table for ``key``, or None when absent or damaged (a CRC-32 that does not
    match, a truncated file: then it is removed)."""
    folder = folder or cache_dir() / "tables"
    npz = folder / f"{key}.npz"
    if not npz.exists():
        return None
    try:
        with np.load(npz, allow_pickle=False) as data:    # reading a member checks its CRC
            side = json.loads(str(data["_side"]))
            X = data["X"]
            meta = pd.DataFrame({c: data[f"meta_{c}"] for c in side["columns"]})
    except Exception:
        npz.unlink(missing_ok=True)
        return None
    return BeatTable(X, meta, side["source"], side["synthetic"], side["info"])
