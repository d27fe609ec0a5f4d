"""The beat table's on-disk cache: one file per entry, whole or not read at all."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ecglib.data.beattable import load_table, save_table


def test_a_cached_table_is_one_file_and_loads_back_as_saved(synthetic_table, tmp_path):
    save_table(synthetic_table, "k", tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["k.npz"]     # no sidecar, no temp file
    back = load_table("k", tmp_path)
    np.testing.assert_array_equal(back.X, synthetic_table.X)
    pd.testing.assert_frame_equal(back.meta, synthetic_table.meta, check_dtype=False)
    assert (back.source, back.synthetic) == (synthetic_table.source, synthetic_table.synthetic)
    assert back.info == synthetic_table.info


def test_the_last_of_two_writers_leaves_its_entry_whole(synthetic_table, tmp_path):
    other = synthetic_table.subset(np.arange(10))
    save_table(synthetic_table, "k", tmp_path)
    save_table(other, "k", tmp_path)                     # same key, another table, later
    back = load_table("k", tmp_path)
    np.testing.assert_array_equal(back.X, other.X)
    assert len(back.meta) == 10


def test_a_changed_byte_in_the_beats_is_caught_and_the_entry_removed(synthetic_table,
                                                                    tmp_path):
    path = save_table(synthetic_table, "k", tmp_path)
    raw = bytearray(path.read_bytes())
    at = raw.find(synthetic_table.X[5].tobytes())         # beat 5, stored uncompressed
    assert at > 0
    raw[at + 40] ^= 0xFF
    path.write_bytes(bytes(raw))
    assert load_table("k", tmp_path) is None
    assert not path.exists()


def test_a_missing_entry_is_none(tmp_path):
    assert load_table("absent", tmp_path) is None
