"""Value parsers: every export style from SPEC section 2, with expected values by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import polars as pl
import pytest

from cockpit import schema, values

D = dt.datetime


def S(*items):
    return pl.Series("x", list(items), dtype=pl.Utf8)


def pairs(parsed):
    return list(zip(parsed.values.to_list(), parsed.reasons.to_list()))


def test_money_styles_are_exact_cents():
    p = values.parse_money(
        S("¥1,234.50", "￥1,234.50", "１，２３４．５０", "1.2万", "3亿", "12.345元", " 7 ", "RMB 8", "1e3", "0.1")
    )
    assert p.values.dtype == pl.Decimal(18, 2)
    assert p.values.to_list() == [
        Decimal("1234.50"), Decimal("1234.50"), Decimal("1234.50"), Decimal("12000.00"),
        Decimal("300000000.00"), Decimal("12.35"), Decimal("7.00"), Decimal("8.00"),
        Decimal("1000.00"), Decimal("0.10"),
    ]
    assert p.reasons.null_count() == 10


def test_money_rounds_half_away_from_zero():
    p = values.parse_money(S("1234.565", "2.675", "-5.005", "0.30000000000000004", "1.025", "1.015",
                             "1.0049999", "-0.004"))
    assert p.values.to_list() == [
        Decimal("1234.57"), Decimal("2.68"), Decimal("-5.01"), Decimal("0.30"), Decimal("1.03"),
        Decimal("1.02"), Decimal("1.00"), Decimal("0.00"),
    ]


def test_money_slow_path_keeps_every_cent():
    # Odd cents through the clean-up path (a bug once turned ￥1,710.45 into 1710.46).
    p = values.parse_money(S("￥1,710.45", "￥711.13", "¥0.01", "¥99.99", "1.23万", "-￥3.07"))
    assert p.values.to_list() == [
        Decimal("1710.45"), Decimal("711.13"), Decimal("0.01"), Decimal("99.99"),
        Decimal("12300.00"), Decimal("-3.07"),
    ]
    cents = range(0, 250_000, 7)
    texts = S(*[f"¥{c // 100:,}.{c % 100:02d}" for c in cents])
    assert values.parse_money(texts).values.to_list() == [Decimal(c) / 100 for c in cents]


def test_money_rejects_with_reasons_and_keeps_blanks_silent():
    p = values.parse_money(S("12%", "abc", None, "", "-", "--", "1e20"), "paid_amount")
    assert pairs(p) == [
        (None, "paid_amount: a percentage is not an amount of money '12%'"),
        (None, "paid_amount: bad amount of money 'abc'"),
        (None, None), (None, None), (None, None), (None, None),
        (None, "paid_amount: amount too large '1e20'"),
    ]


def test_money_fast_path_clean_column():
    p = values.parse_money(S("10.00", "0.5", "-3", None))
    assert p.values.to_list() == [Decimal("10.00"), Decimal("0.50"), Decimal("-3.00"), None]
    assert p.bad_count == 0


def test_int_styles():
    p = values.parse_int(S("12", "1,234", "1.2万", "1.2w", "３", "1.23456万", "12.0", "--"), "views")
    assert p.values.to_list() == [12, 1234, 12000, 12000, 3, 12346, 12, None]
    assert p.bad_count == 0


def test_int_rejects():
    p = values.parse_int(S("12.5", "12%", "x"), "quantity")
    assert p.reasons.to_list() == [
        "quantity: not a whole number '12.5'",
        "quantity: a percentage is not a count '12%'",
        "quantity: bad number 'x'",
    ]
    assert p.values.to_list() == [None, None, None]


def test_float_percent_means_fraction():
    p = values.parse_float(S("12%", "98.5", "1.2万", "０.５", "inf", "x"), "score")
    assert p.values.to_list()[:4] == [pytest.approx(0.12), 98.5, 12000.0, 0.5]
    assert p.values.to_list()[4:] == [None, None]
    assert p.reasons.to_list() == [None] * 4 + ["score: bad number 'inf'", "score: bad number 'x'"]


def test_timestamp_styles():
    p = values.parse_timestamp(S(
        "2025/6/1 20:05",
        "2025-06-01 20:05:33",
        "2025年6月1日",
        "2025年6月1日 20:05",
        "2025.6.1",
        "2025-06-01 20:05:33.250",
        "２０２５/６/１ ２０:０５",
        "20250601",
        "2025-06-01T12:05:33Z",
        "2025-06-01 20:05:33+08:00",
        "45809.5",
        "2025年6月1日20时05分",
    ))
    assert p.values.to_list() == [
        D(2025, 6, 1, 20, 5), D(2025, 6, 1, 20, 5, 33), D(2025, 6, 1), D(2025, 6, 1, 20, 5),
        D(2025, 6, 1), D(2025, 6, 1, 20, 5, 33, 250000), D(2025, 6, 1, 20, 5), D(2025, 6, 1),
        D(2025, 6, 1, 20, 5, 33), D(2025, 6, 1, 20, 5, 33), D(2025, 6, 1, 12, 0), D(2025, 6, 1, 20, 5),
    ]
    assert p.bad_count == 0


def test_timestamp_rejects_impossible_dates():
    p = values.parse_timestamp(S("2025-02-30 10:00", "2025-13-01", "hello", "2025-06-01 10:00"), "paid_at")
    assert pairs(p) == [
        (None, "paid_at: bad date/time '2025-02-30 10:00'"),
        (None, "paid_at: bad date/time '2025-13-01'"),
        (None, "paid_at: bad date/time 'hello'"),
        (D(2025, 6, 1, 10, 0), None),
    ]


def test_date_styles_and_time_of_day():
    p = values.parse_date(S("2025-06-01", "2025/6/1", "2025年6月1日", "20250601", "2025-06-01 00:00:00",
                            "2025-06-01 20:05", "2025-13-01"), "date")
    d = dt.date(2025, 6, 1)
    assert p.values.to_list() == [d, d, d, d, d, None, None]
    assert p.reasons.to_list()[5:] == [
        "date: a date was expected, not a time of day '2025-06-01 20:05'",
        "date: bad date '2025-13-01'",
    ]


def test_booleans():
    p = values.parse_bool(S("是", "否", "true", "FALSE", "1", "0", "Y", "n", "ｙｅｓ", None, "maybe"), "is_fan")
    assert p.values.to_list() == [True, False, True, False, True, False, True, False, True, None, None]
    assert p.reasons.to_list()[-1] == "is_fan: not a yes/no value 'maybe' (use 是/否, true/false, 1/0, Y/N)"


def test_enum_chinese_words_case_and_space_insensitive():
    p = values.parse_enum(S("直营", "分销达人", " Distributor ", "own", "ＯＷＮ", "授 权"), schema.ACCOUNT_TYPES)
    assert p.values.to_list() == ["own", "distributor", "distributor", "own", "own", "authorized"]
    p = values.parse_enum(S("短视频", "short video", "SHORT-VIDEO", "店铺页"), schema.CHANNELS)
    assert p.values.to_list() == ["short_video", "short_video", "short_video", "store_page"]


def test_enum_unknown_lists_allowed_values():
    p = values.parse_enum(S("直营店"), schema.STORE_TYPES, "store_type")
    assert p.values.to_list() == ["direct"]  # 直营店 is one of the declared words
    p = values.parse_enum(S("加盟"), schema.STORE_TYPES, "store_type")
    assert p.reasons.to_list() == [
        "store_type: unknown value '加盟' (allowed: direct (直营/直营店铺/直营店), authorized (授权/授权店铺/授权店))"
    ]


def test_text_trims_and_unwraps_excel_protection():
    p = values.parse_text(S(" A1 ", '="0012"', "'=cmd()", "'-5", "-", "", None, "'abc", "\t998877"))
    assert p.values.to_list() == ["A1", "0012", "=cmd()", "-5", None, None, None, "'abc", "998877"]


def test_text_fast_path_returns_column_untouched():
    s = S("A1", "B2", None)
    p = values.parse_text(s)
    assert p.values.to_list() == ["A1", "B2", None]
    assert p.bad_count == 0


def test_parse_column_dispatches_on_schema_kind():
    col = schema.table("orders").column("paid_amount")
    p = values.parse_column(S("￥88"), col)
    assert p.values.to_list() == [Decimal("88.00")]
    assert p.values.dtype == schema.polars_type("money")


def test_slow_path_only_touches_failed_rows():
    # 10,000 clean rows and two messy ones: values stay aligned with their rows.
    clean = [f"{i}.00" for i in range(10_000)]
    s = S(*clean[:5000], "¥1,000.50", *clean[5000:], "bad")
    p = values.parse_money(s, "m")
    out = p.values.to_list()
    assert out[4999] == Decimal("4999.00")
    assert out[5000] == Decimal("1000.50")
    assert out[5001] == Decimal("5000.00")
    assert out[-1] is None
    assert p.reasons.to_list()[-1] == "m: bad amount of money 'bad'"
    assert p.bad_count == 1


# ---------------------------------------------------------------- live review exports (issue 17)

def test_durations_as_the_platform_writes_them():
    p = values.parse_duration(S("3分48秒", "228", "03:48", "1:02:03", "1小时2分", "48秒", "3m48s", "2.5分钟",
                                "３分４８秒", "", "—", "12%", "-5", "abc"), "watch")
    assert p.values.to_list() == [228.0, 228.0, 228.0, 3723.0, 3720.0, 48.0, 228.0, 150.0, 228.0,
                                  None, None, None, None, None]
    reasons = p.reasons.to_list()
    assert reasons[:11] == [None] * 11  # empty and dash are "no value", not errors
    assert reasons[11] == "watch: bad duration '12%' (e.g. 3分48秒, 228, 03:48)"
    assert reasons[12].startswith("watch: bad duration '-5'") and reasons[13].startswith("watch: bad duration 'abc'")


def test_a_plain_duration_counts_in_the_header_unit():
    assert values.parse_duration(S("3", "2.5", "1分"), "w", unit="分钟").values.to_list() == [180.0, 150.0, 60.0]
    assert values.parse_duration(S("1.5"), "w", unit="小时").values.to_list() == [5400.0]
    assert values.parse_duration(S("40"), "w", unit="秒").values.to_list() == [40.0]
    bad = values.parse_duration(S("40"), "w", unit="人")
    assert bad.values.to_list() == [None] and "unknown duration unit (人)" in bad.reasons[0]


def test_benchmark_figures_of_any_metric():
    p = values.parse_figure(S("12.5%", "3分48秒", "¥1.2万", "0.3", "1,845.2", "x"), "median")
    assert p.values.to_list() == [0.125, 228.0, 12000.0, 0.3, 1845.2, None]
    assert p.reasons.to_list() == [None] * 5 + ["median: bad number 'x'"]


def test_money_in_fen():
    p = values.parse_money_fen(S("12345", "1.2万", "99.5", "0.4", "-", "¥1,234", "12%"), "gmv")
    assert p.values.to_list() == [Decimal("123.45"), Decimal("120.00"), Decimal("1.00"), Decimal("0.00"), None,
                                  Decimal("12.34"), None]
    assert p.reasons.to_list()[:6] == [None] * 6 and "percentage" in p.reasons[6]


def test_declared_parsers_and_header_units_by_column():
    sessions = schema.table("live_sessions")
    watch = values.parse_declared(S("3分48秒"), sessions.column("avg_watch_seconds"), "w", "秒")
    assert watch.values.to_list() == [228.0]
    audience = schema.table("live_audience")
    assert values.parse_declared(S("12345"), audience.column("gmv"), "gmv", "分").values.to_list() == [Decimal("123.45")]
    assert values.parse_declared(S("12345"), audience.column("gmv"), "gmv", "元").values.to_list() == [Decimal("12345.00")]
    assert values.parse_declared(S("12345"), audience.column("gmv"), "gmv", None).values.to_list() == [Decimal("12345.00")]
    # a count column ignores a unit it has no use for, as before
    assert values.parse_declared(S("7"), audience.column("viewers"), "v", "人").values.to_list() == [7]
