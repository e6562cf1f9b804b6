"""Two engines at demo scale: every page on DuckDB and on ClickHouse (chDB) with the same
data, compared cell by cell, plus the figures of the move (issue 14).

1. builds the demo group in DuckDB (or reuses bench/results/demo-N.duckdb) and times
   ``cockpit copy`` of it into a fresh chDB folder;
2. computes every page (the reports behind the pages and `cockpit export`) on each
   engine over three periods, each engine writing its own statements, and compares
   every table's CSV, the KPI cards and the trend;
3. measures each engine's cost per statement (``SELECT 1``).

    python bench/bench_engines.py [--orders 500000] [--runs 200]

Prints a Markdown report and writes bench/results/engines.json and engines.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cockpit import copy, demo, engine, store  # noqa: E402

PERIODS = [{"period": "last_month", "compare": "yoy"}, {"period": "last_30", "compare": "prev"},
           {"period": "this_year", "compare": "none"}]


def outputs(con, now: dt.datetime) -> tuple[dict, int, float]:
    """{what: cells} of every page for every period; statements issued; seconds."""
    from cockpit import reports
    from cockpit.reports import overview
    from cockpit.selection import Selection
    from cockpit.view import View

    out: dict = {}
    t0 = time.perf_counter()
    with engine.recording() as calls:
        for i, params in enumerate(PERIODS):
            view = View(con, Selection.from_params(params), lang="zh", now=now)
            out[f"{params['period']} kpis"] = {k: round(v, 9) if isinstance(v, float) else v
                                               for k, v in overview.kpis(view).items()}
            out[f"{params['period']} trend"] = overview.trend(view).to_dicts()
            for page in reports.PAGES:
                for t in reports.page_tables(page, view):
                    out[f"{params['period']} {page}/{t.name}"] = t.csv_bytes()
    return out, len(calls), time.perf_counter() - t0


def overhead(con, runs: int) -> float:
    ts = []
    for _ in range(runs):
        t0 = time.perf_counter()
        con.fetchall("SELECT 1", record=False)
        ts.append(time.perf_counter() - t0)
    return 1000 * statistics.median(ts)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--orders", type=int, default=500_000)
    ap.add_argument("--runs", type=int, default=200)
    args = ap.parse_args()
    results = ROOT / "bench" / "results"
    duck_path = results / f"demo-{args.orders}.duckdb"
    if not duck_path.exists():
        demo.build(duck_path, orders=args.orders, progress=True)
    ch_dir = results / f"chdb-{args.orders}"
    shutil.rmtree(ch_dir, ignore_errors=True)
    duck = store.connect(duck_path, read_only=True)
    ch = store.connect(f"chdb://{ch_dir}")
    try:
        t0 = time.perf_counter()
        counts = copy.copy(duck, ch)
        copy_s = time.perf_counter() - t0
        assert all(c.ok for c in counts), counts
        now = dt.datetime.fromisoformat(store.meta(duck, "demo_now"))
        got_duck, n_duck, s_duck = outputs(duck, now)
        got_ch, n_ch, s_ch = outputs(ch, now)
        differ = sorted(k for k in set(got_duck) | set(got_ch) if got_duck.get(k) != got_ch.get(k))
        report = {
            "orders": args.orders, "copy_s": copy_s, "compared": len(got_duck), "differ": differ,
            "statements": {"duckdb": n_duck, "chdb": n_ch}, "seconds": {"duckdb": s_duck, "chdb": s_ch},
            "select1_ms": {"duckdb": overhead(duck, args.runs), "chdb": overhead(ch, args.runs)},
        }
    finally:
        duck.close()
        ch.close()
    lines = [
        f"# ClickHouse (chDB) against DuckDB, demo of {args.orders:,d} orders",
        "",
        f"- `cockpit copy` DuckDB -> chDB: {report['copy_s']:.1f} s",
        f"- every page over {len(PERIODS)} periods: {report['compared']} tables, cards and trends compared, "
        f"{len(differ)} differ{': ' + ', '.join(differ) if differ else ''}",
        f"- statements: DuckDB {n_duck} in {s_duck:.1f} s, chDB {n_ch} in {s_ch:.1f} s (cold, no cache)",
        f"- per-statement overhead (SELECT 1, median of {args.runs}): DuckDB {report['select1_ms']['duckdb']:.2f} ms, "
        f"chDB {report['select1_ms']['chdb']:.2f} ms",
    ]
    text = "\n".join(lines)
    print(text)
    (results / "engines.md").write_text(text + "\n")
    (results / "engines.json").write_text(json.dumps(report, indent=1, ensure_ascii=False))
    return 0 if not differ else 1


if __name__ == "__main__":
    sys.exit(main())
