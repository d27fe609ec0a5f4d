"""Reading a notebook file: one place, so that every command names a file it cannot read."""
from __future__ import annotations

from pathlib import Path

import nbformat

from ..core.errors import DataError


def read_notebook(path: str | Path) -> nbformat.NotebookNode:
    """The notebook at ``path`` (nbformat 4); a missing, non-UTF-8 or malformed file is a
    :class:`DataError` naming it."""
    try:
        return nbformat.read(Path(path), as_version=4)
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not a notebook: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise DataError(f"{path}: cannot read ({exc.strerror})") from None
    except Exception as exc:      # nbformat raises JSON, validation and version errors
        raise DataError(f"{path}: not a readable notebook ({type(exc).__name__}: "
                        f"{str(exc)[:200]})") from None
