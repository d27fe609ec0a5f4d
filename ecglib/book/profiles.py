"""Named parameter profiles: overrides of :class:`ecglib.training.config.TrainConfig` plus the few
settings only the book has, used alike by the book build, CI and readers.

- ``default``: the book, what ``make book`` builds (real data when available): every model
  trains on all its training beats, with early stopping on the validation part (patience
  2), for at most 6 epochs in TrainConfig's batches of 256 at Adam's learning rate 0.001.
  ``benchmarks/seed_budget.py convergence`` chose that setting on the validation part: it
  reached the seed's accuracy (validation 0.967 at epoch 3, 0.970 at epoch 6) in less time
  than batches of 1,024 at 0.003 (0.967 at epoch 6). Per-chapter times:
  ``book/chapter_times.csv``.
- ``quick``: a preview for classes: models train on a stratified subset of 4,000 beats for
  at most 3 epochs in batches of 32; every page says its numbers are not the book's results.
- ``fast``: CI and nbval: tiny subsets, one or two epochs; numbers are not meaningful.
- ``synthetic``: the quick sizes on the offline synthetic source.

A chapter's parameters cell names a profile; any single value can be overridden
(``papermill -p epochs 3``), and ``$ECGLIB_PROFILE`` picks the profile for a whole build.
A parameter that is neither a training parameter nor a book setting, or a value of the
wrong type, is an error naming it.
"""
from __future__ import annotations

import os
from pathlib import Path

from ..core.errors import DataError
from ..training.config import CONFIG_FIELDS, config_defaults, field_type

#: settings of the book that are not training parameters, with their defaults
BOOK_SETTINGS: dict = {"data": "auto", "n_boot": 200, "cv_folds": 5,
                       "baseline_models": ["kachuee", "cnn", "gbm", "cnn_rr", "gbm_rr",
                                           "gbm_rr_tpl", "seed190", "seed"]}

#: each profile: what it changes from TrainConfig's defaults and BOOK_SETTINGS
PROFILES: dict[str, dict] = {
    "default": {"epochs": 6, "patience": 2, "cv_folds": 3,
                "baseline_models": ["kachuee", "cnn", "gbm", "cnn_rr", "gbm_rr", "gbm_rr_tpl",
                                    "seed"]},
    "quick": {"epochs": 3, "batch_size": 32, "subset": 4000, "cv_folds": 3,
              "baseline_models": ["kachuee", "cnn", "gbm", "cnn_rr", "gbm_rr", "gbm_rr_tpl",
                                  "seed"]},
    "fast": {"epochs": 1, "batch_size": 128, "subset": 1500, "patience": 1, "n_boot": 30,
             "cv_folds": 2, "baseline_models": ["cnn", "gbm", "gbm_rr", "seed"]},
    "synthetic": {"data": "synthetic", "epochs": 6, "batch_size": 128, "subset": 4000,
                  "cv_folds": 3},
}

#: seconds one notebook cell may run in a book build, per profile (``ecglib book config``).
#: Each cell's work is bounded (one model per cell, runs cached): a subset profile's slowest
#: cell needs a small part of its half hour even on a machine several times slower; the
#: default profile trains on every beat and gets hours.
CELL_TIMEOUT: dict[str, int] = {"default": 4 * 3600, "quick": 1800, "fast": 1800,
                                "synthetic": 1800}


def cell_timeout(profile: str | None = None) -> int:
    """The cell timeout of ``profile`` (default: ``$ECGLIB_PROFILE``)."""
    name = profile or default_profile()
    if name not in PROFILES:
        raise ValueError(f"unknown profile {name!r}; choose one of {sorted(PROFILES)}")
    return CELL_TIMEOUT.get(name, CELL_TIMEOUT["default"])


def config_template(template: Path | None = None) -> Path:
    """The book's ``_config.yml``: ``template`` when given, else the one in the current
    folder, else the one of the checkout this package runs from; an error says where it
    looked."""
    if template is not None:
        if not Path(template).is_file():
            raise DataError(f"{template}: no such configuration file")
        return Path(template)
    looked = [Path.cwd() / "_config.yml", Path(__file__).resolve().parents[2] / "_config.yml"]
    found = next((p for p in looked if p.is_file()), None)
    if found is None:
        raise DataError(f"the book's _config.yml is not in {looked[0].parent} nor in "
                        f"{looked[1].parent}: run this in the book's checkout or pass "
                        f"--template PATH")
    return found


def book_config(template: Path | None = None, profile: str | None = None) -> str:
    """The Jupyter Book configuration (:func:`config_template`) with the cell timeout of
    ``profile``."""
    import yaml

    path = config_template(template)
    try:
        config = yaml.safe_load(path.read_text()) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: not a YAML configuration ({str(exc)[:200]})") from None
    config.setdefault("execute", {})["timeout"] = cell_timeout(profile)
    return yaml.safe_dump(config, sort_keys=False)


def default_profile() -> str:
    """``$ECGLIB_PROFILE`` when set, else ``"default"``."""
    return os.environ.get("ECGLIB_PROFILE", "default")


def parameter_kind(name: str) -> type:
    """The type a parameter's value must have."""
    if name in CONFIG_FIELDS:
        return field_type(name)
    if name in BOOK_SETTINGS:
        return type(BOOK_SETTINGS[name])
    raise ValueError(f"unknown parameter {name!r}; known: {sorted(known_parameters())}")


def known_parameters() -> set[str]:
    """Every parameter a chapter may take (besides ``profile``)."""
    return set(CONFIG_FIELDS) | set(BOOK_SETTINGS)


def check_value(name: str, value) -> None:
    """A ValueError when ``value`` is not of parameter ``name``'s type (None is allowed:
    it means the profile's value). An int may stand for a float, a bool never for a number."""
    kind = parameter_kind(name)
    if value is not None and not fits(value, kind):
        raise ValueError(f"parameter {name}={value!r} should be of type {kind.__name__}")


def fits(value, kind: type) -> bool:
    """Whether ``value`` may stand for a ``kind``: an int for a float, never a bool for a
    number."""
    if isinstance(value, bool) or kind is bool:
        return isinstance(value, bool) and kind is bool
    return isinstance(value, (int, float) if kind is float else kind)


def resolve_params(profile: str | None = None, **overrides) -> dict:
    """TrainConfig's defaults, then the book settings, then the profile, then every
    non-None override (each checked by :func:`check_value`)."""
    name = profile or default_profile()
    if name not in PROFILES:
        raise ValueError(f"unknown profile {name!r}; choose one of {sorted(PROFILES)}")
    for key, value in overrides.items():
        check_value(key, value)
    params = {**config_defaults(), **BOOK_SETTINGS, **PROFILES[name], "profile": name}
    params.update({k: v for k, v in overrides.items() if v is not None})
    return params
