"""Run the book's chapters several at a time, into Jupyter Book's execution cache.

Jupyter Book (myst-nb) executes the chapters one after another. ``ecglib book build`` runs
them first, ``jobs`` at a time, each in its own kernel with the notebook's folder as working
directory, and stores each executed chapter in the same jupyter-cache that myst-nb reads
(``execute: cache`` of the build's configuration). Jupyter Book then finds every chapter
there, keyed by its code, and only renders it. A chapter already in the cache is not run
again. The longest chapters start first (their measured times, ``book/chapter_times.csv``),
so the last to finish is a short one. Chapters that train the same run share it: the run
cache lets one train while the other waits (:func:`ecglib.core.atomic.computing`).

``make book`` runs two at a time, each kernel with its share of the cores
(:mod:`ecglib.core.threads`): on 2 cores a first build took 22.5 min against 32.0 one at a
time (``book/chapter_times.csv``). A kernel is stopped at once when its last cell is done:
what a chapter writes is complete by then (atomic writes), and a kernel that has loaded
TensorFlow takes one to two seconds more to exit on request.
"""
from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import nbformat
import yaml

from ..core.errors import DataError
from ..core.progress import PROGRESS_ENV


@dataclass(frozen=True)
class Executed:
    """One chapter's execution: the executed notebook (JSON text), its seconds, and the
    error's traceback when a cell failed (then ``notebook`` is None)."""
    chapter: str
    seconds: float
    notebook: str | None = None
    error: str | None = None


def toc_notebooks(root: Path) -> list[Path]:
    """The notebooks ``root/_toc.yml`` names, in its order."""
    toc = root / "_toc.yml"
    try:
        tree = yaml.safe_load(toc.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, UnicodeDecodeError) as exc:
        raise DataError(f"{toc}: cannot read the table of contents ({exc})") from None
    found: list[Path] = []

    def walk(node) -> None:
        if isinstance(node, dict):
            name = node.get("file")
            if isinstance(name, str) and (root / f"{name}.ipynb").is_file():
                found.append(root / f"{name}.ipynb")
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(tree)
    return found


def not_cached(notebooks: list[Path], cache_path: Path) -> list[Path]:
    """The notebooks whose code has no executed copy in the jupyter-cache at
    ``cache_path`` (what myst-nb would execute)."""
    from jupyter_cache import get_cache

    cache = get_cache(cache_path)
    missing = []
    for path in notebooks:
        try:
            cache.match_cache_notebook(nbformat.read(path, as_version=4))
        except KeyError:
            missing.append(path)
    return missing


def run_chapter(path: str, timeout: int, allow_errors: bool, env: dict[str, str],
                progress: str | None) -> Executed:
    """Execute one notebook in a fresh kernel in its own folder (a worker process), with
    ``env`` in its environment, as myst-nb would (``timeout`` per cell, ``allow_errors``);
    its long steps write to the progress file ``progress``."""
    from jupyter_cache.executors.utils import single_nb_execution

    os.environ.update(env)                           # the kernel inherits these
    if progress:
        os.environ[PROGRESS_ENV] = progress
    else:
        os.environ.pop(PROGRESS_ENV, None)
    nb = nbformat.read(path, as_version=4)
    result = single_nb_execution(nb, cwd=str(Path(path).parent), timeout=timeout,
                                 allow_errors=allow_errors, meta_override=True,
                                 shutdown_kernel="immediate")
    chapter = Path(path).stem
    if result.err is not None:
        return Executed(chapter, result.time, error=result.exc_string or repr(result.err))
    return Executed(chapter, result.time, notebook=nbformat.writes(nb))


def execute_chapters(notebooks: list[Path], cache_path: Path, jobs: int, timeout: int,
                     expected: dict[str, float], env: dict[str, str] | None = None,
                     allow_errors: bool = False,
                     progress_dir: Path | None = None,
                     started: Callable[[str], None] = lambda chapter: None,
                     finished: Callable[[Executed], None] = lambda done: None,
                     ) -> list[Executed]:
    """Run ``notebooks``, ``jobs`` at a time, longest ``expected`` first, with ``env`` added
    to their environment (``timeout`` and ``allow_errors``: the book's ``execute``
    settings), and store each that succeeds in the jupyter-cache at
    ``cache_path``. Each chapter writes its progress lines to
    ``progress_dir/<chapter>.log``. ``started`` is called when a chapter is handed to a
    worker, ``finished`` when it is done. Returns every execution, failed ones included."""
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    if jobs < 1:
        raise DataError(f"--jobs {jobs}: at least one chapter must run at a time")
    todo = sorted(notebooks, key=lambda p: -expected.get(p.stem, 0.0))
    if not todo:
        return []
    cache = get_cache(cache_path)
    if progress_dir is not None:
        progress_dir.mkdir(parents=True, exist_ok=True)
    results: list[Executed] = []
    # spawn: a clean worker, never a fork of this process and its threads
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(min(jobs, len(todo)), context) as pool:
        waiting = list(todo)
        running: dict[concurrent.futures.Future, Path] = {}
        while waiting or running:
            while waiting and len(running) < jobs:
                path = waiting.pop(0)
                log = None if progress_dir is None else str(progress_dir / f"{path.stem}.log")
                running[pool.submit(run_chapter, str(path), timeout, allow_errors,
                                    env or {}, log)] = path
                started(path.stem)
            done, _ = concurrent.futures.wait(running,
                                              return_when=concurrent.futures.FIRST_COMPLETED)
            for future in done:
                path = running.pop(future)
                result = future.result()
                if result.notebook is not None:
                    cache.cache_notebook_bundle(
                        CacheBundleIn(nbformat.reads(result.notebook, as_version=4),
                                      str(path), data={"execution_seconds": result.seconds}),
                        check_validity=False, overwrite=True)
                results.append(result)
                finished(result)
    return results
