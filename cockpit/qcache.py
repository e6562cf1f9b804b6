"""The query result cache: results keyed by the statement, its parameters and the data
version, so a figure is never stale after an import and never recomputed on a rerun."""

from __future__ import annotations

from cockpit import store
from cockpit.lru import LRU, MISSING


class QueryCache(LRU):
    """Results keyed by (SQL, parameters, data version): an import bumps the version,
    so a number is never stale after an import and never recomputed on a plain rerun."""

    def __init__(self, max_entries: int = 512):
        super().__init__(max_entries)
        self.hits = 0
        self.misses = 0

    def get_or_run(self, key, run):
        value = self.get(key, MISSING)
        if value is not MISSING:
            with self._lock:
                self.hits += 1
            return value
        value = run()
        with self._lock:
            self.misses += 1
        self.put(key, value)
        return value


def cached(con, cache: QueryCache | None, sql: str, params: dict, compute, *kind):
    """``compute()``, or its cached result for (kind, SQL, parameters, data version)."""
    if cache is None:
        return compute()
    key = (*kind, sql, tuple(sorted((k, repr(v)) for k, v in params.items())), store.data_version(con))
    return cache.get_or_run(key, compute)
