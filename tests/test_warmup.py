"""The landing view is computed ahead of the first visitor and again after each import."""

import datetime as dt
import threading
import time

from cockpit import batches, query, schema, store, warmup
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


def test_thread_builds_the_buyer_sets_an_import_dropped(tiny_con):
    from cockpit import buyer_sets

    stop = threading.Event()
    thread = warmup.start(tiny_con, query.QueryCache(), stop)
    deadline = time.time() + 20
    while buyer_sets.missing_months(tiny_con) and time.time() < deadline:  # the tiny group's three months
        time.sleep(0.1)
    assert not buyer_sets.missing_months(tiny_con)
    batches.write_batch(tiny_con, "orders", schema.frame("orders", [
        dict(order_id="W2", paid_at=dt.datetime(2025, 6, 20), store_id="S1", channel="mall", buyer_id="B9",
             paid_amount="1"),
    ]), file_name="t")
    assert buyer_sets.missing_months(tiny_con) in ([dt.date(2025, 6, 1)], [])  # dropped (unless rebuilt already)
    while buyer_sets.missing_months(tiny_con) and time.time() < deadline:
        time.sleep(0.1)
    stop.set()
    thread.join(timeout=20)
    assert not buyer_sets.missing_months(tiny_con)
    june = store.fetchall(tiny_con, "SELECT count(*) FROM buyer_sets WHERE month = '2025-06-01'")[0][0]
    assert june == 7  # (store, account) parts of June: S1 A1, S1 -, S1 D1, S2 A2, S2 D1, S3 -, S3 A3
