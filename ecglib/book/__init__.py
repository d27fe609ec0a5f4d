"""The book's tooling, apart from the ECG core: chapter setup and display helpers
(:mod:`.chapter`), parameter profiles (:mod:`.profiles`), papermill runs and notebook
hygiene (:mod:`.notebooks`), exercise checks and student copies (:mod:`.exercises`).
The core (``ecglib.*`` outside this package) never imports it.

The chapter helpers are imported on first use, so ``ecglib book build`` (:mod:`.build`)
starts without the data, model and plotting stack that every chapter loads in its own
kernel."""
from __future__ import annotations

from typing import TYPE_CHECKING

__all__ = ["Chapter", "banner", "example_record", "figure", "injected_parameters",
           "metric_value", "record_path", "say", "setup_chapter", "show_html", "text"]

if TYPE_CHECKING:
    from .chapter import (
        Chapter,
        banner,
        example_record,
        figure,
        injected_parameters,
        metric_value,
        record_path,
        say,
        setup_chapter,
        show_html,
        text,
    )


def __getattr__(name: str):
    """``ecglib.book.<name>`` for the chapter helpers of :data:`__all__`, from
    :mod:`.chapter`, imported the first time one is asked for."""
    if name in __all__:
        from . import chapter

        return getattr(chapter, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
