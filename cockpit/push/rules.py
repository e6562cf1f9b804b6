"""Alert rules: a threshold on any registry metric, and the live rules operators run
their rooms with (开播提醒, 掉量预警, no orders for N minutes, a low score).

A rule is evaluated within its owner's data scope (the query layer applies it), so a
store operator's rule never sees, names or counts another store's rows.  Each breaching
subject (the whole selection, or each store / account / session with ``--by``) is
remembered: it notifies once, and again only after it cleared, or when the rule has a
repeat interval that has elapsed.  A paused rule is not evaluated at all, so a breach
that began during a pause is notified when the pause ends.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import re
from dataclasses import dataclass, field

from cockpit import auth, fmt, i18n, periods, query, store
from cockpit import metrics as reg
from cockpit.push import channels, db, delivery
from cockpit.push.message import Message

log = logging.getLogger("cockpit.push")

OPS = (">", "<", ">=", "<=", "drop%", "rise%")
PCT_OPS = ("drop%", "rise%")
METRIC = "metric"
LIVE_KINDS = ("live_start", "live_drop", "no_orders", "score_low")
KINDS = (METRIC, *LIVE_KINDS)
# how often a rule is looked at again when no new data arrived ("today" rolls over,
# a live room goes quiet without any import)
EVERY_MINUTES = {METRIC: 5, "live_start": 1, "live_drop": 1, "no_orders": 1, "score_low": 30}
# 开播提醒 only for sessions that started at most this long before the rule existed
START_GRACE_MINUTES = 30
SCORE_ENTITY = {"creator_reputation": "account", "store_experience": "store", "product": "product"}
GROUP_DIMS = ("brand", "store_type", "store", "account_type", "account", "agency")
PAUSE_UNITS = {"m": 1, "min": 1, "h": 60, "d": 1440}
MAX_LINES = 30  # breaches named in one message; the rest are counted (chat bots cap message size)


class RuleError(ValueError):
    """A rule that cannot be saved or run; the message is safe to show."""


@dataclass
class Rule:
    name: str
    owner: str
    kind: str
    spec: dict
    channels: list[str]
    repeat_minutes: int | None = None
    paused: bool = False
    paused_until: dt.datetime | None = None
    created_at: dt.datetime | None = None
    last_eval_at: dt.datetime | None = None
    last_eval_version: int | None = None

    def is_paused(self, now: dt.datetime) -> bool:
        return self.paused or (self.paused_until is not None and self.paused_until > now)


@dataclass
class Finding:
    """One subject the rule looked at; ``breached`` ones are notified."""
    subject: str
    breached: bool
    value: float | None = None
    data: dict = field(default_factory=dict)


# --- stored rules ----------------------------------------------------------------------

_COLS = "name, owner, kind, spec, channels, repeat_minutes, paused, paused_until, created_at, last_eval_at, last_eval_version"


def _row(r) -> Rule:
    return Rule(r[0], r[1], r[2], db.loads(r[3], {}), db.loads(r[4], []), *r[5:])


def get(con, name: str) -> Rule | None:
    rows = store.fetchall(con, f"SELECT {_COLS} FROM push_rules WHERE name = ?", [name])
    return _row(rows[0]) if rows else None


def require(con, name: str, user: auth.User | None = None) -> Rule:
    r = get(con, name)
    if r is None or (user is not None and not user.is_admin and r.owner != user.username):
        raise RuleError(f"there is no alert rule {name!r} (see `cockpit alert list`)")
    return r


def list_all(con, owner: str | None = None) -> list[Rule]:
    sql = f"SELECT {_COLS} FROM push_rules" + (" WHERE owner = ?" if owner else "") + " ORDER BY name"
    return [_row(r) for r in store.fetchall(con, sql, [owner] if owner else [])]


def _check_channels(con, names, owner: str) -> list[str]:
    names = list(dict.fromkeys(n.strip() for n in names or [] if n and n.strip()))
    if not names:
        raise RuleError("say where to send it: --to CHANNEL (see `cockpit channel list`)")
    user = owner_user(con, owner)
    for n in names:
        ch = channels.get(con, n)
        if ch is None or (user is not None and not user.is_admin and ch.owner != owner):
            raise RuleError(f"there is no channel {n!r} (see `cockpit channel list`)")
    return names


def _check_where(where: dict | None, allowed=None) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for d, vals in (where or {}).items():
        reg.dimension(d)
        if allowed is not None and d not in allowed:
            raise RuleError(f"a live rule is set per account group: filter by {', '.join(allowed)}, not {d}")
        vals = [str(v) for v in (vals if isinstance(vals, (list, tuple)) else [vals]) if str(v)]
        if vals:
            out[d] = vals
    return out


def _check_name(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > 80:
        raise RuleError("a rule needs a name (at most 80 characters)")
    return name


def add_metric_rule(con, name: str, metric: str, op: str, value: float, *, period: str = "today",
                    compare: str | None = None, by: str | None = None, where: dict | None = None,
                    to=(), repeat_minutes: int | None = None, owner: str = "local", now: dt.datetime) -> Rule:
    name = _check_name(name)
    m = reg.metric(metric)
    if op not in OPS:
        raise RuleError(f"unknown condition {op!r}; use one of {' '.join(OPS)}")
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise RuleError(f"the threshold {value!r} is not a number") from None
    if period not in periods.PRESETS or period == "custom":
        raise RuleError(f"unknown period {period!r}; choose one of {', '.join(p for p in periods.PRESETS if p != 'custom')}")
    if compare not in (None, "prev", "yoy"):
        raise RuleError("--compare is prev (环比) or yoy (同比)")
    if op in PCT_OPS and compare is None:
        compare = "prev"
    if by:
        reg.dimension(by)
        if by not in reg.dims_available(metric):
            raise RuleError(f"metric {metric} cannot be split by {by}; it can by {', '.join(sorted(reg.dims_available(metric)))}")
    spec = {"metric": m.id, "op": op, "value": value, "period": period, "compare": compare, "by": by,
            "where": _check_where(where)}
    return _insert(con, Rule(name, owner, METRIC, spec, _check_channels(con, to, owner), _repeat(repeat_minutes),
                             created_at=now))


def add_live_rule(con, name: str, kind: str, *, where: dict | None = None, minutes: int | None = None,
                  score_type: str | None = None, below: float | None = None, to=(),
                  repeat_minutes: int | None = None, owner: str = "local", now: dt.datetime) -> Rule:
    name = _check_name(name)
    if kind not in LIVE_KINDS:
        raise RuleError(f"unknown live rule {kind!r}; choose one of {', '.join(LIVE_KINDS)}")
    spec: dict = {"where": _check_where(where, GROUP_DIMS)}
    if kind == "no_orders":
        if not minutes or int(minutes) < 1:
            raise RuleError("no_orders needs --minutes N (at least 1)")
        spec["minutes"] = int(minutes)
    if kind == "score_low":
        score_type = score_type or "creator_reputation"
        if score_type not in SCORE_ENTITY:
            raise RuleError(f"unknown score {score_type!r}; choose one of {', '.join(SCORE_ENTITY)}")
        if below is None:
            raise RuleError("score_low needs --below SCORE, e.g. --below 4.5")
        spec.update(score_type=score_type, below=float(below))
    return _insert(con, Rule(name, owner, kind, spec, _check_channels(con, to, owner), _repeat(repeat_minutes),
                             created_at=now))


def _repeat(minutes) -> int | None:
    if minutes in (None, "", 0):
        return None
    if int(minutes) < 1:
        raise RuleError("--repeat is a number of minutes, at least 1")
    return int(minutes)


def _insert(con, r: Rule) -> Rule:
    if get(con, r.name) is not None:
        raise RuleError(f"there is already an alert rule {r.name!r}; remove it first or pick another name")
    con.execute(f"INSERT INTO push_rules ({_COLS}) VALUES (?, ?, ?, ?, ?, ?, false, NULL, ?, NULL, NULL)",
                [r.name, r.owner, r.kind, db.dumps(r.spec), db.dumps(r.channels), r.repeat_minutes, r.created_at])
    return get(con, r.name)


def remove(con, name: str, user: auth.User | None = None) -> None:
    require(con, name, user)
    con.execute("DELETE FROM push_rule_state WHERE rule = ?", [name])
    con.execute("DELETE FROM push_rules WHERE name = ?", [name])


def parse_duration(text: str) -> int:
    """'2h', '30m', '1d', '90' (minutes) -> minutes."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(m|min|h|d)?\s*", text or "")
    if not m:
        raise RuleError(f"--for {text!r}: write a duration like 30m, 2h or 1d")
    minutes = float(m.group(1)) * PAUSE_UNITS[m.group(2) or "m"]
    if minutes < 1:
        raise RuleError("--for must be at least one minute")
    return int(minutes)


def pause(con, name: str, *, minutes: int | None, now: dt.datetime, user: auth.User | None = None) -> Rule:
    """Pause until resumed, or snooze for ``minutes``."""
    require(con, name, user)
    if minutes:
        con.execute("UPDATE push_rules SET paused = false, paused_until = ? WHERE name = ?",
                    [now + dt.timedelta(minutes=minutes), name])
    else:
        con.execute("UPDATE push_rules SET paused = true, paused_until = NULL WHERE name = ?", [name])
    return get(con, name)


def resume(con, name: str, user: auth.User | None = None) -> Rule:
    require(con, name, user)
    con.execute("UPDATE push_rules SET paused = false, paused_until = NULL WHERE name = ?", [name])
    return get(con, name)


# --- whose eyes ------------------------------------------------------------------------


class OwnerGone(RuleError):
    pass


def owner_user(con, owner: str) -> auth.User | None:
    """The owner as a User; None for the local (single-user, admin) operator."""
    if owner == auth.LOCAL_USER.username:
        return None
    u = auth.get_user(con, owner)
    if u is None:
        raise OwnerGone(f"owner {owner!r} no longer exists or is disabled")
    return u


def owner_scope(con, owner: str):
    u = owner_user(con, owner)
    return None if u is None else u.scope


# --- evaluation ------------------------------------------------------------------------


def _threshold(unit: str, value: float) -> float:
    return value / 100 if unit == "pct" else value  # a rate's threshold is written in percent, as shown


def breaches(op: str, threshold: float, v, pct) -> bool:
    if op in PCT_OPS:
        if pct is None or fmt.is_missing(pct):
            return False
        change = pct * 100
        return -change >= threshold if op == "drop%" else change >= threshold
    if v is None or fmt.is_missing(v):
        return False
    v = float(v)
    return {">": v > threshold, "<": v < threshold, ">=": v >= threshold, "<=": v <= threshold}[op]


def evaluate(con, rule: Rule, now: dt.datetime) -> list[Finding]:
    """Every subject the rule looks at now, within the owner's scope."""
    scope = owner_scope(con, rule.owner)
    if rule.kind == METRIC:
        return _eval_metric(con, rule, scope, now)
    from cockpit.push import live_rules

    return live_rules.evaluate(con, rule, scope, now)


def _eval_metric(con, rule: Rule, scope, now: dt.datetime) -> list[Finding]:
    s = rule.spec
    m = reg.metric(s["metric"])
    period = periods.resolve(s["period"], now.date())
    by = s.get("by")
    q = query.Query.make([m.id], [by] if by else [], period, s.get("where") or {}, scope=scope,
                         now=now.replace(second=0, microsecond=0), labels=True)
    df = query.run_compared(con, q, s.get("compare")) if s.get("compare") else query.run(con, q)
    thr = _threshold(m.unit, s["value"])
    out = []
    for row in df.iter_rows(named=True):
        v, pct = row.get(m.id), row.get(m.id + query.PCT)
        subject = "" if not by else ("" if row.get(by) is None else str(row[by]))
        out.append(Finding(subject, breaches(s["op"], thr, v, pct), None if fmt.is_missing(v) else float(v), {
            "value": v, "cmp": row.get(m.id + query.CMP), "pct": pct, "delta": row.get(m.id + query.DELTA),
            "by_value": row.get(by) if by else None, "by_name": row.get(f"{by}_name") if by else None,
            "period": str(period),
        }))
    return out


def _state(con, name: str) -> dict[str, tuple]:
    rows = store.fetchall(con, "SELECT subject, breached, since, last_sent_at FROM push_rule_state WHERE rule = ?", [name])
    return {r[0]: r[1:] for r in rows}


def notify_due(con, rule: Rule, findings: list[Finding], now: dt.datetime) -> list[Finding]:
    """The breaches to notify now, and the remembered state updated: new breaches and
    those whose repeat interval elapsed; subjects that no longer breach are cleared."""
    state = _state(con, rule.name)
    due = []
    breached_now = {f.subject for f in findings if f.breached}
    for f in findings:
        if not f.breached:
            continue
        old = state.get(f.subject)
        if old is None or not old[0]:
            due.append(f)
            con.execute("DELETE FROM push_rule_state WHERE rule = ? AND subject = ?", [rule.name, f.subject])
            con.execute("INSERT INTO push_rule_state VALUES (?, ?, true, ?, ?, ?)",
                        [rule.name, f.subject, now, now, f.value])
        elif rule.repeat_minutes and (old[2] is None or old[2] + dt.timedelta(minutes=rule.repeat_minutes) <= now):
            due.append(f)
            con.execute("UPDATE push_rule_state SET last_sent_at = ?, last_value = ? WHERE rule = ? AND subject = ?",
                        [now, f.value, rule.name, f.subject])
        else:
            con.execute("UPDATE push_rule_state SET last_value = ? WHERE rule = ? AND subject = ?",
                        [f.value, rule.name, f.subject])
    cleared = [s for s, (b, *_rest) in state.items() if b and s not in breached_now]
    for s in cleared:
        con.execute("DELETE FROM push_rule_state WHERE rule = ? AND subject = ?", [rule.name, s])
    return due


# --- messages --------------------------------------------------------------------------


def describe(rule: Rule, lang: str) -> str:
    """The rule in words: 成交金额 今天 < ¥1,000.00 (按店铺)."""
    L = lambda k, **kw: i18n.t(k, lang, **kw)  # noqa: E731
    s = rule.spec
    if rule.kind != METRIC:
        text = L(f"push.kind.{rule.kind}")
        if rule.kind == "no_orders":
            text += " · " + L("push.minutes_n", n=s["minutes"])
        if rule.kind == "score_low":
            text += f" · {i18n.enum_label('score_type', s['score_type'], lang)} < {s['below']:g}"
    else:
        m = reg.metric(s["metric"])
        if s["op"] in PCT_OPS:
            cond = L(f"push.op.{s['op']}", cmp=L(f"compare.{s['compare']}"), n=f"{s['value']:g}")
        else:
            thr = fmt.value(_threshold(m.unit, s["value"]), m.unit, lang)
            cond = f"{s['op']} {thr}"
        text = f"{i18n.label(m.id, lang)} · {L('period.' + s['period'])} {cond}"
        if s.get("by"):
            text += " · " + L("push.by", dim=i18n.label(s["by"], lang))
    where = s.get("where") or {}
    if where:
        text += " · " + "; ".join(f"{i18n.label(d, lang)}={','.join(v)}" for d, v in where.items())
    return text


def _subject_name(rule: Rule, f: Finding, lang: str) -> str:
    by = rule.spec.get("by")
    if not by:
        return i18n.t("push.whole", lang)
    if f.data.get("by_name"):
        return str(f.data["by_name"])
    v = f.data.get("by_value")
    if by in reg.ENUM_DIMS or by == "traffic_source":
        return i18n.enum_label(by, v, lang)
    return i18n.t("common.none", lang) if v is None else str(v)


def _metric_line(rule: Rule, f: Finding, lang: str) -> str:
    s = rule.spec
    m = reg.metric(s["metric"])
    L = lambda k, **kw: i18n.t(k, lang, **kw)  # noqa: E731
    line = L("push.metric_line", who=_subject_name(rule, f, lang), metric=i18n.label(m.id, lang),
             value=fmt.value(f.data.get("value"), m.unit, lang))
    if s.get("compare"):
        change = fmt.change(f.data.get("pct"), f.data.get("delta"), m.unit, lang) or fmt.DASH
        line += L("push.cmp_part", cmp=L(f"compare.{s['compare']}"), change=change,
                  before=fmt.value(f.data.get("cmp"), m.unit, lang))
    return line


def message(rule: Rule, found: list[Finding], lang: str, *, test: bool = False) -> Message:
    L = lambda k, **kw: i18n.t(k, lang, **kw)  # noqa: E731
    title = L("push.alert_title_test" if test else "push.alert_title", name=rule.name)
    lines = [L("push.rule_line", rule=describe(rule, lang))]
    if rule.kind == METRIC:
        if found:
            lines.append(L("push.period_line", period=found[0].data["period"]))
        body = [_metric_line(rule, f, lang) for f in found]
    else:
        from cockpit.push import live_rules

        body = [live_rules.line(rule, f, lang) for f in found]
    if test and not any(f.breached for f in found):
        lines.append(L("push.test_holds"))
    if len(body) > MAX_LINES:
        body = body[:MAX_LINES] + [L("push.more", n=len(body) - MAX_LINES)]
    lines += body or [L("push.test_nothing")]
    return _with_link(Message(title, lines, lang=lang), lang)


def _with_link(msg: Message, lang: str, path: str = "") -> Message:
    import os

    base = os.environ.get("COCKPIT_PUBLIC_URL")
    if base:
        msg.link = base.rstrip("/") + "/" + path.lstrip("/")
        msg.link_text = i18n.t("push.open_cockpit", lang)
    return msg


# --- running ---------------------------------------------------------------------------


def _lang_for(make):
    return lambda ch: make(ch.lang)


def run_rule(con, rule: Rule, now: dt.datetime, *, version: int | None = None) -> list[tuple]:
    """Evaluate one rule now and send what is due; returns the deliveries made."""
    try:
        found = evaluate(con, rule, now)
    except (RuleError, reg.MetricError, ValueError) as e:
        log.warning("push: alert %s not evaluated: %s", rule.name, e)
        found = None
    con.execute("UPDATE push_rules SET last_eval_at = ?, last_eval_version = ? WHERE name = ?",
                [now, store.data_version(con) if version is None else version, rule.name])
    if not found:
        return []
    due = notify_due(con, rule, found, now)
    if not due:
        return []
    return delivery.deliver(con, rule.channels, message(rule, due, "zh"), source="alert", source_name=rule.name,
                            owner=rule.owner, now=now, lang_for=_lang_for(lambda lang: message(rule, due, lang)))


def test_rule(con, rule: Rule, now: dt.datetime) -> list[tuple]:
    """Send what the rule sees now, breached or not, marked as a test; state untouched."""
    found = evaluate(con, rule, now)
    shown = [f for f in found if f.breached] or found[:10]
    return delivery.deliver(con, rule.channels, message(rule, shown, "zh", test=True), source="test",
                            source_name=rule.name, owner=rule.owner, now=now,
                            lang_for=_lang_for(lambda lang: message(rule, shown, lang, test=True)))


def due_rules(con, now: dt.datetime, version: int) -> list[Rule]:
    """Rules to evaluate now: new data since their last look, their interval passed,
    or a reminder of a breach whose repeat interval elapsed."""
    all_rules = list_all(con)
    repeat = {r.name: r.repeat_minutes for r in all_rules if r.repeat_minutes}
    reminders = set()
    if repeat:
        for name, last in store.fetchall(con, "SELECT rule, last_sent_at FROM push_rule_state WHERE breached"):
            if name in repeat and last is not None and last + dt.timedelta(minutes=repeat[name]) <= now:
                reminders.add(name)
    out = []
    for r in all_rules:
        if r.paused_until is not None and r.paused_until <= now:
            con.execute("UPDATE push_rules SET paused_until = NULL WHERE name = ?", [r.name])
            r = dataclasses.replace(r, paused_until=None)
        if r.is_paused(now):
            continue
        stale = r.last_eval_at is None or r.last_eval_at + dt.timedelta(minutes=EVERY_MINUTES[r.kind]) <= now
        if stale or r.last_eval_version != version or r.name in reminders:
            out.append(r)
    return out
