"""Where ecglib keeps things on disk, and the stable keys it caches them under."""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np
import platformdirs


def cache_dir() -> Path:
    """``$ECGLIB_CACHE_DIR`` or the per-user cache folder of ecglib."""
    env = os.environ.get("ECGLIB_CACHE_DIR")
    return Path(env) if env else Path(platformdirs.user_cache_dir("ecglib"))


def data_dir_candidates(name: str) -> list[Path]:
    """Folders searched for database ``name`` when no folder is given: ``$ECGLIB_DATA_DIR/name``,
    ``$ECGLIB_DATA_DIR``, then the user cache."""
    env = os.environ.get("ECGLIB_DATA_DIR")
    out = [Path(env) / name, Path(env)] if env else []
    return out + [cache_dir() / "physionet" / name]


def cache_key(parts: object, length: int = 24) -> str:
    """Stable hex digest of a JSON-able value (parameters, checksums), ``length`` digits."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:length]


def array_digest(*arrays: object) -> str:
    """Hex SHA-256 of arrays' shapes, types and bytes (a key for cached results on them);
    an array of Python objects (strings: record or patient ids) by its items' ``repr``, not
    by the addresses its bytes hold."""
    h = hashlib.sha256()
    for a in arrays:
        a = np.ascontiguousarray(a)
        h.update(f"{a.shape}{a.dtype}".encode())
        h.update("\0".join(map(repr, a.ravel())).encode() if a.dtype == object
                 else a.tobytes())
    return h.hexdigest()
