"""The package's folders are its layers: a module imports only its own layer and those
below it, and nothing but ``ecglib.book`` and the CLI imports the book's tooling.

Every import statement counts, the ones inside functions too (they are how ecglib keeps
Keras off the start-up path, and they are imports all the same)."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

import ecglib

PACKAGE = Path(ecglib.__file__).parent

#: bottom up; a module may import its own layer and the layers before it
LAYERS = ["core", "beats", "datasets", "data", "models", "metrics", "training", "evaluation",
          "book", "cli"]


def layer_of(module: str) -> str:
    """The layer of a module of ecglib (``ecglib.beats.rr`` -> ``beats``); the package's
    own ``__init__`` (its version) counts as core."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else "core"


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module) of every ecglib import in the file at ``path``."""
    module = ".".join(("ecglib", *path.relative_to(PACKAGE).with_suffix("").parts))
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            names = [target] if node.module or not node.level else \
                [f"{target}.{a.name}" for a in node.names]
            found += [(node.lineno, n) for n in names]
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
    return [(line, name.removesuffix(".__init__")) for line, name in sorted(found)
            if name == "ecglib" or name.startswith("ecglib.")]


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_every_module_sits_in_a_layer_folder():
    loose = [p.name for p in PACKAGE.glob("*.py") if p.stem not in ("__init__", "cli")]
    assert loose == [], f"modules outside the layer folders: {loose}"
    folders = sorted(p.name for p in PACKAGE.iterdir()
                     if p.is_dir() and (p / "__init__.py").is_file())
    assert folders == sorted(set(LAYERS) - {"cli"})


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_imports_a_higher_layer(path):
    own = "cli" if path.stem == "cli" and path.parent == PACKAGE else \
        layer_of(".".join(("ecglib", *path.relative_to(PACKAGE).parts[:1])).removesuffix(".py"))
    upward = [f"line {line}: {name} ({layer_of(name)})" for line, name in imported_modules(path)
              if name != "ecglib" and LAYERS.index(layer_of(name)) > LAYERS.index(own)]
    assert upward == [], f"{path.relative_to(PACKAGE)} ({own}) imports upward: {upward}"


def test_only_the_book_and_the_cli_import_the_book():
    users = sorted({str(p.relative_to(PACKAGE)) for p in modules()
                    for _, name in imported_modules(p) if layer_of(name) == "book"})
    assert all(u.startswith("book/") or u == "cli.py" for u in users), users


def test_the_layer_check_sees_relative_lazy_and_absolute_imports(tmp_path, monkeypatch):
    """The checker itself: an upward import written any of three ways is caught."""
    fake = tmp_path / "ecglib"
    (fake / "beats").mkdir(parents=True)
    (fake / "__init__.py").write_text("")
    (fake / "beats" / "__init__.py").write_text("")
    (fake / "beats" / "bad.py").write_text(
        "from ..training import trainer\n"
        "def f():\n    from ecglib.evaluation.predict import Predictor\n"
        "import ecglib.book.chapter\n")
    monkeypatch.setattr(__import__(__name__), "PACKAGE", fake)
    names = [name for _, name in imported_modules(fake / "beats" / "bad.py")]
    assert names == ["ecglib.training", "ecglib.evaluation.predict", "ecglib.book.chapter"]
    with pytest.raises(AssertionError, match="imports upward"):
        test_no_module_imports_a_higher_layer(fake / "beats" / "bad.py")
