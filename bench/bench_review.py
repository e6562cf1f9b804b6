"""Time 直播复盘 (cockpit.reports.review.Review) for many sessions of a demo group.

    python bench/bench_review.py [--orders 500000] [--sessions 40] [--db PATH]

Builds a demo database (or uses --db), then opens the review of evenly spread ended
sessions, each with a fresh query cache (cold: every statement runs) and again with the
cache warm.  Prints median and p90 in ms; figures go to bench/results/review.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "review.json"


def main() -> int:
    sys.path.insert(0, str(ROOT))
    from cockpit import demo, query, store
    from cockpit.reports import review
    from cockpit.selection import Selection
    from cockpit.view import View

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--orders", type=int, default=500_000)
    ap.add_argument("--sessions", type=int, default=40)
    ap.add_argument("--db", help="an existing cockpit database (default: build a demo)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        path = Path(args.db) if args.db else Path(d) / "demo.duckdb"
        if not args.db:
            demo.build(path, orders=args.orders)
        con = store.connect(path, read_only=True)
        ids = [r[0] for r in store.fetchall(con, "SELECT live_id FROM live_sessions WHERE ended_at IS NOT NULL "
                                                 "ORDER BY live_id")]
        step = max(len(ids) // args.sessions, 1)
        picked = ids[::step][: args.sessions]
        review.Review(View(con, Selection(live=picked[0])), picked[0])  # first touch of the file
        cold, warm, comparables = [], [], []
        for lid in picked:
            v = View(con, Selection(live=lid), cache=query.QueryCache())
            t0 = time.perf_counter()
            r = review.Review(v, lid)
            cold.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            review.Review(v, lid)
            warm.append((time.perf_counter() - t0) * 1000)
            comparables.append(len(r.comparables))
        con.close()

    def p90(x):
        return sorted(x)[int(0.9 * (len(x) - 1))]

    out = {"orders": args.orders if not args.db else None, "sessions": len(picked),
           "cold_ms": {"median": round(statistics.median(cold), 1), "p90": round(p90(cold), 1)},
           "warm_ms": {"median": round(statistics.median(warm), 1), "p90": round(p90(warm), 1)},
           "comparables_median": statistics.median(comparables)}
    print(f"review of {len(picked)} sessions: cold median {out['cold_ms']['median']} ms (p90 {out['cold_ms']['p90']}), "
          f"cached median {out['warm_ms']['median']} ms; comparable sessions median {out['comparables_median']}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
