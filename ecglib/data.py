"""One entry point to beat data: a registered dataset's name or a folder/file of beat CSVs."""
from __future__ import annotations

import sys
from pathlib import Path

from .beatfiles import load_beats
from .beattable import BeatTable
from .build import build_table
from .datasets import DATASETS
from .errors import EcglibError


def load(spec: str | Path, progress: bool = False, **kwargs) -> BeatTable:
    """A dataset name (``mitdb``, ``ptbdb``, ``synthetic``...) builds (or loads from cache)
    that dataset; ``"auto"`` is mitdb when it is available or downloadable, else synthetic;
    anything else is a path read by :func:`ecglib.beatfiles.load_beats`. A path that exists
    wins over a dataset of the same name (e.g. a beat folder ``./mitdb``), and a note says so."""
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
