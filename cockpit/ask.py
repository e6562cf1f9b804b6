"""Questions from plain parameters, the same for every face (CLI, HTTP API, push).

`cockpit query` and `GET /api/v1/query` take the same parameters and must give the same
rows, `cockpit export` and `GET /api/v1/export/{page}` the same tables, so both parse
and answer through here.  Parameter mistakes raise UsageError with a sentence that
names the parameter.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json

import polars as pl

from cockpit import clock, periods, query, reports
from cockpit.errors import UsageError


def split_list(values) -> list[str]:
    """Repeatable, comma-separated values as one list (`by=a,b&by=c`)."""
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    out: list[str] = []
    for v in values:
        out += [x.strip() for x in str(v).split(",") if x.strip()]
    return out


def where_pairs(pairs) -> dict[str, list[str]]:
    """["store=S1", "brand=山野茶"] -> {"store": ["S1"], "brand": ["山野茶"]}."""
    from cockpit import metrics

    out: dict[str, list[str]] = {}
    for pair in ([pairs] if isinstance(pairs, str) else pairs or []):
        dim, sep, value = pair.partition("=")
        if not sep or not dim.strip() or not value:
            raise UsageError(f"where {pair!r}: write it as DIM=VALUE, e.g. store=S001")
        metrics.dimension(dim.strip())
        out.setdefault(dim.strip(), []).append(value)
    return out


def _date(text: str | None, what: str) -> dt.date | None:
    if not text:
        return None
    try:
        return periods.parse_date(text, what)
    except ValueError as e:
        raise UsageError(str(e)) from None


def period_of(period: str | None, start: str | None, end: str | None, today: dt.date) -> periods.Period | None:
    """A named period (last_30, this_month, …) or from/to dates (to inclusive); None = all time."""
    first, last = _date(start, "from"), _date(end, "to")
    try:
        if period and period != "custom":
            if first or last:
                raise UsageError("give either a period name or from/to dates, not both")
            return periods.resolve(period, today)
        if first or last:
            # as a link's custom range: inside [EARLIEST, today] (no data lies outside, and
            # 9999-12-31 or 0001-01-01 would overflow a comparison period)
            first, last = max(first or periods.EARLIEST, periods.EARLIEST), min(last or today, today)
            if first > last:
                raise UsageError(f"the period {start or '…'} – {end or '…'} holds no day between "
                                 f"{periods.EARLIEST} and today ({today})")
            return periods.Period(first, last)
    except ValueError as e:
        raise UsageError(str(e)) from None
    if period == "custom":
        raise UsageError("a custom period needs from and to dates, e.g. from=2025-06-01&to=2025-06-30")
    return None


def metrics_frame(con, metrics, by=(), *, period: str | None = None, start: str | None = None,
                  end: str | None = None, compare: str | None = None, where=None, labels: bool = False,
                  scope=None, cache=None) -> pl.DataFrame:
    """The metric layer's answer: one row per group, comparison columns when asked."""
    metric_ids, dims = split_list(metrics), split_list(by)
    if not metric_ids:
        raise UsageError("metrics needs at least one metric id, e.g. metrics=gmv,orders")
    if compare in ("", "none"):
        compare = None
    if compare not in (None, "prev", "yoy"):
        raise UsageError(f"compare {compare!r}: choose prev, yoy or none")
    span = period_of(period, start, end, clock.today())
    if compare and span is None:
        raise UsageError("compare needs a period: give a period name or from/to dates")
    q = query.Query.make(metric_ids, dims, span, where_pairs(where), labels=labels, scope=scope)
    return query.run_compared(con, q, compare, cache=cache) if compare else query.run(con, q, cache=cache)


def page_tables(con, page: str, params: dict, *, scope=None, lang: str = "zh", cache=None):
    """The tables of a page for URL-style parameters (period, start/end, compare, filters)."""
    from cockpit.selection import Selection
    from cockpit.view import View

    params = dict(params)
    if (params.get("start") or params.get("end")) and not params.get("period"):
        params["period"] = "custom"
    sel = Selection.from_params(params)
    if sel.period == "custom" and not (sel.start and sel.end):
        raise UsageError("a custom period needs both from and to (dates like 2025-06-01)")
    if page not in reports.PAGES:
        raise UsageError(f"unknown page {page!r}; pages: {', '.join(reports.PAGES)}")
    return reports.page_tables(page, View(con, sel, lang=lang, scope=scope, cache=cache))


def json_default(v):
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()
    if isinstance(v, decimal.Decimal):
        return float(v)
    raise TypeError(type(v).__name__)


def to_json(df: pl.DataFrame) -> str:
    return json.dumps(df.to_dicts(), ensure_ascii=False, default=json_default, indent=1)
