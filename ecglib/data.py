"""One entry point to beat data: a source name or a folder/file of beat CSVs."""
from __future__ import annotations

from pathlib import Path

from .beattable import BeatTable
from .build import SOURCES, build_table


def load(spec: str | Path, progress: bool = False, **kwargs) -> BeatTable:
    """``"mitdb"``, ``"ptbdb"`` or ``"synthetic"`` build (or load from cache) that source;
    ``"auto"`` is mitdb when it is available or downloadable, else synthetic; anything else
    is a path read by :func:`ecglib.beatfiles.load_beats`."""
    if str(spec) == "auto":
        from .errors import EcglibError

        try:
            return build_table("mitdb", progress=progress, **kwargs)
        except (EcglibError, OSError) as exc:
            import sys

            print(f"ecglib: MIT-BIH unavailable ({exc}); using the SYNTHETIC source",
                  file=sys.stderr)
            return build_table("synthetic", progress=progress)
    if str(spec) in SOURCES:
        return build_table(str(spec), progress=progress, **kwargs)
    from .beatfiles import load_beats

    return load_beats(Path(spec))
