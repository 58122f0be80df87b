"""Money: every amount is a ``Decimal`` with 2 places (house style §3).

``to_money`` is the single entry point for user input; ``format_amount`` the single
exit for files (XML ``1234.50``); ``format_fr`` for French display / FEC (``1234,50``).

>>> to_money("1 234,5")
Decimal('1234.50')
>>> to_money(12.345)  # Excel float, shown as typed
Decimal('12.35')
>>> format_amount(Decimal("1234.5"))
'1234.50'
>>> format_fr(Decimal("-1234.5"))
'-1234,50'
>>> cents_to_money(123450)
Decimal('1234.50')
"""
from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Annotated

from pydantic import AfterValidator

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


class MoneyError(ValueError):
    """A value that cannot be read as an amount."""


_SPACES = re.compile(r"[\s\u00a0\u202f']")


def _excel_float_to_decimal(value: float) -> Decimal:  # float ok: Excel boundary
    # Excel shows 15 significant digits: read the float the way Excel displays it.
    return Decimal(format(value, ".15g"))  # float ok: the one Excel boundary


def parse_decimal(value: object) -> Decimal:
    """Read a number typed by a user (French or English notation) without rounding.

    Accepts Decimal, int, float (Excel), and strings such as ``"1 234,56"``,
    ``"1.234,56"``, ``"1,234.56"``, ``"-12,5"``, ``"12,5-"``, ``"+3"``, ``"12 €"``.

    Raises:
        MoneyError: when the value is empty or not a number.
    """
    if isinstance(value, bool) or value is None:
        raise MoneyError(repr(value))
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise MoneyError(str(value))
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):  # float ok
            raise MoneyError(repr(value))
        return _excel_float_to_decimal(value)
    text = _SPACES.sub("", str(value)).replace("€", "").replace("EUR", "")
    if not text:
        raise MoneyError("vide")
    sign = ""
    if text[0] in "+-":
        sign, text = ("-" if text[0] == "-" else ""), text[1:]
    elif text[-1] in "+-":
        sign, text = ("-" if text[-1] == "-" else ""), text[:-1]
    if "," in text and "." in text:
        if text.rfind(",") > text.rfind("."):
            text = text.replace(".", "").replace(",", ".")
        else:
            text = text.replace(",", "")
    else:
        text = text.replace(",", ".")
    if not re.fullmatch(r"\d+(\.\d*)?|\.\d+", text):
        raise MoneyError(str(value))
    try:
        return Decimal(sign + text)
    except InvalidOperation as exc:  # pragma: no cover - regex guards it
        raise MoneyError(str(value)) from exc


def to_money(value: object) -> Decimal:
    """Read an amount and quantise it to cents (ROUND_HALF_UP)."""
    return parse_decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def is_rounded(value: object) -> bool:
    """True when ``to_money`` changes the value (the user typed more than 2 decimals)."""
    raw = parse_decimal(value)
    return raw != raw.quantize(CENT, rounding=ROUND_HALF_UP)


def quantize(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def to_cents(value: Decimal) -> int:
    return int(quantize(value) * 100)


def cents_to_money(cents: int) -> Decimal:
    return (Decimal(int(cents)) / 100).quantize(CENT)


def format_amount(value: Decimal) -> str:
    """XML / machine form: ``1234.50`` (dot, 2 decimals)."""
    return f"{quantize(value):.2f}"


def format_fr(value: Decimal) -> str:
    """FEC / French form: ``1234,50`` (comma, no thousands separator)."""
    return format_amount(value).replace(".", ",")


def format_display(value: Decimal) -> str:
    """French display with thousands separator: ``1 234,50 €``."""
    q = quantize(value)
    sign = "-" if q < 0 else ""
    whole, frac = f"{abs(q):.2f}".split(".")
    groups = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    sep = "\u202f"
    return f"{sign}{sep.join(groups)},{frac} €"


def _check_money(value: Decimal) -> Decimal:
    if not value.is_finite():
        raise ValueError("montant non fini")
    return quantize(value)


Money = Annotated[Decimal, AfterValidator(_check_money)]
"""A Decimal amount, quantised to cents."""
