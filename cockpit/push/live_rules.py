"""The live rules an operator switches on per account group: 开播提醒 (a session
starts), 掉量预警 (online or GMV pace drops: the 直播追踪 page's own rule, called from
:mod:`cockpit.reports.live`), no orders for N minutes while live, and a score
(带货口碑分, 商家体验分, 商品分) below a threshold on its latest day.

The account group is a set of sidebar filters (account type, agency, accounts, stores,
brand), applied with the owner's data scope through the same View the page uses.
"""

from __future__ import annotations

import datetime as dt

from cockpit import fmt, i18n, periods, query, store
from cockpit.push.rules import SCORE_ENTITY, START_GRACE_MINUTES, Finding, Rule
from cockpit.reports import live
from cockpit.selection import Selection
from cockpit.view import View


def _view(con, rule: Rule, scope, now: dt.datetime) -> View:
    sel = Selection(**{d: tuple(v) for d, v in (rule.spec.get("where") or {}).items()})
    return View(con, sel, lang="zh", now=now.replace(second=0, microsecond=0), scope=scope)


def evaluate(con, rule: Rule, scope, now: dt.datetime) -> list[Finding]:
    if rule.kind == "score_low":
        return _scores(con, rule, scope, now)
    view = _view(con, rule, scope, now)
    b = live.board(view)
    rows = list(b.live.iter_rows(named=True))
    out = []
    if rule.kind == "live_start":
        since = (rule.created_at or now) - dt.timedelta(minutes=START_GRACE_MINUTES)
        for r in rows:
            out.append(Finding(r["live_id"], r["started_at"] >= since, None, _session(r)))
    elif rule.kind == "live_drop":
        for r in rows:
            out.append(Finding(r["live_id"], bool(r["dropping"]), r["online_now"], _session(r)))
    elif rule.kind == "no_orders":
        n = int(rule.spec["minutes"])
        last_paid = _last_order_minute(view, [r["live_id"] for r in rows])
        for r in rows:
            last = last_paid.get(r["live_id"])
            quiet_since = last + dt.timedelta(minutes=1) if last is not None else r["started_at"]
            quiet = max(0, int((view.now - quiet_since).total_seconds() // 60))
            out.append(Finding(r["live_id"], quiet >= n and r["minutes_live"] >= n, float(quiet),
                               {**_session(r), "quiet": quiet, "had_orders": last is not None}))
    return out


def _session(r: dict) -> dict:
    keep = ("live_id", "account_name", "title", "started_at", "minutes_live", "online_now", "peak_online",
            "series_peak", "live_gmv", "orders", "online_drop", "gmv_drop", "gmv_last_window", "gmv_prev_window")
    return {k: r.get(k) for k in keep}


def _last_order_minute(view: View, ids: list[str]) -> dict[str, dt.datetime]:
    """The last minute with a live order, per session (the page's own per-minute GMV)."""
    if not ids:
        return {}
    df = live.gmv_by_minute(view, ids)
    df = df.filter(df["orders"] > 0)
    out: dict[str, dt.datetime] = {}
    for lid, minute in df.select("live_id", "minute").iter_rows():
        if lid not in out or minute > out[lid]:
            out[lid] = minute
    return out


def _scores(con, rule: Rule, scope, now: dt.datetime) -> list[Finding]:
    st = rule.spec["score_type"]
    day = store.scalar(con, "SELECT max(date) FROM scores_daily WHERE score_type = ? AND date <= ?", [st, now.date()])
    if day is None:
        return []
    dim = SCORE_ENTITY[st]
    mid = f"{st}_score"
    q = query.Query.make([mid], [dim], periods.Period(day, day), rule.spec.get("where") or {}, scope=scope,
                         labels=True)
    out = []
    for row in query.run(con, q).iter_rows(named=True):
        v = row[mid]
        if row[dim] is None or fmt.is_missing(v):
            continue
        out.append(Finding(str(row[dim]), float(v) < float(rule.spec["below"]), float(v),
                           {"name": row.get(f"{dim}_name") or row[dim], "day": day.isoformat(), "score": float(v)}))
    return out


def line(rule: Rule, f: Finding, lang: str) -> str:
    L = lambda k, **kw: i18n.t(k, lang, **kw)  # noqa: E731
    d = f.data
    if rule.kind == "score_low":
        return L("push.score_line", who=d["name"], score=i18n.enum_label("score_type", rule.spec["score_type"], lang),
                 value=f"{d['score']:.2f}", below=f"{rule.spec['below']:.2f}", day=d["day"])
    who = d.get("account_name") or d.get("live_id")
    title = d.get("title") or d.get("live_id")
    count = lambda v: fmt.value(v, "count", lang)  # noqa: E731
    cny = lambda v: fmt.value(v, "cny", lang)  # noqa: E731
    if rule.kind == "live_start":
        return L("push.start_line", who=who, title=title, at=d["started_at"].strftime("%H:%M"),
                 online=count(d.get("online_now")), minutes=d.get("minutes_live") or 0)
    if rule.kind == "live_drop":
        parts = []
        if d.get("online_drop"):
            parts.append(L("push.drop_online", online=count(d.get("online_now")), peak=count(d.get("series_peak")),
                           window=live.ONLINE_WINDOW_MINUTES))
        if d.get("gmv_drop"):
            parts.append(L("push.drop_gmv", last=cny(d.get("gmv_last_window")), prev=cny(d.get("gmv_prev_window")),
                           window=live.GMV_WINDOW_MINUTES))
        return L("push.drop_line", who=who, title=title, what=("；" if lang == "zh" else "; ").join(parts))
    return L("push.no_orders_line", who=who, title=title, n=d["quiet"], minutes=d.get("minutes_live") or 0,
             gmv=cny(d.get("live_gmv")))
