"""Robustness, the long run (issue 12): generated files through the importer, kills mid-import.

The same checks as tests/test_robustness.py, many more times:

- ``--files N`` generated messy files (tests/messy.py: every table kind, aliases and
  odd headers, NaN / 1e-320 / 2.02611E+18 / 9999-12-31 cells, quotes and line breaks,
  GBK / UTF-16 / BOM, ragged rows, files cut short, XLSX, Parquet, noise) imported one
  by one into a database holding the tiny group.  Counted: files tried, imported,
  refused, rows read / accepted / rejected / duplicates, **tracebacks** (the importer
  raised, or failed on something it did not foresee) and **broken invariants** (counts
  that do not add up, a refused file that changed something, rows other than the
  accepted ones changed, an implausible date or a negative amount accepted, rollups that
  disagree with the orders, an exception name in a message, an orphan rejects file);
- ``--kills K`` SIGKILLs at random moments of a real ``cockpit import`` process and of a
  running app's inbox (alternating), each followed by a look at the database: the state
  before the file or the state after it, never a part (tests/faults.py).  Counted:
  kills tried, partial states found.

    python bench/bench_robustness.py [--files 10000] [--kills 50] [--seed S] [--out FILE]

Failing inputs are kept under ``bench/results/robustness-failures/``.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import platform
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("COCKPIT_LANG", "en")

from hypothesis import HealthCheck, Phase, given, seed, settings  # noqa: E402

from cockpit import store  # noqa: E402
from tests import faults, messy  # noqa: E402
from tests.conftest import load_tiny  # noqa: E402


def run_files(n: int, work: Path, keep: Path, rng_seed: int) -> dict:
    con = store.memory()
    load_tiny(con)
    c: collections.Counter = collections.Counter()
    problems: collections.Counter = collections.Counter()
    kept = []
    t0 = time.monotonic()

    @seed(rng_seed)
    @settings(max_examples=n, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(f=messy.messy_file())
    def one(f):
        table, name, data = f
        path = work / "files" / name
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(data)
        lang = "zh" if c["files"] % 5 == 4 else "en"
        result, bad = messy.check_import(con, table, path, work / "rejects", lang=lang)
        c["files"] += 1
        c[f"table {table}"] += 1
        if result is None or any(b.startswith(("raised", "unforeseen")) for b in bad):
            c["tracebacks"] += 1
        elif result.ok:
            c["imported"] += 1
            for k in ("rows_read", "rows_accepted", "rows_rejected", "rows_duplicate"):
                c[k] += getattr(result, k)
        else:
            c["refused"] += 1
        for b in bad:
            problems[b.split(":")[0][:80]] += 1
        if bad:
            c["files with a broken invariant"] += 1
            if len(kept) < 50:
                target = keep / f"{len(kept):03d}-{table}-{name}"
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
                kept.append({"file": str(target), "table": table, "problems": [b[:2000] for b in bad]})
        if c["files"] % 500 == 0:
            print(f"  {c['files']:,} files, {c['tracebacks']} tracebacks, "
                  f"{c['files with a broken invariant']} with a broken invariant "
                  f"({time.monotonic() - t0:.0f} s)", flush=True)

    one()
    con.close()
    return {"counts": dict(c), "problems": dict(problems), "failures": kept, "seconds": round(time.monotonic() - t0, 1)}


def run_kills(k: int, work: Path, rng_seed: int, rows: int) -> dict:
    base = faults.base_db(work / "base.duckdb")
    csv = faults.orders_csv(work / "orders-0001.csv", rows)
    old, new, took = faults.reference(work, base, csv)
    # Until the import starts (interpreter, imports, opening the database) a kill proves
    # little: aim most kills at the import itself, measured by a run on a missing file.
    t0 = time.monotonic()
    faults.cli_import(work / "startup.duckdb", work / "missing.csv").communicate(timeout=120)
    startup = time.monotonic() - t0
    rng = random.Random(rng_seed)
    tried = collections.Counter()
    partial = []
    t0 = time.monotonic()
    for i in range(k):
        how = "cli" if i % 2 == 0 else "inbox"
        if how == "inbox":  # the app is up before the file lands: aim at the import itself
            delay = rng.uniform(0.0, max(0.2, (took - startup) * 1.3))
        else:
            delay = rng.uniform(0.05, startup) if i % 10 == 8 else rng.uniform(startup * 0.9, took * 1.15)
        bad, left = (faults.kill_cli if how == "cli" else faults.kill_inbox)(work, base, csv, delay, old, new)
        tried[how] += 1
        tried[f"{how}: left the {left} state"] += 1
        if bad:
            partial.append({"how": how, "delay": round(delay, 3), "problems": bad})
        print(f"  kill {i + 1}/{k} ({how}, after {delay:.2f} s; start-up ~{startup:.2f} s, import done ~{took:.2f} s): "
              f"{left} state"
              f"{' BAD ' + str(bad) if bad else ''}", flush=True)
    return {"kills_tried": k, "by_way": dict(tried), "partial_states_found": len(partial), "partial": partial,
            "reference_import_seconds": round(took, 2), "startup_seconds": round(startup, 2), "rows_in_file": rows,
            "seconds": round(time.monotonic() - t0, 1)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=10_000)
    ap.add_argument("--kills", type=int, default=50)
    ap.add_argument("--rows", type=int, default=20_000, help="rows of the file the kills interrupt")
    ap.add_argument("--seed", type=int, default=12)
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "robustness.json"))
    args = ap.parse_args(argv)
    out = {"machine": platform.platform(), "cpus": os.cpu_count(), "seed": args.seed,
           "command": " ".join([Path(sys.executable).name, *sys.argv])}
    with tempfile.TemporaryDirectory(prefix="cockpit-robustness-") as d:
        work = Path(d)
        if args.files:
            print(f"generated files: {args.files:,}")
            (work / "f").mkdir()
            out["files"] = run_files(args.files, work / "f", ROOT / "bench" / "results" / "robustness-failures",
                                     args.seed)
        if args.kills:
            print(f"kills: {args.kills}")
            (work / "k").mkdir()
            out["kills"] = run_kills(args.kills, work / "k", args.seed, args.rows)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    if "files" in out:
        c = out["files"]["counts"]
        print(f"files tried {c.get('files', 0):,}: imported {c.get('imported', 0):,}, refused {c.get('refused', 0):,}; "
              f"rows read {c.get('rows_read', 0):,} = accepted {c.get('rows_accepted', 0):,} + rejected "
              f"{c.get('rows_rejected', 0):,} + duplicates {c.get('rows_duplicate', 0):,}; "
              f"tracebacks {c.get('tracebacks', 0)}, files with a broken invariant "
              f"{c.get('files with a broken invariant', 0)} ({out['files']['seconds']} s)")
    if "kills" in out:
        k = out["kills"]
        print(f"kills tried {k['kills_tried']} ({k['by_way']}): partial states found {k['partial_states_found']} "
              f"({k['seconds']} s)")
    print(f"written to {args.out}")
    bad = out.get("files", {}).get("counts", {}).get("files with a broken invariant", 0) + \
        out.get("kills", {}).get("partial_states_found", 0)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
