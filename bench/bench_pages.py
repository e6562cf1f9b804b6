"""Page benchmark: every page at a 10M-order scale, against the raw statements as the floor,
on DuckDB and (``--db chdb:///…`` or ``clickhouse://…``) on ClickHouse beside it.

For each page and a set of filter combinations it runs the real page script (Streamlit's
AppTest, the same entry users get) with a cold query cache and records every SQL
statement the page issued (cockpit.query.recording).  It reports, median and p95 over
--runs:

* data   — time spent getting the page's data through the cockpit's query layer
           (SQL execution + Arrow -> Polars), i.e. what the page waits for;
* raw    — the very same statements, with the same parameters, run straight through
           DuckDB (``con.sql(sql, params=params or None).to_arrow_table()``): the floor;
           for the figures the cockpit counts in NumPy (buyers and repurchase per buyer
           key) the floor is DuckDB computing those figures in SQL;
* ratio  — data / raw;
* script — the whole page script run (data + Polars shaping + Plotly figures +
           Streamlit element serialisation), for information.

"Cold" is the query result cache and the page pieces (cockpit.memo); DuckDB's buffer
pool and the buyer sets decoded in memory (cockpit.buyer_sets.DECODED) stay warm from
the run before, as in a server that has answered once.  --cold-sets drops the decoded sets too before each run.

With --browser it also starts `cockpit serve` on the database and measures what people
feel in headless Chromium (Debian's, never a download; bench/browser.py): a sidebar pick
and a row pick to the page fully redrawn, the overview's first visit in a fresh browser,
and N = 1, 4, 8 sessions at once on the overview (p50 / p95 render time, the server's RSS
and its own CPU seconds per page view, from /proc).

With ``--db`` a ClickHouse URL, one run measures both engines: the DuckDB demo file
(``--duckdb``, built when missing) and the ClickHouse database (filled from that file
by ``cockpit copy`` when it holds no demo of this size), page by page, and prints them
side by side with the issue's target (ClickHouse within 2x DuckDB and under 600 ms).
For ClickHouse "raw" is the same statements sent straight through clickhouse-connect.

    python bench/bench_pages.py [--orders 10000000] [--db PATH] [--runs 5] [--browser [--crowd 1,4,8]]
    python bench/bench_pages.py --orders 100000000 --runs 3     # page data at 100M orders
    python bench/bench_pages.py --db chdb:///abs/path/bench/results/chdb-10000000 --runs 5
    python bench/bench_pages.py --quick      # tiny scale, as CI runs it

Prints Markdown tables (the last one: each target, its figure and whether it holds) and
writes bench/results/pages.json.  Never asserted in tests.  The load average is printed
beside the figures: the machine is shared.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cockpit import buyer_sets, demo, memo, query, store

sys.path.insert(0, str(ROOT / "bench"))
import browser

ENTRY = ROOT / "app" / "streamlit_app.py"
PAGES_DIR = "views"
PAGES = ["overview", "live", "sessions", "entities", "growth", "review"]


def ensure_db(path: Path, orders: int) -> float | None:
    """Build the demo unless a demo of this size is already there; return build seconds."""
    if path.exists():
        con = store.connect(path, read_only=True)
        try:
            n = store.scalar(con, "SELECT value FROM cockpit_meta WHERE key = 'demo_orders'")
        finally:
            con.close()
        if n is not None and int(n) == orders:
            con = store.connect(path)  # a file from before the buyer sets: build them once
            try:
                t0 = time.perf_counter()
                if months := buyer_sets.build(con):
                    print(f"buyer sets of {months} months built in {time.perf_counter() - t0:.1f} s", flush=True)
            finally:
                con.close()
            return None
    t0 = time.perf_counter()
    demo.build(path, orders=orders, progress=True)
    return time.perf_counter() - t0


def combos(con) -> list[tuple[str, dict]]:
    """Whole group, one brand, one store, one account; three periods; with/without comparison."""
    brand = store.scalar(con, "SELECT s.brand FROM orders o JOIN stores s USING (store_id) GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1")
    top_store = store.scalar(con, "SELECT store_id FROM orders GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1")
    top_acct = store.scalar(con, "SELECT account_id FROM orders WHERE account_id IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1")
    return [
        ("group · last_30 · prev", {"period": "last_30", "compare": "prev"}),
        ("group · last_7 · none", {"period": "last_7", "compare": "none"}),
        ("group · this_year · yoy", {"period": "this_year", "compare": "yoy"}),
        ("group · this_year · none", {"period": "this_year", "compare": "none"}),
        ("brand · last_30 · prev", {"period": "last_30", "compare": "prev", "brand": brand}),
        ("brand · this_year · none", {"period": "this_year", "compare": "none", "brand": brand}),
        ("store · last_30 · prev", {"period": "last_30", "compare": "prev", "store": top_store}),
        ("store · last_7 · none", {"period": "last_7", "compare": "none", "store": top_store}),
        ("account · last_30 · prev", {"period": "last_30", "compare": "prev", "account": top_acct}),
        ("account · this_year · yoy", {"period": "this_year", "compare": "yoy", "account": top_acct}),
    ]


def raw_seconds(con, calls) -> float:
    """The floor: every statement straight through the engine's own client (DuckDB's
    ``con.sql``, clickhouse-connect's query).  Figures the cockpit computes in NumPy
    (repurchase per buyer key) have DuckDB's own SQL for them as their floor, not the
    cheaper fetch of the codes they start from."""
    total = 0.0
    for call in calls:
        sql, params = call[3] if len(call) > 3 else call[:2]
        t0 = time.perf_counter()
        if con.kind == "duckdb":
            con.raw.sql(sql, params=params or None).to_arrow_table()
        else:
            con.client.query_arrow(ch_bind(sql, params), use_strings=True)
        total += time.perf_counter() - t0
    return total


def ch_bind(sql, params):
    from cockpit.engine import clickhouse_engine

    return clickhouse_engine.bind(sql, params)


def page_runs(db, runs: int, only_pages: list[str], cold_sets: bool = False, filters=None) -> list[dict]:
    from streamlit.testing.v1 import AppTest

    from cockpit import ui

    url = store.url_of(db)
    saved_env = {k: os.environ.get(k) for k in ("COCKPIT_DB", "COCKPIT_WARMUP")}
    os.environ["COCKPIT_DB"] = url.dsn
    os.environ["COCKPIT_WARMUP"] = "0"  # measure cold pages: no background warm-up refilling the cache
    # The app's own connection (one per process, as in a server); raw runs use a cursor of it.
    app_con, app_cache = ui._open(url.dsn)
    raw_con = app_con.cursor()
    out = []
    try:
        for label, params in filters or combos(raw_con):
            for page in only_pages:
                data, raw, script, nsql = [], [], [], 0
                for _ in range(runs + 1):  # the first run warms Python imports and DuckDB's file cache
                    at = AppTest.from_file(str(ENTRY), default_timeout=300)
                    for k, v in params.items():
                        at.query_params[k] = v
                    at.run()
                    app_cache.clear()  # cold query cache for the measured run
                    memo.MEMO.clear()  # and no page pieces built by the run before (cockpit.memo)
                    if cold_sets:  # and no buyer sets decoded in memory either (the first question after start)
                        buyer_sets.DECODED.clear()
                    with query.recording() as calls:
                        t0 = time.perf_counter()
                        at.switch_page(f"{PAGES_DIR}/{page}.py").run()
                        script.append(time.perf_counter() - t0)
                    if at.exception:
                        raise RuntimeError(f"{page} {label}: {at.exception[0].value}")
                    data.append(sum(c[2] for c in calls))
                    raw.append(raw_seconds(raw_con, calls))
                    nsql = len(calls)
                data, raw, script = data[1:], raw[1:], script[1:]
                row = {
                    "engine": url.engine, "page": page, "filters": label, "statements": nsql,
                    "data_median_ms": 1000 * statistics.median(data), "data_p95_ms": 1000 * browser.p95(data),
                    "raw_median_ms": 1000 * statistics.median(raw), "raw_p95_ms": 1000 * browser.p95(raw),
                    "script_median_ms": 1000 * statistics.median(script),
                }
                row["ratio"] = row["data_median_ms"] / row["raw_median_ms"] if row["raw_median_ms"] else None
                out.append(row)
                print(f"  {url.engine:10s} {page:9s} {label:28s} data {row['data_median_ms']:7.0f} ms (p95 {row['data_p95_ms']:6.0f})"
                      f"  raw {row['raw_median_ms']:7.0f} ms  ratio {row['ratio'] or 0:4.2f}"
                      f"  script {row['script_median_ms']:6.0f} ms  ({nsql} statements)", flush=True)
    finally:
        raw_con.close()
        app_con.close()  # a `cockpit serve` for the browser part must be able to open the file
        ui._open.clear()
        for k, v in saved_env.items():  # the browser part's server must not inherit them (its warm-up)
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return out


def ensure_clickhouse(url, duck: Path, orders: int) -> float | None:
    """The ClickHouse database holds the demo of ``duck`` (``cockpit copy`` when it holds
    another size or nothing); returns the copy's seconds, None when it was there."""
    from cockpit import copy

    ch = store.connect(url)
    try:
        if "cockpit_meta" in ch.tables() and store.meta(ch, "demo_orders") == str(orders):
            t0 = time.perf_counter()  # a copy from before ClickHouse kept buyer sets: build them once
            if months := buyer_sets.build(ch):
                print(f"ClickHouse buyer sets of {months} months built in {time.perf_counter() - t0:.1f} s", flush=True)
            return None
        ch.execute(f"DROP DATABASE IF EXISTS `{store.url_of(url).database}`")
    finally:
        ch.close()
    src, dst = store.connect(duck, read_only=True), store.connect(url)
    try:
        t0 = time.perf_counter()
        counts = copy.copy(src, dst)
        assert all(c.ok for c in counts), counts
        return time.perf_counter() - t0
    finally:
        src.close()
        dst.close()


def peak_rss_mb() -> float:
    status = Path("/proc/self/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("VmHWM")).split()[1]) / 1024


def side_by_side(rows: list[dict]) -> tuple[str, list[dict]]:
    """One line per page and filters: DuckDB, ClickHouse, their ratio and the target."""
    by = {}
    for r in rows:
        by.setdefault((r["page"], r["filters"]), {})[r["engine"]] = r
    lines = ["| page | filters | DuckDB data ms | ClickHouse data ms | ClickHouse raw ms | CH / DuckDB | target |",
             "| --- | --- | ---: | ---: | ---: | ---: | --- |"]
    out = []
    for (page, filters), e in by.items():
        d, c = e.get("duckdb"), e.get("clickhouse")
        if not d or not c:
            continue
        ratio = c["data_median_ms"] / d["data_median_ms"] if d["data_median_ms"] else None
        met = c["data_median_ms"] <= 600 and (ratio is not None and ratio <= 2)
        out.append({"page": page, "filters": filters, "duckdb_ms": d["data_median_ms"],
                    "clickhouse_ms": c["data_median_ms"], "ratio": ratio, "met": met})
        lines.append(f"| {page} | {filters} | {d['data_median_ms']:.0f} | {c['data_median_ms']:.0f} | "
                     f"{c['raw_median_ms']:.0f} | {ratio or 0:.2f} | {'met' if met else 'missed'} |")
    return "\n".join(lines), out


def _biggest_brand(db) -> str:
    con = store.connect(db, read_only=True)
    try:
        return store.scalar(con, "SELECT s.brand FROM orders_daily o JOIN stores s USING (store_id) "
                                 "GROUP BY 1 ORDER BY sum(o.orders) DESC, 1 LIMIT 1")
    finally:
        con.close()


def targets(report: dict) -> tuple[str, list[dict]]:
    """Issue 18's targets (and issue 7's for the page data), each with the figure measured
    and whether it holds."""
    big = report["orders"] >= 100_000_000
    rows = []

    def add(what, target, figure, held, unit="s"):
        rows.append({"what": what, "target": target, "figure": figure, "held": held, "unit": unit})

    duck = [r for r in report.get("pages", []) if r["engine"] == "duckdb"]
    if duck:
        worst = max(duck, key=lambda r: r["data_median_ms"])
        limit = 1000 if big else 300
        add(f"page data, every page and filter (worst: {worst['page']} / {worst['filters']})",
            f"median < {limit} ms", round(worst["data_median_ms"]), worst["data_median_ms"] < limit, "ms")
    b = report.get("browser") or {}
    if b.get("first_visit_s"):
        first = statistics.median(b["first_visit_s"])
        add("overview, first visit (fresh browser)", "< 2.5 s", round(first, 2), first < 2.5)
    for page, r in (b.get("pages") or {}).items():
        pick = statistics.median(r["pick_s"])
        add(f"{page}: sidebar pick to redrawn", "median < 1.0 s", round(pick, 2), pick < 1.0)
        if r.get("row_s"):
            row = statistics.median(r["row_s"])
            add(f"{page}: row pick to detail drawn", "median < 1.0 s", round(row, 2), row < 1.0)
    for c in b.get("crowd") or []:
        add(f"{c['n']} at once: overview render p95", "< 3 s at N = 8" if c["n"] == 8 else "—",
            round(c["p95_s"], 2), c["p95_s"] < 3 if c["n"] == 8 else None)
        add(f"{c['n']} at once: server CPU per overview view", "< 0.25 s", round(c["server_cpu_s_per_view"], 3),
            c["server_cpu_s_per_view"] < 0.25)
        add(f"{c['n']} at once: errors", "none", len(c["errors"]), not c["errors"], "")
    for c in b.get("wire") or []:
        add(f"{c['n']} at once, no browser (the server's part): overview p95", "< 3 s at N = 8" if c["n"] == 8 else "—",
            round(c["p95_s"], 2), c["p95_s"] < 3 if c["n"] == 8 else None)
        add(f"{c['n']} at once, no browser: errors", "none", len(c["errors"]), not c["errors"], "")
    if b.get("server_peak_rss_mb"):
        add("server peak RSS", "< 1.5 GB", round(b["server_peak_rss_mb"]), b["server_peak_rss_mb"] < 1536, "MB")
    lines = [f"| target ({report['orders']:,d} orders) | target | measured | holds |", "| --- | --- | ---: | --- |"]
    for r in rows:
        held = "—" if r["held"] is None else ("held" if r["held"] else "**missed**")
        lines.append(f"| {r['what']} | {r['target']} | {r['figure']} {r['unit']} | {held} |")
    return "\n".join(lines), rows


def markdown(rows: list[dict]) -> str:
    lines = ["| engine | page | filters | statements | data median ms | data p95 ms | raw median ms | ratio | "
             "script median ms |",
             "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in rows:
        lines.append(f"| {r['engine']} | {r['page']} | {r['filters']} | {r['statements']} | {r['data_median_ms']:.0f} | "
                     f"{r['data_p95_ms']:.0f} | {r['raw_median_ms']:.0f} | {r['ratio'] or 0:.2f} | {r['script_median_ms']:.0f} |")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--orders", type=int, default=10_000_000)
    ap.add_argument("--db", help="the DuckDB file, or a ClickHouse URL (chdb:///… or clickhouse://…) to measure "
                                 "beside the DuckDB demo")
    ap.add_argument("--duckdb", type=Path, help="with a ClickHouse --db: the DuckDB demo file (default "
                                                 "bench/results/demo-N.duckdb)")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--pages", default=",".join(PAGES))
    ap.add_argument("--browser", action="store_true", help="also time clicks, first visits and several viewers "
                                                           "in headless Chromium")
    ap.add_argument("--skip-data", action="store_true", help="with --browser: only the browser part")
    ap.add_argument("--repeat", type=int, default=5, help="with --browser: picks per page")
    ap.add_argument("--crowd", default="1,4,8", help="with --browser: sessions at once on the overview")
    ap.add_argument("--views", type=int, default=5, help="with --browser: overview views per session at once")
    ap.add_argument("--quick", action="store_true", help="tiny scale and one run of every part (CI keeps the "
                                                         "bench working)")
    ap.add_argument("--cold-sets", action="store_true",
                    help="also drop the decoded buyer sets before each measured run (read back from the file)")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "pages.json")
    args = ap.parse_args()
    if args.quick:  # every part of the bench, at a size CI runs in a minute or two
        args.orders, args.runs, args.repeat, args.crowd, args.views = 20_000, 1, 1, "1,2", 1
        args.browser = args.browser or browser.available()
    target = store.url_of(args.db) if args.db else None
    ch = target if target is not None and target.engine == "clickhouse" else None
    default = ROOT / "bench" / "results" / f"demo-{args.orders}.duckdb"
    db = args.duckdb or (target.path if target is not None and ch is None else default)
    db.parent.mkdir(parents=True, exist_ok=True)
    pages = [p for p in args.pages.split(",") if p]
    print(f"database {db} ({args.orders:,d} orders)", flush=True)
    build = ensure_db(db, args.orders)
    if build is not None:
        print(f"demo built in {build:.1f} s", flush=True)
    report = {"orders": args.orders, "runs": args.runs, "demo_build_s": build, "cpus": os.cpu_count()}
    report["cold_sets"] = args.cold_sets
    con = store.connect(db, read_only=True)
    try:
        filters = combos(con)  # the same filters on both engines (picked from DuckDB's data)
    finally:
        con.close()
    report["pages"] = [] if args.skip_data else page_runs(db, args.runs, pages, args.cold_sets, filters)
    report["peak_rss_mb_after_duckdb"] = peak_rss_mb()
    if ch is not None:
        print(f"ClickHouse {ch}", flush=True)
        copied = ensure_clickhouse(ch, db, args.orders)
        if copied is not None:
            print(f"copied into ClickHouse in {copied:.1f} s", flush=True)
        report["clickhouse_copy_s"] = copied
        if not args.skip_data:
            report["pages"] += page_runs(ch, args.runs, pages, args.cold_sets, filters)
        report["peak_rss_mb"] = peak_rss_mb()
    if args.browser:
        brand = _biggest_brand(db)
        report["browser"] = browser.run(db, pages, brand, repeat=args.repeat,
                                        crowd_sizes=[int(x) for x in args.crowd.split(",") if x],
                                        views=args.views, log=args.out.with_suffix(".serve.log"))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1, ensure_ascii=False))
    if report["pages"]:
        print()
        print(markdown(report["pages"]))
        if ch is not None:
            table, report["side_by_side"] = side_by_side(report["pages"])
            print()
            print(table)
            print(f"\npeak RSS of this process: {report['peak_rss_mb']:.0f} MB "
                  f"(after the DuckDB part: {report['peak_rss_mb_after_duckdb']:.0f} MB)")
        worst = max(report["pages"], key=lambda r: r["data_median_ms"])
        print(f"\nslowest page data: {worst['page']} / {worst['filters']}: {worst['data_median_ms']:.0f} ms median")
    if report.get("browser"):
        print()
        print(browser.summary(report["browser"]))
    print()
    table, report["targets"] = targets(report)
    print(table)
    print(f"results written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
