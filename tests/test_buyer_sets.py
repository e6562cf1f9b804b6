"""Monthly buyer sets (cockpit.buyer_sets): the same buyers, repurchasers and fan buyers
a plain SQL count over the orders gives, written here by hand, on every split, filter,
scope and period shape; never stale after an import or an undo."""

import datetime as dt

import numpy as np
import pyarrow as pa
import pytest

from cockpit import batches, buyer_sets, metrics, query, schema, store
from cockpit.periods import Period
from cockpit.query import Query
from tests.conftest import load_random_group, load_tiny

D = dt.date


def _used_sets(con, q) -> tuple[object, bool]:
    with query.recording() as calls:
        df = query.run(con, q)
    return df, any(c[0].startswith("buyer sets") for c in calls)


# ---------------------------------------------------------------------------
# By hand, on the tiny group (conftest): May and June 2025


def test_tiny_group_figures_by_hand(tiny_con):
    con = tiny_con
    assert buyer_sets.build(con) == 3  # 2024-06, 2025-05, 2025-06
    q = Query.make(["buyers", "repurchase_rate", "fan_repurchase_rate", "nonfan_repurchase_rate"],
                   period=Period(D(2025, 5, 1), D(2025, 6, 30)))
    df, used = _used_sets(con, q)
    assert used
    # buyers B1..B6; B1 bought in May and June (O9 | O1, O3), B2 twice (O2, O8), B5 twice (O6, O7)
    # fan buyers B1, B3; of them B1 bought again; non-fan B2, B4, B5, B6: B2 and B5 again
    assert df.row(0, named=True) == {"buyers": 6, "repurchase_rate": 0.5, "fan_repurchase_rate": 0.5,
                                     "nonfan_repurchase_rate": 0.5}
    by_store, used = _used_sets(con, Query.make(["buyers"], ["store"], Period(D(2025, 5, 1), D(2025, 6, 30))))
    assert used
    # S1: B1, B2 (O1 O2 O3 O8 O9) | S2: B3, B4 | S3: B5, B6
    assert dict(by_store.select("store", "buyers").iter_rows()) == {"S1": 2, "S2": 2, "S3": 2}


@pytest.mark.parametrize("start,end,covered", [
    (D(2025, 5, 1), D(2025, 6, 30), (D(2025, 5, 1), D(2025, 7, 1))),
    (D(2025, 5, 5), D(2025, 6, 30), (D(2025, 5, 1), D(2025, 7, 1))),  # May's orders are the 10th and 23rd
    (D(2025, 5, 15), D(2025, 6, 30), (D(2025, 6, 1), D(2025, 7, 1))),  # the 10th is outside
    (D(2025, 5, 1), D(2025, 6, 9), (D(2025, 5, 1), D(2025, 6, 1))),  # June 10th is outside
    (D(2025, 6, 2), D(2025, 6, 9), None),
    (D(2025, 1, 1), D(2025, 12, 31), (D(2025, 1, 1), D(2026, 1, 1))),
    (D(2025, 6, 1), D(2025, 6, 10), (D(2025, 6, 1), D(2025, 7, 1))),  # the month so far
])
def test_months_whose_orders_all_fall_in_the_period(tiny_con, start, end, covered):
    assert buyer_sets.covered_months(tiny_con, start, end) == covered


def test_parts_by_hand():
    # store S1: buyer 3 twice (one as a fan), buyer 5 once; store S2: buyer 3 once; no store: buyer 7
    stores = pa.array(["S1", "S2", "S1", None, "S1"])
    codes = np.array([3 * 2 + 1, 3 * 2, 3 * 2, 7 * 2, 5 * 2], np.int64)
    got = {g: [list(s) for s in sets] for g, sets in buyer_sets.parts([stores], codes, buyer_sets.KINDS)}
    assert got == {("S1",): [[3, 5], [3], [3]], ("S2",): [[3], [], []], (None,): [[7], [], []]}
    assert buyer_sets.parts([], np.array([], np.int64), ("seen",)) == []


def test_combining_parts_counts_a_buyer_in_two_parts_as_a_repurchaser():
    BM = buyer_sets.BitMap
    may = [BM([1, 2, 3]), BM([2]), BM([1])]  # seen, twice, fan
    june = [BM([3, 4]), BM([]), BM([4])]
    s = buyer_sets.combine([may, june], buyer_sets.KINDS)
    assert (sorted(s.seen), sorted(s.twice), sorted(s.fan)) == ([1, 2, 3, 4], [2, 3], [1, 4])


# ---------------------------------------------------------------------------
# Against plain SQL on a random group: repeat buyers within and across months and stores


@pytest.fixture(scope="module")
def group(tmp_path_factory):
    con = store.connect(tmp_path_factory.mktemp("sets") / "g.duckdb")
    load_random_group(con)
    assert buyer_sets.build(con) == 4
    yield con
    con.close()


def _plain(con, period: Period, where: str = "TRUE", by: str | None = None):
    """Buyers, repurchasers (>= 2 orders), fan buyers (any fan order) and fan repurchasers,
    per ``by`` (a column of orders o joined to stores s and accounts a), straight in SQL."""
    key = by or "'all'"
    rows = store.fetchall(con, f"""
        SELECT g, count(*), count(*) FILTER (WHERE n >= 2), count(*) FILTER (WHERE fan),
               count(*) FILTER (WHERE fan AND n >= 2)
        FROM (SELECT {key} AS g, o.buyer_id, count(*) AS n, bool_or(COALESCE(o.is_fan, FALSE)) AS fan
              FROM orders o JOIN stores s ON o.store_id = s.store_id LEFT JOIN accounts a ON o.account_id = a.account_id
              WHERE o.paid_at >= ? AND o.paid_at < ? AND {where} GROUP BY 1, 2)
        GROUP BY 1""", [period.start_ts, period.end_ts_exclusive])
    return {g: r for g, *r in rows}


PERIODS = [
    Period(D(2025, 3, 1), D(2025, 6, 30)),  # whole months and the month the data ends in
    Period(D(2025, 3, 10), D(2025, 5, 20)),  # partial months at both ends
    Period(D(2025, 4, 1), D(2025, 4, 30)),  # one month
    Period(D(2025, 2, 15), D(2025, 4, 3)),  # the data starts inside the period
    Period(D(2025, 4, 10), D(2025, 4, 20)),  # no month covered: every day from orders, sorted per buyer
]
CASES = [  # (query filters, the same restriction in SQL)
    ({}, "TRUE"),
    ({"store": ["S1", "S3"]}, "o.store_id IN ('S1', 'S3')"),
    ({"brand": ["山野茶"]}, "s.brand = '山野茶'"),
    ({"account": ["D1"]}, "o.account_id = 'D1'"),
    ({"agency": ["星河"]}, "a.agency = '星河'"),
    ({"account_type": ["own", "authorized"], "store_type": ["authorized"]},
     "a.account_type IN ('own', 'authorized') AND s.store_type = 'authorized'"),
]


@pytest.mark.parametrize("period", PERIODS, ids=str)
@pytest.mark.parametrize("filters,where", CASES, ids=[str(c[0]) for c in CASES])
def test_headline_figures_match_plain_sql(group, period, filters, where):
    q = Query.make(["buyers", "repurchase_rate", "fan_repurchase_rate", "nonfan_repurchase_rate"],
                   period=period, filters=filters)
    df, used = _used_sets(group, q)
    assert used
    b, rep, fan, fan_rep = _plain(group, period, where).get("all", (0, 0, 0, 0))
    row = df.row(0, named=True)
    assert row["buyers"] == b
    assert row["repurchase_rate"] == pytest.approx(rep / b)
    assert row["fan_repurchase_rate"] == pytest.approx(fan_rep / fan)
    assert row["nonfan_repurchase_rate"] == pytest.approx((rep - fan_rep) / (b - fan))


@pytest.mark.parametrize("period", PERIODS, ids=str)
@pytest.mark.parametrize("dim,col", [("store", "o.store_id"), ("account", "o.account_id"), ("product", "o.product_id"),
                                     ("brand", "s.brand"), ("agency", "a.agency")])
def test_splits_match_plain_sql(group, period, dim, col):
    df, used = _used_sets(group, Query.make(["buyers", "aov"], [dim], period))
    assert used
    want = {g: r[0] for g, r in _plain(group, period, by=col).items()}
    assert dict(df.select(dim, "buyers").iter_rows()) == want


def test_a_split_under_a_filter_and_a_scope(group):
    period = PERIODS[1]
    q = Query.make(["buyers"], ["account"], period, {"brand": ["山野茶"]},
                   scope=(("account", ("A1", "D1")), ("store", ("S2",))))
    df, used = _used_sets(group, q)
    assert used
    where = "s.brand = '山野茶' AND (o.account_id IN ('A1', 'D1') OR o.store_id = 'S2')"
    assert dict(df.select("account", "buyers").iter_rows()) == \
        {g: r[0] for g, r in _plain(group, period, where, by="o.account_id").items()}


@pytest.mark.parametrize("q", [
    Query.make(["buyers"], period=PERIODS[0], filters={"channel": ["live"]}),  # not kept per part
    Query.make(["buyers"], ["month"], PERIODS[0]),  # a time split
    Query.make(["buyers"], ["product"], PERIODS[0], {"account": ["A1"]}),  # product sets have no account
], ids=["channel", "by month", "product by account"])
def test_other_questions_are_counted_from_orders(group, q):
    assert not _used_sets(group, q)[1]


# ---------------------------------------------------------------------------
# Writes


def test_an_import_drops_the_months_it_touches_and_the_figures_stay_right(tmp_path):
    con = store.connect(tmp_path / "w.duckdb")
    load_tiny(con)
    buyer_sets.build(con)
    may_june = Period(D(2025, 5, 1), D(2025, 6, 30))
    q = Query.make(["buyers", "repurchase_rate"], period=may_june)
    assert _used_sets(con, q)[1]

    # B6 buys again in June (repurchaser across months) and B7 is new
    new = [dict(order_id="N1", paid_at=dt.datetime(2025, 6, 20), store_id="S3", channel="mall", buyer_id="B6",
                paid_amount="5.00", is_fan=False),
           dict(order_id="N2", paid_at=dt.datetime(2025, 6, 21), store_id="S3", channel="mall", buyer_id="B7",
                paid_amount="5.00", is_fan=False)]
    batch = batches.write_batch(con, "orders", schema.frame("orders", new), file_name="june")
    assert buyer_sets.missing_months(con) == [D(2025, 6, 1)]  # May and June 2024 keep theirs
    df, used = _used_sets(con, q)
    assert not used and df.row(0) == (7, 4 / 7)  # B1 B2 B5 and now B6 bought twice
    assert buyer_sets.build(con) == 1
    df, used = _used_sets(con, q)
    assert used and df.row(0) == (7, 4 / 7)

    batches.undo_batch(con, batch)
    assert buyer_sets.missing_months(con) == [D(2025, 6, 1)]
    buyer_sets.build(con)
    df, used = _used_sets(con, q)
    assert used and df.row(0) == (6, 3 / 6)
    con.close()


def test_a_month_that_cannot_be_built_is_logged_counted_from_orders_and_retried_after_a_write(
        tmp_path, monkeypatch, caplog):
    """After a committed import nothing may raise (issue 12: one bad month stopped every
    import and the server's upkeep): the month is logged once and read from orders."""
    con = store.connect(tmp_path / "f.duckdb")
    load_tiny(con)
    real = buyer_sets._build_month
    tried = []

    def flaky(c, m):
        tried.append(m)
        if m == D(2025, 6, 1):
            raise OverflowError("year 10000 is out of range")
        real(c, m)

    monkeypatch.setattr(buyer_sets, "_build_month", flaky)
    assert buyer_sets.build(con) == 2  # 2024-06 and 2025-05; June 2025 logged
    assert "buyer sets of 2025-06 not built" in caplog.text and "OverflowError" in caplog.text
    assert buyer_sets.missing_months(con) == [D(2025, 6, 1)]
    q = Query.make(["buyers", "repurchase_rate"], period=Period(D(2025, 5, 1), D(2025, 6, 30)))
    df, used = _used_sets(con, q)
    assert not used and df.row(0) == (6, 3 / 6)  # exact, from orders
    tried.clear()
    assert buyer_sets.build(con) == 0 and tried == []  # not retried until the data changes
    batches.write_batch(con, "stores", schema.frame("stores", [dict(store_id="S9", store_name="x",
                                                                     store_type="direct")]), file_name="s")
    monkeypatch.setattr(buyer_sets, "_build_month", real)
    assert buyer_sets.build(con) == 1
    df, used = _used_sets(con, q)
    assert used and df.row(0) == (6, 3 / 6)
    con.close()


def test_month_spans_reach_the_calendars_last_instant():
    assert buyer_sets.month_span(D(2025, 2, 14)) == (dt.datetime(2025, 2, 1), dt.datetime(2025, 2, 28, 23, 59, 59, 999999))
    assert buyer_sets.month_span(D(9999, 12, 1)) == (dt.datetime(9999, 12, 1), dt.datetime.max)


def test_a_file_from_before_the_sets_is_read_right_and_built_on_demand(tiny_db):
    con = store.connect(tiny_db)
    for t in buyer_sets.TABLES:
        con.execute(f"DROP TABLE {t}")
    con.execute("DELETE FROM cockpit_meta WHERE key = ?", [buyer_sets.META_KEY])
    con.close()
    ro = store.connect(tiny_db, read_only=True)  # upgraded through a short write open: empty sets
    q = Query.make(["buyers"], period=Period(D(2025, 5, 1), D(2025, 6, 30)))
    df, used = _used_sets(ro, q)
    assert not used and df.item() == 6
    ro.close()
    con = store.connect(tiny_db)
    assert buyer_sets.build(con) == 3
    again, used = _used_sets(con, q)
    assert used and again.equals(df)
    con.close()


def test_the_bench_floor_of_a_figure_from_sets_is_the_same_figure_in_sql(group):
    q = Query.make(["buyers"], ["store"], PERIODS[0])
    with query.recording() as calls:
        query.run(group, q)
    sets = [c for c in calls if c[0].startswith("buyer sets")]
    assert len(sets) == 1
    floor_sql, floor_params = sets[0][3]
    got = dict(store.fetch_pl(group, floor_sql, floor_params).select("store", "buyers").iter_rows())
    assert got == {g: r[0] for g, r in _plain(group, PERIODS[0], by="o.store_id").items()}


def test_a_covered_month_without_sets_is_read_from_orders(tiny_con):
    """An import dropping a month between the check and the read (or a month never built)."""
    from cockpit import buyer_counts

    buyer_sets.build(tiny_con)
    tiny_con.execute("DELETE FROM buyer_sets_built WHERE month = '2025-05-01'")  # May's sets ignored from now
    # a year: June 2024 and June 2025 from their sets, the months between (May) from orders
    q = Query.make(["buyers", "repurchase_rate"], ["store"], Period(D(2024, 6, 1), D(2025, 6, 30)))
    ms = [metrics.MEASURES[m] for m in ("buyers", "repeat_buyers")]
    got = buyer_counts._sets_compute(tiny_con, q, buyer_sets.layout_for({"store"}, {"twice"}), ("seen", "twice"), ms)
    # S1: B1 (O11 in 2024, O9 in May, O1 O3) and B2 (O2 O8) both again | S2: B3, B4 once | S3: B5 twice, B6 once (May)
    assert {s: (b, r) for s, b, r in zip(got["dims"]["store"], got["buyers"], got["repeat_buyers"])} == \
        {"S1": (2, 2), "S2": (2, 0), "S3": (2, 1)}


def test_a_snapshot_does_not_see_a_write_that_commits_during_it(tiny_con):
    reader = tiny_con.cursor()
    with store.snapshot(reader):
        before = store.scalar(reader, "SELECT count(*) FROM orders")
        batches.write_batch(tiny_con, "orders", schema.frame("orders", [dict(
            order_id="S1X", paid_at=dt.datetime(2025, 6, 20), store_id="S1", channel="mall", buyer_id="B1",
            paid_amount="1.00")]), file_name="during")
        assert store.scalar(reader, "SELECT count(*) FROM orders") == before
    assert store.scalar(reader, "SELECT count(*) FROM orders") == before + 1
    reader.close()


def test_a_rebuilt_month_gets_a_new_token_so_decoded_sets_are_never_stale(tiny_con):
    buyer_sets.build(tiny_con)
    (old,), = store.fetchall(tiny_con, "SELECT token FROM buyer_sets_built WHERE month = '2025-06-01'")
    batches.write_batch(tiny_con, "orders", schema.frame("orders", [dict(
        order_id="T1", paid_at=dt.datetime(2025, 6, 21), store_id="S1", channel="mall", buyer_id="B9",
        paid_amount="1.00")]), file_name="t")
    buyer_sets.build(tiny_con)
    (new,), = store.fetchall(tiny_con, "SELECT token FROM buyer_sets_built WHERE month = '2025-06-01'")
    assert new != old


@pytest.mark.parametrize("budget", [0, 10**9])
def test_figures_are_the_same_whatever_memory_holds(group, monkeypatch, budget):
    monkeypatch.setattr(buyer_sets, "DECODED", buyer_sets.LRU(budget))  # nothing kept / everything kept
    period = PERIODS[1]
    for _ in range(2):  # the second question reads what the first one left in memory
        df, used = _used_sets(group, Query.make(["buyers"], ["account"], period, {"brand": ["山野茶"]}))
        assert used
        assert dict(df.select("account", "buyers").iter_rows()) == \
            {g: r[0] for g, r in _plain(group, period, "s.brand = '山野茶'", by="o.account_id").items()}


def test_covered_months_at_the_calendars_edges(tiny_con):
    # the last month (9999-12) is never covered: nothing to bound it, read from orders
    assert buyer_sets.covered_months(tiny_con, D(9999, 12, 1), D(9999, 12, 31)) is None
    assert buyer_sets.covered_months(tiny_con, D(2025, 5, 1), D(9999, 12, 31)) == (D(2025, 5, 1), D(9999, 12, 1))
    assert buyer_sets.covered_months(tiny_con, D(1, 1, 1), D(2025, 5, 31)) == (D(1, 1, 1), D(2025, 6, 1))


# ---------------------------------------------------------------------------
# Day sets: the days a period takes only part of a month, OR-ed from the month's day sets


def _orders_reads(monkeypatch) -> list:
    """The day ranges the sets path reads from orders (instead of from stored sets)."""
    from cockpit import buyer_counts

    reads = []
    real = buyer_counts._from_orders

    def spy(con, q, kinds, lo, hi, groups):
        reads.append((lo, hi))
        return real(con, q, kinds, lo, hi, groups)

    monkeypatch.setattr(buyer_counts, "_from_orders", spy)
    return reads


HEADLINE = ["buyers", "repurchase_rate", "fan_repurchase_rate", "nonfan_repurchase_rate"]


@pytest.mark.parametrize("start", [D(2025, 5, 15), D(2025, 5, 1)])
def test_loose_days_by_hand_from_day_sets(tiny_con, monkeypatch, start):
    # May 15 - June 5: no month covered (May 10th and June 10th are outside), every day from
    # day sets; May 1 - June 5: May whole from its month sets, June 1-5 from day sets.
    # In the period: O9 (May 10, B1 fan) only from May 1; O10 May 23 B6; June 1 O1 B1 fan, O2 B2;
    # June 2 O3 B1 fan; June 3 O4 B3 fan, O5 B4; June 5 O6 and O7, both B5.
    # Buyers B1..B6 = 6.  Two orders or more: B1 (June 1 and 2, and May 10), B5 (twice on June 5);
    # B2's second order (June 10) is outside.  Fans B1, B3: B1 again; non-fans B2, B4, B5, B6: B5.
    con = tiny_con
    assert buyer_sets.build(con) == 3
    reads = _orders_reads(monkeypatch)
    period = Period(start, D(2025, 6, 5))
    df, used = _used_sets(con, Query.make(HEADLINE, period=period))
    assert used and reads == []
    assert df.row(0, named=True) == {"buyers": 6, "repurchase_rate": 2 / 6, "fan_repurchase_rate": 1 / 2,
                                     "nonfan_repurchase_rate": 1 / 4}
    # by store: S1 B1, B2 (O1 O2 O3, and O9 from May 1) | S2 B3, B4 | S3 B6 (May 23), B5
    by_store, used = _used_sets(con, Query.make(["buyers"], ["store"], period))
    assert used and reads == []
    assert dict(by_store.select("store", "buyers").iter_rows()) == {"S1": 2, "S2": 2, "S3": 2}
    # by product (the product layout's day sets): P1 B1, B2 | P2 B3 (O4; O5 is P2 too: B4) | P3 B6, B5
    by_product, used = _used_sets(con, Query.make(["buyers"], ["product"], period))
    assert used and reads == []
    expected = dict(store.fetchall(con, "SELECT product_id, count(DISTINCT buyer_id) FROM orders "
                                        "WHERE paid_at >= ? AND paid_at < ? GROUP BY 1",
                                   [period.start_ts, period.end_ts_exclusive]))
    assert dict(by_product.select("product", "buyers").iter_rows()) == expected


def test_a_day_of_one_day_is_its_day_set(tiny_con, monkeypatch):
    # June 5 alone: O6 and O7, both B5 (non-fan) -> 1 buyer, a repurchaser
    assert buyer_sets.build(tiny_con) == 3
    reads = _orders_reads(monkeypatch)
    df, used = _used_sets(tiny_con, Query.make(HEADLINE, period=Period(D(2025, 6, 5), D(2025, 6, 5))))
    assert used and reads == []
    assert df.row(0, named=True) == {"buyers": 1, "repurchase_rate": 1.0, "fan_repurchase_rate": None,
                                     "nonfan_repurchase_rate": 1.0}


def test_days_of_a_month_without_sets_are_read_from_orders(tiny_con, monkeypatch):
    con = tiny_con
    assert buyer_sets.build(con) == 3
    with store.transaction(con):
        buyer_sets.invalidate(con, [D(2025, 6, 1)])  # as a write to June does, before the rebuild
    reads = _orders_reads(monkeypatch)
    df, used = _used_sets(con, Query.make(HEADLINE, period=Period(D(2025, 5, 15), D(2025, 6, 5))))
    assert used and reads == [(D(2025, 6, 1), D(2025, 6, 6))]  # May 15-31 from May's day sets
    assert df.row(0, named=True) == {"buyers": 6, "repurchase_rate": 2 / 6, "fan_repurchase_rate": 1 / 2,
                                     "nonfan_repurchase_rate": 1 / 4}


@pytest.mark.parametrize("period", [Period(D(2025, 3, 10), D(2025, 5, 20)), Period(D(2025, 4, 10), D(2025, 4, 20)),
                                    Period(D(2025, 5, 31), D(2025, 6, 1))], ids=str)
def test_day_sets_give_the_figures_of_plain_sql_and_read_no_orders(group, monkeypatch, period):
    reads = _orders_reads(monkeypatch)
    df, used = _used_sets(group, Query.make(HEADLINE, period=period))
    assert used and reads == []
    b, rep, fan, fan_rep = _plain(group, period).get("all", (0, 0, 0, 0))
    assert df.row(0, named=True) == {"buyers": b, "repurchase_rate": rep / b, "fan_repurchase_rate": fan_rep / fan,
                                     "nonfan_repurchase_rate": (rep - fan_rep) / (b - fan)}
    split, _ = _used_sets(group, Query.make(["buyers", "repurchase_rate"], ["store"], period))
    plain = _plain(group, period, by="o.store_id")
    assert {r["store"]: (r["buyers"], r["repurchase_rate"]) for r in split.iter_rows(named=True)} == \
        {s: (v[0], v[1] / v[0]) for s, v in plain.items()}


def test_a_copy_rebuilds_every_table_of_sets_instead_of_copying_it():
    from cockpit import copy

    # copied as well as rebuilt, a month's sets would be there twice
    assert set(buyer_sets.TABLES) <= set(copy._NEVER)
