"""`cockpit`: the one command (SPEC section 5).

Each sub-command parses its arguments here and calls the core; user mistakes end in one
line on stderr and exit code 2, never a stack dump.
"""

from __future__ import annotations

import argparse
import sys

from cockpit import store


class UsageError(Exception):
    """A user mistake: printed as one line, exit code 2."""


def _db_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", help="database file (default: $COCKPIT_DB or data/cockpit.duckdb)")


def cmd_demo(args) -> int:
    from cockpit import demo

    path = store.resolve_db_path(args.db)
    summary = demo.build(path, orders=args.orders, seed=args.seed, progress=True)
    print(f"demo group written to {path}")
    for name, n in summary.items():
        print(f"  {name:16s} {n:>12,d} rows")
    return 0


def cmd_import(args) -> int:
    from cockpit import importer

    con = store.connect(args.db)
    try:
        results = importer.import_files(
            con, args.table, args.files, imported_by=args.user or "local", progress=True
        )
    finally:
        con.close()
    failed = False
    for r in results:
        print(r.summary_line())
        failed = failed or not r.ok
    return 2 if failed else 0


def cmd_serve(args) -> int:
    from cockpit import server

    return server.serve(store.resolve_db_path(args.db), port=args.port, address=args.address)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="cockpit", description="Brand Cockpit (品牌驾驶舱): a brand group's stores and accounts as one business"
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    d = sub.add_parser("demo", help="build a deterministic demo group database")
    _db_arg(d)
    d.add_argument("--orders", type=int, default=500_000, help="number of orders (default 500000)")
    d.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    d.set_defaults(func=cmd_demo)

    i = sub.add_parser("import", help="import CSV/XLSX/Parquet files into a table")
    _db_arg(i)
    i.add_argument("--table", required=True, help="canonical table, e.g. orders")
    i.add_argument("--user", help="who is importing (recorded in the import history)")
    i.add_argument("files", nargs="+", metavar="FILE")
    i.set_defaults(func=cmd_import)

    s = sub.add_parser("serve", help="start the web app (builds the demo database if there is none)")
    _db_arg(s)
    s.add_argument("--port", type=int, default=8501)
    s.add_argument("--address", default="localhost")
    s.set_defaults(func=cmd_serve)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (UsageError, store.StoreError) as e:
        print(f"cockpit {args.command}: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; nothing half-written was kept", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
