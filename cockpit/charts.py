"""Plotly figures with one look across every page, and the one place for colours.

One colour per channel and per account type everywhere; up and down in the convention
of the UI language (红涨绿跌 in Chinese, green-up in English, see :func:`change_color`);
axis ticks and hovers read 万/亿 in Chinese and K/M in English (cockpit.fmt; Plotly's
own SI suffixes would print "10k" and "1G" to a Chinese reader); dates are local dates.
Names and titles from data are drawn as text: Plotly reads a subset of HTML (links
included) in labels, so every label passes through :func:`text`.
"""

from __future__ import annotations

import datetime
import html
import math

import plotly.graph_objects as go
import polars as pl

from cockpit import fmt, i18n

CHANNEL_COLORS = {
    "live": "#E8483B", "short_video": "#F59E0B", "mall": "#2563EB", "store_page": "#0EA5E9",
    "search": "#10B981", "recommend": "#8B5CF6", "other": "#9CA3AF",
}
ACCOUNT_TYPE_COLORS = {"own": "#E8483B", "authorized": "#2563EB", "distributor": "#F59E0B", None: "#9CA3AF"}
STORE_TYPE_COLORS = {"direct": "#E8483B", "authorized": "#2563EB"}
TRAFFIC_COLORS = {
    "recommend": "#8B5CF6", "follow": "#E8483B", "short_video": "#F59E0B", "paid": "#2563EB",
    "search": "#10B981", "distribution": "#EC4899", "other": "#9CA3AF",
}
GROUP_COLORS = {"content": "#E8483B", "shelf": "#2563EB"}
SERIES = ["#E8483B", "#2563EB", "#10B981", "#F59E0B", "#8B5CF6", "#0EA5E9", "#EC4899", "#64748B"]
COMPARISON_COLOR = "#9CA3AF"

# Up and down: red and green swap meaning between the two UI languages.
RED, GREEN, NEUTRAL = "#D92D20", "#039855", "#667085"


def change_color(direction: int, lang: str, higher_is_better: bool | None = True) -> str:
    """Colour of a change: in Chinese up is red and down is green whatever the metric
    (红涨绿跌, as on the platform and the stock screen); in English green is good, so a
    rising refund rate is red.  ``higher_is_better=None`` (a zero-sum share: content
    against shelf) and no change get no good/bad colour."""
    if not direction or higher_is_better is None:
        return NEUTRAL
    if lang == "zh":
        return RED if direction > 0 else GREEN
    good = direction > 0 if higher_is_better else direction < 0
    return GREEN if good else RED


# Shares that only move against each other: content up is shelf down, neither good nor bad.
ZERO_SUM = frozenset({"content_share", "shelf_share"})


def better(metric_id: str | None) -> bool | None:
    """Whether up is good for a metric (registry), None for a zero-sum share."""
    from cockpit import metrics

    if metric_id is None:
        return True
    if metric_id in ZERO_SUM or metric_id not in metrics.METRICS:
        return None if metric_id in ZERO_SUM else True
    return metrics.metric(metric_id).higher_is_better


def metric_delta_color(lang: str, higher_is_better: bool | None) -> str:
    """st.metric's delta_color for the same rule ("normal" is green-up)."""
    if higher_is_better is None:
        return "off"
    if lang == "zh":
        return "inverse"
    return "normal" if higher_is_better else "inverse"


def text(value) -> str:
    """A label from data, shown literally by Plotly (no tags, no links)."""
    return html.escape("" if value is None else str(value), quote=False)


def texts(values) -> list[str]:
    return [text(v) for v in values]

COLORS_BY_DIM = {
    "channel": CHANNEL_COLORS, "account_type": ACCOUNT_TYPE_COLORS, "store_type": STORE_TYPE_COLORS,
    "traffic_source": TRAFFIC_COLORS,
}
FONT = "PingFang SC, Microsoft YaHei, Noto Sans CJK SC, Noto Sans SC, sans-serif"


def color_for(dim: str, value, i: int = 0) -> str:
    return COLORS_BY_DIM.get(dim, {}).get(value, SERIES[i % len(SERIES)])


def nice_ticks(values, n: int = 5, include_zero: bool | None = None) -> list[float]:
    """Round tick values covering the data.

    Zero is included for bars (True) and, by default, whenever the data sits within
    half its height of zero; a level far from zero (28.5M followers) gets ticks around
    the data instead, so the axis keeps its labels and the line its shape.
    """
    vals = [float(v) for v in values if not fmt.is_missing(v)]
    if not vals:
        return []
    lo, hi = min(vals), max(vals)
    if include_zero or (include_zero is None and (lo <= 0 or lo <= hi * 0.5)):
        lo, hi = min(0.0, lo), max(0.0, hi)
    if hi == lo:
        hi = lo + 1
    raw = (hi - lo) / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    start = math.floor(lo / step) * step
    ticks, v = [], start
    while v <= hi + step * 0.999:
        ticks.append(round(v, 10))
        v += step
    return ticks


def tick_text(v: float, unit: str, lang: str, step: float | None = None) -> str:
    return fmt.tick(v, unit, lang, step)


def _labels(ticks: list[float], unit: str, lang: str) -> list[str]:
    step = ticks[1] - ticks[0] if len(ticks) > 1 else None
    return [fmt.tick(v, unit, lang, step) for v in ticks]


def format_axis(fig: go.Figure, values, unit: str, lang: str, axis: str = "y",
                include_zero: bool | None = None) -> None:
    """Ticks labelled 万/亿 or K/M, and the axis range pinned to them so they all show."""
    ticks = nice_ticks(values, include_zero=include_zero)
    if ticks:
        getattr(fig, f"update_{axis}axes")(tickvals=ticks, ticktext=_labels(ticks, unit, lang),
                                           range=[ticks[0], ticks[-1]])


def base_layout(fig: go.Figure, height: int = 320, legend: bool = True) -> go.Figure:
    fig.update_layout(
        height=height, margin=dict(l=8, r=8, t=32, b=8), font=dict(family=FONT, size=13),
        hovermode="x unified", showlegend=legend,
        legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0),
        plot_bgcolor="rgba(0,0,0,0)", paper_bgcolor="rgba(0,0,0,0)",
    )
    fig.update_xaxes(showgrid=False)
    fig.update_yaxes(gridcolor="rgba(128,128,128,0.2)", zeroline=False)
    return fig


def _hover(values, unit: str, lang: str) -> list[str]:
    return [fmt.value(v, unit, lang) for v in values]


def trend(df: pl.DataFrame, x: str, metric: str, unit: str, lang: str, name: str,
          cmp_col: str | None = None, cmp_name: str | None = None, height: int = 320,
          partial_label: str | None = None) -> go.Figure:
    """A metric over time, with the comparison period's values on the same dates.

    ``partial_label`` ("今日截至 14:30"): the last bucket is not over yet, so it is drawn
    apart (a dashed segment to a hollow marker, labelled) instead of as a cliff."""
    fig = go.Figure()
    xs, ys = df[x].to_list(), df[metric].to_list()
    hover = _hover(ys, unit, lang)
    split = len(xs) - 1 if partial_label and len(xs) >= 1 else len(xs)
    fig.add_scatter(
        x=xs[:split], y=ys[:split], name=name, mode="lines+markers",
        line=dict(color=SERIES[0], width=2.5), marker=dict(size=4),
        customdata=hover[:split], hovertemplate="%{customdata}",
    )
    if split < len(xs):
        seg = slice(max(0, split - 1), len(xs))
        fig.add_scatter(
            x=xs[seg], y=ys[seg], name=text(partial_label), mode="lines+markers", showlegend=False,
            line=dict(color=SERIES[0], width=2, dash="dash"),
            marker=dict(size=[4] * (len(xs[seg]) - 1) + [9], symbol="circle-open", color=SERIES[0]),
            customdata=[f"{h} ({text(partial_label)})" for h in hover[seg]], hovertemplate="%{customdata}",
        )
        fig.add_annotation(x=xs[-1], y=ys[-1], text=text(partial_label), showarrow=True, arrowhead=0, ax=-12,
                           ay=-28, xanchor="right", font=dict(size=12, color=SERIES[0]),
                           bgcolor="rgba(255,255,255,0.8)")
    values = list(ys)
    if cmp_col and cmp_col in df.columns:
        fig.add_scatter(
            x=xs, y=df[cmp_col].to_list(), name=cmp_name or cmp_col, mode="lines",
            line=dict(color=COMPARISON_COLOR, width=2, dash="dot"),
            customdata=_hover(df[cmp_col].to_list(), unit, lang), hovertemplate="%{customdata}",
        )
        values = values + df[cmp_col].to_list()
    format_axis(fig, values, unit, lang)
    date_axis(fig, x, xs)
    return base_layout(fig, height)


def _as_dt(d) -> datetime.datetime:
    return d if isinstance(d, datetime.datetime) else datetime.datetime.combine(d, datetime.time())


def date_axis(fig: go.Figure, grain: str, xs=None) -> None:
    """Numeric date ticks: Plotly's month names would be English on a Chinese page.

    With few buckets (``xs``), one tick per bucket: Plotly would otherwise repeat a
    day's label at every sub-day tick ("06-01 06-01 06-01")."""
    fmt_ = {"day": "%m-%d", "week": "%m-%d", "month": "%Y-%m", "minute": "%H:%M"}.get(grain)
    if fmt_:
        fig.update_xaxes(tickformat=fmt_, hoverformat="%Y-%m-%d %H:%M" if grain == "minute" else "%Y-%m-%d")
        buckets = sorted({x for x in (xs or []) if x is not None})
        if grain in ("day", "week", "month") and 0 < len(buckets) <= 12:
            fig.update_xaxes(tickvals=buckets)
        half = {"day": 0.5, "week": 3.5, "month": 15}.get(grain)
        if half and len(buckets) > 1:  # the axis ends with the data (no tick for a day not shown)
            pad = datetime.timedelta(days=half)
            fig.update_xaxes(range=[_as_dt(buckets[0]) - pad, _as_dt(buckets[-1]) + pad])


def bars(labels: list[str], values: list, unit: str, lang: str, colors: list[str] | None = None,
         horizontal: bool = True, height: int | None = None, legend: dict[str, str] | None = None) -> go.Figure:
    """Ranked bars (contribution, leaderboards); ``legend`` = {name: colour} explains
    bar colours that stand for a type (store type, account type)."""
    fig = go.Figure()
    labels = texts(labels)
    shown = _hover(values, unit, lang)
    kw = dict(marker_color=colors or SERIES[1], text=shown, textposition="auto",
              customdata=shown, hovertemplate="%{customdata}<extra>%{" + ("y" if horizontal else "x") + "}</extra>")
    if horizontal:
        fig.add_bar(y=labels, x=values, orientation="h", **kw)
        fig.update_yaxes(autorange="reversed")
        format_axis(fig, values, unit, lang, axis="x", include_zero=True)
    else:
        fig.add_bar(x=labels, y=values, **kw)
        format_axis(fig, values, unit, lang, include_zero=True)
    fig = base_layout(fig, height or max(220, 34 * len(labels) + 60), legend=bool(legend))
    for name, color in (legend or {}).items():  # legend-only markers: no data, no axis effect
        fig.add_scatter(x=[None], y=[None], mode="markers", name=text(name), hoverinfo="skip",
                        marker=dict(color=color, symbol="square", size=11))
    fig.update_traces(showlegend=False, selector=dict(type="bar"))
    fig.update_layout(hovermode="closest")
    return fig


def type_legend(dim: str, values, lang: str) -> dict[str, str]:
    """{translated type: colour} for the types present, in a stable order."""
    present = [v for v in COLORS_BY_DIM.get(dim, {}) if v in set(values)]
    return {i18n.enum_label(dim, v, lang): color_for(dim, v) for v in present}


def donut(labels: list[str], values: list, colors: list[str], unit: str, lang: str, height: int = 300) -> go.Figure:
    shown = _hover(values, unit, lang)
    fig = go.Figure(go.Pie(
        labels=texts(labels), values=values, hole=0.55, marker=dict(colors=colors), sort=False,
        customdata=shown, hovertemplate="%{label}: %{customdata} (%{percent})<extra></extra>",
        textinfo="percent",
    ))
    fig = base_layout(fig, height)
    fig.update_layout(hovermode="closest", legend=dict(orientation="v", y=0.5, x=1.0))
    return fig


def stacked_share(df: pl.DataFrame, x: str, series: dict[str, tuple[str, str]], lang: str,
                  height: int = 320) -> go.Figure:
    """Shares over time: series = {column: (label, colour)}; values are fractions."""
    fig = go.Figure()
    for col, (name, color) in series.items():
        fig.add_bar(x=df[x].to_list(), y=df[col].to_list(), name=name, marker_color=color,
                    customdata=_hover(df[col].to_list(), "pct", lang), hovertemplate="%{customdata}")
    fig.update_layout(barmode="stack")
    fig.update_yaxes(tickformat=".0%", range=[0, 1])
    date_axis(fig, x, df[x].to_list())
    return base_layout(fig, height)


def followers_flow(df: pl.DataFrame, x: str, lang: str) -> go.Figure | None:
    """Followers gained and lost per bucket (overview and one store / account alike);
    None when there is nothing to draw."""
    if not df.height:
        return None
    return lines(df, x, {
        "followers_gained": (i18n.label("followers_gained", lang), "count", SERIES[2]),
        "followers_lost": (i18n.label("followers_lost", lang), "count", COMPARISON_COLOR),
    }, lang)


def lines(df: pl.DataFrame, x: str, series: dict[str, tuple[str, str, str]], lang: str,
          height: int = 300, secondary: set[str] | None = None) -> go.Figure:
    """Several lines on one time axis: series = {column: (label, unit, colour)}.

    Columns in ``secondary`` go on a right-hand axis (e.g. GMV beside online viewers).
    """
    fig = go.Figure()
    secondary = secondary or set()
    left_vals, left_unit, right_vals, right_unit = [], "count", [], "count"
    for col, (name, unit, color) in series.items():
        vals = df[col].to_list()
        on_right = col in secondary
        fig.add_scatter(x=df[x].to_list(), y=vals, name=name, mode="lines", line=dict(color=color, width=2),
                        yaxis="y2" if on_right else "y", customdata=_hover(vals, unit, lang),
                        hovertemplate="%{customdata}")
        if on_right:
            right_vals += vals
            right_unit = unit
        else:
            left_vals += vals
            left_unit = unit
    format_axis(fig, left_vals, left_unit, lang)
    date_axis(fig, x, df[x].to_list())
    if secondary:
        ticks = nice_ticks(right_vals)
        fig.update_layout(yaxis2=dict(overlaying="y", side="right", showgrid=False, tickvals=ticks,
                                      ticktext=_labels(ticks, right_unit, lang) if ticks else None,
                                      range=[ticks[0], ticks[-1]] if ticks else None))
    return base_layout(fig, height)


def funnel(labels: list[str], values: list, lang: str, height: int = 300) -> go.Figure:
    shown = [fmt.value(v, "count", lang) for v in values]
    fig = go.Figure(go.Funnel(y=texts(labels), x=values, text=shown, textinfo="text+percent previous",
                              marker=dict(color=SERIES[: len(values)])))
    fig = base_layout(fig, height, legend=False)
    fig.update_layout(hovermode="closest")
    return fig


def sparkline(values: list, color: str = SERIES[0], height: int = 60) -> go.Figure:
    fig = go.Figure(go.Scatter(y=values, mode="lines", line=dict(color=color, width=1.5), fill="tozeroy",
                               hoverinfo="skip"))
    fig.update_layout(height=height, margin=dict(l=0, r=0, t=0, b=0), showlegend=False,
                      xaxis=dict(visible=False), yaxis=dict(visible=False),
                      plot_bgcolor="rgba(0,0,0,0)", paper_bgcolor="rgba(0,0,0,0)")
    return fig


def enum_names(dim: str, values: list, lang: str) -> list[str]:
    return [i18n.enum_label(dim, v, lang) for v in values]


def score_line(df: pl.DataFrame, x: str, y: str, name: str, lang: str, color: str = SERIES[1],
               height: int = 300) -> go.Figure:
    """A platform score over time (商家体验分 4.62, 带货口碑分 86): the axis hugs the
    values instead of starting at zero, with two-decimal ticks."""
    vals = [float(v) for v in df[y].to_list() if not fmt.is_missing(v)]
    fig = go.Figure(go.Scatter(
        x=df[x].to_list(), y=df[y].to_list(), name=name, mode="lines+markers" if len(vals) < 40 else "lines",
        line=dict(color=color, width=2), marker=dict(size=4), hovertemplate="%{y:.2f}",
    ))
    if vals:
        lo, hi = min(vals), max(vals)
        pad = max((hi - lo) * 0.15, abs(hi) * 0.01, 0.01)
        fig.update_yaxes(range=[lo - pad, hi + pad], tickformat=".2f")
    fig.update_xaxes(tickformat="%m-%d" if lang == "zh" else "%b %d")
    date_axis(fig, x, df[x].to_list())
    return base_layout(fig, height, legend=False)


# --- growth levers -------------------------------------------------------------------


def grouped_bars(labels: list[str], series: dict[str, tuple[list, str]], unit: str, lang: str,
                 height: int | None = None) -> go.Figure:
    """Side-by-side bars per label: series = {name: (values, colour)} (before / after)."""
    fig = go.Figure()
    values: list = []
    labels = texts(labels)
    for name, (vals, color) in series.items():
        shown = _hover(vals, unit, lang)
        fig.add_bar(x=labels, y=vals, name=text(name), marker_color=color, text=shown, textposition="auto",
                    customdata=shown, hovertemplate="%{customdata}")
        values += vals
    fig.update_layout(barmode="group")
    format_axis(fig, values, unit, lang)
    return base_layout(fig, height or 340)


def series_lines(df: pl.DataFrame, x: str, series_col: str, value_col: str, unit: str, lang: str,
                 height: int = 320) -> go.Figure:
    """One line per value of ``series_col`` (long format: category, account...)."""
    fig = go.Figure()
    names = list(dict.fromkeys(df[series_col].to_list()))
    for i, name in enumerate(names):
        d = df.filter(pl.col(series_col) == name) if name is not None else df.filter(pl.col(series_col).is_null())
        vals = d[value_col].to_list()
        fig.add_scatter(x=d[x].to_list(), y=vals, name=text(name), mode="lines+markers",
                        line=dict(color=SERIES[i % len(SERIES)], width=2), marker=dict(size=4),
                        customdata=_hover(vals, unit, lang), hovertemplate="%{customdata}")
    format_axis(fig, df[value_col].to_list(), unit, lang)
    date_axis(fig, x, df[x].to_list())
    return base_layout(fig, height)


def with_threshold(fig: go.Figure, value: float, label: str) -> go.Figure:
    """A dashed horizontal line (a score threshold) on an existing figure."""
    fig.add_hline(y=value, line=dict(color="#DC2626", width=1.5, dash="dash"), annotation_text=label,
                  annotation_position="bottom right", annotation_font_color="#DC2626")
    return fig
