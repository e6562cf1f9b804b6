"""Plain parameters (CLI flags, API query strings) into periods: dates no data can lie on
are clamped like a link's custom range, never a traceback (issue 12's last edge)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from cockpit import ask

TODAY = dt.date(2026, 11, 29)


def test_an_end_far_ahead_stops_today_and_an_early_start_at_2000():
    p = ask.period_of(None, "2026-01-01", "9999-12-31", TODAY)
    assert (p.start, p.end) == (dt.date(2026, 1, 1), TODAY)
    p = ask.period_of("custom", "0001-01-01", "2000-03-31", TODAY)
    assert (p.start, p.end) == (dt.date(2000, 1, 1), dt.date(2000, 3, 31))
    p = ask.period_of(None, None, "2001-12-31", TODAY)
    assert p.start == dt.date(2000, 1, 1)


def test_a_period_with_no_day_in_the_window_is_a_usage_error():
    with pytest.raises(ask.UsageError, match="holds no day between 2000-01-01 and today"):
        ask.period_of(None, "0001-01-01", "0001-01-31", TODAY)
    with pytest.raises(ask.UsageError, match="holds no day"):
        ask.period_of(None, "2030-01-01", "9999-12-31", TODAY)


def test_the_cli_answers_a_9999_query_with_figures(tiny_db, capsys):
    """From June 2025 to the far future: the tiny group's June orders O1-O8 (100 + 200 + 50 +
    300 + 80 + 120 + 150 + 250 = 1,250.00; none later); a year earlier, the same span
    shifted, also holds O11 625, O9 400 and O10 100: 2,375.00."""
    from cockpit import cli

    rc = cli.main(["query", "--db", str(tiny_db), "--metrics", "gmv", "--from", "2025-06-01",
                   "--to", "9999-12-31", "--compare", "yoy", "--format", "json"])
    out = capsys.readouterr()
    assert rc == 0, out.err
    assert "Traceback" not in out.err
    row = json.loads(out.out)[0]
    assert row["gmv"] == 1250.0 and row["gmv__cmp"] == 2375.0
