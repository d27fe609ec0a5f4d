"""The ``ecglib`` command: data, model, train, evaluate and predict subcommands."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .errors import EcglibError


def _data_build(args: argparse.Namespace) -> int:
    from .build import build_table, write_dataset
    from .segment import SegmentParams

    table = build_table(args.source, data_dir=args.data_dir, records=args.records,
                        params=SegmentParams(), n_synthetic=args.n_synthetic, seed=args.seed,
                        use_cache=not args.no_cache, download=not args.no_download)
    man = write_dataset(table, args.out, args.labels)
    tag = " [SYNTHETIC DATA]" if table.synthetic else ""
    counts = ", ".join(f"{k} {v:,}" for k, v in man["counts"].items())
    print(f"wrote {args.out}: {len(table):,} beats ({counts}) from {args.source}{tag}")
    return 0


def _data_check(args: argparse.Namespace) -> int:
    from .beatfiles import check_files

    for line in check_files(args.files):
        print(line)
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``ecglib`` command."""
    p = argparse.ArgumentParser(prog="ecglib", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    data = sub.add_parser("data", help="build and check beat files").add_subparsers(
        dest="data_command", required=True)
    b = data.add_parser("build", help="build the two-class (or five-class) beat files")
    b.add_argument("--source", choices=["mitdb", "ptbdb", "synthetic"], default="mitdb")
    b.add_argument("--out", required=True, type=Path, help="output folder")
    b.add_argument("--labels", choices=["binary", "aami5"], default="binary")
    b.add_argument("--data-dir", type=Path, default=None,
                   help="database folder (default: $ECGLIB_DATA_DIR, then the user cache)")
    b.add_argument("--records", nargs="+", default=None, help="only these records")
    b.add_argument("--n-synthetic", type=int, default=12, help="synthetic records to generate")
    b.add_argument("--seed", type=int, default=0, help="seed of the synthetic source")
    b.add_argument("--no-cache", action="store_true", help="rebuild, ignoring the cache")
    b.add_argument("--no-download", action="store_true", help="never download from PhysioNet")
    b.set_defaults(func=_data_build)
    c = data.add_parser("check", help="validate beat files; exit 1 on the first problem")
    c.add_argument("files", nargs="+", type=Path)
    c.set_defaults(func=_data_check)
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point: run a subcommand; ecglib errors print one line and exit 1."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except EcglibError as exc:
        print(f"ecglib: error: {exc}", file=sys.stderr)
        return 1
    except ValueError as exc:
        print(f"ecglib: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
