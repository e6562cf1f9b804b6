"""Inbox latency: from a file landing in the inbox to its rows on the live page's query.

    python bench/bench_inbox.py [--orders 200000] [--sessions 50] [--files 30] [--poll 1.0]

Builds a demo database in a temp folder, starts the app's inbox watcher in this process
(the same :func:`cockpit.inbox.start_watcher` the app server calls, polling every
``--poll`` s), and runs :class:`cockpit.feed.Feed` with ``--sessions`` concurrent live
sessions at real speed in a thread (a tick every 5 s: four files of 50 sessions each).
Meanwhile it drops ``--files`` probe files, each a ``live_sessions`` file for a new
session, renamed into the inbox at random moments, and polls the live page's session
query (``cockpit.reports.live.today_sessions`` through a data-version-keyed QueryCache,
as the page does) every 20 ms until the probe's session is listed.  It also times one
full board refresh (``live.board``) per probe, the work the page does per refresh.

Figures go to stdout and bench/results/inbox.json.  A page refresh adds up to one
refresh interval (30 s by default) on top of the landing-to-visible time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "inbox.json"
sys.path.insert(0, str(ROOT))


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    k = (len(xs) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--orders", type=int, default=200_000)
    ap.add_argument("--sessions", type=int, default=50)
    ap.add_argument("--files", type=int, default=30)
    ap.add_argument("--poll", type=float, default=1.0, help="watcher poll interval (the app's default: 1 s)")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()

    from cockpit import clock, demo, feed, inbox, query, store
    from cockpit.reports import live
    from cockpit.view import View

    with tempfile.TemporaryDirectory() as d:
        db = Path(d) / "bench.duckdb"
        os.environ.pop("COCKPIT_INBOX", None)
        t0 = time.perf_counter()
        demo.build(db, orders=args.orders, seed=args.seed)
        build_s = time.perf_counter() - t0
        con = store.connect(db)
        w = inbox.start_watcher(con, db, poll=args.poll)
        folder = w.inbox
        reader = con.cursor()
        cache = query.QueryCache()
        catalog = feed.catalog_from_db(reader)
        free = len(catalog["accounts"]) - len(catalog["live_now"])
        if free < args.sessions:  # more creators under the agencies, handed in like any file
            extra = args.sessions - free
            rows = "".join(f"DB{i:03d},加盟达人{i:03d},distributor,青禾MCN,{500_000 + 10_000 * i}\n" for i in range(extra))
            inbox.write_atomic(folder / "accounts-00-bench.csv",
                               ("account_id,account_name,account_type,agency,followers\n" + rows).encode("utf-8"))
            end = time.monotonic() + 60
            while not (folder / "done" / "accounts-00-bench.csv").exists() and time.monotonic() < end:
                time.sleep(0.05)
            catalog = feed.catalog_from_db(reader)

        f = feed.Feed(catalog, folder, accounts=args.sessions, speed=1.0, seed=args.seed)
        stop = threading.Event()
        ticks: list[float] = []

        def feeding():
            while not stop.is_set():
                t = time.perf_counter()
                f.tick()
                ticks.append(time.perf_counter() - t)
                stop.wait(f.interval)

        feeder = threading.Thread(target=feeding, daemon=True)
        feeder.start()
        # let the first (backfilled) tick land and be imported
        end = time.monotonic() + 60
        while not (folder / "done").exists() or (inbox.pending(folder) and time.monotonic() < end):
            time.sleep(0.1)

        rng = random.Random(args.seed)
        accounts = [a["account_id"] for a in catalog["accounts"]]
        lat, board_s, imp_s = [], [], []
        for k in range(args.files):
            time.sleep(rng.uniform(0.3, 1.5))
            lid = f"LPROBE-{k:03d}"
            started = clock.now().replace(second=0, microsecond=0)
            body = ("live_id,account_id,title,started_at,views,viewers,peak_online\n"
                    f"{lid},{rng.choice(accounts)},bench probe,{started:%Y-%m-%d %H:%M:%S},10,8,5\n")
            name = f"live_sessions-{clock.now():%Y%m%dT%H%M%S%f}-probe-{k:03d}.csv"
            tmp = folder / f".{name}.tmp"
            tmp.write_bytes(body.encode("utf-8"))
            os.replace(tmp, folder / name)
            landed = time.perf_counter()
            deadline = landed + 60
            while True:
                ids = live.today_sessions(View(reader, cache=cache))["live_id"]
                if (ids == lid).any():
                    lat.append(time.perf_counter() - landed)
                    break
                if time.perf_counter() > deadline:
                    print(f"probe {k}: not visible after 60 s", file=sys.stderr)
                    break
                time.sleep(0.02)
            t = time.perf_counter()
            b = live.board(View(reader, cache=cache))
            board_s.append(time.perf_counter() - t)
            took = store.scalar(reader, "SELECT epoch(finished_at) - epoch(started_at) FROM import_batches "
                                        "WHERE file_name = ?", [name])
            if took is not None:
                imp_s.append(float(took))
            print(f"probe {k:2d}: visible after {lat[-1]:.2f} s; board refresh {board_s[-1]:.2f} s, "
                  f"{b.sessions.filter(b.sessions['is_live']).height} live now")
        stop.set()
        feeder.join(30)
        w.stop()
        live_count = len(f.active)
        failed = len(list((folder / "failed").iterdir()))
        done = len(list((folder / "done").iterdir()))
        con.close()

    out = {
        "what": "inbox file landing (rename) -> its session listed by the live page's query",
        "when": dt.datetime.now().isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
        "demo_orders": args.orders, "demo_build_s": round(build_s, 1),
        "fed_sessions": args.sessions, "fed_sessions_live_at_end": live_count,
        "watcher_poll_s": args.poll, "probes": len(lat), "files_done": done, "files_failed": failed,
        "latency_s": {"median": round(statistics.median(lat), 3), "p95": round(pct(lat, 0.95), 3),
                      "max": round(max(lat), 3), "min": round(min(lat), 3)},
        "probe_import_s_median": round(statistics.median(imp_s), 3) if imp_s else None,
        "board_refresh_s": {"median": round(statistics.median(board_s), 3), "p95": round(pct(board_s, 0.95), 3)},
        "feed_tick_write_s_median": round(statistics.median(ticks), 3) if ticks else None,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(out, indent=1, ensure_ascii=False))
    return 0 if failed == 0 and len(lat) == args.files else 1


if __name__ == "__main__":
    sys.exit(main())
