"""Seconds each chapter took to execute in a finished book build, from its execution cache.

Run it after ``make book`` (on a fresh clone and an empty ``$ECGLIB_CACHE_DIR`` to measure
a first build, which trains every model):

    python benchmarks/chapter_times.py --build _build --profile default --out times.csv

A rebuild with the trained models in the run cache and ``_build`` deleted (every chapter
executes again and loads its runs) goes in its own column, ``--column``.

It prints the times and writes (or updates: one column per profile) a CSV of chapter x
profile, with the chapters' sum, the build's wall time (``ecglib book build`` runs several
chapters at once; it records the wall time in ``_build/build_times.json``) and the machine;
the instructor's page shows ``book/chapter_times.csv``.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
from datetime import date
from pathlib import Path

import pandas as pd
from jupyter_cache import get_cache

from ecglib.core.atomic import atomic_write_text


def chapter_seconds(build: Path) -> pd.Series:
    """Execution seconds per chapter (notebook stem) recorded in ``build``'s cache."""
    cache = Path(build) / ".jupyter_cache"
    if not cache.is_dir():
        raise SystemExit(f"{cache}: no execution cache; run 'make book' first")
    records = {Path(r.uri).stem: r.data.get("execution_seconds")
               for r in get_cache(str(cache)).list_cache_records()}
    return pd.Series(records, dtype=float).sort_index()


def build_wall(build: Path, profile: str) -> tuple[float, int] | None:
    """Wall seconds of the build in ``build`` (running its chapters, then rendering) and
    how many chapters ran at once; None when it recorded none for ``profile``."""
    path = Path(build) / "build_times.json"
    if not path.is_file():
        return None
    times = json.loads(path.read_text())
    if times.get("profile") != profile:
        return None
    return times["execute_s"] + times["render_s"], times["jobs"]


def machine() -> str:
    """A short description of this machine."""
    cpu = platform.processor() or platform.machine()
    try:
        mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError):
        mem = float("nan")
    return f"{os.cpu_count()} cores {cpu}, {mem:.0f} GiB, Python {platform.python_version()}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", type=Path, default=Path("_build"))
    ap.add_argument("--profile", required=True, help="the profile the book was built with")
    ap.add_argument("--out", type=Path, required=True, help="CSV to write or update")
    ap.add_argument("--column", default=None, help="the column to write (default: "
                    "'PROFILE (s)', a first build; say 'default, run cache warm (s)' for a "
                    "rebuild that re-executes every chapter with the models already trained)")
    args = ap.parse_args()
    seconds = chapter_seconds(args.build)
    missing = sorted({p.stem for p in Path("notebooks").glob("*.ipynb")} - set(seconds.index))
    if missing:
        print(f"not in the cache (failed, or not executed): {missing}")
    column = args.column or f"{args.profile} (s)"
    table = pd.read_csv(args.out, index_col="chapter", dtype=str) if args.out.is_file() \
        else pd.DataFrame(index=pd.Index([], name="chapter"))
    summary = ["total (min)", "wall (min)", "measured on"]
    table = table.reindex(table.index.union(seconds.index)).rename_axis("chapter")  # new rows
    table[column] = seconds.round(0).astype(int).astype(str)
    table.loc["total (min)", column] = f"{seconds.sum() / 60:.1f}"
    wall = build_wall(args.build, args.profile)
    table.loc["wall (min)", column] = "" if wall is None else f"{wall[0] / 60:.1f}"
    at_once = "" if wall is None else f", {wall[1]} chapter(s) at a time"
    table.loc["measured on", column] = f"{machine()}{at_once}, {date.today().isoformat()}"
    table = table.reindex(sorted(set(table.index) - set(summary)) + summary)
    atomic_write_text(args.out, table.fillna("").to_csv())
    print(table[[column]].to_string())
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
