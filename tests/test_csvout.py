"""The one CSV writer: BOM for Excel, formula injection neutralised, numbers left alone."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import polars as pl

from cockpit import csvout


def test_bom_and_formula_injection():
    df = pl.DataFrame({
        "name": ["=cmd()", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\tx", "\rx", "ok", None, "-5"],
        "n": [-5, 1, 2, 3, 4, 5, 6, 7, 8],
    })
    out = csvout.to_csv_bytes(df)
    assert out.startswith(b"\xef\xbb\xbf")
    assert out[3:].decode("utf-8") == (
        "name,n\n"
        "'=cmd(),-5\n"
        "'+1+cmd|' /C calc'!A0,1\n"
        "'-2+3,2\n"
        "'@SUM(A1),3\n"
        "'\tx,4\n"
        "\"'\rx\",5\n"
        "ok,6\n"
        ",7\n"
        "-5,8\n"
    )


def test_numbers_dates_and_headers():
    df = pl.DataFrame({
        "=bad header": ["a"],
        "money": pl.Series([Decimal("-1234.50")], dtype=pl.Decimal(18, 2)),
        "f": [-0.25],
        "ts": [dt.datetime(2025, 6, 1, 20, 5)],
        "d": [dt.date(2025, 6, 1)],
        "b": [True],
    })
    text = csvout.to_csv_bytes(df)[3:].decode()
    assert text == "'=bad header,money,f,ts,d,b\na,-1234.50,-0.25,2025-06-01 20:05:00,2025-06-01,true\n"


def test_write_csv_roundtrip_chinese(tmp_path):
    p = csvout.write_csv(pl.DataFrame({"店铺": ["山野茶"], "金额": [12]}), tmp_path / "sub" / "x.csv")
    assert p.read_bytes() == "\ufeff店铺,金额\n山野茶,12\n".encode("utf-8")
    assert not list((tmp_path / "sub").glob("*.part"))


def test_long_ids_stay_whole_and_xlsx_holds_text_as_text():
    import fastexcel

    df = pl.DataFrame({"直播场次ID": ["2026112912345678901", "L1"], "店铺": ['=HYPERLINK("http://x")', "a"],
                       "成交金额 (元)": [1234.5, None]})
    text = csvout.to_csv_bytes(df).decode("utf-8-sig")
    assert "\t2026112912345678901" in text and "'=HYPERLINK" in text  # Excel keeps the id whole
    sheet = fastexcel.read_excel(csvout.to_xlsx_bytes(df, {"成交金额 (元)": "cny"}, sheet="直播场次: x")).load_sheet(0)
    back = sheet.to_polars()
    assert back["直播场次ID"].to_list() == ["2026112912345678901", "L1"]  # text cells, not 2.02611E+18
    assert back["店铺"][0] == '=HYPERLINK("http://x")'  # a string, never a formula
    assert back["成交金额 (元)"].to_list()[0] == 1234.5
    assert sheet.name == "直播场次  x"  # Excel's forbidden ":" replaced
