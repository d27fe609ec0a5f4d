"""Each extension point is one registry entry: a toy dataset, a toy label scheme and a toy
model added through the public interface only run build -> train -> evaluate -> predict
through the ``ecglib`` command, which reads every choice from the registries."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import wfdb

from ecglib.beats.labels import SCHEMES, LabelScheme, register_scheme
from ecglib.cli import main
from ecglib.core.atomic import atomic_open
from ecglib.datasets import DATASETS, Dataset, register
from ecglib.datasets.synthetic import synthetic_record
from ecglib.models import MODELS, Classifier, ModelSpec, register_model
from ecglib.training.splits import leakage


class NearestMean(Classifier):
    """Toy model: distance to each class's mean beat, saved as a plain .npz (no pickle)."""

    trained_by_epoch = False

    def __init__(self, name: str, n_classes: int, means: np.ndarray | None = None) -> None:
        super().__init__(name, n_classes)
        self.means = means

    def fit(self, X, y, X_val, y_val, config, verbose=2, features=None, features_val=None):
        self.means = np.stack([X[y == c].mean(axis=0) for c in range(self.n_classes)])
        return pd.DataFrame({"epoch": [1]})

    def predict_proba(self, X, features=None):
        d = ((np.asarray(X)[:, None, :] - self.means[None]) ** 2).sum(axis=2)
        w = np.exp(-(d - d.min(axis=1, keepdims=True)))
        p = w / w.sum(axis=1, keepdims=True)
        return p[:, 1] if self.n_classes == 2 else p

    def save(self, stem: Path) -> Path:
        path = Path(stem).with_suffix(".npz")
        with atomic_open(path, "wb") as fh:
            np.savez(fh, means=self.means)
        return path


def _load(path: Path, n_classes: int) -> NearestMean:
    with np.load(path, allow_pickle=False) as z:
        return NearestMean("nearest", n_classes, z["means"])


@pytest.fixture
def toy_registries(tmp_path):
    """A toy WFDB database (8 records at 250 Hz, lead II, 4 patients), a scheme and a model."""
    folder = tmp_path / "toydb"
    folder.mkdir()
    for i in range(8):
        rec = synthetic_record(f"t{i:02d}", seed=40 + i, duration_s=90.0, abnormal_rate=0.35,
                               fs=250.0)
        wfdb.wrsamp(rec.name, fs=250, units=["mV"], sig_name=["II"],
                    p_signal=rec.signal[:, None], fmt=["16"], write_dir=str(folder))
        wfdb.wrann(rec.name, "atr", rec.ann_samples, symbol=list(rec.ann_symbols),
                   write_dir=str(folder))
    (folder / "RECORDS").write_text("".join(f"t{i:02d}\n" for i in range(8)))
    dataset = register(Dataset(name="toydb", title="Toy database", physionet=None, fs=250.0,
                               leads=("II",), folder=folder,
                               patients={f"t{i:02d}": f"p{i // 2}" for i in range(8)},
                               patient_note="two records per patient"))
    scheme = register_scheme(LabelScheme("ventricular", ("other", "ventricular"),
                                         {"V": "ventricular"}, key="symbol",
                                         default="other"))
    model = register_model(ModelSpec("nearest", "nearest class mean (toy)",
                                     create=lambda n_classes=2, seed=0: NearestMean(
                                         "nearest", n_classes),
                                     load=_load, suffix=".npz"))
    yield folder, dataset, scheme, model
    DATASETS.unregister("toydb")
    SCHEMES.unregister("ventricular")
    MODELS.unregister("nearest")


def test_toy_dataset_scheme_and_model_run_end_to_end(tmp_path, toy_registries, capsys):
    folder = toy_registries[0]
    beats, run = tmp_path / "beats", tmp_path / "run"
    assert main(["data", "build", "--source", "toydb", "--labels", "ventricular",
                 "--out", str(beats)]) == 0
    man = json.loads((beats / "manifest.json").read_text())
    assert sorted(man["files"]) == ["other.csv", "ventricular.csv"]
    assert man["label_scheme"]["key"] == "symbol"
    meta = pd.read_csv(beats / "meta.csv", keep_default_na=False)
    assert set(meta.loc[meta["class"] == "ventricular", "symbol"]) == {"V"}
    assert set(meta["patient"]) == {"p0", "p1", "p2", "p3"}

    assert main(["train", "--data", str(beats), "--model", "nearest", "--labels",
                 "ventricular", "--split", "interpatient", "--val-size", "0.5",
                 "--out", str(run)]) == 0
    params = json.loads((run / "params.json").read_text())
    assert params["label_scheme"]["name"] == "ventricular" and params["model_file"] == "model.npz"
    assert params["split_group"] == "patient"
    split = np.load(run / "split.npz")
    table_meta = meta.sort_values("beat").reset_index(drop=True)
    assert leakage(table_meta, np.r_[split["train"], split["val"]], split["test"]).empty
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["bootstrap"]["resampled"] == "patients"

    assert main(["evaluate", "--run", str(run)]) == 0
    evaluation = pd.read_csv(run / "evaluation.csv").set_index("metric")["value"]
    stored = pd.DataFrame(metrics["test"]).set_index("metric")["value"]
    assert evaluation["balanced_accuracy"] == pytest.approx(stored["balanced_accuracy"])
    assert evaluation["balanced_accuracy"] > 0.8          # V beats are easy to tell apart

    out = tmp_path / "preds.csv"
    assert main(["predict", "--model", str(run / "model.npz"), "--record",
                 str(folder / "t05"), "--out", str(out)]) == 0
    preds = pd.read_csv(out, keep_default_na=False)
    assert set(preds["label"]) <= {"other", "ventricular"}
    assert set(preds["reference_label"]) - {""} == {"other", "ventricular"}
    agreement = pd.read_csv(tmp_path / "preds.agreement.csv")
    assert agreement["detection sensitivity"].iloc[0] > 0.95


def test_cli_choices_come_from_the_registries(toy_registries, capsys):
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    text = capsys.readouterr().out
    assert "nearest" in text and "ventricular" in text
    with pytest.raises(SystemExit):
        main(["data", "build", "--help"])
    assert "toydb" in capsys.readouterr().out
