"""What the chapters say under each profile: every sentence a chapter computes and prints
(``book.say``, Markdown outputs), from two or more finished book builds, side by side.

    python benchmarks/profile_figures.py quick=QUICK/_build default=_build \
        --out book/profile_figures.csv

The instructor's page shows ``book/profile_figures.csv``: which figures of the book a
preview (``quick``) reproduces and which it does not. Cells are matched by their id, so
both builds must come from the same notebooks.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from ecglib.core.atomic import atomic_write_text


def said(build: Path) -> dict[tuple[str, str], str]:
    """(chapter, cell id) -> the Markdown text the cell displayed, for every chapter in
    ``build``'s execution cache (``ecglib book build`` executes the chapters there; Jupyter
    Book then renders them from it)."""
    from jupyter_cache import get_cache

    cache = Path(build) / ".jupyter_cache"
    if not cache.is_dir():
        raise SystemExit(f"{cache}: no execution cache; build the book first")
    cache = get_cache(str(cache))
    out = {}
    for record in cache.list_cache_records():
        for cell in cache.get_cache_bundle(record.pk).nb.cells:
            texts = ["".join(o["data"]["text/markdown"]) for o in cell.get("outputs", [])
                     if "text/markdown" in o.get("data", {})]
            if texts:
                out[(Path(record.uri).stem, cell.get("id", ""))] = " ".join(texts)
    if not out:
        raise SystemExit(f"{build}: no chapter in the cache displayed any Markdown")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("builds", nargs="+", help="PROFILE=BUILD_FOLDER, two or more")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    columns = {}
    for item in args.builds:
        profile, _, folder = item.partition("=")
        if not folder:
            raise SystemExit(f"{item!r}: expected PROFILE=BUILD_FOLDER")
        columns[profile] = said(Path(folder))
    keys = sorted(set().union(*columns.values()))
    table = pd.DataFrame({"chapter": [k[0] for k in keys],
                          **{p: [c.get(k, "") for k in keys] for p, c in columns.items()}})
    table = table[table[list(columns)].nunique(axis=1) > 1]     # what differs
    atomic_write_text(args.out, table.to_csv(index=False))
    print(f"{len(table)} sentences differ between {', '.join(columns)}; wrote {args.out}")


if __name__ == "__main__":
    main()
