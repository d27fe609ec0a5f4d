"""The book's render on several cores: the project's Jupyter Book configuration lets Sphinx
read and write pages in parallel, with no warning (the build runs with ``-W``)."""
from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import yaml

from ecglib.book.render import main, render
from ecglib.book.sphinx_parallel import MULTITOC, declare_parallel_read

ROOT = Path(__file__).resolve().parents[1]


def pages_book(root: Path, pages: int) -> Path:
    """A book of ``pages`` Markdown pages under the project's ``_config.yml`` (less its
    bibliography and execution); returns the configuration's path."""
    root.mkdir(parents=True)
    settings = yaml.safe_load((ROOT / "_config.yml").read_text())
    settings.pop("bibtex_bibfiles")
    settings["sphinx"]["config"].pop("bibtex_reference_style")
    settings["execute"]["execute_notebooks"] = "off"
    config = root / "_config.yml"
    config.write_text(yaml.safe_dump(settings))
    (root / "intro.md").write_text("# Intro\n")
    for k in range(pages):
        (root / f"page{k}.md").write_text(f"# Page {k}\n\nText of page {k}.\n")
    toc = ["format: jb-book", "root: intro", "chapters:"]
    (root / "_toc.yml").write_text("\n".join(toc + [f"  - file: page{k}"
                                                    for k in range(pages)]) + "\n")
    return config


def test_the_book_is_read_and_written_in_parallel_with_no_warning(tmp_path, capsys):
    config = pages_book(tmp_path / "book", pages=7)   # Sphinx reads in parallel from 6 pages
    assert render(tmp_path / "book", config, jobs=2, strict=True) == 0
    out = capsys.readouterr()
    reads = [ln for ln in out.out.splitlines() if "reading sources" in ln]
    assert reads and all(" .. " in ln for ln in reads), out.out   # pages read in batches
    assert "serial" not in out.err and "WARNING" not in out.err, out.err
    page = (tmp_path / "book" / "_build" / "html" / "page6.html").read_text()
    assert "Text of page 6." in page


def test_the_multitoc_extension_is_declared_safe_to_read_in_parallel():
    extension = SimpleNamespace(parallel_read_safe=None)
    declare_parallel_read(SimpleNamespace(extensions={MULTITOC: extension}))
    assert extension.parallel_read_safe is True
    declare_parallel_read(SimpleNamespace(extensions={}))     # not loaded: nothing to do


def test_a_book_without_a_table_of_contents_is_refused(tmp_path, capsys):
    (tmp_path / "_config.yml").write_text("title: none\n")
    assert main([str(tmp_path), str(tmp_path / "_config.yml")]) == 1
    assert "_toc.yml: no table of contents to render" in capsys.readouterr().err
