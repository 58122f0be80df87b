"""Vectorised conversion of FEC text columns (Arrow strings) to cents and dates.

Used by ``reglo.core.fec``. Each converter returns numpy values for every row plus the row
indices in error, so that alert objects are built only for the few rows that need one.
Work is done in tiers: the legal, common form (``1234,56``, ``20250131``) is converted with
a handful of Arrow kernels; only the rows that do not have it go through a regular
expression (still vectorised, on that subset only).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

MAX_INT_DIGITS = 15  # 10^15 euros: beyond, the value is certainly wrong (and int64 cents overflow)

_AMOUNT = (
    r"^\s*(?P<s1>[+-]?)(?P<int>\d{1," + str(MAX_INT_DIGITS) + r"})?(?:(?P<sep>[,.])(?P<frac>\d*))?(?P<s2>[+-]?)\s*$"
)
_DATE_OTHER = (
    r"^\s*(?P<a>\d{1,4})(?P<sep>[/.-])(?P<b>\d{1,2})[/.-](?P<c>\d{1,4})"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)?\s*$"
)
_DIGITS8_TRIM = r"^\s*\d{8}\s*$"


def _np(values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    return values.to_numpy(zero_copy_only=False)


def _mask(values: np.ndarray) -> pa.Array:
    return pa.array(values, type=pa.bool_())


# ---------------------------------------------------------------------------
# amounts
# ---------------------------------------------------------------------------


@dataclass
class Amounts:
    """Result of ``parse_amounts``: cents for every row (0 when empty or invalid)."""

    cents: np.ndarray
    empty: np.ndarray  # bool: the cell is empty (or blank)
    invalid: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))  # row indices
    decimal_point: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))  # read, but blocking
    rounded: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))  # > 2 decimals, rounded half up
    too_large: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))  # a number of more than 15 integer digits


def parse_amounts(col: pa.ChunkedArray) -> Amounts:
    """FEC numbers (decimal comma, optional sign first or last, no thousands separator) to cents.

    A decimal point is read but reported (``decimal_point``); more than two decimals are
    rounded half up and reported (``rounded``); anything else is ``invalid`` (0 cents).
    """
    n = len(col)
    lengths = _np(pc.binary_length(col))
    empty = lengths == 0
    cents = np.zeros(n, dtype=np.int64)
    fast = _fast_amounts(col, lengths, empty, cents)
    rest = np.flatnonzero(~fast & ~empty)
    result = Amounts(cents=cents, empty=empty)
    if len(rest):
        _slow_amounts(pc.take(col, pa.array(rest)), rest, result)
    return result


def _fast_amounts(col: pa.ChunkedArray, lengths: np.ndarray, empty: np.ndarray, cents: np.ndarray) -> np.ndarray:
    """The legal common form ``-?\\d+,\\d\\d``: drop the comma and cast, no regex. Returns the rows done."""
    fast = _np(pc.equal(pc.utf8_slice_codeunits(col, -3, -2), ",")) & (lengths >= 4)
    if not fast.any():
        return fast
    all_fast = bool(fast.all())
    source = col if all_fast else pc.if_else(_mask(fast), col, "0,00")
    # only the first comma is removed: "1,200,00" then fails the cast and goes the slow way
    digits = pc.replace_substring(source, ",", "", max_replacements=1)
    try:
        value = _np(pc.cast(digits, pa.int64()))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        # junk on some row ("1 234,56", "+12,00", "1,200,00"): validate each row
        ok = _np(pc.match_substring_regex(source, r"^-?\d{1,%d},\d\d$" % MAX_INT_DIGITS))
        fast &= ok
        digits = pc.if_else(_mask(fast), digits, "0")
        value = _np(pc.cast(digits, pa.int64()))
    huge = np.abs(value) >= 10 ** (MAX_INT_DIGITS + 2)
    if huge.any():
        fast &= ~huge
    if all_fast and not huge.any():
        cents[:] = value
    else:
        cents[fast] = value[fast]
    return fast


def _slow_amounts(sub: pa.Array, rows: np.ndarray, out: Amounts) -> None:
    parts = pc.extract_regex(sub, _AMOUNT)
    matched = _np(pc.is_valid(parts))
    s1 = pc.fill_null(pc.struct_field(parts, "s1"), "")
    s2 = pc.fill_null(pc.struct_field(parts, "s2"), "")
    whole = pc.fill_null(pc.struct_field(parts, "int"), "")
    sep = _np(pc.fill_null(pc.struct_field(parts, "sep"), ""))
    frac = pc.fill_null(pc.struct_field(parts, "frac"), "")
    has_whole = _np(pc.binary_length(whole)) > 0
    frac_len = _np(pc.binary_length(frac))
    two_signs = (_np(pc.binary_length(s1)) > 0) & (_np(pc.binary_length(s2)) > 0)
    blank = _np(pc.equal(pc.utf8_trim_whitespace(sub), ""))
    ok = matched & ~two_signs & (has_whole | (frac_len > 0))
    # blank cells (spaces only) are empty cells
    out.empty[rows[blank]] = True
    ok &= ~blank
    negative = _np(pc.or_(pc.equal(s1, "-"), pc.equal(s2, "-")))
    units = _np(pc.cast(pc.if_else(_mask(ok & has_whole), whole, "0"), pa.int64()))
    padded = pc.utf8_slice_codeunits(pc.binary_join_element_wise(frac, "000", ""), 0, 3)
    thousandths = _np(pc.cast(pc.if_else(_mask(ok), padded, "0"), pa.int64()))
    beyond = pc.utf8_slice_codeunits(frac, 2)
    rounded = ok & _np(pc.match_substring_regex(beyond, "[1-9]"))
    value = units * 100 + (thousandths + 5) // 10  # half up on the third decimal
    value = np.where(negative, -value, value)
    out.cents[rows[ok]] = value[ok]
    # a well-formed number, but of more than MAX_INT_DIGITS integer digits: « montant trop grand »
    large = ~ok & ~blank & _np(pc.match_substring_regex(sub, r"^\s*[+-]?\d{%d,}(?:[,.]\d*)?[+-]?\s*$" % (MAX_INT_DIGITS + 1)))
    out.too_large = rows[large]
    out.invalid = rows[~ok & ~blank & ~large]
    out.decimal_point = rows[ok & (sep == ".")]
    out.rounded = rows[rounded]


# ---------------------------------------------------------------------------
# dates
# ---------------------------------------------------------------------------


@dataclass
class Dates:
    """Result of ``parse_dates``: datetime64[s] for every row (NaT when empty or invalid)."""

    values: np.ndarray
    empty: np.ndarray
    invalid: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    other_format: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))  # real date, not AAAAMMJJ


def _days_in_month(year: np.ndarray, month: np.ndarray) -> np.ndarray:
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    base = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)
    return base[np.clip(month, 0, 12)] + ((month == 2) & leap)


def _to_datetime(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised calendar check (years 1900-2099) and conversion to datetime64[s]."""
    valid = (year >= 1900) & (year <= 2099) & (month >= 1) & (month <= 12) & (day >= 1)
    valid &= day <= _days_in_month(year, month)
    months = np.where(valid, (year - 1970) * 12 + (month - 1), 0).astype("datetime64[M]")
    days = months.astype("datetime64[D]") + np.where(valid, day - 1, 0).astype("timedelta64[D]")
    out = days.astype("datetime64[s]")
    out[~valid] = np.datetime64("NaT")
    return out, valid


def parse_dates(col: pa.ChunkedArray | pa.Array) -> Dates:
    """``AAAAMMJJ`` dates to datetime64[s]; real dates only (20250231, month 13, 1850 are invalid).

    Dates written ``JJ/MM/AAAA``, ``AAAA-MM-JJ`` (or with ``.``), optionally followed by a
    time, are read and reported in ``other_format``. A ledger has few distinct dates (one
    year), so they are parsed once each and spread to the rows.
    """
    n = len(col)
    uniques = pc.unique(col)
    if len(uniques) * 4 >= n:
        return _parse_dates(col)
    index = pc.index_in(col, value_set=uniques).to_numpy(zero_copy_only=False)
    u = _parse_dates(uniques)
    bad = np.zeros(len(uniques), dtype=bool)
    bad[u.invalid] = True
    other = np.zeros(len(uniques), dtype=bool)
    other[u.other_format] = True
    return Dates(
        values=u.values[index],
        empty=u.empty[index],
        invalid=np.flatnonzero(bad[index]) if bad.any() else np.empty(0, np.int64),
        other_format=np.flatnonzero(other[index]) if other.any() else np.empty(0, np.int64),
    )


def _parse_dates(col: pa.ChunkedArray | pa.Array) -> Dates:
    n = len(col)
    lengths = _np(pc.binary_length(col))
    empty = lengths == 0
    ok8 = (lengths == 8) & _np(pc.ascii_is_decimal(col))
    numbers = col if ok8.all() else pc.if_else(_mask(ok8), col, "0")
    ymd = _np(pc.cast(numbers, pa.int64()))
    values, valid = _to_datetime(ymd // 10000, ymd // 100 % 100, ymd % 100)
    result = Dates(values=values, empty=empty)
    invalid = ok8 & ~valid
    rest = np.flatnonzero(~ok8 & ~empty)
    other = np.empty(0, np.int64)
    if len(rest):
        sub = pc.take(col, pa.array(rest))
        blank = _np(pc.equal(pc.utf8_trim_whitespace(sub), ""))
        empty[rest[blank]] = True
        padded = _np(pc.match_substring_regex(sub, _DIGITS8_TRIM))
        trimmed = pc.utf8_trim_whitespace(sub)
        y, m, d = np.zeros(len(rest), np.int64), np.zeros(len(rest), np.int64), np.zeros(len(rest), np.int64)
        if padded.any():
            v = _np(pc.cast(pc.if_else(_mask(padded), trimmed, "0"), pa.int64()))
            y, m, d = np.where(padded, v // 10000, y), np.where(padded, v // 100 % 100, m), np.where(padded, v % 100, d)
        parts = pc.extract_regex(sub, _DATE_OTHER)
        matched = _np(pc.is_valid(parts)) & ~padded
        if matched.any():
            a, b, c = (_np(pc.cast(pc.fill_null(pc.if_else(_mask(matched), pc.struct_field(parts, k), "0"), "0"), pa.int64())) for k in "abc")
            alen = _np(pc.fill_null(pc.binary_length(pc.struct_field(parts, "a")), 0))
            year_first = alen == 4
            y = np.where(matched, np.where(year_first, a, c), y)
            m = np.where(matched, b, m)
            d = np.where(matched, np.where(year_first, c, a), d)
            # a two-digit year is not a date we can trust
            clen = _np(pc.fill_null(pc.binary_length(pc.struct_field(parts, "c")), 0))
            matched &= np.where(year_first, clen <= 2, clen == 4)
        v2, valid2 = _to_datetime(y, m, d)
        good = (padded | matched) & valid2
        values[rest[good]] = v2[good]
        other = rest[matched & good]
        invalid_rest = rest[~good & ~blank]
        invalid = np.concatenate([np.flatnonzero(invalid), invalid_rest])
        invalid.sort()
        result.invalid = invalid
    else:
        result.invalid = np.flatnonzero(invalid)
    result.other_format = other
    return result
