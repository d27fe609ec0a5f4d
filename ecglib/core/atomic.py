"""File helpers: atomic writes (a temp file or folder beside the target, then a rename),
checksums, and strict JSON in and out."""
from __future__ import annotations

import contextlib
import ctypes
import hashlib
import json
import math
import os
import shutil
import tempfile
from pathlib import Path
from typing import IO, Callable, Iterator, TypeVar

from filelock import FileLock, Timeout

from .errors import DataError, EcglibError
from .paths import cache_dir

T = TypeVar("T")


def _chmod_as_created(path: str | Path, mode: int) -> None:
    """Give a temp file or folder the permissions a plain create would (``mode`` & ~umask)."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, mode & ~umask)


@contextlib.contextmanager
def atomic_open(path: str | Path, mode: str = "w", **kwargs) -> Iterator[IO]:
    """Open a temp file beside ``path``; on success it replaces ``path``, on error it is removed."""
    path = Path(path)
    if path.is_dir():
        raise DataError(f"{path}: is a folder; a file name is needed here")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    _chmod_as_created(tmp, 0o666)
    try:
        with open(tmp, mode, **kwargs) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.remove(tmp)
        raise


def atomic_write_text(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically."""
    with atomic_open(path, "w", newline="\n") as fh:
        fh.write(text)


def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    """Hex SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def _strict(obj):
    """``obj`` with every non-finite float replaced by None (JSON has no NaN)."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _strict(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_strict(v) for v in obj]
    return obj


def atomic_write_json(path: str | Path, obj, sort_keys: bool = False) -> None:
    """Write ``obj`` as strict JSON (NaN and infinities become ``null``) atomically."""
    atomic_write_text(path, json.dumps(_strict(obj), indent=2, sort_keys=sort_keys,
                                       allow_nan=False) + "\n")


def _exchange(a: Path, b: Path) -> bool:
    """Swap two existing paths in one step (Linux ``renameat2(RENAME_EXCHANGE)``);
    False where the system cannot, and the caller falls back to two renames."""
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    return fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0


def is_empty_dir(path: Path) -> bool:
    """True when ``path`` does not exist or is a folder with nothing in it."""
    return not path.exists() or (path.is_dir() and not any(path.iterdir()))


def _lock_folder() -> Path | None:
    """The cache's ``locks/`` folder, made if needed; None when the cache cannot be written."""
    folder = cache_dir() / "locks"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return folder


def output_lock(target: str | Path) -> FileLock:
    """The lock of one output path, kept in the cache (``locks/``), not beside the output
    (beside it only when the cache cannot be written)."""
    target = Path(target)
    folder = _lock_folder()
    if folder is None:
        return FileLock(target.parent / f".{target.name}.lock")
    key = hashlib.sha256(str(target.resolve()).encode()).hexdigest()[:32]
    return FileLock(folder / f"{key}.lock")


def load_or_compute(kind: str, key: str, load: Callable[[], T | None],
                    compute: Callable[[], T]) -> T:
    """Cache entry ``kind/key``: ``load()`` it, else ``compute()`` it holding the entry's lock.
    A second process asking meanwhile (a chapter run beside it, a parallel test) waits for
    the lock, then loads what the first published instead of computing it again. Where the
    cache cannot be written it does not lock: the caller's atomic publish still keeps the
    entry whole."""
    if (found := load()) is not None:
        return found
    folder = _lock_folder()
    with FileLock(folder / f"{kind}-{key}.lock") if folder else contextlib.nullcontext():
        if (found := load()) is not None:
            return found
        return compute()


def cached_json(kind: str, key: str, compute: Callable[[], dict],
                valid: Callable[[dict], bool] = bool) -> dict:
    """A JSON object kept in the cache as ``<cache>/<kind>/<key>.json``: read when it is
    there and ``valid``, else ``compute()``-d and written atomically
    (:func:`load_or_compute`: a second process waits and reads it)."""
    path = cache_dir() / kind / f"{key}.json"

    def load() -> dict | None:
        try:
            found = json.loads(path.read_text())
        except (OSError, ValueError):
            return None
        return found if isinstance(found, dict) and valid(found) else None

    def write() -> dict:
        found = compute()
        atomic_write_json(path, found)
        return found

    return load_or_compute(kind, key, load, write)


@contextlib.contextmanager
def atomic_dir(target: str | Path, replace: bool = True) -> Iterator[Path]:
    """Write a whole folder at once: yields a temp folder beside ``target``, which replaces
    ``target`` when the block succeeds and is removed when it fails. A lock stops two writers
    of the same target; after a crash at any moment ``target`` is the old complete folder or
    the new complete one (the swap is a single rename on Linux). The temp folders a killed
    writer left beside ``target`` are removed. With ``replace=False``, a ``target`` that
    another command filled while this block ran is not replaced (an error says so)."""
    target = Path(target)
    check_replaceable(target, force=True, ours=True, what="")
    target.parent.mkdir(parents=True, exist_ok=True)
    lock = output_lock(target)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise EcglibError(f"{target}: another ecglib command is writing this folder now") from None
    for stale in target.parent.glob(f".{target.name}.*-*"):     # a killed writer's leftovers
        if stale.is_dir() and stale.name.split(".")[-1].startswith(("tmp-", "old-")):
            shutil.rmtree(stale, ignore_errors=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    _chmod_as_created(tmp, 0o777)
    try:
        yield tmp
        if not replace and not is_empty_dir(target):
            raise DataError(f"{target}: another command wrote there while this one ran; "
                            f"refusing to replace it (nothing of this run was kept)")
        if not target.exists():
            os.rename(tmp, target)
        elif not _exchange(tmp, target):
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
            os.rename(target, old / "x")
            os.rename(tmp, target)
            tmp = old
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        lock.release()


def read_json(path: Path):
    """A JSON file, or a DataError naming it (missing, not UTF-8, invalid)."""

    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError(f"{path}: not found") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: invalid JSON ({exc})") from None


def verify_checksum(path: Path, digest: str | None, manifest: Path, remedy: str) -> None:
    """Raise a DataError naming ``path`` when its SHA-256 is not the one ``manifest`` lists."""

    if sha256_file(path) != digest:
        raise DataError(f"{path}: checksum differs from {manifest} (file changed or "
                        f"truncated); {remedy}")


def check_not_input(target: str | Path, inputs: dict[str, str | Path | None]) -> None:
    """Refuse an output ``target`` that is or holds an input of the same
    command (``inputs``: option name -> path): replacing it would destroy that input, and
    ``--force`` never does."""
    out = Path(target).resolve()
    for option, given in inputs.items():
        if given is None or not Path(given).exists():
            continue                         # a dataset name, not a path
        source = Path(given).resolve()
        if out == source or out in source.parents:
            raise DataError(f"--out {target}: it is or holds {option} {given}, an input of "
                            f"this command; choose another --out (--force never replaces "
                            f"a command's own input)")


def check_replaceable(target: Path, force: bool, ours: bool, what: str) -> None:
    """Refuse, before any work, to replace ``target`` when it is a file, or a non-empty
    folder that is not ``ours`` to replace, unless ``force``; ``what`` says why."""

    if target.exists() and not target.is_dir():
        raise DataError(f"{target}: exists and is not a folder")
    if not force and not ours and not is_empty_dir(target):
        raise DataError(f"{target}: {what}; refusing to overwrite it (pass --force to "
                        f"replace it)")
