"""TARGET2 (T2) business days, the settlement calendar of SEPA payments (sepa.md S-D2).

Closed: Saturdays, Sundays, 1 January, Good Friday, Easter Monday, 1 May, 25 and 26
December. French public holidays that are not T2 holidays (8 May, Ascension, 14 July,
15 August…) are business days for SEPA. Easter is the Gregorian computus (Meeus/Jones/
Butcher), e.g. Good Friday 2025-04-18, Easter Monday 2026-04-06.

>>> easter_sunday(2027)
datetime.date(2027, 3, 28)
>>> is_business_day(date(2026, 4, 3)), is_business_day(date(2026, 5, 8))
(False, True)
>>> next_business_day(date(2025, 12, 24), 1)
datetime.date(2025, 12, 29)
"""
from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache


def easter_sunday(year: int) -> date:
    """Gregorian Easter Sunday (anonymous Gregorian algorithm)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l) // 451
    month, day = divmod(h + l - 7 * m + 114, 31)
    return date(year, month, day + 1)


@lru_cache(maxsize=256)
def target_holidays(year: int) -> frozenset[date]:
    """The T2 closing days of ``year`` that are not weekends."""
    easter = easter_sunday(year)
    return frozenset(
        {
            date(year, 1, 1),
            easter - timedelta(days=2),  # Good Friday
            easter + timedelta(days=1),  # Easter Monday
            date(year, 5, 1),
            date(year, 12, 25),
            date(year, 12, 26),
        }
    )


def is_business_day(day: date) -> bool:
    """True when T2 settles on ``day``."""
    return day.weekday() < 5 and day not in target_holidays(day.year)


def next_business_day(day: date, offset: int = 0) -> date:
    """The first business day on or after ``day`` (``offset=0``), or the ``offset``-th after it."""
    current = day
    while not is_business_day(current):
        current += timedelta(days=1)
    for _ in range(offset):
        current += timedelta(days=1)
        while not is_business_day(current):
            current += timedelta(days=1)
    return current
