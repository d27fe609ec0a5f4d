"""``ecglib book build``: the whole book with Jupyter Book and, while it runs, which chapters
and which models are at work and about how long is left.

The chapters run first, several at a time (:mod:`.execute`), into Jupyter Book's execution
cache; Jupyter Book then renders them. The chapters' long steps write one line to a
progress file when they start and end (:mod:`ecglib.core.progress`), one file per chapter;
this module shows those lines as ``[05_training] training seed on the random split
(binary); about 21 min left``. The time left comes from the measured first-build time of
each chapter for the profile (``book/chapter_times.csv``), shared among the parallel runs
longest first as the build shares them. A chapter that an earlier build with the same run
cache and profile completed has its runs there: it is expected to take its measured time
with the run cache warm (:func:`built_chapters`), and it is scheduled by that time.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import yaml

from ..core.atomic import atomic_write_json, atomic_write_text
from ..core.errors import EcglibError
from ..core.paths import cache_dir
from ..core.threads import shared_cores_env
from .execute import Executed, execute_chapters, not_cached, toc_notebooks
from .profiles import book_config

#: seconds without a line before a reminder that the build is still at work
QUIET_S = 60.0


def expected_seconds(times_csv: Path, profile: str, jobs: int = 1,
                     warm: frozenset[str] = frozenset()) -> dict[str, float]:
    """Measured first-build seconds per chapter for ``profile`` (empty when not measured):
    those measured ``jobs`` chapters at a time where the table has them (each chapter then
    has fewer cores), else one at a time. The chapters ``warm``, whose runs are in the run
    cache, get their time measured so (column ``PROFILE, run cache warm (s)``) where the
    table has it."""
    if not times_csv.is_file():
        return {}
    table = pd.read_csv(times_csv, index_col="chapter", dtype=str)
    column = next((c for c in (f"{profile}, {jobs} at a time (s)", f"{profile} (s)")
                   if c in table), None)
    if column is None:
        return {}
    seconds = pd.to_numeric(table[column], errors="coerce")
    rebuilt = f"{profile}, run cache warm (s)"
    if warm and rebuilt in table:
        again = pd.to_numeric(table[rebuilt], errors="coerce")
        seconds = seconds.where(~seconds.index.isin(list(warm)) | again.isna(), again)
    return {str(k): float(v) for k, v in seconds.dropna().items() if str(k)[:2].isdigit()}


def _built() -> tuple[Path, dict]:
    """The file of :func:`built_chapters` and what it holds (empty when missing or damaged)."""
    path = cache_dir() / "book" / "built.json"
    try:
        built = json.loads(path.read_text())
    except (OSError, ValueError):
        built = {}
    return path, built if isinstance(built, dict) else {}


def built_chapters(profile: str) -> frozenset[str]:
    """The chapters that builds with this run cache (``$ECGLIB_CACHE_DIR``) and ``profile``
    have completed: their runs are in the cache, unless a change to ecglib changed their
    keys since (then the estimate is low)."""
    names = _built()[1].get(profile, [])
    return frozenset(str(n) for n in names) if isinstance(names, list) else frozenset()


def mark_built(profile: str, chapters: list[str]) -> None:
    """Record that ``chapters`` completed with ``profile`` and this run cache."""
    if not chapters:
        return
    path, built = _built()
    built[profile] = sorted(built_chapters(profile) | set(chapters))
    atomic_write_json(path, built)


class Watch:
    """What the build is doing: the chapters to run, those running (since when), those
    done, the expected time of each and how many run at once."""

    def __init__(self, expected: dict[str, float], jobs: int = 1,
                 clock: Callable[[], float] = time.time):
        self.expected = expected
        self.jobs = max(jobs, 1)
        self.clock = clock
        self.running: dict[str, float] = {}
        self.done: set[str] = set()
        self.last_line = clock()

    def start(self, chapter: str) -> None:
        """``chapter`` began now."""
        self.running[chapter] = self.clock()

    def finish(self, chapter: str) -> None:
        """``chapter`` is done."""
        self.running.pop(chapter, None)
        self.done.add(chapter)

    def seconds_left(self) -> float | None:
        """Expected seconds until the last chapter is done: what remains of the running
        ones, then the others handed longest first to whichever run ends first (None when
        this profile's times were never measured)."""
        if not self.expected:
            return None
        now = self.clock()
        loads = sorted(max(self.expected.get(c, 0.0) - (now - since), 0.0)
                       for c, since in self.running.items())
        loads = ([0.0] * max(self.jobs - len(loads), 0) + loads)
        for seconds in sorted((s for c, s in self.expected.items()
                               if c not in self.done and c not in self.running),
                              reverse=True):
            loads.sort()
            loads[0] += seconds
        return max(loads, default=0.0)

    def status(self, message: str, chapter: str | None = None) -> str:
        """``message`` with ``chapter`` (default: the book) in front and the time left
        behind."""
        left = self.seconds_left()
        tail = "" if left is None else f"; about {_duration(left)} left"
        return f"[{chapter or 'book'}] {message}{tail}"


def _duration(seconds: float) -> str:
    """``seconds`` as a person reads a time left: to 10 s under two minutes, else minutes."""
    if seconds < 120:
        return f"{max(10 * round(seconds / 10), 10):.0f} s"
    return f"{seconds / 60:.0f} min"


def jupyter_book() -> str:
    """The ``jupyter-book`` command beside this Python, else on the PATH."""
    beside = Path(sys.executable).parent / "jupyter-book"
    found = str(beside) if beside.is_file() else shutil.which("jupyter-book")
    if found is None:
        raise EcglibError("jupyter-book is not installed: pip install 'ecglib[book]'")
    return found


def build_book(profile: str, root: Path = Path("."), out: Path = Path("_build"),
               strict: bool = True, jobs: int = 1, command: list[str] | None = None,
               echo: Callable[[str], None] = lambda line: print(line, flush=True)) -> int:
    """Build the book in ``root`` with ``profile`` into ``out/html``: run the chapters not
    yet in the execution cache, ``jobs`` at a time, showing progress, then render them with
    Jupyter Book (``command`` replaces it in tests); the wall times of the two steps go to
    ``out/build_times.json``. The exit status: 1 when a chapter failed (its error shown,
    nothing rendered), else Jupyter Book's."""
    root, out = Path(root), Path(out)
    out.mkdir(parents=True, exist_ok=True)
    cache = (out / ".jupyter_cache").resolve()
    config = out / "_config.yml"
    settings = yaml.safe_load(book_config(root / "_config.yml", profile))
    settings.setdefault("execute", {})["cache"] = str(cache)    # the one the chapters fill
    atomic_write_text(config, yaml.safe_dump(settings, sort_keys=False))
    progress = (out / "progress").resolve()     # the kernels run in the notebooks' folder
    shutil.rmtree(progress, ignore_errors=True)
    todo = not_cached(toc_notebooks(root), cache)
    expected = expected_seconds(root / "book" / "chapter_times.csv", profile, jobs,
                                built_chapters(profile))
    watch = Watch({p.stem: expected.get(p.stem, 0.0) for p in todo} if expected else {},
                  jobs=jobs)
    echo(watch.status(f"building the book with profile {profile!r}: {len(todo)} chapter(s) "
                      f"to run, {jobs} at a time"))
    stop = threading.Event()
    follower = threading.Thread(target=_follow, args=(progress, watch, echo, stop),
                                daemon=True)
    follower.start()
    env = chapter_env(profile, jobs)

    def started(chapter: str) -> None:
        watch.start(chapter)
        echo(watch.status(f"executing chapter {chapter}", chapter))

    def finished(done: Executed) -> None:
        watch.finish(done.chapter)
        outcome = "FAILED" if done.error else "executed"
        echo(watch.status(f"{outcome} in {done.seconds:.0f} s", done.chapter))

    began = time.perf_counter()
    try:
        execute = settings["execute"]
        results = execute_chapters(todo, cache, jobs, int(execute["timeout"]), expected, env,
                                   bool(execute.get("allow_errors", False)), progress,
                                   started, finished)
    finally:
        stop.set()
        follower.join()
    executed = time.perf_counter() - began
    failed = [r for r in results if r.error]
    mark_built(profile, [r.chapter for r in results if not r.error])
    for result in failed:
        echo(f"[{result.chapter}] failed:\n{result.error.strip()[-3000:]}")
    if failed:
        echo(f"[book] not rendered: {', '.join(r.chapter for r in failed)} failed (above). "
             f"The chapters that ran are cached; fix the failing ones and build again.")
        return 1
    echo("[book] rendering the chapters with Jupyter Book")
    cmd = command or [jupyter_book(), "build", str(root), "--config", str(config),
                      *(["-W", "--keep-going"] if strict else [])]
    env = {**os.environ, **env, "PYTHONUNBUFFERED": "1"}   # Jupyter Book's lines as they come
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=env, bufsize=1)
    assert proc.stdout is not None
    for line in proc.stdout:
        echo(line.rstrip("\n"))
    code = proc.wait()
    atomic_write_json(out / "build_times.json", {
        "profile": profile, "jobs": jobs, "chapters_run": [r.chapter for r in results],
        "execute_s": round(executed, 1),
        "render_s": round(time.perf_counter() - began - executed, 1), "exit_status": code})
    return code


def chapter_env(profile: str, jobs: int, cores: int | None = None) -> dict[str, str]:
    """What the chapters' kernels get in their environment: the profile, and with ``jobs``
    chapters side by side each one's share of the ``cores`` (:mod:`ecglib.core.threads`)."""
    return {"ECGLIB_PROFILE": profile, **shared_cores_env(jobs, cores)}


def _follow(progress: Path, watch: Watch, echo: Callable[[str], None],
            stop: threading.Event) -> None:
    """Show each new line of the chapters' progress files, and a reminder after a quiet
    minute."""
    offsets: dict[Path, int] = {}
    while True:
        finished = stop.is_set()
        for log in sorted(progress.glob("*.log")) if progress.is_dir() else []:
            with open(log, "rb") as fh:
                fh.seek(offsets.get(log, 0))
                chunk = fh.read()
            complete = chunk[: chunk.rfind(b"\n") + 1]
            offsets[log] = offsets.get(log, 0) + len(complete)
            for line in complete.decode("utf-8", errors="replace").splitlines():
                echo(watch.status(line.partition(" ")[2] or line, log.stem))
                watch.last_line = watch.clock()
        if finished:
            return
        if watch.running and watch.clock() - watch.last_line > QUIET_S:
            at_work = ", ".join(f"{c} for {(watch.clock() - since) / 60:.0f} min"
                                for c, since in watch.running.items())
            echo(watch.status(f"still at work ({at_work})"))
            watch.last_line = watch.clock()
        stop.wait(1.0)
