import datetime as dt

import pytest

from cockpit import periods
from cockpit.periods import Period

TODAY = dt.date(2025, 3, 31)


@pytest.mark.parametrize("preset,start,end", [
    ("today", "2025-03-31", "2025-03-31"),
    ("yesterday", "2025-03-30", "2025-03-30"),
    ("last_7", "2025-03-25", "2025-03-31"),
    ("last_30", "2025-03-02", "2025-03-31"),
    ("this_month", "2025-03-01", "2025-03-31"),
    ("last_month", "2025-02-01", "2025-02-28"),
    ("this_year", "2025-01-01", "2025-03-31"),
])
def test_presets(preset, start, end):
    p = periods.resolve(preset, TODAY)
    assert (p.start.isoformat(), p.end.isoformat()) == (start, end)


def test_last_month_in_january_is_last_december():
    p = periods.resolve("last_month", dt.date(2026, 1, 15))
    assert (p.start, p.end) == (dt.date(2025, 12, 1), dt.date(2025, 12, 31))


def test_previous_of_a_whole_month_is_the_month_before():
    feb = Period(dt.date(2025, 2, 1), dt.date(2025, 2, 28))
    assert periods.comparison(feb, "prev") == Period(dt.date(2025, 1, 1), dt.date(2025, 1, 31))
    q2 = Period(dt.date(2025, 4, 1), dt.date(2025, 6, 30))
    assert periods.comparison(q2, "prev") == Period(dt.date(2025, 1, 1), dt.date(2025, 3, 31))


def test_previous_of_other_periods_is_equal_length_just_before():
    week = Period(dt.date(2025, 3, 25), dt.date(2025, 3, 31))
    assert periods.comparison(week, "prev") == Period(dt.date(2025, 3, 18), dt.date(2025, 3, 24))
    mtd = Period(dt.date(2025, 3, 1), dt.date(2025, 3, 10))
    assert periods.comparison(mtd, "prev") == Period(dt.date(2025, 2, 19), dt.date(2025, 2, 28))


def test_year_on_year_clips_leap_day():
    p = Period(dt.date(2024, 2, 29), dt.date(2024, 3, 1))
    assert periods.comparison(p, "yoy") == Period(dt.date(2023, 2, 28), dt.date(2023, 3, 1))
    assert periods.comparison(p, "none") is None


def test_bad_input_explains():
    with pytest.raises(ValueError, match="ends .* before it starts"):
        Period(dt.date(2025, 2, 1), dt.date(2025, 1, 1))
    with pytest.raises(ValueError, match="unknown period"):
        periods.resolve("fortnight", TODAY)
    with pytest.raises(ValueError, match="not a date"):
        periods.parse_date("2025-13-01")
