"""ClickHouse keeps each session's live buyers (cockpit.rollups: _orders_live_kept,
checked against the fingerprint ClickHouse keeps in _orders_live_fp): on chDB the
session rows read from ``orders_live`` are the plain count of distinct live buyers at
every step of an import, a replace, the same file twice, a staged batch and an undo,
whether the kept counts are current (after ``buyer_sets.build``) or not yet."""

from cockpit import batches, buyer_sets, query, rollups, schema, store
from cockpit.query import Query
from tests.conftest import TINY, load_tiny

LIVES = ["L0", "L1", "L2", "L3", "L4"]


def _read(con) -> dict[str, int]:
    """What the sessions list shows: live buyers per session through the query layer."""
    q = Query.make(["live_buyers"], ["live"], None, {"live": LIVES})
    assert "FROM orders_live r" in query.build_sql(q)[0]
    return {r["live"]: r["live_buyers"] for r in query.run(con, q).iter_rows(named=True)}


def _plain(con) -> dict[str, int]:
    rows = con.fetchall("SELECT live_id, count(DISTINCT buyer_id) FROM orders WHERE channel = 'live' "
                        "AND live_id IS NOT NULL GROUP BY live_id")
    return {lid: n for lid, n in rows}


def _stale(con) -> set[str]:
    return {r[0] for r in con.fetchall(rollups._CH_STALE)}


def _check(con, expected: dict[str, int], stale: set[str]) -> None:
    assert _stale(con) == stale
    assert _read(con) == expected
    assert _plain(con) == expected


# by hand (conftest's tiny group): L0 B1 | L1 B1, B2 | L2 B3 | L3 B5 | L4 B2
TINY_LIVE = {"L0": 1, "L1": 2, "L2": 1, "L3": 1, "L4": 1}


def test_kept_counts_stay_exact_through_every_write(tiny_chdb):
    con = tiny_chdb
    _check(con, TINY_LIVE, set(LIVES))  # nothing kept yet: every session regrouped by the reader
    buyer_sets.build(con)
    _check(con, TINY_LIVE, set())

    # O2 (L1) now belongs to B1: L1 has one live buyer; its kept count is stale at once
    fix = [dict(TINY["orders"][1], buyer_id="B1")]
    bid = batches.write_batch(con, "orders", schema.frame("orders", fix), file_name="fix.csv")
    after_fix = {**TINY_LIVE, "L1": 1}
    _check(con, after_fix, {"L1"})
    assert rollups.refresh_live_counts(con) == 1
    _check(con, after_fix, set())

    # the same file again changes nothing, not even what is kept
    again = batches.write_batch(con, "orders", schema.frame("orders", fix), file_name="fix-again.csv")
    _check(con, after_fix, set())

    # a staged batch shows nothing until its commit, then all of it
    new = [dict(TINY["orders"][3], order_id="N1", buyer_id="B9"), dict(TINY["orders"][7], order_id="N2", buyer_id="B9")]
    seen = []
    new_bid = batches.write_batch(con, "orders", schema.frame("orders", new), file_name="new.csv",
                        before_commit=lambda: seen.append((_read(con), _stale(con))))
    assert seen == [(after_fix, set())]
    after_new = {**after_fix, "L2": 2, "L4": 2}
    _check(con, after_new, {"L2", "L4"})
    buyer_sets.build(con)
    _check(con, after_new, set())

    # undo the two fixes: L1 back to two buyers, a state already counted (its kept count
    # is current again, no upkeep needed)
    batches.undo_batch(con, again)
    _check(con, after_new, set())
    batches.undo_batch(con, bid)
    _check(con, {**after_new, "L1": 2}, set())
    # and undo the new orders: L2 and L4 back as well
    batches.undo_batch(con, new_bid)
    _check(con, TINY_LIVE, set())
    buyer_sets.build(con)
    _check(con, TINY_LIVE, set())


def test_a_kept_count_is_read_only_while_its_fingerprint_is_current(tiny_chdb):
    con = tiny_chdb
    buyer_sets.build(con)
    con.execute(f'TRUNCATE TABLE "{rollups.LIVE_KEPT}"')
    _check(con, TINY_LIVE, set(LIVES))  # nothing kept: every session regrouped, right
    now = "now64(6, 'UTC')"
    # a kept row with the current fingerprint is what readers get (a wrong count here, to see it)
    con.execute(f'INSERT INTO "{rollups.LIVE_KEPT}" SELECT live_id, 7, orders, fp1, fp2, {now} '
                f'FROM "{rollups.LIVE_FP}" WHERE live_id = ?', ["L3"])
    # one with another fingerprint is not: that session is regrouped
    con.execute(f'INSERT INTO "{rollups.LIVE_KEPT}" SELECT live_id, 99, orders, fp1 + 1, fp2, {now} '
                f'FROM "{rollups.LIVE_FP}" WHERE live_id = ?', ["L2"])
    assert _stale(con) == set(LIVES) - {"L3"}
    assert _read(con) == {**TINY_LIVE, "L3": 7}
    assert rollups.refresh_live_counts(con) == 4  # the stale ones only
    assert _stale(con) == set()
    assert _read(con) == {**TINY_LIVE, "L3": 7}
    con.execute(f'TRUNCATE TABLE "{rollups.LIVE_KEPT}"')
    assert rollups.refresh_live_counts(con) == 5
    _check(con, TINY_LIVE, set())


def test_a_session_whose_live_orders_all_left_is_kept_as_none(tiny_chdb):
    con = tiny_chdb
    buyer_sets.build(con)
    # L3's only live order (O7) moves to the mall: L3 has no live buyers left
    moved = batches.write_batch(con, "orders", schema.frame("orders", [dict(TINY["orders"][6], channel="mall",
                                                                             live_id=None)]), file_name="move.csv")
    assert _read(con).get("L3", 0) == 0 and "L3" not in _plain(con)
    buyer_sets.build(con)
    assert _stale(con) == set()
    assert _read(con).get("L3", 0) == 0
    batches.undo_batch(con, moved)
    buyer_sets.build(con)
    _check(con, TINY_LIVE, set())


def test_an_older_layout_is_rebuilt_with_its_counts_kept(db_url_chdb):
    con = store.connect(db_url_chdb)
    load_tiny(con)
    store.set_meta(con, rollups.CLICKHOUSE_META_KEY, "3")
    con.execute(f'DROP TABLE "{rollups.LIVE_KEPT}"')
    con.close()
    con = store.connect(db_url_chdb)
    try:
        rollups.ensure(con)
        assert store.meta(con, rollups.CLICKHOUSE_META_KEY) == rollups.CLICKHOUSE_VERSION
        _check(con, TINY_LIVE, set())  # kept at once by the rebuild, no upkeep needed
    finally:
        con.close()


def test_a_copy_counts_its_own_sessions(tiny_chdb, _chdb_folder):
    """``cockpit copy`` between two ClickHouse databases never copies the kept counts or
    their fingerprints (derived, "_" names): the target keeps its own, current at once."""
    import os

    from cockpit import copy

    buyer_sets.build(tiny_chdb)
    dst_url = f"chdb://{_chdb_folder}?database=kept_dst_{os.getpid()}"
    dst = store.connect(dst_url)
    try:
        assert not {rollups.LIVE_KEPT, rollups.LIVE_FP} & set(copy.plan(tiny_chdb, dst))
        assert all(c.ok for c in copy.copy(tiny_chdb, dst))
        _check(dst, TINY_LIVE, set())
    finally:
        dst.execute(f"DROP DATABASE IF EXISTS `kept_dst_{os.getpid()}`")
        dst.close()
