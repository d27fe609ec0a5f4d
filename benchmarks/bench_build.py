"""Benchmark: build the beat table of all 48 MIT-BIH records (target < 30 s on 2 cores).

Prints wall time of the extraction (no cache), of writing the CSV files, of a cached
reload, and the peak resident memory of the process.
    python benchmarks/bench_build.py [--data-dir ../shared/data/mitdb]
"""
from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time

from ecglib.data.build import build_table, write_dataset


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data-dir", default=None)
    args = ap.parse_args()
    os.environ.setdefault("ECGLIB_CACHE_DIR", tempfile.mkdtemp(prefix="ecglib-bench-"))
    t0 = time.perf_counter()
    table = build_table("mitdb", data_dir=args.data_dir, use_cache=True, progress=False)
    t1 = time.perf_counter()
    with tempfile.TemporaryDirectory() as out:
        write_dataset(table, out)
    t2 = time.perf_counter()
    build_table("mitdb", data_dir=args.data_dir, use_cache=True, progress=False)
    t3 = time.perf_counter()
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"beats: {len(table):,} from {len(table.info['records'])} records")
    print(f"extract (no cache, incl. checksums): {t1 - t0:.2f} s")
    print(f"write normal/abnormal/meta/manifest: {t2 - t1:.2f} s")
    print(f"total build + write: {t2 - t0:.2f} s (target < 30 s)")
    print(f"cached reload: {t3 - t2:.2f} s")
    print(f"peak RSS: {peak_mib:,.0f} MiB")


if __name__ == "__main__":
    main()
