"""The landing view is computed ahead of the first visitor and again after each import."""

import datetime as dt
import threading
import time

from cockpit import batches, query, schema, warmup
from cockpit.reports import overview
from cockpit.selection import Selection
from cockpit.view import View


def test_warm_fills_the_cache_for_the_landing_view(tiny_con):
    cache = query.QueryCache()
    warmup.warm(tiny_con, cache)
    misses = cache.misses
    view = View(tiny_con, Selection(), lang="zh", cache=cache)
    overview.kpis(view)
    overview.trend(view)
    assert cache.misses == misses and cache.hits > 0  # everything came from memory


def test_thread_rewarms_after_an_import(tiny_con):
    cache = query.QueryCache()
    stop = threading.Event()
    thread = warmup.start(tiny_con, cache, stop)
    deadline = time.time() + 20
    while cache.misses == 0 and time.time() < deadline:
        time.sleep(0.1)
    assert cache.misses > 0
    before = cache.misses
    batches.write_batch(tiny_con, "orders", schema.frame("orders", [
        dict(order_id="W1", paid_at=dt.datetime.now(), store_id="S1", channel="mall", buyer_id="B9", paid_amount="1"),
    ]), file_name="t")
    while cache.misses == before and time.time() < deadline:
        time.sleep(0.1)
    stop.set()
    thread.join(timeout=20)
    assert cache.misses > before  # the new data version was computed again
