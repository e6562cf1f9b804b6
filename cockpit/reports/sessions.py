"""直播明细 Live detail: every session of the period, and one session opened up.

The list holds the sessions that started in the selected period (the period applies to
``started_at``, SPEC section 3) within the sidebar filters and the data scope.  Their
figures come from the metric registry split by ``live`` and restricted to those
sessions, without a period: a session's orders count even when paid after midnight.

One session (``view.sel.live``) opens its minute curves, funnel, traffic sources, ads,
top products, refund and 48 h shipping rates, and a comparison with the same account's
previous :data:`HISTORY_SESSIONS` sessions.  Every figure is a registry metric with
``filters={"live": [id]}``, except the curves, which are per-minute rows.
"""

from __future__ import annotations

import polars as pl

from cockpit import i18n
from cockpit import metrics as reg
from cockpit.reports import live as live_report
from cockpit.tables import DisplayTable, id_label, metric_columns, metric_labels, metric_table, translate_enum, unit_label
from cockpit.view import View

SESSION_SRC = live_report.SESSION_SRC
LIST_METRICS = [
    "live_gmv", "orders", "live_buyers", "views", "viewers", "peak_online", "avg_watch_seconds",
    "new_followers", "follow_rate", "gpm", "uv_value", "ctr", "click_conversion", "live_hours",
]
FUNNEL_METRICS = ["viewers", "product_exposures", "product_clicks", "live_buyers"]
HISTORY_METRICS = ["live_gmv", "viewers", "gpm", "peak_online"]
HISTORY_SESSIONS = 5
TOP_PRODUCTS = 10


def _session_rows(view: View, extra_where: str = "TRUE", params: dict | None = None,
                  period="selected", order: str = "ls.started_at DESC, ls.live_id",
                  limit: int | None = None) -> pl.DataFrame:
    params = {} if params is None else params
    where = view.where(SESSION_SRC.dims, params, time_col=SESSION_SRC.time_col, period=period)
    lim = ""
    if limit is not None:
        params["lim"] = int(limit)
        lim = " LIMIT $lim"
    sql = (
        "SELECT ls.live_id, ls.account_id, a.account_name, a.account_type, ls.title, "
        "ls.started_at, ls.ended_at "
        f"FROM {SESSION_SRC.from_sql} WHERE {where} AND {extra_where} ORDER BY {order}{lim}"
    )
    return view.sql(sql, params)


def session_list(view: View) -> pl.DataFrame:
    """Sessions started in the period with every list metric, newest first."""
    base = _session_rows(view)
    ids = base["live_id"].to_list()
    met = live_report.session_metrics(view, ids, LIST_METRICS).rename({"live": "live_id"})
    return base.join(met, on="live_id", how="left")


def filter_sessions(df: pl.DataFrame, text: str | None) -> pl.DataFrame:
    """Rows whose title, account name or id contains ``text`` (case-insensitive, literal)."""
    text = (text or "").strip().lower()
    if not text:
        return df
    hay = pl.concat_str([pl.col("title").fill_null(""), pl.col("account_name").fill_null(""),
                         pl.col("live_id")], separator=" ").str.to_lowercase()
    return df.filter(hay.str.contains(text, literal=True))


def _base_columns(lang: str, with_end: bool = True) -> list[pl.Expr]:
    L = lambda k: i18n.t(k, lang)  # noqa: E731
    cols = [
        pl.col("title").alias(L("live.col_title")),
        pl.col("account_name").alias(i18n.label("account", lang)),
        translate_enum("account_type", lang).alias(i18n.label("account_type", lang)),
        pl.col("started_at").alias(L("live.col_started")),
    ]
    if with_end:
        cols.append(pl.col("ended_at").alias(L("live.col_ended")))
    return cols


def sessions_table(df: pl.DataFrame, lang: str) -> DisplayTable:
    ms, units = metric_columns(df, LIST_METRICS, lang)
    exprs = _base_columns(lang) + ms
    id_lab = id_label(i18n.label('live', lang), lang)
    exprs.append(pl.col("live_id").alias(id_lab))
    return DisplayTable("sessions", i18n.t("sessions.table", lang), df.select(exprs), units, id_lab,
                        metric_labels(LIST_METRICS, lang))


# --- one session -------------------------------------------------------------------


def session_info(view: View, live_id: str) -> dict | None:
    """The session's own row, or None when it is outside the scope or the filters."""
    params = {"one_id": live_id}
    df = _session_rows(view, "ls.live_id = $one_id", params, period=None)
    return df.row(0, named=True) if df.height else None


def session_figures(view: View, live_id: str) -> dict:
    """Every registry figure of one session, in one row."""
    metric_ids = list(dict.fromkeys(
        LIST_METRICS + FUNNEL_METRICS + ["gmv", "refund_amount", "refund_rate", "ship_48h_rate",
                                         "ad_spend", "ad_attributed_gmv", "ad_roi"]))
    return view.run(metric_ids, filters={"live": [live_id]}, period=None).row(0, named=True)


def minute_curves(view: View, live_id: str) -> pl.DataFrame:
    """Per minute: online, entries, new followers (live_minutes) and live GMV (orders)."""
    mins = live_report.minute_series(view, [live_id]).drop("live_id")
    gmv = live_report.gmv_by_minute(view, [live_id]).drop("live_id", "orders")
    if mins.height == 0 and gmv.height == 0:
        return pl.DataFrame(schema={"minute": pl.Datetime("us"), "online": pl.Int64, "entries": pl.Int64,
                                    "new_followers": pl.Int64, "gmv": pl.Float64})
    out = mins.join(gmv, on="minute", how="full", coalesce=True).sort("minute")
    return out.with_columns(pl.col("gmv").fill_null(0.0))


def minutes_table(df: pl.DataFrame, lang: str) -> DisplayTable:
    L = lambda k: i18n.t(k, lang)  # noqa: E731
    cols = {
        "online": (L("sessions.col_online"), "count"),
        "entries": (L("sessions.col_entries"), "count"),
        "new_followers": (i18n.label("new_followers", lang), "count"),
        "gmv": (i18n.label("live_gmv", lang), "cny"),
    }
    cols = {c: (unit_label(lab, u, lang), u) for c, (lab, u) in cols.items()}
    exprs = [pl.col("minute").alias(L("sessions.col_minute"))]
    exprs += [(pl.col(c).round(2) if u == "cny" else pl.col(c)).alias(lab) for c, (lab, u) in cols.items()]
    return DisplayTable("session_minutes", L("sessions.minutes"), df.select(exprs),
                        {lab: u for lab, u in cols.values()})


def funnel(fig: dict, lang: str) -> DisplayTable:
    """viewers -> product exposures -> product clicks -> live buyers, with step rates."""
    labels = [i18n.label(m, lang) for m in FUNNEL_METRICS]
    values = [fig.get(m) for m in FUNNEL_METRICS]
    steps: list[float | None] = [None]
    for prev, cur in zip(values, values[1:]):
        steps.append(round(cur / prev * 100, 2) if prev and cur is not None else None)
    L = lambda k: i18n.t(k, lang)  # noqa: E731
    df = pl.DataFrame({
        L("sessions.col_stage"): labels,
        L("sessions.col_people"): pl.Series(values, dtype=pl.Int64),
        L("sessions.col_step"): pl.Series(steps, dtype=pl.Float64),
    })
    return DisplayTable("session_funnel", L("sessions.funnel"), df,
                        {L("sessions.col_people"): "count", L("sessions.col_step"): "pct"})


def traffic(view: View, live_id: str) -> pl.DataFrame:
    return view.run(["traffic_views", "traffic_gmv"], dims=["traffic_source"], filters={"live": [live_id]},
                    period=None, order_by="traffic_gmv")


def top_products(view: View, live_id: str) -> pl.DataFrame:
    return view.run(["gmv", "orders", "buyers"], dims=["product"], filters={"live": [live_id]},
                    period=None, order_by="gmv", limit=TOP_PRODUCTS)


def one_row_table(fig: dict, name: str, title: str, metric_ids: list[str], lang: str) -> DisplayTable:
    df = pl.DataFrame([{m: fig.get(m) for m in metric_ids}],
                      schema={m: pl.Int64 if reg.metric(m).unit == "count" else pl.Float64 for m in metric_ids})
    return metric_table(df, name, title, [], metric_ids, lang)


def previous_sessions(view: View, info: dict, n: int = HISTORY_SESSIONS) -> pl.DataFrame:
    """The same account's last ``n`` sessions before this one (any period), newest first."""
    params = {"acct": info["account_id"], "before": info["started_at"], "self_id": info["live_id"]}
    base = _session_rows(
        view, "ls.account_id = $acct AND ls.started_at < $before AND ls.live_id <> $self_id",
        params, period=None, limit=n,
    )
    met = live_report.session_metrics(view, base["live_id"].to_list(), HISTORY_METRICS).rename({"live": "live_id"})
    return base.join(met, on="live_id", how="left").sort("started_at", descending=True)


def history(view: View, info: dict, fig: dict, n: int = HISTORY_SESSIONS) -> tuple[pl.DataFrame, dict]:
    """This session, its account's previous sessions, and their plain average per metric.

    Returns the rows (kind = this | previous | average) and, per metric, this session's
    change against that average (a fraction; None when there is no average or it is 0).
    """
    prev = previous_sessions(view, info, n)
    cols = ["live_id", "title", "started_at", *HISTORY_METRICS]
    this = pl.DataFrame([{
        "kind": "this", "live_id": info["live_id"], "title": info["title"], "started_at": info["started_at"],
        **{m: (None if fig.get(m) is None else float(fig[m])) for m in HISTORY_METRICS},
    }], schema={"kind": pl.Utf8, "live_id": pl.Utf8, "title": pl.Utf8, "started_at": pl.Datetime("us"),
                **{m: pl.Float64 for m in HISTORY_METRICS}})
    rows = [this]
    change: dict = {m: None for m in HISTORY_METRICS}
    if prev.height:
        p = prev.select(cols).with_columns(
            pl.lit("previous").alias("kind"), *[pl.col(m).cast(pl.Float64) for m in HISTORY_METRICS])
        # plain mean of the previous sessions' figures; head counts rounded to whole people
        avg = p.select([
            pl.col(m).mean().round(0) if reg.metric(m).unit == "count" else pl.col(m).mean()
            for m in HISTORY_METRICS
        ]).with_columns(
            pl.lit("average").alias("kind"), pl.lit(None, pl.Utf8).alias("live_id"),
            pl.lit(None, pl.Utf8).alias("title"), pl.lit(None, pl.Datetime("us")).alias("started_at"))
        rows += [p.select(this.columns), avg.select(this.columns)]
        a = avg.row(0, named=True)
        for m in HISTORY_METRICS:
            cur = this[m][0]
            change[m] = None if cur is None or not a[m] else (cur - a[m]) / abs(a[m])
    out = pl.concat(rows).with_columns(
        [pl.col(m).cast(pl.Int64) for m in HISTORY_METRICS if reg.metric(m).unit == "count"])
    return out, change


def history_table(rows: pl.DataFrame, lang: str, n_prev: int) -> DisplayTable:
    L = lambda k, **kw: i18n.t(k, lang, **kw)  # noqa: E731
    session = (
        pl.when(pl.col("kind") == "this").then(pl.lit(L("sessions.row_this")))
        .when(pl.col("kind") == "average").then(pl.lit(L("sessions.row_avg", n=n_prev)))
        .otherwise(pl.col("title"))
    )
    ms, units = metric_columns(rows, HISTORY_METRICS, lang)
    exprs = [session.alias(L("sessions.col_session")), pl.col("started_at").alias(L("live.col_started"))] + ms
    id_lab = id_label(i18n.label('live', lang), lang)
    exprs.append(pl.col("live_id").alias(id_lab))
    return DisplayTable("session_history", L("sessions.history", n=n_prev), rows.select(exprs), units, id_lab)


class Detail:
    """Everything the page shows for one session (None info: not visible)."""

    def __init__(self, view: View, live_id: str):
        self.live_id = live_id
        self.info = session_info(view, live_id)
        if self.info is None:
            return
        lang = view.lang
        self.figures = session_figures(view, live_id)
        self.curves = minute_curves(view, live_id)
        self.traffic = traffic(view, live_id)
        self.products = top_products(view, live_id)
        self.history_rows, self.change = history(view, self.info, self.figures)
        self.n_prev = self.history_rows.filter(pl.col("kind") == "previous").height
        L = lambda k: i18n.t(k, lang)  # noqa: E731
        self.tables = [
            minutes_table(self.curves, lang),
            funnel(self.figures, lang),
            metric_table(self.traffic, "session_traffic", L("sessions.traffic"), ["traffic_source"],
                         ["traffic_views", "traffic_gmv"], lang),
            one_row_table(self.figures, "session_ads", L("sessions.ads"),
                          ["ad_spend", "ad_attributed_gmv", "ad_roi"], lang),
            metric_table(self.products, "session_products", L("sessions.products"), ["product"],
                         ["gmv", "orders", "buyers"], lang),
            one_row_table(self.figures, "session_quality", L("sessions.quality"),
                          ["gmv", "orders", "refund_amount", "refund_rate", "ship_48h_rate"], lang),
            history_table(self.history_rows, lang, self.n_prev),
        ]

    @property
    def found(self) -> bool:
        return self.info is not None

    def table(self, name: str) -> DisplayTable:
        return next(t for t in self.tables if t.name == name)


def top_sessions(df: pl.DataFrame, n: int = 10) -> pl.DataFrame:
    return df.sort(["live_gmv", "live_id"], descending=[True, False], nulls_last=True).head(n)


def session_labels(df: pl.DataFrame) -> list[str]:
    """Chart labels "MM-DD HH:MM title · account", unique (a chart axis merges equal labels)."""
    labels = [
        f"{s:%m-%d %H:%M} {t or lid} · {a}"
        for s, t, a, lid in zip(df["started_at"], df["title"], df["account_name"], df["live_id"])
    ]
    seen: dict[str, int] = {}
    for lab in labels:
        seen[lab] = seen.get(lab, 0) + 1
    return [f"{lab} ({lid})" if seen[lab] > 1 else lab for lab, lid in zip(labels, df["live_id"])]


def tables(view: View) -> list[DisplayTable]:
    out = [sessions_table(session_list(view), view.lang)]
    if view.sel.live:
        d = Detail(view, view.sel.live)
        if d.found:
            out += d.tables
    return out
