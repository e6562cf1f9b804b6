"""Dense buyer keys (cockpit.buyer_keys) and the distinct-buyer paths that read them.

The keys must stay a 1:1 map of buyer_id through imports, upserts, undo and the upgrade
of an older file; and every way the query builder counts buyers (hashed, as a bitmap,
folded into the repurchase grouping) must give what a plain COUNT(DISTINCT buyer_id)
over the orders gives, computed here straight in SQL.
"""

import datetime as dt

import pytest

from cockpit import batches, buyer_counts, buyer_keys, query, schema, store
from cockpit import statements  # the switches and checks of the statement builder
from cockpit.periods import Period
from cockpit.query import Query

JUNE = Period(dt.date(2025, 6, 1), dt.date(2025, 6, 30))


@pytest.fixture(autouse=True)
def _without_buyer_sets(monkeypatch):
    """The paths here are those the query takes when no buyer sets answer (a channel
    filter, a time split): tests/test_buyer_sets.py covers the sets."""
    monkeypatch.setattr(buyer_counts, "use_buyer_sets", False)
ALL = Period(dt.date(2024, 1, 1), dt.date(2025, 12, 31))


def _assert_one_to_one(con):
    # every stored order (and archived one) carries the key of its buyer_id
    for t in ("orders", store.replaced_table("orders")):
        bad = store.scalar(con, f'SELECT count(*) FROM "{t}" o LEFT JOIN buyers b USING (buyer_id) '
                                "WHERE o.buyer_key IS DISTINCT FROM b.buyer_key")
        assert bad == 0, t
    n, ids, keys, lo, hi = store.fetchall(
        con, "SELECT count(*), count(DISTINCT buyer_id), count(DISTINCT buyer_key), min(buyer_key), "
             "max(buyer_key) FROM buyers")[0]
    assert n == ids == keys and (lo, hi) == (1, n)  # unique both ways and dense


def _order(oid, buyer, day=20, amount="10.00"):
    return dict(order_id=oid, paid_at=dt.datetime(2025, 6, day, 12), store_id="S1", channel="mall",
                buyer_id=buyer, paid_amount=amount, is_fan=False)


def test_keys_follow_import_upsert_and_undo(tiny_con):
    con = tiny_con
    _assert_one_to_one(con)
    assert store.scalar(con, "SELECT count(*) FROM buyers") == 6  # B1..B6 of the tiny group
    before = dict(store.fetchall(con, "SELECT buyer_id, buyer_key FROM buyers"))

    b1 = batches.write_batch(con, "orders", schema.frame("orders", [
        _order("N1", "B1"), _order("N2", "B7"), _order("N3", "B7"), _order("N4", "B8"),
    ]), file_name="new")
    keys = dict(store.fetchall(con, "SELECT buyer_id, buyer_key FROM buyers"))
    assert {k: keys[k] for k in before} == before  # existing buyers keep their key
    assert sorted(keys[b] for b in ("B7", "B8")) == [7, 8]
    _assert_one_to_one(con)

    # an upsert moving an order to another buyer, then undo of both batches
    b2 = batches.write_batch(con, "orders", schema.frame("orders", [_order("O1", "B9"), _order("N2", "B1")]),
                             file_name="upsert")
    _assert_one_to_one(con)
    assert store.scalar(con, "SELECT buyer_key FROM orders WHERE order_id = 'O1'") == 9
    batches.undo_batch(con, b2)
    _assert_one_to_one(con)
    assert store.scalar(con, "SELECT buyer_key FROM orders WHERE order_id = 'O1'") == before["B1"]
    batches.undo_batch(con, b1)
    _assert_one_to_one(con)
    assert store.scalar(con, "SELECT count(*) FROM orders WHERE buyer_key IS NULL") == 0


def test_an_older_file_gets_its_keys_on_open_even_read_only(tiny_db):
    con = store.connect(tiny_db)
    # the file as a cockpit before buyer keys wrote it
    for t in ("orders", store.replaced_table("orders")):
        con.execute(f'ALTER TABLE "{t}" DROP COLUMN buyer_key')
    con.execute("DROP TABLE buyers")
    con.execute("DELETE FROM cockpit_meta WHERE key = ?", [buyer_keys.META_KEY])
    con.close()

    ro = store.connect(tiny_db, read_only=True)  # cockpit query / export
    _assert_one_to_one(ro)
    june = query.run(ro, Query.make(["buyers", "repurchase_rate"], period=JUNE)).row(0, named=True)
    assert june == {"buyers": 5, "repurchase_rate": pytest.approx(3 / 5)}  # B1, B2, B5 twice of B1-B5
    ro.close()


def test_an_old_file_another_reader_holds_cannot_be_upgraded_and_says_so(tiny_db):
    con = store.connect(tiny_db)
    con.execute("DELETE FROM cockpit_meta WHERE key = ?", [buyer_keys.META_KEY])
    con.close()
    import subprocess
    import sys
    holder = subprocess.Popen([sys.executable, "-c", (
        "import duckdb, sys, time; c = duckdb.connect(sys.argv[1], read_only=True); print('ok', flush=True); time.sleep(30)"
    ), str(tiny_db)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ok"
        with pytest.raises(store.StoreError, match="in use by another process.*older cockpit.*stop the other process"):
            store.connect(tiny_db, read_only=True)
    finally:
        holder.kill()
        holder.wait()


# ---------------------------------------------------------------------------
# Every path of the distinct counts against plain SQL over buyer_id


def _by_hand(con, dim_sql: str | None, where: str = "TRUE", params=None, live_only=False):
    """COUNT(DISTINCT buyer_id) in June, written independently of the query builder."""
    cond = "o.channel = 'live' AND " if live_only else ""
    group = f"{dim_sql}, " if dim_sql else ""
    rows = store.fetchall(con, (
        f"SELECT {group}COUNT(DISTINCT o.buyer_id) FROM orders o LEFT JOIN stores s USING (store_id) "
        f"LEFT JOIN accounts a ON a.account_id = o.account_id "
        f"WHERE {cond}o.paid_at >= '2025-06-01' AND o.paid_at < '2025-07-01' AND {where} "
        f"{'GROUP BY ALL' if dim_sql else ''}"), params or [])
    return {r[:-1] if dim_sql else (): r[-1] for r in rows}


def _by_query(con, metric, dims, filters=None):
    df = query.run(con, Query.make([metric], dims, JUNE, filters, labels=False))
    return {tuple(r[:-1]): r[-1] for r in df.select([*dims, metric]).iter_rows() if r[-1]}


CASES = [  # (dims, filters, SQL of the dims, extra WHERE)
    ([], None, None, "TRUE"),
    (["store"], None, "o.store_id", "TRUE"),
    (["store", "store_type"], {"store": ["S1", "S3"]}, "o.store_id, s.store_type", "o.store_id IN ('S1', 'S3')"),
    (["account", "account_type"], None, "o.account_id, a.account_type", "TRUE"),
    (["product"], {"product": ["P1", "P2"]}, "o.product_id", "o.product_id IN ('P1', 'P2')"),
    (["day"], None, "CAST(o.paid_at AS DATE)", "TRUE"),
    (["channel"], None, "o.channel", "TRUE"),
    (["live"], None, "o.live_id", "TRUE"),
    ([], {"brand": ["山野茶"]}, None, "s.brand = '山野茶'"),
]


@pytest.mark.parametrize("bitmaps", [True, False])
@pytest.mark.parametrize("dims,filters,dim_sql,where", CASES)
def test_buyers_every_path_matches_plain_sql(tiny_con, bitmaps, dims, filters, dim_sql, where):
    try:
        statements.use_bitmaps = bitmaps
        sql, _ = query.build_sql(Query.make(["buyers"], dims, JUNE, filters), buyer_max=6)
        assert ("bitstring_agg" in sql) == (bitmaps and statements._groups_bound(Query.make([], dims, JUNE, filters))
                                            is not None)
        assert _by_query(tiny_con, "buyers", dims, filters) == _by_hand(tiny_con, dim_sql, where)
        assert _by_query(tiny_con, "live_buyers", dims, filters) == \
            {k: v for k, v in _by_hand(tiny_con, dim_sql, where, live_only=True).items() if v}
    finally:
        statements.use_bitmaps = True


def test_buyers_folds_into_the_repurchase_grouping(tiny_con):
    q = Query.make(["buyers", "aov", "repurchase_rate"], ["store"], JUNE)
    sql, _ = query.build_sql(q, buyer_max=6)
    assert "COUNT(DISTINCT" not in sql and "bitstring_agg" not in sql  # one per-buyer grouping answers both
    got = {r["store"]: r["buyers"] for r in query.run(tiny_con, q).iter_rows(named=True)}
    assert got == {k[0]: v for k, v in _by_hand(tiny_con, "o.store_id").items()}


def test_bitmaps_only_for_few_groups():
    bound = lambda *a, **kw: statements._groups_bound(Query.make(["buyers"], *a, **kw))  # noqa: E731
    assert bound([], JUNE) == 1
    assert bound(["store", "store_type"], JUNE, {"store": ["S1", "S2"]}) == 2 * 3  # 2 types and null
    assert bound(["day"], JUNE) == 30
    assert bound(["store"], JUNE) is None  # any number of stores
    assert bound(["product"], JUNE, {"brand": ["山野茶"]}) is None
    # groups x buyer keys must fit the budget
    q = Query.make(["buyers"], ["day"], JUNE)
    assert statements._bitmaps_fit(q, 1000)
    assert not statements._bitmaps_fit(q, statements.BITMAP_BUDGET_BITS // 30 + 1)
    assert not statements._bitmaps_fit(q, None)


# ---------------------------------------------------------------------------
# Repurchase and buyers in NumPy (Source.vector) against the SQL grouping

BUYER_METRICS = ["buyers", "aov", "repurchase_rate", "fan_repurchase_rate", "nonfan_repurchase_rate"]


def _both_ways(con, q: Query):
    try:
        buyer_counts.use_vectors = False
        plain = query.run(con, q)
        buyer_counts.use_vectors = True
        fast = query.run(con, q)
    finally:
        buyer_counts.use_vectors = True
    return fast, plain


@pytest.mark.parametrize("filters", [None, {"brand": ["山野茶"]}, {"store": ["S1", "S3"]}, {"account": ["A1", "D1"]},
                                     {"channel": ["live"]}, {"agency": ["星河"]}, {"brand": ["nobody"]}])
@pytest.mark.parametrize("period", [JUNE, ALL, Period(dt.date(2025, 6, 2), dt.date(2025, 6, 4))])
def test_vector_path_matches_the_sql_grouping(tiny_con, filters, period):
    q = Query.make(BUYER_METRICS, (), period, filters)
    assert buyer_counts.vectors(tiny_con, q, 6, None) is not None  # the NumPy path is taken
    fast, plain = _both_ways(tiny_con, q)
    assert fast.to_dicts() == plain.to_dicts()


def test_vector_path_under_a_scope_and_by_hand(tiny_con):
    q = Query(tuple(BUYER_METRICS), (), JUNE, scope=(("store", ("S1",)),))
    fast, plain = _both_ways(tiny_con, q)
    assert fast.to_dicts() == plain.to_dicts()
    # by hand, S1 in June: O1 B1 fan, O2 B2, O3 B1 fan, O8 B2 -> 2 buyers, both repeat; B1 a fan
    row = fast.row(0, named=True)
    assert (row["buyers"], row["repurchase_rate"], row["fan_repurchase_rate"], row["nonfan_repurchase_rate"]) == \
        (2, 1.0, 1.0, 1.0)


def test_vector_path_only_without_a_split_and_within_budget(tiny_con):
    assert buyer_counts.vectors(tiny_con, Query.make(["repurchase_rate"], ["store"], JUNE), 6, None) is None
    q = Query.make(["repurchase_rate"], (), JUNE)
    assert buyer_counts.vectors(tiny_con, q, buyer_counts.VECTOR_BUDGET_BINS, None) is None
    assert buyer_counts.vectors(tiny_con, q, None, None) is None


@pytest.mark.parametrize("n,key_max", [(0, 10), (1, 10), (40, 1000), (5000, 100), (3000, 200_000)])
def test_per_buyer_arrays_on_both_paths_against_a_plain_count(n, key_max):
    import numpy as np

    from cockpit import metrics as reg

    rng = np.random.default_rng(n)
    keys, fans = rng.integers(1, key_max + 1, n), rng.integers(0, 2, n)
    per = {}
    for k, f in zip(keys.tolist(), fans.tolist()):
        c, fan = per.get(k, (0, False))
        per[k] = (c + 1, fan or f == 1)
    arrays = reg._per_buyer((keys * 2 + fans).astype(np.int32), key_max)
    got = {m: int(reg.MEASURES[m].vector(arrays)) for m in
           ("buyers_b", "repeat_buyers", "fan_buyers", "fan_repeat_buyers", "nonfan_buyers", "nonfan_repeat_buyers")}
    assert got == {
        "buyers_b": len(per), "repeat_buyers": sum(c >= 2 for c, _ in per.values()),
        "fan_buyers": sum(f for _, f in per.values()), "fan_repeat_buyers": sum(f and c >= 2 for c, f in per.values()),
        "nonfan_buyers": sum(not f for _, f in per.values()),
        "nonfan_repeat_buyers": sum(not f and c >= 2 for c, f in per.values()),
    }


def test_the_bench_floor_of_a_numpy_figure_is_the_same_figure_in_sql(tiny_con):
    q = Query.make(["buyers", "repurchase_rate"], (), JUNE, {"brand": ["山野茶"]})
    with query.recording() as calls:
        row = query.run(tiny_con, q).row(0, named=True)
    (floor_sql, floor_params), = [c[3] for c in calls if len(c) > 3]
    floor = tiny_con.sql(floor_sql, params=floor_params or None).pl().row(0, named=True)
    assert floor["buyers"] == row["buyers"] == 4  # B1 B2 B3 B4 in 山野茶's June
    assert floor["repeat_buyers"] / floor["buyers_b"] == row["repurchase_rate"] == 0.5  # B1, B2


def test_a_buyer_who_arrives_between_reading_the_largest_key_and_counting_is_counted(tiny_con, monkeypatch):
    """The largest key is read (through the cache) before the count that sizes its bitmap
    by it; an import committing in between (the inbox, the live board's today card) adds
    a larger key.  The count must still answer, and count the newcomer."""
    q = Query.make(["live_buyers"], [], JUNE, {"day": [dt.date(2025, 6, 10)]}, labels=False)
    sql, _ = query.build_sql(q, buyer_max=6)
    assert "bitstring_agg" in sql
    assert query.run(tiny_con, q).item() == 1  # by hand: O8, B2
    read = buyer_keys.max_key
    stale = iter([6])  # what the page read just before the import below committed

    def max_key_then_import(con, run):
        got = next(stale, None)
        if got is None:
            return read(con, run)
        batches.write_batch(con, "orders", schema.frame("orders", [dict(
            order_id="N1", paid_at=dt.datetime(2025, 6, 10, 20, 30), store_id="S1", account_id="D1", live_id="L4",
            channel="live", buyer_id="B9", paid_amount="10.00", is_fan=False)]), file_name="inbox")
        return got

    monkeypatch.setattr(buyer_keys, "max_key", max_key_then_import)
    assert query.run(tiny_con, q).item() == 2  # B2 and the newcomer B9 (key 7)
