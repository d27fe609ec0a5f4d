"""Progress lines for a watcher outside the process: ``$ECGLIB_PROGRESS`` names a file, and
long steps (training a run, cross-validating a configuration) append one line to it when
they start and when they end. ``ecglib book build`` sets it and shows those lines, with the
chapter and the time left, while Jupyter Book runs the chapters in their own kernels."""
from __future__ import annotations

import os
import time

#: the environment variable naming the progress file
PROGRESS_ENV = "ECGLIB_PROGRESS"


def report(message: str) -> None:
    """Append ``message`` (one line, with the time) to ``$ECGLIB_PROGRESS`` when it is set;
    a file that cannot be written is ignored: progress never stops the work."""
    path = os.environ.get(PROGRESS_ENV)
    if not path:
        return
    line = f"{time.time():.1f} {' '.join(message.split())}\n"
    try:
        with open(path, "a", encoding="utf-8") as fh:      # one short write: atomic in O_APPEND
            fh.write(line)
    except OSError:
        pass
