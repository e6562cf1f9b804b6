"""The cockpit database: where it lives, its schema, and the data version caches key on.

Connections, dialects and transactions belong to the engine (:mod:`cockpit.engine`);
this module keeps the names the rest of the code calls (``connect``, ``transaction``,
``fetch_pl``...) and the cockpit's own bookkeeping tables on either engine.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from cockpit import engine, schema
from cockpit.engine import Database

DEFAULT_DB = engine.DEFAULT_DB

BOOKKEEPING_DDL = [
    """CREATE TABLE IF NOT EXISTS import_batches (
        batch_id BIGINT PRIMARY KEY,
        file_name VARCHAR NOT NULL,
        sha256 VARCHAR,
        table_name VARCHAR NOT NULL,
        rows_read BIGINT,
        rows_accepted BIGINT,
        rows_rejected BIGINT,
        rows_duplicate BIGINT,
        rejects_path VARCHAR,
        started_at TIMESTAMP,
        finished_at TIMESTAMP,
        imported_by VARCHAR,
        source VARCHAR,
        status VARCHAR DEFAULT 'committed'
    )""",
    """CREATE TABLE IF NOT EXISTS cockpit_meta (key VARCHAR PRIMARY KEY, value VARCHAR)""",
]
_DUCKDB_ONLY_DDL = ["""CREATE SEQUENCE IF NOT EXISTS import_batch_seq START 1"""]


class StoreError(Exception):
    """A database problem worth a one-line message rather than a traceback."""


class DatabaseInUse(StoreError):
    """Another process (normally the running app) holds the database file."""


def resolve_db_path(cli_value: str | os.PathLike | None = None):
    """--db, else $COCKPIT_DB, else data/cockpit.duckdb (SPEC section 5): a Path for a
    DuckDB file, an engine.DatabaseURL for ClickHouse (chdb:// or clickhouse://)."""
    try:
        url = engine.resolve(cli_value)
    except engine.URLError as e:
        raise StoreError(str(e)) from None
    if url.engine == "duckdb" and url.path is not None:
        return url.path
    return url


def url_of(db) -> engine.DatabaseURL:
    """The database a path, URL or DatabaseURL names, with an absolute path."""
    try:
        return engine.resolve(db).resolve()
    except engine.URLError as e:
        raise StoreError(str(e)) from None


def beside(db, suffix: str) -> Path:
    """A file or folder kept beside the database (``<file>.server.json``, ``<stem>.inbox``,
    ``rejects``): next to the DuckDB file or the chDB folder; for a ClickHouse server,
    under ``data/`` named after the server's database."""
    url = url_of(db)
    anchor = url.anchor if url.anchor is not None else (Path("data") / f"{url.host}-{url.database}").resolve()
    if suffix == ".inbox":
        return anchor.with_name(anchor.stem + ".inbox")
    return anchor.with_name(anchor.name + suffix)


def replaced_table(name: str) -> str:
    """Archive of rows an import replaced, so an undo can put them back."""
    return f"_replaced_{name}"


# ---------------------------------------------------------------------------
# Parts: the modules that own tables register their DDL and upgrade step here, so the
# store (the engine's side) imports none of them (issue 14, the house).


@dataclass(frozen=True)
class Part:
    """What one module keeps in the database.

    ``ddl``: simple CREATE TABLE IF NOT EXISTS statements in DuckDB's spelling (the
    ClickHouse door spells them for ClickHouse); ``ensure(con)``: builds or upgrades what
    the module derives, idempotent, run after every part's DDL, in ``order``;
    ``meta_key``/``version``: where ensure() records what it built, so a read-only open
    of an older DuckDB file knows it must upgrade; ``on_open(con)``: run at every
    writable open (a crashed writer's leftovers)."""

    name: str
    ddl: tuple[str, ...] = ()
    ensure: Callable[[Database], None] | None = None
    meta_key: str | None = None
    version: str | None = None
    order: int = 50
    on_open: Callable[[Database], None] | None = None


_PARTS: dict[str, Part] = {}
# The modules that own tables, imported before a database is opened so each has
# registered its part (the composition root: the one place that names them).
OWNERS = ("cockpit.auth", "cockpit.push.db", "cockpit.batches", "cockpit.buyer_keys", "cockpit.rollups",
          "cockpit.buyer_sets")


def register(part: Part) -> None:
    _PARTS[part.name] = part


def parts() -> list[Part]:
    import importlib

    for name in OWNERS:
        importlib.import_module(name)
    return sorted(_PARTS.values(), key=lambda p: (p.order, p.name))


def init_schema(con: Database) -> None:
    if con.kind == "clickhouse":
        return _init_clickhouse(con)
    for stmt in _DUCKDB_ONLY_DDL + BOOKKEEPING_DDL:
        con.execute(stmt)
    for t in schema.TABLES.values():
        con.execute(schema.ddl(t))
        con.execute(
            f'CREATE TABLE IF NOT EXISTS "{replaced_table(t.name)}" AS '
            f'SELECT *, CAST(NULL AS BIGINT) AS _replaced_by FROM "{t.name}" WHERE false'
        )
    for table_name, c in _missing_columns(con):  # a file from before a column was declared
        con.execute(f'ALTER TABLE "{table_name}" ADD COLUMN IF NOT EXISTS "{c.name}" {c.sql_type}')
    con.execute(
        "INSERT INTO cockpit_meta VALUES ('data_version', '0') ON CONFLICT DO NOTHING"
    )
    _run_parts(con)


def _run_parts(con: Database) -> None:
    ps = parts()
    for p in ps:
        for stmt in p.ddl:
            con.execute(stmt)
    for p in ps:
        if p.ensure is not None:
            p.ensure(con)
    for p in ps:
        if p.on_open is not None:
            p.on_open(con)


# Bump when the ClickHouse layout of the canonical tables changes (views are replaced,
# physical columns added): 2: rows an undo writes back keep their original batch.
CLICKHOUSE_LAYOUT = "3"  # 3: skip indexes (clickhouse_schema.INDEXES)
_FINGERPRINT_KEY = "clickhouse_schema"


def _clickhouse_fingerprint() -> str:
    """Everything a writable open would create or upgrade, as one hash: when the stored
    one matches, opening a ClickHouse database runs no DDL at all (each statement costs
    milliseconds there, ~75 of them)."""
    import hashlib

    from cockpit.engine import clickhouse_schema as chs

    text = [CLICKHOUSE_LAYOUT, *BOOKKEEPING_DDL]
    for t in schema.TABLES.values():
        text += [chs.rows_ddl(t), chs.view_ddl(t), chs.superseded_ddl(t), chs.replaced_ddl(t, replaced_table(t.name))]
    for p in parts():
        text += [p.name, *p.ddl, p.meta_key or "", p.version or ""]
    return hashlib.sha256("\n".join(text).encode()).hexdigest()[:16]


def _init_clickhouse(con: Database) -> None:
    from cockpit.engine import clickhouse_schema as chs

    fingerprint = _clickhouse_fingerprint()
    have = con.tables()
    if "cockpit_meta" in have and meta(con, _FINGERPRINT_KEY) == fingerprint:
        for p in parts():  # nothing to create: only a crashed writer's leftovers
            if p.on_open is not None:
                p.on_open(con)
        return
    for stmt in BOOKKEEPING_DDL:
        con.execute(chs.translate_ddl(stmt))
    for t in schema.TABLES.values():
        rows = chs.ROWS.format(t.name)
        con.execute(chs.rows_ddl(t))
        if rows in have:  # an older layout
            con.execute(f'ALTER TABLE "{rows}" ADD COLUMN IF NOT EXISTS "{chs.ORIGIN}" BIGINT')  # layout 2
            for index in chs.INDEXES.get(t.name, ()):  # layout 3; built for the old parts in the background
                con.execute(f'ALTER TABLE "{rows}" ADD {index.replace("INDEX", "INDEX IF NOT EXISTS", 1)}')
                con.execute(f'ALTER TABLE "{rows}" MATERIALIZE INDEX {index.split()[1]}')
        con.execute(chs.superseded_ddl(t))
        con.execute(chs.replaced_ddl(t, replaced_table(t.name)))
        view = chs.view_ddl(t)
        if t.name not in have:
            con.execute(view)
        else:  # an older layout, or a database from before a column was declared: the view follows
            _add_clickhouse_columns(con, t)
            con.execute(view.replace("CREATE VIEW IF NOT EXISTS", "CREATE OR REPLACE VIEW", 1))
    if meta(con, "data_version") is None:
        set_meta(con, "data_version", "0")
    _run_parts(con)  # their DuckDB DDL spelled for ClickHouse at the door
    set_meta(con, _FINGERPRINT_KEY, fingerprint)


def _add_clickhouse_columns(con: Database, t: schema.Table) -> bool:
    """Add a canonical table's newly declared columns (empty) to its ClickHouse rows table
    and replaced-rows archive; True when the rows table changed (its view must follow)."""
    from cockpit.engine import clickhouse_schema as chs

    changed = False
    for name in (chs.ROWS.format(t.name), replaced_table(t.name)):
        have = set(con.columns(name))
        for c in t.columns:
            if c.name not in have:
                # DuckDB's spelling: the ClickHouse door makes the column Nullable of its type
                con.execute(f'ALTER TABLE "{name}" ADD COLUMN IF NOT EXISTS "{c.name}" {c.sql_type}')
                changed = changed or name == chs.ROWS.format(t.name)
    return changed


def meta(con: Database, key: str) -> str | None:
    # (ClickHouse keeps no key: two processes setting a new key at once leave two rows,
    # and every reader takes the same one)
    rows = con.fetchall("SELECT value FROM cockpit_meta WHERE key = ? ORDER BY value LIMIT 1", [key], record=False)
    return rows[0][0] if rows else None


def meta_once(con: Database, key: str, value: str) -> str:
    """The setting's value, set to ``value`` first unless some process already set it
    (the first writer wins, on every engine: a signing key all processes share)."""
    if con.kind == "duckdb":
        con.execute("INSERT INTO cockpit_meta VALUES (?, ?) ON CONFLICT DO NOTHING", [key, value])
    elif meta(con, key) is None:
        con.execute("INSERT INTO cockpit_meta (key, value) VALUES (?, ?)", [key, value])
    return meta(con, key)


def set_meta(con: Database, key: str, value: str) -> None:
    if con.kind == "clickhouse":  # no upsert there; an UPDATE is far cheaper than a DELETE
        if con.scalar("SELECT count() FROM cockpit_meta WHERE key = ?", [key], record=False):
            con.execute("UPDATE cockpit_meta SET value = ? WHERE key = ?", [value, key])
        else:
            con.execute("INSERT INTO cockpit_meta (key, value) VALUES (?, ?)", [key, value])
        return
    con.execute("INSERT OR REPLACE INTO cockpit_meta VALUES (?, ?)", [key, value])


def connect(path=None, read_only: bool = False) -> Database:
    """Open (and on first use create) the cockpit database at a path or URL.

    A file held by another process raises StoreError with a plain explanation.
    """
    try:
        url = engine.resolve(path)
    except engine.URLError as e:
        raise StoreError(str(e)) from None
    shared = _SHARED.get(url.key)
    if shared is not None:  # inside the server process: a cursor of its one connection
        return shared.cursor()
    if read_only and url.engine == "duckdb" and url.path is not None and not url.path.exists():
        raise StoreError(f"database {url} does not exist; run `cockpit demo` or `cockpit import` first")
    if not read_only and url.path is not None:
        (url.path.parent if url.engine == "duckdb" else url.path).mkdir(parents=True, exist_ok=True)
    con = _open(url, read_only)
    if not read_only:
        init_schema(con)
    elif con.kind == "duckdb" and _needs_upgrade(con):
        # A file written by an older cockpit: upgrade it once through a short write open
        # (derived tables and columns the queries read), then open it read-only again.
        con.close()
        _open(url, False, upgrading=True).close()
        con = _open(url, True)
    return con


_SHARED: dict[str, Database] = {}


def share(db, con: Database) -> None:
    """The server's connection to ``db``: connect() in this process returns its cursors
    (a second open of the same file in one process would clash with it)."""
    _SHARED[url_of(db).key] = con


def unshare(db) -> None:
    _SHARED.pop(url_of(db).key, None)


def _open(url: engine.DatabaseURL, read_only: bool, upgrading: bool = False) -> Database:
    try:
        con = engine.connect(url, read_only=read_only)
    except engine.OpenError as e:
        if e.locked:
            why = ("; it was written by an older cockpit and needs a one-time upgrade: "
                   "stop the other process and run this again") if upgrading else ""
            raise DatabaseInUse(
                f"database {url} is in use by another process (is `cockpit serve` running?){why}"
            ) from e
        raise StoreError(f"cannot open database {url}: {e}") from e
    if upgrading:
        init_schema(con)
    return con


def _missing_columns(con: Database) -> list[tuple[str, schema.Column]]:
    """Declared columns an existing DuckDB table (or its replaced-rows archive) lacks;
    they are added as nullable columns, so older rows read as "no value".  Writes name
    every column, so the order a column was added in does not matter."""
    have = con.all_columns()
    out = []
    for t in schema.TABLES.values():
        for name in (t.name, replaced_table(t.name)):
            if name in have:
                out += [(name, c) for c in t.columns if c.name not in have[name]]
    return out


def _needs_upgrade(con: Database) -> bool:
    if "cockpit_meta" not in con.tables():
        return False  # not a cockpit database: nothing to upgrade
    tables = con.tables()
    return (any(meta(con, p.meta_key) != p.version for p in parts() if p.meta_key)
            or any(t not in tables for t in schema.TABLES) or bool(_missing_columns(con)))


def transaction(con: Database):
    """All or nothing: COMMIT when the block ends, ROLLBACK on any exception (even a kill
    signal's KeyboardInterrupt), then re-raise.  On ClickHouse the block's statements
    take effect one by one (see engine.clickhouse_engine)."""
    return con.transaction()


def snapshot(con: Database):
    """Several reads that must see the same data (a reader's transaction on DuckDB), so
    a write committing in between cannot show half of itself."""
    return con.snapshot()


def memory() -> Database:
    """An in-memory cockpit database, for tests and previews."""
    con = engine.connect(":memory:")
    init_schema(con)
    return con


def data_version(con: Database) -> int:
    value = con.scalar("SELECT value FROM cockpit_meta WHERE key = 'data_version'", record=False)
    return int(value) if value is not None else 0


def bump_data_version(con: Database) -> None:
    """Call inside the writing transaction so readers never see new rows with an old version."""
    con.execute(
        "UPDATE cockpit_meta SET value = CAST(CAST(value AS BIGINT) + 1 AS VARCHAR) "
        "WHERE key = 'data_version'"
    )


def row_count(con: Database, table_name: str) -> int:
    schema.table(table_name)  # only canonical names ever reach the SQL text
    return scalar(con, f'SELECT count(*) FROM "{table_name}"')


# The ways the core reads query results, through the engine's door (cockpit.engine).
def fetch_pl(con: Database, sql: str, params=None):
    """Run a parameterised query and return a Polars DataFrame (Arrow underneath)."""
    return engine.wrap(con).fetch_pl(sql, params)


def fetchall(con: Database, sql: str, params=None) -> list[tuple]:
    return engine.wrap(con).fetchall(sql, params)


def scalar(con: Database, sql: str, params=None):
    return engine.wrap(con).scalar(sql, params)


