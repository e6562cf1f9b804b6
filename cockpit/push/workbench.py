"""What the 预警与推送 page shows, as display tables, for the signed-in user: admins see
every channel, rule, report and delivery; everyone else their own."""

from __future__ import annotations

import polars as pl

from cockpit import auth, clock, i18n
from cockpit.push import channels, delivery, rules, scheduled
from cockpit.tables import DisplayTable


def _mine(user: auth.User) -> str | None:
    return None if user.is_admin else user.username


def _frame(rows: list[dict], cols: list[str]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema={c: pl.Utf8 for c in cols}) if rows else pl.DataFrame(schema={c: pl.Utf8 for c in cols})


def channel_names(con, user: auth.User) -> list[str]:
    return [c.name for c in channels.list_all(con, _mine(user))]


def channels_table(con, user: auth.User, lang: str) -> DisplayTable:
    L = lambda k: i18n.t(k, lang)  # noqa: E731
    cols = [L("alerts.name"), L("alerts.kind"), L("alerts.url"), L("alerts.secret"), L("alerts.lang"), L("alerts.owner")]
    rows = [dict(zip(cols, [c.name, c.kind, c.masked_url(), L("alerts.secret_set") if c.secret else "—",
                            "中文" if c.lang == "zh" else "English", c.owner]))
            for c in channels.list_all(con, _mine(user))]
    return DisplayTable("push_channels", L("alerts.tab_channels"), _frame(rows, cols), key_column=cols[0])


def _rule_status(r: rules.Rule, lang: str) -> str:
    if r.paused:
        return i18n.t("alerts.paused", lang)
    if r.paused_until and r.paused_until > clock.now():
        return i18n.t("alerts.snoozed", lang, until=r.paused_until.strftime("%m-%d %H:%M"))
    return i18n.t("alerts.active", lang)


def rules_table(con, user: auth.User, lang: str) -> DisplayTable:
    L = lambda k: i18n.t(k, lang)  # noqa: E731
    cols = [L("alerts.name"), L("alerts.kind"), L("alerts.rule"), L("alerts.channels"), L("alerts.status"),
            L("alerts.last_check"), L("alerts.owner")]
    rows = [dict(zip(cols, [r.name, L(f"push.kind.{r.kind}"), rules.describe(r, lang), "、".join(r.channels),
                            _rule_status(r, lang), r.last_eval_at.strftime("%Y-%m-%d %H:%M") if r.last_eval_at else "—",
                            r.owner]))
            for r in rules.list_all(con, _mine(user))]
    return DisplayTable("push_rules", L("alerts.tab_rules"), _frame(rows, cols), key_column=cols[0])


def every_text(every: str, lang: str) -> str:
    wd, at = scheduled.parse_every(every)
    if wd is None:
        return f"{i18n.t('alerts.daily', lang)} {at:%H:%M}"
    days = ("一", "二", "三", "四", "五", "六", "日") if lang == "zh" else ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    return (f"每周{days[wd]} {at:%H:%M}" if lang == "zh" else f"{days[wd]} {at:%H:%M}")


def reports_table(con, user: auth.User, lang: str) -> DisplayTable:
    from cockpit import reports as page_reports

    L = lambda k: i18n.t(k, lang)  # noqa: E731
    cols = [L("alerts.name"), L("alerts.page"), L("alerts.every"), L("alerts.format"), L("alerts.channels"),
            L("alerts.status"), L("alerts.last_sent"), L("alerts.owner")]
    rows = [dict(zip(cols, [r.name, L(page_reports.PAGES[r.page][0]), every_text(r.every, lang), r.format,
                            "、".join(r.channels), L("alerts.paused") if r.paused else L("alerts.active"),
                            r.last_slot.strftime("%Y-%m-%d %H:%M") if r.last_slot else "—", r.owner]))
            for r in scheduled.list_all(con, _mine(user))]
    return DisplayTable("push_reports", L("alerts.tab_reports"), _frame(rows, cols), key_column=cols[0])


def deliveries_table(con, user: auth.User, lang: str) -> DisplayTable:
    L = lambda k: i18n.t(k, lang)  # noqa: E731
    cols = [L("alerts.log_time"), L("alerts.log_source"), L("alerts.name"), L("alerts.channels"),
            L("alerts.log_title"), L("alerts.log_status"), L("alerts.log_attempts"), L("alerts.log_next"),
            L("alerts.log_error")]
    ts = lambda v: v.strftime("%Y-%m-%d %H:%M:%S") if v else "—"  # noqa: E731
    rows = [dict(zip(cols, [ts(d["created_at"]), L(f"alerts.source.{d['source']}"), d["source_name"], d["channel"],
                            d["title"] or "", L(f"alerts.status.{d['status']}"), str(d["attempts"]),
                            ts(d["next_attempt_at"]), d["error"] or ""]))
            for d in delivery.recent(con, _mine(user))]
    return DisplayTable("push_deliveries", L("alerts.tab_log"), _frame(rows, cols))
