"""The ClickHouse engine: a ClickHouse server or cluster (``clickhouse://``), or chDB
in-process (``chdb://``), both through clickhouse-connect.

Statements arrive with DuckDB's placeholders (``?``, ``$name``); :func:`bind` turns the
values into ClickHouse literals outside the SQL text it was given (strings escaped by
clickhouse-connect, dates and times as typed literals), so a typed value never becomes
SQL of its own.  Session settings make ClickHouse answer like DuckDB where the cockpit
relies on it: an outer join's missing side is NULL (not 0 or ''), an aggregate over no
rows is NULL, a bare UNION removes duplicates, times are read and written as the wall
clock they were imported as (stored as UTC, read back without a zone).

What ClickHouse cannot give: multi-statement transactions (``transaction`` runs the
block without BEGIN/ROLLBACK; the import writes are made atomic by their own protocol,
see cockpit.batches) and a reader's snapshot across statements.
"""

from __future__ import annotations

import datetime as dt
import decimal
import os
import re
import threading
from contextlib import contextmanager
from typing import Any

import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from cockpit.engine.base import Database, Result
from cockpit.engine.dialect import CLICKHOUSE
from cockpit.engine.url import DatabaseURL

SETTINGS = {
    "session_timezone": "UTC",  # times are stored as UTC wall clocks, whatever the host's zone
    "join_use_nulls": 1,  # "no data" stays NULL through outer joins, as in DuckDB
    "aggregate_functions_null_for_empty": 1,  # sum/max over no rows: NULL, as in DuckDB
    "union_default_mode": "DISTINCT",  # a bare UNION deduplicates, as in DuckDB
    "joined_subquery_requires_alias": 0,
    "cast_keep_nullable": 1,
    "prefer_column_name_to_alias": 1,  # a column named like an alias means the column, as in DuckDB
    # a year of session ids bound as a list reaches the parser as literals (chDB and the
    # HTTP client substitute parameters client-side): the 256 KB default refused it
    "max_query_size": 16 * 1024 * 1024,
}

_READS = ("SELECT", "WITH", "SHOW", "DESCRIBE", "DESC", "EXPLAIN", "EXISTS", "(")


def _error_class():
    from clickhouse_connect.driver.exceptions import Error

    return Error


class OpenError(Exception):
    """The database cannot be opened; ``locked`` when another process holds the chDB folder."""

    def __init__(self, message: str, locked: bool = False):
        super().__init__(message)
        self.locked = locked


# chDB runs one embedded server per process, on one folder: the folder this process
# hosts (while any handle is open), and the handles open on it.
_CHDB_LOCK = threading.Lock()
_chdb_open: dict[str, int] = {}


def _chdb_held_elsewhere(folder) -> bool:
    """Whether another process runs chDB on ``folder`` (it keeps an exclusive flock on
    the folder's ``status`` file while it does, as a ClickHouse server does)."""
    import fcntl

    status = folder / "status"
    if not status.exists():
        return False
    try:
        fd = os.open(status, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    except OSError:
        return True
    finally:
        os.close(fd)


# ---------------------------------------------------------------------------
# Binding


def literal(value: Any) -> str:
    """A Python value as a ClickHouse literal."""
    from clickhouse_connect.driver.binding import format_query_value

    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.replace(tzinfo=None)
        return f"toDateTime64('{value.strftime('%Y-%m-%d %H:%M:%S.%f')}', 6, 'UTC')"
    if isinstance(value, dt.date):
        return f"toDate('{value.isoformat()}')"
    if isinstance(value, decimal.Decimal):
        return f"toDecimal128('{value}', {max(-value.as_tuple().exponent, 0)})"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):  # NumPy scalars
        return literal(value.item())
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return format_query_value(value)
    raise TypeError(f"cannot bind a {type(value).__name__} for ClickHouse")


# DuckDB function names ClickHouse spells otherwise (same arguments, same meaning).
RENAMES = {"arg_max": "argMax", "arg_min": "argMin"}
_RENAME = re.compile(r"\b(" + "|".join(RENAMES) + r")(?=\s*\()")


def bind(sql: str, params: Any = None) -> str:
    """``sql`` with DuckDB placeholders (``?`` in order, ``$name`` by name) replaced by
    the values' literals, and the few DuckDB function names of RENAMES in ClickHouse's
    spelling; quoted strings, quoted names and comments are left alone."""
    if not params and not _RENAME.search(sql):
        return sql
    params = params or {}
    positional = list(params) if not isinstance(params, dict) else None
    out: list[str] = []
    i, n, k = 0, len(sql), 0
    while i < n:
        ch = sql[i]
        if ch in ("'", '"', "`"):
            j = i + 1
            while j < n:
                if sql[j] == "\\" and ch == "'":
                    j += 2
                    continue
                if sql[j] == ch:
                    if j + 1 < n and sql[j + 1] == ch:
                        j += 2
                        continue
                    break
                j += 1
            out.append(sql[i:j + 1])
            i = j + 1
        elif ch == "-" and sql.startswith("--", i):
            j = sql.find("\n", i)
            j = n if j < 0 else j
            out.append(sql[i:j])
            i = j
        elif ch == "?" and positional is not None:
            if k >= len(positional):
                raise ValueError("more ? placeholders than values")
            out.append(literal(positional[k]))
            k += 1
            i += 1
        elif ch == "$" and isinstance(params, dict) and i + 1 < n and (sql[i + 1].isalpha() or sql[i + 1] == "_"):
            j = i + 1
            while j < n and (sql[j].isalnum() or sql[j] == "_"):
                j += 1
            name = sql[i + 1:j]
            if name not in params:
                raise KeyError(f"no value bound for ${name}")
            out.append(literal(params[name]))
            i = j
        elif (ch.isalpha() or ch == "_") and (i == 0 or not (sql[i - 1].isalnum() or sql[i - 1] in "_$")):
            j = i + 1
            while j < n and (sql[j].isalnum() or sql[j] == "_"):
                j += 1
            word = sql[i:j]
            out.append(RENAMES[word] if word in RENAMES and _RENAME.match(sql, i) else word)
            i = j
        else:
            out.append(ch)
            i += 1
    return "".join(out)


_ADD_COLUMN = re.compile(r"^\s*ALTER TABLE\s+(\"?\w+\"?)\s+ADD COLUMN IF NOT EXISTS\s+(\"?\w+\"?)\s+(.+?)\s*$",
                         re.I | re.S)


def _ddl(sql: str) -> str:
    """The project's simple DuckDB DDL (a module's CREATE TABLE IF NOT EXISTS, an added
    column) in ClickHouse's spelling; anything else as it is."""
    head = sql.lstrip()[:40].upper()
    if head.startswith("CREATE TABLE IF NOT EXISTS") and "ENGINE" not in sql.upper():
        from cockpit.engine.clickhouse_schema import translate_ddl

        return translate_ddl(sql)
    m = _ADD_COLUMN.match(sql) if head.startswith("ALTER TABLE") else None
    if m:
        return f"ALTER TABLE {m.group(1)} ADD COLUMN IF NOT EXISTS {m.group(2)} {CLICKHOUSE.type(m.group(3))}"
    return sql


_QUALIFIED = re.compile(r"^[A-Za-z_]\w*\.([A-Za-z_]\w*)$")


def _names(names: list[str]) -> list[str]:
    """Column names as DuckDB gives them: ``ls.account_id`` (ClickHouse keeps the table
    alias when two joined tables have the column) is ``account_id``."""
    out = []
    for n in names:
        m = _QUALIFIED.match(n)
        out.append(m.group(1) if m and m.group(1) not in names and m.group(1) not in out else n)
    return out


def _normalise(table: pa.Table) -> pa.Table:
    """As DuckDB returns it: times without a zone (the stored wall clock), integers signed,
    columns named like DuckDB names them."""
    names = _names(table.column_names)
    if names != table.column_names:
        table = table.rename_columns(names)
    cols, changed = [], False
    for f, col in zip(table.schema, table.columns):
        t = f.type
        if pa.types.is_timestamp(t) and (t.tz is not None or t.unit != "us"):
            # UTC instants -> the same wall clock, naive, in microseconds (DuckDB's TIMESTAMP)
            col = pc.cast(pc.cast(col, pa.timestamp(t.unit)) if t.tz is not None else col, pa.timestamp("us"))
            changed = True
        elif pa.types.is_unsigned_integer(t):
            col = pc.cast(col, pa.int64())
            changed = True
        elif pa.types.is_large_string(t):
            pass
        cols.append(col)
    if not changed:
        return table
    return pa.table(cols, names=table.column_names)


# ---------------------------------------------------------------------------


class ClickHouseDatabase(Database):
    kind = "clickhouse"

    def __init__(self, url: DatabaseURL, read_only: bool = False, client=None):
        self.url = url
        self.read_only = read_only
        self._client = client or _client(url)
        self._lock = threading.RLock()

    @property
    def dialect(self):
        return CLICKHOUSE

    @property
    def client(self):
        return self._client

    def execute(self, sql: str, params: Any = None):
        text = bind(_ddl(sql), params)
        with self._lock:
            if text.lstrip().upper().startswith(_READS):
                return Result(_normalise(self._client.query_arrow(text, use_strings=True)))
            self._client.command(text)
            return Result(None)

    def _fetch_arrow(self, sql: str, params: Any) -> pa.Table:
        with self._lock:
            return _normalise(self._client.query_arrow(bind(sql, params), use_strings=True))

    def _fetch_pl(self, sql: str, params: Any) -> pl.DataFrame:
        return pl.from_arrow(self._fetch_arrow(sql, params))

    def insert(self, table: str, frame) -> None:
        arrow = frame.to_arrow() if isinstance(frame, pl.DataFrame) else frame
        if arrow.num_rows == 0:
            return
        arrow = pa.table([c.combine_chunks() if isinstance(c, pa.ChunkedArray) else c for c in arrow.columns],
                         names=arrow.column_names)
        with self._lock:
            self._client.insert_arrow(table, arrow)

    @contextmanager
    def transaction(self):
        """No BEGIN/ROLLBACK on ClickHouse: the block's statements take effect one by one.
        Writes that must be all or nothing follow cockpit.batches' staged protocol."""
        yield self

    @contextmanager
    def snapshot(self):
        yield self  # each statement reads a consistent set of parts; no snapshot across statements

    def cursor(self) -> "ClickHouseDatabase":
        _hold(self.url)
        return ClickHouseDatabase(self.url, self.read_only)

    def close(self) -> None:
        if isinstance(self._client, _Closed):
            return
        client, self._client = self._client, _Closed()
        try:
            client.close()
        except Exception:  # noqa: BLE001 - closing twice, or a server gone away
            pass
        _release(self.url)

    def tables(self) -> set[str]:
        return {r[0] for r in self.fetchall("SELECT name FROM system.tables WHERE database = currentDatabase()",
                                            record=False)}

    def all_columns(self) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for t, c in self.fetchall("SELECT table, name FROM system.columns WHERE database = currentDatabase()",
                                  record=False):
            out.setdefault(t, set()).add(c)
        return out

    def columns(self, table: str) -> list[str]:
        return [r[0] for r in self.fetchall(
            "SELECT name FROM system.columns WHERE database = currentDatabase() AND table = ? ORDER BY position",
            [table], record=False)]


class _Closed:
    """What a closed handle holds instead of its client: any use says so."""

    def __getattr__(self, name):
        raise RuntimeError("connection already closed")


def _client(url: DatabaseURL, database: str | None = None):
    import clickhouse_connect

    db = database if database is not None else url.database
    if url.scheme == "chdb":
        path = str(url.path.resolve()) if url.path is not None else ":memory:"
        return clickhouse_connect.get_client(interface="chdb", path=None if path == ":memory:" else path,
                                             database=db, settings=SETTINGS)
    return clickhouse_connect.get_client(
        host=url.host, port=url.port, username=url.user, password=url.password or "", database=db,
        secure=url.secure, settings=SETTINGS, connect_timeout=10,
    )


def _hold(url: DatabaseURL) -> None:
    if url.scheme == "chdb":
        key = str(url.path.resolve()) if url.path is not None else ":memory:"
        with _CHDB_LOCK:
            _chdb_open[key] = _chdb_open.get(key, 0) + 1


def _release(url: DatabaseURL) -> None:
    if url.scheme == "chdb":
        key = str(url.path.resolve()) if url.path is not None else ":memory:"
        with _CHDB_LOCK:
            n = _chdb_open.get(key, 0) - 1
            if n > 0:
                _chdb_open[key] = n
            else:
                _chdb_open.pop(key, None)


def _check_chdb_folder(url: DatabaseURL) -> None:
    """A clear refusal before chDB's own (which names neither the folder nor why)."""
    if url.scheme != "chdb" or url.path is None:
        return
    key = str(url.path.resolve())
    with _CHDB_LOCK:
        here = dict(_chdb_open)
    if key in here:
        return  # this process hosts it already: one more handle
    other = next((k for k in here if k != key), None)
    if other is not None:
        raise OpenError(f"this process already runs chDB on {other}; a process can open one chDB folder at a time")
    if _chdb_held_elsewhere(url.path.resolve()):
        raise OpenError(f"the chDB folder {url.path} is in use by another process", locked=True)


def open_database(url: DatabaseURL, read_only: bool = False) -> ClickHouseDatabase:
    Error = _error_class()
    _check_chdb_folder(url)
    try:
        if url.scheme == "chdb" and url.path is not None and not read_only:
            url.path.mkdir(parents=True, exist_ok=True)
        client = _client(url, database="default")
        if not read_only:
            client.command(f"CREATE DATABASE IF NOT EXISTS `{url.database}`")
        elif not client.query("SELECT count() FROM system.databases WHERE name = {d:String}",
                              parameters={"d": url.database}).result_rows[0][0]:
            client.close()
            raise OpenError(f"database {url} does not exist; run `cockpit demo` or `cockpit copy` first")
        client.database = url.database
        _hold(url)
        return ClickHouseDatabase(url, read_only, client)
    except Error as e:
        raise OpenError(f"cannot open {url}: {str(e).strip().splitlines()[0]}") from e
    except OSError as e:
        raise OpenError(f"cannot reach {url}: {e}") from e
