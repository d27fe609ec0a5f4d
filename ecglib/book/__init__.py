"""The book's tooling, apart from the ECG core: chapter setup and display helpers
(:mod:`.chapter`), parameter profiles (:mod:`.profiles`), papermill runs and notebook
hygiene (:mod:`.notebooks`), exercise checks and student copies (:mod:`.exercises`).
The core (``ecglib.*`` outside this package) never imports it."""
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

__all__ = ["Chapter", "banner", "example_record", "figure", "injected_parameters",
           "metric_value", "record_path", "say", "setup_chapter", "show_html", "text"]
