"""Build beat tables from any registered dataset (:mod:`ecglib.datasets`) and write the
seed's files."""
from __future__ import annotations

import json
import warnings
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from .. import __version__
from ..beats.extract import RecordBeats
from ..beats.features import FEATURE_UNITS
from ..beats.labels import LabelScheme, get_scheme
from ..beats.rr import RR_COLUMNS
from ..beats.segmentation import BEAT_LENGTH, SegmentParams
from ..beats.template import TEMPLATE_FEATURES
from ..core.atomic import (
    atomic_dir,
    atomic_open,
    atomic_write_json,
    check_replaceable,
    load_or_compute,
    sha256_file,
)
from ..core.errors import DataError
from ..core.paths import cache_dir, cache_key
from ..datasets import DATASETS, get_dataset
from .beattable import BeatTable, load_table, save_table

FLOAT_FORMAT = "%.6f"
BEATS_FORMAT = "ecglib-beats-1"


def _assemble(parts: list[tuple[str, RecordBeats, str]], source: str, synthetic: bool,
              info: dict) -> BeatTable:
    """Concatenate per-record beats; ``parts`` holds (record, beats, lead)."""
    X = np.concatenate([p.X for _, p, _ in parts]) if parts else np.zeros((0, BEAT_LENGTH), np.float32)
    meta = pd.concat([p.meta for _, p, _ in parts], ignore_index=True)
    per_record = {name: {"lead": lead, "fs": p.fs, "beats": int(len(p.meta)),
                         "dropped": p.dropped, "gap_samples": p.gap_samples,
                         "gap_beats_dropped": p.gap_dropped,
                         "skipped_symbols": p.skipped_symbols}
                  for name, p, lead in parts}
    info = dict(info, records=per_record, total_beats=int(len(meta)),
                gap_beats_dropped=sum(p.gap_dropped for _, p, _ in parts),
                aami_counts={k: int(v) for k, v in meta["aami"].value_counts().sort_index().items()},
                symbol_counts={k: int(v) for k, v in
                               meta["symbol"].value_counts().sort_index().items()})
    return BeatTable(X.astype(np.float32), meta, source, synthetic, info)


def build_table(source: str = "mitdb", data_dir: str | Path | None = None,
                records: list[str] | None = None, params: SegmentParams = SegmentParams(),
                n_synthetic: int = 12, seed: int = 0, use_cache: bool = True,
                download: bool = True, progress: bool = True) -> BeatTable:
    """Beat table of the registered dataset ``source``, cached by its parameters and the
    checksums of its source files.

    Parameters
    ----------
    source
        A name in :data:`ecglib.datasets.DATASETS` (``mitdb``, ``svdb``, ``synthetic``...).
    data_dir
        Where the records are; default: ``ECGLIB_DATA_DIR``, else the user cache.
    records
        A subset of the dataset's records (default: all).
    params
        How beats are cut (:class:`ecglib.beats.segmentation.SegmentParams`).
    n_synthetic, seed
        Configure generated data (the ``synthetic`` source).
    use_cache, download, progress
        Read and write the table cache; fetch missing records from PhysioNet; show a bar.

    Returns
    -------
    BeatTable
        One row per beat: ``X`` (n, 187) in [0, 1], ``meta`` with record, patient, sample,
        symbol, AAMI class and the per-beat features.

    Examples
    --------
    >>> from ecglib.data import build_table
    >>> table = build_table("synthetic", n_synthetic=2, progress=False)
    >>> sorted(table.meta["record"].unique()), table.synthetic
    (['syn01', 'syn02'], True)
    """
    ds = get_dataset(source).configured(n_records=n_synthetic, seed=seed)
    if records is not None and len(set(records)) != len(records):
        dup = sorted({r for r in records if records.count(r) > 1})
        raise DataError(f"--records names {dup} more than once: every beat would be written "
                        f"twice and leak across a random split")
    db = ds.locate(data_dir, records=records, download=download, progress=progress)
    names = records or ds.record_names(db)
    identity = ds.identity(db, names)
    key = cache_key({"source": source, "params": asdict(params), "ecglib_data": 11, **identity})
    def build() -> BeatTable:
        return _build_and_cache(ds, db, names, source, params, key,
                                identity.get("checksums", {}), use_cache, progress)

    return load_or_compute("table", key, lambda: load_table(key), build) if use_cache \
        else build()


def _build_and_cache(ds, db, names: list[str], source: str, params: SegmentParams, key: str,
                     checksums: dict, use_cache: bool, progress: bool) -> BeatTable:
    """Read ``names`` from ``db``, cut and describe their beats into one table (its source
    files' ``checksums`` in its info), and keep it in the table cache under ``key`` when
    ``use_cache``."""
    info = {"source": source, "synthetic": ds.synthetic, "params": asdict(params),
            "source_checksums": checksums, **ds.build_info(names)}
    parts, excluded = [], {}
    for name in tqdm(names, desc=source, unit="record", disable=not progress):
        rec = ds.read(db, name)
        ds.check_rate(rec, db)
        reason = ds.exclusion(rec)
        if reason is not None:
            excluded[reason] = excluded.get(reason, 0) + 1
            continue
        parts.append((name, ds.beats(rec, params), rec.lead))
    if excluded:
        info[ds.excluded_key] = dict(sorted(excluded.items()))
    table = _assemble(parts, source, ds.synthetic, info)
    if len(table) == 0:
        raise DataError(f"{source}: no beats found in records {names[:5]}"
                        f"{' ...' if len(names) > 5 else ''}: nothing to build")
    if use_cache:
        try:
            save_table(table, key)
        except OSError as exc:      # the cache is optional: say so and go on
            warnings.warn(f"ecglib: cache {exc.filename or cache_dir()} is unusable "
                          f"({exc.strerror or exc}); going on without it", stacklevel=3)
    return table


def reference_comparison(table: BeatTable) -> pd.DataFrame:
    """Our class counts beside the published counts of the same method on the same dataset
    (MIT-BIH: Kaggle's set, all 48 records); a DataError when the dataset has none."""
    reference = get_dataset(table.source).reference_counts
    if not reference:
        raise DataError(f"no published class counts to compare with for {table.source!r}")
    ours = table.meta["aami"].value_counts()
    rows = [{"class": c, "ecglib": int(ours.get(c, 0)), "kaggle": k} for c, k in
            reference.items()]
    rows.append({"class": "total", "ecglib": int(len(table)),
                 "kaggle": sum(reference.values())})
    df = pd.DataFrame(rows)
    df["difference_%"] = (100 * (df["ecglib"] - df["kaggle"]) / df["kaggle"]).round(2)
    return df


def is_beat_folder(path: Path) -> bool:
    """True when ``path`` holds a manifest written by :func:`write_dataset`."""
    try:
        return json.loads((path / "manifest.json").read_text()).get("format") == BEATS_FORMAT
    except (OSError, ValueError, AttributeError):
        return False


def write_dataset(table: BeatTable, out_dir: str | Path, scheme: str | LabelScheme = "binary",
                  force: bool = False) -> dict:
    """Write one CSV per class (187 samples + label, no header), ``meta.csv`` and
    ``manifest.json`` as the folder ``out_dir``, all at once: the folder is written beside
    the target and swapped in when complete, so no file of an earlier build survives.

    An existing folder that is not empty and not an ecglib beat folder is refused unless
    ``force``: it may hold someone's own files.
    """
    target = Path(out_dir)
    check_replaceable(target, force, is_beat_folder(target),
                      "exists, is not empty and is not an ecglib beat folder")
    with atomic_dir(target) as tmp:
        return _write_files(table, tmp, scheme)


def _write_files(table: BeatTable, out: Path, scheme: str | LabelScheme) -> dict:
    """The files of a beat folder, written into ``out``."""
    sch = get_scheme(scheme)
    y = table.labels(sch)
    fmt = [FLOAT_FORMAT] * table.X.shape[1] + ["%d"]
    files, metas = {}, []
    for code, fname in enumerate(sch.file_names):
        idx = np.flatnonzero(y == code)
        with atomic_open(out / fname, "w", newline="\n") as fh:
            np.savetxt(fh, np.column_stack([table.X[idx], y[idx]]), fmt=fmt, delimiter=",")
        files[fname] = {"class": sch.classes[code], "label": code, "rows": int(idx.size),
                        "sha256": sha256_file(out / fname)}
        m = table.meta.iloc[idx].reset_index(drop=True)
        m.insert(0, "beat", idx)                  # position in the built table
        m.insert(0, "row", np.arange(idx.size))   # row in its class file
        m.insert(0, "file", fname)
        m["class"] = sch.classes[code]
        metas.append(m)
    meta = pd.concat(metas, ignore_index=True).rename(columns={"aami": "aami_class"})
    with atomic_open(out / "meta.csv", "w", newline="\n") as fh:
        meta.to_csv(fh, index=False, lineterminator="\n")
    extra = {}
    if set(RR_COLUMNS) <= set(meta.columns):       # per-beat features beside the seed's files
        columns = [c for c in (*RR_COLUMNS, *TEMPLATE_FEATURES) if c in meta.columns]
        with atomic_open(out / "features.csv", "w", newline="\n") as fh:
            meta[["beat", "file", "row", *columns]].sort_values("beat").to_csv(
                fh, index=False, lineterminator="\n")
        extra["features"] = {"file": "features.csv", "sha256": sha256_file(out / "features.csv"),
                             "units": {c: FEATURE_UNITS[c] for c in columns},
                             "doc": "ecglib.beats.rr, ecglib.beats.template"}
    manifest = {
        "ecglib_version": __version__, "format": BEATS_FORMAT, "labels": sch.name,
        "label_scheme": sch.to_dict(),
        "classes": list(sch.classes), "files": files,
        "meta": {"file": "meta.csv", "sha256": sha256_file(out / "meta.csv")},
        "counts": {sch.classes[c]: int((y == c).sum()) for c in range(sch.n_classes)},
        **extra, **table.info,
    }
    if table.synthetic:
        manifest["WARNING"] = ("SYNTHETIC DATA: generated by ecglib.datasets.synthetic, "
                               "not real ECG")
    if table.source in DATASETS and get_dataset(table.source).reference_counts:
        manifest["kaggle_reference"] = reference_comparison(table).to_dict(orient="records")
    atomic_write_json(out / "manifest.json", manifest, sort_keys=True)
    return manifest
