"""Data in: `cockpit demo`, `cockpit import` (handed to the running app's inbox when it
holds the database) and `cockpit feed`."""

from __future__ import annotations

from pathlib import Path

from cockpit import i18n, store
from cockpit.cli.common import db_arg
from cockpit.errors import UsageError


def cmd_demo(args) -> int:
    from cockpit import demo

    path = store.resolve_db_path(args.db)
    summary = demo.build(path, orders=args.orders, seed=args.seed, progress=True)
    print(f"demo group written to {path}")
    for name, n in summary.items():
        print(f"  {name:16s} {n:>12,d} rows")
    return 0


def cmd_import(args) -> int:
    from cockpit import importer, schema

    lang = importer.default_lang(args.lang)
    if args.table not in schema.TABLES:  # before anything is opened or created
        raise UsageError(i18n.t("imp.unknown_table", lang, table=args.table, tables=", ".join(schema.TABLES)))
    db = store.resolve_db_path(args.db)
    try:
        con = store.connect(db)
    except store.DatabaseInUse:  # a DuckDB file or chDB folder held: the running app is the one writer
        return _hand_to_inbox(args, db, lang)
    try:
        results = importer.import_files(
            con, args.table, args.files, imported_by=args.user or "local", progress=True, lang=lang
        )
        sets_line = _rebuild_buyer_sets(con, lang)
    finally:
        con.close()
    failed = False
    for r in results:
        print(r.summary_line())
        failed = failed or not r.ok
    if sets_line:
        print(sets_line)
    return 2 if failed else 0


def _rebuild_buyer_sets(con, lang: str = "en") -> str | None:
    """The buyer sets of the months the import touched (the server does this in the
    background; a command-line import does it before it returns, so the next
    `cockpit query` reads them).  The import is committed either way: whatever goes
    wrong here is a line of its own, never the import's exit code."""
    import time

    from cockpit import buyer_sets

    t0 = time.perf_counter()
    try:
        months = buyer_sets.build(con)
    except Exception as e:  # noqa: BLE001 - after the commit: report, never fail the import
        why = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        return i18n.t("imp.sets_not_rebuilt", lang, why=why)
    if not months:
        return None
    return i18n.t("imp.sets_rebuilt", lang, months=months, seconds=f"{time.perf_counter() - t0:.1f}")


def _hand_to_inbox(args, db: Path, lang: str = "en") -> int:
    """The database is held: give the files to the running app's inbox, or fail at once."""
    import time

    from cockpit import inbox, schema

    folder = inbox.inbox_dir(db)
    if inbox.watcher_info(folder) is None:
        raise UsageError(i18n.t("imp.db_busy", lang, db=db, inbox=folder))
    table = schema.table(args.table).name
    failed = False
    handed = []
    for i, f in enumerate(args.files):
        src = Path(f)
        if not src.is_file():
            problem = i18n.t("imp.is_folder", lang) if src.is_dir() else i18n.t("imp.file_not_found", lang, path=src)
            print(i18n.t("imp.not_imported", lang, file=src.name, table=table, problem=problem))
            failed = True
            continue
        target = inbox.hand_in(folder, src, table, i, by=args.user)
        handed.append((src, target))
        print(f"{src.name} → {table}: " + i18n.t("imp.inbox_handed", lang, name=target.name, done=folder / inbox.DONE,
                                                 failed=folder / inbox.FAILED, log=folder / inbox.LOG_NAME))
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
                print(_inbox_result(folder, target.name, ok, lang))
                failed = failed or bad
        time.sleep(0.2)
    for src, target in waiting.items():
        print(f"{src.name} → {table}: " + i18n.t("imp.inbox_waiting", lang, seconds=f"{args.timeout:g}",
                                                 log=folder / inbox.LOG_NAME))
    if failed:
        return 2
    return 1 if waiting else 0


def _inbox_result(folder: Path, name: str, ok: bool, lang: str = "en") -> str:
    from cockpit import inbox

    if not ok:
        reason = folder / inbox.FAILED / f"{name}.reason.txt"
        try:
            return reason.read_text("utf-8").strip()
        except OSError:
            return i18n.t("imp.inbox_not_imported", lang, name=name, folder=folder / inbox.FAILED)
    try:
        lines = (folder / inbox.LOG_NAME).read_text("utf-8").splitlines()
    except OSError:
        lines = []
    tag = f"done    {name} "
    for line in reversed(lines):
        if tag in line:
            return line.split("done    ", 1)[1]
    return i18n.t("imp.inbox_imported", lang, name=name, folder=folder / inbox.DONE)


def cmd_feed(args) -> int:
    from cockpit import feed

    return feed.main_args(args)



def register(sub) -> None:
    d = sub.add_parser("demo", help="build a deterministic demo group database")
    db_arg(d)
    d.add_argument("--orders", type=int, default=500_000, help="number of orders (default 500000)")
    d.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    d.set_defaults(func=cmd_demo)

    i = sub.add_parser("import", help="import CSV/XLSX/Parquet files into a table")
    db_arg(i)
    i.add_argument("--table", required=True, help="canonical table, e.g. orders")
    i.add_argument("--user", help="who is importing (recorded in the import history)")
    i.add_argument("--wait", action="store_true",
                   help="when the app holds the database: wait for its inbox to import the files and print the result")
    i.add_argument("--timeout", type=float, default=120.0, help="seconds --wait waits at most (default 120)")
    i.add_argument("--lang", choices=("zh", "en"),
                   help="language of the results and of the rejects file's reasons "
                        "(default: $COCKPIT_LANG, else Chinese when the locale is zh_*, else English)")
    i.add_argument("files", nargs="+", metavar="FILE")
    i.set_defaults(func=cmd_import)

    f = sub.add_parser("feed", help="simulate live sessions of the demo group into the running app's inbox")
    db_arg(f)
    f.add_argument("--accounts", type=int, default=5, help="sessions live at once (default 5)")
    f.add_argument("--speed", type=float, default=1.0, help="how much faster than real time sessions run (default 1)")
    f.add_argument("--minutes", type=float, help="stop after this many minutes (default: run until Ctrl-C)")
    f.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    f.add_argument("--ticks", type=int, help="stop after this many ticks")
    f.add_argument("--inbox", help="inbox folder (default: $COCKPIT_INBOX or <database stem>.inbox beside it)")
    f.set_defaults(func=cmd_feed)
