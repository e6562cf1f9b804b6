"""Data out: `cockpit query` (the metric layer) and `cockpit export` (a page's tables)."""

from __future__ import annotations

import sys
from pathlib import Path

from cockpit import store
from cockpit.cli.common import db_arg, scope_for
from cockpit.errors import UsageError


def cmd_query(args) -> int:
    """The same answer as GET /api/v1/query with the same parameters (cockpit.ask)."""
    from cockpit import ask

    con = store.connect(args.db, read_only=True)
    try:
        df = ask.metrics_frame(con, args.metrics, args.by, period=args.period, start=args.from_, end=args.to,
                               compare=args.compare, where=args.where, labels=args.labels,
                               scope=scope_for(con, args.user))
    finally:
        con.close()
    if args.format == "json":
        print(ask.to_json(df))
    else:
        sys.stdout.write(df.write_csv())
    return 0


def cmd_export(args) -> int:
    from cockpit import exporter
    from cockpit.selection import Selection
    from cockpit.view import View

    sel = Selection.from_params({k: v for k, v in {
        "period": args.period, "start": args.from_, "end": args.to, "compare": args.compare,
        "brand": args.brand, "store_type": args.store_type, "store": args.store,
        "account_type": args.account_type, "account": args.account, "agency": args.agency,
        "channel": args.channel, "live": args.live, "entity": args.entity,
    }.items() if v})
    if (args.from_ or args.to) and not args.period:
        sel = sel.replace(period="custom")
    if sel.period == "custom" and not (sel.start and sel.end):
        raise UsageError("a custom period needs both --from and --to (dates like 2025-06-01)")
    con = store.connect(args.db, read_only=True)
    try:
        view = View(con, sel, lang=args.lang, scope=scope_for(con, args.user))
        written = exporter.export_page(view, args.page, Path(args.out), table=args.table)
    finally:
        con.close()
    for path, rows in written:
        print(f"{path}  ({rows} rows)")
    return 0



def register(sub) -> None:
    q = sub.add_parser("query", help="metrics from the command line (the same layer as the pages)")
    db_arg(q)
    q.add_argument("--metrics", action="append", required=True, help="comma-separated metric ids, e.g. gmv,orders")
    q.add_argument("--by", action="append", help="dimension(s): day, week, month, store, account, ...")
    q.add_argument("--period", help="today, yesterday, last_7, last_30, this_month, last_month, this_year "
                                    "(instead of --from/--to)")
    q.add_argument("--from", dest="from_", help="first day, e.g. 2025-06-01")
    q.add_argument("--to", help="last day, inclusive")
    q.add_argument("--compare", choices=["prev", "yoy"], help="add comparison columns (<metric>__cmp, __delta, __pct)")
    q.add_argument("--where", action="append", metavar="DIM=VALUE", help="filter, repeatable")
    q.add_argument("--format", choices=["csv", "json"], default="csv")
    q.add_argument("--user", help="answer within this user's data scope")
    q.add_argument("--labels", action="store_true", help="add <dim>_name columns for stores, accounts, products, sessions")
    q.set_defaults(func=cmd_query)

    e = sub.add_parser("export", help="write the tables of a page as CSV, as the page shows them")
    db_arg(e)
    e.add_argument("--page", required=True, help="overview, live, sessions, review (with --live ID), entities or growth")
    e.add_argument("--out", required=True, help="file to write; a page with several tables writes OUT-<table>.csv each, or a .zip")
    e.add_argument("--table", help="write only this table of the page to --out")
    e.add_argument("--period", help="today, yesterday, last_7, last_30, this_month, last_month, this_year, custom")
    e.add_argument("--from", dest="from_", help="custom period start")
    e.add_argument("--to", help="custom period end (inclusive)")
    e.add_argument("--compare", choices=["prev", "yoy", "none"])
    for dim in ("brand", "store_type", "store", "account_type", "account", "agency", "channel"):
        e.add_argument(f"--{dim.replace('_', '-')}", dest=dim, action="append", help=f"filter by {dim}, repeatable")
    e.add_argument("--live", help="a live session id (live detail and live review pages)")
    e.add_argument("--entity", help="store:ID or account:ID (store/account detail page)")
    e.add_argument("--user", help="export within this user's data scope")
    e.add_argument("--lang", choices=["zh", "en"], default="zh", help="column labels language")
    e.set_defaults(func=cmd_export)
