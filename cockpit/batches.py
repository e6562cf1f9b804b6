"""Writing one batch of rows into a canonical table: upsert by key, all or nothing.

Every write to a canonical table goes through :func:`write_batch`: the importer, the demo
generator and (later) the inbox.  Inside one transaction it archives the rows the batch
replaces, deletes them, inserts the new rows tagged with the batch id, records the batch
in ``import_batches`` and bumps the data version.  A crash anywhere before COMMIT leaves
the database exactly as it was; :func:`undo_batch` reverses a committed batch.

ClickHouse has no transaction to do that in, so there a batch is written in steps that
readers cannot see half of (cockpit.engine.clickhouse_schema: readers see a canonical
table through a view of committed batches' rows, less the rows committed batches
replaced):

1. the batch is recorded as ``staging`` and its rows are written (invisible);
2. the rows it replaces are archived (for an undo) and marked superseded by it;
3. one statement flips it to ``committed``: its rows and the disappearance of the
   replaced ones become visible at once;
4. the replaced rows are deleted for good (still in the archive).

A crash before 3 changes nothing a reader sees; :func:`recover` (run when a writer opens
the database) removes what a stale ``staging`` batch left.  An undo is the same dance in
reverse: the archived rows are written back under an undo batch of their own, and one
statement commits that batch and marks the undone one ``undone``.

``import_batches`` holds true counts: rows_read = rows_accepted + rows_rejected +
rows_duplicate (rows of a key that a later row of the same file replaced).
"""

from __future__ import annotations

import datetime as dt
import time

import polars as pl

from cockpit import auth, buyer_keys, clock, rollups, schema, store
from cockpit.engine import Database

# store.init_schema runs ensure() (and read-only opens upgrade) when this differs.
META_KEY = "import_batches_version"
VERSION = "2"  # 2: rows_duplicate


def ensure(con: Database) -> None:
    """Give an older file's import history its rows_duplicate, filled with what its
    batches did not say: an older import counted its accepted rows after dropping the
    file's repeated keys, so read - accepted - rejected is exactly their number.
    (A database created now has the column from store.BOOKKEEPING_DDL.)"""
    if store.meta(con, META_KEY) == VERSION:
        return
    if con.kind == "clickhouse":  # no history older than the column there
        con.execute("ALTER TABLE import_batches ADD COLUMN IF NOT EXISTS rows_duplicate BIGINT")  # spelled for CH at the door
        store.set_meta(con, META_KEY, VERSION)
        return
    with store.transaction(con):
        con.execute("ALTER TABLE import_batches ADD COLUMN IF NOT EXISTS rows_duplicate BIGINT")
        con.execute(
            "UPDATE import_batches SET rows_duplicate = GREATEST(COALESCE(rows_read, 0) - COALESCE(rows_accepted, 0) "
            "- COALESCE(rows_rejected, 0), 0) WHERE rows_duplicate IS NULL"
        )
        store.set_meta(con, META_KEY, VERSION)


class UndoError(Exception):
    """An undo that would lose or resurrect someone else's rows; ``message(lang)`` says
    why in the user's language (``str()`` is English)."""

    def __init__(self, key: str, later: list[tuple[int, int]] = (), **params):
        self.key, self.later, self.params = key, list(later), params
        super().__init__(self.message("en"))

    def message(self, lang: str = "en") -> str:
        from cockpit import i18n

        extra = {}
        if self.later:
            extra["later"] = ", ".join(i18n.t("imp.undo_later_batch", lang, batch=b, rows=n) for b, n in self.later)
        return i18n.t(self.key, lang, **self.params, **extra)


def _key_match(t: schema.Table, left: str, right: str) -> str:
    return " AND ".join(
        f'{left}."{k}" IS NOT DISTINCT FROM {right}."{k}"' for k in t.key
    )


class Laps:
    """Wall seconds of each step of a write, into ``timings`` (the import bench's
    breakdown); nothing without a dict."""

    def __init__(self, timings: dict | None):
        self.timings, self.last = timings, time.perf_counter()

    def __call__(self, step: str) -> None:
        if self.timings is not None:
            now = time.perf_counter()
            self.timings[step] = self.timings.get(step, 0.0) + now - self.last
            self.last = now


def dedupe_last(df: pl.DataFrame, t: schema.Table) -> pl.DataFrame:
    """Within one file, the later row for a key wins (SPEC: newer replaces older)."""
    if df.height == 0:
        return df
    # Same result as unique(keep="last", maintain_order=True), several times faster,
    # and no copy at all in the usual case of a file without repeated keys.
    last = df.select(pl.struct(list(t.key)).is_last_distinct()).to_series()
    return df if last.all() else df.filter(last)


def write_batch(
    con: Database,
    table_name: str,
    df: pl.DataFrame,
    *,
    file_name: str,
    sha256: str | None = None,
    rows_read: int | None = None,
    rows_rejected: int = 0,
    rows_duplicate: int = 0,
    rejects_path: str | None = None,
    imported_by: str = "local",
    source: str = "cli",
    started_at: dt.datetime | None = None,
    before_commit=None,
    deduped: bool = False,
    timings: dict | None = None,
) -> int:
    """Upsert ``df`` (canonical columns, canonical types) as one batch; return its id.

    ``rows_duplicate``: rows the caller already dropped as repeated keys; any the frame
    still repeats are dropped here (last wins) and counted with them, unless the caller
    says it holds one row per key already (``deduped``).
    ``before_commit`` is a hook tests use to die mid-transaction.  ``timings``: a dict
    that gets the wall seconds of each step on DuckDB (replace: begin and archive the
    rows replaced; buyer_keys, insert, rollups, record, commit), for the import bench.
    """
    t = schema.table(table_name)
    given = df.height
    df = df.select(t.column_names) if deduped else dedupe_last(df.select(t.column_names), t)
    rows_duplicate += given - df.height
    if rows_read is None:
        rows_read = df.height + rows_rejected + rows_duplicate
    started_at = started_at or clock.now()
    if con.kind == "clickhouse":
        return _write_clickhouse(con, t, df, file_name=file_name, sha256=sha256, rows_read=rows_read,
                                 rows_rejected=rows_rejected, rows_duplicate=rows_duplicate,
                                 rejects_path=rejects_path, imported_by=imported_by,
                                 source=source, started_at=started_at, before_commit=before_commit)
    lap = Laps(timings)
    with store.transaction(con):
        batch_id = store.scalar(con, "SELECT nextval('import_batch_seq')")
        staged = df.with_columns(pl.lit(batch_id, dtype=pl.Int64).alias(schema.BATCH_COLUMN))
        # String views: DuckDB scans them ~1.5x faster than large_string (1M orders).
        con.register("_staged", staged.to_arrow(compat_level=pl.CompatLevel.newest()))
        has_rows = store.scalar(con, f'SELECT EXISTS (SELECT 1 FROM "{t.name}")')
        if has_rows:
            match = _key_match(t, "x", "s")
            stored = ", ".join(f'"{c}"' for c in t.stored_names)
            con.execute(
                f'INSERT INTO "{store.replaced_table(t.name)}" ({stored}, _replaced_by) '
                f'SELECT {stored}, ? FROM "{t.name}" x WHERE EXISTS (SELECT 1 FROM _staged s WHERE {match})',
                [batch_id],
            )
            con.execute(
                f'DELETE FROM "{t.name}" x WHERE EXISTS (SELECT 1 FROM _staged s WHERE {match})'
            )
        lap("replace")
        cols = ", ".join(f'"{c}"' for c in t.column_names + [schema.BATCH_COLUMN])
        if t.name == "orders":  # new buyers get their key, every order carries it
            buyer_keys.assign(con, "_staged")
            lap("buyer_keys")
            scols = ", ".join(f's."{c}"' for c in t.column_names + [schema.BATCH_COLUMN])
            con.execute(f'INSERT INTO orders ({cols}, {buyer_keys.COLUMN}) SELECT {scols}, b.{buyer_keys.COLUMN} '
                        f'FROM _staged s JOIN {buyer_keys.TABLE} b ON b.buyer_id = s.buyer_id')
        else:
            con.execute(f'INSERT INTO "{t.name}" ({cols}) SELECT {cols} FROM _staged')
        lap("insert")
        if t.name == "orders":  # the rollups follow in the same transaction
            rollups.refresh(con, f'SELECT paid_at, live_id FROM _staged UNION ALL SELECT paid_at, live_id '
                                 f'FROM "{store.replaced_table(t.name)}" WHERE _replaced_by = ?', [batch_id])
            lap("rollups")
        con.unregister("_staged")
        con.execute(
            "INSERT INTO import_batches (batch_id, file_name, sha256, table_name, rows_read, "
            "rows_accepted, rows_rejected, rows_duplicate, rejects_path, started_at, finished_at, imported_by, "
            "source, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'committed')",
            [
                batch_id, file_name, sha256, t.name, rows_read,
                df.height, rows_rejected, rows_duplicate, rejects_path, started_at, clock.now(),
                imported_by, source,
            ],
        )
        auth.audit(con, imported_by, "import",
                   f"batch {batch_id}: {file_name} -> {t.name}, {df.height} rows ({source})")
        store.bump_data_version(con)
        if before_commit is not None:
            before_commit()
        lap("record")
    lap("commit")
    return batch_id


def undo_batch(con: Database, batch_id: int, by: str = "local") -> int:
    """Remove exactly the rows a batch wrote and restore what it replaced.

    Refuses when a later batch has since replaced some of this batch's rows, because
    undoing then would either delete the later data or resurrect stale rows.
    Returns the number of rows removed.
    """
    rows = store.fetchall(
        con, "SELECT table_name, status FROM import_batches WHERE batch_id = ?", [batch_id]
    )
    if not rows:
        raise UndoError("imp.undo_no_batch", batch=batch_id)
    table_name, status = rows[0]
    if status != "committed":
        raise UndoError("imp.undo_already", batch=batch_id, status=status)
    t = schema.table(table_name)
    rep = store.replaced_table(t.name)
    later = store.fetchall(
        con,
        f'SELECT _replaced_by, count(*) FROM "{rep}" WHERE "{schema.BATCH_COLUMN}" = ? '
        "AND _replaced_by IN (SELECT batch_id FROM import_batches WHERE status = 'committed') "
        "GROUP BY 1 ORDER BY 1",
        [batch_id],
    )
    if later:
        raise UndoError("imp.undo_later", later=later, batch=batch_id)
    if con.kind == "clickhouse":
        return _undo_clickhouse(con, t, batch_id, by)
    cols = ", ".join(f'"{c}"' for c in t.stored_names)
    with store.transaction(con):
        removed = store.scalar(
            con, f'SELECT count(*) FROM "{t.name}" WHERE "{schema.BATCH_COLUMN}" = ?', [batch_id]
        )
        # what the rollups must recompute: the rows leaving and the rows coming back
        touched = (f'SELECT paid_at, live_id FROM "{t.name}" WHERE "{schema.BATCH_COLUMN}" = ? '
                   f'UNION ALL SELECT paid_at, live_id FROM "{rep}" WHERE _replaced_by = ?')
        if t.name == "orders":
            con.execute(f"CREATE OR REPLACE TEMP TABLE _undo_touched AS {touched}", [batch_id, batch_id])
        con.execute(f'DELETE FROM "{t.name}" WHERE "{schema.BATCH_COLUMN}" = ?', [batch_id])
        con.execute(
            f'INSERT INTO "{t.name}" ({cols}) SELECT {cols} FROM "{rep}" WHERE _replaced_by = ?',
            [batch_id],
        )
        con.execute(f'DELETE FROM "{rep}" WHERE _replaced_by = ?', [batch_id])
        if t.name == "orders":
            rollups.refresh(con, "SELECT * FROM _undo_touched")
            con.execute("DROP TABLE _undo_touched")
        con.execute(
            "UPDATE import_batches SET status = 'undone' WHERE batch_id = ?", [batch_id]
        )
        auth.audit(con, by, "undo", f"batch {batch_id}: {removed} rows removed from {t.name}")
        store.bump_data_version(con)
    return removed


# ---------------------------------------------------------------------------
# ClickHouse: the staged protocol of the module docstring

STALE_STAGING = dt.timedelta(minutes=30)  # a staging batch this old was abandoned by a crash


def _new_batch_id(con: Database) -> int:
    """Time-ordered ids (microseconds since 1970) need no counter shared by the writers."""
    while True:
        bid = time.time_ns() // 1000
        if not con.scalar("SELECT count() FROM import_batches WHERE batch_id = ?", [bid], record=False):
            return bid


def _ch_names(t: schema.Table) -> tuple[str, str, str]:
    from cockpit.engine import clickhouse_schema as chs

    return chs.ROWS.format(t.name), chs.SUPERSEDED.format(t.name), store.replaced_table(t.name)


def _visible(t: schema.Table) -> str:
    """The physical rows readers see (the view's filter), with their _row_id."""
    from cockpit.engine import clickhouse_schema as chs

    rows, sup, _ = _ch_names(t)
    return (f'SELECT * FROM "{rows}" PREWHERE "{schema.BATCH_COLUMN}" IN ({chs.committed()}) '
            f'WHERE _row_id NOT IN (SELECT _row_id FROM "{sup}" WHERE _replaced_by IN ({chs.committed()}))')


def _logical(col: str = schema.BATCH_COLUMN) -> str:
    """A physical row's batch as readers see it (clickhouse_schema.ORIGIN)."""
    from cockpit.engine import clickhouse_schema as chs

    return f'COALESCE("{chs.ORIGIN}", "{col}")'


def _supersede(con: Database, t: schema.Table, batch_id: int, of_batch: int | None = None) -> int:
    """Archive visible rows of other batches and mark them superseded by this batch
    (hidden once it commits); returns how many.  Which rows: those with a key of this
    batch's rows, or (an undo) every row of batch ``of_batch``."""
    rows, sup, rep = _ch_names(t)
    keys = ", ".join(f'"{k}"' for k in t.key)
    stored = ", ".join(_logical(c) if c == schema.BATCH_COLUMN else f'"{c}"' for c in t.stored_names)
    which = (f'{_logical()} = {int(of_batch)}' if of_batch is not None else
             f'({keys}) IN (SELECT {keys} FROM "{rows}" WHERE "{schema.BATCH_COLUMN}" = {int(batch_id)})')
    match = (f'{which} AND "{schema.BATCH_COLUMN}" != {int(batch_id)} '
             f'AND _row_id NOT IN (SELECT _row_id FROM "{sup}" WHERE _replaced_by = {int(batch_id)})')
    null_keys = " SETTINGS transform_null_in = 1"  # a NULL key part (ad_spend.live_id) matches NULL
    n = con.scalar(f"SELECT count() FROM ({_visible(t)}) WHERE {match}{null_keys}", record=False)
    if not n:
        return 0
    names = ", ".join(f'"{c}"' for c in t.stored_names)
    con.execute(f'INSERT INTO "{rep}" ({names}, _row_id, _replaced_by) SELECT {stored}, _row_id, {int(batch_id)} '
                f"FROM ({_visible(t)}) WHERE {match}{null_keys}")
    con.execute(f'INSERT INTO "{sup}" (_row_id, _replaced_by) SELECT _row_id, {int(batch_id)} '
                f"FROM ({_visible(t)}) WHERE {match}{null_keys}")
    return n


def _settle(con: Database, t: schema.Table, batch_id: int, of_batch: int | None = None) -> None:
    """After the commit: supersede what a writer committed meanwhile with the same keys
    (two imports at once), then delete the superseded rows for good."""
    rows, sup, _ = _ch_names(t)
    _supersede(con, t, batch_id, of_batch)
    if not con.scalar(f'SELECT count() FROM "{sup}" WHERE _replaced_by = ?', [batch_id], record=False):
        return
    con.execute(f'DELETE FROM "{rows}" WHERE _row_id IN (SELECT _row_id FROM "{sup}" WHERE _replaced_by = ?)',
                [batch_id])
    con.execute(f'DELETE FROM "{sup}" WHERE _replaced_by = ?', [batch_id])


def _write_clickhouse(con: Database, t: schema.Table, df: pl.DataFrame, *, file_name, sha256, rows_read,
                      rows_rejected, rows_duplicate, rejects_path, imported_by, source, started_at,
                      before_commit) -> int:
    rows, _, _ = _ch_names(t)
    batch_id = _new_batch_id(con)
    con.execute(
        "INSERT INTO import_batches (batch_id, file_name, sha256, table_name, rows_read, rows_accepted, "
        "rows_rejected, rows_duplicate, rejects_path, started_at, finished_at, imported_by, source, status) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, 'staging')",
        [batch_id, file_name, sha256, t.name, rows_read, df.height, rows_rejected, rows_duplicate, rejects_path,
         started_at, imported_by, source])
    try:
        con.insert(rows, df.with_columns(pl.lit(batch_id, dtype=pl.Int64).alias(schema.BATCH_COLUMN)))
        _supersede(con, t, batch_id)
        if before_commit is not None:
            before_commit()
    except BaseException:
        _discard(con, t, batch_id)
        raise
    # the commit: one statement, one row
    con.execute("UPDATE import_batches SET status = 'committed', finished_at = ? WHERE batch_id = ?",
                [clock.now(), batch_id])
    _settle(con, t, batch_id)
    auth.audit(con, imported_by, "import", f"batch {batch_id}: {file_name} -> {t.name}, {df.height} rows ({source})")
    store.bump_data_version(con)
    return batch_id


def _discard(con: Database, t: schema.Table, batch_id: int) -> None:
    """Remove what an uncommitted batch wrote (nothing of it was ever visible), its line
    in the import history last: as on DuckDB, a failed import leaves no trace there.
    (Its rollup deltas stay, invisible: only committed and undone batches' count.)"""
    rows, sup, rep = _ch_names(t)
    try:
        con.execute("UPDATE import_batches SET status = 'failed' WHERE batch_id = ?", [batch_id])
        con.execute(f'DELETE FROM "{sup}" WHERE _replaced_by = ?', [batch_id])
        con.execute(f'DELETE FROM "{rep}" WHERE _replaced_by = ?', [batch_id])
        con.execute(f'DELETE FROM "{rows}" WHERE "{schema.BATCH_COLUMN}" = ?', [batch_id])
        con.execute("DELETE FROM import_batches WHERE batch_id = ?", [batch_id])
    except Exception:  # noqa: BLE001 - the database may be gone; recover() finishes the job
        pass


def recover(con: Database, older_than: dt.timedelta = STALE_STAGING) -> int:
    """Discard the batches a crashed writer left ``staging`` (ClickHouse); returns how many."""
    if con.kind != "clickhouse":
        return 0
    cutoff = clock.now() - older_than
    stale = con.fetchall("SELECT batch_id, table_name FROM import_batches WHERE status = 'staging' "
                         "AND started_at < ?", [cutoff], record=False)
    for bid, table_name in stale:
        _discard(con, schema.table(table_name), bid)
    return len(stale)


def _undo_clickhouse(con: Database, t: schema.Table, batch_id: int, by: str) -> int:
    """An undo is a batch of its own: it writes back the rows the undone batch replaced
    and supersedes the undone batch's rows; one statement commits it (both changes show
    at once) and marks the undone batch ``undone``.  The rows it writes back keep their
    original batch for readers (clickhouse_schema.ORIGIN), so undoing that batch later
    removes them too; the rollups follow through their materialized views."""
    from cockpit.engine import clickhouse_schema as chs

    rows, sup, rep = _ch_names(t)
    removed = con.scalar(f'SELECT count() FROM "{t.name}" WHERE "{schema.BATCH_COLUMN}" = ?', [batch_id])
    undo_id = _new_batch_id(con)
    cols = ", ".join(f'"{c}"' for c in t.column_names)
    con.execute(
        "INSERT INTO import_batches (batch_id, file_name, table_name, rows_read, rows_accepted, rows_rejected, "
        "started_at, imported_by, source, status) VALUES (?, ?, ?, 0, 0, 0, ?, ?, 'undo', 'staging')",
        [undo_id, f"undo of batch {batch_id}", t.name, clock.now(), by])
    try:
        # the rows it replaced, back under the undo's own batch (invisible until the flip);
        # only those deleted for good (a crash before _settle left the others in place; rows
        # archived by DuckDB and copied here have no row id)
        con.execute(f'INSERT INTO "{rows}" ({cols}, "{schema.BATCH_COLUMN}", "{chs.ORIGIN}") '
                    f'SELECT {cols}, ?, "{schema.BATCH_COLUMN}" FROM "{rep}" '
                    f'WHERE _replaced_by = ? AND (_row_id IS NULL OR _row_id NOT IN (SELECT _row_id FROM "{rows}"))',
                    [undo_id, batch_id])
        _supersede(con, t, undo_id, of_batch=batch_id)
    except BaseException:
        _discard(con, t, undo_id)
        raise
    # the flip: one statement makes the undo's rows visible and the batch's rows vanish
    con.execute("UPDATE import_batches SET status = if(batch_id = ?, 'committed', 'undone'), finished_at = ? "
                "WHERE batch_id IN (?, ?)", [undo_id, clock.now(), undo_id, batch_id])
    _settle(con, t, undo_id, of_batch=batch_id)
    con.execute(f'DELETE FROM "{rep}" WHERE _replaced_by = ?', [batch_id])  # put back: no longer archived
    auth.audit(con, by, "undo", f"batch {batch_id}: {removed} rows removed from {t.name}")
    store.bump_data_version(con)
    return removed


# a writer that died mid-batch left staged rows (ClickHouse): cleared when a writer opens;
# an older import history gains rows_duplicate (ensure)
store.register(store.Part("batches", ensure=ensure, meta_key=META_KEY, version=VERSION, on_open=recover, order=90))
