"""What every chapter calls: one setup (style, seed, parameters, data, banner), cached
training runs shared between chapters, and small display helpers.

Chapters stay independent (each can be re-run alone with papermill) yet a whole-book build
trains each configuration once: runs are cached under ``$ECGLIB_CACHE_DIR/runs`` keyed by
the training configuration, the data's identity and the Keras backend. Training is
deterministic, so a cached run equals a fresh one.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd

from .beattable import BeatTable, cache_dir, cache_key
from .profiles import resolve_params
from .train import TrainConfig, TrainResult, train


@dataclass
class Chapter:
    """A chapter's resolved parameters and beat table."""

    params: dict
    table: BeatTable

    @property
    def synthetic(self) -> bool:
        return self.table.synthetic

    def config(self, **overrides) -> TrainConfig:
        """The chapter's training configuration, with overrides (model, split, ...)."""
        p = self.params
        base = dict(model="seed", split=p["split"], labels=p["labels"], epochs=p["epochs"],
                    batch_size=p["batch_size"], seed=p["seed"], patience=p["patience"],
                    subset=p["subset"])
        base.update(overrides)
        return TrainConfig(**base)

    def run(self, **overrides) -> TrainResult:
        """Train (or load the cached run of) ``self.config(**overrides)``."""
        return cached_run(self.table, self.config(**overrides))


def data_identity(table: BeatTable) -> dict:
    """What identifies a beat table's content for caching."""
    info = table.info
    return {"source": table.source, "n": len(table), "synthetic": table.synthetic,
            "checksums": cache_key(info.get("source_checksums") or {}),
            "seed": info.get("seed"), "n_records": info.get("n_records"),
            "params": info.get("params")}


def cached_run(table: BeatTable, config: TrainConfig, verbose: int = 2) -> TrainResult:
    """A trained run for ``config`` on ``table``: loaded from the run cache or trained."""
    import keras

    from .runs import load_run

    key = cache_key({"config": asdict(config), "data": data_identity(table),
                     "backend": keras.backend.backend(), "ecglib_runs": 1})
    folder = cache_dir() / "runs" / key
    if (folder / "metrics.json").is_file():
        try:
            return load_run(folder, table)
        except Exception:                      # a damaged cache entry is retrained
            shutil.rmtree(folder, ignore_errors=True)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{key}.", dir=folder.parent))
    try:
        result = train(table, config, out_dir=tmp, verbose=verbose)
        shutil.rmtree(folder, ignore_errors=True)
        os.replace(tmp, folder)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    result.run_dir = folder
    return result


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
    return ('<div class="admonition note"><p class="admonition-title">Built on real data'
            f'</p><p>{_source_name(table)}: {len(table):,} beats. {sizes}.</p></div>')


def _source_name(table: BeatTable) -> str:
    return {"mitdb": "MIT-BIH Arrhythmia Database (PhysioNet, Moody &amp; Mark 2001)",
            "ptbdb": "PTB Diagnostic ECG Database (PhysioNet)"}.get(table.source, table.source)


def setup_chapter(profile: str | None = None, show_banner: bool = True,
                  **overrides) -> Chapter:
    """Style, seed, parameters (profile + overrides) and data for one chapter."""
    from .data import load
    from .plots import setup_style
    from .seed import set_seed

    params = resolve_params(profile, **overrides)
    setup_style()
    set_seed(params["seed"])
    table = load(params["data"])
    if show_banner:
        show_html(banner(table, params))
    return Chapter(params, table)


def example_record(table: BeatTable, name: str = "208"):
    """A raw record for the step-by-step chapters: MIT-BIH record ``name`` when the table is
    MIT-BIH, else a synthetic record (labelled as such)."""
    if table.source == "mitdb":
        from .records import MITDB_PATIENTS, read_wfdb_record
        from .sources import resolve_database

        db = resolve_database("mitdb", records=[name])
        return read_wfdb_record(db / name, patient=MITDB_PATIENTS.get(name, name))
    from .synthetic import synthetic_record

    return synthetic_record(f"synthetic-{name}", seed=int("".join(filter(str.isdigit, name))
                                                          or 0), duration_s=600.0,
                            abnormal_rate=0.3)


def record_path(table: BeatTable, name: str = "208", folder: str | Path | None = None) -> Path:
    """A WFDB record path (without extension) to run ``ecglib predict`` on: the MIT-BIH
    record when the table is MIT-BIH, else the synthetic example written with wfdb."""
    if table.source == "mitdb":
        from .sources import resolve_database

        return resolve_database("mitdb", records=[name]) / name
    import wfdb

    rec = example_record(table, name)
    folder = Path(folder or tempfile.mkdtemp(prefix="ecglib-record-"))
    wfdb.wrsamp(rec.name, fs=rec.fs, units=["mV"], sig_name=["MLII"],
                p_signal=rec.signal[:, None], fmt=["16"], write_dir=str(folder))
    wfdb.wrann(rec.name, "atr", rec.ann_samples, symbol=list(rec.ann_symbols),
               write_dir=str(folder))
    return folder / rec.name


def show_html(html: str) -> None:
    """Display HTML in a notebook (and print it elsewhere)."""
    try:
        from IPython.display import HTML, display

        display(HTML(html))
    except ImportError:  # pragma: no cover - outside Jupyter
        print(html)


def say(markdown: str) -> None:
    """Display a sentence built from measured values as Markdown."""
    from IPython.display import Markdown, display

    display(Markdown(markdown))


def metric_value(frame: pd.DataFrame, name: str) -> float:
    """One metric's value from a metrics table."""
    return float(frame.set_index("metric").loc[name, "value"])


def figure(name: str, fig) -> None:
    """Register ``fig`` for a numbered, captioned figure in the rendered book.

    The cell's own output (tagged ``remove-output``) shows the figure in Jupyter; the book
    shows it once, through a ``{glue:figure}`` directive that gives it a number and a caption.
    """
    from myst_nb import glue

    glue(name, fig, display=False)
