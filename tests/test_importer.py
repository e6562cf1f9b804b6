"""The importer end to end: files as people export them -> canonical rows, rejects, batches.

Every expected row, reason and figure below is written by hand.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import textwrap
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from cockpit import importer, store

D = dt.datetime
REPO = Path(__file__).resolve().parents[1]

# A GBK export with Chinese headers (one with a unit in full-width brackets), ￥ amounts
# with thousands separators, an extra column nobody asked for, and one broken row per rule.
GBK_ORDERS = (
    "订单编号,支付时间,店铺ID,成交渠道,买家ID,是否粉丝,数量,实付金额（元）,退款金额,备注\r\n"
    'A1,2025/6/1 20:05,S1,直播,B1,是,1,"￥1,234.50",0,第一单\r\n'             # line 2 ok
    "A2,2025年6月1日 21:00,S1,商城,B2,否,2,88,,\r\n"                          # line 3 ok
    "A3,昨天,S1,直播,B3,是,1,10,,\r\n"                                         # line 4 bad date
    "A4,2025-06-01 10:00:00,,直播,B4,是,1,10,,\r\n"                           # line 5 missing store
    "A5,2025-06-01 10:00:00,S1,飞机,B5,是,1,10,,\r\n"                         # line 6 unknown enum
    "A6,2025-06-01 10:00:00,S1,直播,B6,是,-1,-10,,\r\n"                       # line 7 negatives
    "A7,2025-06-01 10:00:00,S1,直播,B7,是,1,abc,,\r\n"                        # line 8 bad number
    "A8,2025-06-02 09:30,S2,短视频,B8,否,1,100,120,\r\n"                      # line 9 refund > paid
    "A9,2025-06-02 09:31,S2,搜索,B9,否,1.5,50,,\r\n"                          # line 10 not whole
    "A10,2025-06-02 09:32,S2,推荐,B10,Y,3,1.2万,\"1,000.00\",\r\n"            # line 11 ok
)


def write(path: Path, text: str, encoding="utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def orders(con):
    return store.fetch_pl(
        con,
        "SELECT order_id, paid_at, store_id, channel, buyer_id, is_fan, quantity, paid_amount, "
        "refund_amount FROM orders ORDER BY order_id",
    ).rows()


def batch_rows(con):
    return store.fetchall(
        con,
        "SELECT batch_id, file_name, table_name, rows_read, rows_accepted, rows_rejected, status "
        "FROM import_batches ORDER BY batch_id",
    )


pytestmark = pytest.mark.engines  # every import into DuckDB and into chDB, the same figures


@pytest.fixture
def con(engine_name, request):
    """An empty cockpit database: DuckDB in memory, or a chDB database of its own."""
    c = store.memory() if engine_name == "duckdb" else store.connect(request.getfixturevalue("db_url_chdb"))
    yield c
    c.close()


def test_gbk_export_every_rule_with_line_and_reason(con, tmp_path):
    f = write(tmp_path / "订单导出.csv", GBK_ORDERS, "gbk")
    r = importer.import_file(con, "orders", f, rejects_dir=tmp_path / "rej")
    assert r.ok, r.error
    assert (r.rows_read, r.rows_accepted, r.rows_rejected) == (10, 3, 7)
    assert r.batch_id is not None  # (1 on DuckDB, its sequence; a time-ordered id on ClickHouse)
    assert orders(con) == [
        ("A1", D(2025, 6, 1, 20, 5), "S1", "live", "B1", True, 1, Decimal("1234.50"), Decimal("0.00")),
        ("A10", D(2025, 6, 2, 9, 32), "S2", "recommend", "B10", True, 3, Decimal("12000.00"), Decimal("1000.00")),
        ("A2", D(2025, 6, 1, 21, 0), "S1", "mall", "B2", False, 2, Decimal("88.00"), None),
    ]
    rejects = pl.read_csv(r.rejects_path, infer_schema=False)
    assert rejects.columns[:3] == ["line", "reason", "订单编号"]
    assert rejects.select("line", "reason").rows() == [
        ("4", "paid_at (支付时间): bad date/time '昨天'"),
        ("5", "store_id (店铺ID): missing required value"),
        ("6", "channel (成交渠道): unknown value '飞机' (allowed: live (直播/直播间), short_video (短视频/视频), "
              "mall (商城), store_page (店铺页/店铺), search (搜索), recommend (推荐), other (其他))"),
        ("7", "quantity (数量): negative count '-1'; paid_amount (实付金额（元）): negative amount of money '-10'"),
        ("8", "paid_amount (实付金额（元）): bad amount of money 'abc'"),
        ("9", "refund_amount (退款金额): refund 120.00 is larger than the paid amount 100.00"),
        ("10", "quantity (数量): not a whole number '1.5'"),
    ]
    # the original cells travel with the reason, untouched (numbers not quote-prefixed)
    assert rejects.filter(pl.col("line") == "7").select("数量", "实付金额（元）").row(0) == ("-1", "-10")
    assert Path(r.rejects_path).read_bytes().startswith(b"\xef\xbb\xbf")
    assert r.summary_line() == (
        f"订单导出.csv → orders: 10 read, 3 accepted, 7 rejected, 0 duplicates (rejects: {r.rejects_path})"
    )
    assert batch_rows(con) == [(r.batch_id, "订单导出.csv", "orders", 10, 3, 7, "committed")]
    sha, rp = store.fetchall(con, "SELECT sha256, rejects_path FROM import_batches")[0]
    assert len(sha) == 64 and rp == r.rejects_path


def test_money_is_exact_in_duckdb(con, tmp_path):
    f = write(tmp_path / "o.csv", "order_id,paid_at,store_id,channel,buyer_id,paid_amount\n"
              "X1,2025-06-01 10:00,S1,live,B1,0.10\nX2,2025-06-01 10:00,S1,live,B1,0.20\n"
              "X3,2025-06-01 10:00,S1,live,B1,¥1,234.565\n")
    r = importer.import_file(con, "orders", f, rejects_dir=tmp_path)
    # "¥1,234.565" is unquoted: its comma splits the row, so the row is flagged, not guessed
    assert (r.rows_accepted, r.rows_rejected) == (2, 1)
    assert con.columns("orders") and store.scalar(
        con, "SELECT typeof(paid_amount) FROM orders LIMIT 1" if con.kind == "duckdb"
        else "SELECT toTypeName(paid_amount) FROM orders LIMIT 1") in ("DECIMAL(18,2)", "Decimal(18, 2)")
    assert store.scalar(con, "SELECT sum(paid_amount) FROM orders") == Decimal("0.30")
    rej = pl.read_csv(r.rejects_path, infer_schema=False)
    assert rej.select("line", "reason").row(0) == (
        "4", "row has more fields than the header (6); a value probably contains an unquoted delimiter"
    )


def test_same_file_twice_changes_nothing_but_records_two_batches(con, tmp_path):
    f = write(tmp_path / "o.csv", GBK_ORDERS, "gbk")
    r1 = importer.import_file(con, "orders", f, rejects_dir=tmp_path)
    first = orders(con)
    r2 = importer.import_file(con, "orders", f, rejects_dir=tmp_path)
    assert r2.ok and r2.batch_id > r1.batch_id
    assert orders(con) == first
    assert store.row_count(con, "orders") == 3
    assert [b[0] for b in batch_rows(con)] == [r1.batch_id, r2.batch_id]


def test_newer_row_replaces_older_across_files_and_within_a_file(con, tmp_path):
    head = "order_id,paid_at,store_id,channel,buyer_id,paid_amount,refund_amount\n"
    a = write(tmp_path / "a.csv", head + "O1,2025-06-01 10:00,S1,live,B1,100,\nO2,2025-06-01 11:00,S1,mall,B2,50,\n")
    b = write(tmp_path / "b.csv", head + "O1,2025-06-01 10:00,S1,live,B1,100,30\n"
              "O3,2025-06-02 11:00,S1,mall,B3,10,\nO3,2025-06-02 11:00,S1,mall,B3,11,\n")
    ra, rb = importer.import_file(con, "orders", a), importer.import_file(con, "orders", b)
    assert ra.ok and rb.ok
    got = store.fetchall(con, "SELECT order_id, paid_amount, refund_amount, _batch_id FROM orders ORDER BY 1")
    assert got == [
        ("O1", Decimal("100.00"), Decimal("30.00"), rb.batch_id),
        ("O2", Decimal("50.00"), None, ra.batch_id),
        ("O3", Decimal("11.00"), None, rb.batch_id),
    ]


def test_missing_required_columns_change_nothing_and_name_closest_header(con, tmp_path):
    good = write(tmp_path / "good.csv", "order_id,paid_at,store_id,channel,buyer_id,paid_amount\n"
                 "O1,2025-06-01 10:00,S1,live,B1,100\n")
    importer.import_file(con, "orders", good)
    before = (orders(con), batch_rows(con), store.data_version(con))
    f = write(tmp_path / "bad.csv", "订单号,下单时间,店铺ID,流量载体,买家ID,实付金额合计\nO9,2025-06-01,S1,直播,B1,5\n")
    r = importer.import_file(con, "orders", f)
    assert not r.ok and r.batch_id is None
    assert r.error == (
        "bad.csv → orders: missing required columns paid_amount (accepted headers: "
        "paid_amount / 实付金额 / 实付款; closest header found: '实付金额合计')"
    )
    assert r.summary_line() == (
        "bad.csv → orders: NOT IMPORTED: missing required columns paid_amount (accepted headers: "
        "paid_amount / 实付金额 / 实付款; closest header found: '实付金额合计'); nothing changed"
    )
    assert (orders(con), batch_rows(con), store.data_version(con)) == before


def test_header_variants_match(con, tmp_path):
    f = write(tmp_path / "v.csv",
              " Order ID ,ＰＡＩＤ＿ＡＴ,store-id,渠道类型,Buyer_Id,实付金额（元）,退款金额(元),没用的列\n"
              "O1,2025-06-01 10:00,S1,live,B1,100,1,x\n")
    r = importer.import_file(con, "orders", f)
    # 渠道类型 is not an alias of channel: the closest-header hint points at it
    assert not r.ok
    assert "channel (accepted headers: channel / 成交渠道 / 流量载体; closest header found: '渠道类型')" in r.error
    f2 = write(tmp_path / "v2.csv",
               " Order ID ,ＰＡＩＤ＿ＡＴ,store-id,【成交渠道】,Buyer_Id,实付金额（元）,退款金额(元),没用的列\n"
               "O1,2025-06-01 10:00,S1,live,B1,100,1,x\n")
    r2 = importer.import_file(con, "orders", f2)
    assert not r2.ok  # a bracket is a unit only at the end of a header, not the whole header
    f3 = write(tmp_path / "v3.csv",
               " Order ID ,ＰＡＩＤ＿ＡＴ,store-id,成交渠道 ,Buyer_Id,实付金额（元）,退款金额(元),没用的列\n"
               "O1,2025-06-01 10:00,S1,live,B1,100,1,x\n")
    r3 = importer.import_file(con, "orders", f3)
    assert r3.ok, r3.error
    assert store.fetchall(con, "SELECT order_id, store_id, paid_amount, refund_amount FROM orders") == [
        ("O1", "S1", Decimal("100.00"), Decimal("1.00"))
    ]


@pytest.mark.parametrize(
    "content, problem",
    [
        (b"", "the file is empty"),
        (bytes(range(256)) * 16, "is not a text file (it contains binary data) and not XLSX or Parquet either"),
    ],
)
def test_unreadable_file_changes_nothing(con, tmp_path, content, problem):
    f = tmp_path / "junk.csv"
    f.write_bytes(content)
    r = importer.import_file(con, "orders", f)
    assert not r.ok
    assert r.error == f"junk.csv → orders: {problem}"
    assert r.summary_line() == f"junk.csv → orders: NOT IMPORTED: {problem}; nothing changed"
    assert batch_rows(con) == [] and store.row_count(con, "orders") == 0


def test_random_bytes_and_missing_file(con, tmp_path):
    f = tmp_path / "noise.xlsx"
    f.write_bytes(os.urandom(3000))
    r = importer.import_file(con, "orders", f)
    assert not r.ok and r.error.startswith("noise.xlsx → orders: ")
    r = importer.import_file(con, "orders", tmp_path / "gone.csv")
    assert not r.ok and r.error.startswith("gone.csv → orders: file not found")
    assert batch_rows(con) == []


def test_unknown_table(con, tmp_path):
    f = write(tmp_path / "x.csv", "a\n1\n")
    r = importer.import_file(con, "order", f)
    assert not r.ok
    assert r.error.startswith("x.csv → order: unknown table 'order'; known tables: stores, accounts, products, orders,")


def test_title_rows_above_the_header_are_skipped_and_lines_stay_true(con, tmp_path):
    # a GBK back-office export: report title, export time, a blank line, then the header
    f = write(tmp_path / "订单报表.csv", (
        "订单明细报表\r\n"                                   # line 1
        "导出时间：2025-06-30 18:00,,,,\r\n"                  # line 2
        "\r\n"                                              # line 3
        "订单编号,支付时间,店铺ID,成交渠道,买家ID,实付金额\r\n"  # line 4: the header
        "T1,2025/6/1 20:05,S1,直播,B1,100\r\n"               # line 5
        "T2,2025/6/1 21:00,S1,飞机,B2,50\r\n"                # line 6: bad channel
    ), "gbk")
    r = importer.import_file(con, "orders", f, rejects_dir=tmp_path / "rej")
    assert r.ok, r.error
    assert (r.rows_read, r.rows_accepted, r.rows_rejected) == (2, 1, 1)
    assert [row[0] for row in orders(con)] == ["T1"]
    assert pl.read_csv(r.rejects_path, infer_schema=False)["line"].to_list() == ["6"]

    import xlsxwriter
    x = tmp_path / "账号.xlsx"
    wb = xlsxwriter.Workbook(str(x))
    ws = wb.add_worksheet()
    ws.write_row(0, 0, ["账号列表（导出于 2025-06-30）"])  # row 1
    ws.write_row(2, 0, ["账号ID", "账号名称", "账号类型"])  # row 3: the header
    ws.write_row(3, 0, ["A9", "新号", "直营"])               # row 4
    ws.write_row(4, 0, ["X9", "怪号", "合作"])               # row 5: bad type
    wb.close()
    r = importer.import_file(con, "accounts", x, rejects_dir=tmp_path / "rej")
    assert (r.ok, r.rows_accepted, r.rows_rejected) == (True, 1, 1), r.error
    assert pl.read_csv(r.rejects_path, infer_schema=False)["line"].to_list() == ["5"]

    # a file whose first line is already the header is read from line 1 as before, even
    # when a later line happens to hold header words
    g = write(tmp_path / "plain.csv", "账号ID,账号名称,账号类型\nA8,账号ID,直营\n")
    r = importer.import_file(con, "accounts", g)
    assert (r.ok, r.rows_accepted) == (True, 1)


def test_xlsx_parquet_bom_and_tab_files(con, tmp_path):
    import xlsxwriter  # test extra: a missing one must fail, not skip
    x = tmp_path / "accounts.xlsx"
    wb = xlsxwriter.Workbook(str(x))
    ws = wb.add_worksheet()
    ws.write_row(0, 0, ["账号ID", "账号名称", "账号类型", "粉丝数"])
    ws.write_row(1, 0, ["A1", "山野茶官方", "直营", "1.2万"])
    ws.write_row(2, 0, ["D1", "星河小美", "分销达人"])
    ws.write_number(2, 3, 35000)
    ws.write_row(3, 0, ["X1", "神秘号", "合作"])
    wb.close()
    r = importer.import_file(con, "accounts", x, rejects_dir=tmp_path)
    assert (r.ok, r.rows_accepted, r.rows_rejected) == (True, 2, 1)
    assert pl.read_csv(r.rejects_path, infer_schema=False).select("line").to_series().to_list() == ["4"]
    assert store.fetchall(con, "SELECT account_id, account_type, followers FROM accounts ORDER BY 1") == [
        ("A1", "own", 12000), ("D1", "distributor", 35000)
    ]

    p = tmp_path / "stores.parquet"
    pl.DataFrame({"store_id": ["S1"], "store_name": ["山野茶旗舰店"], "store_type": ["direct"],
                  "opened_on": [dt.date(2023, 1, 1)]}).write_parquet(p)
    assert importer.import_file(con, "stores", p).ok

    b = tmp_path / "stores_bom.csv"
    b.write_bytes(b"\xef\xbb\xbf" + "店铺ID,店铺名称,店铺类型,开店日期\nS2,经销A店,授权,2024年3月1日\n".encode())
    assert importer.import_file(con, "stores", b).ok

    t = write(tmp_path / "market.tsv", "日期\t类目\t行业成交金额\n2025/6/1\t茶叶\t1.5亿\n")
    assert importer.import_file(con, "market_daily", t).ok
    assert store.fetchall(con, "SELECT store_id, store_type, opened_on FROM stores ORDER BY 1") == [
        ("S1", "direct", dt.date(2023, 1, 1)), ("S2", "authorized", dt.date(2024, 3, 1))
    ]
    assert store.fetchall(con, "SELECT date, category, market_gmv, market_orders, active_sellers, active_products, "
                               "search_volume FROM market_daily") == [
        (dt.date(2025, 6, 1), "茶叶", Decimal("150000000.00"), None, None, None, None)
    ]


def test_corrected_rejects_file_imports_back(con, tmp_path):
    f = write(tmp_path / "o.csv", "order_id,paid_at,store_id,channel,buyer_id,paid_amount\n"
              "=O1,2025-06-01 10:00,S1,live,B1,-5\n")
    r = importer.import_file(con, "orders", f, rejects_dir=tmp_path / "rej")
    assert r.rows_rejected == 1
    text = Path(r.rejects_path).read_bytes()[3:].decode()
    assert text.splitlines()[1] == "2,paid_amount: negative amount of money '-5',\'=O1,2025-06-01 10:00,S1,live,B1,-5"
    # the user fixes the amount in Excel and imports the rejects file itself
    fixed = tmp_path / "fixed.csv"
    fixed.write_bytes(Path(r.rejects_path).read_bytes().replace(b",-5\n", b",5\n"))
    r2 = importer.import_file(con, "orders", fixed)
    assert r2.ok and r2.rows_accepted == 1
    assert store.fetchall(con, "SELECT order_id, paid_amount FROM orders") == [("=O1", Decimal("5.00"))]


def test_default_rejects_dir_is_beside_the_database(tmp_path):
    db = tmp_path / "db" / "cockpit.duckdb"
    c = store.connect(db)
    try:
        f = write(tmp_path / "o.csv", "order_id,paid_at,store_id,channel,buyer_id,paid_amount\nO1,,S1,live,B1,1\n")
        r = importer.import_file(c, "orders", f)
    finally:
        c.close()
    assert Path(r.rejects_path).parent == tmp_path / "db" / "rejects"
    assert Path(r.rejects_path).name.startswith("o-") and r.rejects_path.endswith(".rejects.csv")


def test_import_files_each_on_its_own(con, tmp_path):
    ok = write(tmp_path / "ok.csv", "store_id,store_name,store_type\nS1,甲,直营\n")
    bad = write(tmp_path / "bad.csv", "store_id,store_type\nS2,直营\n")
    res = importer.import_files(con, "stores", [ok, bad])
    assert [r.ok for r in res] == [True, False]
    assert res[0].summary_line() == "ok.csv → stores: 1 read, 1 accepted, 0 rejected, 0 duplicates"
    assert store.row_count(con, "stores") == 1


def test_progress_is_silent_when_not_a_terminal(con, tmp_path, capsys):
    f = write(tmp_path / "o.csv", "store_id,store_name,store_type\nS1,甲,直营\n")
    assert importer.import_file(con, "stores", f, progress=True).ok
    assert capsys.readouterr().err == ""


def test_progress_on_a_terminal(con, tmp_path, monkeypatch):
    import io

    class Tty(io.StringIO):
        def isatty(self):
            return True

    err = Tty()
    monkeypatch.setattr(sys, "stderr", err)
    f = write(tmp_path / "o.csv", "store_id,store_name,store_type\nS1,甲,直营\nS2,乙,授权\n")
    assert importer.import_file(con, "stores", f, progress=True).ok
    shown = err.getvalue()
    assert "o.csv: reading…" in shown and "o.csv: checking 2 rows…" in shown and "o.csv: writing 2 rows…" in shown
    assert shown.endswith("\r")  # the status line is cleared before the summary is printed


def test_unforeseen_error_rolls_back_reports_a_sentence_and_leaves_no_rejects_file(con, tmp_path, caplog):
    f = write(tmp_path / "o.csv", "store_id,store_name,store_type\nS1,甲,直营\nS2,乙,加盟\n")

    def boom():
        raise RuntimeError("disk on fire")

    r = importer.import_file(con, "stores", f, before_commit=boom, rejects_dir=tmp_path / "rej", lang="en")
    assert not r.ok and r.unexpected
    assert r.summary_line() == ("o.csv → stores: NOT IMPORTED: the import stopped on an unexpected problem "
                                "(disk on fire); details are in the log; nothing changed")
    assert "RuntimeError" not in r.summary_line() and "RuntimeError" not in r.summary_line("zh")
    assert "Traceback" in caplog.text  # the log keeps what a developer needs
    assert store.row_count(con, "stores") == 0 and batch_rows(con) == []
    assert not (tmp_path / "rej").exists() or not list((tmp_path / "rej").iterdir())


KILL_SCRIPT = textwrap.dedent("""
    import os, signal, sys
    from cockpit import importer, store
    con = store.connect(sys.argv[1])
    importer.import_file(con, "orders", sys.argv[2],
                         before_commit=lambda: os.kill(os.getpid(), signal.SIGKILL))
    print("not killed")
""")


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_kill_before_commit_leaves_database_as_it_was(tmp_path):
    db = tmp_path / "k.duckdb"
    head = "order_id,paid_at,store_id,channel,buyer_id,paid_amount\n"
    first = write(tmp_path / "first.csv", head + "O1,2025-06-01 10:00,S1,live,B1,100\n")
    second = write(tmp_path / "second.csv", head + "O1,2025-06-01 10:00,S1,live,B1,999\n"
                   "O2,2025-06-01 11:00,S1,live,B2,5\n")
    c = store.connect(db)
    assert importer.import_file(c, "orders", first).ok
    c.close()
    proc = subprocess.run([sys.executable, "-c", KILL_SCRIPT, str(db), str(second)],
                          capture_output=True, text=True, cwd=REPO, timeout=120)
    assert proc.returncode == -9, proc.stderr
    assert "not killed" not in proc.stdout
    c = store.connect(db)
    try:
        assert store.fetchall(c, "SELECT order_id, paid_amount FROM orders") == [("O1", Decimal("100.00"))]
        assert [b[1] for b in batch_rows(c)] == ["first.csv"]
        assert store.scalar(c, "SELECT count(*) FROM _replaced_orders") == 0
        assert store.data_version(c) == 1
    finally:
        c.close()


def test_cli_import(tmp_path):
    db = tmp_path / "cli.duckdb"
    good = write(tmp_path / "stores.csv", "店铺ID,店铺名称,店铺类型\nS1,山野茶,直营\nS2,经销店,加盟\n", "gbk")
    run = lambda *files: subprocess.run(  # noqa: E731
        ["cockpit", "import", "--db", str(db), "--table", "stores", *map(str, files)],
        capture_output=True, text=True, cwd=tmp_path, timeout=120,
    )
    p = run(good)
    assert p.returncode == 0, p.stderr
    lines = p.stdout.strip().splitlines()
    assert lines[0].startswith("stores.csv → stores: 2 read, 1 accepted, 1 rejected, 0 duplicates (rejects: ")
    assert str(tmp_path / "rejects") in lines[0]
    missing = write(tmp_path / "m.csv", "店铺ID\nS3\n")
    p = run(good, missing)
    assert p.returncode == 2
    out = p.stdout.strip().splitlines()
    assert out[1] == (
        "m.csv → stores: NOT IMPORTED: missing required columns store_name (accepted headers: "
        "store_name / 店铺名称 / 商号名称; no similar header in the file), store_type (accepted headers: "
        "store_type / 店铺类型; no similar header in the file); nothing changed"
    )
    c = store.connect(db, read_only=True)
    try:
        assert store.fetchall(c, "SELECT store_id, store_type FROM stores") == [("S1", "direct")]
        assert len(batch_rows(c)) == 2
    finally:
        c.close()


# --- issue 12: implausible dates, and nothing after a commit turns success into failure ------

EDGE_HEAD = "order_id,paid_at,store_id,channel,buyer_id,paid_amount\n"


def _cli_import(db, *files, env=None):
    return subprocess.run(
        ["cockpit", "import", "--db", str(db), "--table", "orders", *map(str, files)],
        capture_output=True, text=True, cwd=db.parent, timeout=120,
        env={**os.environ, "COCKPIT_LANG": "en", **(env or {})},
    )


def test_implausible_dates_are_rejected_per_row_and_later_imports_still_succeed(tmp_path):
    """9999-12-30 used to be committed and then break the buyer-set rebuild after the
    commit (exit 2 for that import and every later one); 9999-12-31 ended in a traceback
    and left an orphan rejects file; 0001-01-01 and 2099-12-31 went in unquestioned."""
    db = tmp_path / "edge.duckdb"
    files = [
        write(tmp_path / "o1.csv", EDGE_HEAD + "A1,2025-06-01 10:00,S1,mall,B1,10\nA2,9999-12-30 10:00,S1,mall,B2,10\n"),
        write(tmp_path / "o2.csv", EDGE_HEAD + "A3,9999-12-31 10:00,S1,mall,B3,10\n"),
        write(tmp_path / "o3.csv", EDGE_HEAD + "A4,2025-06-02 10:00,S1,mall,B4,10\nA5,0001-01-01,S1,mall,B5,1\n"
              "A6,2099-12-31 23:59,S1,mall,B6,1\n"),
    ]
    expected = ["o1.csv → orders: 2 read, 1 accepted, 1 rejected, 0 duplicates",
                "o2.csv → orders: 1 read, 0 accepted, 1 rejected, 0 duplicates",
                "o3.csv → orders: 3 read, 1 accepted, 2 rejected, 0 duplicates"]
    for f, line in zip(files, expected):
        p = _cli_import(db, f)
        assert p.returncode == 0, (p.stdout, p.stderr)
        assert p.stdout.startswith(line + " (rejects: "), p.stdout
        assert "Traceback" not in p.stderr and "Error" not in p.stdout + p.stderr
    rejects = sorted((tmp_path / "rejects").iterdir())
    assert len(rejects) == 3  # one per file, none orphaned
    reasons = [r for f in rejects for r in pl.read_csv(f, infer_schema=False).select("line", "reason").rows()]
    lo, hi = "2000-01-01", values_max()
    why = f"paid_at: date outside the accepted range {lo} to {hi} '{{}}' " \
          "(the range is set by COCKPIT_DATE_MIN / COCKPIT_DATE_MAX)"
    assert sorted(reasons) == sorted([
        ("3", why.format("9999-12-30 10:00")), ("2", why.format("9999-12-31 10:00")),
        ("3", why.format("0001-01-01")), ("4", why.format("2099-12-31 23:59")),
    ])
    c = store.connect(db, read_only=True)
    try:
        assert [r[0] for r in orders(c)] == ["A1", "A4"]
        assert [b[3:6] for b in batch_rows(c)] == [(2, 1, 1), (1, 0, 1), (3, 1, 2)]
        assert store.fetchall(c, "SELECT month FROM buyer_sets_built ORDER BY 1") == [(dt.date(2025, 6, 1),)]
    finally:
        c.close()


def values_max() -> str:
    from cockpit import values

    return values.date_window()[1].isoformat()


def test_the_widest_window_reaches_the_calendars_edges_and_every_import_succeeds(tmp_path):
    """Set to accept any date, the derived structures (rollups, buyer sets) cope with
    0001-01-01 and 9999-12-31 too: no import reports failure after its commit."""
    db = tmp_path / "wide.duckdb"
    env = {"COCKPIT_DATE_MIN": "0001-01-01", "COCKPIT_DATE_MAX": "9999-12-31"}
    files = [
        write(tmp_path / "o1.csv", EDGE_HEAD + "A1,2025-06-01 10:00,S1,mall,B1,10\nA2,9999-12-30 10:00,S1,mall,B2,10\n"),
        write(tmp_path / "o2.csv", EDGE_HEAD + "A3,9999-12-31 23:59:59,S1,mall,B3,10\nA4,0001-01-01,S1,mall,B1,5\n"),
        write(tmp_path / "o3.csv", EDGE_HEAD + "A5,2025-06-02 10:00,S1,mall,B4,10\n"),
    ]
    for f in files:
        p = _cli_import(db, f, env=env)
        assert p.returncode == 0, (p.stdout, p.stderr)
        assert " 0 rejected" in p.stdout and "not rebuilt" not in p.stdout, p.stdout
    c = store.connect(db, read_only=True)
    try:
        assert len(orders(c)) == 5
        assert store.fetchall(c, "SELECT month FROM buyer_sets_built ORDER BY 1") == [
            (dt.date(1, 1, 1),), (dt.date(2025, 6, 1),), (dt.date(9999, 12, 1),)]
        assert store.fetchall(c, "SELECT day, orders FROM orders_daily ORDER BY day") == [
            (dt.date(1, 1, 1), 1), (dt.date(2025, 6, 1), 1), (dt.date(2025, 6, 2), 1),
            (dt.date(9999, 12, 30), 1), (dt.date(9999, 12, 31), 1)]
    finally:
        c.close()


def test_a_failure_after_the_commit_never_turns_an_import_into_a_failure(tmp_path, monkeypatch, capsys):
    from cockpit import buyer_sets, cli

    def broken(con, months=None):
        raise OverflowError("year 10000 is out of range")

    monkeypatch.setattr(buyer_sets, "build", broken)
    db = tmp_path / "post.duckdb"
    f = write(tmp_path / "o.csv", EDGE_HEAD + "A1,2025-06-01 10:00,S1,mall,B1,10\n")
    for _ in range(2):
        assert cli.main(["import", "--db", str(db), "--table", "orders", "--lang", "en", str(f)]) == 0
        out = capsys.readouterr().out.splitlines()
        assert out == ["o.csv → orders: 1 read, 1 accepted, 0 rejected, 0 duplicates",
                       "buyer sets not rebuilt (year 10000 is out of range); the import is committed, and figures "
                       "stay exact, counted from orders until the app rebuilds them"]


# --- true summaries: read = accepted + rejected + duplicates --------------------------------


def test_duplicates_within_a_file_are_counted_listed_and_the_last_row_wins(con, tmp_path):
    """issue 12: "4 read, 4 accepted" while 2 rows were written (last wins, unreported)."""
    f = write(tmp_path / "dup.csv", EDGE_HEAD
              + "A1,2025-06-01 10:00,S1,mall,B1,10\n"     # line 2: replaced by line 4
              + "A2,2025-06-01 10:00,S1,mall,B2,20\n"     # line 3: kept
              + "A1,2025-06-01 10:00,S1,mall,B1,11\n"     # line 4: kept (the last good A1)
              + "A1,2025-06-01 10:00,S1,mall,B1,abc\n"    # line 5: rejected, so it replaces nothing
              + " A2 ,2025-06-01 10:00,S1,mall,B2,21\n")  # line 6: the same key once trimmed: kept
    r = importer.import_file(con, "orders", f, rejects_dir=tmp_path / "rej", lang="en")
    assert r.ok and (r.rows_read, r.rows_accepted, r.rows_rejected, r.rows_duplicate) == (5, 2, 1, 2)
    assert r.summary_line() == ("dup.csv → orders: 5 read, 2 accepted, 1 rejected, 2 duplicates (the last row of a "
                                f"repeated key wins) (rejects: {r.rejects_path})")
    assert store.fetchall(con, "SELECT order_id, paid_amount FROM orders ORDER BY 1") == [
        ("A1", Decimal("11.00")), ("A2", Decimal("21.00"))]
    rejects = pl.read_csv(r.rejects_path, infer_schema=False)
    assert rejects.select("line", "reason", "order_id", "paid_amount").rows() == [
        ("2", "duplicate: line 4 has the same order_id=A1 and is kept (within a file the last row of a key wins)",
         "A1", "10"),
        ("3", "duplicate: line 6 has the same order_id=A2 and is kept (within a file the last row of a key wins)",
         "A2", "20"),
        ("5", "paid_amount: bad amount of money 'abc'", "A1", "abc"),
    ]
    assert store.fetchall(con, "SELECT rows_read, rows_accepted, rows_rejected, rows_duplicate FROM import_batches") \
        == [(5, 2, 1, 2)]
    zh = r.summary_line("zh")
    assert zh == ("dup.csv → orders：读取 5 行，导入 2 行，拒绝 1 行，文件内重复 2 行（重复的主键以文件中最后一行为准）"
                  f"（被拒绝和重复的行：{r.rejects_path}）")


def test_a_long_file_read_in_chunks_reports_the_right_lines(con, tmp_path, monkeypatch):
    """30,000 orders (Polars parses them in several chunks, the columns on several threads):
    a bad row and a repeated key deep in the file are named by their own lines, and the
    other rows all land."""
    monkeypatch.setattr(importer, "_PARALLEL_FROM", 1_000)
    monkeypatch.setattr(importer, "PARSE_THREADS", 3)
    rows = [f"O{i:05d},2025-06-01 10:00,S1,mall,B{i % 7},{i % 100 + 1}" for i in range(30_000)]
    rows[21_000] = "O21000,2025-06-01 10:00,S1,mall,B0,abc"  # line 21,002: a bad amount
    rows[28_000] = "O00005,2025-06-01 10:00,S1,mall,B5,77"   # line 28,002: repeats line 7's key
    f = write(tmp_path / "long.csv", EDGE_HEAD + "\n".join(rows) + "\n")
    r = importer.import_file(con, "orders", f, rejects_dir=tmp_path / "rej", lang="en")
    assert r.ok and (r.rows_read, r.rows_accepted, r.rows_rejected, r.rows_duplicate) == (30_000, 29_998, 1, 1)
    assert pl.read_csv(r.rejects_path, infer_schema=False).select("line", "reason").rows() == [
        ("7", "duplicate: line 28002 has the same order_id=O00005 and is kept "
              "(within a file the last row of a key wins)"),
        ("21002", "paid_amount: bad amount of money 'abc'"),
    ]
    # sum over i of (i % 100 + 1) = 300 * 5,050; less row 21,000 (1), row 28,000 (1) and
    # row 5 (6), plus the 77 that replaced row 5
    assert store.fetchall(con, "SELECT count(*), sum(paid_amount) FROM orders") == [
        (29_998, Decimal(300 * 5050 - 1 - 1 - 6 + 77))]


def test_the_issues_four_rows_two_keys(con, tmp_path):
    f = write(tmp_path / "four.csv", EDGE_HEAD + "K1,2025-06-01 10:00,S1,mall,B1,1\nK2,2025-06-01 10:00,S1,mall,B1,2\n"
              "K1,2025-06-01 10:00,S1,mall,B1,3\nK2,2025-06-01 10:00,S1,mall,B1,4\n")
    r = importer.import_file(con, "orders", f, rejects_dir=tmp_path, lang="en")
    assert r.summary_line().startswith("four.csv → orders: 4 read, 2 accepted, 0 rejected, 2 duplicates")
    assert store.row_count(con, "orders") == 2


def test_duplicates_of_a_key_of_several_columns_with_an_empty_one(con, tmp_path):
    f = write(tmp_path / "ads.csv", "date,account_id,live_id,spend\n2025-06-01,A1,,10\n2025-06-01,A1,L1,20\n"
              "2025-06-01,A1,,30\n")
    r = importer.import_file(con, "ad_spend", f, rejects_dir=tmp_path, lang="en")
    assert (r.rows_accepted, r.rows_duplicate) == (2, 1)
    assert pl.read_csv(r.rejects_path, infer_schema=False).select("line", "reason").rows() == [
        ("2", "duplicate: line 4 has the same date=2025-06-01, account_id=A1, live_id= and is kept "
              "(within a file the last row of a key wins)")]
    assert store.fetchall(con, "SELECT live_id, spend FROM ad_spend ORDER BY 2") == [
        ("L1", Decimal("20.00")), (None, Decimal("30.00"))]


def test_an_older_import_history_gets_its_duplicate_counts_on_upgrade(tmp_path):
    db = tmp_path / "old.duckdb"
    c = store.connect(db)
    c.execute("ALTER TABLE import_batches DROP COLUMN rows_duplicate")
    c.execute("DELETE FROM cockpit_meta WHERE key = 'import_batches_version'")
    # as an older cockpit recorded a file of 5 rows: 1 rejected, 2 written, 2 repeated keys
    c.execute("INSERT INTO import_batches (batch_id, file_name, table_name, rows_read, rows_accepted, rows_rejected) "
              "VALUES (1, 'old.csv', 'orders', 5, 2, 1)")
    c.close()
    ro = store.connect(db, read_only=True)  # upgraded through a short write open
    try:
        assert store.fetchall(ro, "SELECT rows_read, rows_accepted, rows_rejected, rows_duplicate "
                                  "FROM import_batches") == [(5, 2, 1, 2)]
    finally:
        ro.close()


def test_a_full_refund_is_accepted_and_a_cent_more_is_rejected(con, tmp_path):
    """The boundary of "refund larger than payment": changing > to >= must fail here."""
    f = write(tmp_path / "refunds.csv", "order_id,paid_at,store_id,channel,buyer_id,paid_amount,refund_amount\n"
              "R1,2025-06-01 10:00,S1,mall,B1,100.00,100.00\n"
              "R2,2025-06-01 10:00,S1,mall,B1,100.00,100.01\n"
              "R3,2025-06-01 10:00,S1,mall,B1,¥100,\"¥100.00\"\n"
              "R4,2025-06-01 10:00,S1,mall,B1,0,0\n")
    r = importer.import_file(con, "orders", f, rejects_dir=tmp_path, lang="en")
    assert (r.rows_accepted, r.rows_rejected) == (3, 1)
    assert store.fetchall(con, "SELECT order_id, refund_amount FROM orders ORDER BY 1") == [
        ("R1", Decimal("100.00")), ("R3", Decimal("100.00")), ("R4", Decimal("0.00"))]
    assert pl.read_csv(r.rejects_path, infer_schema=False).select("line", "reason").rows() == [
        ("3", "refund_amount: refund 100.01 is larger than the paid amount 100.00")]


def test_nan_and_excel_ids_in_a_file(con, tmp_path):
    f = write(tmp_path / "m.csv", "order_id,paid_at,store_id,channel,buyer_id,quantity,paid_amount\n"
              "2.02611E+18,2025-06-01 10:00,S1,mall,B1,1,10\n"
              "2.02611E+18,2025-06-01 11:00,S1,mall,B2,1,12\n"
              "O3,2025-06-01 10:00,S1,mall,B3,NaN,10\n"
              "O4,2025-06-01 10:00,S1,mall,B4,,1e-320\n"
              "O5,2025-06-01 10:00,S1,mall,B5,,10\n")
    r = importer.import_file(con, "orders", f, rejects_dir=tmp_path, lang="en")
    assert (r.rows_read, r.rows_accepted, r.rows_rejected, r.rows_duplicate) == (5, 1, 4, 0)
    reasons = pl.read_csv(r.rejects_path, infer_schema=False)["reason"].to_list()
    assert reasons[0].startswith("order_id: looks like a number Excel turned into scientific notation")
    assert reasons[2:] == ["quantity: bad number 'NaN'",
                           "paid_amount: amount below one cent (it would be stored as 0.00) '1e-320'"]
    assert store.fetchall(con, "SELECT order_id, quantity FROM orders") == [("O5", None)]


def test_results_and_rejects_in_chinese(con, tmp_path):
    f = write(tmp_path / "zh.csv", "订单编号,支付时间,店铺ID,成交渠道,买家ID,实付金额\n"
              "A1,2025-06-01 10:00,S1,直播,B1,abc\nA2,9999-12-30,S1,直播,B2,1\nA3,2025-06-01 10:00,S1,直播,B3,1\n")
    r = importer.import_file(con, "orders", f, rejects_dir=tmp_path, lang="zh")
    assert r.summary_line() == f"zh.csv → orders：读取 3 行，导入 1 行，拒绝 2 行，文件内重复 0 行（被拒绝和重复的行：{r.rejects_path}）"
    lo, hi = "2000-01-01", values_max()
    assert pl.read_csv(r.rejects_path, infer_schema=False)["reason"].to_list() == [
        "paid_amount (实付金额)：金额无法识别“abc”",
        f"paid_at (支付时间)：日期不在可接受范围 {lo} 至 {hi} 内“9999-12-30”（范围可用 COCKPIT_DATE_MIN / COCKPIT_DATE_MAX 设置）",
    ]
    bad = write(tmp_path / "bad.csv", "订单号\nA1\n")
    r2 = importer.import_file(con, "orders", bad, lang="zh")
    assert r2.summary_line().startswith("bad.csv → orders：未导入：缺少必填列 paid_at（可用的表头：paid_at / 支付时间 / 下单时间；")
    assert r2.summary_line().endswith("；数据没有任何改动")
    assert importer.import_file(con, "orders", tmp_path / "gone.csv", lang="zh").summary_line() == (
        f"gone.csv → orders：未导入：找不到文件（{tmp_path / 'gone.csv'}）；数据没有任何改动")


def test_default_language(monkeypatch):
    for var in ("COCKPIT_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert importer.default_lang() == "zh"
    monkeypatch.setenv("LANG", "C.UTF-8")
    assert importer.default_lang() == "en"
    monkeypatch.setenv("LC_ALL", "zh_TW.UTF-8")
    assert importer.default_lang() == "zh"
    monkeypatch.setenv("COCKPIT_LANG", "en")
    assert importer.default_lang() == "en"
    assert importer.default_lang("zh") == "zh"


# ---------------------------------------------------------------- live review exports (issue 17)

def rejected(res) -> dict[str, str]:
    """line -> reason of a result's rejects file."""
    import csv

    with open(res.rejects_path, encoding="utf-8-sig", newline="") as fh:
        return {r["line"]: r["reason"] for r in csv.DictReader(fh)}


def test_platform_session_export_with_durations_and_new_columns(con, tmp_path):
    f = write(tmp_path / "直播场次.csv",
              "直播ID,账号ID,开播时间,下播时间,观看人数,直播间曝光人数,互动人数,人均观看时长,商品点击人数\n"
              "L1,A1,2025/6/1 19:30,2025/6/1 22:30,400,1.2万,80,3分48秒,100\n"
              "L2,A1,2025/6/2 19:30,2025/6/2 21:30,200,2000,,45秒,40\n"
              "L3,A1,2025/6/3 19:30,2025/6/3 21:30,200,2000,5,三分钟,40\n")
    res = importer.import_file(con, "live_sessions", f, rejects_dir=tmp_path)
    assert (res.ok, res.rows_accepted, res.rows_rejected) == (True, 2, 1)
    assert store.fetchall(con, "SELECT live_id, exposures, interacting_viewers, avg_watch_seconds FROM live_sessions "
                               "ORDER BY 1") == [("L1", 12000, 80, 228.0), ("L2", 2000, None, 45.0)]
    assert rejected(res) == {"4": "avg_watch_seconds (人均观看时长): bad duration '三分钟' (e.g. 3分48秒, 228, 03:48)"}


def test_minutes_in_the_header_and_money_in_fen(con, tmp_path):
    f = write(tmp_path / "s.csv", "直播ID,账号ID,开播时间,人均观看时长(分钟)\nL1,A1,2025-06-01 19:30,2.5\n")
    assert importer.import_file(con, "live_sessions", f).ok
    assert store.scalar(con, "SELECT avg_watch_seconds FROM live_sessions") == 150.0
    f = write(tmp_path / "画像.csv", "直播ID,画像维度,分组,观看人数,成交人数,成交金额（分）\n"
                                     "L1,性别,女,260,1,10000\nL1,性别,男,140,1,20050\nL1,粉丝,粉丝,150,1,10000\n")
    res = importer.import_file(con, "live_audience", f)
    assert (res.ok, res.rows_accepted) == (True, 3)
    assert store.fetchall(con, "SELECT dimension, bucket, viewers, buyers, gmv FROM live_audience ORDER BY 1, 2") == [
        ("fans", "粉丝", 150, 1, Decimal("100.00")), ("gender", "女", 260, 1, Decimal("100.00")),
        ("gender", "男", 140, 1, Decimal("200.50"))]


def test_peer_benchmarks_named_as_the_platform_names_them(con, tmp_path):
    f = write(tmp_path / "同行同级.csv",
              "统计开始日期,统计结束日期,类目,同行同级分层,指标,同行同级均值,同行同级优秀值\n"
              "2025-06-01,2025-06-30,茶叶,第3层,曝光进入率,12.5%,20%\n"
              "2025-06-01,2025-06-30,茶叶,T3,人均观看时长,3分48秒,5分\n"
              "2025-06-01,2025-06-30,茶叶,10万-50万,千次观看成交金额,\"1,845.2\",\n"
              "2025-06-01,2025-06-30,茶叶,T3,直播间人气,1,2\n"
              "2025-06-30,2025-06-01,茶叶,T3,UV价值,1,2\n")
    res = importer.import_file(con, "peer_benchmarks", f, rejects_dir=tmp_path)
    assert (res.rows_accepted, res.rows_rejected) == (3, 2)
    assert store.fetchall(con, "SELECT tier, metric, median, excellent FROM peer_benchmarks ORDER BY metric") == [
        ("T3", "avg_watch_seconds", 228.0, 300.0), ("T3", "exposure_entry_rate", 0.125, 0.2), ("T3", "gpm", 1845.2, None)]
    why = rejected(res)
    assert why["5"].startswith("metric (指标): unknown value '直播间人气' (allowed: exposure_entry_rate (曝光进入率/")
    assert why["6"] == "period_end (统计结束日期) is before period_start (统计开始日期)"


def test_explanations_that_end_before_they_start_are_rejected(con, tmp_path):
    f = write(tmp_path / "讲解.csv", "直播ID,商品ID,讲解开始时间,讲解结束时间\n"
                                     "L1,P1,2025-06-01 19:30,2025-06-01 19:36\n"
                                     "L1,P2,2025-06-01 19:40,2025-06-01 19:38\n"
                                     "L1,P3,2025-06-01 19:40,\n")
    res = importer.import_file(con, "live_explains", f, rejects_dir=tmp_path)
    assert (res.rows_accepted, res.rows_rejected) == (1, 2)
    assert rejected(res) == {"3": "ended_at (讲解结束时间) is before started_at (讲解开始时间)",
                             "4": "ended_at (讲解结束时间): missing required value"}
