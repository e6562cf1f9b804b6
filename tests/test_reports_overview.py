"""生意总览 on the tiny group (tests/conftest.py); every expected figure worked out by hand."""

import datetime as dt

import pytest

from cockpit import batches, schema
from cockpit.reports import overview as ov
from cockpit.selection import Selection
from cockpit.view import View

pytestmark = pytest.mark.engines  # every tiny-group test on DuckDB and on chDB

NOW = dt.datetime(2025, 7, 1, 9, 0)


def june(con, **kw) -> View:
    scope = kw.pop("scope", None)
    sel = Selection(period="custom", start=dt.date(2025, 6, 1), end=dt.date(2025, 6, 30), **kw)
    return View(con, sel, now=NOW, scope=scope)


def by(df, key, col):
    return {r[key]: r[col] for r in df.iter_rows(named=True)}


def test_kpis_with_previous_month_and_last_year(tiny_con):
    row = ov.kpis(june(tiny_con))
    assert row["gmv"] == 1250.0 and row["gmv__cmp"] == 500.0  # May: O9 400 + O10 100
    assert row["gmv__pct"] == pytest.approx(1.5)
    assert row["orders"] == 8 and row["buyers"] == 5 and row["aov"] == 250.0
    assert row["net_gmv"] == 1120.0 and row["refund_rate"] == pytest.approx(0.104)
    assert row["content_gmv"] == 1080.0 and row["shelf_gmv"] == 170.0
    assert row["followers"] == 1545 and row["followers_gained"] == 50
    yoy = ov.kpis(june(tiny_con, compare="yoy"))
    assert yoy["gmv__cmp"] == 625.0 and yoy["gmv__pct"] == pytest.approx(1.0)  # O11, June 2024
    assert "gmv__cmp" not in ov.kpis(june(tiny_con, compare="none"))


def test_day_trend_fills_empty_days_and_aligns_may_by_position(tiny_con):
    df = ov.trend(june(tiny_con))
    assert df.height == 30  # every June day, sales or not
    got = {r["day"]: (r["gmv"], r["gmv__cmp"]) for r in df.iter_rows(named=True)}
    d = lambda day: dt.date(2025, 6, day)  # noqa: E731
    assert got[d(1)] == (300.0, 0.0)  # O1 + O2; May 1 had nothing
    assert got[d(3)] == (380.0, 0.0)  # O4 + O5
    assert got[d(4)] == (0.0, 0.0)
    assert got[d(10)] == (250.0, 400.0)  # O8 against O9 on May 10
    assert got[d(23)] == (0.0, 100.0)  # O10 on May 23
    assert df["gmv"].sum() == 1250.0 and df["gmv__cmp"].sum() == 500.0


def test_month_and_week_trend(tiny_con):
    df = ov.trend(june(tiny_con, grain="month"))
    assert df.rows() == [(dt.date(2025, 6, 1), 1250.0, 500.0)]
    wk = ov.trend(june(tiny_con, grain="week", compare="none"))
    got = dict(wk.rows())
    # weeks start Monday: May 26 (June 1), Jun 2 (O3..O7), Jun 9 (O8)
    assert got[dt.date(2025, 5, 26)] == 300.0
    assert got[dt.date(2025, 6, 2)] == 700.0  # 50 + 300 + 80 + 120 + 150
    assert got[dt.date(2025, 6, 9)] == 250.0
    assert wk.height == 6  # May 26 ... Jun 30


def test_channel_mix_and_groups(tiny_con):
    v = june(tiny_con)
    df = ov.channel_mix(v)
    assert by(df, "channel", "gmv") == {"live": 1000.0, "search": 120.0, "short_video": 80.0, "mall": 50.0}
    assert by(df, "channel", "group") == {"live": "content", "short_video": "content", "search": "shelf", "mall": "shelf"}
    assert by(df, "channel", "share")["live"] == pytest.approx(0.8)
    assert by(df, "channel", "gmv__cmp") == {"live": 400.0, "search": None, "short_video": None, "mall": 100.0}
    tbl = ov.channel_mix_table(v, df)
    assert tbl.frame.columns[:4] == ["场域", "成交渠道", "成交金额 (元)", "占比 (%)"]
    assert tbl.frame.row(0) == ("内容场", "直播", 1000.0, 80.0, 150.0)


def test_contribution_by_store_and_account_type(tiny_con):
    v = june(tiny_con)
    stores = ov.by_store(v)
    assert stores["store"].to_list() == ["S1", "S2", "S3"]
    assert stores["gmv"].to_list() == [600.0, 380.0, 270.0]
    assert stores["share"].to_list() == pytest.approx([0.48, 0.304, 0.216])
    types = ov.by_account_type(v)
    assert by(types, "account_type", "gmv") == {"own": 300.0, "authorized": 450.0, "distributor": 330.0, None: 170.0}
    tbl = ov.account_type_table(v, types)
    assert dict(zip(tbl.frame["账号类型"], tbl.frame["成交金额 (元)"])) == {
        "直营账号": 300.0, "授权账号": 450.0, "分销达人": 330.0, "货架（无账号）": 170.0}
    en = ov.account_type_table(View(tiny_con, v.sel, lang="en", now=NOW), types)
    assert "Shelf (no account)" in en.frame["Account type"].to_list()


def test_leaderboards(tiny_con):
    v = june(tiny_con)
    st = ov.top_stores(v)
    assert list(zip(st["store"], st["gmv"], st["gmv__pct"])) == [
        ("S1", 600.0, pytest.approx(0.5)),  # May S1: O9 400
        ("S2", 380.0, None),  # no May sales: no % change
        ("S3", 270.0, pytest.approx(1.7)),  # May S3: O10 100
    ]
    acc = ov.top_accounts(v)
    # shelf sales (no account) are not an account; A1 and A2 tie at 300 and sort by id
    assert list(zip(acc["account"], acc["gmv"])) == [("D1", 330.0), ("A1", 300.0), ("A2", 300.0), ("A3", 150.0)]
    assert by(acc, "account", "account_type")["D1"] == "distributor"
    assert by(acc, "account", "live_sessions") == {"D1": 1, "A1": 1, "A2": 1, "A3": 1}
    prod = ov.top_products(v)
    assert list(zip(prod["product"], prod["product_name"], prod["gmv"])) == [
        ("P1", "明前龙井", 600.0), ("P2", "大红袍", 380.0), ("P3", "真丝连衣裙", 270.0)]
    tbl = ov.top_stores_table(v, st)
    assert tbl.key_column == "店铺ID" and tbl.frame["店铺ID"].to_list() == ["S1", "S2", "S3"]


def test_fans_table(tiny_con):
    v = june(tiny_con)
    tbl = ov.fan_table(v, ov.kpis(v))
    # fan GMV 100 + 50 + 300 = 450 of 1250; fan buyers B1 B3 (B1 repeats), non-fans B2 B4 B5 (B2, B5 repeat)
    assert tbl.frame.rows() == [("粉丝", 36.0, 50.0), ("非粉丝", 64.0, 66.67)]


def test_market_section_only_with_market_data(tiny_con):
    v = june(tiny_con)
    assert ov.has_market(v)
    df = ov.market_by_category(v)
    assert by(df, "category", "market_share") == {"茶叶": pytest.approx(980 / 20000), "女装": pytest.approx(270 / 20000)}
    tr = ov.market_trend(v)
    assert tr["day"].to_list() == [dt.date(2025, 6, 1), dt.date(2025, 6, 2)]
    assert tr["search_volume"].to_list() == [1400, 600]
    assert tr["active_sellers"].to_list() == [200, 110]  # daily mean of 100 and 300; then 110
    assert "market_share" in [t.name for t in ov.tables(v)]
    may = View(tiny_con, Selection(period="custom", start=dt.date(2025, 5, 1), end=dt.date(2025, 5, 31)), now=NOW)
    assert not ov.has_market(may)
    assert "market_share" not in [t.name for t in ov.tables(may)]


def _campaigns(con, rows):
    batches.write_batch(con, "campaigns", schema.frame("campaigns", rows), file_name="t")


def test_campaign_against_last_years_edition(tiny_con):
    _campaigns(tiny_con, [
        dict(campaign_id="c25", name="2025 618购物节", presale_start=dt.date(2025, 5, 18),
             presale_end=dt.date(2025, 5, 31), start_date=dt.date(2025, 6, 1), end_date=dt.date(2025, 6, 18)),
        dict(campaign_id="c24", name="2024年618购物节", presale_start=dt.date(2024, 5, 20),
             presale_end=dt.date(2024, 5, 31), start_date=dt.date(2024, 6, 3), end_date=dt.date(2024, 6, 20)),
    ])
    v = june(tiny_con)
    df = ov.campaigns(v)
    rows = {r["phase"]: r for r in df.iter_rows(named=True)}
    assert df["campaign"].to_list() == ["2025 618购物节", "2025 618购物节"]  # c24 does not overlap June 2025
    assert rows["presale"]["gmv"] == 100.0  # O10, May 23
    assert rows["presale"]["ly_campaign"] == "2024年618购物节"  # same name once the year is gone
    assert rows["presale"]["gmv__cmp"] == 0.0 and rows["presale"]["gmv__pct"] is None
    assert rows["main"]["gmv"] == 1250.0  # every June order falls on June 1-18
    assert (rows["main"]["ly_start"], rows["main"]["ly_end"]) == (dt.date(2024, 6, 3), dt.date(2024, 6, 20))
    assert rows["main"]["gmv__cmp"] == 625.0 and rows["main"]["gmv__pct"] == pytest.approx(1.0)  # O11
    tbl = ov.campaign_table(v, df)
    assert tbl.frame.row(1) == ("2025 618购物节", "正式期", "2025-06-01 ~ 2025-06-18", 1250.0, 8, "2024年618购物节",
                                "2024-06-03 ~ 2024-06-20", 625.0, 100.0)
    # filters apply to the campaign figures: 云裳 is S3 (O6 O7 in June, O10 in presale)
    rows = {r["phase"]: r for r in ov.campaigns(june(tiny_con, brand=("云裳",))).iter_rows(named=True)}
    assert (rows["presale"]["gmv"], rows["main"]["gmv"], rows["main"]["gmv__cmp"]) == (100.0, 270.0, 0.0)


def test_campaign_without_last_years_row_uses_the_same_dates(tiny_con):
    _campaigns(tiny_con, [dict(campaign_id="x", name="夏日大促", start_date=dt.date(2025, 6, 10),
                               end_date=dt.date(2025, 6, 20))])
    rows = ov.campaigns(june(tiny_con)).rows(named=True)
    assert len(rows) == 1 and rows[0]["phase"] == "main"
    assert rows[0]["gmv"] == 250.0  # O8
    assert rows[0]["ly_campaign"] is None and rows[0]["ly_start"] == dt.date(2024, 6, 10)
    assert rows[0]["gmv__cmp"] == 625.0  # O11 on 2024-06-15


def test_campaign_key_and_matching_rule():
    assert ov.campaign_key("2025 618购物节") == ov.campaign_key("2024年618购物节") == "618购物节"
    this = dict(campaign_id="a", name="双11", start_date=dt.date(2025, 11, 1))
    near = dict(campaign_id="b", name="十一大促", start_date=dt.date(2024, 11, 4))
    far = dict(campaign_id="c", name="年货节", start_date=dt.date(2024, 12, 20))
    assert ov.last_year_campaign(this, [this, near, far])["campaign_id"] == "b"  # a year earlier ±7 days
    assert ov.last_year_campaign(this, [this, far]) is None


def test_brand_filter_and_data_scope(tiny_con):
    v = june(tiny_con, brand=("云裳",))
    assert ov.kpis(v)["gmv"] == 270.0
    assert ov.top_stores(v)["store"].to_list() == ["S3"]
    assert by(ov.by_account_type(v), "account_type", "gmv") == {"authorized": 150.0, None: 120.0}
    scoped = june(tiny_con, scope=(("store", ("S3",)),))
    row = ov.kpis(scoped)
    assert (row["gmv"], row["gmv__cmp"]) == (270.0, 100.0)
    assert ov.by_store(scoped)["store"].to_list() == ["S3"]
    assert ov.top_accounts(scoped)["account"].to_list() == ["A3"]
    assert ov.top_products(scoped)["product"].to_list() == ["P3"]
    assert by(ov.channel_mix(scoped), "channel", "gmv") == {"live": 150.0, "search": 120.0}


def test_tables_are_what_the_page_shows_and_export_cleanly(tiny_con):
    tables = ov.tables(june(tiny_con))
    assert [t.name for t in tables] == [
        "channel_mix", "contribution_store", "contribution_account_type",
        "top_stores", "top_accounts", "top_products", "fans", "market_share",
    ]
    for t in tables:
        data = t.csv_bytes()
        assert data.startswith(b"\xef\xbb\xbf") and t.frame.height > 0
    # an empty selection gives empty tables, not errors
    empty = View(tiny_con, Selection(period="custom", start=dt.date(2025, 1, 1), end=dt.date(2025, 1, 31)), now=NOW)
    assert all(t.frame.height == 0 for t in ov.tables(empty) if t.name != "fans")
    assert ov.kpis(empty)["aov"] is None
