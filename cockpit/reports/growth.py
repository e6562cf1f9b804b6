"""增长抓手 Growth levers: the figures the platform publishes about its levers, for the
group's own data (issue 6; SPEC section 1).

Every number comes from the metric registry through the View (period, sidebar filters,
data scope), or from a list query built with ``view.where`` so the same filters and
scope apply.  The rules that need dates of their own are stated here once and shown on
the page:

* **川流 before / after** (:func:`chuanliu_before_after`): a store's 川流 start is the
  day of the first session of one of its own accounts with traffic source
  ``distribution`` (any date, not only the selected period).  The *after* window is the
  :data:`WINDOW_DAYS` days from that day, cut at yesterday (the last complete day); the
  *before* window is the same number of days just before it.  Increment % = after /
  before - 1 on own-live GMV (live orders of own accounts); no before-GMV: no %.
* **Cold start** (:func:`cold_start`): new stores opened in the :data:`NEW_STORE_DAYS`
  days up to today; peers are the stores opened in the :data:`PEER_DAYS` days before
  that.  Days to first order / to ¥100k count from ``opened_on`` (day 0 = opening day)
  over all dates; first-30-day GMV and followers gained cover ``opened_on`` .. +29 days,
  cut at today for a store younger than that (the days counted are shown).
* **Campaigns** (:func:`campaign_compare`): last year's edition is the one the overview
  finds (same name once years are removed, else a start one year earlier ±7 days, else
  the same dates a year earlier); the *before* baseline of each phase is the same number
  of days immediately before the campaign's first day (presale start), so the main
  period is not compared against its own presale.
* **Scores** (:func:`score_entities`): an entity is flagged when its latest score in the
  period is below the threshold (default :data:`SCORE_THRESHOLD` on the 0-5 scale).
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from cockpit import i18n, options, query, schema
from cockpit import metrics as reg
from cockpit.periods import Period, add_months
from cockpit.tables import DisplayTable, id_label, metric_table, translate_enum, unit_label
from cockpit.view import View

WINDOW_DAYS = 30
NEW_STORE_DAYS = 90
PEER_DAYS = 365
FIRST_DAYS = 30
MILESTONE_GMV = 100_000
SCORE_THRESHOLD = 4.0
TOP_VIDEOS = 10
TOP_ACCOUNT_LINES = 8

SCORE_METRICS = {
    "store_experience": "store_experience_score",
    "creator_reputation": "creator_reputation_score",
    "product": "product_score",
}
LINKAGE_METRICS = ["short_videos", "video_plays", "video_live_entries", "video_live_entry_rate",
                   "live_gmv", "short_video_live_gmv", "short_video_live_share"]
FAN_METRICS = ["fan_gmv_share", "repurchase_rate", "fan_repurchase_rate", "nonfan_repurchase_rate"]
FOLLOWER_METRICS = ["followers", "followers_gained", "followers_lost", "followers_net"]
CHUANLIU_METRICS = ["own_live_gmv", "chuanliu_own_live_gmv", "chuanliu_share"]
AGENCY_METRICS = ["gmv", "orders", "live_gmv", "live_sessions", "gpm", "followers"]

_ORDERS = reg.SOURCES["orders"]
_TRAFFIC = reg.SOURCES["live_traffic"]
_VIDEOS = reg.SOURCES["short_videos"]
_SCORES = reg.SOURCES["scores"]
_STORE_DIMS = {"store": "s.store_id", "brand": "s.brand", "store_type": "s.store_type"}


def _t(view: View, key: str, **kw) -> str:
    return i18n.t(key, view.lang, **kw)


def _yoy(view: View, metric_ids, dims=(), **kw) -> pl.DataFrame:
    """Like view.compared, but always against the same period last year."""
    return query.run_compared(view.con, view.q(metric_ids, dims, **kw), "yoy", view.cache)


def _pct(a, b):
    """a / b - 1, or None when b is missing or zero."""
    if a is None or not b:
        return None
    return a / b - 1


def _frame(rows: list[dict], schema_: dict) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=schema_) if rows else pl.DataFrame(schema=schema_)


def _text_dates(tbl: DisplayTable) -> DisplayTable:
    """Dates as 2025-06-01 (not a midnight timestamp) on the page and in the CSV alike."""
    dates = [c for c, t in tbl.frame.schema.items() if t == pl.Date]
    if dates:
        tbl.frame = tbl.frame.with_columns(pl.col(c).dt.strftime("%Y-%m-%d") for c in dates)
    return tbl


def _metric_table(df: pl.DataFrame, name: str, title: str, dims, metric_ids, lang: str,
                  change_of=None) -> DisplayTable:
    return _text_dates(metric_table(df, name, title, list(dims), list(metric_ids), lang, change_of=change_of))


def _table(view: View, name: str, title_key: str, cols: list[tuple[str, str, str | None]],
           df: pl.DataFrame) -> DisplayTable:
    """A table from plain columns: (df column, label, unit); pct and change values are
    fractions (a change is signed and coloured on the page)."""
    exprs, units = [], {}
    for col, lab, unit in cols:
        e = pl.col(col)
        lab = unit_label(lab, unit, view.lang)
        if unit in ("pct", "change"):
            e = (e.cast(pl.Float64) * 100).round(1)
        elif unit in ("cny", "ratio"):
            e = e.cast(pl.Float64).round(2)
        exprs.append(e.alias(lab))
        if unit:
            units[lab] = unit
    return _text_dates(DisplayTable(name, _t(view, title_key), df.select(exprs), units))


# ---------------------------------------------------------------------------
# 1. Channel mix: content against shelf, with YoY


def channel_groups(view: View) -> pl.DataFrame:
    """Content and shelf: GMV, share of GMV, last year's GMV and YoY %."""
    row = _yoy(view, ["content_gmv", "shelf_gmv", "content_share", "shelf_share"]).row(0, named=True)
    return pl.DataFrame({
        "group": ["content", "shelf"],
        "gmv": [row["content_gmv"], row["shelf_gmv"]],
        "share": [row["content_share"], row["shelf_share"]],
        "gmv_ly": [row["content_gmv__cmp"], row["shelf_gmv__cmp"]],
        "yoy": [row["content_gmv__pct"], row["shelf_gmv__pct"]],
        "share_ly": [row["content_share__cmp"], row["shelf_share__cmp"]],
    }, schema={"group": pl.Utf8, "gmv": pl.Float64, "share": pl.Float64, "gmv_ly": pl.Float64,
               "yoy": pl.Float64, "share_ly": pl.Float64})


def channel_groups_table(view: View, df: pl.DataFrame) -> DisplayTable:
    df = df.with_columns(pl.col("group").replace_strict(
        {g: _t(view, f"growth.group.{g}") for g in ("content", "shelf")}, return_dtype=pl.Utf8).alias("name"))
    return _table(view, "growth_channel_groups", "growth.channel_groups", [
        ("name", _t(view, "growth.channel_group"), None),
        ("gmv", i18n.label("gmv", view.lang), "cny"),
        ("share", _t(view, "growth.share"), "pct"),
        ("gmv_ly", _t(view, "growth.gmv_ly"), "cny"),
        ("yoy", _t(view, "growth.yoy"), "change"),
        ("share_ly", _t(view, "growth.share_ly"), "pct"),
    ], df)


def channel_yoy(view: View) -> pl.DataFrame:
    """GMV by channel with last year's GMV and YoY %, content channels first."""
    df = _yoy(view, ["gmv"], ["channel"])
    order = {c: i for i, c in enumerate(schema.CHANNELS)}
    return df.with_columns(
        pl.col("channel").replace_strict(order, default=len(order), return_dtype=pl.Int32).alias("_o")
    ).sort("_o").drop("_o")


def channel_yoy_table(view: View, df: pl.DataFrame) -> DisplayTable:
    group = {c: _t(view, "growth.group.content") for c in schema.CONTENT_CHANNELS}
    group |= {c: _t(view, "growth.group.shelf") for c in schema.SHELF_CHANNELS}
    df = df.with_columns(
        pl.col("channel").replace_strict(group, default=_t(view, "growth.group.other"), return_dtype=pl.Utf8)
        .alias("grp"),
        translate_enum("channel", view.lang).alias("name"),
    )
    return _table(view, "growth_channel_yoy", "growth.channel_yoy", [
        ("grp", _t(view, "growth.channel_group"), None),
        ("name", i18n.label("channel", view.lang), None),
        ("gmv", i18n.label("gmv", view.lang), "cny"),
        ("gmv__cmp", _t(view, "growth.gmv_ly"), "cny"),
        ("gmv__pct", _t(view, "growth.yoy"), "change"),
    ], df)


def shelf_trend(view: View) -> pl.DataFrame:
    grain = view.sel.grain
    return view.run(["content_gmv", "shelf_gmv", "content_share", "shelf_share"], [grain], labels=False).sort(grain)


def shelf_trend_table(view: View, df: pl.DataFrame) -> DisplayTable:
    grain = view.sel.grain
    return _metric_table(df, "growth_shelf_trend", _t(view, "growth.shelf_trend_table"), [grain],
                        ["content_gmv", "shelf_gmv", "content_share", "shelf_share"], view.lang)


# ---------------------------------------------------------------------------
# 2. 川流: distribution GMV and own-live GMV from distribution traffic


def distribution_by_account(view: View) -> pl.DataFrame:
    df = view.compared(["distribution_gmv", "orders", "refund_rate"], ["account", "agency"])
    return df.filter(pl.col("distribution_gmv") > 0).sort(["distribution_gmv", "account"], descending=[True, False])


def distribution_by_account_table(view: View, df: pl.DataFrame) -> DisplayTable:
    return _metric_table(df, "growth_distribution_accounts", _t(view, "growth.dist_accounts"), ["account", "agency"],
                        ["distribution_gmv", "orders", "refund_rate"], view.lang, change_of=["distribution_gmv"])


def distribution_by_agency(view: View) -> pl.DataFrame:
    df = view.compared(["distribution_gmv"], ["agency"])
    return df.filter(pl.col("distribution_gmv") > 0).sort(["distribution_gmv", "agency"], descending=[True, False])


def distribution_by_agency_table(view: View, df: pl.DataFrame) -> DisplayTable:
    df = df.with_columns(pl.col("agency").fill_null(i18n.t("common.none", view.lang)))
    return _metric_table(df, "growth_distribution_agencies", _t(view, "growth.dist_agencies"), ["agency"],
                        ["distribution_gmv"], view.lang, change_of=["distribution_gmv"])


def chuanliu_by_store(view: View) -> pl.DataFrame:
    df = view.compared(CHUANLIU_METRICS, ["store"])
    return df.filter((pl.col("own_live_gmv") > 0) | (pl.col("chuanliu_own_live_gmv") > 0)) \
        .sort(["chuanliu_own_live_gmv", "store"], descending=[True, False], nulls_last=True)


def chuanliu_by_store_table(view: View, df: pl.DataFrame) -> DisplayTable:
    return _metric_table(df, "growth_chuanliu_stores", _t(view, "growth.chuanliu_stores"), ["store"],
                        CHUANLIU_METRICS, view.lang, change_of=["chuanliu_own_live_gmv"])


def chuanliu_starts(view: View) -> list[tuple[str, str, dt.date]]:
    """(store id, store name, 川流 start day) for every store whose own accounts had
    distribution traffic, under the sidebar filters and scope (any date)."""
    params: dict = {}
    where = view.where(_TRAFFIC.dims, params, period=None)
    df = view.sql(
        f"SELECT a.store_id AS store, MIN(s.store_name) AS name, CAST(MIN(ls.started_at) AS DATE) AS start "
        f"FROM {_TRAFFIC.from_sql} WHERE lt.source = 'distribution' AND a.account_type = 'own' "
        f"AND a.store_id IS NOT NULL AND {where} GROUP BY a.store_id ORDER BY start, store",
        params,
    )
    return [(r["store"], r["name"], r["start"]) for r in df.iter_rows(named=True)]


def chuanliu_before_after(view: View) -> pl.DataFrame:
    """Own-live GMV per store in equal windows before and after its 川流 start."""
    last_full = view.today - dt.timedelta(days=1)
    rows = []
    for sid, name, start in chuanliu_starts(view):
        end = min(start + dt.timedelta(days=WINDOW_DAYS - 1), last_full)
        days = (end - start).days + 1
        if days < 1:
            continue
        before = Period(start - dt.timedelta(days=days), start - dt.timedelta(days=1))
        after = Period(start, end)
        f = {"store": [sid]}
        b = view.run(["own_live_gmv"], period=before, filters=f).row(0, named=True)
        a = view.run(["own_live_gmv", "chuanliu_own_live_gmv"], period=after, filters=f).row(0, named=True)
        rows.append(dict(
            store=sid, store_name=name, start=start, days=days,
            before=str(before), before_gmv=b["own_live_gmv"], after=str(after), after_gmv=a["own_live_gmv"],
            chuanliu_gmv=a["chuanliu_own_live_gmv"], increment=_pct(a["own_live_gmv"], b["own_live_gmv"]),
        ))
    return _frame(rows, {
        "store": pl.Utf8, "store_name": pl.Utf8, "start": pl.Date, "days": pl.Int64, "before": pl.Utf8,
        "before_gmv": pl.Float64, "after": pl.Utf8, "after_gmv": pl.Float64, "chuanliu_gmv": pl.Float64,
        "increment": pl.Float64,
    })


def chuanliu_before_after_table(view: View, df: pl.DataFrame) -> DisplayTable:
    return _table(view, "growth_chuanliu_before_after", "growth.before_after", [
        ("store_name", i18n.label("store", view.lang), None),
        ("store", id_label(i18n.label('store', view.lang), view.lang), None),
        ("start", _t(view, "growth.chuanliu_start"), None),
        ("days", _t(view, "growth.window_days"), "count"),
        ("before", _t(view, "growth.before_window"), None),
        ("before_gmv", _t(view, "growth.before_gmv"), "cny"),
        ("after", _t(view, "growth.after_window"), None),
        ("after_gmv", _t(view, "growth.after_gmv"), "cny"),
        ("chuanliu_gmv", i18n.label("chuanliu_own_live_gmv", view.lang), "cny"),
        ("increment", _t(view, "growth.increment"), "change"),
    ], df)


def chuanliu_trend(view: View) -> pl.DataFrame:
    grain = view.sel.grain
    return view.run(["own_live_gmv", "chuanliu_own_live_gmv"], [grain], labels=False).sort(grain)


# ---------------------------------------------------------------------------
# 3. 短直联动: short video -> plays -> live entries -> live GMV from short_video


def linkage_totals(view: View) -> dict:
    return view.compared(LINKAGE_METRICS).row(0, named=True)


def linkage_by_account(view: View) -> pl.DataFrame:
    df = view.run(LINKAGE_METRICS, ["account", "account_type"])
    return df.filter(pl.col("account").is_not_null()
                     & ((pl.col("short_videos") > 0) | (pl.col("short_video_live_gmv") > 0))) \
        .sort(["video_live_entries", "short_video_live_gmv", "account"], descending=[True, True, False])


def linkage_table(view: View, df: pl.DataFrame) -> DisplayTable:
    return _metric_table(df, "growth_linkage_accounts", _t(view, "growth.linkage_accounts"),
                        ["account", "account_type"], LINKAGE_METRICS, view.lang)


def top_videos(view: View, n: int = TOP_VIDEOS) -> pl.DataFrame:
    """The videos of the period that brought the most live entries."""
    params: dict = {"n": int(n)}
    where = view.where(_VIDEOS.dims, params, _VIDEOS.time_col)
    return view.sql(
        "SELECT v.video_id, a.account_name, v.account_id, v.published_at, v.plays, v.live_entries, "
        "CAST(v.live_entries AS DOUBLE) / NULLIF(v.plays, 0) AS entry_rate, v.new_followers "
        f"FROM {_VIDEOS.from_sql} WHERE {where} AND COALESCE(v.live_entries, 0) > 0 "
        "ORDER BY v.live_entries DESC, v.video_id LIMIT $n",
        params,
    )


def top_videos_table(view: View, df: pl.DataFrame) -> DisplayTable:
    df = df.with_columns(pl.col("published_at").dt.strftime("%Y-%m-%d %H:%M").alias("published"))
    return _table(view, "growth_top_videos", "growth.top_videos", [
        ("video_id", _t(view, "growth.video"), None),
        ("account_name", i18n.label("account", view.lang), None),
        ("published", _t(view, "growth.published"), None),
        ("plays", i18n.label("video_plays", view.lang), "count"),
        ("live_entries", i18n.label("video_live_entries", view.lang), "count"),
        ("entry_rate", i18n.label("video_live_entry_rate", view.lang), "pct"),
        ("new_followers", i18n.label("new_followers", view.lang), "count"),
    ], df)


# ---------------------------------------------------------------------------
# 4. Fans


def fan_totals(view: View) -> dict:
    return view.compared(FAN_METRICS + FOLLOWER_METRICS).row(0, named=True)


def repurchase_months(view: View, months: int = 12) -> pl.DataFrame:
    """Fan GMV share and repurchase rates per calendar month, the ``months`` months up to
    the period's end (a repeat buyer has 2+ orders in that month; a day is too short)."""
    end = view.period.end
    start = add_months(end.replace(day=1), -(months - 1))
    return view.run(FAN_METRICS, ["month"], period=Period(start, end), labels=False).sort("month")


def repurchase_table(view: View, df: pl.DataFrame) -> DisplayTable:
    return _metric_table(df, "growth_fan_trend", _t(view, "growth.fan_trend"), ["month"], FAN_METRICS, view.lang)


def followers_by_account(view: View) -> pl.DataFrame:
    df = view.compared(FOLLOWER_METRICS, ["account", "account_type"])
    return df.filter(pl.col("followers").is_not_null()).sort(["followers", "account"], descending=[True, False])


def followers_by_account_table(view: View, df: pl.DataFrame) -> DisplayTable:
    return _metric_table(df, "growth_followers_accounts", _t(view, "growth.followers_accounts"),
                        ["account", "account_type"], FOLLOWER_METRICS, view.lang, change_of=["followers_net"])


def followers_over_time(view: View) -> pl.DataFrame:
    """Followers at the end of each bucket and net growth, per account."""
    grain = view.sel.grain
    df = view.run(["followers", "followers_net"], [grain, "account"])
    return df.filter(pl.col("followers").is_not_null()).sort([grain, "account"])


def followers_over_time_table(view: View, df: pl.DataFrame) -> DisplayTable:
    return _metric_table(df, "growth_followers_trend", _t(view, "growth.followers_trend"),
                        [view.sel.grain, "account"], ["followers", "followers_net"], view.lang)


# ---------------------------------------------------------------------------
# 5. New-store cold start


def _store_list(view: View, first: dt.date, last: dt.date) -> list[tuple[str, str, dt.date]]:
    params: dict = {"first": first, "last": last}
    where = view.where(_STORE_DIMS, params, period=None)
    df = view.sql(
        "SELECT s.store_id, s.store_name, s.opened_on FROM stores s "
        f"WHERE s.opened_on BETWEEN $first AND $last AND {where} ORDER BY s.opened_on, s.store_id",
        params,
    )
    return [tuple(r) for r in df.iter_rows()]


def _milestones(view: View, store_ids: list[str]) -> dict[str, tuple]:
    """store -> (first order time, time cumulative GMV reached MILESTONE_GMV or None)."""
    if not store_ids:
        return {}
    params: dict = {"milestone": MILESTONE_GMV}
    where = view.where(_ORDERS.dims, params, period=None)
    ids = view.in_list(params, "cs", store_ids)
    df = view.sql(
        "WITH c AS (SELECT o.store_id AS store_id, o.paid_at AS paid_at, SUM(o.paid_amount) OVER (PARTITION BY o.store_id "
        "ORDER BY o.paid_at, o.order_id ROWS UNBOUNDED PRECEDING) AS cum "
        f"FROM {_ORDERS.from_sql} WHERE {where} AND o.store_id IN ({ids})) "
        "SELECT store_id, MIN(paid_at) AS first_order, MIN(CASE WHEN cum >= $milestone THEN paid_at END) AS reached "
        "FROM c GROUP BY store_id",
        params,
    )
    return {r["store_id"]: (r["first_order"], r["reached"]) for r in df.iter_rows(named=True)}


def _cold_rows(view: View, stores, group: str) -> list[dict]:
    ms = _milestones(view, [s for s, _, _ in stores])
    rows = []
    for sid, name, opened in stores:
        end = min(opened + dt.timedelta(days=FIRST_DAYS - 1), view.today)
        first = view.run(["gmv", "orders", "followers_gained"], period=Period(opened, end),
                         filters={"store": [sid]}).row(0, named=True)
        first_order, reached = ms.get(sid, (None, None))
        rows.append(dict(
            group=group, store=sid, store_name=name, opened_on=opened,
            days_open=(view.today - opened).days + 1,
            days_to_first_order=None if first_order is None else (first_order.date() - opened).days,
            days_to_milestone=None if reached is None else (reached.date() - opened).days,
            first_days=(end - opened).days + 1, first_gmv=first["gmv"], first_orders=first["orders"],
            first_followers=first["followers_gained"],
        ))
    return rows


_COLD_SCHEMA = {
    "group": pl.Utf8, "store": pl.Utf8, "store_name": pl.Utf8, "opened_on": pl.Date, "days_open": pl.Int64,
    "days_to_first_order": pl.Int64, "days_to_milestone": pl.Int64, "first_days": pl.Int64,
    "first_gmv": pl.Float64, "first_orders": pl.Int64, "first_followers": pl.Int64,
}
_COLD_FIGURES = ("days_to_first_order", "days_to_milestone", "first_gmv", "first_orders", "first_followers")


def cold_start(view: View) -> pl.DataFrame:
    """One row per store opened in the last PEER_DAYS days.

    ``is_new``: opened in the last NEW_STORE_DAYS days; ``is_peer``: its first FIRST_DAYS
    days are complete (opened at least FIRST_DAYS days before today), so it can serve as
    the benchmark.  A store can be both.
    """
    today = view.today
    stores = _store_list(view, today - dt.timedelta(days=PEER_DAYS - 1), today)
    df = _frame(_cold_rows(view, stores, ""), _COLD_SCHEMA).drop("group")
    return df.with_columns(
        (pl.col("opened_on") >= today - dt.timedelta(days=NEW_STORE_DAYS - 1)).alias("is_new"),
        (pl.col("opened_on") <= today - dt.timedelta(days=FIRST_DAYS)).alias("is_peer"),
    )


def peer_average(df: pl.DataFrame, exclude: str | None = None) -> dict:
    """Mean of the benchmark stores' figures, without ``exclude`` (the store compared).

    Days to ¥100k: the mean over the benchmark stores that reached it (``reached`` of ``n``).
    """
    peers = df.filter(pl.col("is_peer") & (pl.col("store") != (exclude or "")))
    out = {"n": peers.height, "reached": int(peers["days_to_milestone"].is_not_null().sum()) if peers.height else 0}
    for c in _COLD_FIGURES:
        out[c] = peers[c].mean() if peers.height else None
    return out


def cold_start_new(view: View, df: pl.DataFrame) -> pl.DataFrame:
    """The new stores, each against the average of the other benchmark stores."""
    d = df.filter(pl.col("is_new"))
    avgs = [peer_average(df, sid) for sid in d["store"].to_list()]
    return d.with_columns(
        pl.Series("peer_n", [a["n"] for a in avgs], dtype=pl.Int64),
        pl.Series("peer_gmv", [a["first_gmv"] for a in avgs], dtype=pl.Float64),
        pl.Series("peer_first_order", [a["days_to_first_order"] for a in avgs], dtype=pl.Float64),
    ).with_columns(
        pl.when(pl.col("peer_gmv") > 0).then(pl.col("first_gmv") / pl.col("peer_gmv") - 1).otherwise(None)
        .alias("vs_peer"),
    )


def _cold_cols(view: View) -> list[tuple[str, str, str | None]]:
    return [
        ("store_name", i18n.label("store", view.lang), None),
        ("store", id_label(i18n.label('store', view.lang), view.lang), None),
        ("opened_on", _t(view, "growth.opened_on"), None),
        ("days_open", _t(view, "growth.days_open"), "count"),
        ("days_to_first_order", _t(view, "growth.days_to_first_order"), None),
        ("days_to_milestone", _t(view, "growth.days_to_milestone"), None),
        ("first_days", _t(view, "growth.first_days"), "count"),
        ("first_gmv", _t(view, "growth.first_gmv"), "cny"),
        ("first_orders", _t(view, "growth.first_orders"), None),
        ("first_followers", _t(view, "growth.first_followers"), None),
    ]


def cold_start_curves(view: View, df: pl.DataFrame, days: int = 60) -> pl.DataFrame:
    """Cumulative GMV by day since opening (day 0 = opening day), first ``days`` days,
    for the new and the benchmark stores."""
    out = []
    for r in df.iter_rows(named=True):
        end = min(r["opened_on"] + dt.timedelta(days=days - 1), view.today)
        daily = view.run(["gmv"], ["day"], period=Period(r["opened_on"], end), filters={"store": [r["store"]]},
                         labels=False)
        axis = pl.DataFrame({"day": [r["opened_on"] + dt.timedelta(days=i)
                                     for i in range((end - r["opened_on"]).days + 1)]}, schema={"day": pl.Date})
        d = axis.join(daily, on="day", how="left").sort("day").with_columns(
            pl.col("gmv").fill_null(0.0).cum_sum().alias("cum_gmv"),
            (pl.col("day") - pl.lit(r["opened_on"])).dt.total_days().alias("day_n"),
            pl.lit(r["store_name"] or r["store"]).alias("store_name"),
        )
        out.append(d.select("store_name", "day_n", "cum_gmv"))
    if not out:
        return pl.DataFrame(schema={"store_name": pl.Utf8, "day_n": pl.Int64, "cum_gmv": pl.Float64})
    return pl.concat(out)


def cold_start_table(view: View, df: pl.DataFrame) -> DisplayTable:
    d = cold_start_new(view, df)
    cols = _cold_cols(view) + [
        ("peer_n", _t(view, "growth.peer_n"), "count"),
        ("peer_gmv", _t(view, "growth.peer_gmv"), "cny"),
        ("vs_peer", _t(view, "growth.vs_peer"), "change"),
    ]
    return _table(view, "growth_cold_start", "growth.cold_new", cols, d)


def cold_peers_table(view: View, df: pl.DataFrame) -> DisplayTable:
    """The benchmark stores and, last, their average."""
    d = df.filter(pl.col("is_peer")).drop("is_new", "is_peer")
    if d.height:
        avg = peer_average(df)
        fl = {c: pl.Float64 for c in _COLD_FIGURES}
        avg_row = {c: None for c in d.columns} | {c: avg[c] for c in _COLD_FIGURES} | {
            "store_name": _t(view, "growth.peer_avg", n=avg["n"])}
        d = pl.concat([d.cast(fl), pl.DataFrame([avg_row], schema=d.cast(fl).schema)]) \
            .with_columns(pl.col(c).round(1) for c in _COLD_FIGURES if c != "first_gmv")
    return _table(view, "growth_cold_peers", "growth.cold_peers", _cold_cols(view), d)


# ---------------------------------------------------------------------------
# 6. Campaigns: presale and main against last year and against the days before


def campaign_list(view: View) -> list[dict]:
    cols = ["campaign_id", "name", "presale_start", "presale_end", "start_date", "end_date"]
    df = view.sql(f"SELECT {', '.join(cols)} FROM campaigns ORDER BY start_date, campaign_id")
    return df.to_dicts()


def default_campaign(view: View, camps: list[dict]) -> dict | None:
    """The latest campaign overlapping the period; else the latest begun by its end."""
    p = view.period
    begun = [c for c in camps if (c["presale_start"] or c["start_date"]) <= p.end]
    overlap = [c for c in begun if c["end_date"] >= p.start]
    pick = overlap or begun or camps
    return pick[-1] if pick else None


def campaign_phases(c: dict) -> list[tuple[str, dt.date, dt.date]]:
    out = []
    if c.get("presale_start") and c.get("presale_end"):
        out.append(("presale", c["presale_start"], c["presale_end"]))
    out.append(("main", c["start_date"], c["end_date"]))
    return out


def campaign_windows(c: dict, camps: list[dict]) -> list[dict]:
    """Per phase: this year's dates, last year's and the equal days before the campaign."""
    from cockpit.reports.overview import last_year_campaign  # the one rule for "last year's edition"

    ly = last_year_campaign(c, camps)
    ly_phases = {ph: (s, e) for ph, s, e in campaign_phases(ly)} if ly else {}
    first_day = c.get("presale_start") or c["start_date"]
    out = []
    for phase, s, e in campaign_phases(c):
        days = (e - s).days + 1
        ls, le = ly_phases.get(phase) or (add_months(s, -12), add_months(e, -12))
        out.append(dict(
            phase=phase, cur=Period(s, e), ly=Period(ls, le), ly_name=ly["name"] if ly else None,
            pre=Period(first_day - dt.timedelta(days=days), first_day - dt.timedelta(days=1)),
        ))
    return out


def campaign_compare(view: View, campaign: dict, camps: list[dict], dim: str) -> pl.DataFrame:
    """GMV by ``dim`` (store or account) per phase: this year, last year, the days before."""
    frames = []
    for w in campaign_windows(campaign, camps):
        parts = []
        for key in ("cur", "ly", "pre"):
            df = view.run(["gmv"], [dim], period=w[key])
            keep = [dim, "gmv"] + ([f"{dim}_name"] if f"{dim}_name" in df.columns else [])
            parts.append(df.select(keep).rename({"gmv": key, f"{dim}_name": f"{dim}_name_{key}"}, strict=False))
        j = parts[0]
        for p in parts[1:]:
            j = j.join(p, on=dim, how="full", coalesce=True, nulls_equal=True)
        names = [c for c in j.columns if c.startswith(f"{dim}_name_")]
        j = j.with_columns(
            pl.coalesce(names).alias("name") if names else pl.lit(None, pl.Utf8).alias("name"),
            *[pl.col(k).fill_null(0.0) for k in ("cur", "ly", "pre")],
        ).drop(names)
        j = j.with_columns(
            pl.lit(w["phase"]).alias("phase"), pl.lit(str(w["cur"])).alias("dates"),
            pl.lit(str(w["ly"])).alias("ly_dates"), pl.lit(str(w["pre"])).alias("pre_dates"),
            pl.when(pl.col("ly") > 0).then(pl.col("cur") / pl.col("ly") - 1).otherwise(None).alias("vs_ly"),
            pl.when(pl.col("pre") > 0).then(pl.col("cur") / pl.col("pre") - 1).otherwise(None).alias("vs_pre"),
        ).filter((pl.col("cur") > 0) | (pl.col("ly") > 0) | (pl.col("pre") > 0))
        frames.append(j.sort(["cur", dim], descending=[True, False], nulls_last=True))
    out_schema = {dim: pl.Utf8, "name": pl.Utf8, "phase": pl.Utf8, "dates": pl.Utf8, "cur": pl.Float64,
                  "ly_dates": pl.Utf8, "ly": pl.Float64, "vs_ly": pl.Float64, "pre_dates": pl.Utf8,
                  "pre": pl.Float64, "vs_pre": pl.Float64}
    if not frames:
        return pl.DataFrame(schema=out_schema)
    return pl.concat([f.select(list(out_schema)).cast(out_schema) for f in frames])


def campaign_table(view: View, df: pl.DataFrame, dim: str, campaign_name: str = "") -> DisplayTable:
    if dim == "account":
        df = df.with_columns(pl.col("name").fill_null(_t(view, "common.shelf_no_account")))
    df = df.with_columns(pl.col("phase").replace_strict(
        {p: _t(view, f"growth.phase.{p}") for p in ("presale", "main")}, return_dtype=pl.Utf8))
    gmv = i18n.label("gmv", view.lang)
    tbl = _table(view, f"growth_campaign_{dim}", f"growth.campaign_by_{dim}", [
        ("name", i18n.label(dim, view.lang), None),
        (dim, id_label(i18n.label(dim, view.lang), view.lang), None),
        ("phase", _t(view, "growth.phase"), None),
        ("dates", _t(view, "growth.dates"), None),
        ("cur", gmv, "cny"),
        ("ly_dates", _t(view, "growth.ly_dates"), None),
        ("ly", _t(view, "growth.gmv_ly"), "cny"),
        ("vs_ly", _t(view, "growth.yoy"), "change"),
        ("pre_dates", _t(view, "growth.pre_dates"), None),
        ("pre", _t(view, "growth.pre_gmv"), "cny"),
        ("vs_pre", _t(view, "growth.vs_pre"), "change"),
    ], df)
    if campaign_name:
        tbl.title = f"{tbl.title} · {campaign_name}"
    return tbl


# ---------------------------------------------------------------------------
# 7. Scores


def score_trend(view: View) -> pl.DataFrame:
    grain = view.sel.grain
    return view.run(list(SCORE_METRICS.values()), [grain], labels=False).sort(grain)


def score_entities(view: View, threshold: float = SCORE_THRESHOLD) -> pl.DataFrame:
    """Every scored entity of the period: latest score (and its date), lowest, mean, flag."""
    params: dict = {"threshold": float(threshold)}
    where = view.where(_SCORES.dims, params, _SCORES.time_col)
    return view.sql(
        "SELECT sd.score_type, sd.entity_id, "
        "MIN(es.name) AS name, "
        "arg_max(sd.score, sd.date) AS latest, MAX(sd.date) AS latest_date, MIN(sd.score) AS lowest, "
        "AVG(sd.score) AS mean, CAST(arg_max(sd.score, sd.date) < $threshold AS BOOLEAN) AS flagged "
        f"FROM {_SCORES.from_sql} WHERE {where} GROUP BY sd.score_type, sd.entity_id "
        "ORDER BY flagged DESC, latest, sd.score_type, sd.entity_id",
        params,
    )


def score_summary(view: View, ents: pl.DataFrame) -> pl.DataFrame:
    rows = []
    for st in schema.SCORE_TYPES:
        d = ents.filter(pl.col("score_type") == st)
        rows.append(dict(score_type=st, entities=d.height, flagged=int(d["flagged"].sum()) if d.height else 0,
                         latest_mean=d["latest"].mean() if d.height else None))
    return pl.DataFrame(rows, schema={"score_type": pl.Utf8, "entities": pl.Int64, "flagged": pl.Int64,
                                      "latest_mean": pl.Float64})


def score_summary_table(view: View, df: pl.DataFrame) -> DisplayTable:
    df = df.with_columns(pl.col("score_type").map_elements(lambda v: i18n.enum_label("score_type", v, view.lang),
                                                           return_dtype=pl.Utf8).alias("type"))
    return _table(view, "growth_score_summary", "growth.score_summary", [
        ("type", _t(view, "growth.score_type"), None),
        ("entities", _t(view, "growth.scored"), "count"),
        ("flagged", _t(view, "growth.flagged_n"), "count"),
        ("latest_mean", _t(view, "growth.latest_mean"), "ratio"),
    ], df)


def score_flagged_table(view: View, ents: pl.DataFrame) -> DisplayTable:
    d = ents.filter(pl.col("flagged")).with_columns(
        pl.col("score_type").map_elements(lambda v: i18n.enum_label("score_type", v, view.lang),
                                          return_dtype=pl.Utf8).alias("type"))
    return _table(view, "growth_score_flagged", "growth.flagged", [
        ("type", _t(view, "growth.score_type"), None),
        ("name", _t(view, "growth.entity"), None),
        ("entity_id", _t(view, "growth.entity_id"), None),
        ("latest", _t(view, "growth.latest"), "ratio"),
        ("latest_date", _t(view, "growth.latest_date"), None),
        ("lowest", _t(view, "growth.lowest"), "ratio"),
        ("mean", _t(view, "growth.mean"), "ratio"),
    ], d)


# ---------------------------------------------------------------------------
# 8. Market


def market_share_trend(view: View) -> pl.DataFrame:
    grain = view.sel.grain
    df = view.run(["market_share", "gmv", "market_gmv"], [grain, "category"], labels=False)
    return df.filter(pl.col("market_gmv") > 0).sort([grain, "category"])


def market_share_table(view: View, df: pl.DataFrame) -> DisplayTable:
    return _metric_table(df, "growth_market_share", _t(view, "growth.market_share"), [view.sel.grain, "category"],
                        ["market_share", "gmv", "market_gmv"], view.lang)


SUPPLY_DEMAND = ["active_sellers", "active_products", "search_volume", "market_gmv"]


def supply_demand(view: View) -> pl.DataFrame:
    grain = view.sel.grain
    df = view.run(SUPPLY_DEMAND, [grain, "category"], labels=False)
    return df.filter(pl.col("market_gmv") > 0).sort([grain, "category"])


def supply_demand_table(view: View, df: pl.DataFrame) -> DisplayTable:
    return _metric_table(df, "growth_supply_demand", _t(view, "growth.supply_demand"), [view.sel.grain, "category"],
                        SUPPLY_DEMAND, view.lang)


# ---------------------------------------------------------------------------
# 9. Agency view: an agency "as the group" = the agency filter on every page


def agencies(view: View) -> list[str]:
    return list(options.filter_options(view.con, view.scope, view.lang).get("agency", {}))


def current_agency(view: View) -> str | None:
    return view.sel.agency[0] if len(view.sel.agency) == 1 else None


def agency_accounts(view: View) -> pl.DataFrame:
    """The chosen agency's accounts (the agency filter is in the selection)."""
    df = view.compared(AGENCY_METRICS, ["account"])
    return df.filter(pl.col("account").is_not_null() & ((pl.col("gmv") > 0) | (pl.col("live_sessions") > 0))) \
        .sort(["gmv", "account"], descending=[True, False])


def agency_accounts_table(view: View, df: pl.DataFrame) -> DisplayTable:
    return _metric_table(df, "growth_agency_accounts", _t(view, "growth.agency_accounts"), ["account"],
                        AGENCY_METRICS, view.lang, change_of=["gmv"])


def agency_brands(view: View) -> pl.DataFrame:
    """The agency's sales across the group's brands (the brand of the store sold for)."""
    df = view.compared(["gmv", "orders"], ["brand"])
    return df.filter(pl.col("gmv") > 0).sort(["gmv", "brand"], descending=[True, False])


def agency_brands_table(view: View, df: pl.DataFrame) -> DisplayTable:
    return _metric_table(df, "growth_agency_brands", _t(view, "growth.agency_brands"), ["brand"],
                        ["gmv", "orders"], view.lang, change_of=["gmv"])


# ---------------------------------------------------------------------------
# Every table of the page, in page order (the page draws these; export writes them)


def tables(view: View, threshold: float = SCORE_THRESHOLD) -> list[DisplayTable]:
    out = [
        channel_groups_table(view, channel_groups(view)),
        channel_yoy_table(view, channel_yoy(view)),
        shelf_trend_table(view, shelf_trend(view)),
        distribution_by_account_table(view, distribution_by_account(view)),
        distribution_by_agency_table(view, distribution_by_agency(view)),
        chuanliu_by_store_table(view, chuanliu_by_store(view)),
        chuanliu_before_after_table(view, chuanliu_before_after(view)),
        linkage_table(view, linkage_by_account(view)),
        top_videos_table(view, top_videos(view)),
        repurchase_table(view, repurchase_months(view)),
        followers_by_account_table(view, followers_by_account(view)),
        followers_over_time_table(view, followers_over_time(view)),
    ]
    cold = cold_start(view)
    out += [cold_start_table(view, cold), cold_peers_table(view, cold)]
    camps = campaign_list(view)
    camp = default_campaign(view, camps)
    if camp is not None:
        out += [campaign_table(view, campaign_compare(view, camp, camps, d), d, camp["name"])
                for d in ("store", "account")]
    ents = score_entities(view, threshold)
    out += [score_summary_table(view, score_summary(view, ents)), score_flagged_table(view, ents)]
    out += [market_share_table(view, market_share_trend(view)), supply_demand_table(view, supply_demand(view))]
    if current_agency(view):
        out += [agency_accounts_table(view, agency_accounts(view)), agency_brands_table(view, agency_brands(view))]
    return out
