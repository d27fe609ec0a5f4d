"""The linear model and the soft vote (ecglib.models.vote): what they compute, how class
weights reach a pipeline, and that a saved vote loads back whole or not at all."""
import numpy as np
import pytest
import skops.io

from ecglib.core.errors import DataError
from ecglib.models import MODELS, VoteClassifier, vote_model
from ecglib.training.config import TrainConfig
from ecglib.training.runs import read_params, run_model
from ecglib.training.trainer import train


def _fit(name: str, table, rows, class_weight=False):
    """Model ``name`` trained on ``rows`` under the five AAMI classes."""
    y = table.labels("aami5")
    model = MODELS[name].create(n_classes=5, seed=0)
    model.fit(table.X[rows], y[rows], table.X[rows], y[rows],
              TrainConfig(model=name, labels="aami5", class_weight=class_weight), verbose=0,
              features=table.features(rows), features_val=table.features(rows))
    return model


def test_vote_is_the_weighted_mean_of_its_members_trained_alone(synthetic_table):
    rows = np.arange(min(len(synthetic_table.X), 1500))
    vote = _fit("vote_rr_tpl", synthetic_table, rows)
    alone = {m: _fit(m, synthetic_table, rows) for m in ("gbm_rr_tpl", "lr_rr_tpl")}
    X, rr = synthetic_table.X[rows], synthetic_table.features(rows)
    expected = 0.4 * alone["gbm_rr_tpl"].predict_proba(X, rr) \
        + 0.6 * alone["lr_rr_tpl"].predict_proba(X, rr)
    p = vote.predict_proba(X, rr)
    np.testing.assert_allclose(p, expected, atol=1e-9)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, atol=1e-6)   # float32 features
    assert not np.allclose(expected, alone["lr_rr_tpl"].predict_proba(X, rr))
    # members read different features: the vote reads them all, each takes its own
    assert set(vote.reads) == set(alone["gbm_rr_tpl"].reads) | set(alone["lr_rr_tpl"].reads)
    assert set(alone["gbm_rr_tpl"].reads) < set(alone["lr_rr_tpl"].reads)
    as_array = rr[list(vote.reads)].to_numpy()
    np.testing.assert_allclose(vote.predict_proba(X, as_array), p, atol=1e-12)


def test_class_weights_reach_the_logistic_regression_inside_its_pipeline(synthetic_table):
    rows = np.arange(len(synthetic_table.X))
    y = synthetic_table.labels("aami5")[rows]
    plain = _fit("lr_rr_tpl", synthetic_table, rows)
    weighted = _fit("lr_rr_tpl", synthetic_table, rows, class_weight=True)
    assert plain.estimator.get_params()["logisticregression__class_weight"] is None
    assert weighted.estimator.get_params()["logisticregression__class_weight"] == "balanced"
    rare = np.bincount(y, minlength=5)[1:].argmax() + 1      # the largest abnormal class
    X, rr = synthetic_table.X[rows], synthetic_table.features(rows)
    called = [int((m.predict_proba(X, rr).argmax(1) == rare).sum()) for m in (plain, weighted)]
    assert called[1] > called[0], called        # weighting the rare classes calls them more


def test_a_saved_vote_loads_back_and_a_foreign_file_is_refused(synthetic_table, tmp_path):
    rows = np.arange(min(len(synthetic_table.X), 800))
    vote = _fit("vote_rr_tpl", synthetic_table, rows)
    path = vote.save(tmp_path / "model")
    back = MODELS["vote_rr_tpl"].load(path, 5)
    X, rr = synthetic_table.X[rows], synthetic_table.features(rows)
    assert isinstance(back, VoteClassifier) and back.reads == vote.reads
    np.testing.assert_array_equal(back.predict_proba(X, rr), vote.predict_proba(X, rr))
    single = _fit("lr_rr_tpl", synthetic_table, rows).save(tmp_path / "single")
    with pytest.raises(DataError, match="not a saved 'vote_rr_tpl' model"):
        MODELS["vote_rr_tpl"].load(single, 5)
    swapped = tmp_path / "swapped.skops"
    swapped.write_bytes(skops.io.dumps({"members": ["lr_rr_tpl", "gbm_rr_tpl"],
                                        "estimators": [m.estimator for m in vote.members],
                                        "weights": [0.5, 0.5]}))
    with pytest.raises(DataError, match="expected the members"):
        MODELS["vote_rr_tpl"].load(swapped, 5)
    estimators = [m.estimator for m in vote.members]
    for tampered in ({"weights": ["a", "b"]}, {"weights": [0.9, 0.9]}, {"weights": [1.0]},
                     {"weights": [1.5, -0.5]}, {"estimators": estimators[::-1]}):
        bad = tmp_path / "tampered.skops"
        bad.write_bytes(skops.io.dumps({"members": ["gbm_rr_tpl", "lr_rr_tpl"],
                                        "estimators": estimators, "weights": [0.4, 0.6],
                                        **tampered}))
        with pytest.raises(DataError, match="not a saved 'vote_rr_tpl' model"):
            MODELS["vote_rr_tpl"].load(bad, 5)


def test_a_trained_vote_run_is_read_back_by_the_run_tools(synthetic_table, tmp_path):
    config = TrainConfig(model="vote_rr_tpl", labels="aami5", split="interpatient",
                         class_weight=True, seed=1)
    result = train(synthetic_table, config, verbose=0, out_dir=tmp_path / "run")
    model = run_model(tmp_path / "run", read_params(tmp_path / "run"))
    test = result.split.test
    np.testing.assert_allclose(model.predict_proba(synthetic_table.X[test],
                                                   synthetic_table.features(test)),
                               result.test_proba, atol=1e-12)
    assert list(result.history.columns) == ["epoch", "n_iter_gbm_rr_tpl", "n_iter_lr_rr_tpl"]


def test_a_vote_must_be_of_scikit_learn_members_with_weights_summing_to_one():
    with pytest.raises(ValueError, match="summing to 1"):
        vote_model("bad", ("gbm_rr_tpl", "lr_rr_tpl"), (0.5, 0.6), "")
    with pytest.raises(ValueError, match="scikit-learn models"):
        vote_model("bad", ("cnn_rr", "gbm_rr"), (0.5, 0.5), "")
    assert "bad" not in MODELS


def test_reference_variants_read_their_references(synthetic_table):
    """Each rhythm reference of REFERENCE_SETS is one vote whose members read it beside
    what vote_rr_tpl's members read; it trains and predicts like vote_rr_tpl."""
    from ecglib.models import MODELS, REFERENCE_SETS
    from ecglib.training.config import TrainConfig
    from ecglib.training.trainer import train

    base = {m: set(MODELS[m].create(n_classes=5).reads) for m in ("gbm_rr_tpl", "lr_rr_tpl")}
    for ref, reads in REFERENCE_SETS.items():
        for member in ("gbm_rr_tpl", "lr_rr_tpl"):
            reading = MODELS[f"{member}_{ref}"].create(n_classes=5).reads
            assert set(reading) == base[member] | set(reads)
    run = train(synthetic_table, TrainConfig(model="vote_rr_tpl_sinus", labels="aami5",
                                             split="interpatient", subset=600), verbose=0)
    assert run.test_proba.shape == (run.y_test.size, 5)
    assert np.isfinite(run.test_proba).all()


def test_only_reference_variants_differ_in_the_reference_alone():
    from ecglib.beats.rr import RR_COLUMNS, RR_UNREFERENCED
    from ecglib.beats.template import TEMPLATE_FEATURES
    from ecglib.models import MODELS, ONLY_REFERENCE

    for ref, pair in ONLY_REFERENCE.items():
        for member in ("gbm_only", "lr_only"):
            reads = set(MODELS[f"{member}_{ref}"].create(n_classes=5).reads)
            assert reads & set(RR_COLUMNS) == set(RR_UNREFERENCED) | set(pair), (member, ref)
            assert reads - set(RR_COLUMNS) == set(TEMPLATE_FEATURES)


def test_the_irregularity_variant_adds_the_irregularity_features_alone():
    from ecglib.beats.rr import RR_IRREGULARITY
    from ecglib.models import MODELS

    for member in ("gbm_only", "lr_only"):
        with_irr = MODELS[f"{member}_sinus_irr"].create(n_classes=5).reads
        assert set(with_irr) - set(MODELS[f"{member}_sinus"].create(n_classes=5).reads) \
            == set(RR_IRREGULARITY)
    members = MODELS["vote_only_sinus_irr"].create(n_classes=5).definition()["members"]
    assert [m["name"] for m in members] == ["gbm_only_sinus_irr", "lr_only_sinus_irr"]


def test_the_live_vote_reads_no_whole_record_context():
    from ecglib.beats.rr import RR_CONTEXT, RR_REFERENCES
    from ecglib.models import MODELS

    offline = set(RR_CONTEXT) | set(RR_REFERENCES)
    for member in ("gbm_rr_tpl", "lr_rr_tpl_live"):
        assert not offline & set(MODELS[member].create(n_classes=5).reads)
    assert MODELS["vote_rr_tpl_live"].description.startswith("soft vote")


def test_the_relative_shape_variant_reads_no_sample_of_the_beat():
    from ecglib.models import MODELS

    beats = np.random.default_rng(0).random((4, 187))
    for member in ("gbm_only", "lr_only"):
        relative = MODELS[f"{member}_sinus_irr_relative"].create(n_classes=5)
        assert relative.reads == MODELS[f"{member}_sinus_irr"].create(n_classes=5).reads
        features = np.ones((4, len(relative.reads)))
        # the inputs are the per-beat features alone, whatever the beats hold
        assert np.array_equal(relative.inputs(beats, features), features)
        assert np.array_equal(relative.inputs(beats * 0, features), features)
    members = MODELS["vote_only_sinus_irr_relative"].create(n_classes=5).definition()["members"]
    assert [m["prepare"] for m in members] == ["no_samples", "no_samples"]


def test_the_relative_votes_differ_only_in_their_weights():
    from ecglib.models import RELATIVE_TREE_WEIGHTS

    base = MODELS["vote_only_sinus_irr_relative"].create(n_classes=5).definition()
    for w in RELATIVE_TREE_WEIGHTS:
        other = MODELS[f"vote_only_sinus_irr_relative_t{w}"].create(n_classes=5).definition()
        assert other["weights"] == pytest.approx([w / 100, 1 - w / 100])
        assert other["members"] == base["members"]
