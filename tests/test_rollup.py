"""The orders rollup (cockpit.rollups) gives exactly what scanning orders gives.

Every metric whose order measures have a rollup form, split by every dimension the
rollup carries, under filters and a scope, with and without a comparison: the query
read from ``orders_daily`` and the same query forced onto ``orders`` must agree to the
last cent, on the tiny group, after an import, after an upsert that replaces rows and
after an undo.
"""

import datetime as dt

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from cockpit import batches, metrics as reg, query, rollups, schema, store
from cockpit import statements  # the switches and checks of the statement builder
from cockpit.periods import Period
from cockpit.query import Query

JUNE = Period(dt.date(2025, 6, 1), dt.date(2025, 6, 30))
ALL = Period(dt.date(2024, 1, 1), dt.date(2025, 12, 31))
ROLLUP_DIMS = sorted(reg.SOURCES["orders_daily"].dims)


def _rollup_metrics(rollup: str = "orders_daily") -> list[str]:
    """Metrics with at least one order measure the rollup can answer."""
    out = []
    for mid, m in reg.METRICS.items():
        if any(rollup in reg.MEASURES[x].rollup for x in m.measures):
            out.append(mid)
    return out


ROLLUP_METRICS = _rollup_metrics()
PRODUCT_METRICS = _rollup_metrics("orders_product_daily")
PRODUCT_DIMS = sorted(set(reg.SOURCES["orders_product_daily"].dims) - set(ROLLUP_DIMS))


def _both(con, q: Query, compare: str | None = None, table: str = "orders_daily") -> tuple[pl.DataFrame, pl.DataFrame]:
    try:
        statements.use_rollups = True
        sql, _ = query.build_sql(q)
        fast = query.run_compared(con, q, compare) if compare else query.run(con, q)
        statements.use_rollups = False
        raw_sql, _ = query.build_sql(q)
        raw = query.run_compared(con, q, compare) if compare else query.run(con, q)
    finally:
        statements.use_rollups = True
    assert table in sql and table not in raw_sql
    return fast, raw


def _same(con, q: Query, compare: str | None = None, table: str = "orders_daily") -> None:
    fast, raw = _both(con, q, compare, table)
    assert_frame_equal(fast, raw, check_exact=True)


def test_the_rollup_is_used_only_where_it_fits():
    def sql(*a, **kw):
        return query.build_sql(Query.make(*a, **kw))[0]

    assert "orders_daily" in sql(["gmv", "refund_rate"], ["brand"], JUNE, {"channel": ["live"]})
    # distinct counts scan orders, the additive rest still reads the rollup
    s = sql(["gmv", "buyers"], period=JUNE)
    assert "orders_daily" in s and "FROM orders o" in s
    # a product split or filter cannot use it
    assert "orders_daily" not in sql(["gmv"], ["product"], JUNE)
    assert "orders_daily" not in sql(["gmv"], period=JUNE, filters={"category": ["茶叶"]})
    assert "orders_daily" not in query.build_sql(
        Query(("gmv",), (), JUNE, scope=(("product", ("P1",)),)))[0]


@pytest.mark.parametrize("dim", [None, *ROLLUP_DIMS])
def test_every_additive_metric_by_every_dim(tiny_con, dim):
    dims = [dim] if dim else []
    mids = [m for m in ROLLUP_METRICS if dim is None or dim in reg.dims_available(m)]
    for period in (JUNE, ALL):
        _same(tiny_con, Query.make(mids, dims, period))


@pytest.mark.parametrize("flt", [
    {"brand": ["山野茶"]}, {"store_type": ["authorized"]}, {"store": ["S1", "S3"]},
    {"account_type": ["distributor"]}, {"account": ["A1"]}, {"agency": ["星河"]},
    {"channel": ["live", "mall"]}, {"live": ["L1", "L4"]},
])
def test_filters_and_scopes(tiny_con, flt):
    for dims in ([], ["day"], ["account"]):
        _same(tiny_con, Query.make(ROLLUP_METRICS, dims, JUNE, flt))
    scope = tuple((d, tuple(v)) for d, v in flt.items())
    _same(tiny_con, Query(tuple(ROLLUP_METRICS), ("store",), JUNE, scope=scope))
    _same(tiny_con, Query(("gmv",), (), JUNE, scope=(("store", ()),)))


@pytest.mark.parametrize("compare", ["prev", "yoy"])
def test_comparisons_and_order_limit(tiny_con, compare):
    _same(tiny_con, Query.make(["gmv", "orders", "buyers", "refund_rate"], ["store"], JUNE), compare)
    _same(tiny_con, Query.make(["gmv", "live_gmv"], ["day"], JUNE), compare)
    _same(tiny_con, Query.make(["gmv", "orders", "aov"], ["account", "account_type"], JUNE,
                               order_by="gmv", limit=2), compare)


def _rollup_rows(con) -> list[list[tuple]]:
    return [store.fetchall(con, f"SELECT * FROM {t} ORDER BY ALL") for t in rollups.DUCKDB_TABLES]


def _rebuilt(con) -> list[list[tuple]]:
    """The rollups as a full rebuild from orders would write them."""
    out = []
    for t in rollups.DUCKDB_TABLES:
        con.execute(f"CREATE OR REPLACE TEMP TABLE _check AS SELECT * FROM {t} WHERE false")
        con.execute("INSERT INTO _check " + rollups._SELECT[t].format(where="TRUE"))
        out.append(store.fetchall(con, "SELECT * FROM _check ORDER BY ALL"))
        con.execute("DROP TABLE _check")
    return out


def _per_session(con) -> None:
    """Session rows (the 直播明细 list) from orders_live agree with a scan of orders."""
    lives = [r[0] for r in store.fetchall(con, "SELECT DISTINCT live_id FROM orders WHERE live_id IS NOT NULL")]
    _same(con, Query.make(["live_buyers", "click_conversion", "live_gmv"], ["live"], None, {"live": lives}),
          table="orders_live")


def _order(oid, day, amount, store_id="S1", channel="mall", refund=None):
    return dict(order_id=oid, paid_at=dt.datetime(2025, 6, day, 12), store_id=store_id, channel=channel,
                buyer_id="B9", paid_amount=amount, refund_amount=refund, is_fan=True)


def test_rollup_follows_import_upsert_and_undo(tiny_con):
    con = tiny_con
    assert _rollup_rows(con) == _rebuilt(con)
    q = Query.make(ROLLUP_METRICS, ["day"], JUNE)
    before = query.run(con, q)

    # an import of new orders on new and existing days
    b1 = batches.write_batch(con, "orders", schema.frame("orders", [
        _order("N1", 1, "10.00"), _order("N2", 20, "20.00", "S2", "live", "5.00"),
    ]), file_name="new")
    assert _rollup_rows(con) == _rebuilt(con)
    _same(con, q)
    _per_session(con)

    # a batch over consecutive days (the refresh reads the whole range, no day lookup)
    b_run = batches.write_batch(con, "orders", schema.frame("orders", [
        _order("R1", 3, "1.00"), _order("R2", 4, "2.00", "S3"), _order("R3", 5, "3.00"),
    ]), file_name="run")
    assert _rollup_rows(con) == _rebuilt(con)
    batches.undo_batch(con, b_run)
    assert _rollup_rows(con) == _rebuilt(con)

    # an upsert that replaces rows, one of them moving to another day and store
    b2 = batches.write_batch(con, "orders", schema.frame("orders", [
        _order("N2", 21, "25.00", "S3", "search"),
        dict(_order("O1", 2, "111.00"), account_id="A1", live_id="L1", channel="live"),
    ]), file_name="upsert")
    assert _rollup_rows(con) == _rebuilt(con)
    _same(con, q)
    _per_session(con)
    _same(con, Query.make(ROLLUP_METRICS, ["store", "channel"], ALL))

    # undo both: back to where we started
    batches.undo_batch(con, b2)
    assert _rollup_rows(con) == _rebuilt(con)
    _same(con, q)
    _per_session(con)
    batches.undo_batch(con, b1)
    assert _rollup_rows(con) == _rebuilt(con)
    assert_frame_equal(query.run(con, q), before, check_exact=True)


def test_a_failed_write_leaves_the_rollup_as_it_was(tiny_con):
    rows = _rollup_rows(tiny_con)

    def die():
        raise RuntimeError("crash")

    with pytest.raises(RuntimeError):
        batches.write_batch(tiny_con, "orders", schema.frame("orders", [_order("N1", 1, "10.00")]),
                            file_name="x", before_commit=die)
    assert _rollup_rows(tiny_con) == rows


def test_existing_database_gets_the_rollup_on_open(tiny_db):
    con = store.connect(tiny_db)
    expected = _rollup_rows(con)
    for t in rollups.DUCKDB_TABLES:
        con.execute(f"DROP TABLE {t}")
    con.execute("DELETE FROM cockpit_meta WHERE key = ?", [rollups.META_KEY])
    con.close()
    # even a read-only open (cockpit query / export) upgrades a file nobody else holds
    ro = store.connect(tiny_db, read_only=True)
    assert _rollup_rows(ro) == expected
    assert store.scalar(ro, "SELECT value FROM cockpit_meta WHERE key = ?", [rollups.META_KEY]) == rollups.VERSION
    ro.close()


def test_per_session_buyers_only_where_they_are_whole(tiny_con):
    def sql(q):
        return query.build_sql(q)[0]

    q = Query.make(["live_buyers"], ["live"], None, {"live": ["L0", "L1", "L2", "L3", "L4"]})
    assert "FROM orders_live r" in sql(q)
    # (a period's live figures read orders_live's payment bounds, not its buyers)
    # a period cuts sessions, other splits add sessions up, a scope may see part of one,
    # and without a filter on sessions the "no session" group (null) would be missing
    assert "FROM orders_live r" not in sql(Query(("live_buyers",), ("live",), None))
    named = (("live", ("L1", "L4")),)
    assert "FROM orders_live r" not in sql(Query(("live_buyers",), ("live",), JUNE, named))
    assert "FROM orders_live r" not in sql(Query(("live_buyers",), ("account",), None, named))
    assert "FROM orders_live r" not in sql(Query(("live_buyers",), ("live", "day"), None, named))
    assert "FROM orders_live r" not in sql(Query(("live_buyers",), ("live",), None, named, scope=(("store", ("S1",)),)))
    assert "FROM orders_live r" not in sql(Query.make(["live_buyers"], ["live"], None, {"store": ["S1"], "live": ["L1"]}))
    got = {r["live"]: r["live_buyers"] for r in query.run(tiny_con, q).iter_rows(named=True)}
    assert got == {"L0": 1, "L1": 2, "L2": 1, "L3": 1, "L4": 1}  # by hand: B1 | B1, B2 | B3 | B5 | B2
    _per_session(tiny_con)


# ---------------------------------------------------------------------------
# orders_live_parts: the session list under a brand, store, account or channel filter or a scope

LIVES = ["L0", "L1", "L2", "L3", "L4"]


def _split_l4(con) -> int:
    """L4 (D1, a distributor) also sells through S2 and S3, buyers B2 and B7 in two of
    its stores.  Its parts: (S1, D1, live) {B2 (O8), B9}, (S2, D1, live) {B2, B7},
    (S3, D1, live) {B7, B8}; the session's live buyers {B2, B7, B8, B9}: 4.  Any two
    parts have 3 buyers: neither their sum (4) nor the larger (2)."""
    def o(oid, store_id, buyer, amount):
        return dict(order_id=oid, paid_at=dt.datetime(2025, 6, 10, 21), store_id=store_id, account_id="D1",
                    live_id="L4", channel="live", buyer_id=buyer, paid_amount=amount, is_fan=False)

    return batches.write_batch(con, "orders", schema.frame("orders", [
        o("Q0", "S1", "B9", "10.00"), o("Q1", "S2", "B2", "30.00"), o("Q2", "S2", "B7", "40.00"),
        o("Q3", "S3", "B7", "50.00"), o("Q4", "S3", "B8", "60.00"),
    ]), file_name="split")


def _buyers(con, q: Query) -> dict[str, int]:
    return {r["live"]: r["live_buyers"] for r in query.run(con, q).iter_rows(named=True)}


def test_session_parts_are_kept_by_hand(tiny_con):
    parts = "SELECT * FROM orders_live_parts ORDER BY ALL"
    # (session, store, account, channel, the part's live buyers, the session's, its parts)
    assert store.fetchall(tiny_con, parts) == [
        ("L0", "S1", "A1", "live", 1, 1, 1), ("L1", "S1", "A1", "live", 2, 2, 1), ("L2", "S2", "A2", "live", 1, 1, 1),
        ("L3", "S3", "A3", "live", 1, 1, 1), ("L4", "S1", "D1", "live", 1, 1, 1)]
    b = _split_l4(tiny_con)
    assert store.fetchall(tiny_con, parts)[-3:] == [
        ("L4", "S1", "D1", "live", 2, 4, 3), ("L4", "S2", "D1", "live", 2, 4, 3), ("L4", "S3", "D1", "live", 2, 4, 3)]
    assert _rollup_rows(tiny_con) == _rebuilt(tiny_con)
    batches.undo_batch(tiny_con, b)
    assert store.fetchall(tiny_con, parts)[-1] == ("L4", "S1", "D1", "live", 1, 1, 1)
    assert _rollup_rows(tiny_con) == _rebuilt(tiny_con)


# (filters, scope) -> each session's live buyers, by hand from _split_l4 and conftest.py
# (L0 {B1} S1, L1 {B1, B2} S1, L2 {B3} S2, L3 {B5} S3; all live, own or authorized).
# "cut": L4 kept by two of its three parts, counted from its orders: 3 buyers.
PART_CASES = [
    ({"store": ["S1"]}, None, {"L0": 1, "L1": 2, "L4": 2}),  # L4 by one part: {B2, B9}
    ({"brand": ["云裳"]}, None, {"L3": 1, "L4": 2}),  # one part: S3 {B7, B8}
    ({"store": ["S2", "S3"]}, None, {"L2": 1, "L3": 1, "L4": 3}),  # cut: {B2, B7} and {B7, B8}
    ({"brand": ["山野茶"]}, None, {"L0": 1, "L1": 2, "L2": 1, "L4": 3}),  # cut: S1 {B2, B9} and S2 {B2, B7}
    ({"store": ["S1", "S2", "S3"]}, None, {"L0": 1, "L1": 2, "L2": 1, "L3": 1, "L4": 4}),  # every part: whole
    ({"account": ["D1"]}, None, {"L4": 4}),
    ({"account_type": ["own", "authorized"]}, None, {"L0": 1, "L1": 2, "L2": 1, "L3": 1}),
    ({"channel": ["mall"]}, None, {}),
    ({}, (("store", ("S3",)),), {"L3": 1, "L4": 2}),
    ({}, (("agency", ("星河",)),), {"L4": 4}),
    ({}, (("brand", ("山野茶",)),), {"L0": 1, "L1": 2, "L2": 1, "L4": 3}),  # cut
    ({"brand": ["山野茶"]}, (("store", ("S2",)),), {"L2": 1, "L4": 2}),  # the scope leaves one part
    ({}, (("store", ()),), {}),  # granted nothing
]


@pytest.mark.parametrize("flt, scope, expected", PART_CASES)
def test_session_list_under_filters_and_scopes_reads_the_parts(tiny_con, flt, scope, expected):
    _split_l4(tiny_con)
    q = Query.make(["live_buyers"], ["live"], None, {"live": LIVES, **flt}, scope=scope)
    assert "FROM orders_live_parts r" in query.build_sql(q)[0]
    assert _buyers(tiny_con, q) == expected
    _same(tiny_con, Query.make(["live_buyers", "click_conversion", "watch_conversion", "live_gmv", "orders"], ["live"],
                               None, {"live": LIVES, **flt}, scope=scope), table="orders_live_parts")


def test_session_parts_only_where_they_fit():
    def sql(q):
        return query.build_sql(q)[0]

    named = {"live": LIVES, "store": ["S1"]}
    assert "orders_live_parts" in sql(Query.make(["live_buyers"], ["live"], None, named))
    # unfiltered: one row per session (orders_live); no split by sessions named, a period,
    # another split beside the session, a product filter: counted from orders
    assert "orders_live_parts" not in sql(Query.make(["live_buyers"], ["live"], None, {"live": LIVES}))
    assert "orders_live_parts" not in sql(Query.make(["live_buyers"], ["live"], None, {"store": ["S1"]}))
    assert "orders_live_parts" not in sql(Query.make(["live_buyers"], ["live"], JUNE, named))
    assert "orders_live_parts" not in sql(Query.make(["live_buyers"], ["live", "store"], None, named))
    assert "orders_live_parts" not in sql(Query.make(["live_buyers"], ["live"], None, {**named, "product": ["P1"]}))
    # ClickHouse keeps no parts: its session list under a filter counts from orders
    from cockpit.engine import CLICKHOUSE
    assert "orders_live_parts" not in query.build_sql(Query.make(["live_buyers"], ["live"], None, named),
                                                      dialect=CLICKHOUSE)[0]


def test_refresh_window_rewrites_the_parts_of_its_sessions(tiny_con):
    _split_l4(tiny_con)
    expected = store.fetchall(tiny_con, "SELECT * FROM orders_live_parts WHERE live_id <> 'L0' ORDER BY ALL")
    tiny_con.execute("DELETE FROM orders_live_parts")
    rollups.refresh_window(tiny_con, dt.datetime(2025, 6, 1), dt.datetime(2025, 6, 30, 23, 59, 59))
    # June's sessions (L1-L4) rewritten whole from June's orders; L0 (May) not touched
    assert store.fetchall(tiny_con, "SELECT * FROM orders_live_parts ORDER BY ALL") == expected


def test_a_version_5_file_builds_only_the_session_parts(tiny_db):
    """The upgrade a group takes: its other rollups are current, so only the new table is
    built (at 100M orders a fraction of rebuilding every rollup)."""
    con = store.connect(tiny_db)
    parts = store.fetchall(con, "SELECT * FROM orders_live_parts ORDER BY ALL")
    con.execute("DROP TABLE orders_live_parts")
    con.execute("UPDATE cockpit_meta SET value = '5' WHERE key = ?", [rollups.META_KEY])
    con.execute("DELETE FROM orders_daily WHERE live_id = 'L1'")  # a mark: a rebuild would restore these rows
    con.close()
    con = store.connect(tiny_db)
    try:
        assert store.fetchall(con, "SELECT * FROM orders_live_parts ORDER BY ALL") == parts
        assert store.scalar(con, "SELECT count(*) FROM orders_daily WHERE live_id = 'L1'") == 0
        assert store.scalar(con, "SELECT value FROM cockpit_meta WHERE key = ?", [rollups.META_KEY]) == rollups.VERSION
    finally:
        con.close()


# ---------------------------------------------------------------------------
# orders_product_daily: product boards, category splits, market share


def test_product_metrics_are_the_additive_ones():
    assert set(PRODUCT_METRICS) >= {"gmv", "orders", "refund_rate", "market_share"}
    assert "buyers" not in PRODUCT_METRICS and "live_gmv" not in PRODUCT_METRICS


@pytest.mark.parametrize("dims", [["product"], ["category"], ["day", "category"], ["store", "product"]])
def test_product_rollup_by_every_dim(tiny_con, dims):
    mids = [m for m in PRODUCT_METRICS if set(dims) <= reg.dims_available(m)]
    for period in (JUNE, ALL):
        _same(tiny_con, Query.make(mids, dims, period), table="orders_product_daily")


@pytest.mark.parametrize("flt", [{"brand": ["山野茶"]}, {"store": ["S1", "S3"]}, {"category": ["女装"]},
                                 {"product": ["P1", "P2"]}, {"store_type": ["direct"]}])
def test_product_rollup_filters_scopes_and_comparisons(tiny_con, flt):
    _same(tiny_con, Query.make(["gmv", "orders", "refund_rate"], ["product"], JUNE, flt), table="orders_product_daily")
    _same(tiny_con, Query.make(["market_share", "gmv"], ["category"], JUNE, flt), "prev", table="orders_product_daily")
    scope = tuple((d, tuple(v)) for d, v in flt.items())
    _same(tiny_con, Query(("gmv", "orders"), ("product",), JUNE, scope=scope), table="orders_product_daily")


def test_product_rollup_only_where_it_fits():
    def sql(*a, **kw):
        return query.build_sql(Query.make(*a, **kw))[0]

    assert "orders_product_daily" in sql(["gmv"], ["product"], JUNE)
    # an account or channel filter is not carried: scan orders
    assert "orders_product_daily" not in sql(["gmv"], ["product"], JUNE, {"channel": ["live"]})
    assert "orders_product_daily" not in sql(["gmv"], ["product"], JUNE, {"account": ["A1"]})
    # the daily rollup comes first where both fit
    s = sql(["gmv"], ["store"], JUNE)
    assert "orders_daily" in s and "orders_product_daily" not in s


@pytest.mark.parametrize("flt", [{"account": ["A1", "D1"]}, {"agency": ["星河"]}, {"account_type": ["distributor"]},
                                 {"account": ["A2"], "brand": ["山野茶"]}])
@pytest.mark.parametrize("dims", [["product"], ["category"], ["day", "category"]])
def test_account_product_rollup_for_one_account_agency_or_type(tiny_con, flt, dims):
    mids = [m for m in PRODUCT_METRICS if set(dims) <= reg.dims_available(m)]
    _same(tiny_con, Query.make(mids, dims, JUNE, flt), table="orders_product_account_daily")
    _same(tiny_con, Query.make(["gmv", "orders"], dims, JUNE, flt), "yoy", table="orders_product_account_daily")
    # the smaller product rollup still answers everything without an account filter
    assert "orders_product_account_daily" not in query.build_sql(Query.make(["gmv"], dims, JUNE))[0]


# --- live orders counted with their session: the rollup against the scan -------------------

LIVE_METRICS = _rollup_metrics("live_orders_daily")
LIVE_DIMS = sorted(reg.SOURCES["live_orders_daily"].dims)
LIVE_ROLLUP = "ls ON r.live_id = ls.live_id"  # orders_daily joined to sessions: the fast path's mark in the SQL
OCT_NOV = [Period(dt.date(2025, 10, 1), dt.date(2025, 10, 31)), Period(dt.date(2025, 11, 1), dt.date(2025, 11, 30)),
           Period(dt.date(2025, 10, 31), dt.date(2025, 11, 1))]


def test_live_metrics_read_the_session_rollup():
    assert {"live_gmv", "gpm", "uv_value", "own_live_gmv", "chuanliu_share", "short_video_live_share"} \
        <= set(LIVE_METRICS)
    assert LIVE_ROLLUP in query.build_sql(Query.make(["gpm"], ["account"], JUNE))[0]


@pytest.mark.parametrize("dim", [None, *LIVE_DIMS])
def test_live_metrics_by_every_dim_across_midnight_and_on_the_tiny_group(midnight_con, tiny_con, dim):
    dims = [dim] if dim else []
    for con, periods in ((midnight_con, OCT_NOV), (tiny_con, (JUNE, ALL))):
        mids = [m for m in LIVE_METRICS if dim is None or dim in reg.dims_available(m)]
        for period in periods:
            _same(con, Query.make(mids, dims, period), table=LIVE_ROLLUP)


@pytest.mark.parametrize("flt", [{"store": ["S1"]}, {"account": ["A1"]}, {"channel": ["live"]}, {"live": ["L1"]},
                                 {"account_type": ["own"]}])
def test_live_metrics_under_filters_scopes_and_comparisons(midnight_con, flt):
    for period in OCT_NOV:
        _same(midnight_con, Query.make(LIVE_METRICS, ["day"], period, flt), table=LIVE_ROLLUP)
        scope = tuple((d, tuple(v)) for d, v in flt.items())
        _same(midnight_con, Query(tuple(LIVE_METRICS), ("store",), period, scope=scope), table=LIVE_ROLLUP)
    _same(midnight_con, Query.make(["live_gmv", "gpm"], ["day"], OCT_NOV[1]), "prev", table=LIVE_ROLLUP)
