"""The server process's one database connection and the background work that shares it.

`cockpit serve` is the process people leave running for the group, so its work must not
wait for a visitor: the inbox watcher, the upkeep (buyer sets, warm-up, ended sessions)
and the push scheduler start with the server (cockpit.service.lifespan) and stop with
it.  Pages, the HTTP API and commands handed over by the CLI all read through cursors of
this one connection (DuckDB lets one process hold the file, chDB its folder; on a
ClickHouse server it is simply this process's client).

The runtime also leaves a *server file* beside the database (``<db>.server.json``, owner-
only) with the app's URL and a secret: a `cockpit` command that finds the database held
reads it and hands its work to the running app (cockpit.service.handover).  A ClickHouse
server is never held, so there nothing is handed over (every process opens it itself).
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import threading
from dataclasses import dataclass, field
from pathlib import Path

from cockpit import query, store
from cockpit.engine import DatabaseURL

log = logging.getLogger("cockpit.service")


@dataclass
class Runtime:
    db: DatabaseURL  # resolved
    con: object  # the process's connection; everyone else uses con.cursor()
    cache: query.QueryCache
    base_url: str | None = None
    secret: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    stop_event: threading.Event = field(default_factory=threading.Event)
    workers: list = field(default_factory=list)  # objects with .stop()

    def cursor(self):
        return self.con.cursor()

    @property
    def server_file(self) -> Path:
        return server_file(self.db)


_LOCK = threading.Lock()
_CURRENT: Runtime | None = None


def server_file(db) -> Path:
    """``<database>.server.json`` beside the DuckDB file or chDB folder."""
    return store.beside(db, ".server.json")


def current() -> Runtime | None:
    return _CURRENT


def start(db, base_url: str | None = None, background: bool = True) -> Runtime:
    """Open the database and start the background work, once per process (idempotent).

    ``background=False`` only opens the connection (a page test has no server to run
    work for); a later call with a base URL, from the server's lifespan, still starts it.
    """
    global _CURRENT
    db = store.url_of(db)
    with _LOCK:
        rt = _CURRENT
        if rt is not None and rt.db.key != db.key:
            raise store.StoreError(f"this process already serves {rt.db}, not {db}")
        if rt is None:
            con = store.connect(db)
            rt = Runtime(db, con, query.QueryCache())
            store.share(db, con)
            _CURRENT = rt
        if base_url and not rt.base_url:
            rt.base_url = base_url
            os.environ["COCKPIT_BASE_URL"] = base_url
            if db.local_only:  # only a held file or folder needs the CLI's hand-over
                _write_server_file(rt)
        if background and not rt.workers:
            from cockpit.service import background as bg

            rt.workers = bg.start_all(rt)
        return rt


def stop() -> None:
    """Stop the background work, remove the server file, close the connection."""
    global _CURRENT
    with _LOCK:
        rt, _CURRENT = _CURRENT, None
    if rt is None:
        return
    rt.stop_event.set()
    for w in rt.workers:
        try:
            w.stop()
        except Exception:  # noqa: BLE001 - stopping must go on for the others
            log.exception("stopping %r failed", w)
    _remove_server_file(rt)
    store.unshare(rt.db)
    try:
        rt.con.close()
    except Exception:  # noqa: BLE001
        pass
    log.info("stopped; database %s closed", rt.db)


def _write_server_file(rt: Runtime) -> None:
    info = {"pid": os.getpid(), "url": rt.base_url, "secret": rt.secret, "db": rt.db.key}
    path = rt.server_file
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # the secret is the owner's only
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(info, f)
    os.replace(tmp, path)


def _remove_server_file(rt: Runtime) -> None:
    try:
        info = json.loads(rt.server_file.read_text("utf-8"))
        if info.get("pid") == os.getpid():
            rt.server_file.unlink()
    except (OSError, ValueError):
        pass


def running_server(db) -> dict | None:
    """The running app's server file for this database, if its process is alive."""
    try:
        info = json.loads(server_file(db).read_text("utf-8"))
        pid = int(info["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass
    return info
