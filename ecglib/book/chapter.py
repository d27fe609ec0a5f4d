"""What every chapter calls: one setup (style, seed, parameters, data, banner), training
runs shared between chapters (:mod:`ecglib.training.runcache`), and small display helpers.

Chapters stay independent (each can be re-run alone with papermill) yet a whole-book build
trains each configuration once: runs are cached keyed by the training configuration, the
data's identity and the Keras backend.
"""
from __future__ import annotations

import ast
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
from IPython import get_ipython
from IPython.display import HTML, Markdown, display
from myst_nb import glue

from ..beats.labels import get_scheme
from ..beats.records import Record, write_resampled
from ..core.errors import DataError
from ..core.seed import set_seed
from ..data.beattable import BeatTable
from ..data.loading import load
from ..datasets import DATASETS, dataset_title, get_dataset
from ..datasets.synthetic import synthetic_record
from ..training.config import CONFIG_FIELDS, TrainConfig
from ..training.runcache import cached_cross_validate, cached_run
from ..training.selection import candidate_row
from ..training.trainer import TrainResult
from .plots import setup_style
from .profiles import known_parameters, resolve_params

#: the first line of the cell papermill injects with ``-p NAME VALUE``
PAPERMILL_MARK = "# Parameters"
#: the (model, split) runs whose validation curve under Keras' own BatchNorm statistics a
#: chapter shows (chapter 5, the seed's swings); other runs skip that extra pass per epoch
KERAS_BN_CURVE_RUNS = {("seed", "random")}


@dataclass
class Chapter:
    """A chapter's resolved parameters and beat table."""

    params: dict
    table: BeatTable

    @property
    def synthetic(self) -> bool:
        return self.table.synthetic

    def config(self, **overrides) -> TrainConfig:
        """The chapter's training configuration, with overrides (model, split, ...); the
        runs of :data:`KERAS_BN_CURVE_RUNS` with PreciseBN also record the Keras-BN curve,
        so every chapter that uses them shares one run."""
        base = {k: v for k, v in self.params.items() if k in CONFIG_FIELDS}
        config = TrainConfig(**{**base, **overrides})
        if config.precise_bn and (config.model, config.split) in KERAS_BN_CURVE_RUNS:
            config = replace(config, keras_bn_curve=True)
        return config

    def run(self, **overrides) -> TrainResult:
        """Train (or load the cached run of) ``self.config(**overrides)``."""
        return cached_run(self.table, self.config(**overrides))

    def out_of_fold(self, rows: np.ndarray, **overrides) -> np.ndarray:
        """Out-of-fold probabilities of ``self.config(**overrides)`` on ``rows``: the
        profile's ``cv_folds`` folds, grouped by patient, cached like runs."""
        return cached_cross_validate(self.table, self.config(**overrides), rows,
                                     self.params["cv_folds"])

    def candidate_row(self, name: str, rows: np.ndarray, **overrides) -> dict:
        """:func:`ecglib.training.selection.candidate_row` of :meth:`out_of_fold`: the out-of-fold
        Se, +P and F1 per class of ``self.config(**overrides)`` on ``rows``, and its
        selection score with every patient counting alike, in a row named ``name``."""
        cfg = self.config(**overrides)
        return candidate_row(name, self.table.labels(cfg.labels)[rows],
                             self.out_of_fold(rows, **overrides),
                             get_scheme(cfg.labels).classes,
                             self.table.meta["patient"].to_numpy()[rows])


def injected_parameters() -> list[str]:
    """Names papermill injected into this kernel (``papermill -p NAME VALUE``): the
    assignments of executed cells that start with papermill's ``# Parameters`` line."""
    shell = get_ipython()
    names: list[str] = []
    for source in (shell.user_ns.get("In", []) if shell is not None else []):
        if source.splitlines()[:1] == [PAPERMILL_MARK]:
            names += [t.id for node in ast.parse(source).body if isinstance(node, ast.Assign)
                      for t in node.targets if isinstance(t, ast.Name)]
    return names


def setup_chapter(profile: str | None = None, show_banner: bool = True,
                  **parameters) -> Chapter:
    """Style, seed, parameters and data for one chapter.

    ``parameters`` are every knob the chapter's parameters cell declares: training
    parameters and book settings are resolved against the profile (and type-checked);
    the chapter's own (say ``record``) are kept as given in ``ch.params``. A parameter
    papermill injected that the chapter does not declare (say ``-p epoch 3``), or a value
    of the wrong type, stops the chapter with an error naming it."""
    stray = sorted(set(injected_parameters()) - set(parameters) - {"profile"})
    if stray:
        raise ValueError(f"unknown parameter(s) {stray} for this chapter; its parameters "
                         f"are: profile, {', '.join(parameters)}")
    shared = {k: v for k, v in parameters.items() if k in known_parameters()}
    params = {**resolve_params(profile, **shared),
              **{k: v for k, v in parameters.items() if k not in shared}}
    setup_style()
    set_seed(params["seed"])
    table = load(params["data"], other_lead=params.get("other_lead"))
    if show_banner:
        show_html(banner(table, params))
    return Chapter(params, table)


def banner(table: BeatTable, params: dict) -> str:
    """HTML admonition saying which data (and which profile) the page was built on."""
    epochs = f"{params['epochs']} epoch{'s' if params['epochs'] != 1 else ''}"
    beats = (f"up to {params['subset']:,}" if isinstance(params.get("subset"), int) else "all")
    sizes = f"Profile <code>{params['profile']}</code>: {beats} training beats, {epochs}"
    if table.synthetic:
        return ('<div class="admonition warning"><p class="admonition-title">Built on '
                'SYNTHETIC data</p><p>The real MIT-BIH database was not available when this '
                f'page was built, so it ran on ecglib\'s synthetic ECG source ({len(table):,} '
                'beats). Figures and numbers illustrate the method only; they say nothing '
                f'about real ECGs. {sizes}.</p></div>')
    if isinstance(params.get("subset"), int):
        return ('<div class="admonition warning"><p class="admonition-title">A preview, not '
                f'the book\'s results</p><p>{dataset_title(table.source)}: {len(table):,} '
                f'beats. {sizes}. The models of this page trained on a subset, so its numbers '
                'fall short of what the same models reach on every training beat; the book '
                '(<code>make book</code>, profile <code>default</code>) trains on all of them.'
                '</p></div>')
    return ('<div class="admonition note"><p class="admonition-title">Built on real data'
            f'</p><p>{dataset_title(table.source)}: {len(table):,} beats. {sizes}, early '
            'stopping on the validation part.</p></div>')


def example_record(table: BeatTable, name: str = "208") -> Record:
    """A raw record for the step-by-step chapters: record ``name`` of the table's dataset
    when it is a real one, else a synthetic record (labelled as such)."""
    folder = _record_folder(table, name)
    if folder is not None:
        return get_dataset(table.source).read(folder, name)
    return synthetic_record(f"synthetic-{name}", seed=int("".join(filter(str.isdigit, name))
                                                          or 0), duration_s=600.0,
                            abnormal_rate=0.3)


def record_path(table: BeatTable, name: str = "208", folder: str | Path | None = None) -> Path:
    """A WFDB record path (without extension) to run ``ecglib predict`` on: the dataset's
    record when the table is a real dataset, else the synthetic example written with wfdb."""
    located = _record_folder(table, name)
    if located is not None:
        return located / name
    rec = example_record(table, name)
    return write_resampled(rec, rec.fs, folder or tempfile.mkdtemp(prefix="ecglib-record-"))


def _record_folder(table: BeatTable, name: str) -> Path | None:
    """The folder holding record ``name`` of the table's (real) dataset, if present here."""
    ds = DATASETS.find(table.source)
    if ds is None or ds.synthetic:
        return None
    try:
        return ds.locate(records=[name], download=False)
    except DataError:
        return None


def show_html(html: str) -> None:
    """Display HTML in a notebook."""
    display(HTML(html))


def say(markdown: str) -> None:
    """Display a sentence built from measured values as Markdown."""
    display(Markdown(markdown))


def text(name: str, value) -> None:
    """Register ``value`` (a number or a short text, formatted as it should read) under
    ``name`` for the ``{glue:text}`` role in the chapter's Markdown, so that prose quotes
    measured values."""
    glue(name, value, display=False)


def metric_value(frame: pd.DataFrame, name: str) -> float:
    """One metric's value from a metrics table."""
    return float(frame.set_index("metric").loc[name, "value"])


def figure(name: str, fig) -> None:
    """Register ``fig`` for a numbered, captioned figure in the rendered book.

    The cell's own output (tagged ``remove-output``) shows the figure in Jupyter; the book
    shows it once, through a ``{glue:figure}`` directive that gives it a number and a caption.
    """
    glue(name, fig, display=False)
