"""Growth levers (cockpit.reports.growth) on the tiny group, figures worked out by hand.

The tiny group is described in conftest.py.  Tests that need data it lacks (a new store,
campaigns, scores) add rows in the test itself, with the hand calculation beside them.
"""

import datetime as dt

import pytest

from cockpit import batches, schema
from cockpit.reports import growth as gr
from cockpit.reports import page_tables
from cockpit.selection import Selection
from cockpit.view import View

pytestmark = pytest.mark.engines  # every tiny-group test on DuckDB and on chDB

D = dt.datetime
JUNE = dict(period="custom", start=dt.date(2025, 6, 1), end=dt.date(2025, 6, 30))
NOW = D(2025, 6, 30, 12, 0)  # "today" is June 30, 2025


def view(con, lang="en", **sel) -> View:
    return View(con, Selection(**{**JUNE, "grain": "month", **sel}), lang=lang, now=NOW)


def add(con, table, rows):
    batches.write_batch(con, table, schema.frame(table, rows), file_name="t")


def rows_by(df, key):
    return {r[key]: r for r in df.iter_rows(named=True)}


# ---------------------------------------------------------------------------
# 1. channel mix


def test_content_and_shelf_against_last_year(tiny_con):
    df = gr.channel_groups(view(tiny_con, compare="prev"))  # the tab is always YoY
    got = rows_by(df, "group")
    # content: live 1000 + video 80; last June none.  shelf: mall 50 + search 120; last June O11 mall 625
    assert got["content"]["gmv"] == 1080.0 and got["content"]["gmv_ly"] == 0.0
    assert got["content"]["yoy"] is None  # no base: no %
    assert got["shelf"]["gmv"] == 170.0 and got["shelf"]["gmv_ly"] == 625.0
    assert got["shelf"]["yoy"] == pytest.approx(170 / 625 - 1)  # -72.8 %
    assert got["content"]["share"] == pytest.approx(0.864) and got["shelf"]["share"] == pytest.approx(0.136)
    assert got["shelf"]["share_ly"] == pytest.approx(1.0)

    by_channel = gr.channel_yoy(view(tiny_con))
    assert by_channel["channel"].to_list() == ["live", "short_video", "mall", "search"]
    mall = rows_by(by_channel, "channel")["mall"]
    assert (mall["gmv"], mall["gmv__cmp"], mall["gmv__pct"]) == (50.0, 625.0, pytest.approx(-0.92))

    tbl = gr.channel_groups_table(view(tiny_con), df)
    assert tbl.frame.row(1) == ("Shelf", 170.0, 13.6, 625.0, -72.8, 100.0)


def test_shelf_share_over_time(tiny_con):
    df = gr.shelf_trend(view(tiny_con, start=dt.date(2025, 5, 1)))
    got = {r["month"]: (r["shelf_share"], r["content_share"]) for r in df.iter_rows(named=True)}
    # May: O9 live 400, O10 mall 100 -> shelf 20 %; June 170 / 1250
    assert got[dt.date(2025, 5, 1)] == (pytest.approx(0.2), pytest.approx(0.8))
    assert got[dt.date(2025, 6, 1)] == (pytest.approx(0.136), pytest.approx(0.864))


# ---------------------------------------------------------------------------
# 2. 川流


def test_distribution_by_account_and_agency(tiny_con):
    v = view(tiny_con)
    acc = gr.distribution_by_account(v)
    assert acc.select("account", "agency", "distribution_gmv", "orders").rows() == [("D1", "星河", 330.0, 2)]
    assert acc["refund_rate"][0] == pytest.approx(80 / 330)  # O5 refunded in full
    assert gr.distribution_by_agency(v).select("agency", "distribution_gmv").rows() == [("星河", 330.0)]


def test_own_live_gmv_from_distribution_by_store(tiny_con):
    df = gr.chuanliu_by_store(view(tiny_con))
    # only S1 has own-account live sales (A1: O1 100 + O2 200); L1's distribution source 100
    assert df.select("store", "own_live_gmv", "chuanliu_own_live_gmv").rows() == [("S1", 300.0, 100.0)]
    assert df["chuanliu_share"][0] == pytest.approx(1 / 3)


def test_before_and_after_chuanliu_started(tiny_con):
    df = gr.chuanliu_before_after(view(tiny_con))
    # S1's first own session with distribution traffic: L1 on June 1.  Today is June 30, so
    # after = June 1-29 (29 days to yesterday), before = May 3-31: own-live O9 400 -> 300.
    r = df.row(0, named=True)
    assert df.height == 1
    assert (r["store"], r["start"], r["days"]) == ("S1", dt.date(2025, 6, 1), 29)
    assert (r["before"], r["after"]) == ("2025-05-03 ~ 2025-05-31", "2025-06-01 ~ 2025-06-29")
    assert (r["before_gmv"], r["after_gmv"], r["chuanliu_gmv"]) == (400.0, 300.0, 100.0)
    assert r["increment"] == pytest.approx(-0.25)
    # the sidebar filters apply: 云裳 has no 川流 store
    assert gr.chuanliu_before_after(view(tiny_con, brand=("云裳",))).height == 0


# ---------------------------------------------------------------------------
# 3. 短直联动


def test_short_video_to_live_by_account(tiny_con):
    df = gr.linkage_by_account(view(tiny_con))
    got = rows_by(df, "account")
    assert df["account"].to_list() == ["D1", "A1"]  # by live entries: V1 brought 200
    d1 = got["D1"]
    assert (d1["short_videos"], d1["video_plays"], d1["video_live_entries"]) == (1, 5000, 200)
    assert d1["video_live_entry_rate"] == pytest.approx(0.04)
    assert (d1["live_gmv"], d1["short_video_live_gmv"], d1["short_video_live_share"]) == (250.0, 0.0, 0.0)
    a1 = got["A1"]  # no videos of its own, but L1 took 50.00 from source short_video
    assert (a1["short_videos"], a1["live_gmv"], a1["short_video_live_gmv"]) == (0, 300.0, 50.0)
    assert a1["short_video_live_share"] == pytest.approx(50 / 300)

    top = gr.top_videos(view(tiny_con))
    assert top.select("video_id", "account_name", "plays", "live_entries").rows() == [("V1", "达人小鹿", 5000, 200)]
    assert gr.top_videos(view(tiny_con, brand=("山野茶",))).height == 0  # D1 sells for no store


# ---------------------------------------------------------------------------
# 4. fans


def test_fans_and_followers(tiny_con):
    v = view(tiny_con)
    months = gr.repurchase_months(v)  # July 2024 - June 2025: O11 (June 2024) is out
    assert months["month"].to_list() == [dt.date(2025, 5, 1), dt.date(2025, 6, 1)]
    may, june = months.rows(named=True)
    # May: B1 (fan, O9 400) and B6 (O10 100) once each
    assert (may["fan_gmv_share"], may["repurchase_rate"], may["fan_repurchase_rate"]) == (0.8, 0.0, 0.0)
    assert june["fan_gmv_share"] == pytest.approx(0.36)
    assert (june["fan_repurchase_rate"], june["nonfan_repurchase_rate"]) == (pytest.approx(0.5), pytest.approx(2 / 3))
    acc = gr.followers_by_account(v).select("account", "followers", "followers_gained", "followers_lost",
                                            "followers_net")
    assert acc.rows() == [("A1", 1035, 40, 5, 35.0), ("A2", 510, 10, 0, 10.0)]
    daily = gr.followers_over_time(view(tiny_con, grain="day")).select("day", "account", "followers", "followers_net")
    assert daily.rows() == [
        (dt.date(2025, 6, 1), "A1", 1040, 40.0),
        (dt.date(2025, 6, 2), "A1", 1035, -5.0),
        (dt.date(2025, 6, 3), "A2", 510, 10.0),
    ]


# ---------------------------------------------------------------------------
# 5. cold start


def _cold_start_rows(con):
    add(con, "stores", [
        # peer: opened 2025-03-01, inside the last 12 months with its first 30 days complete
        dict(store_id="S8", store_name="云裳新店甲", brand="云裳", store_type="authorized", category="女装",
             opened_on=dt.date(2025, 3, 1)),
        # new: opened 2025-06-10, 21 days before "today" (June 30)
        dict(store_id="S9", store_name="山野茶新店乙", brand="山野茶", store_type="direct", category="茶叶",
             opened_on=dt.date(2025, 6, 10)),
    ])
    add(con, "accounts", [
        dict(account_id="A8", account_name="新店甲直播间", account_type="own", store_id="S8"),
        dict(account_id="A9", account_name="新店乙直播间", account_type="own", store_id="S9"),
    ])
    o = lambda oid, t, st, amt: dict(order_id=oid, paid_at=t, store_id=st, channel="mall", buyer_id="BX",  # noqa: E731
                                    paid_amount=amt)
    add(con, "orders", [
        o("O30", D(2025, 3, 3, 10), "S8", "1000.00"),  # day 2: first order
        o("O31", D(2025, 3, 30, 10), "S8", "500.00"),  # day 29: last of its first 30 days
        o("O32", D(2025, 4, 4, 10), "S8", "98600.00"),  # cumulative 100,100 on day 34
        o("O20", D(2025, 6, 12, 10), "S9", "60000.00"),  # day 2
        o("O21", D(2025, 6, 20, 10), "S9", "50000.00"),  # cumulative 110,000 on day 10
    ])
    add(con, "follower_daily", [
        dict(date=dt.date(2025, 3, 5), account_id="A8", followers=7, new_followers=7),
        dict(date=dt.date(2025, 6, 11), account_id="A9", followers=30, new_followers=30),
        dict(date=dt.date(2025, 6, 15), account_id="A9", followers=50, new_followers=20),
    ])


def test_cold_start_of_a_new_store_against_the_benchmark(tiny_con):
    _cold_start_rows(tiny_con)
    v = view(tiny_con)
    cold = gr.cold_start(v)
    # S1-S3 opened before 2024-07-01: neither new nor benchmark
    assert sorted(cold["store"].to_list()) == ["S8", "S9"]
    new = gr.cold_start_new(v, cold)
    r = new.row(0, named=True)
    assert new.height == 1 and r["store"] == "S9"
    assert (r["days_open"], r["days_to_first_order"], r["days_to_milestone"]) == (21, 2, 10)
    assert (r["first_days"], r["first_gmv"], r["first_orders"], r["first_followers"]) == (21, 110000.0, 2, 50)
    assert (r["peer_n"], r["peer_gmv"]) == (1, 1500.0)  # S8: O30 + O31 in March 1-30
    assert r["vs_peer"] == pytest.approx(110000 / 1500 - 1)

    peers = gr.cold_peers_table(v, cold).frame
    assert peers.height == 2  # S8 and the average row
    s8 = peers.row(0)
    assert s8[:2] == ("云裳新店甲", "S8")
    assert s8[4:] == (2.0, 34.0, 30, 1500.0, 2.0, 7.0)
    assert peers.row(1)[0] == "Benchmark average (1 stores)"
    curves = gr.cold_start_curves(v, cold)
    s9 = curves.filter(curves["store_name"] == "山野茶新店乙")
    assert s9["day_n"].to_list() == list(range(21))  # June 10-30
    assert s9["cum_gmv"][1] == 0.0 and s9["cum_gmv"][2] == 60000.0 and s9["cum_gmv"][20] == 110000.0
    # a filter that excludes the new store leaves no new store
    assert gr.cold_start_new(v, gr.cold_start(view(tiny_con, brand=("云裳",)))).height == 0


# ---------------------------------------------------------------------------
# 6. campaigns


def _campaigns(con):
    add(con, "campaigns", [
        dict(campaign_id="C24", name="2024 618购物节", presale_start=dt.date(2024, 5, 18),
             presale_end=dt.date(2024, 5, 31), start_date=dt.date(2024, 6, 1), end_date=dt.date(2024, 6, 18)),
        dict(campaign_id="C25", name="2025 618购物节", presale_start=dt.date(2025, 5, 18),
             presale_end=dt.date(2025, 5, 31), start_date=dt.date(2025, 6, 1), end_date=dt.date(2025, 6, 18)),
    ])


def test_campaign_by_store_against_last_year_and_the_days_before(tiny_con):
    _campaigns(tiny_con)
    v = view(tiny_con)
    camps = gr.campaign_list(v)
    camp = gr.default_campaign(v, camps)
    assert camp["campaign_id"] == "C25"
    df = gr.campaign_compare(v, camp, camps, "store")
    got = {(r["phase"], r["store"]): (r["cur"], r["ly"], r["vs_ly"], r["pre"], r["vs_pre"])
           for r in df.iter_rows(named=True)}
    # main June 1-18: S1 O1+O2+O3+O8 600; last year June 1-18 O11 625; the 18 days before the
    # presale (Apr 30 - May 17): O9 400.  Presale May 18-31: S3 O10 100; the 14 days before
    # (May 4-17): S1 O9 400.
    assert got == {
        ("presale", "S3"): (100.0, 0.0, None, 0.0, None),
        ("presale", "S1"): (0.0, 0.0, None, 400.0, pytest.approx(-1.0)),
        ("main", "S1"): (600.0, 625.0, pytest.approx(-0.04), 400.0, pytest.approx(0.5)),
        ("main", "S2"): (380.0, 0.0, None, 0.0, None),
        ("main", "S3"): (270.0, 0.0, None, 0.0, None),
    }
    main = df.filter(df["phase"] == "main")
    assert main["store"].to_list() == ["S1", "S2", "S3"]
    assert main.row(0, named=True)["pre_dates"] == "2025-04-30 ~ 2025-05-17"
    assert main.row(0, named=True)["ly_dates"] == "2024-06-01 ~ 2024-06-18"


def test_campaign_by_account(tiny_con):
    _campaigns(tiny_con)
    v = view(tiny_con)
    camps = gr.campaign_list(v)
    df = gr.campaign_compare(v, camps[-1], camps, "account")
    main = df.filter(df["phase"] == "main")
    assert main.select("account", "cur").rows() == [
        ("D1", 330.0), ("A1", 300.0), ("A2", 300.0), (None, 170.0), ("A3", 150.0),
    ]
    shelf = main.row(3, named=True)  # shelf sales: O3 + O6; last June O11 625
    assert (shelf["ly"], shelf["vs_ly"]) == (625.0, pytest.approx(170 / 625 - 1))
    tbl = gr.campaign_table(v, df, "account", "2025 618购物节")
    assert "Shelf (no account)" in tbl.frame[tbl.frame.columns[0]].to_list()


# ---------------------------------------------------------------------------
# 7. scores


def _scores(con):
    s = lambda d, e, t, v: dict(date=dt.date(2025, *d), entity_id=e, score_type=t, score=v)  # noqa: E731
    add(con, "scores_daily", [
        s((6, 1), "S1", "store_experience", 4.8), s((6, 2), "S1", "store_experience", 4.6),
        s((6, 1), "S3", "store_experience", 3.9), s((6, 2), "S3", "store_experience", 4.1),
        s((5, 31), "S3", "store_experience", 3.0),  # May: outside the period
        s((6, 2), "A3", "creator_reputation", 3.5),
        s((6, 5), "D1", "creator_reputation", 4.9),
        s((6, 1), "P1", "product", 4.0),
    ])


def test_score_averages_over_time_and_with_filters(tiny_con):
    _scores(tiny_con)
    row = gr.score_trend(view(tiny_con)).row(0, named=True)
    assert row["store_experience_score"] == pytest.approx((4.8 + 4.6 + 3.9 + 4.1) / 4)  # 4.35
    assert row["creator_reputation_score"] == pytest.approx((3.5 + 4.9) / 2)
    assert row["product_score"] == pytest.approx(4.0)
    # 云裳: S3 only; A3 sells for S3; D1 has no store; P1 is 山野茶's
    row = gr.score_trend(view(tiny_con, brand=("云裳",))).row(0, named=True)
    assert (row["store_experience_score"], row["creator_reputation_score"], row["product_score"]) == \
        (pytest.approx(4.0), pytest.approx(3.5), None)


def test_entities_below_the_threshold_are_flagged(tiny_con):
    _scores(tiny_con)
    v = view(tiny_con)
    ents = gr.score_entities(v, 4.0)
    got = {r["entity_id"]: (r["latest"], r["lowest"], r["flagged"]) for r in ents.iter_rows(named=True)}
    assert got == {
        "A3": (3.5, 3.5, True),
        "S3": (4.1, 3.9, False),  # latest counts; May's 3.0 is outside the period
        "P1": (4.0, 4.0, False),  # below means strictly below
        "S1": (4.6, 4.6, False),
        "D1": (4.9, 4.9, False),
    }
    assert ents["entity_id"][0] == "A3"  # flagged first
    assert set(gr.score_entities(v, 4.2).filter("flagged")["entity_id"]) == {"A3", "S3", "P1"}
    summary = gr.score_summary(v, ents).select("score_type", "entities", "flagged").rows()
    assert summary == [("store_experience", 2, 0), ("creator_reputation", 2, 1), ("product", 1, 0)]
    flagged = gr.score_flagged_table(v, ents).frame
    assert flagged.rows() == [("Creator reputation", "经销B直播间", "A3", 3.5, "2025-06-02", 3.5, 3.5)]


# ---------------------------------------------------------------------------
# 8. market


def test_market_share_and_supply_demand_by_category(tiny_con):
    v = view(tiny_con)
    share = {r["category"]: (r["market_share"], r["gmv"], r["market_gmv"])
             for r in gr.market_share_trend(v).iter_rows(named=True)}
    assert share == {"女装": (pytest.approx(270 / 20000), 270.0, 20000.0),
                     "茶叶": (pytest.approx(980 / 20000), 980.0, 20000.0)}
    sd = {r["category"]: (r["active_sellers"], r["active_products"], r["search_volume"])
          for r in gr.supply_demand(v).iter_rows(named=True)}
    assert sd == {"女装": (300, None, 900), "茶叶": (105, None, 1100)}  # mean of 100, 110


# ---------------------------------------------------------------------------
# 9. agency view and the page's tables


def test_agency_as_the_group(tiny_con):
    v = view(tiny_con, agency=("星河",))
    assert gr.agencies(v) == ["星河"] and gr.current_agency(v) == "星河"
    assert v.run(["gmv"]).item() == 330.0  # every page's numbers: D1's O5 + O8 only
    acc = gr.agency_accounts(v).row(0, named=True)
    assert (acc["account"], acc["gmv"], acc["live_gmv"], acc["live_sessions"]) == ("D1", 330.0, 250.0, 1)
    assert acc["gpm"] == pytest.approx(250 / 2000 * 1000)
    assert gr.agency_brands(v).select("brand", "gmv").rows() == [("山野茶", 330.0)]
    assert gr.current_agency(view(tiny_con)) is None


def test_page_tables_for_export(tiny_con):
    _campaigns(tiny_con)
    _scores(tiny_con)
    tables = page_tables("growth", view(tiny_con, lang="zh", agency=("星河",)))
    names = [t.name for t in tables]
    assert len(names) == len(set(names))
    assert "growth_agency_accounts" in names and "growth_campaign_store" in names
    for t in tables:
        assert t.csv_bytes()  # every table writes a CSV with its header
    plain = [t.name for t in page_tables("growth", view(tiny_con))]
    assert "growth_agency_accounts" not in plain
