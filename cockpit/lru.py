"""A thread-safe least-recently-used store within a budget: the query result cache
(one unit per result) and the decoded buyer sets (their bytes) are both one."""

from __future__ import annotations

import threading
from collections import OrderedDict

MISSING = object()


class LRU:
    def __init__(self, budget: int):
        self.budget = budget
        self._data: OrderedDict = OrderedDict()  # key -> (value, weight)
        self._weight = 0
        self._lock = threading.Lock()

    def get(self, key, default=None):
        with self._lock:
            if key not in self._data:
                return default
            self._data.move_to_end(key)
            return self._data[key][0]

    def put(self, key, value, weight: int = 1) -> None:
        """Keep ``value``; drop the least recently used entries while over budget (the
        newest one always stays)."""
        with self._lock:
            if key in self._data:
                self._weight -= self._data.pop(key)[1]
            self._data[key] = (value, weight)
            self._weight += weight
            while self._weight > self.budget and len(self._data) > 1:
                self._weight -= self._data.popitem(last=False)[1][1]

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self._weight = 0
