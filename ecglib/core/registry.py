"""One registry type for every extension point: datasets, label schemes, models, splits.

A :class:`Registry` maps names to entries in the order they were registered. Registering is
one call (``MODELS.register(spec)``); looking a name up with :meth:`Registry.get` either
returns the entry or raises :class:`UnknownNameError`, whose message lists the known names,
so every command-line choice and chapter parameter fails the same clear way.

Examples
--------
>>> from ecglib.core.registry import Registry
>>> colours = Registry("colour")
>>> _ = colours.register("red", (255, 0, 0))
>>> colours.get("red")
(255, 0, 0)
>>> colours.get("blue")
Traceback (most recent call last):
...
ecglib.core.errors.UnknownNameError: unknown colour 'blue'; choose one of ['red']
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Generic, TypeVar

from .errors import UnknownNameError

T = TypeVar("T")


class Registry(Generic[T]):
    """Named entries of one kind (``kind`` names them in error messages).

    Parameters
    ----------
    kind : str
        What an entry is, for messages ("model", "dataset", ...).
    hint : str, optional
        Appended to the unknown-name message (e.g. "or a .json file").
    """

    def __init__(self, kind: str, hint: str = "") -> None:
        self.kind = kind
        self.hint = hint
        self._entries: dict[str, T] = {}

    def register(self, name: str, entry: T) -> T:
        """Add (or replace) ``entry`` under ``name`` and return it."""
        self._entries[name] = entry
        return entry

    def unregister(self, name: str) -> T:
        """Remove the entry called ``name`` and return it (an :class:`UnknownNameError`
        when there is none)."""
        entry = self.get(name)
        del self._entries[name]
        return entry

    def get(self, name: str) -> T:
        """The entry called ``name``; an :class:`UnknownNameError` listing the known names
        when there is none."""
        try:
            return self._entries[name]
        except (KeyError, TypeError):
            hint = f" {self.hint}" if self.hint else ""
            raise UnknownNameError(f"unknown {self.kind} {name!r}; choose one of "
                                   f"{self.names()}{hint}") from None

    def find(self, name: str) -> T | None:
        """The entry called ``name``, or None."""
        return self._entries.get(name)

    def names(self) -> list[str]:
        """The registered names, in registration order."""
        return list(self._entries)

    def values(self) -> list[T]:
        """The registered entries, in registration order."""
        return list(self._entries.values())

    __getitem__ = get

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._entries))

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}, {self.names()})"
