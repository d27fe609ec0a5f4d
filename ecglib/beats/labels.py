"""Label schemes as data: a mapping from a beat's annotation to a class, plus class names.

A :class:`LabelScheme` maps either the beat's AAMI class (``key="aami"``: the ``aami``
column of a beat table, which for PTB holds its record diagnosis N / MI) or its original
annotation symbol (``key="symbol"``) to one of its ``classes``; ``default`` is the class
of anything the mapping does not name (None: such beats are an error). ``binary`` and
``aami5`` are entries of :data:`SCHEMES`; :func:`register_scheme` adds one, and
:func:`get_scheme` also reads a scheme from a JSON file (``--labels my_scheme.json``).
A run saves its scheme whole in ``params.json``, so predicting never guesses it.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..core.errors import DataError
from ..core.registry import Registry

#: AAMI EC57 grouping of MIT-BIH beat annotation symbols.
AAMI_CLASSES: dict[str, tuple[str, ...]] = {
    "N": ("N", "L", "R", "e", "j"),
    "S": ("A", "a", "J", "S"),
    "V": ("V", "E"),
    "F": ("F",),
    "Q": ("/", "f", "Q"),
}

SYMBOL_TO_AAMI: dict[str, str] = {s: c for c, syms in AAMI_CLASSES.items() for s in syms}
KEYS = ("aami", "symbol")


@dataclass(frozen=True)
class LabelScheme:
    """Classes (``classes[i]`` has code ``i``) and how beats map to them."""

    name: str
    classes: tuple[str, ...]
    mapping: dict[str, str] = field(hash=False)
    key: str = "aami"
    default: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "classes", tuple(self.classes))
        if self.key not in KEYS:
            raise ValueError(f"label scheme {self.name!r}: key must be one of {KEYS}, got "
                             f"{self.key!r}")
        if len(self.classes) < 2 or len(set(self.classes)) != len(self.classes):
            raise ValueError(f"label scheme {self.name!r}: needs at least two distinct "
                             f"classes, got {list(self.classes)}")
        targets = set(self.mapping.values()) | ({self.default} - {None})
        if not targets <= set(self.classes):
            raise ValueError(f"label scheme {self.name!r}: maps to {sorted(targets - set(self.classes))}, "
                             f"which are not among its classes {list(self.classes)}")

    @property
    def n_classes(self) -> int:
        return len(self.classes)

    @property
    def file_names(self) -> tuple[str, ...]:
        """One beat file per class, ``<class>.csv``, in code order."""
        return tuple(f"{c}.csv" for c in self.classes)

    def class_of(self, value: str) -> str | None:
        """Class of one annotation value (an AAMI class or a symbol, by ``key``)."""
        return self.mapping.get(value, self.default)

    def code(self, value: str) -> int:
        """Integer label of one annotation value; a DataError when the scheme has none."""
        cls = self.class_of(value)
        if cls is None:
            raise DataError(f"label scheme {self.name!r} has no class for {self.key} "
                            f"{value!r}")
        return self.classes.index(cls)

    def encode(self, meta: pd.DataFrame) -> np.ndarray:
        """Integer labels of the beats of a beat table's ``meta``."""
        if self.key not in meta:
            raise DataError(f"label scheme {self.name!r} reads each beat's {self.key!r}, which "
                            f"these beats do not have")
        values = meta[self.key].astype(str)
        codes = {v: self.classes.index(c) for v in values.unique()
                 if (c := self.class_of(v)) is not None}
        missing = values[~values.isin(list(codes))]
        if len(missing):
            counts = {k: int(v) for k, v in missing.value_counts().head(5).items()}
            raise DataError(f"label scheme {self.name!r} has no class for {self.key} values "
                            f"{counts} ({len(missing):,} beats): use a scheme that covers "
                            f"them")
        return values.map(codes).to_numpy(dtype=np.int64)

    def to_dict(self) -> dict:
        """The scheme as plain JSON-able data (saved in a run's ``params.json``)."""
        return dict(asdict(self), classes=list(self.classes))

    @classmethod
    def from_dict(cls, data: dict, where: str = "label scheme") -> "LabelScheme":
        """A scheme from :meth:`to_dict`'s data; a DataError naming ``where`` if invalid."""
        try:
            return cls(name=str(data["name"]), classes=tuple(data["classes"]),
                       mapping={str(k): str(v) for k, v in dict(data["mapping"]).items()},
                       key=str(data.get("key", "aami")), default=data.get("default"))
        except (KeyError, TypeError, ValueError) as exc:
            raise DataError(f"{where}: not a valid label scheme ({exc})") from None


def _aami_scheme() -> LabelScheme:
    return LabelScheme("aami5", tuple(AAMI_CLASSES), {c: c for c in AAMI_CLASSES})


#: every registered label scheme, by name
SCHEMES: Registry[LabelScheme] = Registry("label scheme", "or give a .json file")


def register_scheme(scheme: LabelScheme) -> LabelScheme:
    """Add ``scheme`` to the registry (every CLI choice and chapter reads it)."""
    return SCHEMES.register(scheme.name, scheme)


# Kaggle / seed convention: 0 = normal, 1 = abnormal (AAMI N vs every other class; for PTB,
# healthy control vs myocardial infarction).
register_scheme(LabelScheme("binary", ("normal", "abnormal"), {"N": "normal"},
                            default="abnormal"))
# Kaggle's MIT-BIH coding: 0 N, 1 S, 2 V, 3 F, 4 Q.
register_scheme(_aami_scheme())


def get_scheme(spec: str | LabelScheme) -> LabelScheme:
    """The scheme called ``spec``, a scheme read from a JSON file, or ``spec`` itself."""
    if isinstance(spec, LabelScheme):
        return spec
    if str(spec).endswith(".json") and spec not in SCHEMES:
        path = Path(spec)
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise DataError(f"{path}: cannot read a label scheme ({exc})") from None
        return LabelScheme.from_dict(data if isinstance(data, dict) else {}, str(path))
    return SCHEMES.get(spec)


def aami_class(symbol: str) -> str | None:
    """AAMI class of a beat symbol, or None for a symbol that is not a classified beat."""
    return SYMBOL_TO_AAMI.get(symbol)
