import numpy as np
import pytest

from ecglib.models import MODELS, seed_model, summary_table
from ecglib.reshape import dropped_signal, to_steps, to_steps_padded

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
