import datetime as dt

import pytest

from cockpit import periods
from cockpit.periods import Period

TODAY = dt.date(2025, 3, 31)


@pytest.mark.parametrize("preset,start,end", [
    ("today", "2025-03-31", "2025-03-31"),
    ("yesterday", "2025-03-30", "2025-03-30"),
    # T-1: the presets that end "now" end yesterday, with complete days only
    ("last_7", "2025-03-24", "2025-03-30"),
    ("last_30", "2025-03-01", "2025-03-30"),
    ("this_month", "2025-03-01", "2025-03-30"),
    ("last_month", "2025-02-01", "2025-02-28"),
    ("this_year", "2025-01-01", "2025-03-30"),
])
def test_presets(preset, start, end):
    p = periods.resolve(preset, TODAY)
    assert (p.start.isoformat(), p.end.isoformat()) == (start, end)
    assert not p.partial


def test_complete_day_presets_never_contain_today():
    now = dt.datetime(2025, 3, 31, 14, 30)
    for preset in periods.T_MINUS_1 + ("yesterday",):
        p = periods.resolve(preset, TODAY, now=now)
        assert p.end < TODAY and p.until is None, preset
        assert p.end_ts_exclusive == dt.datetime(2025, 3, 31), preset


def test_today_stops_now_and_compares_with_yesterday_until_the_same_time():
    now = dt.datetime(2025, 3, 31, 14, 30)
    p = periods.resolve("today", TODAY, now=now)
    assert p.partial and p.end_ts_exclusive == now
    prev = periods.comparison(p, "prev")
    assert (prev.start, prev.end, prev.until) == (dt.date(2025, 3, 30), dt.date(2025, 3, 30),
                                                  dt.datetime(2025, 3, 30, 14, 30))
    yoy = periods.comparison(p, "yoy")
    assert yoy.end_ts_exclusive == dt.datetime(2024, 3, 31, 14, 30)


def test_this_month_on_the_first_is_today_so_far():
    first = dt.date(2025, 4, 1)
    now = dt.datetime(2025, 4, 1, 9, 5)
    p = periods.resolve("this_month", first, now=now)
    assert (p.start, p.end, p.until) == (first, first, now)
    y = periods.resolve("this_year", dt.date(2026, 1, 1), now=dt.datetime(2026, 1, 1, 0, 0))
    assert (y.start, y.end) == (dt.date(2026, 1, 1), dt.date(2026, 1, 1)) and y.partial


def test_custom_range_up_to_today_compares_the_same_elapsed_time():
    now = dt.datetime(2025, 3, 31, 6, 0)
    p = periods.resolve("custom", TODAY, dt.date(2025, 3, 1), dt.date(2025, 3, 31), now=now)
    assert p.until == now
    # a whole month against the month before, stopped 30 days and 6 hours in (Feb: its end)
    prev = periods.comparison(p, "prev")
    assert (prev.start, prev.end, prev.until) == (dt.date(2025, 2, 1), dt.date(2025, 2, 28), dt.datetime(2025, 3, 1))
    ten = periods.resolve("custom", TODAY, dt.date(2025, 3, 29), dt.date(2025, 3, 31), now=now)
    assert periods.comparison(ten, "prev").until == dt.datetime(2025, 3, 28, 6, 0)
    past = periods.resolve("custom", TODAY, dt.date(2025, 3, 1), dt.date(2025, 3, 10), now=now)
    assert past.until is None


def test_window_edges_are_safe():
    today = dt.date(2026, 11, 29)
    assert periods.latest(today) == dt.date(2027, 11, 29)
    assert periods.latest(dt.date(2024, 2, 29)) == dt.date(2025, 2, 28)
    wide = Period(periods.EARLIEST, periods.latest(today))
    for mode in ("prev", "yoy"):
        c = periods.comparison(wide, mode)
        assert c.days >= 365 and c.start < periods.EARLIEST
    assert periods.in_window(periods.EARLIEST, today) and not periods.in_window(dt.date(1999, 12, 31), today)
    assert not periods.in_window(dt.date(2027, 11, 30), today)


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
    with pytest.raises(ValueError, match="cannot stop"):
        Period(dt.date(2025, 1, 1), dt.date(2025, 1, 1), until=dt.datetime(2025, 1, 3))


def test_today_against_yesterday_until_the_same_minute_on_the_tiny_group(tiny_con):
    """06-02 20:15: today is O3 (50.00, B1); yesterday until 20:15 is O1 (100.00, B1) but
    not O2 (20:30, 200.00, B2), whatever fast path (daily rollup, buyer sets) exists."""
    from cockpit.selection import Selection
    from cockpit.view import View

    view = View(tiny_con, Selection(period="today"), now=dt.datetime(2025, 6, 2, 20, 15))
    assert view.period.partial and view.comparison_period.until == dt.datetime(2025, 6, 1, 20, 15)
    row = view.compared(["gmv", "orders", "buyers"]).row(0, named=True)
    assert (row["gmv"], row["orders"], row["buyers"]) == (50.0, 1, 1)
    assert (row["gmv__cmp"], row["orders__cmp"], row["buyers__cmp"]) == (100.0, 1, 1)
    by_day = view.compared(["gmv"], ["day"]).row(0, named=True)
    assert (by_day["gmv"], by_day["gmv__cmp"]) == (50.0, 100.0)
    # the same day once complete (yesterday seen from 06-03) counts every order
    whole = View(tiny_con, Selection(period="yesterday"), now=dt.datetime(2025, 6, 2, 10, 0))
    assert whole.run(["gmv", "buyers"]).row(0) == (300.0, 2)
