"""`cockpit copy`: the tiny group from DuckDB to chDB and back, every table counted, the
figures and the users intact on each side."""

from __future__ import annotations

import datetime as dt
import os

from cockpit import auth, batches, buyer_sets, periods, query, schema, store
from cockpit.cli import main
from tests.conftest import TINY, load_tiny

JUNE = periods.Period(dt.date(2025, 6, 1), dt.date(2025, 6, 30))


def _figures(con):
    df = query.run(con, query.Query.make(["gmv", "orders", "buyers", "peak_online"], ["store"], JUNE, order_by="store"))
    return [(r["store"], float(r["gmv"]), r["orders"], r["buyers"], r["peak_online"]) for r in df.to_dicts()]


def test_copy_duckdb_to_chdb_and_back(tmp_path, _chdb_folder, capsys):
    src = tmp_path / "src.duckdb"
    con = store.connect(src)
    load_tiny(con)
    bid = batches.write_batch(con, "orders", schema.frame("orders", [dict(TINY["orders"][0], paid_amount="180.00")]),
                              file_name="fix.csv")
    auth.create_user(con, "li", "correct horse", "brand_manager", grants=["山野茶"])
    expected = _figures(con)
    con.close()
    # S1 June: O1 (now 180) + O2 200 + O3 50 + O8 250; the rest as hand-worked in conftest
    assert expected[:3] == [("S1", 680.0, 4, 2, 120), ("S2", 380.0, 2, 2, 80), ("S3", 270.0, 2, 1, 50)]

    ch = f"chdb://{_chdb_folder}?database=copy_{os.getpid()}"
    assert main(["copy", "--db", str(src), "--to", ch]) == 0
    out = capsys.readouterr()
    assert "count check: every table has the same number of rows" in out.out
    assert "orders" in out.out and "users" in out.out and "audit_log" in out.out
    assert "100.0%" in out.err  # the progress bar ran to the end

    con = store.connect(ch)
    try:
        assert _figures(con) == expected
        assert auth.sign_in(con, "li", "correct horse").grants == ("山野茶",)
        assert con.scalar("SELECT count(*) FROM import_batches") == len(TINY) + 1
        # the copied history still works: the fix can be undone on ClickHouse
        batches.undo_batch(con, bid)
        assert float(con.scalar("SELECT paid_amount FROM orders WHERE order_id = 'O1'")) == 100.0
    finally:
        con.close()

    back = tmp_path / "back.duckdb"
    assert main(["copy", "--db", ch, "--to", str(back)]) == 0
    con = store.connect(back)
    try:
        assert _figures(con)[0] == ("S1", 600.0, 4, 2, 120)  # undone on ClickHouse, copied back
        assert con.scalar("SELECT count(*) FROM users") == 1
        # buyer keys, rollups and the batch sequence rebuilt on the target: an import still works
        batches.write_batch(con, "orders", schema.frame("orders", [dict(TINY["orders"][0], order_id="O50")]),
                            file_name="new.csv")
        assert con.scalar("SELECT count(*) FROM orders WHERE buyer_key IS NULL") == 0
        assert con.scalar("SELECT sum(orders) FROM orders_daily") == 12
    finally:
        con.close()
        c = store.connect(ch)
        c.execute(f"DROP DATABASE IF EXISTS copy_{os.getpid()}")
        c.close()


def test_copy_refuses_a_target_with_data(tiny_db, tmp_path, capsys):
    other = tmp_path / "other.duckdb"
    con = store.connect(other)
    load_tiny(con)
    con.close()
    assert main(["copy", "--db", str(tiny_db), "--to", str(other)]) == 2
    assert "is not empty" in capsys.readouterr().err
    assert main(["copy", "--db", str(tiny_db), "--to", "mysql://x"]) == 2
    assert "unknown database URL scheme" in capsys.readouterr().err


def test_copy_between_two_clickhouse_databases_rebuilds_the_dense_buyer_keys(_chdb_folder, capsys):
    """The dense-key dictionary belongs to the sets built from it: the target hands out its
    own (copied as well, every buyer would hold two keys and the target would refuse to
    build its sets)."""
    from cockpit import copy
    from cockpit.engine import clickhouse_buyers as chb

    src_url = f"chdb://{_chdb_folder}?database=dsrc_{os.getpid()}"
    dst_url = f"chdb://{_chdb_folder}?database=ddst_{os.getpid()}"
    src = store.connect(src_url)
    try:
        load_tiny(src)
        buyer_sets.build(src)
        expected = _figures(src)
        src_keys = src.scalar(f"SELECT count() FROM {chb.DENSE}")
        dst = store.connect(dst_url)
        try:
            assert chb.DENSE not in copy.plan(src, dst)
        finally:
            dst.close()
    finally:
        src.close()
    assert main(["copy", "--db", src_url, "--to", dst_url]) == 0
    capsys.readouterr()
    dst = store.connect(dst_url)
    try:
        assert _figures(dst) == expected
        # the tiny group's six buyers (B1-B6), each once, as on the source
        assert src_keys == 6
        assert dst.execute(f"SELECT count(), uniqExact(buyer_key), uniqExact(dense) FROM {chb.DENSE}").fetchall() == [(6, 6, 6)]
    finally:
        for d in (f"dsrc_{os.getpid()}", f"ddst_{os.getpid()}"):
            dst.execute(f"DROP DATABASE IF EXISTS {d}")
        dst.close()
