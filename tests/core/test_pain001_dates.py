"""TARGET2 calendar (sepa.md S-D2) used for the requested execution date (S-D3)."""
from datetime import date, timedelta

import pytest

from reglo.core.writers.calendar import easter_sunday, is_business_day, next_business_day


@pytest.mark.parametrize("year, good_friday, easter_monday", [(2023, "2023-04-07", "2023-04-10"), (2025, "2025-04-18", "2025-04-21"), (2026, "2026-04-03", "2026-04-06"), (2027, "2027-03-26", "2027-03-29")])
def test_S_D2_easter_days_closed(year, good_friday, easter_monday):
    assert easter_sunday(year) + timedelta(days=-2) == date.fromisoformat(good_friday)
    assert not is_business_day(date.fromisoformat(good_friday)) and not is_business_day(date.fromisoformat(easter_monday))


@pytest.mark.parametrize("day", ["2025-01-01", "2025-05-01", "2025-12-25", "2025-12-26", "2025-03-29", "2025-03-30"])
def test_S_D2_closed_days(day):
    assert not is_business_day(date.fromisoformat(day))


@pytest.mark.parametrize("day", ["2025-05-08", "2025-05-29", "2025-07-14", "2025-08-15", "2025-11-11", "2025-03-31"])
def test_S_D2_french_holidays_are_t2_business_days(day):
    assert is_business_day(date.fromisoformat(day))


def test_S_D3_roll_forward():
    assert next_business_day(date(2025, 12, 25)) == date(2025, 12, 29)
    assert next_business_day(date(2023, 4, 7)) == date(2023, 4, 11)
    assert next_business_day(date(2023, 3, 31)) == date(2023, 3, 31)
    assert next_business_day(date(2023, 3, 31), 1) == date(2023, 4, 3)
