"""Periods and their comparisons (环比 / 同比).

A period is a pair of inclusive local dates.  The presets that end "now" (last 7 / 30
days, this month, this year) end **yesterday** (T-1, complete days), as the platform's
compass does: a trend that ends in today's half-day drops off a cliff, and a 环比 of
29⅕ days against 30 reads as a fall.  "Today" is a period of its own.

A period that still contains today carries ``until``, the moment its data stops (now):
it is *partial*.  Its comparison period gets the same elapsed time (today until 14:30
against yesterday until 14:30), so a comparison never sets part of a day against a
whole one.

本月 / 今年 on the first day of the month / year: no complete day of it exists yet
(yesterday belongs to last month), so the preset is today so far (partial), still this
calendar month; last month is one click away as 上月.

The previous period of a whole calendar month (or run of months) is the preceding
months, because that is what "last month against the month before" means to a brand
manager; any other period is compared with the equal number of days just before it.
Year-on-year is the same dates a year earlier.

Dates people may ask about lie in a plausible window, :data:`EARLIEST` to one year
after today (:func:`latest`); every function here is safe at both edges.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

PRESETS = ("today", "yesterday", "last_7", "last_30", "this_month", "last_month", "this_year", "custom")
COMPARISONS = ("prev", "yoy", "none")
# presets that end yesterday (T-1); "today" and a custom range up to today are partial
T_MINUS_1 = ("last_7", "last_30", "this_month", "this_year")

EARLIEST = dt.date(2000, 1, 1)


def latest(today: dt.date) -> dt.date:
    """The last plausible date: one year after today."""
    return add_months(today, 12)


def in_window(d: dt.date, today: dt.date) -> bool:
    return EARLIEST <= d <= latest(today)


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date  # inclusive
    # data counted before this moment only: the period contains now (see module doc)
    until: dt.datetime | None = None

    def __post_init__(self):
        if self.end < self.start:
            raise ValueError(f"period ends ({self.end}) before it starts ({self.start})")
        if self.until is not None and not (self.start_ts <= self.until <= self._end_midnight):
            raise ValueError(f"period {self} cannot stop at {self.until}")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def start_ts(self) -> dt.datetime:
        return dt.datetime.combine(self.start, dt.time())

    @property
    def _end_midnight(self) -> dt.datetime:
        return dt.datetime.combine(self.end, dt.time()) + dt.timedelta(days=1)

    @property
    def end_ts_exclusive(self) -> dt.datetime:
        return self.until if self.until is not None else self._end_midnight

    @property
    def partial(self) -> bool:
        """True when the period's last day is counted only up to ``until``."""
        return self.until is not None and self.until < self._end_midnight

    def whole_months(self) -> int:
        """Number of calendar months the period spans exactly, or 0."""
        if self.start.day != 1 or self.end != _month_end(self.end):
            return 0
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1

    def __str__(self) -> str:
        return f"{self.start.isoformat()} ~ {self.end.isoformat()}"


def _month_end(d: dt.date) -> dt.date:
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])


def add_months(d: dt.date, months: int) -> dt.date:
    """Same day ``months`` later, clipped to the month's end (Mar 31 - 1 month = Feb 28)."""
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    return dt.date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def _so_far(start: dt.date, end: dt.date, now: dt.datetime | None) -> Period:
    """A period whose last day may be today: it stops at ``now`` when it contains it."""
    if now is not None and start <= now.date() <= end:
        return Period(start, end, until=now)
    return Period(start, end)


def resolve(preset: str, today: dt.date, start: dt.date | None = None, end: dt.date | None = None,
            now: dt.datetime | None = None) -> Period:
    """The dates of a preset on ``today``.  With ``now`` (a moment of ``today``), a
    period containing today is partial (stops at ``now``)."""
    if now is not None and now.date() != today:
        raise ValueError(f"now ({now}) is not on today ({today})")
    y = today - dt.timedelta(days=1)
    if preset == "today":
        return _so_far(today, today, now)
    if preset == "yesterday":
        return Period(y, y)
    if preset == "last_7":
        return Period(today - dt.timedelta(days=7), y)
    if preset == "last_30":
        return Period(today - dt.timedelta(days=30), y)
    if preset == "this_month":
        first = today.replace(day=1)
        return _so_far(today, today, now) if first == today else Period(first, y)
    if preset == "last_month":
        first = add_months(today.replace(day=1), -1)
        return Period(first, _month_end(first))
    if preset == "this_year":
        first = dt.date(today.year, 1, 1)
        return _so_far(today, today, now) if first == today else Period(first, y)
    if preset == "custom":
        if start is None or end is None:
            raise ValueError("a custom period needs a start and an end date")
        return _so_far(start, end, now)
    raise ValueError(f"unknown period {preset!r}; choose one of {', '.join(PRESETS)}")


def comparison(period: Period, mode: str | None) -> Period | None:
    """The 环比 / 同比 period; a partial period's comparison stops after the same
    elapsed time from its start."""
    if mode in (None, "", "none"):
        return None
    if mode == "prev":
        months = period.whole_months()
        if months:
            start = add_months(period.start, -months)
            out = Period(start, _month_end(add_months(start, months - 1)))
        else:
            shift = dt.timedelta(days=period.days)
            out = Period(period.start - shift, period.end - shift)
    elif mode == "yoy":
        out = Period(add_months(period.start, -12), add_months(period.end, -12))
    else:
        raise ValueError(f"unknown comparison {mode!r}; choose prev, yoy or none")
    if period.until is None:
        return out
    until = min(out.start_ts + (period.until - period.start_ts), out._end_midnight)
    return Period(out.start, out.end, until=until)


def parse_date(text: str, what: str = "date") -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except (ValueError, AttributeError, TypeError):
        raise ValueError(f"{what} {text!r} is not a date like 2025-06-01") from None
