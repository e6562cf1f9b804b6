"""Where the cockpit's data lives, as one string: a path or a URL (SPEC section 5).

``--db``, else ``$COCKPIT_DB``, else ``data/cockpit.duckdb``:

* a plain path or ``duckdb:///path``: an embedded DuckDB file (the default);
* ``chdb:///path``: embedded ClickHouse (chDB) in that folder, in-process;
* ``clickhouse://user:password@host:8123/database``: a ClickHouse server or cluster.

``?database=NAME`` picks the ClickHouse database inside a chDB folder (default
``cockpit``); tests use it to give each test a database of its own in one chDB engine,
since a process can host only one chDB folder at a time.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlsplit

DEFAULT_DB = Path("data") / "cockpit.duckdb"
DEFAULT_CLICKHOUSE_DATABASE = "cockpit"
SCHEMES = ("duckdb", "chdb", "clickhouse")


class URLError(ValueError):
    """A --db value that is not a path or a URL the cockpit knows (a user mistake)."""


@dataclass(frozen=True)
class DatabaseURL:
    scheme: str  # duckdb | chdb | clickhouse
    path: Path | None = None  # duckdb file or chdb folder; None for in-memory
    host: str | None = None
    port: int | None = None
    user: str | None = None
    password: str | None = None
    database: str | None = None
    secure: bool = False

    @property
    def engine(self) -> str:
        """Which engine serves it: duckdb or clickhouse (chDB is ClickHouse in-process)."""
        return "duckdb" if self.scheme == "duckdb" else "clickhouse"

    @property
    def is_memory(self) -> bool:
        return self.path is None and self.host is None

    @property
    def anchor(self) -> Path | None:
        """The file (DuckDB) or folder (chDB) on this machine that files kept beside the
        database are named after (inbox, server file, rejects); None for a server."""
        return self.path

    @property
    def local_only(self) -> bool:
        """One process at a time: an embedded engine holds its file or folder (DuckDB's
        lock, chDB's), so the running app is the one writer and the CLI hands its work
        over.  A ClickHouse server takes any number of processes."""
        return self.scheme in ("duckdb", "chdb") and self.path is not None

    @property
    def key(self) -> str:
        """Which database this is, for comparing two URLs (resolved, no password)."""
        u = self.resolve()
        if u.scheme == "clickhouse":
            return f"clickhouse://{u.user}@{u.host}:{u.port}/{u.database}"
        return f"{u.scheme}://{u.path if u.path is not None else ':memory:'}" + (
            f"?database={u.database}" if u.scheme == "chdb" else "")

    def exists(self) -> bool:
        """Whether there is something to open (a server always counts as there)."""
        if self.scheme == "clickhouse":
            return True
        return self.path is not None and self.path.exists()

    def __str__(self) -> str:  # never shows the password
        if self.scheme == "duckdb":
            return str(self.path) if self.path is not None else "duckdb:///:memory:"
        if self.scheme == "chdb":
            where = str(self.path) if self.path is not None else ":memory:"
            db = f"?database={self.database}" if self.database and self.database != DEFAULT_CLICKHOUSE_DATABASE else ""
            return f"chdb://{where}{db}"
        user = f"{quote(self.user or 'default')}:***@" if self.password else f"{quote(self.user or 'default')}@"
        return f"clickhouse://{user}{self.host}:{self.port}/{self.database}"

    def resolve(self) -> "DatabaseURL":
        """The same place with an absolute path (what Path.resolve does for a file)."""
        from dataclasses import replace

        return replace(self, path=self.path.resolve()) if self.path is not None else self

    @property
    def dsn(self) -> str:
        """The full URL, password included (for the client library and for handing the
        database to the app's own process; never for printing)."""
        if self.scheme == "duckdb":
            return str(self)
        if self.scheme == "chdb":
            return f"chdb://{self.path if self.path is not None else ':memory:'}?database={self.database}"
        auth = f"{quote(self.user or 'default')}:{quote(self.password or '')}@"
        secure = "?secure=1" if self.secure else ""
        return f"clickhouse://{auth}{self.host}:{self.port}/{self.database}{secure}"

    def with_database(self, name: str) -> "DatabaseURL":
        from dataclasses import replace

        return replace(self, database=name)


def parse(value: str | os.PathLike) -> DatabaseURL:
    """A path or URL as typed by a person (``--db``, ``$COCKPIT_DB``)."""
    if isinstance(value, os.PathLike):
        return DatabaseURL("duckdb", Path(value))
    text = str(value).strip()
    if not text:
        raise URLError("an empty database path or URL")
    if "://" not in text:
        if text == ":memory:":
            return DatabaseURL("duckdb")
        return DatabaseURL("duckdb", Path(text))
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise URLError(
            f"unknown database URL scheme {scheme + '://'!r} in {text!r}; use a file path, duckdb:///path, "
            "chdb:///path or clickhouse://user:password@host:8123/database"
        )
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    if scheme in ("duckdb", "chdb"):
        if parts.netloc not in ("", "memory", ":memory:"):
            raise URLError(f"{text!r}: write a local path with three slashes, e.g. {scheme}:///data/cockpit")
        raw = unquote(parts.path)
        path = None if raw in ("", "/:memory:", ":memory:") or parts.netloc in ("memory", ":memory:") else Path(raw)
        if scheme == "duckdb":
            return DatabaseURL("duckdb", path)
        return DatabaseURL("chdb", path, database=query.get("database") or DEFAULT_CLICKHOUSE_DATABASE)
    if not parts.hostname:
        raise URLError(f"{text!r}: a ClickHouse URL needs a host, e.g. clickhouse://default:secret@localhost:8123/cockpit")
    database = unquote(parts.path.lstrip("/")) or query.get("database") or DEFAULT_CLICKHOUSE_DATABASE
    try:
        port = parts.port or (8443 if query.get("secure") in ("1", "true") else 8123)
    except ValueError as e:
        raise URLError(f"{text!r}: {e}") from None
    return DatabaseURL(
        "clickhouse", None, parts.hostname, port,
        unquote(parts.username) if parts.username else "default",
        unquote(parts.password) if parts.password is not None else "",
        database, secure=query.get("secure") in ("1", "true") or port in (443, 8443),
    )


def resolve(cli_value: str | os.PathLike | DatabaseURL | None = None) -> DatabaseURL:
    """--db, else $COCKPIT_DB, else data/cockpit.duckdb."""
    if isinstance(cli_value, DatabaseURL):
        return cli_value
    if cli_value:
        return parse(cli_value)
    env = os.environ.get("COCKPIT_DB")
    if env:
        return parse(env)
    return DatabaseURL("duckdb", DEFAULT_DB)
