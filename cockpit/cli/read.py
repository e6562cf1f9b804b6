"""Data out: `cockpit query` (the metric layer) and `cockpit export` (a page's tables)."""

from __future__ import annotations

import sys
from pathlib import Path

from cockpit import store
from cockpit.cli.common import db_arg, scope_for
from cockpit.errors import UsageError


# Dimensions whose values can be checked against the database (and given by name).
_CHECKED = ("brand", "store_type", "store", "account_type", "account", "agency", "channel")


def check_values(con, scope, dim: str, values, flag: str) -> list[str]:
    """The values of one filter as keys the query understands.

    A store or account may be given by id or by its exact name; an enum by its code or
    its Chinese or English word.  A value that is none of these, or lies outside the
    user's data scope, is a usage error with the closest matches ("did you mean"), never
    a silent export of something else or of nothing."""
    import difflib

    from cockpit import i18n, options

    if dim not in _CHECKED:
        return list(values)
    known = options.choices(con, scope, "zh").all(dim)  # {key: label}
    by_name: dict[str, list[str]] = {}
    for key, label in known.items():
        words = {label, i18n.enum_label(dim, key, "en")} if dim in ("store_type", "account_type", "channel") else {label}
        for w in words:
            by_name.setdefault(w.casefold(), []).append(key)
    out = []
    for v in values:
        if v in known:
            out.append(v)
        elif len(by_name.get(v.casefold(), [])) == 1:
            out.append(by_name[v.casefold()][0])
        else:
            out.append(_unknown(dim, v, known, flag, difflib))
    return out


def _unknown(dim: str, value: str, known: dict, flag: str, difflib) -> str:
    if len([1 for lab in known.values() if lab.casefold() == value.casefold()]) > 1:
        ids = ", ".join(k for k, lab in known.items() if lab.casefold() == value.casefold())
        raise UsageError(f"{flag} {value!r} names several {dim}s ({ids}); give the id")
    shown = {k: (k if k == lab else f"{k} ({lab})") for k, lab in known.items()}
    pool = {**{k: k for k in known}, **{lab: k for k, lab in known.items()}}
    close = list(dict.fromkeys(pool[m] for m in difflib.get_close_matches(value, list(pool), n=3, cutoff=0.5)))
    hint = f"; did you mean {' or '.join(shown[k] for k in close)}?" if close else \
        (f"; known: {', '.join(list(shown.values())[:8])}{' ...' if len(shown) > 8 else ''}" if shown else
         f"; there is no {dim} in the database (or in your data scope)")
    raise UsageError(f"unknown {dim} {value!r} for {flag}{hint}")


def _period_name(name: str | None) -> str | None:
    import difflib

    from cockpit import periods

    if name is None or name in periods.PRESETS:
        return name
    close = difflib.get_close_matches(name, periods.PRESETS, n=2, cutoff=0.4)
    hint = f"; did you mean {' or '.join(close)}?" if close else f"; choose one of {', '.join(periods.PRESETS)}"
    raise UsageError(f"unknown period {name!r} for --period{hint}")


def cmd_query(args) -> int:
    """The same answer as GET /api/v1/query with the same parameters (cockpit.ask)."""
    from cockpit import ask

    con = store.connect(args.db, read_only=True)
    try:
        scope = scope_for(con, args.user)
        where = [f"{d}={v}" for d, values in ask.where_pairs(args.where).items()
                 for v in check_values(con, scope, d, values, f"--where {d}=")]
        df = ask.metrics_frame(con, args.metrics, args.by, period=_period_name(args.period), start=args.from_,
                               end=args.to, compare=args.compare, where=where, labels=args.labels, scope=scope)
    finally:
        con.close()
    if args.format == "json":
        print(ask.to_json(df))
    else:  # the project's CSV for Excel: BOM, formula-safe text, long ids kept whole; as text,
        # since a command handed over to the running app writes into a text buffer
        from cockpit import csvout

        sys.stdout.write(csvout.to_csv_bytes(df).decode("utf-8"))
    return 0


def cmd_export(args) -> int:
    from cockpit import exporter
    from cockpit.selection import Selection
    from cockpit.view import View

    params = {k: v for k, v in {
        "period": _period_name(args.period), "start": args.from_, "end": args.to, "compare": args.compare,
        "live": args.live, "entity": args.entity,
    }.items() if v}
    if (args.from_ or args.to) and not args.period:
        params["period"] = "custom"
    if params.get("period") == "custom" and not (args.from_ and args.to):
        raise UsageError("a custom period needs both --from and --to (dates like 2025-06-01)")
    for flag, v in (("--from", args.from_), ("--to", args.to)):
        if v:
            from cockpit import periods

            try:
                periods.parse_date(v, flag)
            except ValueError as e:
                raise UsageError(str(e)) from None
    sel, notices = Selection.parse(params)
    from cockpit import i18n

    said = [i18n.t(n.key, "en", **n.values).replace("The link's", "the") for n in notices]
    if any(n.key in ("links.future", "links.custom_incomplete", "links.bad_date", "links.bad_value") for n in notices):
        raise UsageError("; ".join(said))
    for line in said:  # clamped to what exists (an end after today): say so, go on
        print(f"note: {line}", file=sys.stderr)
    con = store.connect(args.db, read_only=True)
    try:
        scope = scope_for(con, args.user)
        flags = {}
        for dim in ("brand", "store_type", "store", "account_type", "account", "agency", "channel"):
            values = getattr(args, dim)
            if values:
                flags[dim] = tuple(check_values(con, scope, dim, values, f"--{dim.replace('_', '-')}"))
        view = View(con, sel.replace(**flags), lang=args.lang, scope=scope)
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
    e.add_argument("--period", help="today, yesterday, last_7, last_30, this_month, last_month, this_year (the "
                                    "ones ending now end yesterday: complete days), custom")
    e.add_argument("--from", dest="from_", help="custom period start")
    e.add_argument("--to", help="custom period end (inclusive)")
    e.add_argument("--compare", choices=["prev", "yoy", "none"])
    for dim in ("brand", "store_type", "store", "account_type", "account", "agency", "channel"):
        e.add_argument(f"--{dim.replace('_', '-')}", dest=dim, action="append",
                       help=f"filter by {dim} (id or name), repeatable")
    e.add_argument("--live", help="a live session id (live detail and live review pages)")
    e.add_argument("--entity", help="store:ID or account:ID (store/account detail page)")
    e.add_argument("--user", help="export within this user's data scope")
    e.add_argument("--lang", choices=["zh", "en"], default="zh", help="column labels language")
    e.set_defaults(func=cmd_export)
