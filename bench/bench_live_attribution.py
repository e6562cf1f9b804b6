"""Live figures counted with their session (issue 12): what it costs, and that it is right.

Since issue 12 a live session's orders count in the period of its start wherever they
were paid (metrics.py, the live_orders source: orders joined to their session, pruned
by each session's first and last payment kept in orders_live).  This bench

1. times the live questions the pages ask under both definitions, interleaved in one
   process (the old one, live orders by paid_at, rebuilt here from the registry), best
   of ``--runs``; and
2. checks last month's live figures by account (live_gmv, views, viewers, gpm, uv_value,
   live_buyers, product_clicks, click_conversion) against SQL written here.

    python bench/bench_live_attribution.py [--db FILE] [--orders 2000000] [--runs 15]

A missing ``--db`` is built as a demo group of ``--orders`` orders first.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cockpit import clock, periods, query, store  # noqa: E402
from cockpit import metrics as reg  # noqa: E402
from cockpit.periods import Period  # noqa: E402
from cockpit.query import Query  # noqa: E402

INDEPENDENT = """
WITH s AS (SELECT account_id, SUM(views) v, SUM(viewers) u, SUM(product_clicks) c FROM live_sessions
           WHERE started_at >= $a AND started_at < $b GROUP BY 1),
o AS (SELECT o.account_id, SUM(o.paid_amount) FILTER (WHERE o.channel = 'live') g,
             COUNT(DISTINCT o.buyer_id) FILTER (WHERE o.channel = 'live') n
      FROM orders o LEFT JOIN live_sessions ls ON ls.live_id = o.live_id
      WHERE COALESCE(ls.started_at, o.paid_at) >= $a AND COALESCE(ls.started_at, o.paid_at) < $b GROUP BY 1)
SELECT COALESCE(s.account_id, o.account_id), COALESCE(g, 0), v, u, n, c FROM s FULL JOIN o ON s.account_id = o.account_id
"""


def old_definitions() -> dict:
    """The live measures as they were: live orders by paid_at, on the orders source."""
    new = {m: reg.MEASURES[m] for m in ("live_gmv", "live_buyers", "own_live_gmv")}
    # (the forms over the rollups follow from the source: metrics.Measure.rollup)
    return {m: dataclasses.replace(x, source="orders") for m, x in new.items()}


def check(con, p: Period) -> tuple[int, list[str]]:
    ms = ["live_gmv", "views", "viewers", "gpm", "uv_value", "live_buyers", "product_clicks", "click_conversion"]
    got = {r["account"]: r for r in query.run(con, Query.make(ms, ["account"], p, labels=False)).iter_rows(named=True)}
    checked, bad = 0, []
    for acc, g, v, u, n, c in con.fetchall(INDEPENDENT, {"a": p.start_ts, "b": p.end_ts_exclusive}):
        r = got.get(acc, {})
        exp = {"live_gmv": float(g), "views": v or 0, "viewers": u or 0, "live_buyers": n or 0,
               "product_clicks": c or 0, "gpm": float(g) / v * 1000 if v else None,
               "uv_value": float(g) / u if u else None, "click_conversion": n / c if c else None}
        for m, e in exp.items():
            checked += 1
            x = r.get(m)
            same = (e is None and x is None) or (e is not None and x is not None and abs(x - e) <= 1e-9 * max(1, abs(e)))
            if not same:
                bad.append(f"{acc} {m}: {x} != {e}")
    return checked, bad


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", default=str(ROOT / "bench" / "results" / "live-attribution.duckdb"))
    ap.add_argument("--orders", type=int, default=2_000_000)
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "live-attribution.json"))
    args = ap.parse_args(argv)
    db = Path(args.db)
    if not db.exists():
        from cockpit import demo

        db.parent.mkdir(parents=True, exist_ok=True)
        demo.build(db, orders=args.orders, seed=7)
    con = store.connect(db, read_only=True)
    today = clock.today()
    last30 = Period(today - dt.timedelta(days=30), today - dt.timedelta(days=1))
    year = Period(today.replace(month=1, day=1), today - dt.timedelta(days=1))
    questions = {
        "overview KPIs, live (last 30 days)": Query.make(["gmv", "live_gmv", "gpm", "uv_value", "live_buyers",
                                                          "click_conversion"], period=last30),
        "gpm, uv_value by account (this year)": Query.make(["live_gmv", "gpm", "uv_value"], ["account"], year),
        "live buyers by account (this year)": Query.make(["live_buyers", "click_conversion"], ["account"], year),
        "gmv, live_gmv by day (last 30 days)": Query.make(["gmv", "live_gmv"], ["day"], last30),
        "live_gmv by product (last 30 days)": Query.make(["live_gmv"], ["product"], last30),
    }
    new, old = {m: reg.MEASURES[m] for m in ("live_gmv", "live_buyers", "own_live_gmv")}, old_definitions()
    orders_src = reg.SOURCES["orders"]
    out = {"orders": store.row_count(con, "orders"), "sessions": store.row_count(con, "live_sessions"),
           "runs": args.runs, "ms": {}}
    print(f"orders {out['orders']:,}, sessions {out['sessions']:,}; best of {args.runs}, ms")
    print(f"{'question':40s} {'by paid_at':>11s} {'by session':>11s}")
    for name, q in questions.items():
        best = {"old": 1e9, "new": 1e9}
        for _ in range(args.runs):
            for which, ms in (("old", old), ("new", new)):
                reg.MEASURES.update(ms)
                reg.SOURCES["orders"] = dataclasses.replace(
                    orders_src, rollups=orders_src.rollups + (("orders_live",) if which == "old" else ()))
                t0 = time.perf_counter()
                query.run(con, q)
                best[which] = min(best[which], time.perf_counter() - t0)
        reg.MEASURES.update(new)
        reg.SOURCES["orders"] = orders_src
        out["ms"][name] = {k: round(v * 1000, 1) for k, v in best.items()}
        print(f"{name:40s} {best['old'] * 1000:11.1f} {best['new'] * 1000:11.1f}")
    p = periods.resolve("last_month", today)
    checked, bad = check(con, p)
    crossing = con.scalar(
        "SELECT count(DISTINCT ls.live_id) FROM orders o JOIN live_sessions ls USING (live_id) "
        "WHERE ls.started_at >= ? AND ls.started_at < ? AND o.paid_at >= ?", [p.start_ts, p.end_ts_exclusive,
                                                                             p.end_ts_exclusive])
    out["check"] = {"period": str(p), "figures": checked, "differ": len(bad), "sessions_selling_past_the_end": crossing,
                    "differences": bad[:20]}
    print(f"{p}: {checked} live figures by account against SQL written here, {len(bad)} differ "
          f"({crossing} sessions of the month sold past its end)")
    con.close()
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, ensure_ascii=False, indent=2), encoding="utf-8")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
