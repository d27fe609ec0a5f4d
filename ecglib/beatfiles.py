"""Read and strictly validate beat CSV files: ecglib's own folders and Kaggle's files as-is.

A beat file has no header and 188 numeric columns: 187 samples in [0, 1] and an integer
label. Any problem raises :class:`~ecglib.errors.DataError` naming the file, the row (1-based
line number) and, where it applies, the column. Values outside [0, 1] are an **error**
(tolerance 1e-6): the format promises min-max normalised beats, and a file that breaks that
promise was made by a different preprocessing that the models were not trained on.
"""
from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

from .atomic import sha256_file
from .beattable import BeatTable
from .errors import DataError
from .labels import SCHEMES, get_scheme

N_COLUMNS = 188
RANGE_TOLERANCE = 1e-6
KAGGLE_FILES = {
    "ptbdb_normal.csv": ("binary", 0), "ptbdb_abnormal.csv": ("binary", 1),
    "mitbih_train.csv": ("aami5", None), "mitbih_test.csv": ("aami5", None),
}


def _locate_parse_error(path: Path, n_columns: int) -> DataError:
    """Scan ``path`` row by row to name the first malformed row and column."""
    with open(path, newline="") as fh:
        for lineno, row in enumerate(csv.reader(fh), start=1):
            if len(row) != n_columns:
                return DataError(f"{path}: row {lineno} has {len(row)} columns, "
                                 f"expected {n_columns}")
            for col, cell in enumerate(row, start=1):
                try:
                    value = float(cell)
                except ValueError:
                    return DataError(f"{path}: row {lineno}, column {col}: "
                                     f"non-numeric value {cell!r}")
                if not math.isfinite(value):
                    return DataError(f"{path}: row {lineno}, column {col}: "
                                     f"value {cell!r} is not finite")
    return DataError(f"{path}: cannot be parsed as a {n_columns}-column numeric CSV")


def read_beat_csv(path: str | Path, scheme: str = "binary", expect_label: int | None = None,
                  n_columns: int = N_COLUMNS) -> tuple[np.ndarray, np.ndarray]:
    """Read and validate one beat file; returns ``(X float32 (n, 187), y int64 (n,))``."""
    path = Path(path)
    sch = get_scheme(scheme)
    if not path.is_file():
        raise DataError(f"{path}: file not found")
    if path.stat().st_size == 0:
        raise DataError(f"{path}: file is empty")
    try:
        frame = pd.read_csv(path, header=None, dtype=np.float64, engine="c",
                            skip_blank_lines=False)
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError):
        raise _locate_parse_error(path, n_columns) from None
    except pd.errors.EmptyDataError:
        raise DataError(f"{path}: file is empty") from None
    values = frame.to_numpy()
    if values.shape[1] != n_columns:
        raise _locate_parse_error(path, n_columns)
    bad = ~np.isfinite(values)
    if bad.any():
        row, col = np.argwhere(bad)[0]
        raise DataError(f"{path}: row {row + 1}, column {col + 1}: missing or non-finite value "
                        f"({values[row, col]})")
    X, labels = values[:, :-1], values[:, -1]
    out = (X < -RANGE_TOLERANCE) | (X > 1 + RANGE_TOLERANCE)
    if out.any():
        row, col = np.argwhere(out)[0]
        raise DataError(f"{path}: row {row + 1}, column {col + 1}: value {X[row, col]:g} "
                        f"outside [0, 1] (beats must be min-max normalised)")
    valid = (labels == np.round(labels)) & (labels >= 0) & (labels < sch.n_classes)
    if not valid.all():
        row = int(np.flatnonzero(~valid)[0])
        raise DataError(f"{path}: row {row + 1}: label {labels[row]:g} is not one of the "
                        f"{scheme} classes 0..{sch.n_classes - 1} {list(sch.classes)}")
    y = labels.astype(np.int64)
    if expect_label is not None and (y != expect_label).any():
        row = int(np.flatnonzero(y != expect_label)[0])
        raise DataError(f"{path}: row {row + 1}: label {y[row]} in a file of class "
                        f"{sch.classes[expect_label]!r} (label {expect_label})")
    return np.clip(X, 0.0, 1.0).astype(np.float32), y


def read_manifest(folder: str | Path) -> dict:
    """The ``manifest.json`` of an ecglib beat folder."""
    path = Path(folder) / "manifest.json"
    if not path.is_file():
        raise DataError(f"{path}: not found (is {folder} a folder written by "
                        f"'ecglib data build'?)")
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise DataError(f"{path}: invalid JSON ({exc})") from None


def read_beat_dir(folder: str | Path, verify: bool = True) -> BeatTable:
    """Read an ecglib beat folder (class files + meta.csv + manifest.json), verified."""
    folder = Path(folder)
    man = read_manifest(folder)
    scheme = man.get("labels", "binary")
    xs = []
    for fname, spec in man["files"].items():
        path = folder / fname
        if verify and path.is_file() and sha256_file(path) != spec["sha256"]:
            raise DataError(f"{path}: checksum differs from manifest.json (file changed or "
                            f"truncated); rebuild with 'ecglib data build'")
        X, _ = read_beat_csv(path, scheme, expect_label=spec["label"]) if spec["rows"] else (
            np.zeros((0, N_COLUMNS - 1), np.float32), None)
        xs.append(X)
    meta = pd.read_csv(folder / man["meta"]["file"], dtype={"record": str, "patient": str,
                                                             "symbol": str},
                       keep_default_na=False)
    if len(meta) != sum(x.shape[0] for x in xs):
        raise DataError(f"{folder / 'meta.csv'}: {len(meta)} rows but the class files hold "
                        f"{sum(x.shape[0] for x in xs)} beats")
    meta = meta.rename(columns={"aami_class": "aami"})[
        ["record", "patient", "sample", "symbol", "aami"]]
    info = {k: v for k, v in man.items() if k not in ("files", "meta")}
    info["path"] = str(folder)
    return BeatTable(np.concatenate(xs), meta, man.get("source", "unknown"),
                     bool(man.get("synthetic", False)), info)


def _table_from_arrays(X: np.ndarray, y: np.ndarray, scheme: str, source: str,
                       names: list[str]) -> BeatTable:
    """A beat table for files without provenance (Kaggle's): records are unknown."""
    sch = get_scheme(scheme)
    cls = np.array(["N", "S", "V", "F", "Q"] if scheme == "aami5" else ["N", "MI"])[y]
    meta = pd.DataFrame({"record": "unknown", "patient": "unknown", "sample": -1,
                         "symbol": "", "aami": cls})
    return BeatTable(X, meta, source, False, {"files": names, "labels": sch.name})


def read_kaggle(folder_or_file: str | Path) -> BeatTable:
    """Read Kaggle's files as-is: ``ptbdb_normal.csv`` + ``ptbdb_abnormal.csv`` in a folder,
    or one of ``mitbih_train.csv`` / ``mitbih_test.csv``."""
    p = Path(folder_or_file)
    if p.is_dir():
        names = ["ptbdb_normal.csv", "ptbdb_abnormal.csv"]
        if not all((p / n).exists() for n in names):
            raise DataError(f"{p}: expected ptbdb_normal.csv and ptbdb_abnormal.csv")
        parts = [read_beat_csv(p / n, "binary", expect_label=KAGGLE_FILES[n][1]) for n in names]
        X = np.concatenate([a for a, _ in parts])
        y = np.concatenate([b for _, b in parts])
        return _table_from_arrays(X, y, "binary", "kaggle-ptbdb", names)
    if p.name not in KAGGLE_FILES:
        raise DataError(f"{p}: not a Kaggle file name ({sorted(KAGGLE_FILES)})")
    scheme, label = KAGGLE_FILES[p.name]
    X, y = read_beat_csv(p, scheme, expect_label=label)
    return _table_from_arrays(X, y, scheme, "kaggle-mitbih", [p.name])


def load_beats(path: str | Path) -> BeatTable:
    """Any supported beat data: an ecglib folder, a Kaggle PTB folder or a Kaggle MIT-BIH file."""
    p = Path(path)
    if p.is_dir() and (p / "manifest.json").exists():
        return read_beat_dir(p)
    if p.is_dir() and (p / "ptbdb_normal.csv").exists() or p.name in KAGGLE_FILES:
        return read_kaggle(p)
    raise DataError(f"{p}: not an ecglib beat folder (no manifest.json) nor Kaggle files")


def infer_file_kind(path: Path) -> tuple[str, int | None]:
    """(scheme, expected label) of a beat file, from its name (or a sibling manifest)."""
    if path.name in KAGGLE_FILES:
        return KAGGLE_FILES[path.name]
    manifest = path.parent / "manifest.json"
    if manifest.exists():
        man = read_manifest(path.parent)
        if path.name in man.get("files", {}):
            return man.get("labels", "binary"), man["files"][path.name]["label"]
    for sch in SCHEMES.values():
        if path.name in sch.file_names:
            return sch.name, sch.file_names.index(path.name)
    return "aami5", None


def check_files(paths: list[str | Path]) -> list[str]:
    """Validate beat files (or ecglib folders); returns one summary line per file."""
    lines = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            table = load_beats(path)
            counts = table.meta["aami"].value_counts().sort_index().to_dict()
            lines.append(f"{path}: OK, {len(table):,} beats {counts}")
            continue
        scheme, label = infer_file_kind(path)
        _, y = read_beat_csv(path, scheme, expect_label=label)
        sch = get_scheme(scheme)
        counts = ", ".join(f"{sch.classes[c]} {int((y == c).sum()):,}"
                           for c in range(sch.n_classes) if (y == c).any())
        lines.append(f"{path}: OK, {y.size:,} rows ({counts})")
    return lines
