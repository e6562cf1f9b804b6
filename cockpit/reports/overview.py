"""生意总览 Business overview: the group at a glance (SPEC section 4, page 1).

Every number comes from the metric registry through the View, so the period, the
sidebar filters and the viewer's data scope always apply.  The functions take an
optional ``filters`` dict that narrows further: the store / account detail page
(:mod:`cockpit.reports.entities`) reuses them for one store or one account.
"""

from __future__ import annotations

import datetime as dt
import re

import polars as pl

from cockpit import i18n, query, schema, store
from cockpit.periods import Period, add_months
from cockpit.tables import DisplayTable, metric_table, unit_label
from cockpit.view import View

# Headline cards, four per row.
KPIS = [
    "gmv", "net_gmv", "orders", "buyers",
    "aov", "refund_rate", "live_gmv", "content_share",
    "fan_gmv_share", "repurchase_rate", "gpm", "ad_roi",
]
# One "new followers" figure per row: followers_gained counts every account's daily
# follower data (live or not); the sessions' own 涨粉数 is on the live pages.
FAN_METRICS = ["followers", "followers_gained", "followers_lost", "followers_net",
               "fan_gmv_share", "repurchase_rate", "fan_repurchase_rate", "nonfan_repurchase_rate"]
MIX_METRICS = ["content_gmv", "shelf_gmv", "content_share", "shelf_share"]
MARKET_METRICS = ["market_share", "market_gmv", "search_volume", "active_sellers", "active_products"]

LEADERBOARD_SIZE = 10


def _t(view: View, key: str, **kw) -> str:
    return i18n.t(key, view.lang, **kw)


def channel_group(channel: str | None) -> str:
    if channel in schema.CONTENT_CHANNELS:
        return "content"
    if channel in schema.SHELF_CHANNELS:
        return "shelf"
    return "other"


# ---------------------------------------------------------------------------
# Headline numbers


def kpis(view: View, metric_ids=None, filters=None) -> dict:
    """One row: each metric with its __cmp / __delta / __pct for the chosen comparison."""
    ids = list(dict.fromkeys(metric_ids or (KPIS + FAN_METRICS + MIX_METRICS)))
    return view.compared(ids, filters=filters).row(0, named=True)


# ---------------------------------------------------------------------------
# Trend


def buckets(period: Period, grain: str) -> list[dt.date]:
    """Every day / week (Monday) / month (1st) bucket the period touches, in order."""
    if grain == "day":
        return [period.start + dt.timedelta(days=i) for i in range(period.days)]
    if grain == "week":
        d = period.start - dt.timedelta(days=period.start.weekday())
        out = []
        while d <= period.end:
            out.append(d)
            d += dt.timedelta(days=7)
        return out
    d, out = period.start.replace(day=1), []
    while d <= period.end:
        out.append(d)
        d = add_months(d, 1)
    return out


def _complete(df: pl.DataFrame, period: Period, grain: str, metric_ids: list[str]) -> pl.DataFrame:
    """The query result on every bucket of the period; buckets with no rows are 0."""
    axis = pl.DataFrame({grain: buckets(period, grain)}, schema={grain: pl.Date})
    out = axis.join(df.select([grain, *metric_ids]), on=grain, how="left")
    return out.with_columns(pl.col(m).fill_null(0.0) for m in metric_ids).sort(grain)


def trend(view: View, metric: str = "gmv", filters=None) -> pl.DataFrame:
    """``metric`` by the selected grain over the period, and ``metric__cmp``: the
    comparison period's value on the bucket at the same position (as query.run_compared
    aligns them).  Buckets without sales are 0, not missing; a bucket with no
    counterpart in the comparison period (31 days against 30) has a null comparison."""
    grain = view.sel.grain
    cur = _complete(view.run([metric], [grain], filters=filters, labels=False), view.period, grain, [metric])
    cmp_period = view.comparison_period
    if cmp_period is None:
        return cur
    other = view.run([metric], [grain], period=cmp_period, filters=filters, labels=False)
    other = _complete(other, cmp_period, grain, [metric])
    other = query._shift_time(other, grain, view.period, cmp_period)  # the same alignment as run_compared
    other = other.rename({metric: metric + query.CMP}).unique(grain, keep="first")
    return cur.join(other, on=grain, how="left").sort(grain)


# ---------------------------------------------------------------------------
# Channel mix


def channel_mix(view: View, filters=None) -> pl.DataFrame:
    """GMV by channel with comparison, its share of the total and its group."""
    df = view.compared(["gmv"], ["channel"], filters=filters)
    total = df["gmv"].sum() if df.height else 0.0
    return df.with_columns(
        pl.col("channel").map_elements(channel_group, return_dtype=pl.Utf8).alias("group"),
        (pl.col("gmv") / total if total else pl.lit(None, pl.Float64)).alias("share"),
    ).sort(["gmv", "channel"], descending=[True, False])


def _with_share(tbl: DisplayTable, df: pl.DataFrame, after: str, view: View, col: str = "share") -> DisplayTable:
    lab = _t(view, "overview.share")
    pos = tbl.frame.columns.index(after) + 1
    tbl.frame = tbl.frame.insert_column(pos, (df[col] * 100).round(2).alias(lab))
    tbl.units[lab] = "pct"
    return tbl


def channel_mix_table(view: View, df: pl.DataFrame, name: str = "channel_mix", title: str | None = None) -> DisplayTable:
    tbl = metric_table(df, name, title or _t(view, "overview.channel_mix"), ["channel"], ["gmv"], view.lang,
                       change_of=["gmv"])
    groups = [_t(view, f"overview.group.{g}") for g in df["group"].to_list()]
    tbl.frame = tbl.frame.insert_column(0, pl.Series(_t(view, "overview.channel_group"), groups, dtype=pl.Utf8))
    return _with_share(tbl, df, unit_label(i18n.label("gmv", view.lang), "cny", view.lang), view)


# ---------------------------------------------------------------------------
# Contribution


def by_store(view: View, filters=None) -> pl.DataFrame:
    df = view.compared(["gmv", "orders"], ["store"], filters=filters)
    total = df["gmv"].sum() if df.height else 0.0
    return df.with_columns((pl.col("gmv") / total if total else pl.lit(None, pl.Float64)).alias("share")) \
        .sort(["gmv", "store"], descending=[True, False])


def by_account_type(view: View, filters=None) -> pl.DataFrame:
    """GMV by account type; the null type is shelf sales with no account."""
    df = view.compared(["gmv", "orders"], ["account_type"], filters=filters)
    total = df["gmv"].sum() if df.height else 0.0
    order = {v: i for i, v in enumerate(schema.ACCOUNT_TYPES)}
    return df.with_columns(
        (pl.col("gmv") / total if total else pl.lit(None, pl.Float64)).alias("share"),
        pl.col("account_type").replace_strict(order, default=len(order), return_dtype=pl.Int32).alias("_o"),
    ).sort("_o").drop("_o")


def account_type_names(view: View, values: list) -> list[str]:
    return [_t(view, "common.shelf_no_account") if v is None else i18n.enum_label("account_type", v, view.lang)
            for v in values]


def store_contribution_table(view: View, df: pl.DataFrame) -> DisplayTable:
    tbl = metric_table(df, "contribution_store", _t(view, "overview.by_store"), ["store"], ["gmv"],
                       view.lang, change_of=["gmv"])
    return _with_share(tbl, df, unit_label(i18n.label("gmv", view.lang), "cny", view.lang), view)


def account_type_table(view: View, df: pl.DataFrame) -> DisplayTable:
    tbl = metric_table(df, "contribution_account_type", _t(view, "overview.by_account_type"), ["account_type"],
                       ["gmv"], view.lang, change_of=["gmv"])
    lab = i18n.label("account_type", view.lang)
    tbl.frame = tbl.frame.with_columns(pl.Series(lab, account_type_names(view, df["account_type"].to_list()),
                                                 dtype=pl.Utf8))
    return _with_share(tbl, df, unit_label(i18n.label("gmv", view.lang), "cny", view.lang), view)


# ---------------------------------------------------------------------------
# Leaderboards

STORE_BOARD = ["gmv", "orders", "buyers", "aov", "refund_rate", "live_gmv"]
ACCOUNT_BOARD = ["gmv", "orders", "buyers", "live_sessions", "gpm", "followers"]
PRODUCT_BOARD = ["gmv", "orders", "buyers", "refund_rate"]


def _top(view: View, metric_ids, dims, key: str, filters=None, n: int = LEADERBOARD_SIZE) -> pl.DataFrame:
    """The n keys with the most GMV and their board metrics.

    Two steps: the top keys by GMV alone (a rollup read), then the board's metrics for
    those keys only, so the distinct-buyer column counts a few groups (a bitmap) instead
    of every store / account / product of the group.  The board shows GMV's change
    only, so only GMV is compared (no second distinct-buyer scan)."""
    top = view.run(["gmv"], [key], filters=filters, order_by="gmv", limit=n + 1, labels=False)
    # a null key (shelf sales with no account, orders without product) is dropped
    keys = top.filter(pl.col(key).is_not_null() & (pl.col("gmv") > 0))[key].head(n).to_list()
    # no sales in the period: the query is cheap, and its (empty) frame has every column
    narrowed = {**(filters or {}), key: keys} if keys else filters
    df = view.compared(metric_ids, dims, filters=narrowed, compare=["gmv"])
    return df.filter(pl.col(key).is_not_null() & (pl.col("gmv") > 0)) \
        .sort(["gmv", key], descending=[True, False]).head(n)


def top_stores(view: View, filters=None) -> pl.DataFrame:
    return _top(view, STORE_BOARD, ["store", "store_type"], "store", filters)


def top_accounts(view: View, filters=None) -> pl.DataFrame:
    return _top(view, ACCOUNT_BOARD, ["account", "account_type"], "account", filters)


def top_products(view: View, filters=None) -> pl.DataFrame:
    return _top(view, PRODUCT_BOARD, ["product"], "product", filters)


def top_stores_table(view: View, df: pl.DataFrame) -> DisplayTable:
    return metric_table(df, "top_stores", _t(view, "overview.top_stores"), ["store", "store_type"], STORE_BOARD,
                        view.lang, change_of=["gmv"])


def top_accounts_table(view: View, df: pl.DataFrame) -> DisplayTable:
    return metric_table(df, "top_accounts", _t(view, "overview.top_accounts"), ["account", "account_type"],
                        ACCOUNT_BOARD, view.lang, change_of=["gmv"])


def top_products_table(view: View, df: pl.DataFrame, name: str = "top_products") -> DisplayTable:
    return metric_table(df, name, _t(view, "overview.top_products"), ["product"], PRODUCT_BOARD, view.lang,
                        change_of=["gmv"])


# ---------------------------------------------------------------------------
# Followers and fans


def followers_trend(view: View, filters=None) -> pl.DataFrame:
    """Followers at the end of each bucket (accounts with follower data) and gains."""
    grain = view.sel.grain
    return view.run(["followers", "followers_gained", "followers_lost"], [grain], filters=filters, labels=False) \
        .sort(grain)


def fan_table(view: View, row: dict) -> DisplayTable:
    """Fans against non-fans: share of GMV and repurchase rate.

    The non-fan GMV share is the complement of the registry's fan_gmv_share (every
    order is either a fan's or not); both are null when there is no GMV."""
    fan_share = row.get("fan_gmv_share")
    lab_share = _t(view, "overview.gmv_share")
    lab_rep = f"{i18n.label('repurchase_rate', view.lang)} (%)"
    pct = lambda v: None if v is None else round(v * 100, 2)  # noqa: E731
    frame = pl.DataFrame({
        _t(view, "overview.buyer_group"): [_t(view, "overview.fan"), _t(view, "overview.nonfan")],
        lab_share: [pct(fan_share), pct(None if fan_share is None else 1 - fan_share)],
        lab_rep: [pct(row.get("fan_repurchase_rate")), pct(row.get("nonfan_repurchase_rate"))],
    }, schema={_t(view, "overview.buyer_group"): pl.Utf8, lab_share: pl.Float64, lab_rep: pl.Float64})
    return DisplayTable("fans", _t(view, "overview.fan_table"), frame, {lab_share: "pct", lab_rep: "pct"})


# ---------------------------------------------------------------------------
# Market


def has_market(view: View) -> bool:
    p = view.period
    return bool(store.scalar(view.con, "SELECT EXISTS (SELECT 1 FROM market_daily WHERE date BETWEEN ? AND ?)",
                             [p.start, p.end]))


def market_by_category(view: View) -> pl.DataFrame:
    df = view.compared(["market_share", "gmv", "market_gmv"], ["category"])
    # ties (two categories with the same market) in name order, the same on every engine
    return df.filter(pl.col("market_gmv") > 0).sort(["market_gmv", "category"], descending=[True, False])


def market_table(view: View, df: pl.DataFrame) -> DisplayTable:
    return metric_table(df, "market_share", _t(view, "overview.market_table"), ["category"],
                        ["market_share", "gmv", "market_gmv"], view.lang, change_of=["market_share", "market_gmv"])


def market_trend(view: View) -> pl.DataFrame:
    grain = view.sel.grain
    # buckets without market rows (today, before the platform publishes) are left out
    return view.run(MARKET_METRICS, [grain], labels=False).filter(pl.col("market_gmv") > 0).sort(grain)


# ---------------------------------------------------------------------------
# Campaigns

_YEAR = re.compile(r"(19|20)\d{2}\s*年?")


def campaign_key(name: str) -> str:
    """The campaign's name without its year: "2025 618购物节" -> "618购物节"."""
    return re.sub(r"\s+", " ", _YEAR.sub("", name or "")).strip().lower()


def _phases(c: dict) -> list[tuple[str, dt.date, dt.date]]:
    out = []
    if c.get("presale_start") and c.get("presale_end"):
        out.append(("presale", c["presale_start"], c["presale_end"]))
    out.append(("main", c["start_date"], c["end_date"]))
    return out


def last_year_campaign(c: dict, all_campaigns: list[dict]) -> dict | None:
    """Last year's edition of campaign ``c``.

    Rule: a campaign with the same name once years are removed whose main period starts
    300-430 days earlier; else any campaign whose main period starts one year earlier
    ±7 days; else None (the caller then uses the same dates a year earlier).
    """
    key, start = campaign_key(c["name"]), c["start_date"]
    others = [o for o in all_campaigns if o["campaign_id"] != c["campaign_id"]]
    same_name = [o for o in others if campaign_key(o["name"]) == key and 300 <= (start - o["start_date"]).days <= 430]
    if same_name:
        return min(same_name, key=lambda o: abs((add_months(start, -12) - o["start_date"]).days))
    a_year = add_months(start, -12)
    near = [o for o in others if abs((o["start_date"] - a_year).days) <= 7]
    return min(near, key=lambda o: abs((o["start_date"] - a_year).days)) if near else None


def campaigns_shown(view: View) -> list[dict]:
    """Campaigns overlapping the selected period; if none, the latest one that has
    started by the period's end."""
    cols = ["campaign_id", "name", "presale_start", "presale_end", "start_date", "end_date"]
    rows = [dict(zip(cols, r)) for r in store.fetchall(
        view.con, f"SELECT {', '.join(cols)} FROM campaigns ORDER BY start_date, campaign_id")]
    p = view.period
    overlap = [c for c in rows if (c["presale_start"] or c["start_date"]) <= p.end and c["end_date"] >= p.start]
    if not overlap:
        started = [c for c in rows if (c["presale_start"] or c["start_date"]) <= p.end]
        overlap = started[-1:]
    return [dict(c, last_year=last_year_campaign(c, rows)) for c in overlap]


def campaigns(view: View) -> pl.DataFrame:
    """One row per campaign phase: GMV and orders of this year's phase and last year's."""
    out = []
    for c in campaigns_shown(view):
        ly = c["last_year"]
        ly_phases = {ph: (s, e) for ph, s, e in _phases(ly)} if ly else {}
        for phase, s, e in _phases(c):
            ls, le = ly_phases.get(phase) or (add_months(s, -12), add_months(e, -12))
            cur = view.run(["gmv", "orders"], period=Period(s, e)).row(0, named=True)
            old = view.run(["gmv", "orders"], period=Period(ls, le)).row(0, named=True)
            out.append(dict(
                campaign=c["name"], phase=phase, start=s, end=e, gmv=cur["gmv"], orders=cur["orders"],
                ly_campaign=ly["name"] if ly else None, ly_start=ls, ly_end=le, gmv__cmp=old["gmv"],
                gmv__pct=None if not old["gmv"] else (cur["gmv"] - old["gmv"]) / abs(old["gmv"]),
            ))
    schema_ = {"campaign": pl.Utf8, "phase": pl.Utf8, "start": pl.Date, "end": pl.Date, "gmv": pl.Float64,
               "orders": pl.Int64, "ly_campaign": pl.Utf8, "ly_start": pl.Date, "ly_end": pl.Date,
               "gmv__cmp": pl.Float64, "gmv__pct": pl.Float64}
    return pl.DataFrame(out, schema=schema_)


def campaign_table(view: View, df: pl.DataFrame) -> DisplayTable:
    L = lambda k: _t(view, k)  # noqa: E731
    gmv, orders = unit_label(i18n.label("gmv", view.lang), "cny", view.lang), i18n.label("orders", view.lang)
    ly_gmv = unit_label(L("overview.last_year_gmv"), "cny", view.lang)
    dates = lambda s, e: [f"{a} ~ {b}" for a, b in zip(df[s].to_list(), df[e].to_list())]  # noqa: E731
    frame = pl.DataFrame({
        L("overview.campaign"): df["campaign"],
        L("overview.phase"): [L(f"overview.phase.{p}") for p in df["phase"].to_list()],
        L("overview.dates"): dates("start", "end"),
        gmv: df["gmv"].round(2),
        orders: df["orders"],
        L("overview.last_year_campaign"): [n or L("overview.same_dates_last_year") for n in df["ly_campaign"].to_list()],
        L("overview.last_year_dates"): dates("ly_start", "ly_end"),
        ly_gmv: df["gmv__cmp"].round(2),
        L("overview.yoy_pct"): (df["gmv__pct"] * 100).round(1),
    }, schema_overrides={L("overview.campaign"): pl.Utf8, L("overview.phase"): pl.Utf8,
                         L("overview.dates"): pl.Utf8, L("overview.last_year_campaign"): pl.Utf8,
                         L("overview.last_year_dates"): pl.Utf8})
    units = {gmv: "cny", orders: "count", ly_gmv: "cny", L("overview.yoy_pct"): "change"}
    return DisplayTable("campaigns", L("overview.campaign_table"), frame, units)


# ---------------------------------------------------------------------------
# Every table of the page, in page order (the page draws these; export writes them)


def tables(view: View) -> list[DisplayTable]:
    out = [
        channel_mix_table(view, channel_mix(view)),
        store_contribution_table(view, by_store(view)),
        account_type_table(view, by_account_type(view)),
        top_stores_table(view, top_stores(view)),
        top_accounts_table(view, top_accounts(view)),
        top_products_table(view, top_products(view)),
        fan_table(view, kpis(view)),
    ]
    if has_market(view):
        out.append(market_table(view, market_by_category(view)))
    camp = campaigns(view)
    if camp.height:
        out.append(campaign_table(view, camp))
    return out
