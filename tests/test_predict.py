import numpy as np
import pandas as pd
import pytest
import wfdb

from ecglib.build import write_dataset
from ecglib.cli import main
from ecglib.errors import DataError
from ecglib.predict import match_beats, predict_beat_files, predict_record
from ecglib.synthetic import synthetic_record
from ecglib.train import TrainConfig, train


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory, synthetic_table):
    out = tmp_path_factory.mktemp("predict-run")
    train(synthetic_table, TrainConfig(model="cnn", epochs=6, subset=1500, seed=0, batch_size=32),
          out_dir=out, verbose=0)
    return out


def test_match_beats_one_to_one():
    ref = np.array([100, 200, 300])
    assert match_beats(np.array([98, 103, 260, 301]), ref, 10).tolist() == [0, -1, -1, 2]


def _write_record(folder, seed=7):
    rec = synthetic_record("rec", seed=seed, duration_s=120, abnormal_rate=0.3)
    wfdb.wrsamp("rec", fs=360, units=["mV"], sig_name=["MLII"], p_signal=rec.signal[:, None],
                fmt=["212"], write_dir=str(folder))
    wfdb.wrann("rec", "atr", rec.ann_samples, symbol=list(rec.ann_symbols),
               write_dir=str(folder))
    return rec


def test_predict_raw_record_with_reference(tmp_path, run_dir):
    rec = _write_record(tmp_path)
    preds, report = predict_record(run_dir / "model.keras", tmp_path / "rec")
    assert {"time_s", "sample", "probability", "label", "reference"} <= set(preds.columns)
    rep = report.set_index("metric")["value"]
    assert rep["reference beats"] == len(rec.ann_samples)
    assert rep["detection sensitivity"] > 0.97 and rep["detection positive predictivity"] > 0.97
    assert rep["accuracy"] > 0.8


def test_predict_cli_on_csv_and_bad_inputs(tmp_path, run_dir, synthetic_table, capsys):
    write_dataset(synthetic_table.subset(np.arange(300)), tmp_path / "d")
    out = tmp_path / "preds.csv"
    assert main(["predict", "--model", str(run_dir / "model.keras"), "--csv",
                 str(tmp_path / "d" / "normal.csv"), str(tmp_path / "d" / "abnormal.csv"),
                 "--out", str(out)]) == 0
    preds = pd.read_csv(out)
    assert len(preds) == 300 and set(preds["reference"]) <= {"normal", "abnormal"}
    bad = tmp_path / "m.keras"
    bad.write_text("junk")
    assert main(["predict", "--model", str(bad), "--csv", str(tmp_path / "d" / "normal.csv"),
                 "--out", str(out)]) == 1
    assert "not a valid Keras model file" in capsys.readouterr().err


def test_wrong_input_shape_is_named(tmp_path, run_dir):
    import keras

    from ecglib.models import seed_model

    m = seed_model()
    m.save(tmp_path / "seed.keras")
    wrong = keras.Sequential([keras.layers.Input((50, 1)), keras.layers.Flatten(),
                              keras.layers.Dense(1)])
    wrong.save(tmp_path / "wrong.keras")
    rows = np.column_stack([np.random.default_rng(0).random((3, 187)), np.zeros(3)])
    np.savetxt(tmp_path / "normal.csv", rows, delimiter=",")
    with pytest.raises(DataError, match="input shape"):
        predict_beat_files(tmp_path / "wrong.keras", [tmp_path / "normal.csv"])
    preds, _ = predict_beat_files(tmp_path / "seed.keras", [tmp_path / "normal.csv"])
    assert len(preds) == 3


@pytest.mark.realdata
def test_predict_mitdb_record(mitdb_dir, run_dir):
    preds, report = predict_record(run_dir / "model.keras", mitdb_dir / "100")
    rep = report.set_index("metric")["value"]
    assert rep["detection sensitivity"] > 0.99 and abs(len(preds) - 2273) < 10


def test_cli_train_and_evaluate(tmp_path, capsys):
    assert main(["data", "build", "--source", "synthetic", "--n-synthetic", "4",
                 "--out", str(tmp_path / "d")]) == 0
    assert main(["train", "--data", str(tmp_path / "d"), "--model", "gbm", "--split",
                 "interpatient", "--out", str(tmp_path / "run")]) == 0
    assert "balanced_accuracy" in capsys.readouterr().out
    assert main(["evaluate", "--run", str(tmp_path / "run")]) == 0
    assert (tmp_path / "run" / "evaluation.csv").is_file()
    assert main(["train", "--data", str(tmp_path / "d"), "--epochs", "0",
                 "--out", str(tmp_path / "r2")]) == 1
