"""The registries every part of ecglib reads: datasets, label schemes, the training
configuration (CLI options and profiles come from it)."""
from __future__ import annotations

import argparse
import json
from dataclasses import fields

import numpy as np
import pandas as pd
import pytest

from ecglib.beats.labels import AAMI_CLASSES, SCHEMES, LabelScheme, get_scheme
from ecglib.book.profiles import PROFILES, known_parameters, resolve_params
from ecglib.core.errors import DataError, UnknownNameError
from ecglib.datasets import DATASETS, dataset_title, get_dataset
from ecglib.training.config import TrainConfig, add_config_arguments, config_from_args


def test_datasets_say_records_patients_leads_rates_downloads_and_splits():
    mitdb, ptb, syn = (get_dataset(n) for n in ("mitdb", "ptbdb", "synthetic"))
    assert mitdb.fs == 360.0 and mitdb.leads[0] == "MLII" and mitdb.lead_note
    assert mitdb.patient("202") == mitdb.patient("201") == "201" and mitdb.patient("100") == "100"
    train, test = mitdb.standard_split
    assert len(train) == len(test) == 22 and not set(train) & set(test)
    assert mitdb.physionet.files(["100"]) == ["100.hea", "100.dat", "100.atr"]
    assert ptb.patient("patient001/s0010_re") == "patient001" and ptb.standard_split is None
    assert syn.synthetic and syn.physionet is None and "SYNTHETIC" in dataset_title("synthetic")
    assert syn.configured(n_records=3).record_names(None) == ["syn01", "syn02", "syn03"]
    with pytest.raises(UnknownNameError, match="unknown source 'incart'.*mitdb"):
        get_dataset("incart")
    assert set(DATASETS) >= {"mitdb", "ptbdb", "synthetic"}


def test_mitdb_records_read_through_the_registry(mitdb_dir):
    ds = get_dataset("mitdb")
    assert len(ds.record_names(mitdb_dir)) == 48
    rec = ds.read(mitdb_dir, "202")
    assert rec.patient == "201" and rec.lead == "MLII" and rec.fs == ds.fs


def test_schemes_are_data():
    binary, aami5 = get_scheme("binary"), get_scheme("aami5")
    assert [binary.code(c) for c in "NSVFQ"] == [0, 1, 1, 1, 1]
    assert [aami5.code(c) for c in "NSVFQ"] == [0, 1, 2, 3, 4]
    assert binary.code("MI") == 1                     # PTB's infarction class is abnormal
    assert binary.file_names == ("normal.csv", "abnormal.csv")
    with pytest.raises(DataError, match="no class for aami 'MI'"):
        aami5.code("MI")
    assert LabelScheme.from_dict(json.loads(json.dumps(aami5.to_dict()))) == aami5


def test_a_scheme_keyed_on_symbols_from_a_json_file(tmp_path):
    path = tmp_path / "lbbb.json"
    path.write_text(json.dumps({"name": "lbbb", "classes": ["other", "LBBB"],
                                "mapping": {"L": "LBBB"}, "key": "symbol",
                                "default": "other"}))
    scheme = get_scheme(str(path))
    meta = pd.DataFrame({"symbol": ["N", "L", "V", "L"], "aami": ["N", "N", "V", "N"]})
    assert scheme.encode(meta).tolist() == [0, 1, 0, 1]
    strict = LabelScheme("strict", ("N", "V"), {"N": "N", "V": "V"})
    with pytest.raises(DataError, match=r"no class for aami values \{'S': 1\}"):
        strict.encode(pd.DataFrame({"aami": ["N", "S", "V"]}))


@pytest.mark.parametrize("data, message", [
    ({"name": "x", "classes": ["a"], "mapping": {}}, "at least two distinct classes"),
    ({"name": "x", "classes": ["a", "b"], "mapping": {"N": "c"}}, r"maps to \['c'\]"),
    ({"name": "x", "classes": ["a", "b"], "mapping": {}, "key": "lead"}, "key must be one"),
    ({"classes": ["a", "b"]}, "not a valid label scheme"),
])
def test_bad_schemes_are_named(tmp_path, data, message):
    path = tmp_path / "s.json"
    path.write_text(json.dumps(data))
    with pytest.raises(DataError, match=message):
        get_scheme(str(path))


def test_cli_options_are_generated_from_the_config():
    parser = argparse.ArgumentParser()
    add_config_arguments(parser)
    assert config_from_args(parser.parse_args([])) == TrainConfig()
    args = parser.parse_args(["--epochs", "3", "--lr", "0.01", "--no-precise-bn",
                              "--class-weight", "--subset", "500", "--val-size", "0.2",
                              "--split", "group_kfold", "--fold", "2"])
    cfg = config_from_args(args)
    assert (cfg.epochs, cfg.learning_rate, cfg.precise_bn, cfg.class_weight, cfg.subset,
            cfg.val_size, cfg.split, cfg.fold) == (3, 0.01, False, True, 500, 0.2,
                                                   "group_kfold", 2)
    options = {a.dest for a in parser._actions}
    assert {f.name for f in fields(TrainConfig)} <= options


def test_profiles_override_the_config_only():
    for name, overrides in PROFILES.items():
        assert set(overrides) <= known_parameters(), name
        params = resolve_params(name)
        TrainConfig(**{f.name: params[f.name] for f in fields(TrainConfig)}).validate()
    with pytest.raises(ValueError, match="should be of type int"):
        resolve_params("fast", epochs=2.5)
    with pytest.raises(ValueError, match="should be of type bool"):
        resolve_params("fast", class_weight=1)


@pytest.mark.parametrize("overrides, message", [
    ({"split": "kfold"}, "unknown split 'kfold'"), ({"labels": "three"}, "unknown label"),
    ({"model": "resnet"}, "unknown model"), ({"fold": 5}, r"fold must be in 0\.\.4"),
    ({"val_size": 1.5}, r"val_size must be in \(0, 1\)"),
])
def test_config_validation_names_the_parameter(overrides, message):
    with pytest.raises(ValueError, match=message):
        TrainConfig(**overrides).validate()


def test_aami_classes_cover_the_beat_symbols():
    assert sum(len(v) for v in AAMI_CLASSES.values()) == 15
    assert np.all([get_scheme("aami5").class_of(c) == c for c in AAMI_CLASSES])


def test_one_registry_type_names_what_it_holds():
    from ecglib.core.errors import EcglibError
    from ecglib.core.registry import Registry
    from ecglib.datasets import DATASETS
    from ecglib.models import MODELS
    from ecglib.training.splits import SPLITS

    for registry in (DATASETS, SCHEMES, MODELS, SPLITS):
        assert isinstance(registry, Registry) and len(registry) > 0
        with pytest.raises(UnknownNameError, match=f"unknown {registry.kind} 'nope'"):
            registry.get("nope")
    things = Registry("thing")
    things.register("a", 1)
    things.register("b", 2)
    assert things.names() == ["a", "b"] and list(things) == ["a", "b"] and "a" in things
    with pytest.raises(EcglibError, match=r"unknown thing 'c'; choose one of \['a', 'b'\]"):
        things.get("c")
    with pytest.raises(ValueError):                      # argparse-style callers catch this
        things.get("c")
    assert things.unregister("a") == 1 and things.names() == ["b"] and things.find("a") is None


def test_a_config_gives_the_command_line_that_gives_it_back():
    import argparse

    from ecglib.training.config import (
        TrainConfig,
        add_config_arguments,
        config_from_args,
        config_to_args,
    )

    parser = argparse.ArgumentParser()
    add_config_arguments(parser)
    for config in (TrainConfig(), TrainConfig(model="vote_rr_tpl", labels="aami5",
                                              split="interpatient", class_weight=True,
                                              patient_weight=0.5, learning_rate=3e-3),
                   TrainConfig(precise_bn=False, subset=400, test_size=0.25)):
        args = config_to_args(config)
        assert config_from_args(parser.parse_args(args)) == config, args
    assert config_to_args(TrainConfig(model="gbm", class_weight=True)) == [
        "--model", "gbm", "--class-weight"]


def test_every_feature_a_registered_model_reads_is_a_beat_feature():
    """A beat table carries (and its digest covers) exactly BEAT_FEATURES: a model that
    reads any other column could never be trained on it."""
    from ecglib.beats import BEAT_FEATURES
    from ecglib.models import MODELS

    for name in MODELS:
        reads = getattr(MODELS.get(name).create(n_classes=5), "reads", ()) or ()
        assert set(reads) <= set(BEAT_FEATURES), (name, sorted(set(reads) - set(BEAT_FEATURES)))
