"""Every metric on the tiny group (tests/conftest.py), expected figures worked out by hand."""

import datetime as dt
import re

import pytest

from cockpit import metrics, query
from cockpit import statements  # the switches and checks of the statement builder
from cockpit.periods import Period
from cockpit.query import Query

pytestmark = pytest.mark.engines  # every test below on DuckDB and on chDB

JUNE = Period(dt.date(2025, 6, 1), dt.date(2025, 6, 30))

# Hand-worked from the table in conftest.py, June 2025.
EXPECTED_JUNE = {
    "gmv": 1250.00,  # 100+200+50+300+80+120+150+250
    "orders": 8,
    "buyers": 5,  # B1..B5
    "aov": 250.00,  # 1250 / 5
    "refund_amount": 130.00,  # 50 + 80
    "refund_rate": 0.104,  # 130 / 1250
    "net_gmv": 1120.00,
    "fan_gmv_share": 0.36,  # (100+50+300) / 1250
    "repurchase_rate": 0.6,  # B1, B2, B5 bought twice / 5
    "fan_repurchase_rate": 0.5,  # fan buyers B1, B3; B1 repeats
    "nonfan_repurchase_rate": 2 / 3,  # B2, B4, B5; B2 and B5 repeat
    "ship_48h_rate": 0.75,  # O2 (72.5 h) and O4 (unshipped) miss: 6 / 8
    "live_sessions": 4,
    "live_hours": 11.0,  # 3 + 2 + 2 + 4
    "views": 3800,
    "viewers": 1500,
    "peak_online": 300,
    "avg_watch_seconds": 66000 / 1400,  # (60*400 + 90*200 + 30*800) / (400+200+800); L3 has no watch time
    "new_followers": 155,
    "follow_rate": 155 / 1500,
    "live_gmv": 1000.00,  # O1 O2 O4 O7 O8
    "gpm": 1000 / 3800 * 1000,
    "uv_value": 1000 / 1500,
    "product_exposures": 1130,
    "product_clicks": 360,
    "live_buyers": 4,  # B1 B2 B3 B5
    "ctr": 360 / 1500,
    "click_conversion": 4 / 360,
    "ad_spend": 150.00,
    "ad_attributed_gmv": 250.00,
    "ad_roi": 250 / 150,
    "content_gmv": 1080.00,  # live 1000 + video 80
    "shelf_gmv": 170.00,  # mall 50 + search 120
    "content_share": 1080 / 1250,
    "shelf_share": 170 / 1250,
    "gmv_short_video": 80.00,
    "gmv_mall": 50.00,
    "gmv_store_page": 0.0,
    "gmv_search": 120.00,
    "gmv_recommend": 0.0,
    "gmv_other": 0.0,
    "short_video_live_share": 50 / 1000,
    "short_video_live_gmv": 50.00,
    "distribution_gmv": 330.00,  # D1: O5 80 + O8 250
    "chuanliu_own_live_gmv": 100.00,  # L1 (own account A1) source distribution
    "traffic_gmv": 1000.00,
    "traffic_views": 3800,
    "short_videos": 1,
    "video_plays": 5000,
    "video_live_entries": 200,
    "followers": 1545,  # A1 on its last day 1035 + A2 510
    "followers_gained": 50,
    "followers_lost": 5,
    "market_gmv": 40000.00,
    "market_share": 1250 / 40000,
    "active_sellers": 170,  # mean of 100, 300, 110
    "active_products": None,  # no market row has it
    "search_volume": 2000,
    # growth levers
    "own_live_gmv": 300.00,  # own account A1's live orders O1 100 + O2 200 (O8 is distributor D1's)
    "chuanliu_share": 100 / 300,  # L1's distribution source 100.00 / own-live 300
    "video_live_entry_rate": 200 / 5000,  # V1
    "followers_net": 45,  # gained 40 + 10, lost 5
    "store_experience_score": None,  # the tiny group has no scores (see test_reports_growth)
    "creator_reputation_score": None,
    "product_score": None,
    # live review (issue 17): L3 reports no exposures, so its 100 viewers stay out of that rate
    "exposures": 7600,  # L1 2000 + L2 1600 + L4 4000
    "interacting_viewers": 240,  # 80 + 30 + 10 + 120
    "exposure_entry_rate": 1400 / 7600,  # viewers of L1, L2, L4 (400 + 200 + 800) / their exposures
    "interaction_rate": 240 / 1500,  # every June session reports interacting viewers
    "watch_conversion": 4 / 1500,  # live buyers B1 B2 B3 B5 / viewers
    "product_exposure_rate": 1130 / 1500,
    "product_click_rate": 360 / 1130,
}


def test_every_metric_is_checked_by_hand():
    assert set(EXPECTED_JUNE) == set(metrics.METRICS)


def test_every_metric_on_tiny_group(tiny_con):
    df = query.run(tiny_con, Query.make(list(metrics.METRICS), period=JUNE))
    assert df.height == 1
    row = df.row(0, named=True)
    for mid, expected in EXPECTED_JUNE.items():
        if expected is None:
            assert row[mid] is None, mid
        else:
            assert row[mid] == pytest.approx(expected, rel=1e-9), mid


def test_split_by_store_with_labels(tiny_con):
    df = query.run(tiny_con, Query.make(["gmv", "orders", "live_sessions"], dims=["store"], period=JUNE))
    got = {r["store"]: (r["store_name"], r["gmv"], r["orders"], r["live_sessions"]) for r in df.iter_rows(named=True)}
    # L4 belongs to distributor D1, which sells for no store: its session has no store.
    assert got == {
        "S1": ("山野茶官方旗舰店", 600.0, 4, 1),  # O1 O2 O3 O8 ; L1
        "S2": ("山野茶经销A店", 380.0, 2, 1),  # O4 O5 ; L2
        "S3": ("云裳经销B店", 270.0, 2, 1),  # O6 O7 ; L3
        None: (None, 0.0, 0, 1),  # L4
    }
    # default order: first metric, descending
    assert df["store"].to_list()[:3] == ["S1", "S2", "S3"]


def test_entity_attributes_are_looked_up_not_grouped(tiny_con):
    q = Query.make(["gmv", "live_sessions"], dims=["store", "brand", "store_type"], period=JUNE)
    sql, _ = query.build_sql(q)
    assert re.search(r"GROUP BY [or]\.store_id( HAVING [^)]*)?\)", sql)  # the store alone
    df = query.run(tiny_con, q)
    assert df.columns[:3] == ["store", "brand", "store_type"]
    got = {r["store"]: (r["brand"], r["store_type"], r["gmv"], r["live_sessions"]) for r in df.iter_rows(named=True)}
    assert got == {  # by hand, as in test_split_by_store_with_labels
        "S1": ("山野茶", "direct", 600.0, 1), "S2": ("山野茶", "authorized", 380.0, 1),
        "S3": ("云裳", "authorized", 270.0, 1), None: (None, None, 0.0, 1),
    }
    df = query.run(tiny_con, Query.make(["gmv"], dims=["account", "account_type", "agency"], period=JUNE))
    got = {r["account"]: (r["account_type"], r["agency"], r["gmv"]) for r in df.iter_rows(named=True)}
    assert got == {"A1": ("own", None, 300.0), "A2": ("authorized", None, 300.0), "A3": ("authorized", None, 150.0),
                   "D1": ("distributor", "星河", 330.0), None: (None, None, 170.0)}


def test_every_source_with_an_attribute_carries_its_entity():
    # attribute filters are answered through the entity's keys (query._filters_by_entity)
    for src in metrics.SOURCES.values():
        for d in src.dims:
            attr = metrics.DIMENSIONS[d].attribute_of
            assert attr is None or attr[0] in src.dims, (src.id, d)


def test_attribute_filters_become_entity_keys_and_intersect(tiny_con):
    def gmv(filters):
        with query.recording() as calls:
            value = query.run(tiny_con, Query.make(["gmv"], period=JUNE, filters=filters)).item()
        return value, " ".join(c[0] for c in calls)

    value, sql = gmv({"brand": ["山野茶"]})
    assert value == 980.0 and "s.brand" not in sql  # S1 600 + S2 380, by store key
    assert gmv({"brand": ["山野茶"], "store_type": ["authorized"]})[0] == 380.0  # S2
    assert gmv({"brand": ["山野茶"], "store": ["S2", "S3"]})[0] == 380.0
    assert gmv({"brand": ["nobody"]})[0] == 0.0
    assert gmv({"agency": ["星河"]})[0] == 330.0  # D1: O5 80 + O8 250
    assert gmv({"account_type": ["own", "distributor"], "account": ["A1", "A2"]})[0] == 300.0  # A1


def test_split_by_channel_and_account_type(tiny_con):
    df = query.run(tiny_con, Query.make(["gmv"], dims=["channel"], period=JUNE))
    assert dict(zip(df["channel"], df["gmv"])) == {"live": 1000.0, "search": 120.0, "short_video": 80.0, "mall": 50.0}
    df = query.run(tiny_con, Query.make(["gmv"], dims=["account_type"], period=JUNE))
    assert dict(zip(df["account_type"], df["gmv"])) == {
        "distributor": 330.0, "own": 300.0, "authorized": 450.0, None: 170.0,
    }


def test_filters_restrict_every_source(tiny_con):
    q = Query.make(["gmv", "live_sessions", "ad_spend"], period=JUNE, filters={"brand": ["云裳"]})
    row = query.run(tiny_con, q).row(0, named=True)
    assert row == {"gmv": 270.0, "live_sessions": 1, "ad_spend": 0.0}
    q = Query.make(["gmv", "orders"], period=JUNE, filters={"store": ["S2", "S3"], "channel": ["live"]})
    assert query.run(tiny_con, q).row(0, named=True) == {"gmv": 450.0, "orders": 2}  # O4 O7


def test_market_share_by_category(tiny_con):
    df = query.run(tiny_con, Query.make(["market_share", "gmv"], dims=["category"], period=JUNE))
    got = {r["category"]: (round(r["market_share"], 6), r["gmv"]) for r in df.iter_rows(named=True)}
    assert got == {"茶叶": (0.049, 980.0), "女装": (0.0135, 270.0)}


def test_zero_denominator_is_null_not_zero(tiny_con):
    empty = Period(dt.date(2025, 1, 1), dt.date(2025, 1, 31))
    row = query.run(tiny_con, Query.make(["gmv", "aov", "refund_rate", "gpm", "ad_roi", "peak_online"], period=empty)).row(0, named=True)
    assert row == {"gmv": 0.0, "aov": None, "refund_rate": None, "gpm": None, "ad_roi": None, "peak_online": None}


def test_live_hours_count_sessions_still_live_until_now(tiny_con):
    from cockpit import batches, schema

    batches.write_batch(tiny_con, "live_sessions", schema.frame("live_sessions", [
        dict(live_id="L9", account_id="A2", started_at=dt.datetime(2025, 6, 20, 20, 0)),
    ]), file_name="t")
    q = Query.make(["live_hours", "live_sessions"], period=JUNE, now=dt.datetime(2025, 6, 20, 21, 30))
    assert query.run(tiny_con, q).row(0, named=True) == {"live_hours": 12.5, "live_sessions": 5}


def test_compare_previous_month_and_last_year(tiny_con):
    q = Query.make(["gmv", "orders"], period=JUNE)
    row = query.run_compared(tiny_con, q, "prev").row(0, named=True)
    assert row["gmv__cmp"] == 500.0  # May: O9 400 + O10 100
    assert row["gmv__delta"] == 750.0
    assert row["gmv__pct"] == pytest.approx(1.5)
    assert row["orders__cmp"] == 2
    row = query.run_compared(tiny_con, q, "yoy").row(0, named=True)
    assert row["gmv__cmp"] == 625.0  # O11, June 2024
    assert row["gmv__pct"] == pytest.approx(1.0)


def test_compare_by_day_aligns_buckets_by_position(tiny_con):
    # June 1-10 against May 22-31: O10 (May 23) sits on the second day, June 2.
    q = Query.make(["gmv"], dims=["day"], period=Period(dt.date(2025, 6, 1), dt.date(2025, 6, 10)))
    df = query.run_compared(tiny_con, q, "prev")
    by_day = {r["day"]: (r["gmv"], r["gmv__cmp"]) for r in df.iter_rows(named=True)}
    assert by_day[dt.date(2025, 6, 2)] == (50.0, 100.0)
    assert by_day[dt.date(2025, 6, 1)] == (300.0, None)


def test_compare_by_store_with_zero_base_gives_null_pct(tiny_con):
    q = Query.make(["gmv"], dims=["store"], period=JUNE, filters={"store": ["S2", "S3"]})
    df = query.run_compared(tiny_con, q, "prev")
    got = {r["store"]: (r["gmv"], r["gmv__cmp"], r["gmv__pct"]) for r in df.iter_rows(named=True)}
    assert got["S3"] == (270.0, 100.0, pytest.approx(1.7))
    assert got["S2"] == (380.0, None, None)  # no May sales: no percent change


def test_filter_values_are_bound_not_spliced(tiny_con):
    evil = "x') OR 1=1 --"
    q = Query.make(["gmv"], period=JUNE, filters={"brand": [evil]})
    sql, params = query.build_sql(q)
    assert evil not in sql and evil in params.values()
    assert query.run(tiny_con, q).row(0, named=True) == {"gmv": 0.0}


def test_a_long_value_list_is_one_bound_list(tiny_con):
    # past LIST_PARAM_AFTER values the list is one parameter (a year of session ids)
    many = [f"L{i}" for i in range(5, 5 + query.LIST_PARAM_AFTER)] + ["L1", "x') OR 1=1 --", "L4"]
    q = Query.make(["live_gmv", "orders"], ["live"], JUNE, {"live": many}, labels=False)
    sql, params = query.build_sql(q)
    assert "unnest" in sql and params["f_live"] == many and "L1" not in sql
    got = {r["live"]: (r["live_gmv"], r["orders"]) for r in query.run(tiny_con, q).iter_rows(named=True)}
    assert got == {"L1": (300.0, 2), "L4": (250.0, 1)}  # by hand: O1+O2, O8
    q = Query(("gmv",), (), JUNE, scope=(("store", tuple(["S3"] + [f"S{i}" for i in range(9, 80)])),))
    assert "unnest" in query.build_sql(q)[0]
    assert query.run(tiny_con, q).row(0, named=True) == {"gmv": 270.0}


def test_scope_limits_every_source_and_empty_scope_sees_nothing(tiny_con):
    q = Query(("gmv", "live_sessions", "market_gmv"), (), JUNE, scope=(("store", ("S3",)),))
    assert query.run(tiny_con, q).row(0, named=True) == {"gmv": 270.0, "live_sessions": 1, "market_gmv": 40000.0}
    q = Query(("gmv",), (), JUNE, scope=(("store", ()),))
    assert query.run(tiny_con, q).row(0, named=True) == {"gmv": 0.0}


def test_unknown_or_unsplittable_requests_explain_themselves():
    with pytest.raises(metrics.MetricError, match="unknown metric 'gmvv'"):
        query.build_sql(Query.make(["gmvv"]))
    with pytest.raises(metrics.MetricError, match="market_share cannot be split by store"):
        query.build_sql(Query.make(["market_share"], dims=["store"]))


def test_cache_returns_same_result_until_data_changes(tiny_con):
    from cockpit import batches, schema

    cache = query.QueryCache()
    q = Query.make(["gmv"], period=JUNE)
    assert query.run(tiny_con, q, cache).item() == 1250.0
    assert query.run(tiny_con, q, cache).item() == 1250.0
    assert (cache.hits, cache.misses) == (1, 1)
    batches.write_batch(tiny_con, "orders", schema.frame("orders", [
        dict(order_id="O12", paid_at=dt.datetime(2025, 6, 30, 9), store_id="S1", channel="mall",
             buyer_id="B7", paid_amount="10.00"),
    ]), file_name="t")
    assert query.run(tiny_con, q, cache).item() == 1260.0


def test_compare_only_the_metrics_shown_with_a_change(tiny_con):
    q = Query.make(["gmv", "buyers"], dims=["store"], period=JUNE)
    df = query.run_compared(tiny_con, q, "prev", compare=["gmv"])
    assert "gmv__pct" in df.columns and not any(c.startswith("buyers__") for c in df.columns)
    got = {r["store"]: (r["gmv"], r["buyers"], r["gmv__cmp"]) for r in df.iter_rows(named=True)}
    assert got["S1"] == (600.0, 2, 400.0) and got["S3"] == (270.0, 1, 100.0)  # May: O9 (S1), O10 (S3)


# --- a live session's figures stay whole across a period boundary (issue 12, SPEC section 3)

OCT = Period(dt.date(2025, 10, 1), dt.date(2025, 10, 31))
NOV = Period(dt.date(2025, 11, 1), dt.date(2025, 11, 30))
LIVE = ["gmv", "live_gmv", "own_live_gmv", "views", "viewers", "gpm", "uv_value", "live_buyers", "product_clicks",
        "click_conversion", "live_sessions"]
# By hand from MIDNIGHT in conftest.py.  October: L1 whole (M1 + M2 = 160, although M2 was
# paid on 11-01), plus live orders naming no known session by when they were paid (M4 20,
# M6 10).  Before the fix October's live GMV was 130 and L1's GPM understated.
EXPECTED_OCT = {"gmv": 130.0,  # M1 + M4 + M6, by paid_at (an order metric)
                "live_gmv": 190.0, "own_live_gmv": 160.0, "views": 1000, "viewers": 400,
                "gpm": 190.0,  # 190 / 1000 * 1000
                "uv_value": 0.475,  # 190 / 400
                "live_buyers": 4,  # B1 B2 (L1), B3 (M4), B4 (M6)
                "product_clicks": 50, "click_conversion": 0.08, "live_sessions": 1}
EXPECTED_NOV = {"gmv": 130.0,  # M2 + M3 + M5
                "live_gmv": 30.0, "own_live_gmv": 30.0, "views": 500, "viewers": 250,
                "gpm": 60.0, "uv_value": 0.12, "live_buyers": 1, "product_clicks": 20, "click_conversion": 0.05,
                "live_sessions": 1}


def _paths(con, q):
    """The query on every path: rollups and bitmaps on, each off, both off."""
    out = []
    for rollups_on, bitmaps_on in ((True, True), (False, True), (True, False), (False, False)):
        statements.use_rollups, statements.use_bitmaps = rollups_on, bitmaps_on
        try:
            out.append(query.run(con, q))
        finally:
            statements.use_rollups = statements.use_bitmaps = True
    return out


def test_a_session_across_midnight_counts_whole_in_the_period_of_its_start(midnight_con):
    for period, expected in ((OCT, EXPECTED_OCT), (NOV, EXPECTED_NOV)):
        for df in _paths(midnight_con, Query.make(LIVE, period=period)):
            row = df.row(0, named=True)
            assert {m: pytest.approx(v, rel=1e-12) for m, v in expected.items()} == row, period


def test_a_session_across_midnight_by_day_account_and_session(midnight_con):
    both = Period(dt.date(2025, 10, 1), dt.date(2025, 11, 30))
    for df in _paths(midnight_con, Query.make(["live_gmv", "gpm", "live_buyers"], ["day"], both)):
        assert df.rows() == [(dt.date(2025, 10, 15), 20.0, None, 1), (dt.date(2025, 10, 20), 10.0, None, 1),
                             (dt.date(2025, 10, 31), 160.0, 160.0, 2), (dt.date(2025, 11, 1), 30.0, 60.0, 1)]
    for df in _paths(midnight_con, Query.make(["live_gmv", "gpm", "uv_value"], ["account"], OCT, labels=False)):
        assert df.sort("account", nulls_last=True).rows() == [("A1", 160.0, 160.0, 0.4), (None, 30.0, None, None)]
    for df in _paths(midnight_con, Query.make(["live_gmv", "live_buyers"], ["live"], OCT, labels=False)):
        assert df.sort("live", nulls_last=True).rows() == [("L1", 160.0, 2), ("LX", 10.0, 1), (None, 20.0, 1)]
    cmp = query.run_compared(midnight_con, Query.make(["live_gmv", "gpm"], period=NOV), "prev")
    assert cmp.select("live_gmv", "live_gmv__cmp", "gpm", "gpm__cmp").row(0) == (30.0, 190.0, 60.0, 190.0)


def test_live_figures_match_plain_sql_written_here(midnight_con):
    sql = """
        SELECT COALESCE(SUM(o.paid_amount) FILTER (WHERE o.channel = 'live'), 0),
               COUNT(DISTINCT o.buyer_id) FILTER (WHERE o.channel = 'live')
        FROM orders o LEFT JOIN live_sessions ls ON ls.live_id = o.live_id
        WHERE COALESCE(ls.started_at, o.paid_at) >= ? AND COALESCE(ls.started_at, o.paid_at) < ?"""
    for period in (OCT, NOV, Period(dt.date(2025, 10, 31), dt.date(2025, 10, 31))):
        gmv, buyers = midnight_con.execute(sql, [period.start_ts, period.end_ts_exclusive]).fetchall()[0]
        for df in _paths(midnight_con, Query.make(["live_gmv", "live_buyers"], period=period)):
            assert df.row(0) == (float(gmv), buyers), period


def test_a_sessions_buyers_under_a_store_filter_count_each_buyer_once(tiny_con):
    """A distributor's session sold through three stores: under a filter or scope keeping
    some of them, its live buyers are those of the kept stores' orders, a buyer of two
    stores once (DuckDB reads orders_live_parts, ClickHouse counts orders: same figures)."""
    from cockpit import batches, schema
    from tests.conftest import _order

    more = [_order(oid, dt.datetime(2025, 6, 10, 21, 0), st, "D1", "L4", "live", b, False, "10.00")
            for oid, st, b in (("Q1", "S2", "B2"), ("Q2", "S2", "B7"), ("Q3", "S3", "B7"), ("Q4", "S3", "B8"))]
    batches.write_batch(tiny_con, "orders", schema.frame("orders", more), file_name="split")
    lives = ["L1", "L2", "L3", "L4"]
    # by hand, L4: S1 {B2} (O8), S2 {B2, B7}, S3 {B7, B8}; L1 S1 {B1, B2}, L2 S2 {B3}, L3 S3 {B5}
    for flt, scope, expected in (
        ({}, None, {"L1": 2, "L2": 1, "L3": 1, "L4": 3}),
        ({"store": ["S2", "S3"]}, None, {"L2": 1, "L3": 1, "L4": 3}),  # two parts: 3 buyers, not 2 + 2
        ({"brand": ["云裳"]}, None, {"L3": 1, "L4": 2}),  # S3 alone
        ({"brand": ["山野茶"]}, None, {"L1": 2, "L2": 1, "L4": 2}),  # S1, S2: B2 once
        ({}, (("store", ("S1", "S3")),), {"L1": 2, "L3": 1, "L4": 3}),
    ):
        q = Query.make(["live_buyers", "live_gmv"], ["live"], None, {"live": lives, **flt}, scope=scope)
        for df in _paths(tiny_con, q):
            assert {r["live"]: r["live_buyers"] for r in df.iter_rows(named=True)} == expected, (flt, scope)


def test_a_sessions_late_and_early_payments_still_count_with_it(midnight_con):
    """The scan skips what no session of the period paid (orders_live keeps each session's
    first and last payment): a payment weeks later, or one dated before the session
    started, still counts with its session."""
    from cockpit import batches, schema
    from tests.conftest import _order

    late = [_order("M7", dt.datetime(2025, 12, 20, 10, 0), "S1", "A1", "L1", "live", "B5", False, "5.00"),
            _order("M8", dt.datetime(2025, 10, 25, 8, 0), "S1", "A1", "L2", "live", "B6", False, "7.00")]
    batches.write_batch(midnight_con, "orders", schema.frame("orders", late), file_name="late")
    assert midnight_con.execute("SELECT live_id, first_paid, last_paid FROM orders_live ORDER BY 1").fetchall() == [
        ("L1", dt.datetime(2025, 10, 31, 20, 0), dt.datetime(2025, 12, 20, 10, 0)),
        ("L2", dt.datetime(2025, 10, 25, 8, 0), dt.datetime(2025, 11, 1, 10, 30)),
        ("LX", dt.datetime(2025, 10, 20, 9, 0), dt.datetime(2025, 10, 20, 9, 0))]
    dec = Period(dt.date(2025, 12, 1), dt.date(2025, 12, 31))
    for period, gmv, buyers in ((OCT, 195.0, 5), (NOV, 37.0, 2), (dec, 0.0, 0)):  # by hand: 190 + M7; 30 + M8
        sql = query.build_sql(Query.make(["live_gmv", "live_buyers"], period=period))[0]
        assert "first_paid" in sql and "last_paid" in sql  # the pruning bounds are in the statement
        for df in _paths(midnight_con, Query.make(["live_gmv", "live_buyers"], period=period)):
            assert df.row(0) == (gmv, buyers), period
    test_live_figures_match_plain_sql_written_here(midnight_con)


def test_a_session_across_midnight_on_each_engine(db_url):
    """The same hand-worked figures on DuckDB and on ClickHouse (chDB)."""
    from cockpit import batches, schema, store
    from tests.conftest import MIDNIGHT

    con = store.connect(db_url)
    try:
        for name, rows in MIDNIGHT.items():
            batches.write_batch(con, name, schema.frame(name, rows), file_name=f"midnight-{name}", source="test")
        for period, expected in ((OCT, EXPECTED_OCT), (NOV, EXPECTED_NOV)):
            row = query.run(con, Query.make(LIVE, period=period)).row(0, named=True)
            assert {m: pytest.approx(v, rel=1e-12) for m, v in expected.items()} == row, period
        by_day = query.run(con, Query.make(["live_gmv"], ["day"], Period(dt.date(2025, 10, 1), dt.date(2025, 11, 30))))
        assert by_day.rows() == [(dt.date(2025, 10, 15), 20.0), (dt.date(2025, 10, 20), 10.0),
                                 (dt.date(2025, 10, 31), 160.0), (dt.date(2025, 11, 1), 30.0)]
    finally:
        con.close()


def test_a_split_over_several_sources_reads_each_once_and_keeps_their_gaps(tiny_con):
    """Three sources split by account: each read once (ClickHouse runs a CTE again at every
    reference), a source without a row for a key gives 0 or "—" (peak_online has no
    figure without sessions), and the orders without an account stay one row."""
    q = Query.make(["gmv", "views", "peak_online", "ad_spend"], dims=["account"], period=JUNE)
    sql, _ = query.build_sql(q, dialect=tiny_con.dialect)
    for src in ("src0", "src1", "src2"):
        assert len(re.findall(rf"(FROM|JOIN) {src}\b", sql)) == 1, src
    rows = {r["account"]: (r["gmv"], r["views"], r["peak_online"], r["ad_spend"])
            for r in query.run(tiny_con, q).iter_rows(named=True)}
    assert rows == {
        "A1": (300.0, 1000, 120, 100.0),  # O1 + O2; L1; ad of 1 June
        "A2": (300.0, 500, 80, 0.0),  # O4; L2; no ads
        "A3": (150.0, 300, 50, 0.0),  # O7; L3
        "D1": (330.0, 2000, 300, 50.0),  # O5 + O8; L4; ad of 10 June
        None: (170.0, 0, None, 0.0),  # O3 + O6, shelf orders of no account: no sessions, no ads
    }


def test_a_join_to_the_sessions_is_dropped_unless_something_reads_it():
    from_sql = "orders_daily r LEFT JOIN live_sessions ls ON r.live_id = ls.live_id"
    assert statements.joins_needed(from_sql, "r.live_id IN ($f)") == "orders_daily r"
    assert statements.joins_needed(from_sql, "COALESCE(ls.started_at, r.day) >= $p_start") == from_sql


def test_sources_over_the_same_rows_are_read_in_one_scan(tiny_con):
    """A session's live GMV (a measure of sessions by their start) and its orders read the
    same rollup rows once no period is asked: one scan, the same figures."""
    q = Query.make(["live_gmv", "orders", "views"], dims=["live"], filters={"live": ["L1", "L2", "L4"]})
    sql, _ = query.build_sql(q, dialect=tiny_con.dialect)
    assert sql.count("FROM orders_daily") == 1
    rows = {r["live"]: (r["live_gmv"], r["orders"], r["views"]) for r in query.run(tiny_con, q).iter_rows(named=True)}
    assert rows == {"L1": (300.0, 2, 1000), "L2": (300.0, 1, 500), "L4": (250.0, 1, 2000)}  # O1+O2; O4; O8
