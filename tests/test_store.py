"""The database file across versions: a file written before a table or column was
declared opens, upgrades itself and keeps every row."""

import datetime as dt

from cockpit import batches, schema, store

NEW_COLUMNS = {"live_sessions": ("exposures", "interacting_viewers"),
               "live_minutes": ("exposures", "leaves", "product_clicks", "shares")}
NEW_TABLES = ("live_explains", "live_audience", "peer_benchmarks")


def _old_file(path):
    """A cockpit file as an older version wrote it: one session, without the columns and
    tables issue 17 added."""
    con = store.connect(path)
    batches.write_batch(con, "live_sessions", schema.frame("live_sessions", [
        dict(live_id="L1", account_id="A1", started_at=dt.datetime(2025, 6, 1, 19, 30), viewers=400),
    ]), file_name="old")
    for t, cols in NEW_COLUMNS.items():
        for c in cols:
            for name in (t, store.replaced_table(t)):
                con.execute(f'ALTER TABLE "{name}" DROP COLUMN "{c}"')
    for t in NEW_TABLES:
        con.execute(f'DROP TABLE "{t}"')
        con.execute(f'DROP TABLE "{store.replaced_table(t)}"')
    con.close()


def _columns(con, table):
    return {r[0] for r in con.execute("SELECT column_name FROM duckdb_columns() WHERE table_name = ?", [table]).fetchall()}


def test_an_older_file_gains_the_new_columns_and_tables_and_keeps_its_rows(tmp_path):
    path = tmp_path / "old.duckdb"
    _old_file(path)
    con = store.connect(path, read_only=True)  # a reader upgrades it once through a short write open
    try:
        for t, cols in NEW_COLUMNS.items():
            assert set(cols) <= _columns(con, t) and set(cols) <= _columns(con, store.replaced_table(t))
        for t in NEW_TABLES:
            assert schema.table(t).column_names == [c for c in schema.table(t).column_names if c in _columns(con, t)]
        assert store.fetchall(con, "SELECT live_id, viewers, exposures FROM live_sessions") == [("L1", 400, None)]
    finally:
        con.close()


def test_an_upgraded_file_takes_new_rows_and_undoes_them(tmp_path):
    path = tmp_path / "old.duckdb"
    _old_file(path)
    con = store.connect(path)
    try:
        b = batches.write_batch(con, "live_sessions", schema.frame("live_sessions", [
            dict(live_id="L1", account_id="A1", started_at=dt.datetime(2025, 6, 1, 19, 30), viewers=400,
                 exposures=2000, interacting_viewers=80),
        ]), file_name="new")
        assert store.fetchall(con, "SELECT exposures, interacting_viewers FROM live_sessions") == [(2000, 80)]
        batches.undo_batch(con, b)  # the replaced row comes back from the archive, new columns empty
        assert store.fetchall(con, "SELECT viewers, exposures FROM live_sessions") == [(400, None)]
        assert not store._missing_columns(con)
    finally:
        con.close()


def test_an_older_clickhouse_database_gains_the_new_columns(tmp_path, _chdb_folder):
    """The same on ClickHouse: the rows table and the archive get the column, the view
    that reads them is made again with it, the old rows stay."""
    import dataclasses
    import os

    from cockpit.engine import clickhouse_schema as chs

    name = f"upgrade_{os.getpid()}"
    url = f"chdb://{_chdb_folder}?database={name}"
    con = store.connect(url)
    try:
        batches.write_batch(con, "live_sessions", schema.frame("live_sessions", [
            dict(live_id="L1", account_id="A1", started_at=dt.datetime(2025, 6, 1, 19, 30), viewers=400),
        ]), file_name="old")
        t = schema.table("live_sessions")
        old = dataclasses.replace(t, columns=tuple(c for c in t.columns if c.name not in NEW_COLUMNS["live_sessions"]))
        con.execute('DROP VIEW "live_sessions"')
        for c in NEW_COLUMNS["live_sessions"]:
            for tn in (chs.ROWS.format(t.name), store.replaced_table(t.name)):
                con.execute(f'ALTER TABLE "{tn}" DROP COLUMN "{c}"')
        con.execute(chs.view_ddl(old))
        store.set_meta(con, "clickhouse_schema", "older")  # what an older cockpit's schema left
        assert "exposures" not in con.columns("live_sessions")
        con.close()
        con = store.connect(url)
        for tn in ("live_sessions", chs.ROWS.format(t.name), store.replaced_table(t.name)):
            assert {"exposures", "interacting_viewers"} <= set(con.columns(tn)), tn
        assert con.fetchall("SELECT live_id, viewers, exposures FROM live_sessions") == [("L1", 400, None)]
    finally:
        con.execute(f"DROP DATABASE IF EXISTS `{name}`")
        con.close()
