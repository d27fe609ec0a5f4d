import pytest

from ecglib.beats.labels import AAMI_CLASSES, aami_class, get_scheme


def test_aami_mapping_matches_ec57():
    assert aami_class("L") == "N" and aami_class("a") == "S" and aami_class("E") == "V"
    assert aami_class("/") == "Q" and aami_class("F") == "F"
    assert aami_class("+") is None and aami_class("~") is None
    assert sum(len(v) for v in AAMI_CLASSES.values()) == 15


def test_binary_scheme_is_normal_vs_rest():
    b = get_scheme("binary")
    assert [b.code(c) for c in "NSVFQ"] == [0, 1, 1, 1, 1]
    assert [get_scheme("aami5").code(c) for c in "NSVFQ"] == [0, 1, 2, 3, 4]


def test_unknown_scheme_names_choices():
    with pytest.raises(ValueError, match="aami5"):
        get_scheme("three")
