"""直播复盘 Live review of one session (``view.sel.live``): why it went well or badly.

What the review holds (data only; the page draws it, ``cockpit export --page review``
writes it):

* the funnel 曝光 → 进入 → 停留 → 互动 → 商品曝光 → 商品点击 → 成交, each step with its
  rate (a registry metric: 曝光进入率, 人均观看时长, 互动率, 商品曝光率, 商品曝光点击率,
  点击成交转化率);
* every step metric and the headline metrics (商品点击率, 观看成交率, 转粉率, GPM, UV价值)
  against two benchmarks:

  - 同行同级 (``peer_benchmarks``): the row of the session's category and tier whose
    period holds the session's day (the shortest such period), else the latest period
    that ended within :data:`PEER_LOOKBACK_DAYS` before it.  The session's category is
    its account's store category, else (distributors) the category of the products that
    made most of its live GMV.  Its tier is the band (``schema.PEER_TIER_FLOORS``) of
    the account's live GMV over the :data:`TIER_DAYS` days up to the session's day;
  - the group's own comparable sessions: ended sessions of accounts of the same type
    and the same category that started in the :data:`GROUP_DAYS` days before this one
    (the data scope applies, the sidebar filters do not: the whole visible group).
    P25/P50/P75 interpolate linearly between ranks (Excel's PERCENTILE.INC) and the
    session's percentile rank is 100 x (sessions below + half the ties) / sessions;

* the three weakest metrics: the lowest ratios of the session's figure to its
  benchmark (the peer median, else the group's P50), among those below it;
* the diagnosis (:mod:`cockpit.diagnosis`), each finding with its figure and benchmark;
* minute curves with the 讲解 windows, and clicks, orders and GMV per window;
* the audience portrait, traffic sources and ad ROI.

Figures are registry metrics with ``filters={"live": [id]}`` and no period, as on 直播明细.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import polars as pl

from cockpit import diagnosis, fmt, i18n, schema
from cockpit import metrics as reg
from cockpit.periods import Period
from cockpit.reports import live as live_report
from cockpit.reports import sessions as sessions_report
from cockpit.selection import Selection
from cockpit.tables import DisplayTable, metric_columns, metric_table
from cockpit.view import View

TIER_DAYS = 30
GROUP_DAYS = 90
PEER_LOOKBACK_DAYS = 62
WEAKEST = 3
PICK_LIMIT = 300  # sessions offered in the page's picker

# The funnel: (step id, the figure shown, the metric that rates the step)
STEPS = (
    ("exposure", "exposures", None),
    ("entry", "viewers", "exposure_entry_rate"),
    ("stay", "avg_watch_seconds", "avg_watch_seconds"),
    ("interact", "interacting_viewers", "interaction_rate"),
    ("product_exposure", "product_exposures", "product_exposure_rate"),
    ("click", "product_clicks", "product_click_rate"),
    ("buy", "live_buyers", "click_conversion"),
)
HEADLINE = ("ctr", "watch_conversion", "follow_rate", "gpm", "uv_value")
# every metric held against the benchmarks, in funnel order, then the headline ones
BENCH = tuple(m for _, _, m in STEPS if m) + HEADLINE
CARD_METRICS = ["live_gmv", "live_buyers", "viewers", "avg_watch_seconds", "watch_conversion", "gpm", "uv_value",
                "new_followers"]
FIGURES = tuple(dict.fromkeys(
    [f for _, f, _ in STEPS] + list(BENCH) + CARD_METRICS
    + ["views", "peak_online", "orders", "gmv", "ad_spend", "ad_attributed_gmv", "ad_roi"]))
SESSION_SRC = reg.SOURCES["live_sessions"]
ORDER_SRC = reg.SOURCES["orders"]
UNIT_WORDS = {"pct": ("%", "%"), "seconds": ("秒", "s"), "cny": ("元", "CNY"), "count": ("人", "people")}


def _L(lang: str):
    return lambda k, **kw: i18n.t(k, lang, **kw)


def _group_view(view: View) -> View:
    """The view without the sidebar's filters (the data scope stays): benchmarks and
    tiers are about the whole visible group, not the slice the sidebar shows."""
    return dataclasses.replace(view, sel=Selection(lang=view.sel.lang))


# --- the session and its place --------------------------------------------------------


def session_info(view: View, live_id: str) -> dict | None:
    """The session's row with its account, category and tier; None when not visible."""
    info = sessions_report.session_info(view, live_id)
    if info is None:
        return None
    info = dict(info)
    info["category"] = session_categories(view, [live_id]).get(live_id)
    info["tier_gmv"], info["tier"] = account_tier(view, info["account_id"], info["started_at"].date())
    return info


def session_categories(view: View, ids: list[str]) -> dict[str, str | None]:
    """live_id -> category: the account's store's, else the category of the products
    that made most of the session's live GMV (ties: the first by name)."""
    if not ids:
        return {}
    params: dict = {}
    in_ids = view.in_list(params, "ids", ids)
    sql = (
        "WITH pc AS (SELECT o.live_id, p.category, SUM(o.paid_amount) AS g FROM orders o "
        "JOIN products p ON o.product_id = p.product_id "
        f"WHERE o.channel = 'live' AND o.live_id IN ({in_ids}) AND p.category IS NOT NULL GROUP BY 1, 2), "
        "top AS (SELECT live_id, category FROM (SELECT live_id, category, row_number() OVER "
        "(PARTITION BY live_id ORDER BY g DESC, category) AS rn FROM pc) t WHERE rn = 1) "
        "SELECT ls.live_id, COALESCE(s.category, top.category) AS category FROM live_sessions ls "
        "JOIN accounts a ON ls.account_id = a.account_id LEFT JOIN stores s ON a.store_id = s.store_id "
        f"LEFT JOIN top ON top.live_id = ls.live_id WHERE ls.live_id IN ({in_ids})"
    )
    df = view.sql(sql, params)
    return dict(zip(df["live_id"].to_list(), df["category"].to_list()))


def tier_of(gmv: float | None) -> str:
    """The 同行同级 tier of a live GMV over TIER_DAYS days (schema.PEER_TIER_FLOORS)."""
    g = 0.0 if gmv is None else float(gmv)
    return max((t for t, floor in schema.PEER_TIER_FLOORS.items() if g >= floor),
               key=lambda t: schema.PEER_TIER_FLOORS[t])


def account_tier(view: View, account_id: str, day: dt.date) -> tuple[float, str]:
    """(the account's live GMV over the TIER_DAYS days up to ``day``, its tier)."""
    period = Period(day - dt.timedelta(days=TIER_DAYS - 1), day)
    gmv = _group_view(view).run(["live_gmv"], filters={"account": [account_id]}, period=period).item()
    gmv = float(gmv or 0)
    return gmv, tier_of(gmv)


def figures(view: View, live_id: str) -> dict:
    """Every registry figure of the session the review shows, in one row."""
    return view.run(list(FIGURES), filters={"live": [live_id]}, period=None).row(0, named=True)


# --- benchmarks -----------------------------------------------------------------------


def peer_benchmarks(view: View, category: str | None, tier: str, day: dt.date) -> dict[str, dict]:
    """metric -> {median, excellent, period_start, period_end} for the session's category
    and tier: the shortest period holding ``day``, else the latest one that ended within
    PEER_LOOKBACK_DAYS before it."""
    if category is None:
        return {}
    params = {"cat": category, "tier": tier, "day": day,
              "since": day - dt.timedelta(days=PEER_LOOKBACK_DAYS)}
    sql = (
        "SELECT metric, median, excellent, period_start, period_end, "
        "period_start <= $day AND period_end >= $day AS holds FROM peer_benchmarks "
        "WHERE category = $cat AND tier = $tier AND period_start <= $day AND period_end >= $since "
        "ORDER BY metric, holds DESC, CASE WHEN period_end >= $day THEN period_end - period_start END, "
        "period_end DESC"
    )
    out: dict[str, dict] = {}
    for r in view.sql(sql, params).iter_rows(named=True):
        out.setdefault(r["metric"], {k: r[k] for k in ("median", "excellent", "period_start", "period_end")})
    return out


def comparable_ids(view: View, info: dict) -> list[str]:
    """Ended sessions of the same account type and category in the GROUP_DAYS days before
    this one, within the data scope (not the sidebar filters)."""
    gv = _group_view(view)
    params = {"acct_type": info["account_type"], "start": info["started_at"],
              "since": info["started_at"] - dt.timedelta(days=GROUP_DAYS), "self_id": info["live_id"]}
    where = gv.where(SESSION_SRC.dims, params, period=None)
    sql = (
        f"SELECT ls.live_id FROM {SESSION_SRC.from_sql} WHERE a.account_type = $acct_type "
        "AND ls.started_at >= $since AND ls.started_at < $start AND ls.ended_at IS NOT NULL "
        f"AND ls.live_id <> $self_id AND {where} ORDER BY ls.live_id"
    )
    ids = gv.sql(sql, params)["live_id"].to_list()
    cats = session_categories(gv, ids)
    return [i for i in ids if cats.get(i) is not None and cats.get(i) == info["category"]]


def percentile_rank(values: list[float], x: float | None) -> float | None:
    """100 x (values below x + half the values equal to x) / values; None without values."""
    if x is None or not values:
        return None
    below = sum(1 for v in values if v < x)
    ties = sum(1 for v in values if v == x)
    return 100.0 * (below + 0.5 * ties) / len(values)


def quartiles(values: list[float]) -> tuple[float | None, float | None, float | None]:
    """P25, P50, P75 interpolated linearly between ranks (PERCENTILE.INC)."""
    if not values:
        return None, None, None
    p = np.percentile(np.asarray(values, dtype=float), [25, 50, 75], method="linear")
    return float(p[0]), float(p[1]), float(p[2])


def group_stats(view: View, ids: list[str], fig: dict) -> dict[str, dict]:
    """metric -> {n, p25, p50, p75, rank} over the comparable sessions."""
    df = live_report.session_metrics(_group_view(view), ids, list(BENCH))
    out = {}
    for m in BENCH:
        vals = [float(v) for v in df[m].to_list() if not fmt.is_missing(v)] if df.height else []
        p25, p50, p75 = quartiles(vals)
        x = fig.get(m)
        out[m] = {"n": len(vals), "p25": p25, "p50": p50, "p75": p75,
                  "rank": percentile_rank(vals, None if fmt.is_missing(x) else float(x))}
    return out


def weakest(fig: dict, peers: dict, group: dict, n: int = WEAKEST) -> list[tuple[str, float, str]]:
    """The ``n`` metrics furthest below their benchmark: (metric, figure / benchmark,
    'peer' | 'group'), lowest ratio first; only metrics below their benchmark."""
    scored = []
    for i, m in enumerate(BENCH):
        x = fig.get(m)
        med = peers.get(m, {}).get("median")
        basis, ref = ("peer", med) if not fmt.is_missing(med) and med else ("group", group[m]["p50"])
        if fmt.is_missing(x) or fmt.is_missing(ref) or not ref:
            continue
        ratio = float(x) / float(ref)
        if ratio < 1:
            scored.append((ratio, i, m, basis))
    return [(m, r, b) for r, _, m, b in sorted(scored)[:n]]


# --- minutes and explanations ---------------------------------------------------------


def minutes(view: View, live_id: str) -> pl.DataFrame:
    """Per minute: the live_minutes figures, live orders and GMV paid that minute, and
    cumulative GMV."""
    params = {"lid": live_id}
    m = view.sql(
        "SELECT minute, online, entries, exposures, leaves, new_followers, comments, likes, shares, "
        "product_clicks FROM live_minutes WHERE live_id = $lid ORDER BY minute", params)
    g = live_report.gmv_by_minute(view, [live_id]).drop("live_id")
    if m.height == 0 and g.height == 0:
        return pl.DataFrame(schema={**dict(m.schema), "gmv": pl.Float64, "orders": pl.Int64, "gmv_cum": pl.Float64})
    out = m.join(g, on="minute", how="full", coalesce=True).sort("minute")
    return out.with_columns(pl.col("gmv").fill_null(0.0), pl.col("orders").fill_null(0)).with_columns(
        pl.col("gmv").cum_sum().alias("gmv_cum"))


def explains(view: View, live_id: str) -> pl.DataFrame:
    """The session's 讲解 windows with, during each (start inclusive, end exclusive):
    product clicks (of every product: minute data is not per product), and the explained
    product's live orders and GMV (orders under the same filters and scope as the curves)."""
    params: dict = {"lid": live_id}
    where = view.where(ORDER_SRC.dims, params, period=None)
    sql = (
        "WITH e AS (SELECT live_id, product_id, started_at, ended_at FROM live_explains WHERE live_id = $lid), "
        "c AS (SELECT e.product_id, e.started_at, SUM(m.product_clicks) AS clicks FROM e JOIN live_minutes m "
        "ON m.live_id = e.live_id AND m.minute >= e.started_at AND m.minute < e.ended_at GROUP BY 1, 2), "
        f"o AS (SELECT o.product_id, o.paid_at, o.paid_amount FROM {ORDER_SRC.from_sql} "
        f"WHERE o.live_id = $lid AND o.channel = 'live' AND {where}), "
        "g AS (SELECT e.product_id, e.started_at, COUNT(*) AS orders, SUM(o.paid_amount) AS gmv FROM e JOIN o "
        "ON o.product_id = e.product_id AND o.paid_at >= e.started_at AND o.paid_at < e.ended_at GROUP BY 1, 2) "
        "SELECT e.product_id, p.product_name, e.started_at, e.ended_at, "
        "date_diff('second', e.started_at, e.ended_at) / 60.0 AS minutes, c.clicks, "
        "CAST(COALESCE(g.orders, 0) AS BIGINT) AS orders, CAST(COALESCE(g.gmv, 0) AS DOUBLE) AS gmv "
        "FROM e LEFT JOIN products p ON e.product_id = p.product_id "
        "LEFT JOIN c ON c.product_id = e.product_id AND c.started_at = e.started_at "
        "LEFT JOIN g ON g.product_id = e.product_id AND g.started_at = e.started_at "
        "ORDER BY e.started_at, e.product_id"
    )
    return view.sql(sql, params)


def audience(view: View, live_id: str) -> pl.DataFrame:
    """The audience portrait rows in dimension order, with each bucket's share of the
    dimension's viewers and its buyers / viewers."""
    params = {"lid": live_id}
    df = view.sql(
        "SELECT dimension, bucket, viewers, buyers, CAST(gmv AS DOUBLE) AS gmv FROM live_audience "
        "WHERE live_id = $lid", params)
    order = {d: i for i, d in enumerate(schema.AUDIENCE_DIMENSIONS)}
    # age buckets in age order; other buckets largest first, 其他 (other) last
    key = (pl.when(pl.col("dimension") == "age").then(pl.lit(0))
           .when(pl.col("bucket") == "其他").then(pl.lit(1)).otherwise(-pl.col("viewers")))
    return df.with_columns(
        (pl.col("viewers") / pl.col("viewers").sum().over("dimension")).alias("share"),
        pl.when(pl.col("viewers") > 0).then(pl.col("buyers") / pl.col("viewers")).alias("conversion"),
        pl.col("dimension").replace_strict(order, default=len(order)).alias("_o"),
        key.alias("_k"),
    ).sort(["_o", "_k", "bucket"]).drop("_o", "_k")


# --- display tables -------------------------------------------------------------------


def _unit(mid: str, lang: str) -> str:
    zh, en = UNIT_WORDS.get(reg.metric(mid).unit, ("", ""))
    return zh if lang == "zh" else en


def _num(v, mid: str) -> float | None:
    """A figure as the review's tables show it: percentages as percent numbers."""
    if fmt.is_missing(v):
        return None
    return round(float(v) * (100 if reg.metric(mid).unit == "pct" else 1), 2)


def step_label(step: str, lang: str) -> str:
    return i18n.t(f"review.step.{step}", lang)


def funnel_rows(fig: dict) -> list[dict]:
    """One dict per step: step, figure metric and value, rate metric and value."""
    return [{"step": s, "figure_metric": f, "figure": fig.get(f), "rate_metric": r,
             "rate": fig.get(r) if r and r != f else None} for s, f, r in STEPS]


def funnel_table(fig: dict, lang: str) -> DisplayTable:
    L = _L(lang)
    rows = funnel_rows(fig)
    df = pl.DataFrame({
        L("review.col_step"): [step_label(r["step"], lang) for r in rows],
        L("review.col_figure"): pl.Series([_num(r["figure"], r["figure_metric"]) for r in rows], dtype=pl.Float64),
        L("review.col_unit"): [_unit(r["figure_metric"], lang) for r in rows],
        L("review.col_rate_metric"): pl.Series([i18n.label(r["rate_metric"], lang)
                                                if r["rate_metric"] and r["rate_metric"] != r["figure_metric"] else None
                                                for r in rows], dtype=pl.Utf8),
        L("review.col_rate"): pl.Series([_num(r["rate"], r["rate_metric"]) if r["rate_metric"] else None
                                         for r in rows], dtype=pl.Float64),
    })
    return DisplayTable("review_funnel", L("review.funnel"), df,
                        {L("review.col_figure"): "count", L("review.col_rate"): "pct"})


def _step_of(mid: str) -> str | None:
    return next((s for s, _, r in STEPS if r == mid), None)


def benchmark_rows(fig: dict, peers: dict, group: dict, weak: list) -> list[dict]:
    weak_ids = [m for m, _, _ in weak]
    rows = []
    for m in BENCH:
        p, g = peers.get(m, {}), group[m]
        x = fig.get(m)
        med = p.get("median")
        rows.append({
            "metric": m, "step": _step_of(m), "value": x, "median": med, "excellent": p.get("excellent"),
            "vs_median": (float(x) / med - 1) if not fmt.is_missing(x) and med else None,
            "p25": g["p25"], "p50": g["p50"], "p75": g["p75"], "rank": g["rank"], "n": g["n"],
            "weak": weak_ids.index(m) + 1 if m in weak_ids else None,
        })
    return rows


def benchmarks_table(rows: list[dict], lang: str) -> DisplayTable:
    L = _L(lang)
    col = lambda key: L(f"review.col_{key}")  # noqa: E731
    nums = {k: pl.Series([_num(r[k], r["metric"]) for r in rows], dtype=pl.Float64)
            for k in ("value", "median", "excellent", "p25", "p50", "p75")}
    df = pl.DataFrame({
        col("step"): [step_label(r["step"], lang) if r["step"] else L("review.step.overall") for r in rows],
        col("metric"): [i18n.label(r["metric"], lang) for r in rows],
        col("unit"): [_unit(r["metric"], lang) for r in rows],
        col("value"): nums["value"],
        col("median"): nums["median"],
        col("excellent"): nums["excellent"],
        col("vs_median"): pl.Series([None if r["vs_median"] is None else round(r["vs_median"] * 100, 1)
                                     for r in rows], dtype=pl.Float64),
        col("p25"): nums["p25"], col("p50"): nums["p50"], col("p75"): nums["p75"],
        col("rank"): pl.Series([None if r["rank"] is None else round(r["rank"], 1) for r in rows], dtype=pl.Float64),
        col("n"): pl.Series([r["n"] for r in rows], dtype=pl.Int64),
        col("weak"): pl.Series([L("review.weak_mark", n=r["weak"]) if r["weak"] else None for r in rows], dtype=pl.Utf8),
    })
    units = {col(k): "ratio" for k in ("value", "median", "excellent", "p25", "p50", "p75", "rank")}
    units[col("vs_median")] = "pct"
    units[col("n")] = "count"
    return DisplayTable("review_benchmarks", L("review.benchmarks"), df, units)


def finding_rows(findings: list[diagnosis.Finding], lang: str) -> list[dict]:
    out = []
    for f in findings:
        unit = reg.metric(f.rule.metric).unit
        base = diagnosis.BASES[f.rule.basis][0 if lang == "zh" else 1]
        bench = (fmt.value(f.limit, unit, lang) if f.benchmark is None
                 else f"{base} {fmt.value(f.benchmark, unit, lang)}")
        out.append({"rule": f.rule.id, "metric": i18n.label(f.rule.metric, lang),
                    "figure": fmt.value(f.figure, unit, lang), "condition": f.rule.condition(lang),
                    "benchmark": bench, "finding": f.text(lang)})
    return out


def diagnosis_table(findings: list[diagnosis.Finding], lang: str) -> DisplayTable:
    L = _L(lang)
    rows = finding_rows(findings, lang)
    keys = ["metric", "figure", "condition", "benchmark", "finding"]
    df = pl.DataFrame({L(f"review.col_d_{k}"): pl.Series([r[k] for r in rows], dtype=pl.Utf8) for k in keys})
    return DisplayTable("review_diagnosis", L("review.diagnosis"), df, {})


def explains_table(df: pl.DataFrame, session_gmv, lang: str) -> DisplayTable:
    L = _L(lang)
    total = float(session_gmv or 0)
    out = df.select(
        pl.coalesce("product_name", "product_id").alias(i18n.label("product", lang)),
        pl.col("product_id").alias(f"{i18n.label('product', lang)}ID"),
        pl.col("started_at").alias(L("review.col_e_start")),
        pl.col("ended_at").alias(L("review.col_e_end")),
        pl.col("minutes").round(1).alias(L("review.col_e_minutes")),
        pl.col("clicks").cast(pl.Int64).alias(L("review.col_e_clicks")),
        pl.col("orders").cast(pl.Int64).alias(L("review.col_e_orders")),
        pl.col("gmv").round(2).alias(L("review.col_e_gmv")),
        (pl.when(pl.lit(total) > 0).then(pl.col("gmv") / total * 100).otherwise(None)).round(2)
        .alias(L("review.col_e_share")),
    )
    units = {L("review.col_e_minutes"): "ratio", L("review.col_e_clicks"): "count",
             L("review.col_e_orders"): "count", L("review.col_e_gmv"): "cny", L("review.col_e_share"): "pct"}
    return DisplayTable("review_explains", L("review.explains"), out, units)


MINUTE_COLUMNS = (  # column, i18n key, unit
    ("online", "sessions.col_online", "count"), ("entries", "sessions.col_entries", "count"),
    ("exposures", "review.col_m_exposures", "count"), ("leaves", "review.col_m_leaves", "count"),
    ("new_followers", "review.col_m_followers", "count"), ("comments", "review.col_m_comments", "count"),
    ("shares", "review.col_m_shares", "count"), ("product_clicks", "review.col_m_clicks", "count"),
    ("orders", "review.col_m_orders", "count"), ("gmv", "review.col_m_gmv", "cny"),
    ("gmv_cum", "review.col_m_gmv_cum", "cny"),
)


def on_air(df: pl.DataFrame, windows: pl.DataFrame) -> list[str | None]:
    """The product being explained at each minute of ``df`` (None between explanations)."""
    names = [(r["started_at"], r["ended_at"], r["product_name"] or r["product_id"])
             for r in windows.iter_rows(named=True)]
    return [next((n for s, e, n in names if s <= m < e), None) for m in df["minute"].to_list()]


def minutes_table(df: pl.DataFrame, windows: pl.DataFrame, lang: str) -> DisplayTable:
    L = _L(lang)
    exprs = [pl.col("minute").alias(L("sessions.col_minute"))]
    units = {}
    for c, key, unit in MINUTE_COLUMNS:
        lab = L(key)
        exprs.append((pl.col(c).round(2) if unit == "cny" else pl.col(c)).alias(lab))
        units[lab] = unit
    out = df.select(exprs).with_columns(pl.Series(L("review.col_m_on_air"), on_air(df, windows), dtype=pl.Utf8))
    return DisplayTable("review_minutes", L("review.minutes_table"), out, units)


def audience_table(df: pl.DataFrame, lang: str) -> DisplayTable:
    L = _L(lang)
    out = df.select(
        pl.col("dimension").replace_strict({d: i18n.t(f"review.dim.{d}", lang) for d in schema.AUDIENCE_DIMENSIONS},
                                           default=pl.col("dimension")).alias(L("review.col_a_dimension")),
        pl.col("bucket").replace_strict(_bucket_words(lang), default=pl.col("bucket")).alias(L("review.col_a_bucket")),
        pl.col("viewers").alias(i18n.label("viewers", lang)),
        (pl.col("share") * 100).round(2).alias(L("review.col_a_share")),
        pl.col("buyers").alias(L("review.col_a_buyers")),
        pl.col("gmv").round(2).alias(L("review.col_a_gmv")),
        (pl.col("conversion") * 100).round(2).alias(L("review.col_a_conversion")),
    )
    units = {i18n.label("viewers", lang): "count", L("review.col_a_share"): "pct", L("review.col_a_buyers"): "count",
             L("review.col_a_gmv"): "cny", L("review.col_a_conversion"): "pct"}
    return DisplayTable("review_audience", L("review.audience"), out, units)


_BUCKET_EN = {"女": "Female", "男": "Male", "粉丝": "Fans", "非粉丝": "Non-fans", "新客": "New", "老客": "Returning",
              "其他": "Other", "广东": "Guangdong", "浙江": "Zhejiang", "江苏": "Jiangsu", "山东": "Shandong",
              "福建": "Fujian", "四川": "Sichuan", "河南": "Henan"}


def _bucket_words(lang: str) -> dict[str, str]:
    """Buckets are data (as the platform exports them); the English page translates the
    common ones and shows the rest as they are."""
    return _BUCKET_EN if lang == "en" else {}


def bucket_label(bucket: str, lang: str) -> str:
    return _bucket_words(lang).get(bucket, bucket)


# --- everything the page shows --------------------------------------------------------


class Review:
    """The review of one session (``found`` is False when it is not visible)."""

    def __init__(self, view: View, live_id: str):
        self.live_id = live_id
        self.info = session_info(view, live_id)
        if self.info is None:
            return
        lang = view.lang
        info = self.info
        self.figures = figures(view, live_id)
        self.peers = peer_benchmarks(view, info["category"], info["tier"], info["started_at"].date())
        self.comparables = comparable_ids(view, info)
        self.group = group_stats(view, self.comparables, self.figures)
        self.weak = weakest(self.figures, self.peers, self.group)
        self.findings = diagnosis.diagnose(
            self.figures, {m: p.get("median") for m, p in self.peers.items()},
            {m: g["p25"] for m, g in self.group.items()})
        self.minutes = minutes(view, live_id)
        self.explains = explains(view, live_id)
        self.audience = audience(view, live_id)
        self.traffic = sessions_report.traffic(view, live_id)
        self.bench_rows = benchmark_rows(self.figures, self.peers, self.group, self.weak)
        L = _L(lang)
        self.tables = [
            funnel_table(self.figures, lang),
            benchmarks_table(self.bench_rows, lang),
            diagnosis_table(self.findings, lang),
            explains_table(self.explains, self.figures.get("live_gmv"), lang),
            minutes_table(self.minutes, self.explains, lang),
            audience_table(self.audience, lang),
            metric_table(self.traffic, "review_traffic", L("sessions.traffic"), ["traffic_source"],
                         ["traffic_views", "traffic_gmv"], lang),
            sessions_report.one_row_table(self.figures, "review_ads", L("sessions.ads"),
                                          ["ad_spend", "ad_attributed_gmv", "ad_roi"], lang),
        ]

    @property
    def found(self) -> bool:
        return self.info is not None

    @property
    def peer_period(self) -> tuple[dt.date, dt.date] | None:
        p = next(iter(self.peers.values()), None)
        return (p["period_start"], p["period_end"]) if p else None

    def table(self, name: str) -> DisplayTable:
        return next(t for t in self.tables if t.name == name)


def pick_list(view: View, limit: int | None = PICK_LIMIT) -> pl.DataFrame:
    """Sessions of the period (newest first) for the page's picker."""
    params: dict = {}
    where = view.where(SESSION_SRC.dims, params, time_col=SESSION_SRC.time_col)
    lim = ""
    if limit is not None:
        params["lim"] = int(limit)
        lim = " LIMIT $lim"
    return view.sql(
        "SELECT ls.live_id, ls.title, a.account_name, ls.started_at FROM "
        f"{SESSION_SRC.from_sql} WHERE {where} ORDER BY ls.started_at DESC, ls.live_id{lim}", params)


LIST_METRICS = ["live_gmv", "viewers", "exposure_entry_rate", "avg_watch_seconds", "interaction_rate", "ctr",
                "watch_conversion", "gpm", "uv_value"]


def session_list(view: View) -> pl.DataFrame:
    """The period's sessions with the review's headline metrics, newest first: what the
    page offers to review when no session is chosen."""
    base = pick_list(view, limit=None)
    met = live_report.session_metrics(view, base["live_id"].to_list(), LIST_METRICS).rename({"live": "live_id"})
    return base.join(met, on="live_id", how="left")


def session_list_table(df: pl.DataFrame, lang: str) -> DisplayTable:
    ms, units = metric_columns(df, LIST_METRICS, lang)
    L = _L(lang)
    id_lab = f"{i18n.label('live', lang)}ID"
    exprs = [pl.col("title").alias(L("live.col_title")), pl.col("account_name").alias(i18n.label("account", lang)),
             pl.col("started_at").alias(L("live.col_started"))] + ms + [pl.col("live_id").alias(id_lab)]
    return DisplayTable("review_sessions", L("review.list"), df.select(exprs), units, id_lab)


def tables(view: View) -> list[DisplayTable]:
    """The review's tables for ``view.sel.live``; without a session, the period's
    sessions to choose from (none when the chosen session is not visible)."""
    if not view.sel.live:
        return [session_list_table(session_list(view), view.lang)]
    r = Review(view, view.sel.live)
    return r.tables if r.found else []
