"""The one door to a database: every statement the cockpit runs goes through a
:class:`Database` (as in Datasette's ``Database.execute``), so bind parameters, the
statement recording of the benchmark, errors and the engine's dialect live in one place.

Two engines implement it: :mod:`cockpit.engine.duckdb_engine` (an embedded DuckDB
file, the default) and :mod:`cockpit.engine.clickhouse_engine` (a ClickHouse server, or
chDB in-process, both through clickhouse-connect).  Statements are written with DuckDB's
placeholders, ``?`` (a list of values) or ``$name`` (a dict); the ClickHouse engine binds
them the same way, so a value a person typed never becomes SQL text on either engine.
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from typing import Any, Iterator

import polars as pl
import pyarrow as pa

from cockpit.engine.url import DatabaseURL

# ---------------------------------------------------------------------------
# Statement recording (the page benchmark and the two-engine harness replay them).
# Process-wide on purpose: Streamlit runs page scripts on their own threads.

_recorder: list | None = None
_recorder_lock = threading.Lock()


@contextmanager
def recording() -> Iterator[list]:
    """Collect (sql, params, seconds) of every read through the door inside the block.

    A figure computed outside the database appends (sql, params, seconds, (floor sql,
    floor params)): the same figure written as SQL, the benchmark's floor."""
    global _recorder
    calls: list = []
    with _recorder_lock:
        _recorder = calls
    try:
        yield calls
    finally:
        with _recorder_lock:
            _recorder = None


def recorder() -> list | None:
    """The list being recorded into, or None (for figures computed outside the SQL)."""
    return _recorder


class Result:
    """A fetched result with the DuckDB-result methods the older call sites use."""

    def __init__(self, table: pa.Table | None):
        self._table = table
        self._rows: list[tuple] | None = None
        self._pos = 0

    def arrow(self) -> pa.Table:
        return self._table if self._table is not None else pa.table({})

    fetch_arrow_table = arrow
    to_arrow_table = arrow

    def pl(self) -> pl.DataFrame:
        return pl.from_arrow(self.arrow()) if self._table is not None else pl.DataFrame()

    def fetchall(self) -> list[tuple]:
        if self._rows is None:
            t = self.arrow()
            cols = [c.to_pylist() for c in t.columns]
            self._rows = list(zip(*cols)) if cols else []
        rows, self._pos = self._rows[self._pos:], len(self._rows)
        return rows

    def fetchone(self) -> tuple | None:
        self.fetchall() if self._rows is None else None
        if self._rows is None or self._pos >= len(self._rows):
            return None
        self._pos += 1
        return self._rows[self._pos - 1]


class Database:
    """One connection to a cockpit database (a handle per thread: see :meth:`cursor`)."""

    kind: str = ""  # "duckdb" | "clickhouse"
    url: DatabaseURL
    read_only: bool = False

    # --- the door -----------------------------------------------------------------
    def execute(self, sql: str, params: Any = None):
        """Run one statement (any kind); returns a result with fetchall()/fetchone()/pl()."""
        raise NotImplementedError

    def fetch_arrow(self, sql: str, params: Any = None, record: bool = True) -> pa.Table:
        if not record or _recorder is None:
            return self._fetch_arrow(sql, params)
        t0 = time.perf_counter()
        out = self._fetch_arrow(sql, params)
        _record(sql, params, time.perf_counter() - t0)
        return out

    def fetch_pl(self, sql: str, params: Any = None, record: bool = True) -> pl.DataFrame:
        """Run a parameterised read and return a Polars frame (Arrow underneath)."""
        if not record or _recorder is None:
            return self._fetch_pl(sql, params)
        t0 = time.perf_counter()
        out = self._fetch_pl(sql, params)
        _record(sql, params, time.perf_counter() - t0)
        return out

    def fetchall(self, sql: str, params: Any = None, record: bool = True) -> list[tuple]:
        if not record or _recorder is None:
            return self._fetchall(sql, params)
        t0 = time.perf_counter()
        out = self._fetchall(sql, params)
        _record(sql, params, time.perf_counter() - t0)
        return out

    def scalar(self, sql: str, params: Any = None, record: bool = True):
        rows = self.fetchall(sql, params, record)
        return rows[0][0] if rows else None

    # --- what each engine implements ------------------------------------------------
    def _fetch_arrow(self, sql: str, params: Any) -> pa.Table:
        raise NotImplementedError

    def _fetch_pl(self, sql: str, params: Any) -> pl.DataFrame:
        return pl.from_arrow(self._fetch_arrow(sql, params))

    def _fetchall(self, sql: str, params: Any) -> list[tuple]:
        return Result(self._fetch_arrow(sql, params)).fetchall()

    def insert(self, table: str, frame: pl.DataFrame | pa.Table) -> None:
        """Append a frame's rows to a table (columns by name)."""
        raise NotImplementedError

    @contextmanager
    def transaction(self):
        """All or nothing where the engine can give it (see each engine)."""
        raise NotImplementedError
        yield self

    @contextmanager
    def snapshot(self):
        """Several reads that see the same data, where the engine can give it."""
        yield self

    def cursor(self) -> "Database":
        """Another handle on the same database, for another thread."""
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def tables(self) -> set[str]:
        """Names of the tables (and views) of this cockpit database."""
        raise NotImplementedError

    def columns(self, table: str) -> list[str]:
        raise NotImplementedError

    def all_columns(self) -> dict[str, set[str]]:
        """{table: its column names} of every table of this database, in one look."""
        raise NotImplementedError

    @property
    def dialect(self):
        raise NotImplementedError

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _record(sql: str, params: Any, seconds: float) -> None:
    calls = _recorder
    if calls is not None:
        calls.append((sql, dict(params) if isinstance(params, dict) else (list(params) if params else {}), seconds))
