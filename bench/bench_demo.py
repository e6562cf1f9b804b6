"""Time cockpit.demo.build() at several scales; report wall time and peak RSS.

    python bench/bench_demo.py [--orders 500000,10000000,100000000] [--seed 7] [--generate-alone]

Each scale runs in its own child process (so peak RSS is per scale), builds into a
temporary file beside the results (``--dir``; a 100M-order file is ~6 GB), and the
figures go to stdout and bench/results/demo.json.  The build generates and writes its
orders chunk by chunk (cockpit.demo.CHUNK_ORDERS), so its peak memory does not grow
with the number of orders; ``--generate-alone`` also times the generation without
writing (in the same child, so the peak RSS is the larger of the two).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "demo.json"


def child(orders: int, seed: int, generate_alone: bool, folder: Path) -> None:
    sys.path.insert(0, str(ROOT))
    import duckdb  # noqa: F401  (import cost is not part of the build)
    import polars  # noqa: F401

    from cockpit import demo

    gen_s = None
    if generate_alone:
        t_gen0 = time.perf_counter()
        demo.stream(orders, seed, None, lambda df: None)
        gen_s = time.perf_counter() - t_gen0
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder) as d:
        path = Path(d) / "demo.duckdb"
        t1 = time.perf_counter()
        counts = demo.build(path, orders=orders, seed=seed)
        build_s = time.perf_counter() - t1
        size = path.stat().st_size
    rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({
        "orders": orders, "seed": seed,
        "generate_seconds": None if gen_s is None else round(gen_s, 2),
        "build_seconds": round(build_s, 2),
        "peak_rss_mb": round(rss_kb / 1024, 1),
        "db_mb": round(size / 2**20, 1),
        "rows": counts,
        "load_average": os.getloadavg()[0],
    }))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--orders", default="500000,10000000", help="comma-separated order counts")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--generate-alone", action="store_true", help="also time the generation without writing")
    ap.add_argument("--dir", type=Path, default=ROOT / "bench" / "results", help="where the files are built")
    ap.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child, args.seed, args.generate_alone, args.dir)
        return 0
    runs = []
    for n in [int(x) for x in args.orders.split(",") if x.strip()]:
        load = os.getloadavg()[0]
        out = subprocess.run(
            [sys.executable, __file__, "--child", str(n), "--seed", str(args.seed), "--dir", str(args.dir)]
            + (["--generate-alone"] if args.generate_alone else []),
            capture_output=True, text=True, check=True,
        )
        r = json.loads(out.stdout.strip().splitlines()[-1])
        r["load_average_before"] = load
        runs.append(r)
        alone = f"  generate alone {r['generate_seconds']:5.1f}s" if r["generate_seconds"] is not None else ""
        print(f"orders={n:>11,d}  build (generate+write) {r['build_seconds']:6.1f}s{alone}  "
              f"peak RSS {r['peak_rss_mb']:7.0f} MB  db {r['db_mb']:6.0f} MB  "
              f"[load {load:.1f} before, {r['load_average']:.1f} after]", flush=True)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "runs": runs,
    }, indent=2, ensure_ascii=False))
    print(f"written {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
