"""Where data comes from: one resolver (explicit path > $ECGLIB_DATA_DIR > user cache) and a
verified, resumable PhysioNet downloader. Which databases exist is the datasets registry's
business (:mod:`ecglib.datasets`); each names its :class:`PhysioNet` location here.

Every downloaded file is checked against PhysioNet's ``SHA256SUMS.txt`` and moved into place
only once it verifies; partial downloads live as ``*.part`` files and are resumed with an
HTTP Range request (or redone when the server ignores it, or the bytes do not verify).
"""
from __future__ import annotations

import http.client
import json
import os
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from tqdm.auto import tqdm

from ..beats.records import list_records
from ..core.atomic import atomic_write_text, sha256_file
from ..core.errors import DataError, DownloadError
from ..core.paths import cache_dir, data_dir_candidates

PHYSIONET_URL = "https://physionet.org/files"
CHUNK = 1 << 16


@dataclass(frozen=True)
class PhysioNet:
    """A database on PhysioNet's file server: ``<url>/<name>/<version>/``, the file
    extensions every record has there, and the annotator of its reference beats."""

    name: str
    version: str
    extensions: tuple[str, ...]

    def files(self, records: list[str]) -> list[str]:
        """File names of ``records`` (e.g. ``100.hea``, ``100.dat``, ``100.atr``)."""
        return [f"{r}{e}" for r in records for e in self.extensions]


def physionet_url() -> str:
    """Base URL of PhysioNet's file server (``$ECGLIB_PHYSIONET_URL`` overrides it)."""
    return os.environ.get("ECGLIB_PHYSIONET_URL", PHYSIONET_URL).rstrip("/")


def missing_files(db_dir: Path, db: PhysioNet, records: list[str] | None = None) -> list[Path]:
    """Files of the wanted records (and ``RECORDS``) that ``db_dir`` lacks."""
    if not (db_dir / "RECORDS").exists():
        return [db_dir / "RECORDS"]
    wanted = records or list_records(db_dir)
    return [db_dir / f for f in db.files(wanted) if not (db_dir / f).exists()]


def candidate_dirs(name: str, path: str | Path | None = None) -> list[Path]:
    """Folders searched for database ``name``, in order of precedence (an explicit folder
    is the only place looked at)."""
    return [Path(path)] if path is not None else data_dir_candidates(name)


def resolve_database(db: PhysioNet, path: str | Path | None = None,
                     records: list[str] | None = None, download: bool = True,
                     progress: bool = True) -> Path:
    """Folder holding PhysioNet database ``db`` (downloaded when nowhere present)."""
    name = db.name
    candidates = candidate_dirs(name, path)
    for folder in candidates:
        if not missing_files(folder, db, records):
            return folder
    if records:
        check_record_names(name, records, candidates)
    target = candidates[-1]
    if not download:
        partial = [(c, missing_files(c, db, records)) for c in candidates
                   if (c / "RECORDS").exists()]
        detail = "; ".join(f"{c} lacks {', '.join(map(str, m[:3]))}"
                           f"{f' and {len(m) - 3} more' if len(m) > 3 else ''}"
                           for c, m in partial)
        raise DataError(f"PhysioNet database {name!r} not found in any of "
                        f"{[str(c) for c in candidates]} and downloading is off"
                        + (f" ({detail})" if detail else ""))
    download_database(db, target, records=records, progress=progress)
    return target


def check_record_names(name: str, records: list[str], folders: list[Path]) -> None:
    """Refuse record names that a local copy's ``RECORDS`` file does not list (a typo is not
    a download failure)."""
    for folder in folders:
        if (folder / "RECORDS").is_file():
            known = list_records(folder)
            unknown = [r for r in records if r not in known]
            if unknown:
                raise DataError(f"database {name!r} has no record {', '.join(unknown[:5])}: "
                                f"{folder / 'RECORDS'} lists {len(known)} records "
                                f"({', '.join(known[:4])}, ...)")
            return


def read_checksums(path: Path) -> dict[str, str]:
    """Parse a ``SHA256SUMS.txt`` file into {relative path: hex digest}."""
    sums: dict[str, str] = {}
    for lineno, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.split(maxsplit=1)
        if len(parts) != 2 or len(parts[0]) != 64:
            raise DownloadError(f"{path}: line {lineno} is not '<sha256>  <file>': {line!r}")
        sums[parts[1].strip().lstrip("*")] = parts[0].lower()
    return sums


def local_checksums(db_dir: Path, files: list[str]) -> dict[str, str]:
    """SHA-256 of ``files`` in a local database copy, verified against the copy's
    ``SHA256SUMS.txt`` when it has one (a file that differs is an error naming it).

    Digests are remembered in the cache by path, size and modification time, so a second
    build reads nothing it has already hashed.
    """
    memo_path = cache_dir() / "digests.json"
    try:
        memo = json.loads(memo_path.read_text())
    except (OSError, ValueError):
        memo = {}
    out, changed = {}, False
    for name in files:
        path = (db_dir / name).resolve()
        st = path.stat()
        stamp = f"{path}|{st.st_size}|{st.st_mtime_ns}"
        if memo.get(stamp) is None:
            memo[stamp] = sha256_file(path)
            changed = True
        out[name] = memo[stamp]
    sums_file = db_dir / "SHA256SUMS.txt"
    if sums_file.is_file():
        listed = read_checksums(sums_file)
        for name, digest in out.items():
            if name in listed and listed[name] != digest:
                raise DataError(f"{db_dir / name}: SHA-256 differs from {sums_file} (the file "
                                f"is damaged or was changed); restore it or download it again")
    if changed:
        try:
            atomic_write_text(memo_path, json.dumps(memo))
        except OSError:
            pass                   # the cache is optional
    return out


def _open(url: str, start: int) -> http.client.HTTPResponse:
    req = urllib.request.Request(url, headers={"User-Agent": "ecglib"})
    if start:
        req.add_header("Range", f"bytes={start}-")
    return urllib.request.urlopen(req, timeout=60)


def fetch(url: str, dest: Path, sha256: str | None, attempts: int = 4) -> Path:
    """Download ``url`` to ``dest`` atomically, resuming ``dest.part``; verify ``sha256``."""
    if dest.exists() and (sha256 is None or sha256_file(dest) == sha256):
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    last_error = "no attempt made"
    for _ in range(attempts):
        start = part.stat().st_size if part.exists() else 0
        try:
            with _open(url, start) as resp:
                mode = "ab" if start and resp.status == 206 else "wb"
                expected = resp.headers.get("Content-Length")
                received = 0
                with open(part, mode) as fh:
                    while block := resp.read(CHUNK):
                        fh.write(block)
                        received += len(block)
            if expected is not None and received != int(expected):
                last_error = f"{url}: connection closed after {received} of {expected} bytes"
                continue                  # keep the part file and resume from it
        except urllib.error.HTTPError as exc:
            if exc.code == 416:          # range past the end: the part file is bad, start over
                part.unlink(missing_ok=True)
                last_error = f"HTTP 416 for {url}"
                continue
            raise DownloadError(f"{url}: HTTP {exc.code} {exc.reason}") from exc
        except (OSError, http.client.HTTPException) as exc:
            last_error = f"{url}: connection failed ({exc!r})"
            continue                      # keep the part file and resume from it
        if sha256 is not None and sha256_file(part) != sha256:
            part.unlink()
            last_error = f"{url}: SHA-256 mismatch (expected {sha256})"
            continue
        os.replace(part, dest)
        return dest
    raise DownloadError(f"could not download {url} to {dest} after {attempts} attempts: "
                        f"{last_error}")


def download_database(db: PhysioNet, target: str | Path, records: list[str] | None = None,
                      progress: bool = True) -> Path:
    """Download database ``db`` (or some ``records`` of it) from PhysioNet into ``target``."""
    target = Path(target)
    name = db.name
    base = f"{physionet_url()}/{name}/{db.version}"
    sums_path = fetch(f"{base}/SHA256SUMS.txt", target / "SHA256SUMS.txt", None)
    sums = read_checksums(sums_path)
    fetch(f"{base}/RECORDS", target / "RECORDS", sums.get("RECORDS"))
    if records:
        check_record_names(name, records, [target])
    wanted = records or list_records(target)
    files = db.files(wanted)
    missing = [f for f in files if f not in sums]
    if missing:
        raise DownloadError(f"{sums_path}: no checksum listed for {missing[:5]}")
    for rel in tqdm(files, desc=f"download {name}", unit="file", disable=not progress):
        fetch(f"{base}/{rel}", target / rel, sums[rel])
    return target
