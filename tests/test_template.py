"""Template features (ecglib.beats.template): each beat beside the median of its record's
previous beats, the pre-R window, and the model that reads them."""
import numpy as np
import pandas as pd
import pytest

from ecglib.beats.features import BEAT_FEATURES, beat_features, select_features
from ecglib.beats.segmentation import SegmentParams, windows
from ecglib.beats.template import (
    PRE_SAMPLES,
    TEMPLATE_FEATURES,
    pre_r_windows,
    running_templates,
    template_features,
)
from ecglib.core.errors import DataError


def test_running_template_is_the_median_of_the_previous_beats():
    """Checked against a plain loop: row j is the median of rows j-k .. j-1 (row 0: itself)."""
    B = np.random.default_rng(0).random((40, 7)).astype(np.float32)
    k = 5
    got = running_templates(B, k)
    for j in range(len(B)):
        expected = np.median(B[max(0, j - k):j] if j else B[:1], axis=0)
        np.testing.assert_allclose(got[j], expected, rtol=1e-6)


def _record(n=120, odd=(60, 61, 90)):
    """A record of identical beats with a few wide ones (a made-up ventricular shape)."""
    t = np.arange(187)
    usual = np.exp(-0.5 * ((t - 4) / 2.0) ** 2) * 0.8 + 0.1
    wide = np.exp(-0.5 * ((t - 12) / 9.0) ** 2) * 0.6 + 0.1
    beats = np.tile(usual, (n, 1)).astype(np.float32)
    beats[list(odd)] = wide
    pre = np.tile(np.linspace(0.2, 0.4, PRE_SAMPLES), (n, 1)).astype(np.float32)
    return beats, pre


def test_usual_beats_match_their_template_and_odd_ones_do_not():
    beats, pre = _record()
    f = template_features(beats, pre)
    assert list(f.columns) == list(TEMPLATE_FEATURES) and len(f) == len(beats)
    usual = f.drop(index=[60, 61, 90])
    assert np.allclose(usual["tpl_corr"], 1.0) and np.allclose(usual["tpl_mad"], 0.0)
    assert np.allclose(usual[[c for c in f if c.startswith("tpl_d")]], 0.0)
    # the wide beats are far from the template; three among fifty do not move the median
    assert (f.loc[[60, 61, 90], "tpl_corr_qrs"] < 0.5).all()
    assert (f.loc[[60, 61, 90], "tpl_mad_qrs"] > 0.1).all()
    assert np.allclose(f.loc[62:89, "tpl_mad"], 0.0)


def test_template_features_are_causal():
    """A beat's features depend only on the beats before it: appending beats changes none."""
    beats, pre = _record()
    whole = template_features(beats, pre)
    first = template_features(beats[:70], pre[:70])
    pd.testing.assert_frame_equal(whole.iloc[:70], first)


def test_pre_r_window_is_cut_from_the_beats_normalised_window():
    params = SegmentParams()
    rng = np.random.default_rng(1)
    x = np.cumsum(rng.normal(size=3000))
    x[1250:2500] = 3.0                                   # the second window is flat
    peaks = np.array([10, 100, 700, 1300, 2600])
    pre = pre_r_windows(x, peaks, params)
    norm = next(w for w in windows(x, peaks, params)).norm
    np.testing.assert_allclose(pre[2], norm[700 - PRE_SAMPLES:700], rtol=1e-6)
    # 10 samples after the window's start: padded with its first sample
    np.testing.assert_allclose(pre[0], np.r_[[norm[0]] * (PRE_SAMPLES - 10), norm[:10]],
                               rtol=1e-6)
    assert not pre[3].any()                              # a flat window's beat: no window


def test_models_take_their_features_by_name_and_say_what_is_missing():
    rng = np.random.default_rng(2)
    table = pd.DataFrame(rng.random((5, len(BEAT_FEATURES))), columns=list(BEAT_FEATURES))
    got = select_features(table, ("tpl_corr", "pre_rr"), 5, "m")
    np.testing.assert_allclose(got, table[["tpl_corr", "pre_rr"]].to_numpy(), rtol=1e-6)
    with pytest.raises(DataError, match="do not carry .*tpl_corr.*ecglib data build"):
        select_features(table.drop(columns=["tpl_corr"]), ("tpl_corr",), 5, "m")
    with pytest.raises(DataError, match="reads 2 features per beat"):
        select_features(np.zeros((5, 3)), ("tpl_corr", "pre_rr"), 5, "m")
    assert beat_features(pd.DataFrame({"record": ["100"]})) is None


def test_built_beats_carry_template_features_and_the_template_model_trains(synthetic_table):
    from ecglib.models import MODELS
    from ecglib.training.config import TrainConfig

    assert set(TEMPLATE_FEATURES) <= set(synthetic_table.meta.columns)
    assert np.isfinite(synthetic_table.meta[list(TEMPLATE_FEATURES)].to_numpy()).all()
    y = synthetic_table.labels("binary")
    rows = np.arange(min(len(y), 600))
    model = MODELS["gbm_rr_tpl"].create(n_classes=2)
    model.fit(synthetic_table.X[rows], y[rows], synthetic_table.X[rows], y[rows],
              TrainConfig(model="gbm_rr_tpl"), verbose=0, features=synthetic_table.features(rows),
              features_val=synthetic_table.features(rows))
    p = model.predict_proba(synthetic_table.X[rows], synthetic_table.features(rows))
    assert p.shape == rows.shape and np.all((p >= 0) & (p <= 1))
    with pytest.raises(DataError, match="not given"):
        model.predict_proba(synthetic_table.X[rows])


def test_real_ventricular_beats_are_unlike_their_patients_template(mitdb_dir):
    """Record 119 (bigeminy: 444 V beats among 1,543 N): V beats are far from the template,
    N beats close to it, and the stored template is the median of the previous 50 beats."""
    from ecglib.beats.extract import annotated_beats
    from ecglib.datasets import get_dataset

    beats = annotated_beats(get_dataset("mitdb").read(mitdb_dir, "119"))
    m = beats.meta
    v, n = m[m["aami"] == "V"], m[m["aami"] == "N"]
    assert v["tpl_corr_qrs"].median() < 0.8 < n["tpl_corr_qrs"].median(), (
        v["tpl_corr_qrs"].median(), n["tpl_corr_qrs"].median())
    assert v["tpl_mad_qrs"].median() > 2 * n["tpl_mad_qrs"].median()
    j = 500
    tmpl = np.median(beats.X[j - 50:j], axis=0)
    d = beats.X[j, :64] - tmpl[:64]
    assert np.isclose(m["tpl_mad_qrs"].iloc[j], np.abs(d).mean(), atol=1e-6)


def test_beat_folder_holds_the_template_features_with_units(tmp_path, synthetic_table):
    from ecglib.data.build import write_dataset

    man = write_dataset(synthetic_table, tmp_path / "beats")
    features = pd.read_csv(tmp_path / "beats" / man["features"]["file"])
    assert set(TEMPLATE_FEATURES) <= set(features.columns)
    assert set(features.columns) - {"beat", "file", "row"} == set(man["features"]["units"])
    assert len(features) == len(synthetic_table)
