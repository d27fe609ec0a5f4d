"""Compare the executed chapters of two book builds, output by output.

Each chapter's executed notebook (``_build/jupyter_execute/notebooks/*.ipynb``) in build A
is set beside the same chapter in build B; for every code cell the text outputs (streams,
``text/plain``, HTML tables) and the figures (PNG bytes, hashed) are compared. Used to show
that a refactor leaves every chapter's output unchanged apart from its import lines.

    python benchmarks/compare_books.py BEFORE/_build AFTER/_build
"""
from __future__ import annotations

import argparse
import hashlib
import json
import re
from pathlib import Path

import pandas as pd

#: run-dependent text that is not a result: wall times, temp paths, memory addresses
VOLATILE = [re.compile(p) for p in (r"\d+(\.\d+)? ?(s|ms|min)\b", r"/tmp/\S+", r"0x[0-9a-f]+",
                                    r"\d+:\d\d(:\d\d)?", r"\d+(\.\d+)?(it|record|beat)s?/s")]


def outputs(cell: dict) -> tuple[list[str], list[str]]:
    """The text and the figure hashes a code cell printed."""
    text, figures = [], []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream" and out.get("name") == "stdout":
            text.append("".join(out["text"]))
        for kind in ("text/plain", "text/html"):
            if kind in out.get("data", {}):
                text.append("".join(out["data"][kind]))
        if "image/png" in out.get("data", {}):
            figures.append(hashlib.sha256(out["data"]["image/png"].encode()).hexdigest()[:12])
    joined = "\n".join(text)
    for pattern in VOLATILE:
        joined = pattern.sub("<t>", joined)
    return joined.splitlines(), figures


def compare(a: Path, b: Path) -> dict:
    """Per chapter: code cells, cells whose text differs, figures that differ, first diff."""
    cells_a = [c for c in json.loads(a.read_text())["cells"] if c["cell_type"] == "code"]
    cells_b = [c for c in json.loads(b.read_text())["cells"] if c["cell_type"] == "code"]
    text_diff, fig_diff, first = 0, 0, ""
    for i, (x, y) in enumerate(zip(cells_a, cells_b)):
        (tx, fx), (ty, fy) = outputs(x), outputs(y)
        if tx != ty:
            text_diff += 1
            if not first:
                line = next(j for j in range(max(len(tx), len(ty)))
                            if j >= len(tx) or j >= len(ty) or tx[j] != ty[j])
                first = (f"cell {i}: {tx[line] if line < len(tx) else '<none>'!r:.90} -> "
                         f"{ty[line] if line < len(ty) else '<none>'!r:.90}")
        fig_diff += fx != fy
    return {"chapter": a.stem, "code cells": f"{len(cells_a)} / {len(cells_b)}",
            "cells with other text": text_diff, "cells with other figures": fig_diff,
            "first difference": first}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("before", type=Path)
    ap.add_argument("after", type=Path)
    args = ap.parse_args()
    rows = [compare(a, args.after / "jupyter_execute" / "notebooks" / a.name)
            for a in sorted((args.before / "jupyter_execute" / "notebooks").glob("*.ipynb"))]
    with pd.option_context("display.max_colwidth", 200, "display.width", 250):
        print(pd.DataFrame(rows).to_string(index=False))


if __name__ == "__main__":
    main()
