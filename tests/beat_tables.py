"""Comparisons of beat tables shared by several test modules. A plain module, not a test
module: importing it inside a running Hypothesis test must not apply ``@given`` again (a
test module imported there for the first time does, and Hypothesis fails the outer test
with a nested-given health check)."""
from __future__ import annotations

import numpy as np


def assert_same_table(back, table, scheme):
    """The table read back equals the one written: signals (to the 6 decimals written),
    labels and every meta column, row by row."""
    assert len(back) == len(table)
    np.testing.assert_allclose(back.X, table.X, atol=5.1e-7, rtol=0)
    np.testing.assert_array_equal(back.labels(scheme), table.labels(scheme))
    for col in ("record", "patient", "sample", "symbol", "aami"):
        np.testing.assert_array_equal(back.meta[col].astype(str).to_numpy(),
                                      table.meta[col].astype(str).to_numpy(), err_msg=col)
