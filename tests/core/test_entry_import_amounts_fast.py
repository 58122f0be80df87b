"""The amounts' fast path (« 1234,56 ») gives the same cents and masks as the general parser,
whatever the mix of cells and the separators (``REGLO_FULL=1`` for a longer run)."""
from __future__ import annotations

import os

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reglo.core.entry_import import parse

FULL = os.environ.get("REGLO_FULL") == "1"
SEPARATORS = [(",", " "), (".", ","), (",", "."), (",", ""), (".", " "), (",", "'"), (",", ","), (".", ".")]
CELL = st.one_of(
    st.text(alphabet="0123456789,.-+ '€E", max_size=12),
    st.from_regex(r"\A[0-9]{1,17}[,.][0-9]{1,3}\Z"),
    st.from_regex(r"\A[+-]?[0-9]{1,4}([ .,'][0-9]{3}){0,2}[,.][0-9]{2}-?\Z"),
)


def general(values: list[str], dec: str, thou: str):
    """The general parser alone, on the same normalised text (the reference)."""
    t = pa.array(values, pa.string())
    n = len(values)
    empty = np.array([v == "" for v in values])
    cents, invalid, rounded = np.zeros(n, np.int64), np.zeros(n, bool), np.zeros(n, bool)
    filled = np.flatnonzero(~empty)
    if len(filled):
        saved = parse._plain_shape_safe
        parse._plain_shape_safe = lambda *a: False
        try:
            c, b, r = parse._parse_filled(t.take(pa.array(filled)), dec, thou)
        finally:
            parse._plain_shape_safe = saved
        cents[filled], invalid[filled], rounded[filled] = c, b, r
    return cents, empty, invalid, rounded


@pytest.mark.parametrize("dec,thou", SEPARATORS)
@settings(max_examples=400 if FULL else 30, deadline=None)
@given(values=st.lists(CELL, min_size=1, max_size=30))
def test_fast_path_same_as_general(dec: str, thou: str, values: list[str]) -> None:
    got = parse.parse_cents(pa.array(values, pa.string()), decimal_separator=dec, thousands_separator=thou)
    want = general(values, dec, thou)
    for g, w in zip(got, want):
        assert g.tolist() == w.tolist()


@pytest.mark.parametrize("text,cents", [("1234,56", 123456), ("0,01", 1), ("000000000000001,00", 100), ("999999999999999,99", 99999999999999999), ("12,00 €", 1200), ("1 234,50", 123450)])
def test_plain_amounts(text: str, cents: int) -> None:
    c, empty, invalid, rounded = parse.parse_cents(pa.array([text, "-3,10", ""]), decimal_separator=",", thousands_separator=" ")
    assert c.tolist() == [cents, -310, 0] and invalid.tolist() == [False] * 3 and rounded.tolist() == [False] * 3 and empty.tolist() == [False, False, True]


BOUNDARY = ["1234567890123456,78", "123456789012345,78", "1,2", "1,234", "1,2345678", ",12", "12,", "+12,00", "12,00-", "-12,00", "12,00--",
            "1.234,56", "1,234.56", "12.00", "0012,00", "١٢,٠٠", "12,0O", "12,00€", "12,00 EUR", "1 000,00", "1'000,00", "1.000.000,00", "1,000,000.00"]


@pytest.mark.parametrize("dec,thou", SEPARATORS)
def test_boundary_cells_same_as_general(dec: str, thou: str) -> None:
    values = BOUNDARY + [v.replace(",", "#").replace(".", ",").replace("#", ".") for v in BOUNDARY]
    got = parse.parse_cents(pa.array(values, pa.string()), decimal_separator=dec, thousands_separator=thou)
    want = general(values, dec, thou)
    for g, w in zip(got, want):
        assert g.tolist() == w.tolist()


def test_separator_that_is_also_decimal_takes_general_path() -> None:
    assert not parse._plain_shape_safe(",", ",")
    assert not parse._plain_shape_safe("", " ")
    assert parse._plain_shape_safe(",", " ") and parse._plain_shape_safe(".", ",")
