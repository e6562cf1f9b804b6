"""`cockpit channel`, `cockpit alert`, `cockpit report`: push alerts and scheduled
reports to DingTalk, WeCom, Feishu, e-mail and webhooks (see cockpit.push)."""

from __future__ import annotations

import os
import sys

from cockpit import clock, store
from cockpit.cli.common import csv_list, db_arg
from cockpit.errors import UsageError

FILTER_ARGS = ("brand", "store_type", "store", "account_type", "account", "agency", "channel")
LIVE_CHOICES = {"start": "live_start", "drop": "live_drop", "no-orders": "no_orders", "score": "score_low"}


def _owner(con, name: str | None) -> str:
    from cockpit import auth

    if not name:
        return auth.LOCAL_USER.username
    if auth.get_user(con, name) is None:
        raise UsageError(f"there is no user {name!r} (see `cockpit user list`)")
    return name


def _print_results(results) -> int:
    from cockpit.push import delivery

    bad = 0
    for name, status, err in results:
        if status == delivery.SENT:
            print(f"  → {name}: sent")
        else:
            bad += 1
            retry = " (will be retried with back-off; see the delivery log)" if status == delivery.RETRYING else ""
            print(f"  → {name}: FAILED: {err}{retry}")
    return 1 if bad else 0


def _where(pairs) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for pair in pairs or []:
        dim, sep, value = pair.partition("=")
        if not sep or not dim.strip() or not value:
            raise UsageError(f"--where {pair!r}: write it as DIM=VALUE, e.g. --where store=S001")
        out.setdefault(dim.strip(), []).append(value)
    return out


# --- channel ---------------------------------------------------------------------------


def cmd_channel(args) -> int:
    from cockpit.push import channels, delivery
    from cockpit.push.message import Message

    con = store.connect(args.db)
    try:
        if args.action == "list":
            rows = channels.list_all(con)
            if not rows:
                print("no channels yet: `cockpit channel add NAME --kind dingtalk|wecom|feishu|email|webhook --url URL`")
            for ch in rows:
                print(f"{ch.name:20s} {ch.kind:9s} {ch.lang:3s} {ch.masked_url():60s} "
                      f"secret: {'set' if ch.secret else '-'}  owner: {ch.owner}")
            return 0
        if not args.name:
            raise UsageError(f"`cockpit channel {args.action}` needs a channel name")
        if args.action == "add":
            if not args.kind or not args.url:
                raise UsageError("`cockpit channel add NAME` needs --kind and --url")
            secret = sys.stdin.readline().strip() if args.secret_stdin else args.secret
            ch = channels.add(con, args.name, args.kind, args.url, secret, args.lang, _owner(con, args.user))
            print(f"channel {ch.name} ({ch.kind}) saved: {ch.masked_url()}"
                  + (", signed with its secret" if ch.secret else "") + "; `cockpit channel test "
                  + ch.name + "` sends a test message")
            return 0
        if args.action == "remove":
            channels.remove(con, args.name)
            print(f"channel {args.name} removed")
            return 0
        ch = channels.require(con, args.name)
        from cockpit import i18n

        msg = Message(i18n.t("push.test_title", ch.lang), [i18n.t("push.test_body", ch.lang, name=ch.name)],
                      lang=ch.lang)
        print(f"test message to {ch.name}:")
        return _print_results(delivery.deliver(con, [ch.name], msg, source="test", source_name=f"channel {ch.name}",
                                               owner=ch.owner, now=clock.now()))
    finally:
        con.close()


# --- alert -----------------------------------------------------------------------------


def cmd_alert(args) -> int:
    from cockpit import push
    from cockpit.push import rules

    con = store.connect(args.db)
    now = clock.now()
    try:
        if args.action == "list":
            rows = rules.list_all(con)
            if not rows:
                print("no alert rules yet: `cockpit alert add NAME --metric gmv --when '<' 1000 --to CHANNEL`")
            for r in rows:
                state = "paused" if r.paused else (f"snoozed until {r.paused_until:%Y-%m-%d %H:%M}"
                                                   if r.paused_until and r.paused_until > now else "active")
                repeat = f", repeats every {r.repeat_minutes} min" if r.repeat_minutes else ""
                print(f"{r.name:24s} {state:28s} {rules.describe(r, 'en')} → {', '.join(r.channels)}"
                      f"{repeat}  (owner {r.owner})")
            return 0
        if args.action == "run":
            done = push.run_alerts(con, now, names=args.name and [args.name])
            if args.name and args.name not in done:
                raise UsageError(f"there is no alert rule {args.name!r} (see `cockpit alert list`)")
            worst = 0
            for name, results in done.items():
                if results is None:
                    print(f"{name}: paused")
                elif not results:
                    print(f"{name}: nothing new to send")
                else:
                    print(f"{name}: breached")
                    worst = max(worst, _print_results(results))
            return worst
        if not args.name:
            raise UsageError(f"`cockpit alert {args.action}` needs a rule name")
        if args.action == "add":
            owner = _owner(con, args.user)
            common = dict(to=csv_list(args.to), repeat_minutes=args.repeat, owner=owner, now=now)
            if args.live:
                if args.metric or args.when:
                    raise UsageError("choose either --metric/--when or --live, not both")
                r = rules.add_live_rule(con, args.name, LIVE_CHOICES[args.live], where=_where(args.where),
                                        minutes=args.minutes, score_type=args.score_type, below=args.below, **common)
            else:
                if not args.metric or not args.when:
                    raise UsageError("an alert needs --metric M --when OP VALUE (or --live start|drop|no-orders|score)")
                r = rules.add_metric_rule(con, args.name, args.metric, args.when[0], args.when[1],
                                          period=args.period or "today", compare=args.compare, by=args.by,
                                          where=_where(args.where), **common)
            print(f"alert {r.name} saved: {rules.describe(r, 'en')} → {', '.join(r.channels)}")
            return 0
        if args.action == "remove":
            rules.remove(con, args.name)
            print(f"alert {args.name} removed")
            return 0
        if args.action == "pause":
            minutes = rules.parse_duration(args.for_) if args.for_ else None
            r = rules.pause(con, args.name, minutes=minutes, now=now)
            print(f"alert {r.name} " + (f"snoozed until {r.paused_until:%Y-%m-%d %H:%M}" if minutes
                                        else "paused until `cockpit alert resume " + r.name + "`"))
            return 0
        if args.action == "resume":
            rules.resume(con, args.name)
            print(f"alert {args.name} active again")
            return 0
        r = rules.require(con, args.name)  # test
        print(f"test of alert {r.name} ({rules.describe(r, 'en')}):")
        return _print_results(rules.test_rule(con, r, now))
    finally:
        con.close()


# --- report ----------------------------------------------------------------------------


def _selection(args):
    from cockpit.selection import Selection

    sel = Selection.from_params({k: v for k, v in {
        "period": args.period, "start": args.from_, "end": args.to_date, "compare": args.compare,
        **{d: getattr(args, d) for d in FILTER_ARGS},
    }.items() if v})
    if (args.from_ or args.to_date) and not args.period:
        sel = sel.replace(period="custom")
    if sel.period == "custom" and not (sel.start and sel.end):
        raise UsageError("a custom period needs both --from and --to-date (dates like 2025-06-01)")
    return sel


def cmd_report(args) -> int:
    from cockpit.push import scheduled

    db = store.resolve_db_path(args.db)
    con = store.connect(db)
    now = clock.now()
    try:
        if args.action == "list":
            rows = scheduled.list_all(con)
            if not rows:
                print("no reports yet: `cockpit report add NAME --page overview --every daily@09:00 --to CHANNEL`")
            for r in rows:
                last = f"last sent for {r.last_slot:%Y-%m-%d %H:%M}" if r.last_slot else "not sent yet"
                print(f"{r.name:24s} {r.page:9s} {r.every:18s} {r.format:4s} "
                      f"{'paused' if r.paused else 'active':6s} → {', '.join(r.channels)}  {last}  (owner {r.owner})")
            return 0
        if not args.name:
            raise UsageError(f"`cockpit report {args.action}` needs a report name")
        if args.action == "add":
            if not args.page or not args.every:
                raise UsageError("`cockpit report add NAME` needs --page and --every")
            sel = _selection(args)
            if not args.period and not (args.from_ or args.to_date):
                sel = sel.replace(period="yesterday" if args.every.lower().startswith("daily") else "last_7")
            r = scheduled.add(con, args.name, args.page, sel, args.every, csv_list(args.to_channel),
                              format=args.format, owner=_owner(con, args.user), now=now)
            print(f"report {r.name} saved: page {r.page}, {r.every} (Asia/Shanghai business time), {r.format} "
                  f"→ {', '.join(r.channels)}; `cockpit report send {r.name}` sends it now")
            return 0
        if args.action == "remove":
            scheduled.remove(con, args.name)
            print(f"report {args.name} removed")
            return 0
        if args.action in ("pause", "resume"):
            scheduled.set_paused(con, args.name, args.action == "pause")
            print(f"report {args.name} {'paused' if args.action == 'pause' else 'active again'}")
            return 0
        rep = scheduled.require(con, args.name)  # send
        prep = scheduled.prepare(con, rep, now)
        base = os.environ.get("COCKPIT_BASE_URL")
        if prep.wants_picture and not base:
            # no app runs on this database: lend it to a temporary server for the picture
            from cockpit.push import render

            con.close()
            con = None
            try:
                with render.temporary_server(db) as url:
                    picture, why_not = scheduled.take_picture(prep, url)
            except render.RenderError as e:
                print(f"  (no picture: {e})", file=sys.stderr)
                picture, why_not = None, "push.no_picture_failed"
            con = store.connect(db)
        else:
            picture, why_not = scheduled.take_picture(prep, base)
        print(f"report {rep.name}" + (" with its picture" if picture else "") + ":")
        return _print_results(scheduled.finish(con, prep, picture, why_not, now))
    finally:
        if con is not None:
            con.close()


def register(sub) -> None:
    c = sub.add_parser("channel", help="push destinations: DingTalk, WeCom, Feishu, e-mail, webhook")
    db_arg(c)
    c.add_argument("action", choices=["add", "list", "test", "remove"])
    c.add_argument("name", nargs="?")
    c.add_argument("--kind", choices=["dingtalk", "wecom", "feishu", "email", "webhook"])
    c.add_argument("--url", help="the bot's webhook URL (e-mail: the addresses, comma-separated)")
    c.add_argument("--secret", help="signing secret (DingTalk 加签 SEC…, Feishu 签名校验, webhook HMAC)")
    c.add_argument("--secret-stdin", action="store_true", help="read the secret from standard input")
    c.add_argument("--lang", choices=["zh", "en"], default="zh", help="language of its messages (default zh)")
    c.add_argument("--user", help="owner (default: the local admin)")
    c.set_defaults(func=cmd_channel)

    a = sub.add_parser("alert", help="alert rules: add, list, test, remove, pause, resume, run")
    db_arg(a)
    a.add_argument("action", choices=["add", "list", "test", "remove", "pause", "resume", "run"])
    a.add_argument("name", nargs="?")
    a.add_argument("--metric", help="a metric id, e.g. gmv, refund_rate, gpm")
    a.add_argument("--when", nargs=2, metavar=("OP", "VALUE"),
                   help="OP: > < >= <= drop%% rise%%; a rate's VALUE is in percent (10 = 10%%)")
    a.add_argument("--period", help="today (default), yesterday, last_7, last_30, this_month, last_month, this_year")
    a.add_argument("--compare", choices=["prev", "yoy"], help="comparison for drop%%/rise%% (default prev)")
    a.add_argument("--by", help="fire per store, account, live, ... and name them")
    a.add_argument("--where", action="append", metavar="DIM=VALUE", help="filter, repeatable")
    a.add_argument("--live", choices=list(LIVE_CHOICES),
                   help="a built-in live rule: start (开播提醒), drop (掉量预警), no-orders, score")
    a.add_argument("--minutes", type=int, help="no-orders: minutes without an order while live")
    a.add_argument("--score-type", choices=["creator_reputation", "store_experience", "product"],
                   help="score: which score (default creator_reputation, 带货口碑分)")
    a.add_argument("--below", type=float, help="score: alert below this score")
    a.add_argument("--repeat", type=int, metavar="MINUTES", help="remind again while still breached")
    a.add_argument("--to", action="append", help="channel name(s), repeatable")
    a.add_argument("--for", dest="for_", help="pause: snooze for 30m, 2h, 1d (default: until resumed)")
    a.add_argument("--user", help="owner: the rule sees this user's data scope (default: the local admin)")
    a.set_defaults(func=cmd_alert)

    r = sub.add_parser("report", help="scheduled reports: add, list, send, remove, pause, resume")
    db_arg(r)
    r.add_argument("action", choices=["add", "list", "send", "remove", "pause", "resume"])
    r.add_argument("name", nargs="?")
    r.add_argument("--page", help="overview, live, sessions, entities or growth")
    r.add_argument("--every", help="daily@09:00 or weekly@mon-09:00 (Asia/Shanghai)")
    r.add_argument("--to", dest="to_channel", action="append", help="channel name(s), repeatable")
    r.add_argument("--format", choices=["png", "pdf", "csv", "xlsx"], default="png")
    r.add_argument("--period", help="default: yesterday for daily, last_7 for weekly")
    r.add_argument("--from", dest="from_", help="custom period start")
    r.add_argument("--to-date", help="custom period end (inclusive)")
    r.add_argument("--compare", choices=["prev", "yoy", "none"])
    for dim in FILTER_ARGS:
        r.add_argument(f"--{dim.replace('_', '-')}", dest=dim, action="append", help=f"filter by {dim}, repeatable")
    r.add_argument("--user", help="owner: the report holds this user's data scope (default: the local admin)")
    r.set_defaults(func=cmd_report)
