"""Vectorised, lenient parsing of raw text columns (pyarrow compute on whole columns).

Every helper takes a pyarrow string array and returns numpy arrays plus masks
(``empty``, ``invalid``, ``rounded``); the caller turns masks into alerts. No float:
amounts go text → decimal128 → int64 cents.
"""
from __future__ import annotations

import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from core.entry_import.definition import DATE_FORMATS

# strptime formats tried, in order, when the definition says "auto"
AUTO_DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%Y%m%d", "%d.%m.%Y", "%d-%m-%Y", "%d/%m/%y")


def np_bool(values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    return np.asarray(values.to_numpy(zero_copy_only=False), dtype=bool)


def clean_text(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Strings with nulls as '' and surrounding spaces removed (as one contiguous array)."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks() if values.num_chunks != 1 else values.chunk(0)
    if not pa.types.is_string(values.type) and not pa.types.is_large_string(values.type):
        values = pc.cast(values, pa.string())
    if pa.types.is_large_string(values.type):
        values = pc.cast(values, pa.string())
    return pc.utf8_trim_whitespace(pc.fill_null(values, ""))


def parse_cents(text: pa.Array, *, decimal_separator: str = ",", thousands_separator: str = " ") -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Amounts typed as text → (signed int64 cents, empty, invalid, rounded).

    Credit is marked by a minus before or after the number; a plus is allowed before it
    only. Thousands separators are removed; the decimal separator must be the configured
    one. More than 2 decimals are rounded half-up (``rounded`` mask), more than 6 refused.
    """
    t = pc.replace_substring_regex(text, r"\s*(€|EUR)$", "")
    empty = np_bool(pc.equal(t, ""))
    # spaces are never meaningful in a number; another thousands separator must group by 3
    t = pc.replace_substring_regex(t, "[ \u00a0\u202f]", "")
    grouping_ok = pa.array(np.ones(len(t), dtype=bool))
    if thousands_separator and thousands_separator != " ":
        sep, dec = re.escape(thousands_separator), re.escape(decimal_separator)
        grouped = pc.match_substring_regex(t, rf"^[+-]?\d{{1,3}}({sep}\d{{3}})+({dec}\d*)?-?$")
        grouping_ok = pc.or_(pc.invert(pc.match_substring(t, thousands_separator)), grouped)
        t = pc.replace_substring(t, thousands_separator, "")
    if decimal_separator == ",":
        has_wrong_decimal = pc.match_substring(t, ".")
        t = pc.replace_substring(t, ",", ".")
    else:
        has_wrong_decimal = pc.match_substring(t, ",")
    shape = pc.match_substring_regex(t, r"^(\+|-)?(\d{1,15}(\.\d{0,6})?|\.\d{1,6})-?$")
    both_signs = pc.match_substring_regex(t, r"^[+-].*-$")
    ok = pc.and_(pc.and_(pc.and_(shape, pc.invert(both_signs)), pc.invert(has_wrong_decimal)), grouping_ok)
    negative = pc.or_(pc.starts_with(t, "-"), pc.ends_with(t, "-"))
    digits = pc.replace_substring_regex(t, r"^[+-]|-$", "")
    digits = pc.replace_substring_regex(digits, r"\.$", "")
    valid = np_bool(ok) & ~empty
    digits = pc.if_else(pa.array(valid), digits, "0")
    dec = pc.cast(digits, pa.decimal128(24, 6))
    rounded_dec = pc.round(dec, ndigits=2, round_mode="half_up")
    rounded = np_bool(pc.not_equal(dec, pc.cast(rounded_dec, pa.decimal128(24, 6))))
    cents = pc.cast(pc.multiply(pc.cast(rounded_dec, pa.decimal128(24, 2)), pa.scalar(100, pa.decimal128(5, 0))), pa.int64())
    cents_np = np.asarray(cents.to_numpy(zero_copy_only=False), dtype=np.int64)
    cents_np = np.where(np_bool(negative), -cents_np, cents_np)
    invalid = ~valid & ~empty
    return cents_np, empty, invalid, rounded & valid


def parse_dates(text: pa.Array, date_format: str = "auto") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Dates typed as text → (datetime64[s] with NaT, empty, invalid).

    ISO dates (``2025-01-31``, what the add-in writes for Excel date cells) are always
    accepted; a time part is ignored; day and month may lack their leading zero.
    Impossible dates (31/02) are refused, not rolled over.
    """
    empty = np_bool(pc.equal(text, ""))
    t = pc.replace_substring_regex(text, r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?Z?$", "")
    t = pc.replace_substring_regex(t, r"^(\d)([/.-])", r"0\1\2")
    t = pc.replace_substring_regex(t, r"([/.-])(\d)([/.-])", r"\10\2\3")  # RE2: \1 then "0"
    wanted = DATE_FORMATS.get(date_format)
    formats = [wanted, "%Y-%m-%d"] if wanted else list(AUTO_DATE_FORMATS)
    result = pa.nulls(len(t), pa.timestamp("s"))
    for fmt in dict.fromkeys(formats):
        parsed = pc.strptime(t, format=fmt, unit="s", error_is_null=True)
        real = pc.fill_null(pc.equal(pc.strftime(parsed, format=fmt), t), False)
        in_range = pc.fill_null(pc.and_(pc.greater_equal(pc.year(parsed), 1900), pc.less_equal(pc.year(parsed), 2099)), False)
        parsed = pc.if_else(pc.and_(real, in_range), parsed, pa.scalar(None, pa.timestamp("s")))
        result = pc.coalesce(result, parsed)
    valid = np_bool(pc.is_valid(result))
    values = np.asarray(result.to_numpy(zero_copy_only=False), dtype="datetime64[s]")
    return values, empty, ~valid & ~empty


def account_numbers(text: pa.Array) -> np.ndarray:
    """Integer value of all-digit account numbers (-1 when not all digits)."""
    digits = pc.match_substring_regex(text, r"^\d{1,18}$")
    safe = pc.if_else(digits, text, "-1")
    return np.asarray(pc.cast(safe, pa.int64()).to_numpy(zero_copy_only=False), dtype=np.int64)


def is_pcg(text: pa.Array) -> np.ndarray:
    """Account numbers starting with three digits of the chart of accounts."""
    return np_bool(pc.match_substring_regex(text, r"^\d{3}"))
