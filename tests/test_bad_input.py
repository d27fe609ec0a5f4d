"""Bad input stops with one clear line naming the file or parameter (issue 12, first part)."""
from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pytest
import wfdb

from ecglib.beats.records import read_wfdb_record
from ecglib.cli import main
from ecglib.core.atomic import atomic_write_json
from ecglib.core.errors import DataError
from ecglib.data.build import build_table, write_dataset
from ecglib.datasets.synthetic import synthetic_record
from ecglib.training.config import TrainConfig
from ecglib.training.trainer import train


def test_json_outputs_are_strict(tmp_path):
    atomic_write_json(tmp_path / "m.json", {"a": math.nan, "b": [1.0, math.inf], "c": "x"})
    text = (tmp_path / "m.json").read_text()
    assert "NaN" not in text and "Infinity" not in text
    assert json.loads(text) == {"a": None, "b": [1.0, None], "c": "x"}


def test_one_class_data_is_refused(synthetic_table):
    normal = synthetic_table.subset(np.flatnonzero(synthetic_table.labels() == 0)[:300])
    with pytest.raises(DataError, match="single class \\('normal', 300 beats\\)"):
        train(normal, TrainConfig(model="gbm"), verbose=0)


def test_duplicate_records_are_refused():
    with pytest.raises(DataError, match=r"--records names \['100'\] more than once"):
        build_table("mitdb", records=["100", "101", "100"], download=False, progress=False)


def _record(folder, fs_field: str):
    rec = synthetic_record("r", seed=1, duration_s=20)
    wfdb.wrsamp("r", fs=360, units=["mV"], sig_name=["MLII"], p_signal=rec.signal[:, None],
                fmt=["16"], write_dir=str(folder))
    hea = folder / "r.hea"
    first, *rest = hea.read_text().splitlines()
    fields = first.split()
    fields[2] = fs_field
    hea.write_text("\n".join([" ".join(fields), *rest]) + "\n")
    return folder / "r"


@pytest.mark.parametrize("fs", ["abc", "-360", "0"])
def test_bad_sampling_rate_is_refused_with_the_record(tmp_path, fs):
    with pytest.raises(DataError, match=f"r.hea: sampling frequency '{fs}' is not a positive"):
        read_wfdb_record(_record(tmp_path, fs))


def test_good_sampling_rate_reads(tmp_path):
    assert read_wfdb_record(_record(tmp_path, "360")).fs == 360


def test_file_system_errors_are_one_line(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code = main(["data", "build", "--source", "synthetic", "--n-synthetic", "1",
                 "--out", str(blocker / "sub")])
    lines = [ln for ln in capsys.readouterr().err.splitlines() if "ecglib" in ln]
    assert code == 1 and len(lines) == 1 and lines[0].startswith("ecglib: error: ")
    assert str(blocker) in lines[0] and "Traceback" not in lines[0]


def test_undecodable_files_are_named(tmp_path):
    import gzip

    from ecglib.data.beatfiles import check_files

    gz = tmp_path / "normal.csv"
    gz.write_bytes(gzip.compress(b"0.1,0.2\n"))
    latin = tmp_path / "abnormal.csv"
    latin.write_bytes(("0.5," * 187 + "1\n").encode() + "caf\xe9\n".encode("latin-1"))
    with pytest.raises(DataError, match=f"{gz}: is a gzip-compressed file"):
        check_files([gz])
    with pytest.raises(DataError, match=f"{latin}: not a UTF-8 text CSV"):
        check_files([latin])


def test_single_files_and_folders_are_checked_against_their_manifest(tmp_path, synthetic_table):
    from ecglib.data.beatfiles import check_files, read_beat_dir
    from ecglib.data.build import write_dataset

    write_dataset(synthetic_table, tmp_path)
    lines = (tmp_path / "normal.csv").read_text().splitlines()
    (tmp_path / "normal.csv").write_text("\n".join(lines[:-5]) + "\n")      # a cut-short file
    with pytest.raises(DataError, match="normal.csv: checksum differs from .*manifest.json"):
        check_files([tmp_path / "normal.csv"])
    write_dataset(synthetic_table, tmp_path)
    (tmp_path / "V.csv").write_text("0.5," * 187 + "2\n")                   # a stale file
    with pytest.raises(DataError, match=r"does not list \['V.csv'\]"):
        read_beat_dir(tmp_path)


def test_damaged_run_folders_are_named(tmp_path, synthetic_table):
    from ecglib.training.runs import load_run, read_params

    run = tmp_path / "run"
    train(synthetic_table, TrainConfig(model="gbm", subset=300), out_dir=run, verbose=0)
    text = (run / "params.json").read_text()
    (run / "params.json").write_text(text[: len(text) // 2])
    with pytest.raises(DataError, match="params.json: checksum differs from .*manifest.json"):
        read_params(run)
    manifest = (run / "manifest.json").read_bytes()
    (run / "manifest.json").unlink()            # a run folder without its manifest
    with pytest.raises(DataError, match="manifest.json: missing.*--no-verify"):
        read_params(run)
    with pytest.warns(UserWarning, match="without verifying"), \
            pytest.raises(DataError, match="params.json: invalid JSON"):
        read_params(run, verify=False)
    (run / "params.json").write_text(text)
    (run / "split.npz").unlink()
    with warnings.catch_warnings():           # said once per folder: not again here
        warnings.simplefilter("error")
        with pytest.raises(DataError, match="split.npz: not found"):
            load_run(run, synthetic_table, verify=False)
    (run / "manifest.json").write_bytes(manifest)
    with pytest.raises(DataError, match="split.npz: missing from the run folder"):
        load_run(run, synthetic_table)


def test_a_run_refuses_other_beats_and_out_of_range_params(tmp_path, synthetic_table):
    import json

    from ecglib.training.runs import evaluate_run, load_run, read_params

    run = tmp_path / "run"
    train(synthetic_table, TrainConfig(model="gbm", subset=300), out_dir=run, verbose=0)
    evaluation = (run / "evaluation.csv")
    other = synthetic_table.subset(np.arange(len(synthetic_table))[::-1])   # same count
    with pytest.raises(DataError, match="other beats than the run was trained on"):
        evaluate_run(run, other, n_boot=10)
    assert not evaluation.exists()                       # nothing written for other beats
    assert len(load_run(run, synthetic_table).split.test) > 0
    (run / "manifest.json").unlink()                     # edit params.json by hand
    params = json.loads((run / "params.json").read_text())
    for field, value, message in (("threshold", 7.5, "threshold is 7.5; expected a prob"),
                                  ("threshold", "0.5", "threshold is '0.5'"),
                                  ("model_file", "../x.skops", "model_file is '../x.skops'"),
                                  ("data", {"n_beats": -3}, r"data.n_beats is -3")):
        (run / "params.json").write_text(json.dumps({**params, field: value}))
        with pytest.raises(DataError, match=f"params.json: {message}"):
            read_params(run, verify=False)


def test_model_with_wrong_output_width_is_named(tmp_path):
    import keras

    from ecglib.beats.reshape import to_steps
    from ecglib.models import KerasClassifier

    net = keras.Sequential([keras.layers.Input((10, 18, 1)), keras.layers.Flatten(),
                            keras.layers.Dense(3, activation="softmax")])
    model = KerasClassifier("seed", 2, net, to_steps)
    with pytest.raises(DataError, match="gives 3 output\\(s\\) per beat but its label scheme "
                                        "has 2 classes"):
        model.predict_proba(np.zeros((4, 187), np.float32))


def test_existing_path_wins_over_a_source_name(tmp_path, synthetic_table, monkeypatch, capsys):
    from ecglib.data.build import write_dataset
    from ecglib.data.loading import load

    write_dataset(synthetic_table, tmp_path / "mitdb")
    monkeypatch.chdir(tmp_path)
    table = load("mitdb")
    assert len(table) == len(synthetic_table) and table.synthetic
    assert "is an existing path here" in capsys.readouterr().err


def test_unusable_cache_warns_and_goes_on(tmp_path, monkeypatch):
    blocker = tmp_path / "cache"
    blocker.write_text("a file, not a folder")
    monkeypatch.setenv("ECGLIB_CACHE_DIR", str(blocker))
    with pytest.warns(UserWarning, match="unusable .*going on without it"):
        table = build_table("synthetic", n_synthetic=1, seed=4, progress=False)
    assert len(table) > 0


def test_a_missing_database_file_is_named(tmp_path, mitdb_dir):
    import shutil

    for name in ("RECORDS", "100.hea", "100.dat"):
        shutil.copy(mitdb_dir / name, tmp_path / name)
    with pytest.raises(DataError, match=r"lacks .*100\.atr"):
        build_table("mitdb", data_dir=tmp_path, records=["100"], download=False,
                    progress=False)


def test_signal_gaps_are_counted_dropped_and_warned(tmp_path):
    """NaN samples (WFDB gaps) no longer become silent zeros inside beats: every beat of a
    10 s window with a gap is dropped and counted; predict warns."""
    from ecglib.beats.extract import annotated_beats

    rec = synthetic_record("g", seed=2, duration_s=60, abnormal_rate=0.2)
    sig = rec.signal.copy()
    sig[int(12 * rec.fs):int(12.33 * rec.fs)] = np.nan           # a 0.33 s gap at 12 s
    wfdb.wrsamp("g", fs=360, units=["mV"], sig_name=["MLII"], p_signal=sig[:, None],
                fmt=["16"], write_dir=str(tmp_path))
    wfdb.wrann("g", "atr", rec.ann_samples, symbol=list(rec.ann_symbols),
               write_dir=str(tmp_path))
    back = read_wfdb_record(tmp_path / "g")
    assert back.gaps.sum() == int(12.33 * 360) - int(12 * 360)
    beats = annotated_beats(back)
    in_window = ((rec.ann_samples >= 10 * 360) & (rec.ann_samples < 20 * 360)).sum()
    assert beats.gap_dropped >= in_window - 1 and beats.gap_dropped > 5
    assert len(beats.meta) + beats.gap_dropped + beats.dropped == len(rec.ann_samples)
    assert not ((beats.meta["sample"] >= 10 * 360) & (beats.meta["sample"] < 20 * 360)).any()


def test_predict_warns_on_a_record_with_gaps(tmp_path, synthetic_table):
    from ecglib.evaluation.predict import Predictor

    rec = synthetic_record("h", seed=3, duration_s=60, abnormal_rate=0.2)
    sig = rec.signal.copy()
    sig[: sig.size // 2] = np.nan
    wfdb.wrsamp("h", fs=360, units=["mV"], sig_name=["MLII"], p_signal=sig[:, None],
                fmt=["16"], write_dir=str(tmp_path))
    train(synthetic_table, TrainConfig(model="gbm", subset=300), out_dir=tmp_path / "run",
          verbose=0)
    result = Predictor(tmp_path / "run" / "model.skops").record(tmp_path / "h")
    assert any("50% of the samples are gaps" in w for w in result.warnings)


def _write(folder, name, signal, lead="MLII"):
    wfdb.wrsamp(name, fs=360, units=["mV"], sig_name=[lead], p_signal=signal[:, None],
                fmt=["16"], write_dir=str(folder))
    return folder / name


def test_not_an_ecg_is_reported(tmp_path, synthetic_table):
    """White noise gives an implausible beat rate, a flat record is refused by name, and a
    lead other than MLII / II is named."""
    from ecglib.evaluation.predict import Predictor

    train(synthetic_table, TrainConfig(model="gbm", subset=300), out_dir=tmp_path / "run",
          verbose=0)
    predictor = Predictor(tmp_path / "run" / "model.skops")
    flat = _write(tmp_path, "flat", np.zeros(360 * 60))
    with pytest.raises(DataError, match="flat: lead MLII is flat"):
        predictor.record(flat)
    noise = _write(tmp_path, "noise", np.random.default_rng(0).normal(0, 0.01, 360 * 600))
    try:
        warned = predictor.record(noise).warnings
    except DataError as exc:                       # no beats at all is an error too
        assert "noise: no beats detected" in str(exc)
    else:
        assert any("not a plausible heart rate" in w for w in warned)
    v1 = _write(tmp_path, "v1", synthetic_record("v", seed=1, duration_s=60).signal, lead="V1")
    assert any("used 'V1'" in w for w in predictor.record(v1).warnings)


def test_local_copy_is_verified_against_its_checksum_list(tmp_path, mitdb_dir, monkeypatch):
    """A rotted file in a local database copy is named; the verification is remembered, so
    a second build hashes nothing again."""
    import shutil

    from ecglib.datasets import sources

    for name in ("RECORDS", "100.hea", "100.dat", "100.atr", "SHA256SUMS.txt"):
        shutil.copy(mitdb_dir / name, tmp_path / name)
    build_table("mitdb", data_dir=tmp_path, records=["100"], download=False, progress=False)
    calls = []
    monkeypatch.setattr(sources, "sha256_file", lambda p: calls.append(p) or "0" * 64)
    build_table("mitdb", data_dir=tmp_path, records=["100"], download=False, progress=False)
    assert calls == []
    monkeypatch.undo()
    data = bytearray((tmp_path / "100.dat").read_bytes())
    data[1000] ^= 0xFF
    (tmp_path / "100.dat").write_bytes(bytes(data))
    with pytest.raises(DataError, match=r"100\.dat: SHA-256 differs from .*SHA256SUMS.txt"):
        build_table("mitdb", data_dir=tmp_path, records=["100"], download=False,
                    progress=False)


def test_tiny_data_says_what_the_split_needs(synthetic_table):
    y = synthetic_table.labels()
    idx = np.concatenate([np.flatnonzero(y == 0)[:40], np.flatnonzero(y == 1)[:1]])
    with pytest.raises(ValueError, match=r"class counts \{0: 40, 1: 1\}: it needs at least 2"):
        train(synthetic_table.subset(idx), TrainConfig(model="gbm"), verbose=0)


def test_predict_out_a_folder_and_read_only_outputs_are_one_line(tmp_path, synthetic_table,
                                                                  capsys):
    import os

    from ecglib.data.build import write_dataset

    write_dataset(synthetic_table.subset(np.arange(200)), tmp_path / "d")
    train(synthetic_table, TrainConfig(model="gbm", subset=300), out_dir=tmp_path / "run",
          verbose=0)
    (tmp_path / "outdir").mkdir()
    argv = ["predict", "--model", str(tmp_path / "run" / "model.skops"), "--csv",
            str(tmp_path / "d" / "normal.csv"), "--out"]
    assert main(argv + [str(tmp_path / "outdir")]) == 1
    err = [ln for ln in capsys.readouterr().err.splitlines() if ln.startswith("ecglib")]
    assert len(err) == 1 and "outdir: is a folder" in err[0] and ".tmp" not in err[0]
    from ecglib.core.atomic import atomic_write_text

    with pytest.raises(DataError, match="outdir: is a folder; a file name is needed"):
        atomic_write_text(tmp_path / "outdir", "x")
    assert list((tmp_path / "outdir").iterdir()) == [] and not list(tmp_path.glob(".outdir*"))
    if os.geteuid() != 0:                     # root may write anywhere
        ro = tmp_path / "ro"
        ro.mkdir()
        ro.chmod(0o500)
        assert main(argv + [str(ro / "p.csv")]) == 1


def test_out_is_a_file_and_utf16_are_one_line(tmp_path, capsys):
    from ecglib.data.beatfiles import check_files

    target = tmp_path / "taken"
    target.write_text("x")
    assert main(["data", "build", "--source", "synthetic", "--n-synthetic", "1",
                 "--out", str(target)]) == 1
    err = [ln for ln in capsys.readouterr().err.splitlines() if ln.startswith("ecglib")]
    assert len(err) == 1 and f"{target}: exists and is not a folder" in err[0]
    assert target.read_text() == "x"
    utf16 = tmp_path / "normal.csv"
    utf16.write_text("0.5," * 187 + "0\n", encoding="utf-16")
    with pytest.raises(DataError, match=f"{utf16}: not a UTF-8 text CSV"):
        check_files([utf16])


def test_a_build_that_finds_no_beats_is_an_error(tmp_path):
    """A record whose annotations mark no beat (rhythm changes only): the build stops."""
    rec = synthetic_record("f1", seed=1, duration_s=30)
    _write(tmp_path, "f1", rec.signal)
    wfdb.wrann("f1", "atr", rec.ann_samples, symbol=["+"] * rec.ann_samples.size,
               write_dir=str(tmp_path))
    (tmp_path / "RECORDS").write_text("f1\n")
    with pytest.raises(DataError, match=r"mitdb: no beats found in records \['f1'\]"):
        build_table("mitdb", data_dir=tmp_path, download=False, use_cache=False,
                    progress=False)


def test_missing_pieces_are_named(tmp_path, synthetic_table, capsys):
    """No meta.csv, a manifest without files, a run without history.csv, a record too
    short to detect beats in: each one line naming the file or record."""
    import json as _json

    from ecglib.data.beatfiles import read_beat_dir
    from ecglib.data.build import write_dataset
    from ecglib.evaluation.predict import Predictor
    from ecglib.training.runs import load_run

    write_dataset(synthetic_table, tmp_path / "d")
    (tmp_path / "d" / "meta.csv").unlink()
    with pytest.raises(DataError, match=r"d/meta.csv: not found"):
        read_beat_dir(tmp_path / "d")
    write_dataset(synthetic_table, tmp_path / "e")
    man = _json.loads((tmp_path / "e" / "manifest.json").read_text())
    del man["files"]
    (tmp_path / "e" / "manifest.json").write_text(_json.dumps(man))
    assert main(["data", "check", str(tmp_path / "e")]) == 1
    assert "manifest.json: no 'files' listed" in capsys.readouterr().err
    run = tmp_path / "run"
    train(synthetic_table, TrainConfig(model="gbm", subset=300), out_dir=run, verbose=0)
    history = (run / "history.csv").read_bytes()
    (run / "history.csv").unlink()
    with pytest.raises(DataError, match="history.csv: missing from the run folder"):
        load_run(run, synthetic_table)
    (run / "history.csv").write_bytes(history)
    short = _write(tmp_path, "short", synthetic_record("s", seed=1, duration_s=1).signal)
    with pytest.raises(DataError, match=r"short: R-peak detection needs at least 2 s of signal"):
        Predictor(run / "model.skops").record(short)


def test_force_never_replaces_an_input_of_the_same_command(tmp_path, synthetic_table, capsys):
    from ecglib.cli import main

    beats = tmp_path / "beats"
    write_dataset(synthetic_table, beats)
    before = sorted(p.name for p in beats.iterdir())
    for out in (beats, tmp_path):                       # the input, or a folder holding it
        assert main(["train", "--data", str(beats), "--model", "gbm", "--out", str(out),
                     "--force"]) == 1
        assert "an input of this command" in capsys.readouterr().err
    assert sorted(p.name for p in beats.iterdir()) == before
    assert main(["data", "build", "--source", "synthetic", "--data-dir", str(beats),
                 "--out", str(beats), "--force"]) == 1
    assert "--data-dir" in capsys.readouterr().err
    csv = beats / before[0]
    assert main(["predict", "--model", str(tmp_path / "m.skops"), "--csv", str(csv),
                 "--out", str(csv)]) == 1
    assert "--csv" in capsys.readouterr().err and sorted(p.name for p in beats.iterdir()) == before


def test_a_data_path_that_does_not_exist_says_so(tmp_path, capsys):
    from ecglib.cli import main

    assert main(["train", "--data", str(tmp_path / "no_such"), "--model", "gbm", "--out",
                 str(tmp_path / "run")]) == 1
    err = capsys.readouterr().err
    assert "no_such: does not exist" in err and "mitdb" in err and "Traceback" not in err
