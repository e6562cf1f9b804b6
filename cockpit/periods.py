"""Periods and their comparisons (环比 / 同比).

A period is a pair of inclusive local dates.  The previous period of a whole calendar
month (or run of months) is the preceding months, because that is what "last month
against the month before" means to a brand manager; any other period is compared with
the equal number of days just before it.  Year-on-year is the same dates a year earlier.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

PRESETS = ("today", "yesterday", "last_7", "last_30", "this_month", "last_month", "this_year", "custom")
COMPARISONS = ("prev", "yoy", "none")


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date  # inclusive

    def __post_init__(self):
        if self.end < self.start:
            raise ValueError(f"period ends ({self.end}) before it starts ({self.start})")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def start_ts(self) -> dt.datetime:
        return dt.datetime.combine(self.start, dt.time())

    @property
    def end_ts_exclusive(self) -> dt.datetime:
        return dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time())

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


def resolve(preset: str, today: dt.date, start: dt.date | None = None, end: dt.date | None = None) -> Period:
    if preset == "today":
        return Period(today, today)
    if preset == "yesterday":
        y = today - dt.timedelta(days=1)
        return Period(y, y)
    if preset == "last_7":
        return Period(today - dt.timedelta(days=6), today)
    if preset == "last_30":
        return Period(today - dt.timedelta(days=29), today)
    if preset == "this_month":
        return Period(today.replace(day=1), today)
    if preset == "last_month":
        first = add_months(today.replace(day=1), -1)
        return Period(first, _month_end(first))
    if preset == "this_year":
        return Period(dt.date(today.year, 1, 1), today)
    if preset == "custom":
        if start is None or end is None:
            raise ValueError("a custom period needs a start and an end date")
        return Period(start, end)
    raise ValueError(f"unknown period {preset!r}; choose one of {', '.join(PRESETS)}")


def comparison(period: Period, mode: str | None) -> Period | None:
    if mode in (None, "", "none"):
        return None
    if mode == "prev":
        months = period.whole_months()
        if months:
            start = add_months(period.start, -months)
            return Period(start, _month_end(add_months(start, months - 1)))
        shift = dt.timedelta(days=period.days)
        return Period(period.start - shift, period.end - shift)
    if mode == "yoy":
        return Period(add_months(period.start, -12), add_months(period.end, -12))
    raise ValueError(f"unknown comparison {mode!r}; choose prev, yoy or none")


def parse_date(text: str, what: str = "date") -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except (ValueError, AttributeError):
        raise ValueError(f"{what} {text!r} is not a date like 2025-06-01") from None
