"""Plotly figures of 直播复盘 (the data comes from cockpit.reports.review).

They share cockpit.charts' look (fonts, colours, 万/K ticks).  The minute chart keeps
figures of different sizes apart: online and entries on one panel, cumulative GMV with
orders per minute on a second, new followers and interactions on a third, so a burst
of orders never flattens the audience curve and followers do not lie at zero under
thousands of viewers.  讲解 windows are shaded bands across all panels, labelled with
the product.
"""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from cockpit import charts, fmt, i18n
from cockpit import metrics as reg
from cockpit.reports import review

BAND_COLORS = ["#F59E0B", "#8B5CF6", "#10B981", "#0EA5E9", "#EC4899", "#64748B", "#EF4444", "#2563EB"]
WEAK_COLOR = "#E8483B"
OK_COLOR = "#2563EB"
GROUP_COLOR = "rgba(100, 116, 139, 0.35)"


def _axis(fig: go.Figure, values, unit: str, lang: str, row: int, secondary: bool = False,
          include_zero: bool = True) -> None:
    ticks = charts.nice_ticks(values, include_zero=include_zero)
    if unit == "count" and ticks and any(t != int(t) for t in ticks):  # people and orders come whole
        top = max(int(ticks[-1] + 0.999), 1)
        ticks = list(range(0, top + 1))
    if ticks:
        fig.update_yaxes(tickvals=ticks, ticktext=[charts.tick_text(v, unit, lang) for v in ticks],
                         range=[ticks[0], ticks[-1]], row=row, col=1, secondary_y=secondary)


def _short(name: str, n: int = 12) -> str:
    return name if len(name) <= n else name[: n - 1] + "…"


def minute_chart(df: pl.DataFrame, windows: pl.DataFrame, lang: str, height: int = 720) -> go.Figure:
    """Three panels over the session's minutes, with the explanation bands."""
    L = lambda k: i18n.t(k, lang)  # noqa: E731
    fig = make_subplots(rows=3, cols=1, shared_xaxes=True, vertical_spacing=0.07, row_heights=[0.42, 0.33, 0.25],
                        specs=[[{}], [{"secondary_y": True}], [{}]],
                        subplot_titles=(L("review.panel_people"), L("review.panel_sales"), L("review.panel_engage")))
    x = df["minute"].to_list()

    def line(col, name, color, row, unit="count", secondary=False, width=2.0, dash=None):
        vals = df[col].to_list()
        kw = {"secondary_y": secondary} if row == 2 else {}
        fig.add_trace(go.Scatter(x=x, y=vals, name=name, mode="lines", line=dict(color=color, width=width, dash=dash),
                                 customdata=[fmt.value(v, unit, lang) for v in vals], hovertemplate="%{customdata}",
                                 connectgaps=False), row=row, col=1, **kw)
        return vals

    def bars(col, name, color, row, unit="count", secondary=False):
        vals = df[col].to_list()
        kw = {"secondary_y": secondary} if row == 2 else {}
        fig.add_trace(go.Bar(x=x, y=vals, name=name, marker_color=color, opacity=0.75,
                             customdata=[fmt.value(v, unit, lang) for v in vals], hovertemplate="%{customdata}"),
                      row=row, col=1, **kw)
        return vals

    people = line("online", L("sessions.col_online"), charts.SERIES[1], 1, width=2.5)
    people += line("entries", L("sessions.col_entries"), charts.SERIES[2], 1, width=1.5)
    _axis(fig, people, "count", lang, 1)
    orders = bars("orders", L("review.col_m_orders"), "#F59E0B", 2, secondary=True)
    gmv = line("gmv_cum", L("review.col_m_gmv_cum"), charts.SERIES[0], 2, unit="cny", width=2.5)
    _axis(fig, gmv, "cny", lang, 2)
    _axis(fig, orders, "count", lang, 2, secondary=True)
    fig.update_yaxes(showgrid=False, row=2, col=1, secondary_y=True)
    engage = bars("new_followers", L("review.col_m_followers"), charts.SERIES[4], 3)
    engage += line("comments", L("review.col_m_comments"), charts.SERIES[5], 3, width=1.5)
    engage += line("shares", L("review.col_m_shares"), charts.SERIES[6], 3, width=1.5)
    _axis(fig, engage, "count", lang, 3)
    _bands(fig, windows)
    charts.base_layout(fig, height)
    fig.update_layout(barmode="overlay", bargap=0, margin=dict(l=8, r=8, t=64, b=8),
                      legend=dict(orientation="h", yanchor="bottom", y=1.04, xanchor="left", x=0))
    fig.update_xaxes(tickformat="%H:%M", hoverformat="%Y-%m-%d %H:%M")
    for a in fig.layout.annotations[:3]:  # the panel titles: left, small
        a.update(x=0, xanchor="left", font=dict(size=13))
    return fig


def _bands(fig: go.Figure, windows: pl.DataFrame) -> None:
    """Each 讲解 window as a shaded band over all panels, its product written upright at
    the top of the first panel (bands are a few minutes wide)."""
    colors: dict[str, str] = {}
    for r in windows.iter_rows(named=True):
        name = r["product_name"] or r["product_id"]
        color = colors.setdefault(r["product_id"], BAND_COLORS[len(colors) % len(BAND_COLORS)])
        fig.add_vrect(x0=r["started_at"], x1=r["ended_at"], fillcolor=color, opacity=0.16, line_width=0,
                      layer="below", row="all", col=1)
        fig.add_annotation(x=r["started_at"] + (r["ended_at"] - r["started_at"]) / 2, xref="x", y=1, yref="y domain",
                           text=_short(name), textangle=-90, showarrow=False, yanchor="top",
                           font=dict(size=11, color="#374151"), bgcolor="rgba(255,255,255,0.6)")


def funnel_chart(rows: list[dict], lang: str, height: int = 380) -> go.Figure:
    """曝光 → 成交 as a funnel of people; the stay step keeps the viewers' width and
    shows the average watch time."""
    labels, values, text = [], [], []
    viewers = next((r["figure"] for r in rows if r["figure_metric"] == "viewers"), None)
    for r in rows:
        labels.append(review.step_label(r["step"], lang))
        if r["figure_metric"] == "avg_watch_seconds":
            values.append(viewers or 0)
            text.append(f"{i18n.label('avg_watch_seconds', lang)} {fmt.value(r['figure'], 'seconds', lang)}")
            continue
        values.append(r["figure"] or 0)
        t = fmt.value(r["figure"], "count", lang)
        if r["rate_metric"] and r["rate_metric"] != r["figure_metric"]:
            t += f" · {i18n.label(r['rate_metric'], lang)} {fmt.value(r['rate'], 'pct', lang)}"
        text.append(t)
    colors = [charts.SERIES[i % len(charts.SERIES)] for i in range(len(rows))]
    top = max(values) or 1
    inside = ["inside" if v >= 0.55 * top else "outside" for v in values]  # wide bars hold their label
    fig = go.Figure(go.Funnel(y=labels, x=values, text=text, textinfo="text", textposition=inside,
                              insidetextfont=dict(color="white"),
                              marker=dict(color=colors), connector=dict(line=dict(color="#CBD5E1", width=1)),
                              hovertemplate="%{y}: %{text}<extra></extra>"))
    charts.base_layout(fig, height, legend=False)
    fig.update_layout(hovermode="closest", margin=dict(l=8, r=8, t=16, b=8))
    return fig


def benchmark_chart(rows: list[dict], lang: str, height: int | None = None) -> go.Figure:
    """Each metric as a share of its benchmark (the peer median; the group's P50 where no
    peer figure exists): the group's P25-P75 as a grey bar with its P50, the peers'
    excellent value as a diamond, this session as a dot (red when among the weakest)."""
    L = lambda k: i18n.t(k, lang)  # noqa: E731
    names, ref_kind = [], []
    sess, exc, p25, p75, p50, colors, hover = [], [], [], [], [], [], []
    for r in rows:
        m = r["metric"]
        ref = r["median"] if r["median"] else r["p50"]
        kind = "peer" if r["median"] else "group"
        unit = reg.metric(m).unit
        rel = lambda v: None if fmt.is_missing(v) or not ref else float(v) / float(ref) * 100  # noqa: E731
        star = "" if kind == "peer" else " *"
        names.append(i18n.label(m, lang) + star)
        ref_kind.append(kind)
        sess.append(rel(r["value"]))
        exc.append(rel(r["excellent"]))
        p25.append(rel(r["p25"]))
        p75.append(rel(r["p75"]))
        p50.append(rel(r["p50"]))
        colors.append(WEAK_COLOR if r["weak"] else OK_COLOR)
        hover.append(f"{L('review.this')} {fmt.value(r['value'], unit, lang)} · {L('review.peer_median')} "
                     f"{fmt.value(r['median'], unit, lang)} · {L('review.group_p50')} {fmt.value(r['p50'], unit, lang)}")
    fig = go.Figure()
    lo = [a if a is not None else None for a in p25]
    width = [None if a is None or b is None else max(b - a, 0.5) for a, b in zip(p25, p75)]
    fig.add_trace(go.Bar(y=names, x=width, base=lo, orientation="h", marker_color=GROUP_COLOR, name=L("review.group_range"),
                         hoverinfo="skip", width=0.5))
    fig.add_trace(go.Scatter(y=names, x=p50, mode="markers", name=L("review.group_p50"), hoverinfo="skip",
                             marker=dict(symbol="line-ns", size=16, line=dict(width=2.5, color="#475569"))))
    fig.add_trace(go.Scatter(y=names, x=exc, mode="markers", name=L("review.peer_excellent"), hoverinfo="skip",
                             marker=dict(symbol="diamond", size=11, color="#10B981")))
    fig.add_trace(go.Scatter(y=names, x=sess, mode="markers+text", name=L("review.this"), customdata=hover,
                             hovertemplate="%{customdata}<extra></extra>",
                             text=[None if v is None else f"{v:.0f}" for v in sess], textposition="middle right",
                             marker=dict(size=13, color=colors, line=dict(width=1, color="white"))))
    fig.add_vline(x=100, line=dict(color="#9CA3AF", width=1.5, dash="dash"))
    fig.update_yaxes(autorange="reversed")
    xs = [v for v in sess + exc + p25 + p75 if v is not None] + [100.0]
    hi = min(max(xs) * 1.12, 400.0) if xs else 200.0
    fig.update_xaxes(range=[0, max(hi, 130.0)], title=dict(text=L("review.bench_axis"), font=dict(size=12)),
                     ticksuffix="")
    charts.base_layout(fig, height or 60 + 34 * len(rows), legend=True)
    fig.update_layout(hovermode="closest", barmode="overlay")
    return fig


def audience_chart(df: pl.DataFrame, dimension: str, lang: str, height: int = 260) -> go.Figure:
    """One dimension: each bucket's share of viewers beside its share of buyers."""
    L = lambda k: i18n.t(k, lang)  # noqa: E731
    d = df.filter(pl.col("dimension") == dimension)
    labels = [review.bucket_label(b, lang) for b in d["bucket"].to_list()]
    buyers = d["buyers"].fill_null(0)
    total_b = buyers.sum()
    b_share = [(b / total_b) if total_b else None for b in buyers.to_list()]
    fig = go.Figure()
    for name, vals, color in ((L("review.viewer_share"), d["share"].to_list(), charts.SERIES[1]),
                              (L("review.buyer_share"), b_share, charts.SERIES[0])):
        text = [fmt.value(v, "pct", lang) for v in vals]
        fig.add_bar(x=labels, y=vals, name=name, marker_color=color, text=text, textposition="outside",
                    customdata=text, hovertemplate="%{x}: %{customdata}<extra>" + name + "</extra>")
    vals = [v for v in d["share"].to_list() + b_share if v is not None]
    top = max(vals) if vals else 1
    fig.update_yaxes(tickformat=".0%", range=[0, min(1.0, top * 1.3) or 1])
    fig.update_traces(textfont=dict(size=10), cliponaxis=False)
    charts.base_layout(fig, height)
    fig.update_layout(barmode="group", hovermode="closest",
                      title=dict(text=i18n.t(f"review.dim.{dimension}", lang), font=dict(size=14), x=0.01, xanchor="left",
                                 y=0.98, yanchor="top", yref="container"),
                      margin=dict(l=8, r=8, t=64, b=8),
                      legend=dict(orientation="h", x=1, xanchor="right", y=1.02, yanchor="bottom"))
    return fig
