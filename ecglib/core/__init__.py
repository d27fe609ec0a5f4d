"""Layer 0, core: what every layer may use and which imports nothing else of ecglib.

Errors (:mod:`.errors`), atomic file writing and checksums (:mod:`.atomic`), cache and
data folders (:mod:`.paths`), the one seed setting (:mod:`.seed`) and the registry type
behind every extension point (:mod:`.registry`)."""
from .atomic import atomic_dir, atomic_open, atomic_write_json, atomic_write_text, sha256_file
from .errors import (
    DataError,
    DownloadError,
    EcglibError,
    MissingDependencyError,
    UnknownNameError,
)
from .paths import array_digest, cache_dir, cache_key
from .registry import Registry
from .seed import set_seed

__all__ = ["DataError", "DownloadError", "EcglibError", "MissingDependencyError", "Registry",
           "UnknownNameError", "array_digest", "atomic_dir", "atomic_open", "atomic_write_json",
           "atomic_write_text", "cache_dir", "cache_key", "set_seed", "sha256_file"]
