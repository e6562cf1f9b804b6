"""A page's finished pieces, built once per view for everyone who looks at it.

A page turns its data (the statements' results are in the QueryCache) into cards, display
tables and Plotly figures.  Several people looking at the same view (the landing page
above all) would each build the same pieces again: Polars shaping, figures, the
buyer-set lookups a question makes before it even reaches the cache.  The memo keeps
the finished pieces per (piece, data version, what the view shows: the selection, its
resolved periods, the sidebar filters that apply, the data scope and the language), so
only the first viewer of a view builds them and an import makes them all new.

Pieces are shared between sessions and threads, so they are never changed once built
(pages draw them, they do not edit them).  A piece asked for while another thread is
building it waits for that build instead of doing it again (eight people opening the
landing page together build it once).
"""

from __future__ import annotations

import threading

from cockpit import store
from cockpit.lru import LRU, MISSING

BUDGET = 1024  # pieces (a page has 10-30; a figure or a table is a few KB to a few MB)


class Memo(LRU):
    def __init__(self, budget: int = BUDGET):
        super().__init__(budget)
        self.hits = 0
        self.builds = 0
        self._building: dict = {}  # key -> lock held by the thread building it
        self._guard = threading.Lock()

    def get_or_build(self, key, build):
        value = self.get(key, MISSING)
        if value is not MISSING:
            self.hits += 1
            return value
        with self._guard:
            lock = self._building.setdefault(key, threading.Lock())
        try:
            with lock:  # one build per key at a time; the others find it done
                value = self.get(key, MISSING)
                if value is MISSING:
                    value = build()
                    self.put(key, value)
                    self.builds += 1
                else:
                    self.hits += 1
        finally:
            with self._guard:
                if self._building.get(key) is lock:
                    del self._building[key]
        return value


MEMO = Memo()


def view_key(view) -> tuple:
    """What a page's pieces depend on besides themselves: the database, its data version
    and what the view shows; read once per selection of a View (the data version is one
    small query)."""
    cached = getattr(view, "_memo_key", None)
    shows = (view.sel, view.period, view.comparison_period, view.applies, view.scope, view.lang)
    if cached is not None and cached[1:] == shows:
        return cached
    key = (db_key(view.con), store.data_version(view.con), *shows)
    view._memo_key = key
    return key


def db_key(con) -> str | int:
    """Which database a connection reads (a process may open several: tests do)."""
    url = getattr(con, "url", None)
    return url.key if url is not None and not url.is_memory else id(con)


def memo(view, name: str, build, *extra):
    """``build()``, or the piece ``name`` (and ``extra``: what else it depends on, such as
    a search text) already built for this view."""
    return MEMO.get_or_build((name, extra, view_key(view)), build)
