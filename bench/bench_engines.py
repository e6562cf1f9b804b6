"""Two-engine harness at demo scale: which of the pages' statements ClickHouse answers
like DuckDB (issue 14, the input of phase 2), plus the figures of the move.

1. builds the demo group in DuckDB (or reuses bench/results/demo-N.duckdb) and times
   ``cockpit copy`` of it into chDB;
2. runs every page (Streamlit's AppTest, the real page scripts) over three periods,
   recording every statement at the engine's door;
3. replays each distinct statement with its parameters on both engines and compares
   the rows (cockpit.engine.parity);
4. measures chDB's per-statement overhead against DuckDB's (``SELECT 1``) and what the
   committed-batch view costs against the bare table.

    python bench/bench_engines.py [--orders 500000] [--runs 200]

Prints a Markdown report and writes bench/results/engines.json and engines.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cockpit import copy, demo, engine, store  # noqa: E402
from cockpit.engine import parity  # noqa: E402

ENTRY = ROOT / "app" / "streamlit_app.py"
PAGES = ["overview", "live", "sessions", "entities", "growth"]
COMBOS = [{"period": "last_30", "compare": "prev"}, {"period": "this_year", "compare": "yoy"},
          {"period": "last_7", "compare": "none"}]


def record(db: Path) -> list:
    from streamlit.testing.v1 import AppTest

    from cockpit import ui

    os.environ["COCKPIT_DB"] = str(db)
    os.environ["COCKPIT_WARMUP"] = "0"
    app_con, app_cache = ui._open(str(db.resolve()))  # the app's connection and query cache
    calls: list = []
    for params in COMBOS:
        for page in PAGES:
            at = AppTest.from_file(str(ENTRY), default_timeout=300)
            for k, v in params.items():
                at.query_params[k] = v
            at.run()
            app_cache.clear()  # every statement of the page runs (and is recorded), none from the cache
            with engine.recording() as got:
                at.switch_page(f"views/{page}.py").run()
            if at.exception:
                raise RuntimeError(f"{page} {params}: {at.exception[0].value}")
            calls += got
    app_con.close()
    ui._open.clear()
    return calls


def overhead(con, runs: int) -> float:
    xs = []
    for _ in range(runs):
        t0 = time.perf_counter()
        con.fetchall("SELECT 1", record=False)
        xs.append(time.perf_counter() - t0)
    return 1000 * statistics.median(xs)


def timed(con, sql: str, runs: int = 5) -> float:
    xs = []
    for _ in range(runs):
        t0 = time.perf_counter()
        con.fetchall(sql, record=False)
        xs.append(time.perf_counter() - t0)
    return 1000 * statistics.median(xs)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--orders", type=int, default=500_000)
    ap.add_argument("--runs", type=int, default=200, help="SELECT 1 repetitions for the overhead")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "engines.json")
    args = ap.parse_args()
    results = ROOT / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    db = results / f"demo-{args.orders}.duckdb"
    if not db.exists():
        t0 = time.perf_counter()
        demo.build(db, orders=args.orders, progress=True)
        print(f"demo built in {time.perf_counter() - t0:.1f} s", flush=True)
    chdir = results / f"chdb-{args.orders}"
    shutil.rmtree(chdir, ignore_errors=True)
    duck = store.connect(db, read_only=True)
    ch = store.connect(f"chdb://{chdir}")
    t0 = time.perf_counter()
    counts = copy.copy(duck, ch)
    copy_s = time.perf_counter() - t0
    assert all(c.ok for c in counts), [c for c in counts if not c.ok]
    orders = next(c.source for c in counts if c.table == "orders")
    print(f"cockpit copy DuckDB -> chDB: {copy_s:.1f} s ({orders:,} orders, every count equal)", flush=True)
    duck.close()

    calls = record(db)
    duck = store.connect(db, read_only=True)
    statements = parity.distinct_statements(calls)
    outcomes = []
    for sql, params in statements:
        t0 = time.perf_counter()
        o = parity.compare(duck, ch, sql, params)
        o_ms = 1000 * (time.perf_counter() - t0)
        outcomes.append((o, o_ms))
    tally = {v: sum(o.verdict == v for o, _ in outcomes) for v in (parity.IDENTICAL, parity.FAILING, parity.DIFFERENT)}
    report = {
        "orders": orders, "copy_s": copy_s, "recorded": len(calls), "distinct": len(statements), **tally,
        "select1_ms": {"duckdb": overhead(duck, args.runs), "chdb": overhead(ch, args.runs)},
        "view_vs_table_ms": {
            "orders view (committed batches)": timed(ch, "SELECT count(), sum(paid_amount) FROM orders"),
            "orders__rows (bare table)": timed(ch, "SELECT count(), sum(paid_amount) FROM orders__rows"),
            "duckdb orders": timed(duck, "SELECT count(*), sum(paid_amount) FROM orders"),
        },
        "statements": [{"sig": o.sig, "verdict": o.verdict, "detail": o.detail, "sql": o.sql, "ms": ms}
                       for o, ms in outcomes],
    }
    lines = [f"# ClickHouse (chDB) against DuckDB, demo of {orders:,} orders", "",
             f"- `cockpit copy` DuckDB -> chDB: {copy_s:.1f} s",
             f"- statements recorded: {len(calls)}, distinct: {len(statements)}: "
             f"{tally['identical']} identical, {tally['failing']} failing, {tally['different']} different",
             f"- per-statement overhead (SELECT 1, median of {args.runs}): DuckDB "
             f"{report['select1_ms']['duckdb']:.2f} ms, chDB {report['select1_ms']['chdb']:.2f} ms",
             *(f"- {k}: {v:.1f} ms" for k, v in report["view_vs_table_ms"].items()), "",
             "| sig | verdict | why | statement |", "| --- | --- | --- | --- |"]
    for o, _ in outcomes:
        if o.verdict != parity.IDENTICAL:
            lines.append(f"| {o.sig} | {o.verdict} | {o.detail.replace('|', '/')} | "
                         f"`{' '.join(o.sql.split())[:160].replace('|', '/')}…` |")
    md = "\n".join(lines)
    print(md)
    args.out.write_text(json.dumps(report, indent=1, ensure_ascii=False, default=str))
    args.out.with_suffix(".md").write_text(md + "\n")
    duck.close()
    ch.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
