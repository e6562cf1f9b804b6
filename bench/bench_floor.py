"""What ClickHouse costs before the cockpit adds anything: the floor under issue 14's
"every page's data within 2x DuckDB" target, measured on the same data in both engines.

1. bare   — a few statements written by hand over the daily rollup and the sessions, read
            from ClickHouse's physical tables (``T__rows``: no committed-batch view at
            all) and from DuckDB's tables: what each engine takes for the same small work;
2. pages  — the statements behind every page's tables and KPI cards (recorded on each
            engine for one period, ``last_30`` against the period before), run one after
            another on each engine; on ClickHouse also ``EXPLAIN PLAN`` of each: the
            statement analysed and planned, its scalar sub-queries run, the sets of its
            IN sub-queries built and the granules to read chosen, but the data not read
            (how much of a statement comes before its reads);
3. two at once — the same statements on two threads (a cursor each), on both engines:
            what issuing a page's independent statements together would give;
4. --plain DIR — copies the chDB folder to DIR, rewrites every view to read its rows with
            no batch filter (not a safe database: a measuring stick for free batch
            visibility) and runs part 2 there.

    python bench/bench_floor.py --db chdb:///abs/chdb-10000000 --duckdb abs/demo-10000000.duckdb [--runs 15] [--plain /abs/scratch]
    python bench/bench_floor.py --quick     # tiny scale, builds its own demo and copy

Prints Markdown tables and writes bench/results/floor.json.  Never asserted in tests.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from cockpit import engine, store
from cockpit.engine.clickhouse_schema import ROWS

PERIOD = {"period": "last_30", "compare": "prev"}


def bare_statements(now: dt.datetime) -> list[tuple[str, str, str]]:
    """(what, DuckDB SQL, ClickHouse SQL): the same work, ClickHouse reading its physical rows."""
    start = (now - dt.timedelta(days=30)).date().isoformat()
    od, ls, ac = ROWS.format("orders_daily"), ROWS.format("live_sessions"), ROWS.format("accounts")
    return [
        ("SELECT 1", "SELECT 1", "SELECT 1"),
        ("sum of the daily rollup", "SELECT sum(gmv) FROM orders_daily", f"SELECT sum(gmv) FROM {od}"),
        ("30 days by channel", f"SELECT channel, sum(gmv) FROM orders_daily WHERE day >= DATE '{start}' GROUP BY channel",
         f"SELECT channel, sum(gmv) FROM {od} WHERE day >= toDate('{start}') GROUP BY channel"),
        ("sessions x accounts", "SELECT sum(ls.views) FROM live_sessions ls JOIN accounts a USING (account_id)",
         f"SELECT sum(ls.views) FROM {ls} ls JOIN {ac} a ON ls.account_id = a.account_id"),
    ]


def median_ms(fn, runs: int) -> float:
    fn()  # the first run warms caches; a server that has answered once
    ts = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return 1000 * statistics.median(ts)


def record_pages(con, now: dt.datetime) -> dict[str, list[tuple[str, object]]]:
    """{page: [(sql, params)]} the statements behind each page's tables (and the overview's cards)."""
    from cockpit import memo, reports
    from cockpit.reports import overview
    from cockpit.selection import Selection
    from cockpit.view import View

    out = {}
    for page in reports.PAGES:
        memo.MEMO.clear()
        view = View(con, Selection.from_params(PERIOD), lang="zh", now=now)
        with engine.recording() as calls:
            if page == "overview":
                overview.kpis(view)
                overview.trend(view)
            reports.page_tables(page, view)
        # figures counted outside the database (buyer sets, 4-tuples) are not statements
        out[page] = [(c[0], c[1]) for c in calls if len(c) == 3 and not c[0].startswith("buyer sets")]
    return out


def run_serial(con, stmts) -> None:
    for sql, params in stmts:
        con.execute(sql, params).fetchall()


def run_two(con, stmts) -> None:
    local = threading.local()

    def one(stmt):
        if not hasattr(local, "cur"):
            local.cur = con.cursor()
        local.cur.execute(*stmt).fetchall()

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(one, stmts))


def page_figures(con, stmts, runs: int, explain: bool) -> dict:
    fig = {"statements": len(stmts), "serial_ms": median_ms(lambda: run_serial(con, stmts), runs),
           "two_ms": median_ms(lambda: run_two(con, stmts), runs)}
    if explain:
        plans = [("EXPLAIN PLAN " + sql, params) for sql, params in stmts]
        fig["plan_ms"] = median_ms(lambda: run_serial(con, plans), runs)
    return fig


def pages_figures(con, now: dt.datetime, runs: int, explain: bool) -> dict:
    """{page: page_figures} for every page's statements, recorded on ``con`` itself."""
    return {page: page_figures(con, stmts, runs, explain) for page, stmts in record_pages(con, now).items()}


_VISIBILITY = [  # the committed-batch filters of cockpit/engine/clickhouse_schema.py's views
    r"\s+PREWHERE _batch_id IN \(SELECT batch_id FROM [\w.`]*import_batches WHERE status = 'committed'\)",
    (r"\s+WHERE _row_id NOT IN \(SELECT _row_id FROM [\w.`]*_superseded_\w+`? WHERE _replaced_by IN "
     r"\(SELECT batch_id FROM [\w.`]*import_batches WHERE status = 'committed'\)\)"),
    r"\s+WHERE _batch_id IN \(SELECT batch_id FROM [\w.`]*import_batches WHERE status IN \('committed', 'undone'\)\)",
]


def plain_figures(url: engine.DatabaseURL, into: Path, now: dt.datetime, runs: int) -> dict:
    """Part 4 in a child process: a process runs chDB on one folder only, for its life."""
    dst = into / Path(url.path).name
    shutil.rmtree(dst, ignore_errors=True)
    shutil.copytree(url.path, dst, symlinks=True)
    child = subprocess.run([sys.executable, __file__, "--measure-plain", str(dst), "--now", now.isoformat(),
                            "--runs", str(runs)], capture_output=True, text=True, check=False)
    if child.returncode:
        raise SystemExit(f"the no-visibility run failed:\n{child.stderr[-3000:]}")
    return json.loads(child.stdout.strip().splitlines()[-1])


def measure_plain(folder: Path, now: dt.datetime, runs: int) -> dict:
    """Rewrite the copy's views to read every row (no batch visibility at all), then part 2."""
    dsn = f"chdb://{folder}"
    con = store.connect(dsn)
    try:
        views = con.fetchall("SELECT name, create_table_query FROM system.tables "
                             "WHERE database = currentDatabase() AND engine = 'View'")
        for name, ddl in views:
            plain = ddl.replace("coalesce(_origin, _batch_id) AS _batch_id", "_batch_id")
            for pattern in _VISIBILITY:
                plain = re.sub(pattern, "", plain)
            if "import_batches" in plain:  # the views changed shape: this measuring stick must follow
                raise SystemExit(f"view {name} keeps a batch filter this bench does not know: {plain[:300]}")
            if plain != ddl:
                con.execute(plain.replace("CREATE VIEW", "CREATE OR REPLACE VIEW", 1))
        return pages_figures(con, now, runs, explain=False)
    finally:
        con.close()


def markdown(report: dict) -> str:
    lines = ["| bare statement | DuckDB ms | ClickHouse ms | ratio |", "| --- | ---: | ---: | ---: |"]
    for b in report["bare"]:
        lines.append(f"| {b['what']} | {b['duckdb_ms']:.2f} | {b['clickhouse_ms']:.2f} | "
                     f"{b['clickhouse_ms'] / b['duckdb_ms']:.1f}x |")
    plain = "plain" in report
    head = ("| page | statements | DuckDB serial / two ms | ClickHouse serial / two ms | ratio serial / two "
            "| ClickHouse EXPLAIN PLAN ms (share) |" + (" no-visibility serial ms (ratio) |" if plain else ""))
    lines += ["", head, "| --- " * (head.count("|") - 1) + "|"]
    for page, d in report["duckdb"].items():
        c = report["clickhouse"][page]
        row = (f"| {page} | {c['statements']} | {d['serial_ms']:.1f} / {d['two_ms']:.1f} | "
               f"{c['serial_ms']:.1f} / {c['two_ms']:.1f} | {c['serial_ms'] / d['serial_ms']:.1f}x / "
               f"{c['two_ms'] / d['two_ms']:.1f}x | {c['plan_ms']:.1f} ({c['plan_ms'] / c['serial_ms']:.0%}) |")
        if plain:
            p = report["plain"][page]
            row += f" {p['serial_ms']:.1f} ({p['serial_ms'] / d['serial_ms']:.1f}x) |"
        lines.append(row)
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", help="the ClickHouse database (chdb:///… or clickhouse://…) holding the DuckDB demo's copy")
    ap.add_argument("--duckdb", type=Path, help="the DuckDB demo file")
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--plain", type=Path, help="also measure a no-visibility copy of a chDB folder made here")
    ap.add_argument("--quick", action="store_true", help="tiny scale, its own demo and copy (CI keeps it working)")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "floor.json")
    ap.add_argument("--measure-plain", type=Path, help=argparse.SUPPRESS)  # the child of --plain
    ap.add_argument("--now", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.measure_plain:
        print(json.dumps(measure_plain(args.measure_plain, dt.datetime.fromisoformat(args.now), args.runs)))
        return 0
    if args.quick:
        import bench_pages

        results = ROOT / "bench" / "results"
        args.duckdb, args.runs = results / "demo-20000.duckdb", 1
        args.db = args.db or f"chdb://{results / 'chdb-floor-20000'}"
        args.plain = args.plain or results / "plain"
        args.plain.mkdir(parents=True, exist_ok=True)
        bench_pages.ensure_db(args.duckdb, 20_000)
        bench_pages.ensure_clickhouse(args.db, args.duckdb, 20_000)
    if not args.db or not args.duckdb:
        ap.error("--db (ClickHouse) and --duckdb are needed, or --quick")
    url = store.url_of(args.db)
    if url.engine != "clickhouse":
        ap.error(f"--db must be a ClickHouse URL (chdb:///… or clickhouse://…), not {args.db}")
    if args.plain and url.scheme != "chdb":
        ap.error("--plain copies a chDB folder: it needs a chdb:///… --db")
    duck, ch = store.connect(args.duckdb, read_only=True), store.connect(args.db, read_only=True)
    report: dict = {"runs": args.runs, "cpus": os.cpu_count(), "load": os.getloadavg()[0], "bare": []}
    try:
        now = dt.datetime.fromisoformat(store.meta(duck, "demo_now"))
        for what, dsql, csql in bare_statements(now):
            report["bare"].append({"what": what,
                                   "duckdb_ms": median_ms(lambda q=dsql: duck.fetchall(q, record=False), args.runs),
                                   "clickhouse_ms": median_ms(lambda q=csql: ch.fetchall(q, record=False), args.runs)})
        for name, con in (("duckdb", duck), ("clickhouse", ch)):
            report[name] = pages_figures(con, now, args.runs, explain=name == "clickhouse")
            print(f"{name}: pages measured", flush=True)
    finally:
        ch.close()
        duck.close()
    if args.plain:
        report["plain"] = plain_figures(url, args.plain, now, args.runs)
    text = markdown(report)
    print(text)
    print(f"\nload average {report['load']:.2f} at the start, {os.getloadavg()[0]:.2f} at the end; "
          f"medians of {args.runs} runs after one warm-up")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1, ensure_ascii=False))
    print(f"results written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
