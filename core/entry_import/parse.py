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

from reglo.core.entry_import.definition import DATE_FORMATS

# strptime formats tried, in order, when the definition says "auto"
AUTO_DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%Y%m%d", "%d.%m.%Y", "%d-%m-%Y", "%d/%m/%y")


def empty_strings(n: int) -> pa.Array:
    """``n`` empty strings, built from buffers (no Python objects)."""
    return pa.Array.from_buffers(pa.string(), n, [None, pa.py_buffer(np.zeros(n + 1, dtype=np.int32)), pa.py_buffer(b"")])


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


def _any(mask: pa.Array) -> bool:
    return bool(pc.any(mask).as_py())


def parse_cents(text: pa.Array, *, decimal_separator: str = ",", thousands_separator: str = " ") -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Amounts typed as text → (signed int64 cents, empty, invalid, rounded).

    Credit is marked by a minus before or after the number; a plus is allowed before it
    only. Spaces and thousands separators (grouping by three) are removed; the decimal
    separator must be the configured one. More than 2 decimals are rounded half-up
    (``rounded`` mask), more than 6 refused. Integer arithmetic only (no float, no decimal
    cast); only the non-empty cells are parsed.
    """
    n = len(text)
    empty = np_bool(pc.equal(text, ""))
    cents = np.zeros(n, dtype=np.int64)
    invalid = np.zeros(n, dtype=bool)
    rounded = np.zeros(n, dtype=bool)
    filled = np.flatnonzero(~empty)
    if len(filled) == 0:
        return cents, empty, invalid, rounded
    t = text if len(filled) == n else text.take(pa.array(filled))
    c, bad, r = _parse_filled(t, decimal_separator, thousands_separator)
    cents[filled], invalid[filled], rounded[filled] = c, bad, r
    return cents, empty, invalid, rounded


def _parse_filled(t: pa.Array, decimal_separator: str, thousands_separator: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if _any(pc.match_substring(t, "€")) or _any(pc.match_substring(t, "EUR")):
        t = pc.utf8_trim_whitespace(pc.replace_substring_regex(t, r"(€|EUR)$", ""))
    # spaces are never meaningful in a number
    for space in (" ", "\u00a0", "\u202f"):
        if _any(pc.match_substring(t, space)):
            t = pc.replace_substring(t, space, "")
    if _plain_shape_safe(decimal_separator, thousands_separator):
        # the usual shape « 1234,56 » (digits, the decimal separator, two digits): its cents are
        # the digits without the separator; every other cell takes the general path below
        plain = np_bool(pc.match_substring_regex(t, rf"^\d{{1,15}}{re.escape(decimal_separator)}\d\d$"))
        if plain.any():
            n = len(t)
            cents = np.zeros(n, dtype=np.int64)
            invalid = np.zeros(n, dtype=bool)
            rounded = np.zeros(n, dtype=bool)
            at = np.flatnonzero(plain)
            tp = t if len(at) == n else t.take(pa.array(at))
            cents[at] = np.asarray(pc.cast(pc.replace_substring(tp, decimal_separator, ""), pa.int64()).to_numpy(zero_copy_only=False), dtype=np.int64)
            others = np.flatnonzero(~plain)
            if len(others):
                cents[others], invalid[others], rounded[others] = _parse_general(t.take(pa.array(others)), decimal_separator, thousands_separator)
            return cents, invalid, rounded
    return _parse_general(t, decimal_separator, thousands_separator)


def _plain_shape_safe(decimal_separator: str, thousands_separator: str) -> bool:
    """Whether « digits, decimal separator, two digits » can only mean that amount: a decimal
    separator that is neither empty nor a digit, and a thousands separator that cannot occur in
    such a text (not a digit, not the decimal separator)."""
    if not decimal_separator or any(ch.isdigit() for ch in decimal_separator):
        return False
    return not (thousands_separator.strip() and (thousands_separator in decimal_separator or decimal_separator in thousands_separator
                                                 or any(ch.isdigit() for ch in thousands_separator)))


def _parse_general(t: pa.Array, decimal_separator: str, thousands_separator: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Any text (spaces already removed): thousands separators, signs, up to 6 decimals."""
    ok = None
    if thousands_separator and thousands_separator != " " and _any(pc.match_substring(t, thousands_separator)):
        sep, dec = re.escape(thousands_separator), re.escape(decimal_separator)
        grouped = pc.match_substring_regex(t, rf"^[+-]?\d{{1,3}}({sep}\d{{3}})+({dec}\d*)?-?$")
        ok = pc.or_(pc.invert(pc.match_substring(t, thousands_separator)), grouped)
        t = pc.replace_substring(t, thousands_separator, "")
    dec = re.escape(decimal_separator)
    # sign before (+ or -) or minus after, never both
    shape = pc.match_substring_regex(t, rf"^(([+-]?(\d{{1,15}}({dec}\d{{0,6}})?|{dec}\d{{1,6}}))|((\d{{1,15}}({dec}\d{{0,6}})?|{dec}\d{{1,6}})-))$")
    valid = np_bool(shape if ok is None else pc.and_(ok, shape))
    negative = np_bool(pc.or_(pc.starts_with(t, "-"), pc.ends_with(t, "-")))
    if not valid.all():
        t = pc.if_else(pa.array(valid), t, "0")
    t = pc.utf8_trim(t, characters="+-")
    # "0" + whole + sep + frac + "0": both parts never empty, the frac keeps its length
    has_sep = pc.match_substring(t, decimal_separator)
    t = pc.binary_join_element_wise("0", t, pc.if_else(has_sep, "0", decimal_separator + "0"), "")
    flat = pc.list_flatten(pc.split_pattern(t, decimal_separator, max_splits=1))
    ints = np.asarray(pc.cast(flat, pa.int64()).to_numpy(zero_copy_only=False), dtype=np.int64)
    lens = np.asarray(pc.utf8_length(flat).to_numpy(zero_copy_only=False), dtype=np.int64)
    whole, frac, frac_len = ints[0::2], ints[1::2], lens[1::2]
    micro = frac * 10 ** (7 - frac_len) // 10  # millionths (frac has at most 7 digits)
    rest = micro % 10000
    cents = whole * 100 + micro // 10000 + (rest >= 5000)  # half-up on the absolute value
    cents = np.where(negative, -cents, cents).astype(np.int64)
    return np.where(valid, cents, 0), ~valid, (rest != 0) & valid


def by_dictionary(values: pa.Array, func):
    """Apply ``func`` to the distinct values only (dates, journals, accounts repeat a lot)."""
    enc = pc.dictionary_encode(values)
    if isinstance(enc, pa.ChunkedArray):
        enc = enc.combine_chunks()
    result = func(enc.dictionary)
    idx = np.asarray(enc.indices.to_numpy(zero_copy_only=False), dtype=np.int64)
    if isinstance(result, tuple):
        return tuple(r[idx] for r in result)
    return result[idx]


def parse_dates(text: pa.Array, date_format: str = "auto") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """See ``_parse_dates``: parsed once per distinct text."""
    return by_dictionary(text, lambda distinct: _parse_dates(distinct, date_format))


def _parse_dates(text: pa.Array, date_format: str = "auto") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
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
    return by_dictionary(text, _account_numbers)


def _account_numbers(text: pa.Array) -> np.ndarray:
    digits = pc.match_substring_regex(text, r"^\d{1,18}$")
    safe = pc.if_else(digits, text, "-1")
    return np.asarray(pc.cast(safe, pa.int64()).to_numpy(zero_copy_only=False), dtype=np.int64)


def is_pcg(text: pa.Array) -> np.ndarray:
    """Account numbers starting with three digits of the chart of accounts."""
    return by_dictionary(text, _is_pcg)


def _is_pcg(text: pa.Array) -> np.ndarray:
    return np_bool(pc.match_substring_regex(text, r"^\d{3}"))
