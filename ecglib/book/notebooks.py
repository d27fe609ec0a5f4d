"""Notebook tooling: papermill runs with parameters, committed-output hygiene.

Policy for committed notebooks (checked by the tests): no execution counts and no outputs,
except in cells marked ``# NBVAL_CHECK_OUTPUT``, whose small, data-independent outputs
(shapes, parameter counts) nbval compares on every CI run (nbval needs their execution
counts too). ``refresh_outputs`` regenerates
exactly those outputs; everything else is executed when the book is built.
"""
from __future__ import annotations

import ast
import copy
import os
from pathlib import Path

import nbformat
import papermill as pm
from nbclient import NotebookClient

from ..core.atomic import atomic_write_text
from ..core.errors import EcglibError
from ..training.config import CONFIG_FIELDS, TrainConfig, config_defaults
from .nbread import read_notebook
from .profiles import check_value, fits, known_parameters

CHECK_MARK = "# NBVAL_CHECK_OUTPUT"
MAX_CHECKED_OUTPUT_BYTES = 8000


def parse_params(pairs: list[str]) -> dict:
    """``["epochs=3", "split=interpatient"]`` -> ``{"epochs": 3, "split": "interpatient"}``."""
    params = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key.strip().isidentifier():
            raise ValueError(f"parameter {pair!r} is not NAME=VALUE")
        try:
            value = ast.literal_eval(raw)
        except (ValueError, SyntaxError):
            value = raw
        params[key.strip()] = value
    return params


def _source(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def is_checked(cell) -> bool:
    """True for a code cell whose output nbval compares."""
    return cell.get("cell_type") == "code" and _source(cell).lstrip().startswith(CHECK_MARK)


def notebook_parameters(notebook: str | Path) -> dict:
    """Names and default values of a chapter's cell tagged ``parameters``."""
    nb = read_notebook(notebook)
    cells = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    if not cells:
        raise EcglibError(f"{notebook}: no cell tagged 'parameters'")
    params = {}
    for node in ast.parse(_source(cells[0])).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(
                node.targets[0], ast.Name):
            try:
                params[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                params[node.targets[0].id] = None
    return params


def check_params(notebook: str | Path, params: dict) -> None:
    """Refuse a parameter the chapter does not have, or a value of the wrong type (the type
    of the training parameter or book setting of that name). Errors name the parameter and
    list the chapter's parameters."""
    known = notebook_parameters(notebook)
    listing = ", ".join(f"{k}={v!r}" for k, v in known.items())
    unknown = sorted(set(params) - set(known))
    if unknown:
        raise EcglibError(f"{notebook}: unknown parameter(s) {unknown}; this chapter's "
                          f"parameters are: {listing}")
    for name, value in params.items():
        if name == "profile" or name not in known_parameters():
            ref = known[name]
            if value is None or ref is None or fits(value, type(ref)):
                continue
            raise EcglibError(f"{notebook}: parameter {name}={value!r} should be of type "
                              f"{type(ref).__name__} (like {ref!r})")
        try:
            check_value(name, value)
        except ValueError as exc:
            raise EcglibError(f"{notebook}: {exc}; this chapter's parameters are: "
                              f"{listing}") from None
    training = {k: v for k, v in params.items() if k in CONFIG_FIELDS and v is not None}
    try:                    # values too (epochs=-2, split=bogus), before the kernel starts
        TrainConfig(**{**config_defaults(), **training}).validate()
    except ValueError as exc:
        raise EcglibError(f"{notebook}: {exc}") from None


def run_notebook(notebook: str | Path, out_dir: str | Path, params: dict,
                 kernel: str = "python3") -> Path:
    """Execute ``notebook`` with papermill and ``params`` into ``out_dir``; the injected
    parameters cell is tagged ``remove-cell`` so it does not clutter a rendered page.

    Parameters are checked first (:func:`check_params`). When a cell fails, the executed
    notebook is kept as ``NAME.failed.ipynb`` and the error names the cell and that file.
    """

    notebook = Path(notebook)
    if not notebook.is_file():
        raise EcglibError(f"{notebook}: notebook not found")
    check_params(notebook, params)
    out = Path(out_dir) / notebook.name
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.running.ipynb")
    try:
        pm.execute_notebook(str(notebook), str(tmp), parameters=params, kernel_name=kernel,
                            cwd=str(notebook.parent), progress_bar=True)
        nb = read_notebook(tmp)
        for cell in nb.cells:
            tags = cell.get("metadata", {}).get("tags", [])
            if "injected-parameters" in tags and "remove-cell" not in tags:
                tags.append("remove-cell")
        atomic_write_text(out, nbformat.writes(nb))
    except pm.PapermillExecutionError as exc:
        failed = out.with_name(f"{notebook.stem}.failed.ipynb")
        os.replace(tmp, failed)
        raise EcglibError(f"{notebook}: cell {exc.exec_count} failed with {exc.ename}: "
                          f"{str(exc.evalue)[:300]}; the executed notebook is kept at "
                          f"{failed}") from None
    finally:
        tmp.unlink(missing_ok=True)
    return out


def strip_outputs(nb: dict, keep_checked: bool = True) -> dict:
    """A copy without execution counts and outputs (kept for check cells if asked)."""
    nb = copy.deepcopy(nb)
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        if not (keep_checked and is_checked(cell)):
            cell["execution_count"] = None
            cell["outputs"] = []
        cell.get("metadata", {}).pop("execution", None)
    return nb


def hygiene_problems(nb: dict, name: str) -> list[str]:
    """Why a committed notebook breaks the output policy (empty list: it is clean)."""
    problems = []
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code":
            continue
        if cell.get("execution_count") is not None and not is_checked(cell):
            problems.append(f"{name} cell {i}: execution count stored")
        if cell.get("outputs") and not is_checked(cell):
            problems.append(f"{name} cell {i}: outputs stored in a cell not marked {CHECK_MARK}")
        size = len(str(cell.get("outputs", [])))
        if is_checked(cell) and size > MAX_CHECKED_OUTPUT_BYTES:
            problems.append(f"{name} cell {i}: checked output is {size} bytes")
    return problems


def refresh_outputs(notebook: str | Path, profile: str = "fast") -> None:
    """Execute ``notebook`` (profile ``fast``) and store outputs of the check cells only."""

    path = Path(notebook)
    nb = read_notebook(path)
    os.environ["ECGLIB_PROFILE"] = profile
    NotebookClient(nb, timeout=1800, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    atomic_write_text(path, nbformat.writes(nbformat.from_dict(strip_outputs(nb))))
