"""Logging for the server, configured once: level, one format, business-time stamps.

Operators read these lines against the data, whose times are Shanghai business time
(cockpit.clock), so the stamps are too, with the zone spelled out, whatever the
server's own zone.  `$COCKPIT_LOG_LEVEL` sets the level (default INFO).
"""

from __future__ import annotations

import datetime as dt
import logging
import os

from cockpit import clock

FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
_DONE = False


class BusinessTimeFormatter(logging.Formatter):
    def formatTime(self, record, datefmt=None):  # noqa: N802 - logging's name
        t = dt.datetime.fromtimestamp(record.created, clock.zone())
        return t.strftime(datefmt or "%Y-%m-%d %H:%M:%S") + f".{int(record.msecs):03d} {t:%z}"


def configure(level: str | None = None) -> None:
    """Once per process: the `cockpit` loggers write to stderr in business time."""
    global _DONE
    if _DONE:
        return
    _DONE = True
    handler = logging.StreamHandler()
    handler.setFormatter(BusinessTimeFormatter(FORMAT))
    root = logging.getLogger("cockpit")
    root.handlers[:] = [handler]
    root.setLevel((level or os.environ.get("COCKPIT_LOG_LEVEL") or "INFO").upper())
    root.propagate = False
