import numpy as np
import pytest

from ecglib.beats.reshape import dropped_signal, to_steps, to_steps_padded
from ecglib.models import MODELS, seed_model, summary_table

SEED_ROWS = [  # the seed's summary, row by row (GUIDE.md section 1)
    ("TimeDistributed", "(None, 10, 256)", 353024), ("LSTM", "(None, 64)", 82176),
    ("Dense", "(None, 1024)", 66560), ("BatchNormalization", "(None, 1024)", 4096),
    ("Dense", "(None, 512)", 524800), ("BatchNormalization", "(None, 512)", 2048),
    ("Dense", "(None, 256)", 131328), ("BatchNormalization", "(None, 256)", 1024),
    ("Dense", "(None, 128)", 32896), ("BatchNormalization", "(None, 128)", 512),
    ("Dense", "(None, 64)", 8256), ("BatchNormalization", "(None, 64)", 256),
    ("Dense", "(None, 32)", 2080), ("BatchNormalization", "(None, 32)", 128),
    ("Dropout", "(None, 32)", 0), ("Dense", "(None, 1)", 33),
]


def test_seed_summary_matches_row_by_row():
    model = seed_model()
    table = summary_table(model)
    assert list(zip(table["type"], table["output_shape"], table["params"])) == SEED_ROWS
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    assert (model.count_params(), trainable) == (1209217, 1205185)
    assert model.count_params() - trainable == 4032


def test_five_class_and_variants_build():
    assert MODELS["seed"].create(n_classes=5).net.output_shape == (None, 5)
    assert MODELS["seed190"].create().net.input_shape == (None, 10, 19, 1)
    assert MODELS["kachuee"].create().n_params > 50000
    assert MODELS["cnn"].create(n_classes=5).net.output_shape == (None, 5)


def test_reshape_drops_last_seven_and_padded_keeps_all():
    X = np.tile(np.arange(187, dtype=np.float32) / 187, (3, 1))
    s = to_steps(X)
    assert s.shape == (3, 10, 18, 1)
    assert s[0, 0, 0, 0] == 0 and s[0, -1, -1, 0] == pytest.approx(179 / 187)
    p = to_steps_padded(X)
    assert p.shape == (3, 10, 19, 1) and p.reshape(3, -1)[0, 186] == pytest.approx(186 / 187)
    assert (p.reshape(3, -1)[:, 187:] == 0).all()
    with pytest.raises(ValueError, match="label removed"):
        to_steps(np.zeros((2, 188)))


def test_dropped_signal_report():
    X = np.zeros((4, 187), dtype=np.float32)
    X[:, :100] = 0.5
    X[0, 183] = 1.0
    rep = dropped_signal(X).set_index("quantity")["value"]
    assert rep["beats whose dropped samples are all zero padding"] == 0.75
    assert 0 < rep["share of total signal energy dropped"] < 0.01


@pytest.mark.realdata
def test_dropped_samples_on_mitdb(mitdb_table):
    rep = dropped_signal(mitdb_table.X).set_index("quantity")["value"]
    assert rep["beats whose dropped samples are all zero padding"] > 0.8
    assert rep["share of total signal energy dropped"] < 0.02


@pytest.mark.parametrize("rhythm, shape_only", [("seed_rr", "seed"), ("cnn_rr", "cnn"),
                                                ("seed_rr_sinus_irr_pre", "seed")])
def test_rhythm_networks_join_the_shape_network_with_the_rr_features(rhythm, shape_only):
    """seed_rr, cnn_rr and the seed family of the ablation: the shape network unchanged up
    to its last hidden layer, plus the R-R branch (Dense(16) on the features it reads,
    Dense(32) on the join); they train on beats + features, and refuse to classify beats
    without features."""
    from ecglib.core.errors import DataError
    from ecglib.training.config import TrainConfig

    clf = MODELS[rhythm].create()
    reads, rr_net, base = clf.reads, clf.net, MODELS[shape_only].create().net
    assert [tuple(i.shape) for i in rr_net.inputs][1] == (None, len(reads))
    hidden = base.layers[-2].output.shape[-1]
    rr_params = (len(reads) * 16 + 16) + ((hidden + 16) * 32 + 32) + 33
    assert rr_net.count_params() == base.count_params() - (hidden + 1) + rr_params
    rng = np.random.default_rng(0)
    X, rr = rng.random((64, 187), dtype=np.float32), rng.random((64, len(reads)))
    y = (rr[:, 0] > 0.5).astype(np.int64)
    clf.fit(X, y, X[:16], y[:16], TrainConfig(model=rhythm, epochs=1, batch_size=32),
            verbose=0, features=rr, features_val=rr[:16])
    p = clf.predict_proba(X, rr)
    assert p.shape == (64,) and np.all((p >= 0) & (p <= 1))
    with pytest.raises(DataError, match=f"reads each beat's features .*{reads[0]}.* not given"):
        clf.predict_proba(X)


def test_the_seed_family_changes_one_thing_per_name():
    """seed_rr_sinus_irr reads the sinus rows' rhythm features (no median reference);
    seed_rr_sinus_irr_pre adds exactly the pre-R window's template features; the scaled
    networks read the same, or every template feature."""
    from ecglib.beats.rr import RR_IRREGULARITY, RR_UNREFERENCED
    from ecglib.beats.template import PRE_R_FEATURES, TEMPLATE_FEATURES

    sinus = MODELS["seed_rr_sinus_irr"].create().reads
    pre = MODELS["seed_rr_sinus_irr_pre"].create().reads
    assert set(sinus) == {*RR_UNREFERENCED, "pre_sinus", "post_sinus", *RR_IRREGULARITY}
    assert not {"pre_centre", "pre_median", "pre_rr_norm"} & set(sinus)
    assert pre == sinus + PRE_R_FEATURES
    assert PRE_R_FEATURES and set(PRE_R_FEATURES) < set(TEMPLATE_FEATURES)
    assert all(f.startswith("pre_") for f in PRE_R_FEATURES) and "pre_corr" in PRE_R_FEATURES
    assert MODELS["seed_rr_sinus_irr_pre_scaled"].create().reads == pre
    assert MODELS["seed_rr_sinus_irr_tpl_scaled"].create().reads == sinus + TEMPLATE_FEATURES


def test_the_scaled_seed_standardises_its_features_with_the_training_beats(tmp_path):
    """seed_rr_sinus_irr_pre_scaled reads what seed_rr_sinus_irr_pre reads; its fit sets the
    Normalization layer to the training features' mean and variance (not the validation
    beats'), and a saved and reloaded model (safe mode) predicts the same."""
    from ecglib.models.keras_nets import SCALE_LAYER
    from ecglib.training.config import TrainConfig

    spec = MODELS["seed_rr_sinus_irr_pre_scaled"]
    clf = spec.create()
    assert clf.reads == MODELS["seed_rr_sinus_irr_pre"].create().reads
    rng = np.random.default_rng(1)
    X = rng.random((96, 187), dtype=np.float32)
    rr = rng.normal(1.0, 0.5, (96, len(clf.reads))).astype(np.float32)
    rr[:, 0] *= 4.0                                      # one feature of another scale
    y = (rr[:, 1] > 1.0).astype(np.int64)
    clf.fit(X[:64], y[:64], X[64:], y[64:], TrainConfig(model=spec.name, epochs=1,
            batch_size=32), verbose=0, features=rr[:64], features_val=rr[64:])
    scale = clf.net.get_layer(SCALE_LAYER)
    standard = np.asarray(scale(clf.inputs(X[:64], rr[:64])[1]))   # as the net reads them
    np.testing.assert_allclose(standard.mean(axis=0), 0.0, atol=1e-3)
    np.testing.assert_allclose(standard.std(axis=0), 1.0, atol=1e-2)
    p = clf.predict_proba(X, rr)
    again = spec.load(clf.save(tmp_path / "model"), 2)
    np.testing.assert_allclose(again.predict_proba(X, rr), p, atol=1e-6)


def test_a_model_definition_is_stable_and_tells_models_apart():
    """Run caches are keyed by it: the same model must give the same definition however
    many layers the process has made, and models that differ must differ."""
    import json

    from ecglib.beats.rr import RAW_INTERVALS, RR_FEATURES
    from ecglib.models import MODELS

    first = MODELS["cnn_rr"].create(n_classes=5).definition()
    MODELS["seed"].create(n_classes=2)                   # Keras numbers more layers
    assert json.dumps(MODELS["cnn_rr"].create(n_classes=5).definition()) == json.dumps(first)
    assert MODELS["cnn"].create(n_classes=5).definition() != first
    lr, live = (MODELS[m].create(n_classes=5).definition() for m in ("lr_rr_tpl", "lr_rr_tpl_live"))
    assert lr["estimator"] == live["estimator"] and lr["reads"] != live["reads"]
    raw = MODELS["lr_raw_rr_tpl"].create(n_classes=5).definition()
    assert raw["estimator"] == live["estimator"]
    assert raw["reads"] == list(RAW_INTERVALS) + live["reads"][len(RR_FEATURES):]
    vote = MODELS["vote_rr_tpl"].create(n_classes=5).definition()
    assert vote["weights"] == [0.4, 0.6] and vote["members"][1] == lr


def test_a_keras_run_is_cached_per_thread_count(monkeypatch):
    """TensorFlow sums in another order with another thread count, so the same seed ends
    slightly elsewhere: a run trained with one count is not the run of another."""
    from ecglib.models import MODELS

    monkeypatch.setenv("TF_NUM_INTRAOP_THREADS", "1")
    one = MODELS["cnn"].create(n_classes=2).definition()
    monkeypatch.setenv("TF_NUM_INTRAOP_THREADS", "2")
    two = MODELS["cnn"].create(n_classes=2).definition()
    assert (one["threads"], two["threads"]) == ("1", "2")
    assert {k: v for k, v in one.items() if k != "threads"} == \
        {k: v for k, v in two.items() if k != "threads"}
    gbm = MODELS["gbm"].create(n_classes=2).definition()
    monkeypatch.setenv("TF_NUM_INTRAOP_THREADS", "1")
    assert MODELS["gbm"].create(n_classes=2).definition() == gbm    # no TensorFlow there


def test_class_weights_are_balanced_up_to_the_cap():
    """Balanced (n / (classes x count)) where that is at most MAX_CLASS_WEIGHT: a class
    with a handful of beats is capped, the others keep their balance."""
    from ecglib.models.keras_nets import MAX_CLASS_WEIGHT, class_weights

    y = np.repeat([0, 1, 2], [900, 92, 8])
    w = class_weights(y, 4)
    assert w[0] == pytest.approx(1000 / (4 * 900)) and w[1] == pytest.approx(1000 / (4 * 92))
    assert w[2] == MAX_CLASS_WEIGHT == w[3]          # 31.25 and an absent class, capped
    assert class_weights(y, 4, cap=np.inf)[2] == pytest.approx(1000 / 32)

def test_a_class_weighted_keras_run_is_cached_under_the_cap():
    """Runs trained without class weights keep their key; with them, a Keras run's key holds
    the cap (runs trained uncapped are not reused), a scikit-learn run's does not."""
    from ecglib.models.keras_nets import MAX_CLASS_WEIGHT
    from ecglib.training.config import TrainConfig
    from ecglib.training.runcache import model_identity

    plain = model_identity(TrainConfig(model="cnn"), 2)
    assert "max_class_weight" not in plain
    weighted = model_identity(TrainConfig(model="cnn", class_weight=True), 2)
    assert weighted == {**plain, "max_class_weight": MAX_CLASS_WEIGHT}
    assert model_identity(TrainConfig(model="gbm", class_weight=True), 2) == \
        model_identity(TrainConfig(model="gbm"), 2)
