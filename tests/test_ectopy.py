"""Where ectopic beats are found: runs of a class, and the S breakdown."""
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from ecglib.metrics import ectopic_breakdown, run_lengths


def _naive_run_lengths(records, samples, is_class):
    out = np.zeros(len(records), dtype=int)
    for record in set(records):
        rows = sorted(np.flatnonzero(records == record), key=lambda i: samples[i])
        k = 0
        while k < len(rows):
            if not is_class[rows[k]]:
                k += 1
                continue
            end = k
            while end < len(rows) and is_class[rows[end]]:
                end += 1
            out[rows[k:end]] = end - k
            k = end
    return out


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("ab"), st.booleans()), min_size=1, max_size=40),
       st.randoms(use_true_random=False))
def test_run_lengths_equal_a_beat_by_beat_count(beats, rnd):
    """Beats of two records, given in shuffled order, counted run by run."""
    records = np.array([r for r, _ in beats])
    is_class = np.array([c for _, c in beats])
    samples = np.arange(len(beats)) * 10
    order = list(range(len(beats)))
    rnd.shuffle(order)
    got = run_lengths(records[order], samples[order], is_class[order])
    np.testing.assert_array_equal(got, _naive_run_lengths(records, samples, is_class)[order])


def test_breakdown_scores_by_group():
    records = np.array(["232"] * 6 + ["100"] * 4)
    y = np.array([1, 1, 1, 0, 1, 0, 0, 1, 0, 0])
    pred = np.array([1, 0, 0, 0, 1, 1, 1, 1, 0, 0])
    b = ectopic_breakdown(records, np.arange(10), y, pred, ("N", "S")).set_index("group")
    assert b.loc["all", ["n", "found", "calls"]].tolist() == [5, 3, 5]
    assert b.loc["runs of 3+", "n"] == 3 and b.loc["runs of 3+", "found"] == 1
    assert np.isnan(b.loc["runs of 3+", "ppv"])               # calls have no context
    assert b.loc["isolated", "n"] == 2 and b.loc["isolated", "found"] == 2
    assert b.loc["record 232", ["n", "found", "calls"]].tolist() == [4, 2, 3]
    assert b.loc["without 232", ["n", "found", "calls"]].tolist() == [1, 1, 2]
    assert b.loc["without 232", "f1"] == 2 * 1 / (1 + 2)


def test_mitdb_ds2_s_beats_where_the_reference_puts_them(mitdb_table):
    """The counts the new-patients issue measured independently: DS2 holds 1,837 S beats,
    1,382 of them in record 232, most of those in runs of 3 or more."""
    from ecglib.datasets.mitdb import DS2

    meta = mitdb_table.meta
    ds2 = meta["record"].astype(str).isin(DS2).to_numpy()
    y = mitdb_table.labels("aami5")[ds2]
    b = ectopic_breakdown(meta["record"].to_numpy()[ds2], meta["sample"].to_numpy()[ds2],
                          y, y, ("N", "S", "V", "F", "Q")).set_index("group")
    assert b.loc["all", "n"] == 1837 and b.loc["record 232", "n"] == 1382
    assert b.loc["all", "se"] == 1.0 and b.loc["record 232", "ppv"] == 1.0
    assert 1150 <= b.loc["runs of 3+", "n"] <= 1350
    assert b.loc[["isolated", "pairs", "runs of 3+"], "n"].sum() == 1837
