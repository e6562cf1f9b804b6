"""`cockpit copy --db SOURCE --to TARGET`: a whole cockpit from one database to another."""

from __future__ import annotations

from cockpit.cli.common import db_arg
from cockpit.errors import UsageError


def cmd_copy(args) -> int:
    from cockpit import copy

    try:
        return copy.main(args.db, args.to)
    except copy.CopyError as e:
        raise UsageError(str(e)) from None


def register(sub) -> None:
    c = sub.add_parser("copy", help="copy a whole cockpit to another database (e.g. DuckDB -> ClickHouse)")
    db_arg(c)
    c.add_argument("--to", required=True,
                   help="target: a path, duckdb:///path, chdb:///path or clickhouse://user:password@host:8123/db")
    c.set_defaults(func=cmd_copy)
