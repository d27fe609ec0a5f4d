"""Render the executed chapters with Jupyter Book's own Sphinx call, on several cores.

``jupyter-book build`` reads and writes the pages one at a time: Jupyter Book 1's command
line has no option for Sphinx's parallel jobs, though its build function takes one
(``jupyter_book.sphinx.build_sphinx(..., jobs=N)``) and every extension the book loads
declares itself safe to read and write in parallel. This module makes the same call as
``jupyter-book build ROOT --config CONFIG [-W --keep-going]`` for an HTML book, with
``jobs`` Sphinx processes, so the render of :func:`ecglib.book.build.build_book` uses the
cores the chapters used before it::

    python -m ecglib.book.render ROOT CONFIG [--jobs 2] [--strict]

It runs in its own process: Sphinx patches docutils' global tables while it builds.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path


def render(root: Path, config: Path, jobs: int = 1, strict: bool = True) -> int:
    """Build ``root``'s book (``root/_toc.yml``) as HTML into ``root/_build/html`` with
    the Jupyter Book configuration ``config`` and ``jobs`` Sphinx processes; with
    ``strict`` a warning fails the build (after reporting them all). The exit status:
    0, or Sphinx's non-zero status (1 when it raised)."""
    from jupyter_book.sphinx import build_sphinx

    root = Path(root).absolute()
    toc = root / "_toc.yml"
    if not toc.is_file():
        print(f"{toc}: no table of contents to render", file=sys.stderr)
        return 1
    result = build_sphinx(root, root / "_build" / "html", use_external_toc=True,
                          noconfig=True, path_config=str(config),
                          confoverrides={"external_toc_path": toc.as_posix(),
                                         "latex_individualpages": False},
                          builder="html", warningiserror=strict, keep_going=strict,
                          jobs=jobs)
    if isinstance(result, BaseException):
        print(f"rendering the book failed: {result!r}", file=sys.stderr)
        return 1
    return int(result or 0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ecglib.book.render",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("root", type=Path, help="the book's folder (with _toc.yml)")
    parser.add_argument("config", type=Path, help="the Jupyter Book _config.yml to use")
    parser.add_argument("--jobs", type=int, default=1, help="Sphinx processes")
    parser.add_argument("--strict", action="store_true",
                        help="fail on warnings (jupyter-book build -W --keep-going)")
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error(f"--jobs must be at least 1, not {args.jobs}")
    return render(args.root, args.config, args.jobs, args.strict)


if __name__ == "__main__":
    sys.exit(main())
