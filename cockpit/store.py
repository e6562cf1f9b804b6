"""The DuckDB file: where it lives, its schema, and the data version caches key on."""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from pathlib import Path

import duckdb

from cockpit import schema

DEFAULT_DB = Path("data") / "cockpit.duckdb"

BOOKKEEPING_DDL = [
    """CREATE SEQUENCE IF NOT EXISTS import_batch_seq START 1""",
    """CREATE TABLE IF NOT EXISTS import_batches (
        batch_id BIGINT PRIMARY KEY,
        file_name VARCHAR NOT NULL,
        sha256 VARCHAR,
        table_name VARCHAR NOT NULL,
        rows_read BIGINT,
        rows_accepted BIGINT,
        rows_rejected BIGINT,
        rejects_path VARCHAR,
        started_at TIMESTAMP,
        finished_at TIMESTAMP,
        imported_by VARCHAR,
        source VARCHAR,
        status VARCHAR DEFAULT 'committed'
    )""",
    """CREATE TABLE IF NOT EXISTS cockpit_meta (key VARCHAR PRIMARY KEY, value VARCHAR)""",
]


class StoreError(Exception):
    """A database problem worth a one-line message rather than a traceback."""


class DatabaseInUse(StoreError):
    """Another process (normally the running app) holds the database file."""


def resolve_db_path(cli_value: str | os.PathLike | None = None) -> Path:
    """--db, else $COCKPIT_DB, else data/cockpit.duckdb (SPEC section 5)."""
    if cli_value:
        return Path(cli_value)
    env = os.environ.get("COCKPIT_DB")
    if env:
        return Path(env)
    return DEFAULT_DB


def replaced_table(name: str) -> str:
    """Archive of rows an import replaced, so an undo can put them back."""
    return f"_replaced_{name}"


def init_schema(con: duckdb.DuckDBPyConnection) -> None:
    for stmt in BOOKKEEPING_DDL:
        con.execute(stmt)
    for t in schema.TABLES.values():
        con.execute(schema.ddl(t))
        con.execute(
            f'CREATE TABLE IF NOT EXISTS "{replaced_table(t.name)}" AS '
            f'SELECT *, CAST(NULL AS BIGINT) AS _replaced_by FROM "{t.name}" WHERE false'
        )
    con.execute(
        "INSERT INTO cockpit_meta VALUES ('data_version', '0') ON CONFLICT DO NOTHING"
    )
    from cockpit import auth  # users and scopes live in the same file

    auth.init(con)
    for derived in _derived():
        derived.ensure(con)


def _derived():
    """Structures derived from the imported tables (in build order): each has META_KEY,
    VERSION and ensure(), which builds or upgrades it when the stored version differs."""
    from cockpit import batches, buyer_keys, buyer_sets, rollups  # they import this module

    return (batches, buyer_keys, rollups, buyer_sets)


def meta(con: duckdb.DuckDBPyConnection, key: str) -> str | None:
    rows = con.execute("SELECT value FROM cockpit_meta WHERE key = ?", [key]).fetchall()
    return rows[0][0] if rows else None


def set_meta(con: duckdb.DuckDBPyConnection, key: str, value: str) -> None:
    con.execute("INSERT OR REPLACE INTO cockpit_meta VALUES (?, ?)", [key, value])


def connect(path: str | os.PathLike | None = None, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (and on first use create) the cockpit database.

    A file held by another process raises StoreError with a plain explanation.
    """
    p = resolve_db_path(path)
    shared = _SHARED.get(str(p.resolve()))
    if shared is not None:  # inside the server process: a cursor of its one connection
        return shared.cursor()
    if read_only and not p.exists():
        raise StoreError(f"database {p} does not exist; run `cockpit demo` or `cockpit import` first")
    if not read_only:
        p.parent.mkdir(parents=True, exist_ok=True)
    con = _open(p, read_only)
    if not read_only:
        init_schema(con)
    elif _needs_upgrade(con):
        # A file written by an older cockpit: upgrade it once through a short write open
        # (derived tables and columns the queries read), then open it read-only again.
        con.close()
        _open(p, False, upgrading=True).close()
        con = _open(p, True)
    return con


_SHARED: dict[str, duckdb.DuckDBPyConnection] = {}


def share(path: Path, con: duckdb.DuckDBPyConnection) -> None:
    """The server's connection to ``path``: connect() in this process returns its cursors
    (a second open of the same file in one process would clash with it)."""
    _SHARED[str(Path(path).resolve())] = con


def unshare(path: Path) -> None:
    _SHARED.pop(str(Path(path).resolve()), None)


def _open(p: Path, read_only: bool, upgrading: bool = False) -> duckdb.DuckDBPyConnection:
    try:
        con = duckdb.connect(str(p), read_only=read_only)
    except duckdb.IOException as e:
        if "lock" in str(e).lower():
            why = ("; it was written by an older cockpit and needs a one-time upgrade: "
                   "stop the other process and run this again") if upgrading else ""
            raise DatabaseInUse(
                f"database {p} is in use by another process (is `cockpit serve` running?){why}"
            ) from e
        raise StoreError(f"cannot open database {p}: {e}") from e
    if upgrading:
        init_schema(con)
    return con


def _needs_upgrade(con: duckdb.DuckDBPyConnection) -> bool:
    if not con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'cockpit_meta'").fetchone()[0]:
        return False  # not a cockpit database: nothing to upgrade
    return any(meta(con, d.META_KEY) != d.VERSION for d in _derived())


# One writer at a time in this process: an import, an undo and the buyer-set builder run
# on threads of the server and must not interleave (the builder must never store the
# sets of a month an import is changing).  Other processes are kept out by DuckDB's lock.
WRITE_LOCK = threading.RLock()


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection):
    """All or nothing: COMMIT when the block ends, ROLLBACK on any exception (even a kill
    signal's KeyboardInterrupt), then re-raise."""
    with WRITE_LOCK:
        con.execute("BEGIN TRANSACTION")
        try:
            yield con
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise


@contextmanager
def snapshot(con: duckdb.DuckDBPyConnection):
    """Several reads that must see the same data (a reader's transaction), so a write
    committing in between cannot show half of itself.  Inside a transaction already,
    that one is the snapshot."""
    try:
        con.execute("BEGIN TRANSACTION")
        began = True
    except duckdb.TransactionException:
        began = False
    try:
        yield con
    finally:
        if began:
            con.execute("ROLLBACK")  # nothing was written


def memory() -> duckdb.DuckDBPyConnection:
    """An in-memory cockpit database, for tests and previews."""
    con = duckdb.connect(":memory:")
    init_schema(con)
    return con


def data_version(con: duckdb.DuckDBPyConnection) -> int:
    value = scalar(con, "SELECT value FROM cockpit_meta WHERE key = 'data_version'")
    return int(value) if value is not None else 0


def bump_data_version(con: duckdb.DuckDBPyConnection) -> None:
    """Call inside the writing transaction so readers never see new rows with an old version."""
    con.execute(
        "UPDATE cockpit_meta SET value = CAST(CAST(value AS BIGINT) + 1 AS VARCHAR) "
        "WHERE key = 'data_version'"
    )


def row_count(con: duckdb.DuckDBPyConnection, table_name: str) -> int:
    schema.table(table_name)  # only canonical names ever reach the SQL text
    return scalar(con, f'SELECT count(*) FROM "{table_name}"')


# DuckDB 2.x: a half-fetched execute() result blocks register() on the same connection,
# and results convert to Polars via relations.  These three helpers are the only way the
# core reads query results, so that rule lives in one place.
def fetch_pl(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None):
    """Run a parameterised query and return a Polars DataFrame (Arrow underneath)."""
    return con.sql(sql, params=params or None).pl()


def fetchall(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[tuple]:
    return con.execute(sql, params or []).fetchall()


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None):
    rows = con.execute(sql, params or []).fetchall()
    return rows[0][0] if rows else None
