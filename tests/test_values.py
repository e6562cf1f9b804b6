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
                             "1.0049999", "-0.005", "0.005"))
    assert p.values.to_list() == [
        Decimal("1234.57"), Decimal("2.68"), Decimal("-5.01"), Decimal("0.30"), Decimal("1.03"),
        Decimal("1.02"), Decimal("1.00"), Decimal("-0.01"), Decimal("0.01"),
    ]
    assert p.bad_count == 0


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


# --- one rule for numbers: no value, not a finite number, too small to hold ---------------


def test_no_value_words_are_null_in_every_numeric_column_and_nan_inf_are_refused():
    texts = S("", "  ", "-", "--", "null", "None", "N/A", "#N/A", "无", None, "NaN", "nan", "inf", "-Infinity", "1e999")
    quiet = [(None, None)] * 10
    assert pairs(values.parse_money(texts, "paid_amount")) == quiet + [
        (None, "paid_amount: bad amount of money 'NaN'"), (None, "paid_amount: bad amount of money 'nan'"),
        (None, "paid_amount: bad amount of money 'inf'"), (None, "paid_amount: bad amount of money '-Infinity'"),
        (None, "paid_amount: bad amount of money '1e999'"),
    ]
    assert pairs(values.parse_int(texts, "quantity")) == quiet + [
        (None, "quantity: bad number 'NaN'"), (None, "quantity: bad number 'nan'"),
        (None, "quantity: bad number 'inf'"), (None, "quantity: bad number '-Infinity'"),
        (None, "quantity: bad number '1e999'"),
    ]
    assert pairs(values.parse_float(texts, "score")) == quiet + [
        (None, "score: bad number 'NaN'"), (None, "score: bad number 'nan'"),
        (None, "score: bad number 'inf'"), (None, "score: bad number '-Infinity'"),
        (None, "score: bad number '1e999'"),
    ]


def test_values_too_small_to_hold_are_refused_not_stored_as_zero():
    m = values.parse_money(S("1e-320", "0.004", "-0.0049", "0.005", "0", "0.00", "0e5", "1.5e3"), "paid_amount")
    assert pairs(m) == [
        (None, "paid_amount: amount below one cent (it would be stored as 0.00) '1e-320'"),
        (None, "paid_amount: amount below one cent (it would be stored as 0.00) '0.004'"),
        (None, "paid_amount: amount below one cent (it would be stored as 0.00) '-0.0049'"),
        (Decimal("0.01"), None), (Decimal("0.00"), None), (Decimal("0.00"), None), (Decimal("0.00"), None),
        (Decimal("1500.00"), None),
    ]
    i = values.parse_int(S("1e-320", "1e5", "0"), "views")
    assert pairs(i) == [(None, "views: not a whole number '1e-320'"), (100000, None), (0, None)]
    f = values.parse_float(S("1e-320", "-1e-400", "1e-300", "0e-5", "0.0", "2.5e-3"), "score")
    assert pairs(f) == [
        (None, "score: number too small to store (not 0, but below 1e-300) '1e-320'"),
        (None, "score: number too small to store (not 0, but below 1e-300) '-1e-400'"),
        (1e-300, None), (0.0, None), (0.0, None), (0.0025, None),
    ]


# --- plausible dates ---------------------------------------------------------------------

WINDOW = (dt.date(2000, 1, 1), dt.date(2026, 6, 1))


def test_dates_outside_the_window_are_rejected_with_the_range():
    col = schema.table("orders").column("paid_at")
    p = values.parse_column(S("9999-12-30 10:00", "9999-12-31", "0001-01-01", "1999-12-31 23:59:59",
                              "2000-01-01 00:00", "2026-06-01 23:59:59", "2026-06-02 00:00", "36526", None),
                            col, window=WINDOW)
    why = ("paid_at: date outside the accepted range 2000-01-01 to 2026-06-01 '{}' "
           "(the range is set by COCKPIT_DATE_MIN / COCKPIT_DATE_MAX)")
    assert pairs(p) == [
        (None, why.format("9999-12-30 10:00")), (None, why.format("9999-12-31")),
        (None, why.format("0001-01-01")), (None, why.format("1999-12-31 23:59:59")),
        (D(2000, 1, 1), None), (D(2026, 6, 1, 23, 59, 59), None),
        (None, why.format("2026-06-02 00:00")),
        (D(2000, 1, 1), None),  # Excel serial day 36526
        (None, None),
    ]
    d = values.parse_column(S("1999-12-31", "2000-01-01", "2026-06-01", "2026-06-02", "99991231"),
                            schema.table("ad_spend").column("date"), window=WINDOW)
    assert d.values.to_list() == [None, dt.date(2000, 1, 1), dt.date(2026, 6, 1), None, None]
    assert d.bad_count == 3
    # a window reaching the calendar's end is safe too
    far = values.parse_column(S("9999-12-31 23:59:59"), col, window=(dt.date(1, 1, 1), dt.date(9999, 12, 31)))
    assert pairs(far) == [(D(9999, 12, 31, 23, 59, 59), None)]


def test_date_window_default_and_settings(monkeypatch):
    monkeypatch.delenv("COCKPIT_DATE_MIN", raising=False)
    monkeypatch.delenv("COCKPIT_DATE_MAX", raising=False)
    assert values.date_window(dt.date(2025, 6, 1)) == (dt.date(2000, 1, 1), dt.date(2026, 6, 1))
    assert values.date_window(dt.date(2024, 2, 29)) == (dt.date(2000, 1, 1), dt.date(2025, 2, 28))
    monkeypatch.setenv("COCKPIT_DATE_MIN", "2018-01-01")
    monkeypatch.setenv("COCKPIT_DATE_MAX", " 2030-12-31 ")
    assert values.date_window(dt.date(2025, 6, 1)) == (dt.date(2018, 1, 1), dt.date(2030, 12, 31))
    monkeypatch.setenv("COCKPIT_DATE_MAX", "next year")
    with pytest.raises(values.BadSetting) as e:
        values.date_window()
    assert e.value.message("en") == "setting COCKPIT_DATE_MAX='next year' is not a date (write YYYY-MM-DD)"
    assert e.value.message("zh") == "设置 COCKPIT_DATE_MAX=“next year” 不是日期（应写成 YYYY-MM-DD）"
    monkeypatch.setenv("COCKPIT_DATE_MAX", "2017-01-01")
    with pytest.raises(values.BadSetting, match="COCKPIT_DATE_MIN 2018-01-01 is after COCKPIT_DATE_MAX 2017-01-01"):
        values.date_window()


# --- ids Excel mangled -------------------------------------------------------------------


def test_scientific_notation_ids_are_rejected_with_the_excel_hint():
    col = schema.table("orders").column("order_id")
    p = values.parse_column(S("2.02611E+18", "2.02611e+18", "7E+17", "12E34", "2026110000000000000", "A1.5E+3"), col)
    hint = ("order_id: looks like a number Excel turned into scientific notation: the full id is lost '{}' "
            "(format the column as text in Excel and save again, or use the platform's original export)")
    assert pairs(p) == [
        (None, hint.format("2.02611E+18")), (None, hint.format("2.02611e+18")), (None, hint.format("7E+17")),
        ("12E34", None), ("2026110000000000000", None), ("A1.5E+3", None),
    ]
    title = values.parse_column(S("2.5E+3"), schema.table("live_sessions").column("title"))
    assert pairs(title) == [("2.5E+3", None)]  # only ids are checked


# --- the user's language -----------------------------------------------------------------


def test_reasons_in_chinese():
    assert values.parse_money(S("abc"), "实付金额", lang="zh").reasons.to_list() == ["实付金额：金额无法识别“abc”"]
    assert values.parse_int(S("12.5"), "数量", lang="zh").reasons.to_list() == ["数量：不是整数“12.5”"]
    assert values.parse_bool(S("也许"), "是否粉丝", lang="zh").reasons.to_list() == [
        "是否粉丝：不是“是/否”值“也许”（请写 是/否、true/false、1/0 或 Y/N）"]
    p = values.parse_column(S("9999-12-30"), schema.table("orders").column("paid_at"), "支付时间", lang="zh",
                            window=WINDOW)
    assert p.reasons.to_list() == [
        "支付时间：日期不在可接受范围 2000-01-01 至 2026-06-01 内“9999-12-30”（范围可用 COCKPIT_DATE_MIN / COCKPIT_DATE_MAX 设置）"]


def test_a_brace_or_quote_in_a_header_or_value_is_plain_text():
    p = values.parse_money(S("{}{0}'\""), "amount {x}")
    assert p.reasons.to_list() == ["amount {x}: bad amount of money '{}{0}'\"'"]


# --- properties (Hypothesis): every text gets a value, a reason or "no value"; every style
# of a value parses back to it.  Expected values are computed here by Python's decimal,
# datetime and int, never by the parsers.

import os  # noqa: E402
import unicodedata  # noqa: E402
from decimal import ROUND_HALF_UP  # noqa: E402

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

PROPS = settings(max_examples=int(os.environ.get("COCKPIT_PROPERTY_EXAMPLES", 150)), deadline=None,
                 derandomize=bool(os.environ.get("CI")), database=None,
                 suppress_health_check=[HealthCheck.too_slow])
COLUMNS = {kind: col for kind, col in (
    ("money", schema.table("orders").column("paid_amount")), ("int", schema.table("orders").column("quantity")),
    ("float", schema.table("live_sessions").column("avg_watch_seconds")),
    ("timestamp", schema.table("orders").column("paid_at")), ("date", schema.table("ad_spend").column("date")),
    ("bool", schema.table("orders").column("is_fan")), ("enum", schema.table("orders").column("channel")),
    ("text", schema.table("orders").column("order_id")), ("name", schema.table("stores").column("store_name")),
)}
WIDE = str.maketrans({chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)})


def _no_value(text, kind) -> bool:
    if text is None:
        return True
    t = unicodedata.normalize("NFKC", text).strip()
    words = values._DASHES if kind in ("text", "name") else values._NULL_WORDS
    return t.lower() in words or (kind in ("text", "name") and text.strip() in words)


@PROPS
@given(texts=st.lists(st.none() | st.text(max_size=25) | st.sampled_from(values._NULL_WORDS + ["NaN", "inf", "1e-320"]),
                      max_size=25),
       kind=st.sampled_from(list(COLUMNS)))
def test_every_text_gets_a_value_or_a_reason_or_is_no_value(texts, kind):
    s = pl.Series("x", texts, dtype=pl.Utf8)
    p = values.parse_column(s, COLUMNS[kind], window=WINDOW)
    assert p.values.len() == p.reasons.len() == len(texts)
    for text, v, why in zip(texts, p.values.to_list(), p.reasons.to_list()):
        assert v is None or why is None, (text, v, why)
        if v is None and why is None:
            assert _no_value(text, kind), (kind, text)
        if why is not None:
            assert why.startswith(COLUMNS[kind].name + ": ") and len(why) < 600, why
        if kind in ("timestamp", "date") and v is not None:
            day = v if kind == "date" else v.date()
            assert WINDOW[0] <= day <= WINDOW[1]


@PROPS
@given(cents=st.integers(-10**15, 10**15))
def test_money_in_every_style_parses_back_exactly(cents):
    d = Decimal(cents) / 100
    styles = [str(d), f"¥{d:,}", f"￥{d:,}元", f"{d}元", str(d).translate(WIDE), f" RMB {d} ",
              f"{(d / 10000).normalize():f}万", f"{(d / 100000000).normalize():f}亿", f"{d:,}".replace(",", "，")]
    p = values.parse_money(S(*styles), "m")
    assert p.values.to_list() == [d] * len(styles), (styles, p.reasons.to_list())


@PROPS
@given(x=st.decimals(min_value=-10**9, max_value=10**9, places=6, allow_nan=False, allow_infinity=False))
def test_money_rounds_half_away_from_zero_to_cents_or_refuses_less_than_a_cent(x):
    expected = x.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    p = values.parse_money(S(str(x)), "m")
    if expected == 0 and x != 0:
        assert p.values.to_list() == [None] and "below one cent" in p.reasons[0]
    else:
        assert p.values.to_list() == [expected] and p.reasons.to_list() == [None]


@PROPS
@given(n=st.integers(-10**15, 10**15))
def test_counts_in_every_style(n):
    styles = [str(n), f"{n:,}", str(n).translate(WIDE), f"{n}.0", f"{(Decimal(n) / 10000).normalize():f}万"]
    p = values.parse_int(S(*styles, f"{n}%"), "views")
    assert p.values.to_list() == [n] * len(styles) + [None]
    assert p.reasons.to_list()[-1] == f"views: a percentage is not a count '{n}%'"


@PROPS
@given(x=st.floats(min_value=-1e9, max_value=1e9, allow_nan=False).filter(lambda v: v == 0 or abs(v) > 1e-250))
def test_decimals_and_percentages(x):
    p = values.parse_float(S(repr(x), f"{repr(x)}%"), "score")
    assert p.values[0] == x
    assert p.values[1] == pytest.approx(x / 100, rel=1e-12, abs=1e-300)


@PROPS
@given(when=st.datetimes(min_value=D(2000, 1, 1), max_value=D(2026, 5, 31, 23, 59)).map(lambda d: d.replace(second=0, microsecond=0)))
def test_timestamps_in_every_style_and_dates_outside_the_window(when):
    styles = [f"{when:%Y-%m-%d %H:%M:%S}", f"{when.year}/{when.month}/{when.day} {when:%H:%M}",
              f"{when.year}年{when.month}月{when.day}日 {when:%H:%M}", f"{when:%Y-%m-%dT%H:%M:%S}",
              f"{when:%Y/%m/%d %H:%M}".translate(WIDE), f"{when:%Y-%m-%d %H:%M:%S}+08:00"]
    col = COLUMNS["timestamp"]
    p = values.parse_column(S(*styles), col, window=WINDOW)
    assert p.values.to_list() == [when] * len(styles), p.reasons.to_list()
    utc = values.parse_column(S(f"{when:%Y-%m-%dT%H:%M:%S}Z"), col, window=(WINDOW[0], D(2027, 1, 1).date()))
    assert utc.values.to_list() == [when + dt.timedelta(hours=8)]
    day = when.date()
    d = values.parse_column(S(f"{day:%Y-%m-%d}", f"{day:%Y%m%d}", f"{day.year}年{day.month}月{day.day}日",
                              str((day - dt.date(1899, 12, 30)).days)), COLUMNS["date"], window=WINDOW)
    assert d.values.to_list() == [day] * 4
    for far in (when.replace(year=when.year - 100, day=min(when.day, 28)), when.replace(year=9999, day=min(when.day, 28))):
        p = values.parse_column(S(f"{far:%Y-%m-%d %H:%M}"), col, window=WINDOW)
        assert p.values.to_list() == [None] and "outside the accepted range" in p.reasons[0]


@PROPS
@given(word=st.sampled_from(values._TRUE + values._FALSE), case=st.sampled_from([str, str.upper, str.title]),
       wide=st.booleans())
def test_yes_and_no_in_any_case_and_width(word, case, wide):
    text = case(word).translate(WIDE) if wide else case(word)
    assert values.parse_bool(S(text), "is_fan").values.to_list() == [word in values._TRUE]


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
    p = values.parse_money_fen(S("12345", "1.2万", "99.5", "0.4", "-", "¥1,234", "12%", "0.5"), "gmv")
    assert p.values.to_list() == [Decimal("123.45"), Decimal("120.00"), Decimal("1.00"), None, None,
                                  Decimal("12.34"), None, Decimal("0.01")]
    # 0.4 分 is written non-zero and rounds to nothing: refused like 0.004 yuan (issue 12)
    assert p.reasons[3] == "gmv: amount below one cent (it would be stored as 0.00) '0.4'"
    assert p.reasons.to_list()[:3] + p.reasons.to_list()[4:6] == [None] * 5 and "percentage" in p.reasons[6]


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


def test_declared_parsers_follow_the_number_rule_and_speak_chinese():
    col = schema.table("live_sessions").column("avg_watch_seconds")
    p = values.parse_declared(S("1e-320", "1e-400", "NaN", "inf", "3分48秒", "0"), col, "w")
    assert p.values.to_list() == [None, None, None, None, 228.0, 0.0]
    assert p.reasons.to_list()[:4] == [
        "w: number too small to store (not 0, but below 1e-300) '1e-320'",
        "w: number too small to store (not 0, but below 1e-300) '1e-400'",
        "w: bad duration 'NaN' (e.g. 3分48秒, 228, 03:48)", "w: bad duration 'inf' (e.g. 3分48秒, 228, 03:48)"]
    zh = values.parse_declared(S("abc"), col, "人均观看时长", lang="zh")
    assert zh.reasons.to_list() == ["人均观看时长：时长无法识别“abc”（例如 3分48秒、228、03:48）"]
