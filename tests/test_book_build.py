"""``ecglib book build``: the chapter and model at work and the time left, shown while
Jupyter Book runs (here a stand-in that prints what myst-nb prints and writes what the
chapters write to the progress file)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import nbformat

from ecglib.book.build import Watch, build_book, built_chapters, expected_seconds, mark_built

ROOT = Path(__file__).resolve().parents[1]


def test_time_left_follows_the_chapters_run_side_by_side():
    now = [0.0]
    watch = Watch({"01_data": 60.0, "02_building": 120.0, "03_reshape": 30.0}, jobs=2,
                  clock=lambda: now[0])
    assert watch.seconds_left() == 120               # 120 on one, 60 then 30 on the other
    watch.start("02_building")
    watch.start("01_data")
    now[0] = 20.0
    assert watch.seconds_left() == 100               # 100 left; 40 then 30 beside it
    now[0] = 500.0                                   # slower than measured: never negative
    assert watch.seconds_left() == 30
    watch.finish("01_data")
    watch.start("03_reshape")                        # just begun: all of its 30 s left
    assert watch.seconds_left() == 30
    watch.finish("03_reshape")
    watch.finish("02_building")
    assert watch.seconds_left() == 0
    assert watch.status("training seed", "02_building") == \
        "[02_building] training seed; about 10 s left"
    assert Watch({"a": 3.0}).status("x") == "[book] x; about 10 s left"     # never "0 s"
    assert Watch({"a": 94.0}).status("x") == "[book] x; about 90 s left"
    assert Watch({"a": 1500.0}).status("x") == "[book] x; about 25 min left"
    assert Watch({}).status("x") == "[book] x"        # a profile never measured: no guess
    assert Watch({"a": 60.0, "b": 60.0}, jobs=1).seconds_left() == 120


def test_expected_seconds_are_the_measured_first_build():
    times = expected_seconds(ROOT / "book" / "chapter_times.csv", "fast")
    assert set(times) == {p.stem for p in (ROOT / "notebooks").glob("*.ipynb")}
    assert expected_seconds(ROOT / "book" / "chapter_times.csv", "nosuch") == {}


def test_expected_seconds_of_chapters_side_by_side(tmp_path):
    times = tmp_path / "times.csv"
    times.write_text("chapter,default (s),\"default, 2 at a time (s)\"\n01_a,10,14\n"
                     "total (min),0.2,0.2\n")
    assert expected_seconds(times, "default") == {"01_a": 10.0}
    assert expected_seconds(times, "default", jobs=2) == {"01_a": 14.0}
    assert expected_seconds(times, "default", jobs=3) == {"01_a": 10.0}   # not measured


def test_chapters_built_before_with_this_run_cache_expect_their_warm_time(tmp_path,
                                                                          monkeypatch):
    """A chapter an earlier build completed with this cache and profile is expected to take
    its time with the run cache warm; the others, and profiles without that column, their
    first-build time."""
    monkeypatch.setenv("ECGLIB_CACHE_DIR", str(tmp_path / "cache"))
    times = tmp_path / "times.csv"
    times.write_text("chapter,default (s),\"default, run cache warm (s)\",fast (s)\n"
                     "01_a,600,20,50\n02_b,300,,40\n03_c,100,10,30\n")
    assert built_chapters("default") == frozenset()
    mark_built("default", ["01_a", "02_b"])
    mark_built("default", ["01_a"])                      # adds; never forgets
    mark_built("fast", [])
    assert built_chapters("default") == {"01_a", "02_b"} and built_chapters("fast") == set()
    warm = built_chapters("default")
    assert expected_seconds(times, "default", warm=warm) == {"01_a": 20.0, "02_b": 300.0,
                                                            "03_c": 100.0}
    assert expected_seconds(times, "fast", warm=warm) == {"01_a": 50.0, "02_b": 40.0,
                                                         "03_c": 30.0}
    (tmp_path / "cache" / "book" / "built.json").write_text("[not a dict")
    assert built_chapters("default") == frozenset()      # damaged: nothing assumed warm


CHAPTER = """
import time
from ecglib.core.progress import report
report("training {name} on the random split")
time.sleep(1.5)
print("{name} ran")
"""


def tiny_book(root: Path, chapters: dict[str, str]) -> Path:
    """A book of one page and ``chapters`` (name -> one code cell), measured at 10 s each."""
    (root / "notebooks").mkdir(parents=True)
    (root / "book").mkdir()
    (root / "_config.yml").write_text("title: tiny\nonly_build_toc_files: true\n"
                                      "execute:\n  execute_notebooks: cache\n")
    toc = ["format: jb-book", "root: intro", "chapters:"]
    (root / "intro.md").write_text("# Tiny\n")
    for name, code in chapters.items():
        nb = nbformat.v4.new_notebook(metadata={"kernelspec": {
            "name": "python3", "display_name": "Python 3", "language": "python"}})
        nb.cells = [nbformat.v4.new_markdown_cell(f"# {name}"),
                    nbformat.v4.new_code_cell(code)]
        nbformat.write(nb, root / "notebooks" / f"{name}.ipynb")
        toc.append(f"  - file: notebooks/{name}")
    (root / "_toc.yml").write_text("\n".join(toc) + "\n")
    rows = "".join(f"{name},10\n" for name in chapters)
    (root / "book" / "chapter_times.csv").write_text("chapter,fast (s)\n" + rows)
    return root


def test_build_runs_chapters_side_by_side_with_progress_then_renders(tmp_path, monkeypatch):
    root = tiny_book(tmp_path / "book", {n: CHAPTER.format(name=n)
                                         for n in ("01_data", "02_building")})
    fake = tmp_path / "fake_jupyter_book.py"
    fake.write_text("import sys\nprint('rendering')\nsys.exit(3)\n")
    lines: list[str] = []
    monkeypatch.chdir(tmp_path)             # paths relative to here, as make book gives them
    code = build_book("fast", root=Path("book"), out=Path("build"), jobs=2,
                      command=[sys.executable, str(fake)], echo=lines.append)
    assert code == 3                                     # Jupyter Book's own exit status
    assert "timeout" in (tmp_path / "build" / "_config.yml").read_text()
    assert lines[0].startswith("[book] building the book with profile 'fast': 2 chapter(s)")
    for name in ("01_data", "02_building"):
        assert any(ln.startswith(f"[{name}] training {name} on the random split; about ")
                   and ln.endswith(" s left") for ln in lines), lines
    steps = [ln.split("] ")[1].split()[0] for ln in lines
             if " executing chapter" in ln or " executed in" in ln]
    assert steps[:2] == ["executing", "executing"], lines      # both ran at once
    assert lines[-1] == "rendering"
    times = json.loads((tmp_path / "build" / "build_times.json").read_text())
    assert times["jobs"] == 2 and sorted(times["chapters_run"]) == ["01_data", "02_building"]
    assert times["execute_s"] >= 1.5 and times["exit_status"] == 3
    assert built_chapters("fast") >= {"01_data", "02_building"}   # their runs are cached
    again: list[str] = []                                # every chapter is in the cache now
    build_book("fast", root=Path("book"), out=Path("build"), jobs=2,
               command=[sys.executable, str(fake)], echo=again.append)
    assert again[0].startswith("[book] building the book with profile 'fast': 0 chapter(s)")
    assert not any("executing chapter" in ln for ln in again)


def test_a_failing_chapter_is_named_and_nothing_is_rendered(tmp_path):
    root = tiny_book(tmp_path / "book", {"01_data": "print('fine')",
                                         "02_building": "raise ValueError('bad beat')"})
    lines: list[str] = []
    code = build_book("fast", root=root, out=tmp_path / "build", jobs=2,
                      command=[sys.executable, "-c", "print('rendering')"],
                      echo=lines.append)
    assert code == 1 and "rendering" not in lines
    assert any(ln.startswith("[02_building] failed:") and "bad beat" in ln for ln in lines)
    assert "02_building failed" in lines[-1]


def test_jupyter_book_renders_the_chapters_the_build_ran(tmp_path):
    """The chapters run by ``execute_chapters`` are the ones Jupyter Book finds in its
    cache: it executes none of them again."""
    root = tiny_book(tmp_path / "book", {"01_data": "print('chapter one ran')",
                                         "02_building": "print('chapter two ran')"})
    lines: list[str] = []
    code = build_book("fast", root=root, out=root / "_build", jobs=2, echo=lines.append)
    text = "\n".join(lines)
    assert code == 0, text[-3000:]
    assert text.count("Using cached notebook") == 2 and "Executing notebook" not in text
    page = (root / "_build" / "html" / "notebooks" / "02_building.html").read_text()
    assert "chapter two ran" in page


def test_build_refuses_no_chapter_at_a_time(capsys):
    from ecglib.cli import main

    assert main(["book", "build", "--profile", "fast", "--jobs", "0"]) == 1
    assert "--jobs 0: at least one chapter" in capsys.readouterr().err
