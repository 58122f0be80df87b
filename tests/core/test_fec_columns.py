"""The vectorised converters of reglo.core.fec_columns against a plain Python reference."""
from __future__ import annotations

import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from reglo.core.fec_columns import parse_amounts, parse_dates

_FORM = re.compile(r"^[ \t]*([+-]?)([0-9]{1,15})?(?:([,.])([0-9]*))?([+-]?)[ \t]*$")


def reference_cents(text: str) -> tuple[int | None, str | None]:
    """(cents, flag) with flag None, "point", "rounded", "empty" or "invalid"."""
    if not text.strip(" \t"):
        return 0, "empty"
    m = _FORM.match(text)
    if not m or (m.group(1) and m.group(5)) or not (m.group(2) or m.group(4)):
        return None, "invalid"
    value = Decimal(f"{m.group(2) or '0'}.{m.group(4) or '0'}")
    rounded = value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    # the converter rounds on the third decimal only (half up), as FEC amounts have 2
    third = Decimal(f"{m.group(2) or '0'}.{(m.group(4) or '')[:3] or '0'}").quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    cents = int(third * 100)
    if "-" in (m.group(1), m.group(5)):
        cents = -cents
    flag = "point" if m.group(3) == "." else ("rounded" if len((m.group(4) or "").rstrip("0")) > 2 else None)
    del rounded
    return cents, flag


amount_texts = st.one_of(
    st.builds(lambda c, neg: f"{'-' if neg else ''}{c // 100},{c % 100:02d}", st.integers(0, 10**14), st.booleans()),
    st.from_regex(r" ?[+-]?[0-9]{0,6}([,.][0-9]{0,4})?[+-]? ?", fullmatch=True),
    st.text(alphabet="0123456789,.-+ abc", max_size=8),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(amount_texts, min_size=1, max_size=40))
def test_parse_amounts_matches_the_reference(texts):
    parsed = parse_amounts(pa.chunked_array([pa.array(texts, pa.string())]))
    invalid, point, rounded = set(parsed.invalid.tolist()), set(parsed.decimal_point.tolist()), set(parsed.rounded.tolist())
    for i, text in enumerate(texts):
        cents, flag = reference_cents(text)
        if flag == "invalid":
            assert i in invalid, text
            assert parsed.cents[i] == 0
            continue
        assert i not in invalid, text
        assert parsed.cents[i] == cents, text
        assert (i in point) == (flag == "point"), text
        assert bool(parsed.empty[i]) == (flag == "empty"), text
        if flag == "rounded":
            assert i in rounded, text


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(
    st.dates(min_value=date(1890, 1, 1), max_value=date(2110, 12, 31)).map(lambda d: d.strftime("%Y%m%d")),
    st.from_regex(r"(18|19|20|21)[0-9]{2}(0[0-9]|1[0-3])([0-3][0-9])", fullmatch=True),
    st.just(""),
), min_size=1, max_size=60))
def test_parse_dates_accepts_exactly_the_real_dates_1900_2099(texts):
    parsed = parse_dates(pa.chunked_array([pa.array(texts, pa.string())]))
    invalid = set(parsed.invalid.tolist())
    for i, text in enumerate(texts):
        if not text:
            assert parsed.empty[i] and np.isnat(parsed.values[i])
            continue
        try:
            expected = date(int(text[:4]), int(text[4:6]), int(text[6:]))
            ok = 1900 <= expected.year <= 2099
        except ValueError:
            ok = False
        if ok:
            assert i not in invalid
            assert parsed.values[i] == np.datetime64(expected, "s")
        else:
            assert i in invalid and np.isnat(parsed.values[i])


def test_dates_with_repeated_values_take_the_dictionary_path():
    texts = ["20250131", "20250231", ""] * 50
    parsed = parse_dates(pa.chunked_array([pa.array(texts[:75]), pa.array(texts[75:])]))
    assert parsed.invalid.tolist() == list(range(1, 150, 3))
    assert parsed.empty.sum() == 50
    assert parsed.values[0] == np.datetime64("2025-01-31", "s")
