"""The project's one CSV writer for files people open in Excel.

Two things every such file needs: a UTF-8 byte-order mark, without which Excel on a
Chinese Windows reads UTF-8 as GBK and shows mojibake; and protection against formula
injection, because a cell such as ``=HYPERLINK(...)`` or ``+cmd|...`` coming from an
imported file would otherwise run as a formula when the user opens the export.

Text cells (and header names) starting with ``= + - @``, tab or carriage return get a
leading single quote, so Excel shows them as text instead of evaluating them.  Numeric
columns are written as plain numbers, so a negative amount stays ``-5``; so is a text
cell that is nothing but a number (``-5`` in a rejects file), since it cannot be a formula.  The importer strips that quote again
(:func:`cockpit.values.parse_text`), so a corrected rejects file imports back unchanged.

A long all-digit id (an order or session number, 12 digits and more) is text that Excel
would turn into ``2.02611E+18`` and round; it gets a leading tab, the mark Chinese
platform exports use, which Excel shows as text and the importer strips.

:func:`to_xlsx_bytes` writes the same table as an Excel workbook: ids stay text cells,
no cell is ever read as a formula or a link, numbers get the format of their unit.
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import polars as pl

BOM = b"\xef\xbb\xbf"
_RISKY = r"^[=+\-@\t\r]"
# A cell that is just a number (-5, +3.2, -1e3) cannot be a formula; leave it readable.
_PLAIN_NUMBER = r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$"
_LONG_ID = r"^\d{12,}$"


def safe_text(value: str) -> str:
    """One header or cell, neutralised the same way as the columns."""
    if value and value[0] in "=+-@\t\r" and not re.match(_PLAIN_NUMBER, value):
        return "'" + value
    return value


def _neutralise(df: pl.DataFrame) -> pl.DataFrame:
    exprs = []
    for name, dtype in df.schema.items():
        col = pl.col(name)
        if dtype in (pl.Utf8, pl.Categorical) or isinstance(dtype, (pl.Categorical, pl.Enum)):
            col = col.cast(pl.Utf8)
            risky = col.str.contains(_RISKY) & ~col.str.contains(_PLAIN_NUMBER)
            exprs.append(pl.when(risky).then(pl.lit("'") + col)
                         .when(col.str.contains(_LONG_ID)).then(pl.lit("\t") + col)
                         .otherwise(col).alias(name))
        elif dtype.is_nested():
            # Lists and structs have no CSV form; write them as JSON text.
            txt = pl.struct(col.alias("v")).struct.json_encode().str.slice(5).str.strip_suffix("}")
            exprs.append(pl.when(txt.str.contains(_RISKY) & ~txt.str.contains(_PLAIN_NUMBER)).then(pl.lit("'") + txt).otherwise(txt).alias(name))
        else:
            exprs.append(col)  # numbers, dates, booleans: nothing to inject
    out = df.select(exprs)
    return out.rename({c: safe_text(c) for c in out.columns if safe_text(c) != c})


def to_csv_bytes(df: pl.DataFrame) -> bytes:
    """The CSV bytes of ``df``: BOM, neutralised text, Excel-friendly date/time format."""
    buf = io.BytesIO()
    _neutralise(df).write_csv(
        buf,
        include_bom=True,
        datetime_format="%Y-%m-%d %H:%M:%S",
        date_format="%Y-%m-%d",
    )
    data = buf.getvalue()
    return data if data.startswith(BOM) else BOM + data


def write_csv(df: pl.DataFrame, path: str | os.PathLike) -> Path:
    """Write ``df`` with :func:`to_csv_bytes` (via a temp file, so readers never see half)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(to_csv_bytes(df))
    os.replace(tmp, path)
    return path


# Excel number formats per display unit (cockpit.tables: percent numbers are x100)
_XLSX_FORMATS = {"cny": "#,##0.00", "count": "#,##0", "pct": "0.00", "change": "+0.0;-0.0;0.0",
                 "hours": "#,##0.00", "seconds": "#,##0", "ratio": "#,##0.00",
                 "delta": "+0.00;-0.00;0.00"}


def _sheet_name(title: str) -> str:
    name = re.sub(r"[\[\]:*?/\\]", " ", title or "Sheet1").strip()[:31]
    return name or "Sheet1"


def to_xlsx_bytes(df: pl.DataFrame, units: dict[str, str] | None = None, sheet: str = "Sheet1") -> bytes:
    """The table as an .xlsx workbook (one sheet): the same columns and rows as the CSV."""
    import xlsxwriter

    buf = io.BytesIO()
    # data is data: never a formula, a link or a number guessed from text
    wb = xlsxwriter.Workbook(buf, {"strings_to_formulas": False, "strings_to_urls": False,
                                   "strings_to_numbers": False, "in_memory": True})
    frame = df.select([pl.col(c).cast(pl.Utf8) if dtype.is_nested() else pl.col(c)
                       for c, dtype in df.schema.items()])
    formats = {c: _XLSX_FORMATS[u] for c, u in (units or {}).items() if c in frame.columns and u in _XLSX_FORMATS}
    frame.write_excel(wb, worksheet=_sheet_name(sheet), column_formats=formats or None, autofit=True,
                      dtype_formats={pl.Datetime: "yyyy-mm-dd hh:mm", pl.Date: "yyyy-mm-dd"},
                      header_format={"bold": True})
    wb.close()
    return buf.getvalue()
