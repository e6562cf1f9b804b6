"""The inbox: how data reaches the database while the app holds it (one writer).

DuckDB lets one process open a database file for writing, and while it does no other
process can open the file at all.  So while ``cockpit serve`` runs, the app server process
is the only writer: it watches an inbox folder and imports every file dropped there
through its own connection (a cursor of it, in a daemon thread).

Folder
    ``<database stem>.inbox/`` beside the database file (``data/cockpit.duckdb`` ->
    ``data/cockpit.inbox/``), or ``$COCKPIT_INBOX``.  Imported files move to ``done/``,
    files that could not be imported to ``failed/`` with ``<name>.reason.txt`` beside
    them.  ``inbox.log`` holds one line per file processed.

File names
    The table is the name's prefix: ``live_minutes-20261125T2001.csv``,
    ``orders-x.parquet`` or plain ``orders.xlsx``; any format ``cockpit import`` takes.
    Only complete files are picked up: writers write ``.name.tmp`` (a dot-file, or any
    name ending in ``.tmp``/``.part``) and rename it when complete; the watcher ignores
    those names.  Files are processed in name order of what follows the table prefix
    (the writer's time stamp), and among files with the same stamp dimension tables
    first, then sessions, then the rest - so a session's start is imported before its
    minutes.

Guarantees
    Each file is one import batch (:func:`cockpit.importer.import_file`, source
    ``inbox``): one transaction that also bumps the data version the query caches key
    on, so a page never shows half a file and never shows stale numbers after one.  A
    file the importer rejects as a whole goes to ``failed/`` with its reason and changes
    nothing.  If the process dies mid-import the transaction is rolled back and the
    file is still in the inbox; it is imported when the app starts again (a file whose
    exact content was already committed from the inbox is just moved to ``done/``).
    Every reason is a sentence naming the file (and the row, for a rejected row), in
    the server's language (:func:`cockpit.importer.default_lang`), never an exception
    name; the server log keeps the traceback of anything unforeseen.

Liveness
    The watcher keeps ``.watcher.json`` (pid, database, heartbeat) in the inbox while it
    runs; ``cockpit import`` uses it to tell "the app holds the database: hand the files
    over" from "something else holds it: fail at once".  It also publishes
    ``.catalog.json`` (the group's accounts and products) for ``cockpit feed``, which
    cannot read the database while the app holds it.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import logging
import os
import re
import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from cockpit import clock, i18n, schema, store

log = logging.getLogger("cockpit.inbox")

POLL_SECONDS = 1.0
HEARTBEAT = ".watcher.json"
CATALOG = ".catalog.json"
LOG_NAME = "inbox.log"
DONE, FAILED = "done", "failed"
# Imported files stay in done/ this many days ($COCKPIT_INBOX_KEEP_DAYS), then go: a live
# feed lands a file every few seconds.  failed/ is kept until someone deals with it.
KEEP_DONE_DAYS = 7
PRUNE_EVERY_SECONDS = 3600
# a watcher whose pid is gone and whose heartbeat is older than this is not running
STALE_SECONDS = 30.0
_TEMP_SUFFIXES = (".tmp", ".part", ".partial", ".crdownload", ".download", "~", ".reason.txt")
# among files with the same stamp: dimensions, then sessions/videos, then facts
_RANK = {name: i for i, name in enumerate([
    "stores", "products", "accounts", "campaigns", "live_sessions", "short_videos",
    "live_minutes", "live_traffic", "orders", "ad_spend", "follower_daily", "scores_daily",
    "market_daily",
])}
_TABLES_LONGEST_FIRST = sorted(schema.TABLES, key=len, reverse=True)


# ---------------------------------------------------------------- paths and names

def inbox_dir(db_path) -> Path:
    """$COCKPIT_INBOX, else ``<database stem>.inbox`` beside the database file (or chDB
    folder; ``data/<host>-<database>.inbox`` for a ClickHouse server)."""
    env = os.environ.get("COCKPIT_INBOX")
    if env:
        return Path(env).resolve()
    return store.beside(db_path, ".inbox")


def is_temp_name(name: str) -> bool:
    """Names a writer uses while a file is incomplete (the watcher never touches them)."""
    low = name.lower()
    return name.startswith((".", "~")) or low.endswith(_TEMP_SUFFIXES)


def table_of(name: str) -> str | None:
    """The canonical table a file name starts with (``orders-x.csv``, ``orders.csv``)."""
    for t in _TABLES_LONGEST_FIRST:
        if name.startswith(t) and len(name) > len(t) and name[len(t)] in "-.":
            return t
    return None


def sort_key(name: str):
    t = table_of(name)
    rest = name[len(t) + 1:] if t else name
    return (rest, _RANK.get(t, len(_RANK)), name)


def pending(inbox: Path) -> list[Path]:
    """Complete files waiting in the inbox, in processing order."""
    try:
        entries = list(os.scandir(inbox))
    except FileNotFoundError:
        return []
    files = [Path(e.path) for e in entries if not is_temp_name(e.name) and e.is_file() and e.name != LOG_NAME]
    return sorted(files, key=lambda p: sort_key(p.name))


def _free_name(folder: Path, name: str) -> Path:
    target = folder / name
    i = 2
    while target.exists() or (folder / f"{target.name}.reason.txt").exists():
        stem, dot, ext = name.partition(".")
        target = folder / f"{stem}~{i}{dot}{ext}"
        i += 1
    return target


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``.<name>.tmp`` beside ``path``, then rename: readers see all or nothing."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _claim_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.by")


def hand_in(inbox: Path, src: Path, table: str, seq: int = 0, by: str | None = None) -> Path:
    """Copy ``src`` into the inbox as ``<table>-<stamp>-<seq>-<name>`` (copy, then rename).

    ``by``: who hands it in (``cockpit import --user``), written beside it first, so the
    watcher records the import as theirs."""
    schema.table(table)
    inbox.mkdir(parents=True, exist_ok=True)
    stamp = clock.now().strftime("%Y%m%dT%H%M%S%f")
    safe = re.sub(r"[^\w.\-]+", "_", src.name).lstrip(".") or "file"
    target = inbox / f"{table}-{stamp}-{seq:03d}-{safe}"
    tmp = inbox / f".{target.name}.tmp"
    if by:
        write_atomic(_claim_path(target), by.encode("utf-8"))
    try:
        shutil.copyfile(src, tmp)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target


# ---------------------------------------------------------------- liveness

def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


def watcher_info(inbox: Path) -> dict | None:
    """The running watcher's heartbeat, or None when no app watches this inbox."""
    try:
        info = json.loads((inbox / HEARTBEAT).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    fresh = time.time() - float(info.get("beat", 0)) < STALE_SECONDS
    if info.get("pid") == os.getpid() or fresh or _pid_alive(int(info.get("pid", -1))):
        return info
    return None


# ---------------------------------------------------------------- processing

@dataclass
class Outcome:
    name: str  # the file's name in the inbox
    ok: bool
    moved_to: Path | None
    line: str  # one line for the log and the CLI


def _db_file(con) -> str | None:
    """Which database the app serves (for `cockpit feed`; no password)."""
    from cockpit import engine

    url = engine.wrap(con).url
    return str(url.anchor) if url.anchor is not None else url.key


class Watcher:
    """Imports the inbox's files through one cursor of the app's connection."""

    def __init__(self, con, inbox: Path, poll: float = POLL_SECONDS, before_commit=None, lang: str | None = None):
        from cockpit import importer

        self.con = con  # the server's connection: only ever used to make our cursor
        self.inbox = Path(inbox)
        self.lang = importer.default_lang(lang)
        self.poll = poll
        self.before_commit = before_commit  # tests: die mid-transaction
        self._cur = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._seen_bad: set[str] = set()  # files we could not even move away
        self.processed = 0

    # -- one pass ------------------------------------------------------------------
    @property
    def cur(self):
        if self._cur is None:
            self._cur = self.con.cursor()
        return self._cur

    def setup(self) -> None:
        for sub in (DONE, FAILED):
            (self.inbox / sub).mkdir(parents=True, exist_ok=True)

    def run_once(self) -> list[Outcome]:
        """Import every complete file waiting now, in order; never raises for a file."""
        self.setup()
        out = []
        for path in pending(self.inbox):
            if self._stop.is_set():
                break
            if path.name in self._seen_bad:
                continue
            out.append(self.process(path))
        return out

    def process(self, path: Path) -> Outcome:
        from cockpit import importer

        name = path.name
        table = table_of(name)
        lang = self.lang
        if table is None:
            known = ", ".join(f"{t}-" for t in schema.TABLES)
            return self._fail(path, f"{name}: " + i18n.t("imp.inbox_bad_name", lang, known=known))
        try:
            data = path.read_bytes()
        except FileNotFoundError:  # taken away meanwhile
            return Outcome(name, False, None, f"{name}: " + i18n.t("imp.inbox_vanished", lang))
        except OSError as e:
            return self._fail(path, i18n.t("imp.not_imported", lang, file=name, table=table,
                                           problem=i18n.t("imp.cannot_open", lang, why=e.strerror or e)))
        sha = hashlib.sha256(data).hexdigest()
        del data
        if store.scalar(
            self.cur,
            "SELECT batch_id FROM import_batches WHERE file_name = ? AND sha256 = ? AND source = 'inbox' "
            "AND status = 'committed' LIMIT 1",
            [name, sha],
        ) is not None:  # committed before a crash that came before the move
            return self._done(path, f"{name} → {table}: " + i18n.t("imp.inbox_already", lang))
        result = None
        try:  # handed in by `cockpit import --user NAME`
            by = _claim_path(path).read_text("utf-8").strip()
            by = f"{by} (inbox)" if by else "inbox"
        except OSError:
            by = "inbox"
        for attempt in range(4):
            try:
                result = importer.import_file(
                    self.cur, table, path, imported_by=by, source="inbox",
                    before_commit=self.before_commit, lang=lang,
                )
            except Exception as e:  # noqa: BLE001 - one bad file must not stop the app
                log.exception("inbox: importing %s failed", name)
                if _connection_gone(e):
                    raise
                why = str(e).strip().splitlines()[0][:200] if str(e).strip() else type(e).__name__
                return self._fail(path, i18n.t("imp.not_imported", lang, file=name, table=table,
                                               problem=i18n.t("imp.unexpected", lang, why=why)))
            # another writer of the same process (e.g. an undo in the app) touched the
            # same rows at the same moment: that is worth a retry, not a failure
            if result.ok or "conflict" not in (result.problem or "").lower():
                break
            time.sleep(0.2 * (attempt + 1))
        if not result.ok:
            return self._fail(path, result.summary_line())
        outcome = self._done(path, result.summary_line())
        if table in ("stores", "accounts", "products"):
            self.publish_catalog()
        return outcome

    def _log(self, line: str) -> None:
        stamp = clock.now().strftime("%Y-%m-%d %H:%M:%S")
        try:
            with open(self.inbox / LOG_NAME, "a", encoding="utf-8") as f:
                f.write(f"{stamp}  {line}\n")
        except OSError:
            log.warning("inbox: cannot write %s", self.inbox / LOG_NAME)

    def _move(self, path: Path, folder: str, before_move=None) -> Path | None:
        target = _free_name(self.inbox / folder, path.name)
        try:
            if before_move:
                before_move(target)
            os.replace(path, target)
            os.utime(target)  # done/ is pruned by when a file got there, not when it was written
            _claim_path(path).unlink(missing_ok=True)
            return target
        except OSError:
            log.exception("inbox: cannot move %s to %s/", path.name, folder)
            self._seen_bad.add(path.name)
            return None

    def _done(self, path: Path, line: str) -> Outcome:
        self._log(f"done    {line}")
        self.processed += 1
        return Outcome(path.name, True, self._move(path, DONE), line)

    def _fail(self, path: Path, reason: str) -> Outcome:
        self._log(f"failed  {reason}")
        self.processed += 1

        def write_reason(target: Path) -> None:
            # the reason is in place before the file appears in failed/
            (target.parent / f"{target.name}.reason.txt").write_text(reason + "\n", encoding="utf-8")

        return Outcome(path.name, False, self._move(path, FAILED, write_reason), reason)

    # -- catalog and heartbeat ------------------------------------------------------
    def publish_catalog(self) -> None:
        from cockpit import catalog

        try:
            cat = catalog.catalog_from_db(self.cur)
            write_atomic(self.inbox / CATALOG, json.dumps(cat, ensure_ascii=False).encode("utf-8"))
        except Exception:  # noqa: BLE001 - the feed's convenience, never the app's problem
            log.exception("inbox: cannot publish the catalog")

    def beat(self) -> None:
        info = {"pid": os.getpid(), "db": _db_file(self.cur), "beat": time.time(),
                "poll": self.poll, "processed": self.processed}
        try:
            write_atomic(self.inbox / HEARTBEAT, json.dumps(info).encode("utf-8"))
        except OSError:
            log.warning("inbox: cannot write the heartbeat in %s", self.inbox)

    # -- the thread -----------------------------------------------------------------
    def start(self) -> "Watcher":
        self.setup()
        self.beat()
        self.publish_catalog()
        self._thread = threading.Thread(target=self._loop, name=f"cockpit-inbox:{self.inbox.name}", daemon=True)
        self._thread.start()
        atexit.register(self.stop)
        return self

    def prune_done(self, now: float | None = None) -> int:
        """Delete files that have been in done/ longer than the keep period; their batches
        stay recorded in the database.  Returns how many went."""
        days = float(os.environ.get("COCKPIT_INBOX_KEEP_DAYS", KEEP_DONE_DAYS))
        cutoff = (time.time() if now is None else now) - days * 86400
        gone = 0
        try:
            entries = list(os.scandir(self.inbox / DONE))
        except FileNotFoundError:
            return 0
        for e in entries:
            try:
                if e.is_file() and e.stat().st_mtime < cutoff:
                    os.unlink(e.path)
                    gone += 1
            except OSError:
                pass
        if gone:
            self._log(f"pruned  {gone} file(s) older than {days:g} days from {DONE}/")
        return gone

    def _loop(self) -> None:
        last_beat = last_prune = 0.0
        while not self._stop.is_set():
            try:
                self.run_once()
                if time.time() - last_beat > 2.0:
                    self.beat()
                    last_beat = time.time()
                if time.time() - last_prune > PRUNE_EVERY_SECONDS:
                    self.prune_done()
                    last_prune = time.time()
            except Exception as e:  # noqa: BLE001 - the app must keep running
                if _connection_gone(e):
                    log.warning("inbox: the database connection is closed; the watcher stops")
                    break
                log.exception("inbox: watcher pass failed")
            self._stop.wait(self.poll)
        self._clear_heartbeat()

    def _clear_heartbeat(self) -> None:
        try:
            info = json.loads((self.inbox / HEARTBEAT).read_text("utf-8"))
            if info.get("pid") == os.getpid():
                (self.inbox / HEARTBEAT).unlink()
        except (OSError, ValueError):
            pass

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)
        self._clear_heartbeat()
        with _LOCK:
            if _WATCHERS.get(str(self.inbox)) is self:
                del _WATCHERS[str(self.inbox)]

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()


def _connection_gone(e: BaseException) -> bool:
    from cockpit import engine

    return engine.connection_gone(e)


_WATCHERS: dict[str, Watcher] = {}
_LOCK = threading.Lock()


def start_watcher(con, db_path, poll: float = POLL_SECONDS) -> Watcher | None:
    """Start (once per process and inbox) the thread that imports the inbox's files.

    Never raises: the app runs without an inbox rather than not at all.
    """
    try:
        folder = inbox_dir(db_path)
        with _LOCK:
            w = _WATCHERS.get(str(folder))
            if w is not None and w.alive:
                return w
            w = Watcher(con, folder, poll=poll)
            _WATCHERS[str(folder)] = w
        w.start()
        log.info("inbox: watching %s", folder)
        return w
    except Exception:  # noqa: BLE001
        log.exception("inbox: cannot start the watcher")
        return None
