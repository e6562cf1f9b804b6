"""Write guarantees on both engines (SPEC section 2's import rules; issue 14):

* the same file imported twice changes nothing;
* a newer row for a key replaces the older one;
* a file's rows become visible together or not at all;
* an import batch can be undone.

Where ClickHouse behaves differently from DuckDB, the test says so and shows what it does
(also written in the README's engine section)."""

from __future__ import annotations

import datetime as dt

import pytest

from cockpit import batches, schema, store
from tests.conftest import TINY, load_tiny


def _orders(con) -> dict[str, float]:
    return {r[0]: float(r[1]) for r in con.fetchall("SELECT order_id, paid_amount FROM orders")}


def _status(con, bid) -> str:
    return con.scalar("SELECT status FROM import_batches WHERE batch_id = ?", [bid])


def test_same_file_twice_changes_nothing(tiny_any):
    before = _orders(tiny_any)
    bid = batches.write_batch(tiny_any, "orders", schema.frame("orders", TINY["orders"]), file_name="again.csv")
    assert _orders(tiny_any) == before
    assert tiny_any.scalar("SELECT count(*) FROM orders") == 11
    assert _status(tiny_any, bid) == "committed"
    assert tiny_any.scalar("SELECT count(*) FROM orders WHERE _batch_id = ?", [bid]) == 11  # now its rows


def test_newer_row_replaces_older(tiny_any):
    o1 = dict(TINY["orders"][0], paid_amount="180.00")
    batches.write_batch(tiny_any, "orders", schema.frame("orders", [o1]), file_name="fix.csv")
    got = _orders(tiny_any)
    assert got["O1"] == 180.0 and len(got) == 11
    # the key with a nullable part (ad_spend: date, account, live_id NULL) is replaced too
    ad = dict(TINY["ad_spend"][1], spend="75.00")
    batches.write_batch(tiny_any, "ad_spend", schema.frame("ad_spend", [ad]), file_name="ads.csv")
    rows = tiny_any.fetchall("SELECT spend FROM ad_spend WHERE account_id = 'D1'")
    assert [float(r[0]) for r in rows] == [75.0]


def test_a_file_is_all_or_nothing(tiny_any):
    """A failure before the commit leaves what readers see as it was."""
    before = _orders(tiny_any)
    version = store.data_version(tiny_any)
    rows = [dict(TINY["orders"][0], paid_amount="999.00"), dict(TINY["orders"][1], order_id="O99")]

    def die():
        # mid-write: a second connection (another reader) sees nothing of the batch yet
        other = tiny_any.cursor()
        try:
            assert _orders(other) == before
        finally:
            other.close()
        raise KeyboardInterrupt("killed")

    with pytest.raises(KeyboardInterrupt):
        batches.write_batch(tiny_any, "orders", schema.frame("orders", rows), file_name="half.csv", before_commit=die)
    assert _orders(tiny_any) == before
    assert store.data_version(tiny_any) == version
    left = tiny_any.fetchall("SELECT status FROM import_batches WHERE file_name = 'half.csv'")
    # DuckDB rolls the whole transaction back; ClickHouse discards the staged batch, its
    # line in the import history included
    assert left == []


def test_undo_restores_what_the_batch_replaced(tiny_any):
    before = _orders(tiny_any)
    rows = [dict(TINY["orders"][0], paid_amount="180.00"), dict(TINY["orders"][1], order_id="O99")]
    bid = batches.write_batch(tiny_any, "orders", schema.frame("orders", rows), file_name="fix.csv")
    assert _orders(tiny_any)["O1"] == 180.0 and "O99" in _orders(tiny_any)
    removed = batches.undo_batch(tiny_any, bid)
    assert removed == 2
    assert _orders(tiny_any) == before
    assert _status(tiny_any, bid) == "undone"
    with pytest.raises(batches.UndoError, match="already undone"):
        batches.undo_batch(tiny_any, bid)


def test_undo_refused_when_a_later_batch_replaced_its_rows(tiny_any):
    first = batches.write_batch(tiny_any, "orders", schema.frame("orders", [dict(TINY["orders"][0], paid_amount="1")]),
                                file_name="a.csv")
    batches.write_batch(tiny_any, "orders", schema.frame("orders", [dict(TINY["orders"][0], paid_amount="2")]),
                        file_name="b.csv")
    with pytest.raises(batches.UndoError, match="later imports replaced"):
        batches.undo_batch(tiny_any, first)
    assert _orders(tiny_any)["O1"] == 2.0


def test_clickhouse_two_writers_on_one_key(db_url):
    """ClickHouse has no single-writer lock.  Two imports writing the same key at the same
    moment: the batch that commits last wins, but between its commit and its clean-up
    step (milliseconds) readers see both rows.  DuckDB serialises the writers instead."""
    con = store.connect(db_url)
    try:
        load_tiny(con)
        seen = {}

        def meanwhile():  # another writer imports the same order and commits first
            other = con.cursor()
            try:
                batches.write_batch(other, "orders", schema.frame("orders", [dict(TINY["orders"][0], paid_amount="2")]),
                                    file_name="other.csv")
            finally:
                other.close()

        def at_commit():
            meanwhile()
            seen["before"] = con.fetchall("SELECT paid_amount FROM orders WHERE order_id = 'O1'")

        if con.kind == "duckdb":
            # one writer at a time: the other writer's import waits for this one (same process:
            # its lock; another process: DuckDB's file lock), so run it after
            batches.write_batch(con, "orders", schema.frame("orders", [dict(TINY["orders"][0], paid_amount="1")]),
                                file_name="mine.csv")
            meanwhile()
            assert [float(r[0]) for r in con.fetchall("SELECT paid_amount FROM orders WHERE order_id = 'O1'")] == [2.0]
            return
        batches.write_batch(con, "orders", schema.frame("orders", [dict(TINY["orders"][0], paid_amount="1")]),
                            file_name="mine.csv", before_commit=at_commit)
        assert [float(r[0]) for r in seen["before"]] == [2.0]  # the other batch committed: its row alone
        # after this batch's commit and clean-up: its row alone (it committed last)
        assert [float(r[0]) for r in con.fetchall("SELECT paid_amount FROM orders WHERE order_id = 'O1'")] == [1.0]
        assert con.scalar("SELECT count(*) FROM orders") == 11
    finally:
        con.close()


def test_clickhouse_recovers_an_abandoned_batch(db_url):
    """A writer killed outright (no exception handler ran) leaves a ``staging`` batch:
    invisible to readers, discarded by the next writer that opens the database."""
    con = store.connect(db_url)
    try:
        load_tiny(con)
        if con.kind == "duckdb":
            assert batches.recover(con) == 0  # DuckDB's transaction already rolled it back
            return
        before = _orders(con)
        stale = dt.datetime(2000, 1, 1)
        con.execute("INSERT INTO import_batches (batch_id, file_name, table_name, started_at, status) "
                    "VALUES (1, 'killed.csv', 'orders', ?, 'staging')", [stale])
        con.insert("orders__rows", schema.frame("orders", [dict(TINY["orders"][0], order_id="O77")])
                   .with_columns(__import__("polars").lit(1, dtype=__import__("polars").Int64).alias("_batch_id")))
        assert _orders(con) == before  # never visible
        assert batches.recover(con) == 1
        assert _status(con, 1) is None  # discarded, its history line with it
        assert con.scalar("SELECT count(*) FROM orders__rows WHERE _batch_id = 1") == 0
    finally:
        con.close()


# --- the daily rollups follow every write, on both engines -----------------------------
# (DuckDB rewrites them inside the write's transaction; ClickHouse keeps per-batch deltas
# through materialized views, visible with the batch: cockpit.rollups)

_PLAIN = {  # each rollup recomputed from orders, written out plainly here
    "orders_daily": "CAST(paid_at AS DATE), store_id, account_id, channel, is_fan, live_id",
    "orders_product_daily": "CAST(paid_at AS DATE), store_id, product_id",
    "orders_product_account_daily": "CAST(paid_at AS DATE), store_id, account_id, product_id",
}


def _rollup_rows(con, table: str) -> list[tuple]:
    keys = ", ".join(k.split(" AS ")[0] for k in ["day", *_PLAIN[table].split(", ")[1:]])
    rows = con.fetchall(
        f"SELECT {keys}, SUM(gmv), SUM(refund_amount), SUM(orders), SUM(shipped_48h) FROM {table} "
        f"GROUP BY {keys} HAVING SUM(orders) <> 0")
    return sorted((tuple(float(v) if hasattr(v, "as_tuple") else v for v in r) for r in rows), key=repr)


def _plain_rows(con, table: str) -> list[tuple]:
    rows = con.fetchall(
        f"SELECT {_PLAIN[table]}, SUM(paid_amount), SUM(COALESCE(refund_amount, 0)), COUNT(*), "
        "SUM(CASE WHEN shipped_at IS NOT NULL AND shipped_at <= paid_at + INTERVAL 48 HOUR THEN 1 ELSE 0 END) "
        f"FROM orders GROUP BY {_PLAIN[table]}")
    return sorted((tuple(float(v) if hasattr(v, "as_tuple") else v for v in r) for r in rows), key=repr)


def _rollups_agree(con) -> None:
    for table in _PLAIN:
        assert _rollup_rows(con, table) == _plain_rows(con, table), table
    live = con.fetchall("SELECT live_id, live_buyers FROM orders_live WHERE live_buyers > 0 ORDER BY live_id")
    assert live == con.fetchall("SELECT live_id, COUNT(DISTINCT buyer_id) FROM orders WHERE channel = 'live' "
                                "AND live_id IS NOT NULL GROUP BY live_id ORDER BY live_id")


def test_rollups_follow_every_write(tiny_any):
    con = tiny_any
    _rollups_agree(con)
    # O1 changes amount and day, O2 moves to another store, O99 is new
    fix = [dict(TINY["orders"][0], paid_amount="180.00", paid_at=dt.datetime(2025, 6, 4, 9, 0)),
           dict(TINY["orders"][1], store_id="S2", product_id="P2", buyer_id="B1"),  # L1's live buyers: B1 only
           dict(TINY["orders"][2], order_id="O99", shipped_at=None)]
    bid = batches.write_batch(con, "orders", schema.frame("orders", fix), file_name="fix.csv")
    _rollups_agree(con)
    assert con.scalar("SELECT SUM(gmv) FROM orders_daily WHERE day = ?", [dt.date(2025, 6, 4)]) == 180
    again = batches.write_batch(con, "orders", schema.frame("orders", fix), file_name="fix-again.csv")
    _rollups_agree(con)
    batches.undo_batch(con, again)
    batches.undo_batch(con, bid)
    _rollups_agree(con)
    # back to the hand-worked June: 1250.00 over 8 orders, 6 shipped within 48 h
    assert [float(x) for x in con.fetchall(
        "SELECT SUM(gmv), SUM(orders), SUM(shipped_48h) FROM orders_daily WHERE day >= ? AND day <= ?",
        [dt.date(2025, 6, 1), dt.date(2025, 6, 30)])[0]] == [1250.0, 8.0, 6.0]
    # a store whose June orders all left has no row in the rollup split by store
    only_s3 = [dict(o, store_id="S1") for o in TINY["orders"] if o["store_id"] == "S3"]
    moved = batches.write_batch(con, "orders", schema.frame("orders", only_s3), file_name="move.csv")
    _rollups_agree(con)
    stores = {r[0] for r in con.fetchall("SELECT store_id FROM orders_daily GROUP BY store_id HAVING SUM(orders) <> 0")}
    assert "S3" not in stores
    batches.undo_batch(con, moved)
    _rollups_agree(con)
