"""Does a trained model see the same beats when a recording comes at another rate?

Other databases record at other rates (svdb 128 Hz, incartdb 257 Hz); the book resamples
every record to 125 Hz, but where a beat starts (its fiducial point, ``ecglib.beats.peaks``) is
found before that. This writes the chosen MIT-BIH records (by default the 22 DS2 records;
their lead MLII) resampled to each rate (``ecglib.beats.records.write_resampled``), scores a trained run on them as
``ecglib evaluate --database FOLDER`` does, and prints the per-class table beside the one at
360 Hz: a model that transfers across rates gives the same figures. It also prints how far
the fiducial points fall from the 360 Hz ones, searched at 360 Hz (what ``ecglib`` does)
and at the record's own rate (what it did before).

    ecglib train --data mitdb --model vote_rr_tpl --labels aami5 --split interpatient \\
        --class-weight --out RUN
    python benchmarks/rate_transfer.py --run RUN [--rates 128 257] [--records 100 ...]
        [--out FILE.json]
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from ecglib.beats.peaks import refine_r_peaks
from ecglib.beats.records import read_wfdb_record, write_resampled
from ecglib.core.atomic import atomic_write_json
from ecglib.datasets import get_dataset
from ecglib.datasets.mitdb import DS2
from ecglib.evaluation.transfer import evaluate_database


def fiducial_offsets(original: Path, resampled: Path, search_fs: float | None) -> np.ndarray:
    """Fiducial points of ``resampled`` minus those of ``original`` (ms), at every reference
    beat; searched at ``search_fs`` (None: the record's own rate)."""
    def points(path: Path) -> np.ndarray:
        rec = read_wfdb_record(path)
        return refine_r_peaks(rec.signal, rec.reference_beats()[0], rec.fs, out_fs=360.0,
                              search_fs=search_fs or rec.fs)
    return (points(resampled) - points(original)) / 360.0 * 1000.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--run", type=Path, required=True, help="a run folder (ecglib train)")
    ap.add_argument("--rates", type=float, nargs="+", default=[128.0, 257.0])
    ap.add_argument("--records", nargs="+", default=list(DS2), help="MIT-BIH records")
    ap.add_argument("--data-dir", type=Path, default=None, help="the MIT-BIH folder")
    ap.add_argument("--out", type=Path, default=None, help="results JSON")
    args = ap.parse_args()
    src = get_dataset("mitdb").locate(args.data_dir, records=args.records, progress=False)
    results: dict = {"run": str(args.run), "records": args.records, "rates": {}}
    tables = []
    with tempfile.TemporaryDirectory() as tmp:
        for fs in [360.0, *args.rates]:
            folder = Path(tmp) / f"{fs:g}"
            t0 = time.perf_counter()
            for name in args.records:
                write_resampled(read_wfdb_record(src / name), fs, folder)
            per_class = evaluate_database(args.run, folder, None, progress=False).per_class
            entry = {"classes": per_class.set_index("class")[["n", "se", "ppv", "f1"]]
                     .to_dict(orient="index"), "seconds": round(time.perf_counter() - t0, 1)}
            if fs != 360.0:
                for label, search in (("at_360_hz", 360.0), ("at_record_rate", None)):
                    off = np.concatenate([fiducial_offsets(Path(tmp) / "360" / n,
                                                           folder / n, search)
                                          for n in args.records])
                    entry[f"fiducial_{label}"] = {
                        "mean_ms": float(off.mean()), "sd_ms": float(off.std()),
                        "share_over_4ms": float((np.abs(off) > 4.0).mean())}
            results["rates"][f"{fs:g}"] = entry
            tables.append(per_class.assign(rate=f"{fs:g} Hz"))
    table = pd.concat(tables).pivot(index="class", columns="rate", values=["se", "ppv", "f1"])
    print(f"{args.run} on {len(args.records)} MIT-BIH records resampled to each rate")
    print(table.round(3).to_string())
    offsets = pd.DataFrame({(rate, how): v for rate, e in results["rates"].items()
                            for how, v in e.items() if how.startswith("fiducial_")}).T
    print("\nfiducial points against 360 Hz (ms; share of beats more than 4 ms away):")
    print(offsets.round(3).to_string())
    if args.out:
        atomic_write_json(args.out, results)
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
