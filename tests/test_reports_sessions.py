"""直播明细 on the tiny group (tests/conftest.py): every figure worked out by hand."""

import datetime as dt

import pytest

from cockpit import batches, schema
from cockpit.reports import sessions
from cockpit.selection import Selection
from cockpit.view import View

pytestmark = pytest.mark.engines  # every tiny-group test on DuckDB and on chDB

D = dt.datetime
JUNE = dict(period="custom", start=dt.date(2025, 6, 1), end=dt.date(2025, 6, 30))
NOW = D(2025, 7, 1, 9, 0)  # June is complete


def june(con, lang="zh", scope=None, **kw):
    return View(con, Selection(**JUNE, **kw), lang=lang, now=NOW, scope=scope)


def by_id(df):
    return {r["live_id"]: r for r in df.iter_rows(named=True)}


def test_sessions_of_the_period_with_registry_metrics(tiny_con):
    df = sessions.session_list(june(tiny_con))
    assert df["live_id"].to_list() == ["L4", "L3", "L2", "L1"]  # newest first; L0 is May
    r = by_id(df)
    l1 = r["L1"]
    assert l1["account_name"] == "山野茶官方直播间" and l1["account_type"] == "own"
    assert l1["started_at"] == D(2025, 6, 1, 19, 30) and l1["ended_at"] == D(2025, 6, 1, 22, 30)
    expected_l1 = {
        "live_gmv": 300.0,  # O1 100 + O2 200
        "orders": 2, "live_buyers": 2,  # B1, B2
        "views": 1000, "viewers": 400, "peak_online": 120, "avg_watch_seconds": 60.0, "new_followers": 40,
        "follow_rate": 40 / 400, "gpm": 300 / 1000 * 1000, "uv_value": 300 / 400, "ctr": 100 / 400,
        "click_conversion": 2 / 100, "live_hours": 3.0,
    }
    for k, v in expected_l1.items():
        assert l1[k] == pytest.approx(v), k
    assert r["L3"]["avg_watch_seconds"] is None  # L3 has no watch time: "—", not 0
    assert (r["L4"]["live_gmv"], r["L4"]["gpm"], r["L4"]["live_hours"]) == (250.0, 125.0, 4.0)  # 250/2000*1000
    assert (r["L2"]["live_gmv"], r["L2"]["click_conversion"]) == (300.0, 1 / 40)


def test_session_orders_after_midnight_still_count(tiny_con):
    batches.write_batch(tiny_con, "live_sessions", schema.frame("live_sessions", [
        dict(live_id="L11", account_id="A2", title="跨夜场", started_at=D(2025, 6, 30, 23, 0),
             ended_at=D(2025, 7, 1, 1, 0), views=100, viewers=50),
    ]), file_name="t")
    batches.write_batch(tiny_con, "orders", schema.frame("orders", [
        dict(order_id="O20", paid_at=D(2025, 7, 1, 0, 30), store_id="S2", account_id="A2", live_id="L11",
             channel="live", buyer_id="B9", paid_amount="70.00"),
    ]), file_name="t")
    r = by_id(sessions.session_list(june(tiny_con)))
    assert r["L11"]["live_gmv"] == 70.0 and r["L11"]["orders"] == 1


def test_brand_filter_and_scope(tiny_con):
    assert sessions.session_list(june(tiny_con, brand=("云裳",)))["live_id"].to_list() == ["L3"]
    assert sessions.session_list(june(tiny_con, account_type=("distributor",)))["live_id"].to_list() == ["L4"]
    assert sessions.session_list(june(tiny_con, scope=(("store", ("S2",)),)))["live_id"].to_list() == ["L2"]
    assert sessions.session_list(june(tiny_con, scope=(("store", ()),))).height == 0
    # a period without sessions
    empty = View(tiny_con, Selection(period="custom", start=dt.date(2025, 1, 1), end=dt.date(2025, 1, 31)), now=NOW)
    df = sessions.session_list(empty)
    assert df.height == 0
    assert sessions.sessions_table(df, "zh").empty


def test_text_filter_on_title_account_and_id(tiny_con):
    df = sessions.session_list(june(tiny_con))
    assert sessions.filter_sessions(df, "龙井")["live_id"].to_list() == ["L1"]
    assert sessions.filter_sessions(df, "达人小鹿")["live_id"].to_list() == ["L4"]
    assert sessions.filter_sessions(df, " l2 ")["live_id"].to_list() == ["L2"]
    assert sessions.filter_sessions(df, "直播间")["live_id"].to_list() == ["L3", "L2", "L1"]  # account names
    assert sessions.filter_sessions(df, ".*").height == 0  # literal, not a pattern
    assert sessions.filter_sessions(df, "").height == 4


def test_sessions_table_columns_and_csv(tiny_con):
    t = sessions.sessions_table(sessions.session_list(june(tiny_con)), "zh")
    assert t.key_column == "直播场次ID"
    assert t.frame.columns[:5] == ["直播标题", "账号", "账号类型", "开播时间", "下播时间"]
    row = t.frame.filter(t.frame["直播场次ID"] == "L1").row(0, named=True)
    assert (row["直播成交金额 (元)"], row["转粉率 (%)"], row["商品点击率 (%)"], row["千次观看成交额 (元)"]) == (300.0, 10.0, 25.0, 300.0)
    assert row["账号类型"] == "直营账号"
    header = t.csv_bytes().decode("utf-8-sig").splitlines()[0]
    assert header.split(",")[:4] == ["直播标题", "账号", "账号类型", "开播时间"]


def test_one_session_detail_l1(tiny_con):
    d = sessions.Detail(june(tiny_con, live="L1"), "L1")
    assert d.found and d.info["title"] == "龙井开春专场"
    f = d.figures
    # funnel 400 viewers -> 300 exposures -> 100 clicks -> 2 buyers
    assert [f[m] for m in sessions.FUNNEL_METRICS] == [400, 300, 100, 2]
    fun = d.table("session_funnel").frame
    assert fun["人数"].to_list() == [400, 300, 100, 2]
    assert fun["环节转化率 (%)"].to_list() == [None, 75.0, 33.33, 2.0]
    # traffic sources: recommend 600/150, short_video 300/50, distribution 100/100, by GMV
    tr = d.traffic
    assert list(zip(tr["traffic_source"], tr["traffic_views"], tr["traffic_gmv"])) == [
        ("recommend", 600, 150.0), ("distribution", 100, 100.0), ("short_video", 300, 50.0)]
    assert d.table("session_traffic").frame["流量来源"].to_list() == ["推荐", "川流分销", "短视频引流"]
    # ads: 06-01 A1 L1 spend 100 attributed 250
    assert (f["ad_spend"], f["ad_attributed_gmv"], f["ad_roi"]) == (100.0, 250.0, 2.5)
    # top products: P1 明前龙井, O1 + O2
    p = d.products
    assert list(zip(p["product"], p["product_name"], p["gmv"], p["orders"])) == [("P1", "明前龙井", 300.0, 2)]
    # refunds 50 / 300; shipped within 48 h: O1 (14 h) yes, O2 (72.5 h) no
    assert f["refund_rate"] == pytest.approx(50 / 300)
    assert f["ship_48h_rate"] == 0.5
    q = d.table("session_quality").frame.row(0, named=True)
    assert (q["退款率 (%)"], q["48小时发货率 (%)"], q["成交订单数"]) == (16.67, 50.0, 2)
    # minute curves: two live_minutes rows, GMV at the minutes O1 and O2 were paid
    c = d.curves
    assert c["minute"].to_list() == [D(2025, 6, 1, 19, 30), D(2025, 6, 1, 19, 31), D(2025, 6, 1, 20, 0), D(2025, 6, 1, 20, 30)]
    assert c["online"].to_list() == [50, 120, None, None]
    assert c["entries"].to_list() == [60, 90, None, None]
    assert c["new_followers"].to_list() == [10, 30, None, None]
    assert c["gmv"].to_list() == [0.0, 0.0, 100.0, 200.0]


def test_comparison_with_previous_sessions(tiny_con):
    d = sessions.Detail(june(tiny_con, live="L1"), "L1")
    # A1's only earlier session is L0 (May 10): GMV 400 (O9), viewers 50, GPM 400/100*1000, peak 20
    h = d.history_rows
    assert h["kind"].to_list() == ["this", "previous", "average"]
    assert h["live_id"].to_list() == ["L1", "L0", None]
    assert h["live_gmv"].to_list() == [300.0, 400.0, 400.0]
    assert h["viewers"].to_list() == [400, 50, 50]
    assert h["gpm"].to_list() == [300.0, 4000.0, 4000.0]
    assert h["peak_online"].to_list() == [120, 20, 20]
    assert d.change["live_gmv"] == pytest.approx(-0.25)
    assert d.change["viewers"] == pytest.approx(7.0)
    assert d.n_prev == 1
    assert d.table("session_history").frame["场次"].to_list() == ["本场", "五月茶会", "前 1 场平均"]


def test_average_of_several_previous_sessions(tiny_con):
    # two more A1 sessions before L1: GMV 0 and 200 (one order)
    batches.write_batch(tiny_con, "live_sessions", schema.frame("live_sessions", [
        dict(live_id="L12", account_id="A1", title="早场", started_at=D(2025, 5, 20, 9, 0),
             ended_at=D(2025, 5, 20, 10, 0), views=400, viewers=100, peak_online=40),
        dict(live_id="L13", account_id="A1", title="午场", started_at=D(2025, 5, 25, 12, 0),
             ended_at=D(2025, 5, 25, 13, 0), views=200, viewers=150, peak_online=60),
    ]), file_name="t")
    batches.write_batch(tiny_con, "orders", schema.frame("orders", [
        dict(order_id="O21", paid_at=D(2025, 5, 25, 12, 30), store_id="S1", account_id="A1", live_id="L13",
             channel="live", buyer_id="B1", paid_amount="200.00"),
    ]), file_name="t")
    d = sessions.Detail(june(tiny_con), "L1")
    h = d.history_rows
    assert h["live_id"].to_list() == ["L1", "L13", "L12", "L0", None]
    avg = h.row(4, named=True)
    assert avg["live_gmv"] == pytest.approx((200 + 0 + 400) / 3)
    assert avg["viewers"] == 100  # (150 + 100 + 50) / 3
    assert avg["gpm"] == pytest.approx((1000 + 0 + 4000) / 3)  # 200/200*1000, 0/400, 400/100*1000
    assert avg["peak_online"] == 40  # (60 + 40 + 20) / 3
    assert d.change["live_gmv"] == pytest.approx(300 / 200 - 1)
    # only the last five before this one
    d5 = sessions.previous_sessions(june(tiny_con), d.info, n=2)
    assert d5["live_id"].to_list() == ["L13", "L12"]


def test_detail_of_a_distributor_session_without_ads(tiny_con):
    d = sessions.Detail(june(tiny_con), "L4")
    f = d.figures
    # D1's ad row has no live_id: nothing is spent on L4 itself, and ROI is "—", not 0
    assert (f["ad_spend"], f["ad_roi"]) == (0.0, None)
    assert d.history_rows["kind"].to_list() == ["this"] and d.n_prev == 0
    assert d.curves.height == 1 and d.curves["gmv"].to_list() == [250.0]  # O8 only; no minute rows


def test_detail_respects_filters_and_scope(tiny_con):
    assert not sessions.Detail(june(tiny_con, brand=("云裳",)), "L1").found
    assert not sessions.Detail(june(tiny_con, scope=(("store", ("S3",)),)), "L1").found
    assert sessions.Detail(june(tiny_con, scope=(("store", ("S3",)),)), "L3").found
    assert not sessions.Detail(june(tiny_con), "nope").found
    # a session outside the period can still be opened by its link
    assert sessions.Detail(june(tiny_con), "L0").found


def test_tables_for_export(tiny_con):
    names = [t.name for t in sessions.tables(june(tiny_con))]
    assert names == ["sessions"]
    names = [t.name for t in sessions.tables(june(tiny_con, live="L1"))]
    assert names == ["sessions", "session_minutes", "session_funnel", "session_traffic", "session_ads",
                     "session_products", "session_quality", "session_history"]
    # a link to a session the viewer may not see exports only the list
    assert [t.name for t in sessions.tables(june(tiny_con, live="L1", brand=("云裳",)))] == ["sessions"]
    en = sessions.tables(june(tiny_con, lang="en", live="L1"))
    assert en[0].frame.columns[:3] == ["Title", "Account", "Account type"]
    assert en[2].frame["Stage"].to_list() == ["Viewers", "Product exposures", "Product clicks", "Live buyers"]


def test_chart_labels_are_unique(tiny_con):
    batches.write_batch(tiny_con, "live_sessions", schema.frame("live_sessions", [
        dict(live_id="L14", account_id="A1", title="龙井开春专场", started_at=D(2025, 6, 1, 19, 30),
             ended_at=D(2025, 6, 1, 20, 0)),
    ]), file_name="t")
    df = sessions.top_sessions(sessions.session_list(june(tiny_con)))
    labels = sessions.session_labels(df)
    # by live GMV: L1 300, L2 300 (ties by id), L4 250, L3 150, L14 0; L1 and L14 share time and title
    assert labels == [
        "06-01 19:30 龙井开春专场 · 山野茶官方直播间 (L1)",
        "06-03 11:00 大红袍品鉴 · 经销A直播间",
        "06-10 19:00 小鹿好物夜 · 达人小鹿",
        "06-05 20:00 夏日连衣裙 · 经销B直播间",
        "06-01 19:30 龙井开春专场 · 山野茶官方直播间 (L14)",
    ]
