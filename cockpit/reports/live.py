"""直播追踪 Live tracking: which of the group's accounts are live right now, and how it goes.

The board lists, within the viewer's data scope and the sidebar's entity filters:

* every session live now: ``ended_at`` is empty, it started at or before ``now`` and not
  more than :data:`STALE_AFTER_HOURS` ago (a session whose end never arrived is a feed
  problem, not a 30-hour live);
* every session that ended today.

Scheduled sessions: the data contract has no schedule table, so there is nothing to show
for them; a session row whose ``started_at`` lies after ``now`` is skipped.

The sidebar's period does not apply: this page is always about now and today.  Session
figures come from the metric registry (``dims=["live"]``, filtered to the listed
sessions, no period: a session's orders count wherever midnight falls); the minute
series come from ``live_minutes``.

Staleness: each session carries the moment of its latest data (its latest minute row or
live order) and its age; a live session without new data for :data:`STALE_MINUTES`
minutes is *stale*: a stalled feed must not look like a quiet room.

Drop alert (掉量预警) for a session live now, evaluated at the session's latest minute
row (the feed's "now" for that session, so a late feed does not look like a collapse):

* online drop: online at the latest minute < :data:`ONLINE_DROP_RATIO` x the highest
  online of the last :data:`ONLINE_WINDOW_MINUTES` minutes, and that highest online is at
  least :data:`MIN_PEAK_FOR_ALERT` (a room of five people is noise);
* GMV pace drop: live GMV of the last :data:`GMV_WINDOW_MINUTES` minutes <
  :data:`GMV_DROP_RATIO` x the GMV of the :data:`GMV_WINDOW_MINUTES` minutes before,
  and that earlier window had at least :data:`MIN_ORDERS_FOR_ALERT` live orders.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import polars as pl

from cockpit import i18n, query
from cockpit import metrics as reg
from cockpit.periods import Period
from cockpit.tables import DisplayTable, id_label, metric_columns
from cockpit.view import View

# --- the drop rule ---------------------------------------------------------------------
ONLINE_WINDOW_MINUTES = 30
ONLINE_DROP_RATIO = 0.5
MIN_PEAK_FOR_ALERT = 20
GMV_WINDOW_MINUTES = 10
GMV_DROP_RATIO = 0.3
MIN_ORDERS_FOR_ALERT = 3
# a session without an end that started longer ago than this is not "live now"
STALE_AFTER_HOURS = 24
# a live session whose latest data is this old is marked stale (the feed has stopped)
STALE_MINUTES = 5

SESSION_SRC = reg.SOURCES["live_sessions"]
ORDER_SRC = reg.SOURCES["orders"]
# registry metrics shown per session on the board
BOARD_METRICS = ["live_gmv", "orders", "new_followers", "gpm", "peak_online", "views"]


def online_drop(minutes: list[dt.datetime], online: list[int]) -> bool:
    """Online at the latest minute below half the peak of the last 30 minutes."""
    if not online:
        return False
    last = minutes[-1]
    since = last - dt.timedelta(minutes=ONLINE_WINDOW_MINUTES)
    window = [o for t, o in zip(minutes, online) if t > since and o is not None]
    if not window or online[-1] is None:
        return False
    peak = max(window)
    return peak >= MIN_PEAK_FOR_ALERT and online[-1] < ONLINE_DROP_RATIO * peak


def gmv_windows(per_minute: list[tuple[dt.datetime, float, int]], ref: dt.datetime):
    """(GMV, orders) of the last window before ``ref`` and of the window before that.

    ``per_minute`` holds (minute, gmv, orders) buckets; minute m covers [m, m + 1 min).
    """
    w = dt.timedelta(minutes=GMV_WINDOW_MINUTES)
    last = [(g, n) for t, g, n in per_minute if ref - w <= t < ref]
    prev = [(g, n) for t, g, n in per_minute if ref - 2 * w <= t < ref - w]
    return (sum(g for g, _ in last), sum(n for _, n in last)), (sum(g for g, _ in prev), sum(n for _, n in prev))


def gmv_pace_drop(last_gmv: float, prev_gmv: float, prev_orders: int) -> bool:
    return prev_orders >= MIN_ORDERS_FOR_ALERT and prev_gmv > 0 and last_gmv < GMV_DROP_RATIO * prev_gmv


# --- queries ---------------------------------------------------------------------------


def today_sessions(view: View) -> pl.DataFrame:
    """Sessions live now and sessions that ended today, visible to this view."""
    params: dict = {}
    where = view.where(SESSION_SRC.dims, params, period=None)
    day_start = dt.datetime.combine(view.today, dt.time())
    params.update(now=view.now, day_start=day_start,
                  stale=view.now - dt.timedelta(hours=STALE_AFTER_HOURS))
    sql = (
        "SELECT ls.live_id, ls.account_id, a.account_name, a.account_type, ls.title, "
        "ls.started_at, ls.ended_at, CAST(ls.ended_at IS NULL AS BOOLEAN) AS is_live "
        f"FROM {SESSION_SRC.from_sql} "
        "WHERE date_trunc('minute', ls.started_at) <= $now AND ("
        "(ls.ended_at IS NULL AND ls.started_at >= $stale) OR ls.ended_at >= $day_start) "
        f"AND {where} ORDER BY ls.started_at, ls.live_id"
    )
    return view.sql(sql, params)


def minute_series(view: View, ids: list[str]) -> pl.DataFrame:
    """live_minutes rows of the given (already visible) sessions."""
    params: dict = {}
    sql = (
        "SELECT live_id, minute, online, entries, new_followers FROM live_minutes "
        f"WHERE live_id IN ({view.in_list(params, 'lid', ids)}) ORDER BY live_id, minute"
    )
    return view.sql(sql, params)


def gmv_by_minute(view: View, ids: list[str]) -> pl.DataFrame:
    """Live GMV and live orders per session and minute of payment.

    The same definition as the registry's ``live_gmv`` measure, over the orders source
    with the sidebar filters and the data scope applied.
    """
    params: dict = {}
    filters = view.where(ORDER_SRC.dims, params, period=None)
    gmv_sql = reg.MEASURES["live_gmv"].sql
    select = ("SELECT o.live_id, date_trunc('minute', o.paid_at) AS minute, "
              f"CAST({gmv_sql} AS DOUBLE) AS gmv, "
              "CAST(COALESCE(SUM(CASE WHEN o.channel = 'live' THEN 1 ELSE 0 END), 0) AS BIGINT) AS orders ")
    where_sql = f"WHERE o.live_id IN ({view.in_list(params, 'lid', ids)}) AND {filters}"
    from_sql = query.joins_needed(ORDER_SRC.from_sql, select + where_sql)
    sql = f"{select}FROM {from_sql} {where_sql} GROUP BY 1, 2 ORDER BY 1, 2"
    return view.sql(sql, params)


def session_metrics(view: View, ids: list[str], metric_ids: list[str]) -> pl.DataFrame:
    """Registry metrics per session for the given sessions, whatever the period."""
    if not ids:  # an empty live filter would mean "no restriction"
        return pl.DataFrame(schema={"live": pl.Utf8, **{m: pl.Float64 for m in metric_ids}})
    return view.run(metric_ids, dims=["live"], filters={"live": ids}, period=None, labels=False)


@dataclass
class Board:
    sessions: pl.DataFrame  # one row per session (see board())
    cards: dict = field(default_factory=dict)

    @property
    def live(self) -> pl.DataFrame:
        return self.sessions.filter(pl.col("is_live"))

    @property
    def ended(self) -> pl.DataFrame:
        return self.sessions.filter(~pl.col("is_live"))


def board(view: View) -> Board:
    """Everything the live-tracking page shows, for ``view.now``."""
    base = today_sessions(view)
    ids = base["live_id"].to_list()
    met = session_metrics(view, ids, BOARD_METRICS).rename({"live": "live_id"})
    mins = minute_series(view, ids)
    gmv = gmv_by_minute(view, ids)

    series: dict[str, tuple[list, list]] = {}
    for (lid,), g in mins.group_by(["live_id"], maintain_order=True):
        series[lid] = (g["minute"].to_list(), g["online"].to_list())
    gmv_pm: dict[str, list] = {}
    for (lid,), g in gmv.group_by(["live_id"], maintain_order=True):
        gmv_pm[lid] = list(zip(g["minute"].to_list(), g["gmv"].to_list(), g["orders"].to_list()))

    rows = []
    for r in base.iter_rows(named=True):
        lid = r["live_id"]
        minutes, online = series.get(lid, ([], []))
        # the latest data of the session: the minute of its last minute row or live order,
        # whichever is later; its start when there is neither
        stamps = minutes[-1:] + [t for t, _, _ in gmv_pm.get(lid, [])[-1:]]
        last_data = min(max(stamps), view.now) if stamps else r["started_at"]
        age = max(0, int((view.now - last_data).total_seconds() // 60))
        end = view.now if r["is_live"] else r["ended_at"]
        ref = minutes[-1] + dt.timedelta(minutes=1) if minutes else view.now
        (last_gmv, _), (prev_gmv, prev_orders) = gmv_windows(gmv_pm.get(lid, []), ref)
        o_drop = bool(r["is_live"]) and online_drop(minutes, online)
        g_drop = bool(r["is_live"]) and gmv_pace_drop(last_gmv, prev_gmv, prev_orders)
        rows.append(dict(
            live_id=lid,
            minutes_live=max(0, int((end - r["started_at"]).total_seconds() // 60)),
            online_now=(online[-1] if online else None) if r["is_live"] else None,
            series_peak=max((o for o in online if o is not None), default=None),
            online_series=[int(o or 0) for o in online],
            gmv_last_window=float(last_gmv), gmv_prev_window=float(prev_gmv),
            online_drop=o_drop, gmv_drop=g_drop, dropping=o_drop or g_drop,
            last_data_at=last_data, data_age_minutes=age, stale=bool(r["is_live"]) and age >= STALE_MINUTES,
        ))
    extra = pl.DataFrame(rows, schema={
        "live_id": pl.Utf8, "minutes_live": pl.Int64, "online_now": pl.Int64, "series_peak": pl.Int64,
        "online_series": pl.List(pl.Int64), "gmv_last_window": pl.Float64, "gmv_prev_window": pl.Float64,
        "online_drop": pl.Boolean, "gmv_drop": pl.Boolean, "dropping": pl.Boolean,
        "last_data_at": pl.Datetime("us"), "data_age_minutes": pl.Int64, "stale": pl.Boolean,
    })
    df = base.join(extra, on="live_id", how="left").join(met, on="live_id", how="left")
    # peak: the session row's figure, or the minute feed's when that is higher (a live
    # session's row may lag behind its minutes)
    df = df.with_columns(
        pl.max_horizontal("peak_online", "series_peak").alias("peak_online"),
        *[pl.col(m).fill_null(0) for m in ("live_gmv", "orders", "new_followers", "views") if m in df.columns],
    ).sort(["is_live", "dropping", "stale", "live_gmv", "live_id"],
           descending=[True, True, False, True, False])  # alerts first, stalled feeds last
    return Board(df, group_cards(view, df))


def group_cards(view: View, df: pl.DataFrame) -> dict:
    """Group-level figures: live now, online now, today's live GMV (registry)."""
    live = df.filter(pl.col("is_live"))
    today = Period(view.today, view.today)
    t = view.run(["live_gmv", "live_buyers"], period=today).row(0, named=True)
    return {
        "accounts_live": live["account_id"].n_unique() if live.height else 0,
        "sessions_live": live.height,
        "online_now": int(live["online_now"].fill_null(0).sum()) if live.height else 0,
        "live_gmv_today": t["live_gmv"],
        "live_buyers_today": t["live_buyers"],
        "ended_today": df.height - live.height,
        "dropping": int(live["dropping"].sum()) if live.height else 0,
        "stale": int(live["stale"].sum()) if live.height else 0,
    }


# --- display tables --------------------------------------------------------------------


def alert_text(row: dict, lang: str) -> str:
    parts = []
    if row.get("online_drop"):
        parts.append(i18n.t("live.alert_online", lang))
    if row.get("gmv_drop"):
        parts.append(i18n.t("live.alert_gmv", lang))
    return ("、" if lang == "zh" else ", ").join(parts)


def _table(df: pl.DataFrame, name: str, title: str, lang: str, live: bool) -> DisplayTable:
    from cockpit.tables import translate_enum

    L = lambda k: i18n.t(k, lang)  # noqa: E731
    id_lab = id_label(i18n.label('live', lang), lang)
    exprs = [
        pl.col("account_name").alias(i18n.label("account", lang)),
        translate_enum("account_type", lang).alias(i18n.label("account_type", lang)),
        pl.col("title").alias(L("live.col_title")),
        pl.col("started_at").alias(L("live.col_started")),
    ]
    units: dict[str, str] = {}
    if not live:
        exprs.append(pl.col("ended_at").alias(L("live.col_ended")))
    mins = L("live.col_minutes")
    exprs.append(pl.col("minutes_live").alias(mins))
    units[mins] = "count"
    if live:
        lab = L("live.col_online_now")
        exprs.append(pl.col("online_now").alias(lab))
        units[lab] = "count"
    ms, mu = metric_columns(df, ("peak_online", "live_gmv", "orders", "new_followers", "gpm"), lang)
    exprs += ms
    units.update(mu)
    if live:
        alerts = [alert_text(r, lang) for r in df.select("online_drop", "gmv_drop").iter_rows(named=True)]
        exprs.append(pl.Series(L("live.col_alert"), alerts, dtype=pl.Utf8))
    exprs.append(pl.col("live_id").alias(id_lab))
    return DisplayTable(name, title, df.select(exprs), units, id_lab)


def live_table(b: Board, lang: str) -> DisplayTable:
    return _table(b.live, "live_now", i18n.t("live.table_now", lang), lang, live=True)


def ended_table(b: Board, lang: str) -> DisplayTable:
    return _table(b.ended, "live_ended_today", i18n.t("live.table_ended", lang), lang, live=False)


def tables(view: View) -> list[DisplayTable]:
    b = board(view)
    return [live_table(b, view.lang), ended_table(b, view.lang)]
