"""``ecglib book build``: the whole book with Jupyter Book and, while it runs, which chapter
and which model is at work and about how long is left.

Jupyter Book runs each chapter in its own kernel and prints nothing while a cell trains a
model. The chapters' long steps write one line to a progress file when they start and end
(:mod:`ecglib.core.progress`); this module runs the build, passes its output through, and
turns those lines into ``[05_training] training seed on the random split (binary); about
21 min left``. The time left comes from the measured first-build time of each chapter for
the profile (``book/chapter_times.csv``), so it is an upper bound when some chapters are
already in the execution cache.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from ..core.atomic import atomic_write_text
from ..core.errors import EcglibError
from ..core.progress import PROGRESS_ENV
from .profiles import book_config

#: a chapter named in Jupyter Book's output (myst-nb names the notebook it executes)
CHAPTER = re.compile(r"notebooks/(\d\d_\w+)(?:\.ipynb)?")
#: seconds without a line before a reminder that the build is still at work
QUIET_S = 60.0


def expected_seconds(times_csv: Path, profile: str) -> dict[str, float]:
    """Measured first-build seconds per chapter for ``profile`` (empty when not measured)."""
    if not times_csv.is_file():
        return {}
    table = pd.read_csv(times_csv, index_col="chapter", dtype=str)
    column = f"{profile} (s)"
    if column not in table:
        return {}
    seconds = pd.to_numeric(table[column], errors="coerce").dropna()
    return {str(k): float(v) for k, v in seconds.items() if str(k)[:2].isdigit()}


class Watch:
    """What the build is doing: the chapter being executed, when it began, the chapters
    done, and the expected time of each."""

    def __init__(self, expected: dict[str, float], clock: Callable[[], float] = time.time):
        self.expected = expected
        self.clock = clock
        self.chapter: str | None = None
        self.since = clock()
        self.done: set[str] = set()
        self.starts: list[tuple[float, str]] = []      # (when, chapter), in order
        self.last_line = clock()

    def saw(self, line: str) -> str | None:
        """Follow one line of Jupyter Book's output; the chapter it starts executing."""
        match = CHAPTER.search(line)
        if match and "Executing notebook" in line and "failed" not in line:
            if self.chapter is not None:
                self.done.add(self.chapter)
            self.chapter, self.since = match.group(1), self.clock()
            self.starts.append((self.since, self.chapter))
            return self.chapter
        if match and "Executed notebook" in line:
            self.done.add(match.group(1))
        return None

    def seconds_left(self) -> float | None:
        """Expected seconds left: the chapters not begun, and what remains of the current
        one (None when this profile's times were never measured)."""
        if not self.expected:
            return None
        rest = sum(s for c, s in self.expected.items()
                   if c not in self.done and c != self.chapter)
        if self.chapter is not None and self.chapter not in self.done:
            rest += max(self.expected.get(self.chapter, 0.0) - (self.clock() - self.since), 0.0)
        return rest

    def chapter_at(self, when: float) -> str | None:
        """The chapter that was running at time ``when`` (a progress line's stamp: it may be
        read after the next chapter began). A second of slack: this process notes a start
        a moment after Jupyter Book printed it, and stamps are rounded to 0.1 s."""
        running = [c for t, c in self.starts if t <= when + 1.0]
        return running[-1] if running else None

    def status(self, message: str, when: float | None = None) -> str:
        """``message`` with the chapter in front (the one running at ``when``, default
        now) and the time left behind."""
        left = self.seconds_left()
        where = (self.chapter if when is None else self.chapter_at(when)) or "book"
        tail = "" if left is None else f"; about {max(left / 60, 1):.0f} min left"
        return f"[{where}] {message}{tail}"


def jupyter_book() -> str:
    """The ``jupyter-book`` command beside this Python, else on the PATH."""
    beside = Path(sys.executable).parent / "jupyter-book"
    found = str(beside) if beside.is_file() else shutil.which("jupyter-book")
    if found is None:
        raise EcglibError("jupyter-book is not installed: pip install 'ecglib[book]'")
    return found


def build_book(profile: str, root: Path = Path("."), out: Path = Path("_build"),
               strict: bool = True, command: list[str] | None = None,
               echo: Callable[[str], None] = print) -> int:
    """Build the book in ``root`` with ``profile`` into ``out/html`` and show progress;
    the exit status of Jupyter Book (``command`` replaces it in tests)."""
    root, out = Path(root), Path(out)
    out.mkdir(parents=True, exist_ok=True)
    config = out / "_config.yml"
    atomic_write_text(config, book_config(root / "_config.yml", profile))
    progress = out / "progress.log"
    progress.unlink(missing_ok=True)
    watch = Watch(expected_seconds(root / "book" / "chapter_times.csv", profile))
    echo(watch.status(f"building the book with profile {profile!r}"))
    cmd = command or [jupyter_book(), "build", str(root), "--config", str(config),
                      *(["-W", "--keep-going"] if strict else [])]
    env = {**os.environ, "ECGLIB_PROFILE": profile, PROGRESS_ENV: str(progress.resolve()),
           "PYTHONUNBUFFERED": "1"}          # Jupyter Book's lines as they come
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=env, bufsize=1)
    stop = threading.Event()
    follower = threading.Thread(target=_follow, args=(progress, watch, echo, stop),
                                daemon=True)
    follower.start()
    assert proc.stdout is not None
    for line in proc.stdout:
        echo(line.rstrip("\n"))
        watch.last_line = watch.clock()
        if watch.saw(line):
            echo(watch.status(f"executing chapter {watch.chapter}"))
    code = proc.wait()
    stop.set()
    follower.join()
    return code


def _follow(progress: Path, watch: Watch, echo: Callable[[str], None],
            stop: threading.Event) -> None:
    """Show each new line of the progress file, and a reminder after a quiet minute."""
    offset = 0
    while True:
        finished = stop.is_set()
        if progress.is_file():
            with open(progress, "rb") as fh:
                fh.seek(offset)
                chunk = fh.read()
            complete = chunk[: chunk.rfind(b"\n") + 1]
            offset += len(complete)
            for line in complete.decode("utf-8", errors="replace").splitlines():
                stamp, _, message = line.partition(" ")
                try:
                    when = float(stamp)
                except ValueError:
                    when, message = None, line
                echo(watch.status(message, when))
                watch.last_line = watch.clock()
        if finished:
            return
        if watch.clock() - watch.last_line > QUIET_S:
            echo(watch.status(f"still at work ({(watch.clock() - watch.since) / 60:.0f} min "
                              f"in this chapter)"))
            watch.last_line = watch.clock()
        stop.wait(1.0)
