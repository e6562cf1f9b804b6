"""The embedded DuckDB engine (the default): one file, one writing process.

It wraps a ``duckdb`` connection.  Attributes it does not define pass through to that
connection, so call sites not yet moved to the door (``con.sql``, ``con.register``...)
keep working while the code base moves over (issue 14, phase 2).
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pyarrow as pa

from cockpit.engine.base import Database
from cockpit.engine.dialect import DUCKDB
from cockpit.engine.url import DatabaseURL

Error = duckdb.Error

# One writer at a time in this process: an import, an undo and the buyer-set builder run
# on threads of the server and must not interleave (the builder must never store the
# sets of a month an import is changing).  Other processes are kept out by DuckDB's lock.
WRITE_LOCK = threading.RLock()


class OpenError(Exception):
    """The file cannot be opened; ``locked`` when another process holds it."""

    def __init__(self, message: str, locked: bool = False):
        super().__init__(message)
        self.locked = locked


class DuckDBDatabase(Database):
    kind = "duckdb"

    def __init__(self, raw: duckdb.DuckDBPyConnection, url: DatabaseURL, read_only: bool = False):
        self.raw = raw
        self.url = url
        self.read_only = read_only

    # pass-through for call sites that still speak DuckDB's Python API
    def __getattr__(self, name: str):
        return getattr(self.raw, name)

    @property
    def dialect(self):
        return DUCKDB

    def execute(self, sql: str, params: Any = None):
        return self.raw.execute(sql, params if params is not None else [])

    def _fetch_arrow(self, sql: str, params: Any) -> pa.Table:
        return self.raw.sql(sql, params=params or None).to_arrow_table()

    def _fetch_pl(self, sql: str, params: Any) -> pl.DataFrame:
        # DuckDB 2.x: a half-fetched execute() result blocks register() on the same
        # connection; a relation converted whole does not.
        return self.raw.sql(sql, params=params or None).pl()

    def _fetchall(self, sql: str, params: Any) -> list[tuple]:
        return self.raw.execute(sql, params or []).fetchall()

    def insert(self, table: str, frame) -> None:
        arrow = frame.to_arrow() if isinstance(frame, pl.DataFrame) else frame
        name = f"_insert_{threading.get_ident()}"
        self.raw.register(name, arrow)
        try:
            cols = ", ".join(f'"{c}"' for c in arrow.column_names)
            self.raw.execute(f'INSERT INTO "{table}" ({cols}) SELECT {cols} FROM {name}')
        finally:
            self.raw.unregister(name)

    @contextmanager
    def transaction(self):
        """All or nothing: COMMIT when the block ends, ROLLBACK on any exception (even a
        kill signal's KeyboardInterrupt), then re-raise."""
        with WRITE_LOCK:
            self.raw.execute("BEGIN TRANSACTION")
            try:
                yield self
                self.raw.execute("COMMIT")
            except BaseException:
                self.raw.execute("ROLLBACK")
                raise

    @contextmanager
    def snapshot(self):
        """A reader's transaction, so a write committing in between cannot show half of
        itself.  Inside a transaction already, that one is the snapshot."""
        try:
            self.raw.execute("BEGIN TRANSACTION")
            began = True
        except duckdb.TransactionException:
            began = False
        try:
            yield self
        finally:
            if began:
                self.raw.execute("ROLLBACK")  # nothing was written

    def cursor(self) -> "DuckDBDatabase":
        return DuckDBDatabase(self.raw.cursor(), self.url, self.read_only)

    def close(self) -> None:
        self.raw.close()

    def tables(self) -> set[str]:
        return {r[0] for r in self.raw.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'").fetchall()}

    def columns(self, table: str) -> list[str]:
        return [r[0] for r in self.raw.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ? AND table_schema = 'main' "
            "ORDER BY ordinal_position", [table]).fetchall()]

    def all_columns(self) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for t, c in self.raw.execute("SELECT table_name, column_name FROM duckdb_columns() "
                                     "WHERE database_name = current_database()").fetchall():
            out.setdefault(t, set()).add(c)
        return out

    def file_path(self) -> Path | None:
        return self.url.path


def open_database(url: DatabaseURL, read_only: bool = False) -> DuckDBDatabase:
    target = ":memory:" if url.path is None else str(url.path)
    try:
        raw = duckdb.connect(target, read_only=read_only)
    except duckdb.IOException as e:
        locked = "lock" in str(e).lower()
        raise OpenError(str(e), locked=locked) from e
    return DuckDBDatabase(raw, url, read_only)
