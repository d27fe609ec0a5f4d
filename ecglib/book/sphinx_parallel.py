"""A Sphinx extension that lets the book's pages be read in parallel.

``sphinx_external_toc`` (Jupyter Book's table of contents) always loads
``sphinx_multitoc_numbering``, which does not declare whether it is safe for parallel
reading, so Sphinx reads every page one at a time with a warning (an error under ``-W``).
That extension only replaces ``TocTreeCollector.assign_section_numbers``, which Sphinx calls
in the main process once all pages are read and merged, and keeps no state of its own per
page, so it is safe: this extension says so for it, once every extension is loaded.
"""
from __future__ import annotations

#: the extension whose parallel reading is declared here, and why it is safe (above)
MULTITOC = "sphinx_multitoc_numbering"


def declare_parallel_read(app) -> None:
    """Mark :data:`MULTITOC`, when loaded, as safe to read in parallel."""
    extension = app.extensions.get(MULTITOC)
    if extension is not None:
        extension.parallel_read_safe = True


def setup(app) -> dict:
    app.connect("builder-inited", declare_parallel_read)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
