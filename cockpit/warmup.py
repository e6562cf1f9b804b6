"""Keep the landing view's numbers ready: recompute them whenever the data changes.

The first visitor after an import would otherwise wait for a cold overview (seconds
for a whole year at 10M orders on 2 cores).  A daemon thread in the server process
watches the data version and, when it moves, first builds the buyer sets of the months
the import touched (cockpit.buyer_sets: until then those months are counted from
orders), then runs the default view of each page's data through the shared QueryCache,
so the landing page reads from memory.
Other filter choices are still computed on demand.
"""

from __future__ import annotations

import logging
import threading
import time

from cockpit import buyer_sets, query, store
from cockpit.engine import Database
from cockpit.selection import Selection
from cockpit.view import View

log = logging.getLogger("cockpit.warmup")
POLL_SECONDS = 2.0


def warm(con: Database, cache: query.QueryCache, lang: str = "zh") -> None:
    """Run the default (landing) view of the overview into the cache."""
    from cockpit.reports import overview

    view = View(con, Selection(), lang=lang, cache=cache)
    overview.kpis(view)
    overview.trend(view)
    overview.tables(view)


def start(con: Database, cache: query.QueryCache,
          stop: threading.Event | None = None) -> threading.Thread:
    stop = stop or threading.Event()

    def loop():
        cur = con.cursor()
        seen = None
        while not stop.is_set():
            try:
                if buyer_sets.missing_months(cur):  # after an import: the months it touched
                    t0 = time.perf_counter()
                    n = buyer_sets.build(cur)
                    log.info("built the buyer sets of %d months in %.1f s", n, time.perf_counter() - t0)
                version = store.data_version(cur)
                if version != seen:
                    t0 = time.perf_counter()
                    warm(cur, cache)
                    seen = version
                    log.info("warmed the landing view for data version %s in %.1f s", version,
                             time.perf_counter() - t0)
            except Exception:  # noqa: BLE001 - a warm-up failure must never touch the app
                log.exception("warm-up failed; the page computes on demand instead")
                seen = None
                stop.wait(30)
            stop.wait(POLL_SECONDS)
        cur.close()

    t = threading.Thread(target=loop, name="cockpit-warmup", daemon=True)
    t.start()
    return t
