"""ClickHouse's monthly buyer sets (cockpit.engine.clickhouse_buyers, through
cockpit.buyer_sets): on chDB, the buyers, repurchasers and fan buyers a plain
ClickHouse SQL count over the orders gives; never stale after an import or an undo
(stamps, not hooks on the writes); one dense key per buyer."""

import datetime as dt

import pytest

from cockpit import batches, buyer_sets, query, schema, store
from cockpit.engine import clickhouse_buyers as chb
from cockpit.periods import Period
from cockpit.query import Query
from tests.conftest import load_random_group, load_tiny

D = dt.date


def _used_sets(con, q):
    with query.recording() as calls:
        df = query.run(con, q)
    return df, any(c[0].startswith("buyer sets") for c in calls)


def _plain(con, period: Period, where: str = "1", by: str | None = None):
    """{group: (buyers, repurchasers, fan buyers, fan repurchasers)} in plain ClickHouse SQL."""
    key = by or "'all'"
    rows = store.fetchall(con, f"""
        SELECT g, count(), countIf(n >= 2), countIf(fan = 1), countIf(fan = 1 AND n >= 2)
        FROM (SELECT {key} AS g, o.buyer_id AS b, count() AS n, max(toUInt8(coalesce(o.is_fan, false))) AS fan
              FROM orders o JOIN stores s ON o.store_id = s.store_id LEFT JOIN accounts a ON o.account_id = a.account_id
              WHERE o.paid_at >= ? AND o.paid_at < ? AND {where} GROUP BY g, b)
        GROUP BY g""", [period.start_ts, period.end_ts_exclusive])
    return {g: tuple(r) for g, *r in rows}


@pytest.fixture
def ch_group(db_url_chdb):
    con = store.connect(db_url_chdb)
    load_random_group(con)
    assert buyer_sets.missing_months(con) == [D(2025, 3, 1), D(2025, 4, 1), D(2025, 5, 1), D(2025, 6, 1)]
    assert buyer_sets.build(con) == 4
    assert buyer_sets.missing_months(con) == []
    yield con
    con.close()


PERIODS = [
    Period(D(2025, 3, 1), D(2025, 6, 30)),  # whole months
    Period(D(2025, 3, 10), D(2025, 5, 20)),  # partial months at both ends: edge days from orders
    Period(D(2025, 4, 10), D(2025, 4, 20)),  # no month covered
]


def test_figures_match_plain_sql(ch_group):
    con = ch_group
    for period in PERIODS:
        for filters, where in [({}, "1"), ({"store": ["S1", "S3"]}, "o.store_id IN ('S1', 'S3')"),
                               ({"agency": ["星河"]}, "a.agency = '星河'")]:
            q = Query.make(["buyers", "repurchase_rate", "fan_repurchase_rate", "nonfan_repurchase_rate"],
                           period=period, filters=filters)
            df, used = _used_sets(con, q)
            assert used, (period, filters)
            b, rep, fan, fan_rep = _plain(con, period, where)["all"]
            row = df.row(0, named=True)
            assert row["buyers"] == b
            assert row["repurchase_rate"] == pytest.approx(rep / b)
            assert row["fan_repurchase_rate"] == pytest.approx(fan_rep / fan)
            assert row["nonfan_repurchase_rate"] == pytest.approx((rep - fan_rep) / (b - fan))
        for dim, col in [("store", "o.store_id"), ("account", "o.account_id"), ("product", "o.product_id"),
                         ("brand", "s.brand")]:
            df, used = _used_sets(con, Query.make(["buyers"], [dim], period))
            assert used
            assert dict(df.select(dim, "buyers").iter_rows()) == \
                {g: r[0] for g, r in _plain(con, period, by=col).items()}


def test_one_dense_key_per_buyer(ch_group):
    con = ch_group
    n_buyers = store.scalar(con, "SELECT uniqExact(buyer_id) FROM orders")
    assert store.fetchall(con, f"SELECT count(), uniqExact(buyer_key), uniqExact(dense), min(dense), max(dense) "
                               f"FROM {chb.DENSE}") == [(n_buyers, n_buyers, n_buyers, 1, n_buyers)]


def test_a_write_makes_its_month_stale_until_rebuilt_and_figures_stay_right(db_url_chdb):
    con = store.connect(db_url_chdb)
    try:
        load_tiny(con)
        buyer_sets.build(con)
        may_june = Period(D(2025, 5, 1), D(2025, 6, 30))
        q = Query.make(["buyers", "repurchase_rate"], period=may_june)
        df, used = _used_sets(con, q)
        # by hand (conftest's tiny group): B1..B6; B1 (May and June), B2 and B5 bought twice
        assert used and df.row(0) == (6, 3 / 6)

        # B6 buys again in June (a repurchaser across the month) and B7 is new
        new = [dict(order_id="N1", paid_at=dt.datetime(2025, 6, 20), store_id="S3", channel="mall", buyer_id="B6",
                    paid_amount="5.00", is_fan=False),
               dict(order_id="N2", paid_at=dt.datetime(2025, 6, 21), store_id="S3", channel="mall", buyer_id="B7",
                    paid_amount="5.00", is_fan=False)]
        batch = batches.write_batch(con, "orders", schema.frame("orders", new), file_name="june")
        assert buyer_sets.missing_months(con) == [D(2025, 6, 1)]  # May keeps its sets
        df, used = _used_sets(con, q)
        assert not used and df.row(0) == (7, 4 / 7)
        assert buyer_sets.build(con) == 1
        df, used = _used_sets(con, q)
        assert used and df.row(0) == (7, 4 / 7)

        batches.undo_batch(con, batch)
        assert buyer_sets.missing_months(con) == [D(2025, 6, 1)]
        df, used = _used_sets(con, q)
        assert not used and df.row(0) == (6, 3 / 6)
        buyer_sets.build(con)
        df, used = _used_sets(con, q)
        assert used and df.row(0) == (6, 3 / 6)
        # the superseded builds' rows stay for readers a while: the month reads its own token only
        assert store.scalar(con, "SELECT count() FROM buyer_sets_built WHERE month = ?", [D(2025, 6, 1)]) == 3
    finally:
        con.close()


def test_a_correction_that_only_moves_an_order_to_another_buyer_stays_stale_through_merges(db_url_chdb):
    """The order's day, store, account, channel and amounts are unchanged, so the daily
    rollup's deltas of the correcting batch sum to zero.  A SummingMergeTree merge drops
    such rows; the month's stamp must still know the batch (else the stale sets read as
    current and June keeps counting B2 instead of B7)."""
    con = store.connect(db_url_chdb)
    try:
        load_tiny(con)
        buyer_sets.build(con)
        june = Period(D(2025, 6, 1), D(2025, 6, 30))
        q = Query.make(["buyers"], period=june)
        df, used = _used_sets(con, q)
        assert used and df.row(0) == (5,)  # by hand: B1, B2, B3, B4, B5
        o8 = con.execute("SELECT * FROM orders WHERE order_id = 'O8'").pl().to_dicts()[0]
        fixed = {k: o8[k] for k in schema.table("orders").column_names}
        fixed["buyer_id"] = "B7"  # O8 (B2's second June order) belonged to a new buyer B7
        batches.write_batch(con, "orders", schema.frame("orders", [fixed]), file_name="fix")
        for t in ("orders_daily__rows", "orders_product_daily__rows", "orders_product_account_daily__rows"):
            con.execute(f'OPTIMIZE TABLE "{t}" FINAL')  # the merge ClickHouse may run at any time
        assert buyer_sets.missing_months(con) == [D(2025, 6, 1)]
        df, _ = _used_sets(con, q)
        assert df.row(0) == (6,)  # B1, B2 (O2), B3, B4, B5, B7
        buyer_sets.build(con)
        df, used = _used_sets(con, q)
        assert used and df.row(0) == (6,)
    finally:
        con.close()
