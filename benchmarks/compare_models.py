"""Train every model on both splits under one profile and print the comparison table.

    python benchmarks/compare_models.py [--profile default] [--out results.csv]

Runs are cached (``$ECGLIB_CACHE_DIR/runs``), so the book's chapters reuse them, and the
other way round. With the ``default`` profile (the book's) every model trains on all its
MIT-BIH training beats.
"""
from __future__ import annotations

import argparse

import pandas as pd

from ecglib.book import Chapter
from ecglib.book.profiles import resolve_params
from ecglib.data.loading import load


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--profile", default="default")
    ap.add_argument("--models", nargs="+", default=None)
    ap.add_argument("--out", default=None, help="also write the table as CSV")
    args = ap.parse_args()
    from ecglib.evaluation.compare import compare_models

    params = resolve_params(args.profile)
    table = load(params["data"])
    print(f"data: {table.source} ({len(table):,} beats){' SYNTHETIC' if table.synthetic else ''}"
          f", profile {args.profile}")
    chapter = Chapter(params, table)
    frame = compare_models(table, chapter.config(), args.models or params["baseline_models"])
    with pd.option_context("display.width", 200, "display.max_columns", 30):
        print(frame.round(4).to_string(index=False))
    if args.out:
        frame.to_csv(args.out, index=False)


if __name__ == "__main__":
    main()
