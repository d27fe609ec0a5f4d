import shutil

import numpy as np
import pandas as pd
import pytest
import wfdb

from ecglib.cli import main
from ecglib.core.errors import DataError
from ecglib.data.build import write_dataset
from ecglib.datasets.synthetic import synthetic_record
from ecglib.evaluation.predict import match_beats, predict_record
from ecglib.training.config import TrainConfig
from ecglib.training.trainer import train


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
    bare = tmp_path / "m.keras"                    # a model file outside its run folder
    shutil.copy(run_dir / "model.keras", bare)
    assert main(["predict", "--model", str(bare), "--csv", str(tmp_path / "d" / "normal.csv"),
                 "--out", str(out)]) == 1
    assert "not in a run folder (no params.json" in capsys.readouterr().err
    copy = tmp_path / "run"                        # a run folder whose model is junk
    shutil.copytree(run_dir, copy)
    (copy / "model.keras").write_text("junk")
    (copy / "manifest.json").unlink()
    command = ["predict", "--model", str(copy / "model.keras"), "--csv",
               str(tmp_path / "d" / "normal.csv"), "--out", str(out)]
    assert main(command) == 1
    assert "manifest.json: missing" in capsys.readouterr().err      # nothing read unverified
    assert main([*command, "--no-verify"]) == 1
    assert "model.keras: not a valid Keras model file" in capsys.readouterr().err


def test_wrong_input_shape_is_named():
    import keras

    from ecglib.beats.reshape import to_steps
    from ecglib.models import KerasClassifier

    wrong = keras.Sequential([keras.layers.Input((50, 1)), keras.layers.Flatten(),
                              keras.layers.Dense(1)])
    model = KerasClassifier("seed", 2, wrong, to_steps)
    with pytest.raises(DataError, match=r"input of shape \(10, 18, 1\) does not fit the "
                                        r"model's input \(50, 1\)"):
        model.predict_proba(np.random.default_rng(0).random((3, 187)))


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


@pytest.mark.parametrize("offset_ms", [-40, -20, 20, 40])
def test_common_fiducial_removes_a_known_peak_offset(offset_ms):
    """Annotations shifted by a known offset (up to 40 ms, inside the 50 ms search) give the
    same beats as annotations on the R peaks once every beat starts at the local maximum;
    cut where they are (align='none'), they differ. (Normal beats: a wide abnormal beat may
    have a second maximum within reach, and moving one peak of a 10 s window changes that
    window's median R-R and so every cut in it.)"""
    from ecglib.beats.extract import beats_from_peaks
    from ecglib.beats.segmentation import SegmentParams

    rec = synthetic_record("off", seed=11, duration_s=60, abnormal_rate=0.0)
    shift = int(round(offset_ms / 1000 * rec.fs))
    sym = np.asarray(rec.ann_symbols, dtype=object)
    at_peaks, *_ = beats_from_peaks(rec, rec.ann_samples, sym, sym)
    shifted, meta, *_ = beats_from_peaks(rec, rec.ann_samples + shift, sym, sym)
    np.testing.assert_allclose(shifted, at_peaks, atol=1e-6)
    assert (meta["sample"].to_numpy() == rec.ann_samples + shift).all()   # provenance kept
    raw, *_ = beats_from_peaks(rec, rec.ann_samples + shift, sym, sym,
                                 SegmentParams(align="none"))
    assert np.abs(raw - at_peaks).max() > 0.1


def test_fiducial_point_is_searched_at_360_hz_whatever_the_recording_rate():
    """A record at 128 Hz (svdb's rate) gets the fiducial points of the same record at
    360 Hz, in seconds: the search runs at 360 Hz. Searched at 128 Hz itself (where the 20 ms
    window is 2 samples) the points fall about 12 ms early on this record."""
    from ecglib.beats.peaks import refine_r_peaks
    from ecglib.beats.segmentation import resample

    rec = synthetic_record("rate", seed=11, duration_s=60, abnormal_rate=0.0)
    low = resample(rec.signal, rec.fs, 128.0)
    ann = np.rint(rec.ann_samples * 128.0 / rec.fs).astype(np.int64)
    truth = refine_r_peaks(rec.signal, rec.ann_samples, rec.fs) / rec.fs
    at_360 = refine_r_peaks(low, ann, 128.0, out_fs=360.0) / 360.0
    native = refine_r_peaks(low, ann, 128.0, out_fs=360.0, search_fs=128.0) / 360.0
    assert abs(np.mean(at_360 - truth)) < 0.001 and np.abs(at_360 - truth).max() < 0.009
    assert np.mean(native - truth) < -0.008


def test_predict_cli_many_records_one_model_load(tmp_path, run_dir, capsys):
    """A folder of records in one call: one predictions file, per-record and per-class
    agreement tables, the model loaded once."""
    for seed, name in [(7, "r1"), (8, "r2")]:
        rec = synthetic_record(name, seed=seed, duration_s=60, abnormal_rate=0.3)
        wfdb.wrsamp(name, fs=360, units=["mV"], sig_name=["MLII"],
                    p_signal=rec.signal[:, None], fmt=["212"], write_dir=str(tmp_path))
        wfdb.wrann(name, "atr", rec.ann_samples, symbol=list(rec.ann_symbols),
                   write_dir=str(tmp_path))
    out = tmp_path / "preds.csv"
    assert main(["predict", "--model", str(run_dir / "model.keras"), "--record",
                 str(tmp_path), "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "from 2 record(s)" in text and "per AAMI class" in text
    preds = pd.read_csv(out, keep_default_na=False)
    assert set(preds["record"]) == {"r1", "r2"}
    per_class = pd.read_csv(tmp_path / "preds.per_class.csv")
    assert per_class["detection_se"].min() > 0.9
    assert per_class.set_index("aami_class")["reference_beats"].sum() == \
        (preds["reference"] != "").sum() + (per_class["reference_beats"] -
                                            per_class["detected"]).sum()
    assert main(["predict", "--model", str(run_dir / "model.keras"), "--record",
                 str(tmp_path / "nothing*"), "--out", str(tmp_path / "other.csv")]) == 1
    assert "nothing*" in capsys.readouterr().err
    mine = tmp_path / "preds.agreement.csv"
    mine.write_text("my own notes\n")                   # a user's file of the side name
    again = ["predict", "--model", str(run_dir / "model.keras"), "--record", str(tmp_path / "r1"),
             "--out", str(out)]
    assert main(again) == 1
    err = capsys.readouterr().err
    assert "preds.agreement.csv" in err and "--force" in err
    assert mine.read_text() == "my own notes\n"
    assert main([*again, "--force"]) == 0 and mine.read_text().startswith("record,")


def test_predict_warns_when_far_below_the_run(tmp_path, run_dir):
    """A record whose matched beats score far below the run's own test CI gets a warning
    naming the record; one within the run's CI gets none."""
    from ecglib.evaluation.predict import WARN_MARGIN, Predictor

    rec = _write_record(tmp_path, seed=5)
    predictor = Predictor(run_dir / "model.keras")
    assert "balanced_accuracy" in predictor.expected          # read from metrics.json
    value = predictor.record(tmp_path / "rec").agreement.set_index("metric")["value"]
    assert value["reference beats"] == len(rec.ann_samples)
    key = "balanced_accuracy" if "balanced_accuracy" in value else "accuracy"
    low = value[key] + WARN_MARGIN + 0.05
    predictor.expected[key] = (low + 0.01, low, min(low + 0.02, 1.0))
    warned = predictor.record(tmp_path / "rec").warnings
    assert len(warned) == 1 and warned[0].startswith("rec: ") and "far below" in warned[0]
    predictor.expected[key] = (value[key], value[key], value[key])
    assert not predictor.record(tmp_path / "rec").warnings


@pytest.mark.realdata
def test_predict_on_raw_ds2_agrees_with_evaluation(tmp_path, mitdb_dir, mitdb_table):
    """A model trained on DS1 from the source and from a beat folder scores DS2 alike; and
    the folder's model agrees on eight raw DS2 records (within 0.03 balanced accuracy, and
    inside each other's 95% interval) whether measured on the built beats or by
    ``predict``, which detects the beats itself."""
    from sklearn.metrics import balanced_accuracy_score

    from ecglib.data.beatfiles import read_beat_dir
    from ecglib.evaluation.predict import Predictor

    write_dataset(mitdb_table, tmp_path / "beats")
    folder_table = read_beat_dir(tmp_path / "beats")
    cfg = TrainConfig(model="gbm", split="interpatient", subset=8000, seed=0)
    runs = {name: train(table, cfg, out_dir=tmp_path / name, verbose=0)
            for name, table in [("source", mitdb_table), ("folder", folder_table)]}
    np.testing.assert_array_equal(runs["source"].y_test, runs["folder"].y_test)
    ba = [balanced_accuracy_score(r.y_test, r.test_proba >= r.threshold) for r in runs.values()]
    assert abs(ba[0] - ba[1]) <= 0.01, ba
    records = ["105", "200", "210", "213", "221", "228", "232", "233"]     # DS2, all classes
    predictor = Predictor(next(runs["folder"].run_dir.glob("model.*")))
    preds, _, per_class, _ = predictor.records([mitdb_dir / r for r in records])
    raw = predictor.matched_metrics(preds, n_boot=200).set_index("metric")
    built = predictor.built_metrics(mitdb_table, records, n_boot=200)[0].set_index("metric")
    b, r = built.loc["balanced_accuracy"], raw.loc["balanced_accuracy"]
    assert abs(b["value"] - r["value"]) <= 0.03, (b, r)
    assert b["ci_low"] <= r["value"] <= b["ci_high"], (b, r)
    assert r["ci_low"] <= b["value"] <= r["ci_high"], (b, r)
    assert (per_class["detected"].sum() / per_class["reference_beats"].sum()) > 0.995
    assert b["value"] > 0.6          # a real model, not chance


def test_evaluate_reports_where_the_s_beats_are_found(tmp_path, capsys):
    """A run with class S writes its S breakdown at training and at evaluation; the
    breakdown's counts are those of the run's own test predictions."""
    import pandas as pd

    assert main(["data", "build", "--source", "synthetic", "--n-synthetic", "4",
                 "--out", str(tmp_path / "d")]) == 0
    assert main(["train", "--data", str(tmp_path / "d"), "--model", "gbm", "--labels",
                 "aami5", "--split", "interpatient", "--out", str(tmp_path / "run")]) == 0
    assert main(["evaluate", "--run", str(tmp_path / "run")]) == 0
    assert "S beats on the test part" in capsys.readouterr().out
    trained = pd.read_csv(tmp_path / "run" / "s_breakdown.csv").set_index("group")
    again = pd.read_csv(tmp_path / "run" / "evaluation_s_breakdown.csv").set_index("group")
    pd.testing.assert_frame_equal(trained, again)
    preds = pd.read_csv(tmp_path / "run" / "predictions.csv")
    s_true = preds["label"] == 1
    s_called = preds[[c for c in preds if c.startswith("p_")]].to_numpy().argmax(1) == 1
    assert trained.loc["all", "n"] == s_true.sum() > 0
    assert trained.loc["all", "found"] == (s_true & s_called).sum()
    assert trained.loc["all", "calls"] == s_called.sum()
