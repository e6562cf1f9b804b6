"""Readers: every supported format and encoding to all-text rows with source line numbers."""

from __future__ import annotations

import datetime as dt
import os

import polars as pl
import pytest

from cockpit import readers
from cockpit.readers import LINE


def rows(raw):
    return raw.frame.select([*raw.columns, LINE]).rows()


def test_gbk_csv_with_chinese_headers(tmp_path):
    p = tmp_path / "订单.csv"
    p.write_bytes("订单编号,实付金额\r\nA1,\"￥1,234.50\"\r\nA2,88\r\n".encode("gbk"))
    raw = readers.read_table(p)
    assert raw.encoding == "gb18030"
    assert raw.headers == ["订单编号", "实付金额"]
    assert rows(raw) == [("A1", "￥1,234.50", 2), ("A2", "88", 3)]


def test_gbk_detected_even_when_only_a_late_row_is_not_ascii(tmp_path):
    body = "id,name\n" + "".join(f"{i},x\n" for i in range(3000)) + "3000,山野茶\n"
    p = tmp_path / "late.csv"
    p.write_bytes(body.encode("gbk"))
    raw = readers.read_table(p)
    assert raw.encoding == "gb18030"
    assert rows(raw)[-1] == ("3000", "山野茶", 3002)


@pytest.mark.parametrize("step", [1, 2, 3, 7, 1 << 22])
def test_gbk_decoded_by_pieces_whatever_the_cut(tmp_path, monkeypatch, step):
    # A big export is decoded a few MB at a time; a two-byte character cut in two by a
    # piece's end must come out whole (steps of 1-7 bytes cut every character somewhere).
    monkeypatch.setattr(readers, "_TRANSCODE_STEP", step)
    p = tmp_path / "订单.csv"
    p.write_bytes("订单编号,成交渠道,实付金额\nA1,直播,￥12.50\nA2,短视频,８\nA3,商城,\n".encode("gbk"))
    raw = readers.read_table(p)
    assert raw.encoding == "gb18030"
    assert raw.headers == ["订单编号", "成交渠道", "实付金额"]
    assert rows(raw) == [("A1", "直播", "￥12.50", 2), ("A2", "短视频", "８", 3), ("A3", "商城", None, 4)]


def test_gbk_decoded_by_pieces_refuses_a_bad_byte_deep_in_the_file(tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "_TRANSCODE_STEP", 16)
    p = tmp_path / "bad.csv"
    p.write_bytes("订单编号,成交渠道\n".encode("gbk") + b"A1,x\n" * 20 + b"A2,\x81\x30\xff\n")
    with pytest.raises(readers.ReadError) as e:
        readers.read_table(p)
    assert str(e.value) == "bad.csv: is not readable text: neither UTF-8 nor GBK/GB18030"


def test_utf8_bom_semicolon(tmp_path):
    p = tmp_path / "bom.csv"
    p.write_bytes(b"\xef\xbb\xbf" + "店铺ID;店铺名称\nS1;山野茶\n".encode())
    raw = readers.read_table(p)
    assert raw.encoding == "utf-8-sig"
    assert raw.delimiter == ";"
    assert raw.headers == ["店铺ID", "店铺名称"]
    assert rows(raw) == [("S1", "山野茶", 2)]


def test_tab_separated_utf16_excel_unicode_text(tmp_path):
    p = tmp_path / "unicode.txt"
    p.write_bytes("a\tb\n1\t2\n".encode("utf-16"))
    raw = readers.read_table(p)
    assert (raw.encoding, raw.delimiter) == ("utf-16", "\t")
    assert rows(raw) == [("1", "2", 2)]


def test_tab_separated_utf8(tmp_path):
    p = tmp_path / "t.tsv"
    p.write_text("店铺ID\t店铺名称\t金额\nS1\t山野茶\t1,234.50\n", encoding="utf-8")
    raw = readers.read_table(p)
    assert raw.delimiter == "\t"
    assert rows(raw) == [("S1", "山野茶", "1,234.50", 2)]


def test_line_numbers_skip_blank_lines_and_count_quoted_line_breaks(tmp_path):
    p = tmp_path / "lines.csv"
    p.write_bytes(b'id,note\n1,a\n\n2,"two\nlines"\n,\n3,c\n')
    raw = readers.read_table(p)
    # line 3 blank, line 4-5 one record, line 6 an empty record: not data
    assert rows(raw) == [("1", "a", 2), ("2", "two\nlines", 4), ("3", "c", 7)]


def test_a_file_polars_reads_in_chunks_keeps_its_line_numbers_without_a_copy(tmp_path):
    # 30,000 rows: Polars parses them in several chunks; a blank record (line 20,003) and a
    # quoted line break (line 25,004-25,005) shift the later lines.
    lines = ["id,note"] + [f"{i},n{i}" for i in range(30_000)]
    lines[20_002] = ","  # the file's line 20,003: an empty record
    lines[25_003] = '25002,"two\nlines"'
    p = tmp_path / "long.csv"
    p.write_text("\n".join(lines) + "\n")
    raw = readers.read_table(p)
    assert raw.frame[raw.columns[0]].n_chunks() > 1  # else this test tests nothing
    got = dict(zip(raw.frame[raw.columns[0]].to_list(), raw.frame[LINE].to_list()))
    assert raw.frame.height == 29_999
    assert (got["0"], got["20000"], got["20002"], got["25001"], got["25002"], got["25003"], got["29999"]) == \
        (2, 20_002, 20_004, 25_003, 25_004, 25_006, 30_002)
    # the line numbers are cut like the text, so nothing copies the frame into one chunk
    assert {raw.frame[c].n_chunks() for c in raw.frame.columns} == {raw.frame[raw.columns[0]].n_chunks()}


def test_row_with_too_many_fields_is_flagged_not_fatal(tmp_path):
    p = tmp_path / "ragged.csv"
    p.write_bytes(b"id,amount\n1,5\n2,1,234.50\n3,7\n")
    raw = readers.read_table(p)
    assert rows(raw) == [("1", "5", 2), ("2", "1", 3), ("3", "7", 4)]
    assert raw.problems.to_list() == [
        None,
        "row has more fields than the header (2); a value probably contains an unquoted delimiter",
        None,
    ]


def test_duplicate_headers_kept_apart(tmp_path):
    p = tmp_path / "dup.csv"
    p.write_bytes(b"a,b,a\n1,2,3\n")
    raw = readers.read_table(p)
    assert raw.headers == ["a", "b", "a"]
    assert raw.columns == ["a", "b", "a (2)"]


def test_xlsx_by_magic_bytes_with_excel_row_numbers(tmp_path):
    import xlsxwriter  # test extra: a missing one must fail, not skip
    p = tmp_path / "export.dat"  # wrong extension on purpose
    wb = xlsxwriter.Workbook(str(p))
    ws = wb.add_worksheet()
    ws.write_row(0, 0, ["订单号", "实付金额", "支付时间", "数量"])
    ws.write_row(1, 0, ["A1", "￥1,234.50", "2025/6/1 20:05"])
    ws.write_number(1, 3, 2)
    # row 3 left blank
    ws.write_string(3, 0, "A2")
    ws.write_number(3, 1, 88.5)
    ws.write_datetime(3, 2, dt.datetime(2025, 6, 1, 20, 5, 33), wb.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"}))
    ws.write_number(3, 3, 3)
    wb.close()
    raw = readers.read_table(p)
    assert raw.format == "xlsx"
    assert raw.headers == ["订单号", "实付金额", "支付时间", "数量"]
    assert rows(raw) == [
        ("A1", "￥1,234.50", "2025/6/1 20:05", "2", 2),
        ("A2", "88.5", "2025-06-01 20:05:33", "3", 4),
    ]


def test_xlsx_header_not_on_row_one(tmp_path):
    import xlsxwriter  # test extra: a missing one must fail, not skip
    p = tmp_path / "offset.xlsx"
    wb = xlsxwriter.Workbook(str(p))
    ws = wb.add_worksheet()
    ws.write_row(2, 0, ["id", "v"])
    ws.write_row(3, 0, ["x", "1"])
    wb.close()
    raw = readers.read_table(p)
    assert rows(raw) == [("x", "1", 4)]


def test_parquet_by_magic_bytes(tmp_path):
    p = tmp_path / "orders.bin"
    pl.DataFrame({
        "order_id": ["A1", "A2"],
        "paid_at": [dt.datetime(2025, 6, 1, 20, 5), None],
        "quantity": [2, 3],
        "ok": [True, False],
    }).write_parquet(p)
    raw = readers.read_table(p)
    assert raw.format == "parquet"
    assert rows(raw) == [
        ("A1", "2025-06-01 20:05:00", "2", "true", 1),
        ("A2", None, "3", "false", 2),
    ]


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "empty.csv: the file is empty"),
        (b"\r\n \r\n", "empty.csv: the file is empty"),
        (bytes(range(256)) * 8, "empty.csv: is not a text file"),
        (b"PK\x03\x04not really a zip", "empty.csv: cannot be read as an Excel file"),
        (b"PAR1 truncated", "empty.csv: cannot be read as a Parquet file"),
        (bytes([0x81, 0x30, 0xFF, 0xFE, 0x20]) * 40, "empty.csv: is not readable text: neither UTF-8 nor GBK/GB18030"),
    ],
)
def test_unreadable_files_raise_clear_errors(tmp_path, content, message):
    p = tmp_path / "empty.csv"
    p.write_bytes(content)
    with pytest.raises(readers.ReadError) as e:
        readers.read_table(p)
    assert str(e.value).startswith(message)


def test_random_bytes(tmp_path):
    p = tmp_path / "noise.csv"
    p.write_bytes(os.urandom(4096))
    with pytest.raises(readers.ReadError) as e:
        readers.read_table(p)
    assert str(e.value).startswith("noise.csv: ")


def test_missing_file(tmp_path):
    with pytest.raises(readers.ReadError, match="nope.csv: file not found"):
        readers.read_table(tmp_path / "nope.csv")


def test_a_quote_never_closed_is_explained_in_words(tmp_path):
    p = tmp_path / "q.csv"
    p.write_bytes(b'order_id,amount\n"A1,5\nA2,6\n')
    with pytest.raises(readers.ReadError) as e:
        readers.read_table(p)
    assert e.value.problem("en") == ("a value in column 'order_id' opens a quote that is not closed properly "
                                     "(near '\"A1,5⏎A2,6⏎'); the file may be cut short, or a quote is unpaired")
    assert e.value.problem("zh").startswith("列“order_id”里有一个以引号开头的值没有正确结束")


def test_old_mac_line_ends(tmp_path):
    p = tmp_path / "mac.csv"
    p.write_bytes(b"id,name\r1,a\r2,b\r")
    assert rows(readers.read_table(p)) == [("1", "a", 2), ("2", "b", 3)]
