"""Plotly figures of 增长抓手 (the data comes from cockpit.reports.growth, which returns
frames and tables only; the page draws with these).

They share cockpit.charts' look (fonts, colours, 万/K ticks, red-up/green-down).
"""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from cockpit import charts, i18n
from cockpit.reports import growth as gr
from cockpit.view import View


def _t(view: View, key: str, **kw) -> str:
    return i18n.t(key, view.lang, **kw)


def shelf_trend_chart(view: View, df: pl.DataFrame) -> go.Figure:
    """Shelf, content and the rest ('other' channel) stacked to 100 % per bucket."""
    df = df.with_columns(pl.when(pl.col("content_share").is_null()).then(None)
                         .otherwise((1 - pl.col("content_share") - pl.col("shelf_share")).clip(0, 1))
                         .alias("other_share"))
    return charts.stacked_share(df, view.sel.grain, {
        "shelf_share": (_t(view, "growth.group.shelf"), charts.GROUP_COLORS["shelf"]),
        "content_share": (_t(view, "growth.group.content"), charts.GROUP_COLORS["content"]),
        "other_share": (_t(view, "growth.group.other"), charts.CHANNEL_COLORS["other"]),
    }, view.lang)



def chuanliu_before_after_chart(view: View, df: pl.DataFrame) -> go.Figure:
    return charts.grouped_bars(df["store_name"].to_list(), {
        _t(view, "growth.before_gmv"): (df["before_gmv"].to_list(), charts.COMPARISON_COLOR),
        _t(view, "growth.after_gmv"): (df["after_gmv"].to_list(), charts.TRAFFIC_COLORS["distribution"]),
    }, "cny", view.lang)



def chuanliu_trend_chart(view: View, df: pl.DataFrame) -> go.Figure:
    return charts.lines(df, view.sel.grain, {
        "own_live_gmv": (i18n.label("own_live_gmv", view.lang), "cny", charts.SERIES[0]),
        "chuanliu_own_live_gmv": (i18n.label("chuanliu_own_live_gmv", view.lang), "cny",
                                  charts.TRAFFIC_COLORS["distribution"]),
    }, view.lang)



def linkage_chart(view: View, df: pl.DataFrame, n: int = 10) -> go.Figure:
    """Short-video-driven live GMV of the accounts that took the most."""
    top = df.sort(["short_video_live_gmv", "account"], descending=[True, False]).head(n)
    return charts.bars(top["account_name"].fill_null(top["account"]).to_list(), top["short_video_live_gmv"].to_list(),
                       "cny", view.lang, colors=[charts.TRAFFIC_COLORS["short_video"]] * top.height)



def repurchase_chart(view: View, df: pl.DataFrame) -> go.Figure:
    return charts.lines(df, "month", {
        m: (i18n.label(m, view.lang), "pct", charts.SERIES[i]) for i, m in enumerate(gr.FAN_METRICS)
    }, view.lang)



def followers_over_time_chart(view: View, df: pl.DataFrame) -> go.Figure:
    """Cumulative net follower growth since the period's start, one line per account
    (the largest few by followers at the end): growth shows even beside a million-fan account."""
    grain = view.sel.grain
    last = df.sort(grain).group_by("account", maintain_order=True).last() \
        .sort(["followers", "account"], descending=[True, False]).head(gr.TOP_ACCOUNT_LINES)
    keep = last["account"].to_list()
    d = df.filter(pl.col("account").is_in(keep)).sort(grain).with_columns(
        pl.col("account_name").fill_null(pl.col("account")),
        pl.col("followers_net").cum_sum().over("account").alias("net_cum"),
    )
    return charts.series_lines(d, grain, "account_name", "net_cum", "count", view.lang)



def cold_start_chart(view: View, curves: pl.DataFrame) -> go.Figure:
    fig = charts.series_lines(curves, "day_n", "store_name", "cum_gmv", "cny", view.lang)
    fig.add_hline(y=gr.MILESTONE_GMV, line=dict(color=charts.COMPARISON_COLOR, width=1, dash="dot"))
    fig.update_xaxes(title_text=_t(view, "growth.days_since_open"))
    return fig



def score_trend_chart(view: View, df: pl.DataFrame, threshold: float) -> go.Figure:
    fig = charts.lines(df, view.sel.grain, {
        m: (i18n.label(m, view.lang), "ratio", charts.SERIES[i]) for i, m in enumerate(gr.SCORE_METRICS.values())
    }, view.lang)
    vals = [v for m in gr.SCORE_METRICS.values() for v in df[m].to_list() if v is not None] + [threshold]
    # scores live near the top of the 0-5 scale: zoom in instead of starting at 0
    fig.update_yaxes(tickmode="auto", tickvals=None, ticktext=None, tickformat=".1f",
                     range=[max(0.0, min(vals) - 0.2), min(5.0, max(vals) + 0.1) if vals else 5.0])
    return charts.with_threshold(fig, threshold, _t(view, "growth.threshold_line", v=f"{threshold:.2f}"))



def market_share_chart(view: View, df: pl.DataFrame) -> go.Figure:
    return charts.series_lines(df, view.sel.grain, "category", "market_share", "pct", view.lang)



def supply_chart(view: View, df: pl.DataFrame, category: str) -> go.Figure:
    """Supply: active sellers (left) and active products (right) of one category."""
    d = df.filter(pl.col("category") == category)
    return (charts.lines(d, view.sel.grain, {
        "active_sellers": (i18n.label("active_sellers", view.lang), "count", charts.SERIES[1]),
        "active_products": (i18n.label("active_products", view.lang), "count", charts.SERIES[2]),
    }, view.lang, secondary={"active_products"}))



def demand_chart(view: View, df: pl.DataFrame, category: str) -> go.Figure:
    """Demand: search volume (left) beside the category's market GMV (right)."""
    d = df.filter(pl.col("category") == category)
    return (charts.lines(d, view.sel.grain, {
        "search_volume": (i18n.label("search_volume", view.lang), "count", charts.SERIES[0]),
        "market_gmv": (i18n.label("market_gmv", view.lang), "cny", charts.COMPARISON_COLOR),
    }, view.lang, secondary={"market_gmv"}))
