"""The server's background work: inbox watcher, upkeep and push scheduler.

Each runs on its own daemon thread through its own cursor of the server's connection,
and each survives its own failures (logged, retried later): a bad file, a failed
rebuild or an unreachable chat bot must never stop the others or the pages.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import logging
import os
import threading

from cockpit import clock, store

log = logging.getLogger("cockpit.service")
PUSH_SECONDS = float(os.environ.get("COCKPIT_PUSH_SECONDS", "15"))
PRUNE_SECONDS = 600.0


class Loop:
    """A daemon thread calling ``step(cursor)`` every ``seconds`` until stopped."""

    def __init__(self, name: str, con, step, seconds: float, stop: threading.Event):
        self.name, self.con, self.step, self.seconds = name, con, step, seconds
        self._stop = stop
        self.thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> "Loop":
        self.thread.start()
        return self

    def _run(self) -> None:
        cur = self.con.cursor()
        try:
            while not self._stop.is_set():
                try:
                    self.step(cur)
                except Exception:  # noqa: BLE001 - the server keeps running; next round retries
                    log.exception("%s: a round failed; retrying in %.0f s", self.name, self.seconds)
                self._stop.wait(self.seconds)
        finally:
            cur.close()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self.thread.is_alive() and self.thread is not threading.current_thread():
            self.thread.join(timeout)


class Scheduler:
    """Calls cockpit.push.tick on a schedule and as soon as the data version moves (an
    import committed), so alert rules see new data within seconds, not minutes."""

    def __init__(self, seconds: float = PUSH_SECONDS):
        self.seconds = seconds
        self._version = None
        self._last: dt.datetime | None = None

    def __call__(self, cur) -> None:
        tick = _push_tick()
        if tick is None:
            return
        now = clock.now()
        version = store.data_version(cur)
        due = self._last is None or (now - self._last).total_seconds() >= self.seconds
        if due or version != self._version:
            self._version, self._last = version, now
            tick(cur, now)


def _push_tick():
    if importlib.util.find_spec("cockpit.push") is None:
        return None
    from cockpit import push

    return getattr(push, "tick", None)


def _prune_sessions(cur) -> None:
    from cockpit import websession

    websession.prune(cur)


def start_all(rt) -> list:
    """Start every background worker for the runtime ``rt``; return them (each has stop())."""
    from cockpit import inbox

    workers: list = []
    watcher = inbox.start_watcher(rt.con, rt.db)
    if watcher is not None:
        workers.append(watcher)
    if os.environ.get("COCKPIT_WARMUP", "1") != "0":
        from cockpit import warmup

        thread = warmup.start(rt.con, rt.cache, rt.stop_event)
        workers.append(_Joined(thread, rt.stop_event))
    workers.append(Loop("cockpit-sessions", rt.con, _prune_sessions, PRUNE_SECONDS, rt.stop_event).start())
    # the scheduler polls often and decides itself when push work is due
    workers.append(Loop("cockpit-scheduler", rt.con, Scheduler(), 2.0, rt.stop_event).start())
    log.info("background work started for %s: inbox watcher, upkeep, scheduler", rt.db)
    return workers


class _Joined:
    def __init__(self, thread: threading.Thread, stop: threading.Event):
        self.thread, self._stop = thread, stop

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self.thread.join(timeout)
