"""The examples in the package's docstrings run and print what they say (the API reference
page of the book shows them), and CONTRIBUTING.md's layer diagram names every layer."""
from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest
from test_layers import LAYERS

import ecglib

PACKAGE = Path(ecglib.__file__).parent
WITH_EXAMPLES = sorted(p for p in PACKAGE.rglob("*.py") if ">>> " in p.read_text())


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_the_main_public_functions_have_examples():
    documented = {module_name(p) for p in WITH_EXAMPLES}
    assert {"ecglib.beats.segmentation", "ecglib.beats.reshape", "ecglib.beats.rr",
            "ecglib.data.build", "ecglib.data.loading", "ecglib.training.trainer",
            "ecglib.metrics.scores", "ecglib.core.registry"} <= documented


@pytest.mark.parametrize("path", WITH_EXAMPLES, ids=module_name)
def test_docstring_examples_run(path, monkeypatch, tmp_path):
    monkeypatch.setenv("ECGLIB_CACHE_DIR", str(tmp_path))
    result = doctest.testmod(importlib.import_module(module_name(path)),
                             optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


def test_contributing_draws_every_layer():
    text = (PACKAGE.parent / "CONTRIBUTING.md").read_text()
    for layer in LAYERS:
        assert f" {layer}/ " in text or f" {layer}.py " in text, layer
