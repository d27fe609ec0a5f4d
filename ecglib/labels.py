"""Label schemes: MIT-BIH beat symbols -> AAMI EC57 classes -> binary normal/abnormal.

A scheme is a value (``"binary"`` or ``"aami5"``), never a code edit: every function that
labels beats takes it as a parameter.
"""
from __future__ import annotations

from dataclasses import dataclass

#: AAMI EC57 grouping of MIT-BIH beat annotation symbols.
AAMI_CLASSES: dict[str, tuple[str, ...]] = {
    "N": ("N", "L", "R", "e", "j"),
    "S": ("A", "a", "J", "S"),
    "V": ("V", "E"),
    "F": ("F",),
    "Q": ("/", "f", "Q"),
}

SYMBOL_TO_AAMI: dict[str, str] = {s: c for c, syms in AAMI_CLASSES.items() for s in syms}


@dataclass(frozen=True)
class LabelScheme:
    """A set of classes with integer codes; ``classes[i]`` has code ``i``."""

    name: str
    classes: tuple[str, ...]
    file_names: tuple[str, ...]

    def code(self, aami_class: str) -> int:
        """Integer label of an AAMI class under this scheme."""
        if self.name == "binary":
            return 0 if aami_class == "N" else 1
        return self.classes.index(aami_class)

    @property
    def n_classes(self) -> int:
        return len(self.classes)


SCHEMES: dict[str, LabelScheme] = {
    # Kaggle / seed convention: 0 = normal, 1 = abnormal.
    "binary": LabelScheme("binary", ("normal", "abnormal"), ("normal.csv", "abnormal.csv")),
    # Kaggle's MIT-BIH coding: 0 N, 1 S, 2 V, 3 F, 4 Q.
    "aami5": LabelScheme("aami5", ("N", "S", "V", "F", "Q"),
                         ("N.csv", "S.csv", "V.csv", "F.csv", "Q.csv")),
}


def get_scheme(name: str) -> LabelScheme:
    """Return the scheme called ``name`` or raise a ValueError listing the valid ones."""
    try:
        return SCHEMES[name]
    except KeyError:
        raise ValueError(f"unknown label scheme {name!r}; choose one of {sorted(SCHEMES)}") from None


def aami_class(symbol: str) -> str | None:
    """AAMI class of a beat symbol, or None for a symbol that is not a classified beat."""
    return SYMBOL_TO_AAMI.get(symbol)
