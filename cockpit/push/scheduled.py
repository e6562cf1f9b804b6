"""Scheduled reports: a page with its filters, sent daily or weekly in business time
(Asia/Shanghai), within the owner's data scope.

The message text carries the headline figures with 环比 and 同比 (formatted as the
pages format them); the page itself goes as a picture or PDF (:mod:`cockpit.push.render`)
and its tables as CSV files or one Excel workbook, attached where the channel takes
files (e-mail, webhook).  Chat bots get the text and, on WeCom, the picture.

The picture shows exactly what the owner would see: with sign-in on it is taken in a
short-lived session of the owner (``cockpit.websession``); in local mode (no sign-in)
the page shows everything, so a scoped owner's report goes without a picture rather
than with rows they may not see.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import os
import re
from dataclasses import dataclass, field

from cockpit import auth, fmt, i18n, query, store
from cockpit import metrics as reg
from cockpit import reports as page_reports
from cockpit.push import channels, db, delivery, render
from cockpit.push.message import Attachment, Message
from cockpit.push.rules import OwnerGone, owner_scope, owner_user
from cockpit.selection import Selection
from cockpit.view import View

log = logging.getLogger("cockpit.push")

FORMATS = ("png", "pdf", "csv", "xlsx")
KPIS = ["gmv", "orders", "buyers", "aov", "refund_rate", "live_gmv", "gpm"]
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_EVERY = re.compile(r"^(daily)@(\d{1,2}):(\d{2})$|^(weekly)@(mon|tue|wed|thu|fri|sat|sun)-(\d{1,2}):(\d{2})$")
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ReportError(ValueError):
    """A report that cannot be saved or sent; the message is safe to show."""


@dataclass
class Report:
    name: str
    owner: str
    page: str
    selection: dict
    every: str
    format: str
    channels: list[str]
    paused: bool = False
    created_at: dt.datetime | None = None
    last_slot: dt.datetime | None = None

    @property
    def sel(self) -> Selection:
        return Selection.from_params(self.selection)


# --- schedule --------------------------------------------------------------------------


def parse_every(text: str) -> tuple[int | None, dt.time]:
    """'daily@09:00' -> (None, 09:00); 'weekly@mon-09:00' -> (0, 09:00)."""
    m = _EVERY.match((text or "").strip().lower())
    if not m:
        raise ReportError(f"--every {text!r}: write daily@09:00 or weekly@mon-09:00")
    if m.group(1):
        wd, hh, mm = None, int(m.group(2)), int(m.group(3))
    else:
        wd, hh, mm = WEEKDAYS.index(m.group(5)), int(m.group(6)), int(m.group(7))
    if hh > 23 or mm > 59:
        raise ReportError(f"--every {text!r}: {hh:02d}:{mm:02d} is not a time of day")
    return wd, dt.time(hh, mm)


def latest_slot(every: str, now: dt.datetime) -> dt.datetime:
    """The most recent scheduled time at or before ``now`` (business time)."""
    wd, at = parse_every(every)
    slot = dt.datetime.combine(now.date(), at)
    if wd is None:
        return slot if slot <= now else slot - dt.timedelta(days=1)
    slot -= dt.timedelta(days=(now.weekday() - wd) % 7)
    return slot if slot <= now else slot - dt.timedelta(days=7)


def is_due(rep: Report, now: dt.datetime) -> dt.datetime | None:
    """The slot to send now, if one passed since the last send (and since the report
    was made); a server that was down sends the latest missed slot once."""
    if rep.paused:
        return None
    slot = latest_slot(rep.every, now)
    after = max(x for x in (rep.last_slot, rep.created_at) if x is not None) if (rep.last_slot or rep.created_at) else None
    return slot if after is None or slot > after else None


# --- stored reports --------------------------------------------------------------------

_COLS = "name, owner, page, selection, every, format, channels, paused, created_at, last_slot"


def _row(r) -> Report:
    return Report(r[0], r[1], r[2], db.loads(r[3], {}), r[4], r[5], db.loads(r[6], []), *r[7:])


def get(con, name: str) -> Report | None:
    rows = store.fetchall(con, f"SELECT {_COLS} FROM push_reports WHERE name = ?", [name])
    return _row(rows[0]) if rows else None


def require(con, name: str, user: auth.User | None = None) -> Report:
    r = get(con, name)
    if r is None or (user is not None and not user.is_admin and r.owner != user.username):
        raise ReportError(f"there is no report {name!r} (see `cockpit report list`)")
    return r


def list_all(con, owner: str | None = None) -> list[Report]:
    sql = f"SELECT {_COLS} FROM push_reports" + (" WHERE owner = ?" if owner else "") + " ORDER BY name"
    return [_row(r) for r in store.fetchall(con, sql, [owner] if owner else [])]


def add(con, name: str, page: str, selection: Selection, every: str, to, *, format: str = "png",
        owner: str = "local", now: dt.datetime) -> Report:
    from cockpit.push.rules import RuleError, _check_channels

    name = (name or "").strip()
    if not name or len(name) > 80:
        raise ReportError("a report needs a name (at most 80 characters)")
    if page not in page_reports.PAGES:
        raise ReportError(f"unknown page {page!r}; choose one of {', '.join(page_reports.PAGES)}")
    parse_every(every)
    if format not in FORMATS:
        raise ReportError(f"unknown format {format!r}; choose one of {', '.join(FORMATS)}")
    if get(con, name) is not None:
        raise ReportError(f"there is already a report {name!r}; remove it first or pick another name")
    try:
        names = _check_channels(con, to, owner)
    except RuleError as e:
        raise ReportError(str(e)) from None
    con.execute(f"INSERT INTO push_reports ({_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, false, ?, NULL)",
                [name, owner, page, db.dumps(selection.to_params()), every.strip().lower(), format,
                 db.dumps(names), now])
    return get(con, name)


def remove(con, name: str, user: auth.User | None = None) -> None:
    require(con, name, user)
    con.execute("DELETE FROM push_reports WHERE name = ?", [name])


def set_paused(con, name: str, paused: bool, user: auth.User | None = None) -> None:
    require(con, name, user)
    con.execute("UPDATE push_reports SET paused = ? WHERE name = ?", [paused, name])


# --- content ---------------------------------------------------------------------------


@dataclass
class Prepared:
    """Everything of a send that needs the database, so the picture can be taken while
    the database is lent to a temporary server."""
    report: Report
    messages: dict[str, Message]  # lang -> message without the picture
    picture_url_params: dict = field(default_factory=dict)
    picture_lang: str = "zh"
    cookie: tuple[str, str] | None = None
    no_picture_reason: str | None = None  # i18n key
    picture_text: str | None = None  # what the drawn page said (checked: the page, not a sign-in form)

    @property
    def wants_picture(self) -> bool:
        return self.report.format in ("png", "pdf") and self.no_picture_reason is None


def _view(con, rep: Report, lang: str, now: dt.datetime) -> View:
    return View(con, rep.sel, lang=lang, now=now.replace(second=0, microsecond=0), scope=owner_scope(con, rep.owner))


def _kpi_lines(con, view: View) -> list[str]:
    lang = view.lang
    q = view.q(KPIS, labels=False)
    prev = query.run_compared(con, q, "prev").row(0, named=True)
    yoy = query.run_compared(con, q, "yoy").row(0, named=True)
    out = []
    for mid in KPIS:
        m = reg.metric(mid)
        parts = [f"{i18n.label(mid, lang)} {fmt.value(prev.get(mid), m.unit, lang)}"]
        for key, row in (("prev", prev), ("yoy", yoy)):
            change = fmt.change(row.get(mid + query.PCT), row.get(mid + query.DELTA), m.unit, lang) or fmt.DASH
            parts.append(f"{i18n.t('compare.' + key, lang)} {change}")
        out.append(" · ".join(parts))
    return out


def _live_line(view: View) -> str:
    from cockpit.reports import live

    c = live.board(view).cards
    lang = view.lang
    return i18n.t("push.report_live", lang, accounts=fmt.value(c["accounts_live"], "count", lang),
                  online=fmt.value(c["online_now"], "count", lang), gmv=fmt.value(c["live_gmv_today"], "cny", lang),
                  dropping=fmt.value(c["dropping"], "count", lang))


def _filters_line(con, view: View) -> str | None:
    from cockpit import options

    f = view.sel.filters()
    if not f:
        return None
    opts = options.filter_options(con, view.scope, view.lang)
    parts = [f"{i18n.label(d, view.lang)}=" + "、".join(opts.get(d, {}).get(v, v) for v in vals)
             for d, vals in f.items()]
    return i18n.t("push.report_filters", view.lang, filters="; ".join(parts))


def _tables(view: View, rep: Report, lang: str) -> list[Attachment]:
    tables = [t for t in page_reports.page_tables(rep.page, view)]
    if rep.format == "xlsx":
        import xlsxwriter

        buf = io.BytesIO()
        with xlsxwriter.Workbook(buf, {"in_memory": True}) as wb:
            used: set[str] = set()
            for t in tables:
                sheet = re.sub(r"[\[\]:*?/\\]", " ", t.title)[:31] or t.name[:31]
                while sheet in used:
                    sheet = sheet[:28] + f"~{len(used)}"
                used.add(sheet)
                t.frame.write_excel(wb, worksheet=sheet, autofit=True)
        return [Attachment(f"{rep.name}.xlsx", XLSX_MIME, buf.getvalue())]
    return [Attachment(f"{t.name}.csv", "text/csv", t.csv_bytes()) for t in tables]


def _message(con, rep: Report, lang: str, now: dt.datetime) -> Message:
    L = lambda k, **kw: i18n.t(k, lang, **kw)  # noqa: E731
    view = _view(con, rep, lang, now)
    kind = "push.daily" if parse_every(rep.every)[0] is None else "push.weekly"
    title = L("push.report_title", kind=L(kind), name=rep.name, page=L(page_reports.PAGES[rep.page][0]),
              date=now.date().isoformat())
    lines = []
    if rep.page == "live":
        lines.append(_live_line(view))
    cmp_prev = L("compare.prev") + " " + str(view.sel.replace(compare="prev").comparison_period(view.today))
    cmp_yoy = L("compare.yoy") + " " + str(view.sel.replace(compare="yoy").comparison_period(view.today))
    lines.append(L("push.report_period", period=str(view.period), prev=cmp_prev, yoy=cmp_yoy))
    if fl := _filters_line(con, view):
        lines.append(fl)
    lines += _kpi_lines(con, view)
    try:
        files = _tables(view, rep, lang)
    except Exception:  # noqa: BLE001 - the figures still go out; the log says why the tables did not
        log.exception("push: report %s: the page's tables failed", rep.name)
        files = []
        lines.append(L("push.no_tables"))
    msg = Message(title, lines, lang=lang, files=files)
    base = os.environ.get("COCKPIT_PUBLIC_URL")
    if base:
        msg.link = render.page_url(base, rep.page, {**rep.selection, "lang": lang})
        msg.link_text = L("push.open_page")
    return msg


def prepare(con, rep: Report, now: dt.datetime) -> Prepared:
    langs = []
    for n in rep.channels:
        ch = channels.get(con, n)
        if ch is not None and ch.lang not in langs:
            langs.append(ch.lang)
    langs = langs or ["zh"]
    msgs = {lang: _message(con, rep, lang, now) for lang in langs}
    prep = Prepared(rep, msgs, picture_lang=langs[0])
    if rep.format not in ("png", "pdf"):
        return prep
    prep.picture_url_params = {**rep.selection, "lang": langs[0], "print": "1"}  # every tab of the page
    user = owner_user(con, rep.owner)
    if not render.available():
        prep.no_picture_reason = "push.no_picture_browser"
    elif auth.sign_in_required(con):
        try:
            from cockpit import websession
        except ImportError:
            websession = None
        if user is None or websession is None:
            prep.no_picture_reason = "push.no_picture_signin"
        else:
            prep.cookie = (websession.COOKIE, websession.issue(con, user.username, minutes=5))
    elif user is not None and not user.is_admin:
        prep.no_picture_reason = "push.no_picture_scope"  # local mode would show every row
    return prep


def take_picture(prep: Prepared, base_url: str | None) -> tuple[bytes | None, str | None]:
    """(picture, None) or (None, i18n key of why not)."""
    if not prep.wants_picture:
        return None, prep.no_picture_reason
    if not base_url:
        return None, "push.no_picture_server"
    url = render.page_url(base_url, prep.report.page, prep.picture_url_params)
    try:
        data, prep.picture_text = render.picture(url, prep.report.format, prep.picture_lang, prep.cookie)
    except render.RenderError as e:
        log.warning("push: report %s picture failed: %s", prep.report.name, e)
        return None, "push.no_picture_failed"
    bad = [k for k in ("auth.need_signin", "auth.expired") if i18n.t(k, prep.picture_lang) in prep.picture_text]
    if bad or i18n.t("common.error", prep.picture_lang, msg="") in prep.picture_text:
        log.warning("push: report %s: the page drew %s, not sent as its picture", prep.report.name,
                    "a sign-in prompt" if bad else "an error")
        return None, "push.no_picture_failed"
    return data, None


def finish(con, prep: Prepared, picture: bytes | None, why_not: str | None, now: dt.datetime, *,
           source: str = "report") -> list[tuple]:
    rep = prep.report
    stamp = now.strftime("%Y%m%d-%H%M")

    def for_lang(lang: str) -> Message:
        base = prep.messages.get(lang) or next(iter(prep.messages.values()))
        msg = Message(base.title, list(base.lines), base.link, base.link_text, [], list(base.files), base.lang)
        if picture is not None and rep.format == "png":
            msg.images.append(Attachment(f"{rep.page}-{stamp}.png", "image/png", picture))
        elif picture is not None:
            msg.files.insert(0, Attachment(f"{rep.page}-{stamp}.pdf", "application/pdf", picture))
        elif why_not:
            msg.lines.append(i18n.t(why_not, lang))
        return msg

    return delivery.deliver(con, rep.channels, for_lang("zh"), source=source, source_name=rep.name,
                            owner=rep.owner, now=now, lang_for=lambda ch: for_lang(ch.lang))


def send(con, rep: Report, now: dt.datetime, *, base_url: str | None = None, source: str = "report",
         slot: dt.datetime | None = None) -> list[tuple]:
    """Prepare, picture and deliver in one go (in the server, or without a picture).
    A scheduled slot is marked first: a report that cannot be built is not retried
    every tick (its failure is logged once per slot)."""
    if slot is not None:
        con.execute("UPDATE push_reports SET last_slot = ? WHERE name = ?", [slot, rep.name])
    try:
        prep = prepare(con, rep, now)
    except OwnerGone as e:
        log.warning("push: report %s not sent: %s", rep.name, e)
        return []
    picture, why_not = take_picture(prep, base_url if base_url is not None else os.environ.get("COCKPIT_BASE_URL"))
    return finish(con, prep, picture, why_not, now, source=source)
