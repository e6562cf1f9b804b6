"""Display tables: what a page shows in a table is exactly what its CSV holds.

A DisplayTable is built once by the page's report function and then either drawn by
the page (st.dataframe) or written by `cockpit export` / the download buttons (CSV and
XLSX), so the rows, columns and labels cannot drift apart.  Headers carry their unit
(成交金额 (元), 人均观看时长 (秒), 直播时长 (小时), 退款率 (%)); percentages are shown and
exported as percent numbers (12.5) so Excel users get numbers, not text.  A change
column (unit "change") is a signed percent change, coloured up / down on the page.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from cockpit import csvout, i18n
from cockpit import metrics as reg

# Columns that hold enum values translated for display.
ENUM_DIMS = {"store_type", "account_type", "channel", "traffic_source"}


@dataclass
class DisplayTable:
    name: str  # stable id, used for file names and widget keys
    title: str
    frame: pl.DataFrame
    units: dict[str, str] = field(default_factory=dict)  # column label -> unit
    # the id column (hidden meaning: row key) for drill-down, if any
    key_column: str | None = None

    # column label -> metric id, for the header's "?" (the metric's definition)
    metrics: dict[str, str] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return self.frame.height == 0

    def csv_bytes(self) -> bytes:
        return csvout.to_csv_bytes(self.frame)

    def xlsx_bytes(self) -> bytes:
        return csvout.to_xlsx_bytes(self.frame, self.units, sheet=self.title)

    def file_name(self) -> str:
        return f"{self.name}.csv"


def translate_enum(dim: str, lang: str, column: str | None = None) -> pl.Expr:
    """Enum codes (own, live...) -> the words of the UI language; null -> "(none)"."""
    values = {v for words in (i18n.ENUM_EN, i18n._ENUM_ZH.get(dim, {})) for v in words}
    mapping = {v: i18n.enum_label(dim, v, lang) for v in values}
    return pl.col(column or dim).replace(mapping).fill_null(i18n.t("common.none", lang))


# the unit a header names, in Chinese and English
UNIT_WORDS = {"pct": ("%", "%"), "change": ("%", "%"), "cny": ("元", "CNY"), "hours": ("小时", "h"),
              "seconds": ("秒", "s")}


def unit_label(label: str, unit: str | None, lang: str = "zh") -> str:
    """"成交金额" + cny -> "成交金额 (元)"; "GMV" -> "GMV (CNY)"; counts stay bare."""
    words = UNIT_WORDS.get(unit or "")
    return f"{label} ({words[0 if lang == 'zh' else 1]})" if words else label


def id_label(label: str, lang: str) -> str:
    """The id column beside a name: 店铺ID / Store ID."""
    return f"{label}ID" if lang == "zh" else f"{label} ID"


def change_label(label: str, lang: str) -> str:
    return unit_label(f"{label} {'变化' if lang == 'zh' else 'change'}", "change", lang)


def metric_column(df: pl.DataFrame, mid: str, lang: str, name: str | None = None) -> tuple[pl.Expr, str, str]:
    """Expression, label and unit for one metric column, ready for display and CSV."""
    m = reg.metric(mid)
    lab = unit_label(name or i18n.label(mid, lang), m.unit, lang)
    col = pl.col(mid).cast(pl.Float64)
    if m.unit == "pct":
        col = (col * 100).round(2)
    elif m.unit in ("cny", "hours", "ratio", "seconds"):
        col = col.round(2)
    else:
        col = pl.col(mid)
    return col.alias(lab), lab, m.unit


def metric_columns(df: pl.DataFrame, metric_ids, lang: str) -> tuple[list[pl.Expr], dict[str, str]]:
    """Display expressions and {label: unit} for several metric columns."""
    exprs, units = [], {}
    for mid in metric_ids:
        e, lab, unit = metric_column(df, mid, lang)
        exprs.append(e)
        units[lab] = unit
    return exprs, units


def metric_labels(metric_ids, lang: str) -> dict[str, str]:
    """{column label: metric id} of metric columns (for DisplayTable.metrics)."""
    return {unit_label(i18n.label(m, lang), reg.metric(m).unit, lang): m for m in metric_ids}


def metric_table(
    df: pl.DataFrame,
    name: str,
    title: str,
    dims: list[str],
    metric_ids: list[str],
    lang: str,
    change_of: list[str] | None = None,
) -> DisplayTable:
    """Dimension columns (entity name + id, translated enums) then metric columns.

    ``change_of`` lists metrics whose % change against the comparison period is shown
    (needs the ``__pct`` columns of query.run_compared).
    """
    exprs: list[pl.Expr] = []
    units: dict[str, str] = {}
    changes: dict[str, str] = {}
    key_column = None
    for d in dims:
        dim = reg.dimension(d)
        lab = i18n.label(d, lang)
        if dim.label_table and f"{d}_name" in df.columns:
            exprs.append(pl.col(f"{d}_name").alias(lab))
            id_lab = id_label(lab, lang)
            exprs.append(pl.col(d).alias(id_lab))
            key_column = id_lab
        elif d in ENUM_DIMS:
            exprs.append(translate_enum(d, lang).alias(lab))
        else:
            exprs.append(pl.col(d).alias(lab))
    for mid in metric_ids:
        e, lab, unit = metric_column(df, mid, lang)
        exprs.append(e)
        units[lab] = unit
        if change_of and mid in change_of and f"{mid}__pct" in df.columns:
            clab = change_label(i18n.label(mid, lang), lang)
            exprs.append((pl.col(f"{mid}__pct") * 100).round(1).alias(clab))
            units[clab] = "change"
            changes[clab] = mid
    return DisplayTable(name, title, df.select(exprs), units, key_column, {**metric_labels(metric_ids, lang), **changes})
