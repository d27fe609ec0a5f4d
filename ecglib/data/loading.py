"""One entry point to beat data: a registered dataset's name or a folder/file of beat CSVs."""
from __future__ import annotations

import sys
from pathlib import Path

from ..core.errors import EcglibError
from ..datasets import DATASETS
from .beatfiles import load_beats
from .beattable import BeatTable
from .build import build_table
from .leads import with_other_lead


def load(spec: str | Path, progress: bool = False, other_lead: str | None = None,
         **kwargs) -> BeatTable:
    """The beat table named by ``spec``.

    Parameters
    ----------
    spec
        A dataset name (``mitdb``, ``ptbdb``, ``synthetic``...) builds (or loads from cache)
        that dataset; ``"auto"`` is mitdb when it is available or downloadable, else
        synthetic; anything else is a path read by :func:`ecglib.data.beatfiles.load_beats`.
        A path that exists wins over a dataset of the same name (e.g. a beat folder
        ``./mitdb``), and a note says so.
    progress
        Show a progress bar while records are read.
    other_lead
        A dataset holding the same records in another lead (``mitdb_v`` for ``mitdb``): the
        table carries those beats as its ``twins`` (:func:`ecglib.data.leads.with_other_lead`).
    **kwargs
        Passed to :func:`ecglib.data.build.build_table` (``records``, ``data_dir``...).

    Returns
    -------
    BeatTable

    Examples
    --------
    >>> from ecglib.data import load
    >>> table = load("synthetic", n_synthetic=2)
    >>> table.X.shape[1], table.synthetic
    (187, True)
    """
    table = _load(spec, progress, **kwargs)
    return with_other_lead(table, other_lead) if other_lead else table


def _load(spec: str | Path, progress: bool, **kwargs) -> BeatTable:
    if str(spec) == "auto":
        try:
            return build_table("mitdb", progress=progress, **kwargs)
        except (EcglibError, OSError) as exc:
            print(f"ecglib: MIT-BIH unavailable ({exc}); using the SYNTHETIC source",
                  file=sys.stderr)
            return build_table("synthetic", progress=progress)
    if str(spec) in DATASETS and not Path(spec).exists():
        return build_table(str(spec), progress=progress, **kwargs)
    if str(spec) in DATASETS:
        print(f"ecglib: note: {spec!r} is an existing path here: reading the beat data in "
              f"{Path(spec).resolve()}, not the {spec} source (use ./{spec} or another name "
              f"to be explicit)", file=sys.stderr)
    return load_beats(Path(spec))
