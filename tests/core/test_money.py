from decimal import Decimal

import pytest

from reglo.core.money import MoneyError, format_amount, format_fr, is_rounded, parse_decimal, to_money


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("1 234,56", "1234.56"),
        ("1.234,56", "1234.56"),
        ("1,234.56", "1234.56"),
        ("-12,5", "-12.50"),
        ("12,5-", "-12.50"),
        ("+3", "3.00"),
        ("12 €", "12.00"),
        ("\u00a01\u202f000,10", "1000.10"),
        (0.1 + 0.2, "0.30"),  # Excel float shown as 0.3
        (1234.565, "1234.57"),
        (7, "7.00"),
        (Decimal("2.005"), "2.01"),
    ],
)
def test_to_money(raw, expected):
    assert to_money(raw) == Decimal(expected)


@pytest.mark.parametrize("raw", ["", "abc", "1,2,3x", None, True, float("nan"), "--1"])
def test_to_money_rejects(raw):
    with pytest.raises(MoneyError):
        to_money(raw)


def test_rounding_is_reported():
    assert is_rounded("12,345") and not is_rounded("12,34") and not is_rounded(12.34)


def test_formats():
    assert format_amount(Decimal("1234.5")) == "1234.50"
    assert format_fr(Decimal("-0.5")) == "-0,50"
    assert parse_decimal("1,5") == Decimal("1.5")
