"""`cockpit`: the one command (SPEC section 5).

Each sub-command parses its arguments here and calls the core; user mistakes end in one
line on stderr and exit code 2, never a stack dump.
"""

from __future__ import annotations

import argparse
import datetime as dt
import decimal
import json
import sys
from pathlib import Path

from cockpit import clock, store


from cockpit.errors import UsageError  # noqa: E402  (re-exported: cockpit.cli.UsageError)


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

    db = store.resolve_db_path(args.db)
    try:
        con = store.connect(db)
    except store.StoreError as e:
        if "lock" not in str(e.__cause__ or "").lower():
            raise
        return _hand_to_inbox(args, db)  # the running app is the one writer
    try:
        results = importer.import_files(
            con, args.table, args.files, imported_by=args.user or "local", progress=True
        )
        sets_line = _rebuild_buyer_sets(con)
    finally:
        con.close()
    failed = False
    for r in results:
        print(r.summary_line())
        failed = failed or not r.ok
    if sets_line:
        print(sets_line)
    return 2 if failed else 0


def _rebuild_buyer_sets(con) -> str | None:
    """The buyer sets of the months the import touched (the server does this in the
    background; a command-line import does it before it returns, so the next
    `cockpit query` reads them).  The import is committed either way."""
    import time

    import duckdb

    from cockpit import buyer_sets

    t0 = time.perf_counter()
    try:
        months = buyer_sets.build(con)
    except duckdb.Error as e:
        return f"buyer sets not rebuilt ({e}); figures stay exact, counted from orders until the app rebuilds them"
    return f"buyer sets of {months} month(s) rebuilt in {time.perf_counter() - t0:.1f} s" if months else None


def _hand_to_inbox(args, db: Path) -> int:
    """The database is held: give the files to the running app's inbox, or fail at once."""
    import time

    from cockpit import inbox, schema

    folder = inbox.inbox_dir(db)
    if inbox.watcher_info(folder) is None:
        raise UsageError(
            f"database {db} is in use by another process, and no running app watches its inbox "
            f"({folder}): close that process and retry"
        )
    table = schema.table(args.table).name
    failed = False
    handed = []
    for i, f in enumerate(args.files):
        src = Path(f)
        if not src.is_file():
            print(f"{src.name} → {table}: NOT IMPORTED: {'is a folder, not a file' if src.is_dir() else f'file not found ({src})'}; nothing changed")
            failed = True
            continue
        target = inbox.hand_in(folder, src, table, i, by=args.user)
        handed.append((src, target))
        print(f"{src.name} → {table}: handed to the running app's inbox as {target.name}; "
              f"the result will be in {folder / inbox.DONE} or {folder / inbox.FAILED} (log: {folder / inbox.LOG_NAME})")
    if not args.wait:
        return 2 if failed else 0
    deadline = time.monotonic() + args.timeout
    waiting = dict(handed)
    while waiting and time.monotonic() < deadline:
        for src, target in list(waiting.items()):
            ok = (folder / inbox.DONE / target.name).exists()
            bad = (folder / inbox.FAILED / target.name).exists()
            if ok or bad:
                del waiting[src]
                print(_inbox_result(folder, target.name, ok))
                failed = failed or bad
        time.sleep(0.2)
    for src, target in waiting.items():
        print(f"{src.name} → {table}: still waiting in the inbox after {args.timeout:g} s; "
              f"the app imports it when it gets to it (see {folder / inbox.LOG_NAME})")
    if failed:
        return 2
    return 1 if waiting else 0


def _inbox_result(folder: Path, name: str, ok: bool) -> str:
    from cockpit import inbox

    if not ok:
        reason = folder / inbox.FAILED / f"{name}.reason.txt"
        try:
            return reason.read_text("utf-8").strip()
        except OSError:
            return f"{name}: NOT IMPORTED (see {folder / inbox.FAILED})"
    try:
        lines = (folder / inbox.LOG_NAME).read_text("utf-8").splitlines()
    except OSError:
        lines = []
    tag = f"done    {name} "
    for line in reversed(lines):
        if tag in line:
            return line.split("done    ", 1)[1]
    return f"{name}: imported (see {folder / inbox.DONE})"


def cmd_feed(args) -> int:
    from cockpit import feed

    return feed.main_args(args)


def _csv_list(values: list[str] | None) -> list[str]:
    out: list[str] = []
    for v in values or []:
        out += [x.strip() for x in v.split(",") if x.strip()]
    return out


def _period_from_args(args, today):
    from cockpit import periods

    try:
        start = periods.parse_date(args.from_, "--from") if args.from_ else None
        end = periods.parse_date(args.to, "--to") if args.to else None
        if start or end:
            return periods.Period(start or dt.date(1970, 1, 1), end or today)
    except ValueError as e:
        raise UsageError(str(e)) from None
    return None


def _where(pairs: list[str] | None) -> dict[str, list[str]]:
    from cockpit import metrics

    out: dict[str, list[str]] = {}
    for pair in pairs or []:
        dim, sep, value = pair.partition("=")
        if not sep or not dim or not value:
            raise UsageError(f"--where {pair!r}: write it as DIM=VALUE, e.g. --where store=S001")
        metrics.dimension(dim.strip())
        out.setdefault(dim.strip(), []).append(value)
    return out


def cmd_query(args) -> int:
    from cockpit import query

    metric_ids = _csv_list(args.metrics)
    dims = _csv_list(args.by)
    if not metric_ids:
        raise UsageError("--metrics needs at least one metric id, e.g. --metrics gmv,orders")
    con = store.connect(args.db, read_only=True)
    try:
        today = clock.today()
        period = _period_from_args(args, today)
        if args.compare and period is None:
            raise UsageError("--compare needs a period: give --from and/or --to")
        q = query.Query.make(metric_ids, dims, period, _where(args.where), labels=args.labels,
                             scope=_scope_for(con, args.user))
        df = query.run_compared(con, q, args.compare) if args.compare else query.run(con, q)
    finally:
        con.close()
    if args.format == "json":
        print(json.dumps(df.to_dicts(), ensure_ascii=False, default=_json_default, indent=1))
    else:
        sys.stdout.write(df.write_csv())
    return 0


def _json_default(v):
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()
    if isinstance(v, decimal.Decimal):
        return float(v)
    raise TypeError(type(v).__name__)


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
        view = View(con, sel, lang=args.lang, scope=_scope_for(con, args.user))
        written = exporter.export_page(view, args.page, Path(args.out), table=args.table)
    finally:
        con.close()
    for path, rows in written:
        print(f"{path}  ({rows} rows)")
    return 0


def _scope_for(con, username: str | None):
    """--user NAME: answer as that user would see it (their data scope)."""
    if not username:
        return None
    from cockpit import auth

    user = auth.get_user(con, username)
    if user is None:
        raise UsageError(f"there is no user {username!r} (see `cockpit user list`)")
    return user.scope


def _read_password(args, prompt="password: ") -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    import getpass

    first = getpass.getpass(prompt)
    if getpass.getpass("again: ") != first:
        raise UsageError("the two passwords differ")
    return first


def cmd_user(args) -> int:
    from cockpit import auth

    con = store.connect(args.db)
    try:
        if args.action == "list":
            rows = auth.list_users(con)
            if not rows:
                print("no users: the app runs in single-user local mode (localhost only, no sign-in)")
            for name, display, role, disabled, last, locked, grants in rows:
                state = "disabled" if disabled else ("locked" if locked and locked > clock.now() else "")
                print(f"{name:20s} {role:16s} {grants or '-':30s} {state}")
            return 0
        if not args.name:
            raise UsageError(f"`cockpit user {args.action}` needs a user name")
        if args.action == "add":
            grants = _csv_list(args.brand) + _csv_list(args.store) + _csv_list(args.agency)
            first = not auth.sign_in_required(con)
            user = auth.create_user(con, args.name, _read_password(args), args.role, grants,
                                    display_name=args.display_name, by="cli")
            print(f"user {user.username} created as {user.role}" + (f" seeing {', '.join(user.grants)}" if user.grants else ""))
            if first and user.is_admin:
                print("sign-in is now required for every page")
        elif args.action == "passwd":
            auth.set_password(con, args.name, _read_password(args, "new password: "), by="cli")
            print(f"password of {args.name} reset; its failed sign-ins are cleared")
        elif args.action == "remove":
            auth.delete_user(con, args.name, by="cli")
            print(f"user {args.name} removed")
    except auth.AuthError as e:
        raise UsageError(str(e)) from None
    finally:
        con.close()
    return 0


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
    i.add_argument("--wait", action="store_true",
                   help="when the app holds the database: wait for its inbox to import the files and print the result")
    i.add_argument("--timeout", type=float, default=120.0, help="seconds --wait waits at most (default 120)")
    i.add_argument("files", nargs="+", metavar="FILE")
    i.set_defaults(func=cmd_import)

    f = sub.add_parser("feed", help="simulate live sessions of the demo group into the running app's inbox")
    _db_arg(f)
    f.add_argument("--accounts", type=int, default=5, help="sessions live at once (default 5)")
    f.add_argument("--speed", type=float, default=1.0, help="how much faster than real time sessions run (default 1)")
    f.add_argument("--minutes", type=float, help="stop after this many minutes (default: run until Ctrl-C)")
    f.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    f.add_argument("--ticks", type=int, help="stop after this many ticks")
    f.add_argument("--inbox", help="inbox folder (default: $COCKPIT_INBOX or <database stem>.inbox beside it)")
    f.set_defaults(func=cmd_feed)

    q = sub.add_parser("query", help="metrics from the command line (the same layer as the pages)")
    _db_arg(q)
    q.add_argument("--metrics", action="append", required=True, help="comma-separated metric ids, e.g. gmv,orders")
    q.add_argument("--by", action="append", help="dimension(s): day, week, month, store, account, ...")
    q.add_argument("--from", dest="from_", help="first day, e.g. 2025-06-01")
    q.add_argument("--to", help="last day, inclusive")
    q.add_argument("--compare", choices=["prev", "yoy"], help="add comparison columns (<metric>__cmp, __delta, __pct)")
    q.add_argument("--where", action="append", metavar="DIM=VALUE", help="filter, repeatable")
    q.add_argument("--format", choices=["csv", "json"], default="csv")
    q.add_argument("--user", help="answer within this user's data scope")
    q.add_argument("--labels", action="store_true", help="add <dim>_name columns for stores, accounts, products, sessions")
    q.set_defaults(func=cmd_query)

    e = sub.add_parser("export", help="write the tables of a page as CSV, as the page shows them")
    _db_arg(e)
    e.add_argument("--page", required=True, help="overview, live, sessions or entities")
    e.add_argument("--out", required=True, help="file to write; a page with several tables writes OUT-<table>.csv each, or a .zip")
    e.add_argument("--table", help="write only this table of the page to --out")
    e.add_argument("--period", help="today, yesterday, last_7, last_30, this_month, last_month, this_year, custom")
    e.add_argument("--from", dest="from_", help="custom period start")
    e.add_argument("--to", help="custom period end (inclusive)")
    e.add_argument("--compare", choices=["prev", "yoy", "none"])
    for dim in ("brand", "store_type", "store", "account_type", "account", "agency", "channel"):
        e.add_argument(f"--{dim.replace('_', '-')}", dest=dim, action="append", help=f"filter by {dim}, repeatable")
    e.add_argument("--live", help="a live session id (live detail page)")
    e.add_argument("--entity", help="store:ID or account:ID (store/account detail page)")
    e.add_argument("--user", help="export within this user's data scope")
    e.add_argument("--lang", choices=["zh", "en"], default="zh", help="column labels language")
    e.set_defaults(func=cmd_export)

    u = sub.add_parser("user", help="users, roles and data scopes: add, passwd, remove, list")
    _db_arg(u)
    u.add_argument("action", choices=["add", "passwd", "remove", "list"])
    u.add_argument("name", nargs="?")
    u.add_argument("--role", default="admin", choices=["admin", "brand_manager", "store_operator", "agency_operator"])
    u.add_argument("--brand", action="append", help="brand(s) a brand_manager sees")
    u.add_argument("--store", action="append", help="store id(s) a store_operator sees")
    u.add_argument("--agency", action="append", help="agency an agency_operator sees")
    u.add_argument("--display-name")
    u.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    u.set_defaults(func=cmd_user)

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
    except (UsageError, store.StoreError, ValueError, KeyError) as e:
        print(f"cockpit {args.command}: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; nothing half-written was kept", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
