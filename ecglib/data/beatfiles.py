"""Read and strictly validate beat CSV files: ecglib's own folders and Kaggle's files as-is.

A beat file has no header and 188 numeric columns: 187 samples in [0, 1] and an integer
label. Any problem raises :class:`~ecglib.core.errors.DataError` naming the file, the row (1-based
line number) and, where it applies, the column. Values outside [0, 1] are an **error**
(tolerance 1e-6): the format promises min-max normalised beats, and a file that breaks that
promise was made by a different preprocessing that the models were not trained on.
"""
from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pandas as pd

from ..beats.extract import META_COLUMNS
from ..beats.labels import AAMI_CLASSES, SCHEMES, LabelScheme, get_scheme
from ..beats.segmentation import BEAT_LENGTH
from ..core.atomic import read_json, verify_checksum
from ..core.errors import DataError
from ..datasets import DATASETS
from .beattable import BeatTable

N_COLUMNS = BEAT_LENGTH + 1   # samples and the label
RANGE_TOLERANCE = 1e-6
REBUILD = "rebuild with 'ecglib data build'"
#: the classes Kaggle's label codes stand for (PTB: healthy control N, infarction MI)
KAGGLE_CLASSES = {"binary": ("N", "MI"), "aami5": tuple(AAMI_CLASSES)}
KAGGLE_FILES = {
    "ptbdb_normal.csv": ("binary", 0), "ptbdb_abnormal.csv": ("binary", 1),
    "mitbih_train.csv": ("aami5", None), "mitbih_test.csv": ("aami5", None),
}


def _locate_parse_error(path: Path, n_columns: int) -> DataError:
    """Scan ``path`` row by row to name the first malformed row and column."""
    with open(path, "rb") as fh:
        head = fh.read(2)
    if head == b"\x1f\x8b":
        return DataError(f"{path}: is a gzip-compressed file, not a CSV: decompress it first")
    try:
        return _scan_rows(path, n_columns)
    except UnicodeDecodeError as exc:
        return DataError(f"{path}: not a UTF-8 text CSV (byte {exc.start}: {exc.reason}); "
                         f"save it as plain UTF-8/ASCII")


def _scan_rows(path: Path, n_columns: int) -> DataError:
    with open(path, newline="", encoding="utf-8") as fh:
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


def verify_against_manifest(path: Path) -> None:
    """When ``path`` sits in an ecglib beat folder, check its bytes against the manifest."""
    if not (path.parent / "manifest.json").is_file():
        return
    spec = read_manifest(path.parent).get("files", {}).get(path.name)
    if isinstance(spec, dict):
        verify_checksum(path, spec.get("sha256"), path.parent / "manifest.json", REBUILD)


def read_beat_csv(path: str | Path, scheme: str | LabelScheme = "binary",
                  expect_label: int | None = None,
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
                        f"{sch.name} classes 0..{sch.n_classes - 1} {list(sch.classes)}")
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
    man = read_json(path)
    if not isinstance(man, dict):
        raise DataError(f"{path}: not an ecglib manifest (expected a JSON object)")
    return man


META_REQUIRED = ("file", "row", "class", "record", "patient", "sample", "symbol", "aami_class")


def _read_meta(folder: Path, man: dict, verify: bool) -> pd.DataFrame:
    """``meta.csv`` of a beat folder, checked against the manifest's checksum and columns."""
    spec = man.get("meta") or {}
    path = folder / spec.get("file", "meta.csv")
    if not path.is_file():
        raise DataError(f"{path}: not found (every ecglib beat folder has one)")
    if verify and spec.get("sha256"):
        verify_checksum(path, spec["sha256"], folder / "manifest.json", REBUILD)
    try:
        meta = pd.read_csv(path, dtype={"record": str, "patient": str, "symbol": str,
                                        "file": str, "class": str, "aami_class": str},
                           keep_default_na=False)
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: cannot be read as CSV ({exc})") from None
    missing = [c for c in META_REQUIRED if c not in meta.columns]
    if missing:
        raise DataError(f"{path}: missing column(s) {missing}")
    return meta


def _align(folder: Path, man: dict, meta: pd.DataFrame, signals: dict[str, np.ndarray],
           scheme: LabelScheme) -> np.ndarray:
    """Signal row of every meta row, through meta's ``file`` and ``row`` columns.

    Checks that each meta row points to an existing row of a listed file, that every file
    row is used exactly once, and that the row's class is its file's class. Returns the
    beats in meta order; never depends on the order of any JSON mapping.
    """
    path = folder / "meta.csv"
    files = man["files"]
    unknown = ~meta["file"].isin(list(files))
    if unknown.any():
        i = int(np.flatnonzero(unknown)[0])
        raise DataError(f"{path}: row {i + 2}: file {meta['file'].iloc[i]!r} is not one of "
                        f"the folder's class files {sorted(files)}")
    rows = pd.to_numeric(meta["row"], errors="coerce").to_numpy()
    offsets, start = {}, 0
    for fname, arr in signals.items():
        offsets[fname] = start
        start += arr.shape[0]
    n_rows = meta["file"].map({f: a.shape[0] for f, a in signals.items()}).to_numpy()
    bad = ~np.isfinite(rows) | (rows != np.round(rows)) | (rows < 0) | (rows >= n_rows)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise DataError(f"{path}: row {i + 2}: row {meta['row'].iloc[i]} does not exist in "
                        f"{meta['file'].iloc[i]} ({int(n_rows[i])} rows)")
    flat = meta["file"].map(offsets).to_numpy() + rows.astype(np.int64)
    if len(meta) != start or np.unique(flat).size != start:
        dup = pd.Series(flat).duplicated()
        where = (f"row {int(np.flatnonzero(dup)[0]) + 2} points to a beat used twice"
                 if dup.any() else f"{len(meta)} rows for {start} beats in the class files")
        raise DataError(f"{path}: {where}; meta.csv and the class files do not match")
    want = meta["file"].map({f: s["class"] for f, s in files.items()})
    wrong = meta["class"].to_numpy() != want.to_numpy()
    label = meta["file"].map({f: s["label"] for f, s in files.items()}).to_numpy()
    codes = scheme.encode(meta.rename(columns={"aami_class": "aami"}))
    wrong |= codes != label
    if wrong.any():
        i = int(np.flatnonzero(wrong)[0])
        raise DataError(f"{path}: row {i + 2}: class {meta['aami_class'].iloc[i]!r} of a beat "
                        f"stored in {meta['file'].iloc[i]} (class {want.iloc[i]!r})")
    return np.concatenate(list(signals.values()))[flat]


def read_beat_dir(folder: str | Path, verify: bool = True) -> BeatTable:
    """Read an ecglib beat folder (class files + meta.csv + manifest.json), verified.

    Signals are matched to their meta rows through meta's ``file`` and ``row`` columns and
    returned in the order of the built table (meta's ``beat`` column), so the table read
    back equals the one written.
    """
    folder = Path(folder)
    man = read_manifest(folder)
    scheme = manifest_scheme(man, folder / "manifest.json")
    if not isinstance(man.get("files"), dict) or not man["files"]:
        raise DataError(f"{folder / 'manifest.json'}: no 'files' listed")
    for fname, spec in man["files"].items():
        if not (isinstance(spec, dict) and isinstance(spec.get("label"), int)
                and isinstance(spec.get("rows"), int) and isinstance(spec.get("class"), str)):
            raise DataError(f"{folder / 'manifest.json'}: entry of {fname!r} lacks its class, "
                            f"label or rows; {REBUILD}")
    listed = set(man["files"]) | {(man.get(k) or {}).get("file") for k in ("meta", "features")}
    stale = sorted(p.name for p in folder.glob("*.csv") if p.name not in listed)
    if stale:
        raise DataError(f"{folder}: holds beat files its manifest does not list {stale} "
                        f"(left from an earlier build?); rebuild the folder")
    signals = {}
    for fname, spec in man["files"].items():
        path = folder / fname
        if not path.is_file():
            raise DataError(f"{path}: listed in manifest.json but missing")
        if verify:
            verify_checksum(path, spec["sha256"], folder / "manifest.json", REBUILD)
        signals[fname] = read_beat_csv(path, scheme, expect_label=spec["label"])[0] \
            if spec["rows"] else np.zeros((0, N_COLUMNS - 1), np.float32)
    meta = _read_meta(folder, man, verify)
    features = man.get("features")
    if verify and isinstance(features, dict) and features.get("file"):
        verify_checksum(folder / features["file"], features.get("sha256"),
                        folder / "manifest.json", REBUILD)
    X = _align(folder, man, meta, signals, scheme)
    if "beat" in meta.columns:
        order = np.argsort(meta["beat"].to_numpy(), kind="stable")
        if not np.array_equal(meta["beat"].to_numpy()[order], np.arange(len(meta))):
            raise DataError(f"{folder / 'meta.csv'}: column 'beat' is not 0..{len(meta) - 1}")
        X, meta = X[order], meta.iloc[order]
    meta = meta.rename(columns={"aami_class": "aami"})
    meta = meta[[c for c in META_COLUMNS if c in meta]].reset_index(drop=True)
    info = {k: v for k, v in man.items() if k not in ("files", "meta")}
    info["path"] = str(folder)
    return BeatTable(X, meta, man.get("source", "unknown"), bool(man.get("synthetic", False)),
                     info)


def manifest_scheme(man: dict, where: Path) -> LabelScheme:
    """The label scheme a beat folder was written with (saved whole since ecglib 0.3)."""
    if isinstance(man.get("label_scheme"), dict):
        return LabelScheme.from_dict(man["label_scheme"], str(where))
    return get_scheme(man.get("labels", "binary"))


def _table_from_arrays(X: np.ndarray, y: np.ndarray, scheme: str, source: str,
                       names: list[str]) -> BeatTable:
    """A beat table for files without provenance (Kaggle's): records are unknown."""
    sch = get_scheme(scheme)
    cls = np.array(KAGGLE_CLASSES[scheme])[y]
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
    if not p.exists():
        raise DataError(f"{p}: does not exist (neither a beat folder or file nor a dataset: "
                        f"{', '.join(DATASETS.names())})")
    if p.is_dir() and (p / "manifest.json").exists():
        return read_beat_dir(p)
    if p.is_dir() and (p / "ptbdb_normal.csv").exists() or p.name in KAGGLE_FILES:
        return read_kaggle(p)
    raise DataError(f"{p}: not an ecglib beat folder (no manifest.json) nor Kaggle files")


def infer_file_kind(path: Path) -> tuple[str | LabelScheme, int | None]:
    """(scheme, expected label) of a beat file, from its name (or a sibling manifest)."""
    if path.name in KAGGLE_FILES:
        return KAGGLE_FILES[path.name]
    manifest = path.parent / "manifest.json"
    if manifest.exists():
        man = read_manifest(path.parent)
        if path.name in man.get("files", {}):
            return manifest_scheme(man, manifest), man["files"][path.name]["label"]
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
            lines.append(f"{path}: OK, {len(table):,} beats {counts}; every meta row matches "
                         f"an existing row of its class file and that file's class")
            continue
        scheme, label = infer_file_kind(path)
        if path.is_file():
            verify_against_manifest(path)
        _, y = read_beat_csv(path, scheme, expect_label=label)
        sch = get_scheme(scheme)
        counts = ", ".join(f"{sch.classes[c]} {int((y == c).sum()):,}"
                           for c in range(sch.n_classes) if (y == c).any())
        lines.append(f"{path}: OK, {y.size:,} rows ({counts})")
    return lines
