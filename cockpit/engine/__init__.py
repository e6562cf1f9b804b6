"""The engine boundary (layer 2 of the house): the only package that talks to a
database.  ``connect(url)`` opens a cockpit database by path or URL and returns a
:class:`~cockpit.engine.base.Database`, the one door every statement goes through.

Nothing outside this package should import ``duckdb`` or ``clickhouse_connect``
(issue 14; the modules still doing so are listed in the README's engine section).
"""

from __future__ import annotations

from cockpit.engine.base import Database, Result, recorder, recording
from cockpit.engine.dialect import CLICKHOUSE, DUCKDB, Dialect
from cockpit.engine.url import DEFAULT_DB, DatabaseURL, URLError, parse, resolve

__all__ = ["Database", "DatabaseURL", "Dialect", "Error", "OpenError", "Result", "URLError", "connect",
           "errors", "connection_gone", "parse", "wrap", "recorder", "recording", "resolve", "DEFAULT_DB", "DUCKDB", "CLICKHOUSE"]


class OpenError(Exception):
    """A database that cannot be opened; ``locked`` when another process holds the file."""

    def __init__(self, message: str, locked: bool = False):
        super().__init__(message)
        self.locked = locked


def connect(url, read_only: bool = False) -> Database:
    """Open the database at ``url`` (a path, a URL or a DatabaseURL); raises OpenError."""
    u = resolve(url)
    if u.engine == "duckdb":
        from cockpit.engine import duckdb_engine

        try:
            return duckdb_engine.open_database(u, read_only)
        except duckdb_engine.OpenError as e:
            raise OpenError(str(e), e.locked) from e
    from cockpit.engine import clickhouse_engine

    try:
        return clickhouse_engine.open_database(u, read_only)
    except ImportError as e:
        raise OpenError(f"{u}: the ClickHouse client is not installed ({e}); pip install clickhouse-connect chdb") from e
    except clickhouse_engine.OpenError as e:
        raise OpenError(str(e), e.locked) from e


def wrap(con) -> Database:
    """``con`` as a Database: a bare DuckDB connection (a test's, a script's) gets the door."""
    if isinstance(con, Database):
        return con
    from cockpit.engine import duckdb_engine

    return duckdb_engine.DuckDBDatabase(con, DatabaseURL("duckdb"))


def errors() -> tuple[type[BaseException], ...]:
    """The exception classes a database statement raises, on every installed engine:
    ``except engine.errors() as e`` catches a refused statement whatever the engine."""
    out: list[type[BaseException]] = []
    try:
        import duckdb

        out.append(duckdb.Error)
    except ImportError:
        pass
    try:
        from clickhouse_connect.driver.exceptions import Error as CHError

        out.append(CHError)
    except ImportError:
        pass
    return tuple(out)


def connection_gone(e: BaseException) -> bool:
    """Whether ``e`` says the connection itself is closed (the server is shutting down),
    not that one statement was refused."""
    try:
        import duckdb

        if isinstance(e, duckdb.ConnectionException):
            return True
    except ImportError:
        pass
    text = str(e).lower()
    return "connection already closed" in text


def __getattr__(name: str):
    if name == "Error":  # engine.Error: usable in `except engine.Error` (a tuple of classes)
        return errors()
    raise AttributeError(name)
