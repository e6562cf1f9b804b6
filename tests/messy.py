"""Generated messy inputs (Hypothesis strategies), shared by the property tests
(tests/test_robustness.py, tests/test_values.py) and the long run (bench/bench_robustness.py).

A messy file is what an export becomes on its way to us: headers as people write them
(aliases, case, full-width letters, units, junk columns, a title row above), cells of
every style the importer accepts and of every kind it must refuse (NaN, 1e-320,
2.02611E+18, 9999-12-31, quotes, delimiters and line breaks inside values, stray
control characters), several encodings and delimiters, ragged rows, and sometimes a
file cut short, XLSX or Parquet instead, or plain noise.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

from hypothesis import strategies as st

from cockpit import schema

# Tables with every column kind between them (money, int, float, timestamp, date, bool,
# enum, text), and keys of one and of several columns.
TABLES = ("orders", "stores", "accounts", "live_sessions", "ad_spend", "scores_daily", "follower_daily")

FULL_WIDTH = {chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)}


def _full_width(text: str) -> str:
    return "".join(FULL_WIDTH.get(ch, ch) for ch in text)


# ---------------------------------------------------------------- cells

EDGE_TEXT = ["", " ", "-", "--", "—", "null", "None", "N/A", "#N/A", "无", "NaN", "nan", "inf", "-inf", "Infinity",
             "1e-320", "-1e-400", "1e308", "1e999", "2.02611E+18", "7E+17", "0", "-0", "00", "0.005", "0.004",
             "9999-12-31", "9999-12-30 10:00", "0001-01-01", "2099-12-31 23:59", "1999-12-31", "2000-01-01",
             "=\"0012\"", "'=cmd()", "=1+1", "@SUM(A1)", "\t998877", "a,b", "a;b", "a\tb", "line\nbreak",
             "\"quoted\"", "'", "\\", "{}", "{0}", "%s", "%", "万", "亿", "12%", "1.2万", "3亿", "1.2w", "5k",
             "¥1,234.50", "￥1,234.50元", "１２３", "是", "否", "Y", "n", "√", "×", "直营", "授权", "分销达人",
             "直播", "商城", "推荐", "\x00", "\x1b[31m", "\u202e", "😀", "𠀋", "  padded  ", "x" * 300]

_DATES = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2035, 12, 31))
_TIMES = st.times()


@st.composite
def timestamp_text(draw) -> str:
    d, t = draw(_DATES), draw(_TIMES)
    style = draw(st.integers(0, 9))
    if style == 0:
        return f"{d:%Y-%m-%d} {t:%H:%M:%S}"
    if style == 1:
        return f"{d.year}/{d.month}/{d.day} {t.hour:02d}:{t.minute:02d}"
    if style == 2:
        return f"{d.year}年{d.month}月{d.day}日 {t.hour:02d}:{t.minute:02d}"
    if style == 3:
        return f"{d:%Y%m%d}"
    if style == 4:
        return f"{d:%Y-%m-%d}T{t:%H:%M:%S}Z"
    if style == 5:
        return f"{d:%Y.%m.%d}"
    if style == 6:
        return _full_width(f"{d:%Y/%m/%d} {t:%H:%M}")
    if style == 7:  # an Excel serial day number
        return f"{(d - dt.date(1899, 12, 30)).days + t.hour / 24:.4f}"
    if style == 8:
        return f"{d:%Y-%m-%d} {t.isoformat()}"
    return f"{d:%Y-%m-%d}"


@st.composite
def number_text(draw, integral: bool = False) -> str:
    if integral:
        n = draw(st.integers(-10**6, 10**12))
        style = draw(st.integers(0, 4))
        if style == 0:
            return str(n)
        if style == 1:
            return f"{n:,}"
        if style == 2:
            return _full_width(str(n))
        if style == 3:
            return f"{n / 10_000:g}万"
        return f"{n}.0"
    x = draw(st.decimals(min_value=-10**9, max_value=10**12, places=draw(st.integers(0, 4)),
                         allow_nan=False, allow_infinity=False))
    style = draw(st.integers(0, 5))
    if style == 0:
        return str(x)
    if style == 1:
        return f"¥{x:,}"
    if style == 2:
        return f"{x}元"
    if style == 3:
        return _full_width(str(x))
    if style == 4:
        return f"{float(x):.3e}"
    return f"{x}%"


def cell(col: schema.Column, keys: list[str], clean: bool = False) -> st.SearchStrategy[str | None]:
    """Any cell a messy export may hold in this column: mostly plausible, often not
    (``clean``: plausible only, as in most rows of a real export)."""
    kind = col.kind
    if col.name.endswith("_id"):
        plausible = st.sampled_from(keys)
    elif kind in ("timestamp", "date"):
        plausible = timestamp_text()
    elif kind == "money":
        plausible = number_text()
    elif kind == "int":
        plausible = number_text(integral=True)
    elif kind == "float":
        plausible = number_text() | number_text(integral=True)
    elif kind == "bool":
        plausible = st.sampled_from(["是", "否", "true", "FALSE", "1", "0", "Y", "n", "ｙｅｓ", "maybe"])
    elif kind == "enum":
        words = [w for k, ws in col.values.items() for w in (k, *ws)]
        plausible = st.sampled_from(words + [w.upper() for w in words] + ["other thing"])
    else:
        plausible = st.text(max_size=12)
    if clean:
        return plausible if col.required else plausible | st.none()
    return st.one_of(
        plausible, plausible, plausible,
        st.none(),
        st.sampled_from(EDGE_TEXT),
        st.text(max_size=20),
    )


# ---------------------------------------------------------------- headers

@st.composite
def header(draw, col: schema.Column) -> str:
    name = draw(st.sampled_from((col.name, *col.aliases)))
    style = draw(st.integers(0, 7))
    if style == 1:
        name = name.upper()
    elif style == 2:
        name = f" {name} "
    elif style == 3:
        name = _full_width(name)
    elif style == 4:
        name = f"{name}（元）"
    elif style == 5:
        name = name.replace("_", " ").title()
    return name


# ---------------------------------------------------------------- files

@st.composite
def table_rows(draw, table: str):
    """(headers, rows of cells) for ``table``: a usable header most of the time."""
    t = schema.table(table)
    keys = draw(st.lists(st.sampled_from(["K1", "K2", "K3", " K1 ", "k1", "S1", "A1", "L1", "B1"]),
                         min_size=1, max_size=4, unique=True))
    cols = [c for c in t.columns if draw(st.floats(0, 1)) < (0.97 if c.required else 0.6)]
    headers = [draw(header(c)) for c in cols]
    extra = draw(st.lists(st.sampled_from(["备注", "note", "", "订单状态", "line", "reason"]), max_size=2))
    headers += extra
    order = draw(st.permutations(range(len(headers))))
    headers = [headers[i] for i in order]
    messy_cells = [cell(c, keys) for c in cols] + [st.text(max_size=8) | st.none() for _ in extra]
    clean_cells = [cell(c, keys, clean=True) for c in cols] + [st.text(max_size=8) | st.none() for _ in extra]
    messy_cells = [messy_cells[i] for i in order]
    clean_cells = [clean_cells[i] for i in order]
    n = draw(st.integers(0, 12))
    share_clean = draw(st.sampled_from([0.0, 0.5, 0.8, 1.0]))
    rows = [[draw(s) for s in (clean_cells if draw(st.floats(0, 1)) < share_clean else messy_cells)]
            for _ in range(n)]
    for r in rows:  # now and then a ragged row
        if draw(st.integers(0, 30)) == 0:
            r.append(draw(st.text(max_size=5)))
        if len(r) > 1 and draw(st.integers(0, 30)) == 0:
            r.pop()
    return headers, rows


def _csv_bytes(draw, headers, rows) -> bytes:
    delim = draw(st.sampled_from([",", ",", ",", "\t", ";"]))
    quoting = draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC]))
    eol = draw(st.sampled_from(["\n", "\r\n"]))
    buf = io.StringIO()
    if draw(st.integers(0, 6)) == 0:  # a title row above the header
        buf.write(f"订单导出 2025-06-01{eol}")
    w = csv.writer(buf, delimiter=delim, quoting=quoting, lineterminator=eol)
    w.writerow(headers)
    for r in rows:
        w.writerow(["" if v is None else v for v in r])
        if draw(st.integers(0, 20)) == 0:
            buf.write(eol)  # a blank line
    text = buf.getvalue()
    enc = draw(st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "gb18030", "utf-16"]))
    data = text.encode(enc, errors="replace") if enc != "gb18030" else text.encode("gb18030", errors="replace")
    if draw(st.integers(0, 15)) == 0:  # cut short
        data = data[: draw(st.integers(0, len(data)))]
    return data


def _xlsx_bytes(headers, rows) -> bytes:
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False})
    ws = wb.add_worksheet()
    ws.write_row(0, 0, headers)
    for i, r in enumerate(rows, start=1):
        ws.write_row(i, 0, ["" if v is None else v.replace("\x00", "") for v in r])
    wb.close()
    return buf.getvalue()


def _parquet_bytes(headers, rows) -> bytes:
    import polars as pl

    names, seen = [], set()
    for h in headers:  # Parquet needs distinct names
        n = h or "_"
        while n in seen:
            n += "_"
        seen.add(n)
        names.append(n)
    cols = {n: [(r[i] if i < len(r) else None) for r in rows] for i, n in enumerate(names)}
    buf = io.BytesIO()
    pl.DataFrame(cols, schema={n: pl.Utf8 for n in names}).write_parquet(buf)
    return buf.getvalue()


@st.composite
def messy_file(draw, table: str | None = None):
    """(table, file name, bytes) of a generated export."""
    table = table or draw(st.sampled_from(TABLES))
    headers, rows = draw(table_rows(table))
    fmt = draw(st.sampled_from(["csv"] * 8 + ["xlsx", "parquet", "noise"]))
    if fmt == "xlsx":
        data = _xlsx_bytes(headers, rows)
    elif fmt == "parquet":
        data = _parquet_bytes(headers, rows)
    elif fmt == "noise":
        data = draw(st.binary(max_size=300))
    else:
        data = _csv_bytes(draw, headers, rows)
    name = draw(st.sampled_from(["export.csv", "订单导出.csv", "a b.xlsx", "x.parquet", "..csv", "t.txt"]))
    return table, name, data


# ---------------------------------------------------------------- what must hold

EXCEPTION_NAME = r"\b[A-Z]\w*(Error|Exception|Interrupt)\b"


def _state(con, table: str) -> dict:
    from cockpit import store

    t = schema.table(table)
    cols = ", ".join(f'"{c}"' for c in (*t.column_names, schema.BATCH_COLUMN))
    return {
        "rows": sorted(con.execute(f'SELECT {cols} FROM "{table}"').fetchall(), key=repr),
        "replaced": con.execute(f'SELECT count(*) FROM "{store.replaced_table(table)}"').fetchall()[0][0],
        "batches": con.execute("SELECT count(*) FROM import_batches").fetchall()[0][0],
        "version": store.data_version(con),
    }


def check_import(con, table: str, path, rejects_dir, lang: str = "en") -> tuple[object, list[str]]:
    """Import ``path`` and return (result, what went wrong): never raising, counts that
    add up, the database unchanged by a refused file and changed by exactly the accepted
    rows of an imported one, no orphan rejects file, no exception name in a message."""
    import os
    import re
    import traceback
    from pathlib import Path

    import polars as pl

    from cockpit import importer, rollups, store, values

    t = schema.table(table)
    before = _state(con, table)
    files_before = set(os.listdir(rejects_dir)) if os.path.isdir(rejects_dir) else set()
    try:
        r = importer.import_file(con, table, path, rejects_dir=rejects_dir, lang=lang)
    except BaseException:  # noqa: BLE001 - that is what we are looking for
        return None, ["raised: " + traceback.format_exc()]
    bad: list[str] = []
    after = _state(con, table)
    files_after = set(os.listdir(rejects_dir)) if os.path.isdir(rejects_dir) else set()
    line = r.summary_line()
    if r.unexpected:
        bad.append(f"unforeseen failure: {line}")
    if re.search(EXCEPTION_NAME, line):
        bad.append(f"an exception name in the message: {line}")
    if Path(path).name not in line:
        bad.append(f"the message does not name the file: {line}")
    if not r.ok:
        if after != before:
            bad.append("a refused file changed the database")
        if files_after != files_before:
            bad.append(f"a refused file left a rejects file: {files_after - files_before}")
        return r, bad
    if r.rows_read != r.rows_accepted + r.rows_rejected + r.rows_duplicate:
        bad.append(f"counts do not add up: {line}")
    recorded = store.fetchall(con, "SELECT rows_read, rows_accepted, rows_rejected, rows_duplicate FROM import_batches "
                                   "WHERE batch_id = ?", [r.batch_id])
    if recorded != [(r.rows_read, r.rows_accepted, r.rows_rejected, r.rows_duplicate)]:
        bad.append(f"import_batches says {recorded}, the summary {line}")
    key_idx = [t.column_names.index(k) for k in t.key]
    key = lambda row: tuple(row[i] for i in key_idx)  # noqa: E731
    mine = [row for row in after["rows"] if row[-1] == r.batch_id]
    if len(mine) != r.rows_accepted or len({key(x) for x in mine}) != len(mine):
        bad.append(f"{len(mine)} rows written for {r.rows_accepted} accepted")
    written = {key(x) for x in mine}
    kept = [row for row in before["rows"] if key(row) not in written]
    if sorted((row for row in after["rows"] if row[-1] != r.batch_id), key=repr) != kept:
        bad.append("rows other than the accepted ones changed")
    replaced = sum(1 for row in before["rows"] if key(row) in written)
    if after["replaced"] - before["replaced"] != replaced:
        bad.append("the undo archive does not hold exactly the replaced rows")
    if after["version"] != before["version"] + 1 or after["batches"] != before["batches"] + 1:
        bad.append("data version or batch count did not move by one")
    listed = r.rows_rejected + r.rows_duplicate
    if listed:
        if not r.rejects_path or not Path(r.rejects_path).exists():
            bad.append("no rejects file for rejected rows")
        else:
            rej = pl.read_csv(r.rejects_path, infer_schema=False)
            if rej.height != listed or rej["line"].n_unique() != listed or rej["reason"].null_count():
                bad.append(f"the rejects file lists {rej.height} rows for {listed}")
    elif r.rejects_path:
        bad.append("a rejects file without rejected rows")
    lo, hi = values.date_window()
    for i, c in enumerate(t.columns):
        vals = [row[i] for row in mine if row[i] is not None]
        if c.kind in ("date", "timestamp"):
            days = [v if c.kind == "date" else v.date() for v in vals]
            if any(d < lo or d > hi for d in days):
                bad.append(f"{c.name}: a date outside {lo}..{hi} was accepted")
        if c.nonnegative and any(v < 0 for v in vals):
            bad.append(f"{c.name}: a negative value was accepted")
        if c.kind == "float" and any(v != v or v in (float("inf"), float("-inf")) for v in vals):
            bad.append(f"{c.name}: a non-finite number was accepted")
    if table == "orders":
        paid, refund = t.column_names.index("paid_amount"), t.column_names.index("refund_amount")
        if any(x[refund] is not None and x[refund] > x[paid] for x in mine):
            bad.append("a refund larger than the payment was accepted")
        for rt in rollups.DUCKDB_TABLES:
            con.execute(f"CREATE OR REPLACE TEMP TABLE _check AS SELECT * FROM {rt} WHERE false")
            con.execute(f"INSERT INTO _check " + rollups._SELECT[rt].format(where="TRUE"))
            diff = con.execute(f"SELECT count(*) FROM ((SELECT * FROM {rt} EXCEPT ALL SELECT * FROM _check) UNION ALL "
                               f"(SELECT * FROM _check EXCEPT ALL SELECT * FROM {rt}))").fetchall()[0][0]
            con.execute("DROP TABLE _check")
            if diff:
                bad.append(f"{rt} disagrees with the orders")
    return r, bad
