"""预警与推送 Alerts and reports: channels, alert rules, live alerts, scheduled reports and
the delivery log.  Layout only; the work is in cockpit.push."""

import datetime as dt

import streamlit as st

from cockpit import clock, i18n, periods, ui
from cockpit import metrics as reg
from cockpit import reports as page_reports
from cockpit.push import channels, rules, scheduled
from cockpit.push import workbench as pw

view = ui.current_view()
user = ui.current_user()
lang = view.lang
con = view.con
L = ui.t
st.title(L("nav.alerts"))
st.caption(L("alerts.intro"))


def show_results(results) -> None:
    if not results:
        st.info(L("alerts.nothing_sent"))
    for name, status, err in results:
        if status == "sent":
            st.success(L("alerts.sent", channel=name))
        else:
            st.error(L("alerts.failed", channel=name, error=err))


def pick(tbl, key: str):
    """A row picked in the table (its name), or a choice from a select box."""
    picked = ui.table(tbl, select=True)
    names = tbl.frame[tbl.key_column].to_list() if not tbl.empty else []
    if not names:
        return None
    return st.selectbox(L("alerts.pick"), names, index=names.index(picked) if picked in names else 0, key=key)


mine = pw.channel_names(con, user)
tab_ch, tab_rules, tab_live, tab_rep, tab_log = st.tabs(
    [L("alerts.tab_channels"), L("alerts.tab_rules"), L("alerts.tab_live"), L("alerts.tab_reports"), L("alerts.tab_log")])

with tab_ch, ui.guarded():
    with st.expander(L("alerts.add_channel"), expanded=not mine):
        name = st.text_input(L("alerts.name"), key="p_ch_name")
        kind = st.selectbox(L("alerts.kind"), channels.KINDS, key="p_ch_kind")
        url = st.text_input(L("alerts.url"), help=L("alerts.url_help"), key="p_ch_url")
        secret = st.text_input(L("alerts.secret"), type="password", help=L("alerts.secret_help"), key="p_ch_secret")
        ch_lang = st.selectbox(L("alerts.lang"), channels.LANGS, format_func=lambda v: "中文" if v == "zh" else "English",
                               index=channels.LANGS.index(lang), key="p_ch_lang")
        if st.button(L("alerts.save"), type="primary", key="p_ch_save"):
            try:
                channels.add(con, name, kind, url, secret or None, ch_lang, owner=user.username)
                st.success(L("alerts.saved", name=name))
                mine = pw.channel_names(con, user)
            except channels.ChannelError as e:
                st.error(str(e))
    picked = pick(pw.channels_table(con, user, lang), "p_ch_pick")
    if picked:
        c1, c2 = st.columns(2)
        if c1.button(L("alerts.test"), key="p_ch_test", icon=":material/send:"):
            from cockpit.push import delivery
            from cockpit.push.message import Message

            ch = channels.require(con, picked)
            msg = Message(i18n.t("push.test_title", ch.lang), [i18n.t("push.test_body", ch.lang, name=ch.name)],
                          lang=ch.lang)
            show_results(delivery.deliver(con, [picked], msg, source="test", source_name=picked,
                                          owner=user.username, now=clock.now()))
        if c2.button(L("alerts.remove"), key="p_ch_remove", icon=":material/delete:"):
            channels.remove(con, picked, user=user)
            st.success(L("alerts.removed", name=picked))
            st.rerun()

with tab_rules, ui.guarded():
    if not mine:
        st.info(L("alerts.no_channels"))
    else:
        with st.expander(L("alerts.add_rule")):
            name = st.text_input(L("alerts.name"), key="p_r_name")
            metric = st.selectbox(L("alerts.metric"), list(reg.METRICS), format_func=lambda m: i18n.label(m, lang),
                                  key="p_r_metric")
            c1, c2 = st.columns(2)
            op = c1.selectbox(L("alerts.op"), rules.OPS, key="p_r_op")
            value = c2.number_input(L("alerts.value"), value=0.0, key="p_r_value")
            presets = [p for p in periods.PRESETS if p != "custom"]
            c3, c4, c5 = st.columns(3)
            period = c3.selectbox(L("alerts.period"), presets, format_func=lambda p: L(f"period.{p}"), key="p_r_period")
            compare = c4.selectbox(L("alerts.compare"), ["none", "prev", "yoy"], format_func=lambda c: L(f"compare.{c}"),
                                   key="p_r_compare")
            dims = [None] + [d for d in ("store", "account", "live", "brand", "account_type", "product", "channel")
                             if d in reg.dims_available(metric)]
            by = c5.selectbox(L("alerts.by"), dims, format_func=lambda d: L("alerts.by_none") if d is None
                              else i18n.label(d, lang), key="p_r_by")
            to = st.multiselect(L("alerts.channels"), mine, key="p_r_to", placeholder=L("alerts.pick"))
            repeat = st.number_input(L("alerts.repeat"), min_value=0, value=0, step=30, key="p_r_repeat")
            st.caption(L("alerts.report_filters"))
            if st.button(L("alerts.save"), type="primary", key="p_r_save"):
                try:
                    rules.add_metric_rule(con, name, metric, op, value, period=period,
                                          compare=None if compare == "none" else compare, by=by,
                                          where={d: list(v) for d, v in view.sel.filters().items()}, to=to,
                                          repeat_minutes=int(repeat) or None, owner=user.username, now=clock.now())
                    st.success(L("alerts.saved", name=name))
                except ValueError as e:
                    st.error(str(e))
    picked = pick(pw.rules_table(con, user, lang), "p_r_pick")
    if picked:
        rule = rules.require(con, picked, user)
        c1, c2, c3, c4 = st.columns(4)
        if c1.button(L("alerts.test"), key="p_r_test", icon=":material/send:"):
            show_results(rules.test_rule(con, rule, clock.now()))
        hours = c2.selectbox(L("alerts.pause_for"), [1, 2, 24, 0], key="p_r_for",
                             format_func=lambda h: L("alerts.forever") if h == 0 else L("push.minutes_n", n=h * 60))
        if c2.button(L("alerts.pause"), key="p_r_pause", icon=":material/pause:"):
            rules.pause(con, picked, minutes=hours * 60 or None, now=clock.now(), user=user)
            st.rerun()
        if c3.button(L("alerts.resume"), key="p_r_resume", icon=":material/play_arrow:"):
            rules.resume(con, picked, user=user)
            st.rerun()
        if c4.button(L("alerts.remove"), key="p_r_remove", icon=":material/delete:"):
            rules.remove(con, picked, user=user)
            st.rerun()
    if st.button(L("alerts.run_now"), key="p_r_run"):
        now = clock.now()
        for r in rules.list_all(con, None if user.is_admin else user.username):
            if not r.is_paused(now):
                show_results(rules.run_rule(con, r, now))

with tab_live, ui.guarded():
    st.caption(L("alerts.live_intro"))
    if not mine:
        st.info(L("alerts.no_channels"))
    else:
        types = st.multiselect(L("alerts.group"), ["own", "authorized", "distributor"], key="p_l_types",
                               format_func=lambda v: i18n.enum_label("account_type", v, lang),
                               placeholder=L("alerts.group_all"))
        to = st.multiselect(L("alerts.channels"), mine, key="p_l_to", placeholder=L("alerts.pick"))
        group = "、".join(i18n.enum_label("account_type", v, lang) for v in types) or L("alerts.group_all")
        where = {"account_type": types} if types else {}
        c1, c2 = st.columns(2)
        start = c1.checkbox(L("push.kind.live_start"), value=True, key="p_l_start")
        drop = c1.checkbox(L("push.kind.live_drop"), value=True, key="p_l_drop")
        quiet = c2.checkbox(L("push.kind.no_orders"), key="p_l_quiet")
        minutes = c2.number_input(L("alerts.minutes"), min_value=1, value=15, key="p_l_minutes")
        score = c1.checkbox(L("push.kind.score_low"), key="p_l_score")
        score_type = c1.selectbox(L("alerts.score_type"), list(rules.SCORE_ENTITY), key="p_l_score_type",
                                  format_func=lambda s: i18n.enum_label("score_type", s, lang))
        below = c2.number_input(L("alerts.below"), min_value=0.0, max_value=5.0, value=4.5, step=0.1, key="p_l_below")
        if st.button(L("alerts.switch_on"), type="primary", key="p_l_save"):
            now = clock.now()
            chosen = [k for k, on in (("live_start", start), ("live_drop", drop), ("no_orders", quiet),
                                      ("score_low", score)) if on]
            for kind in chosen:
                rule_name = f"{L('push.kind.' + kind)}·{group}"
                try:
                    rules.add_live_rule(con, rule_name, kind, where=where, minutes=int(minutes), score_type=score_type,
                                        below=float(below), to=to, owner=user.username, now=now)
                    st.success(L("alerts.saved", name=rule_name))
                except ValueError as e:
                    st.error(str(e))

with tab_rep, ui.guarded():
    if not mine:
        st.info(L("alerts.no_channels"))
    else:
        with st.expander(L("alerts.add_report")):
            name = st.text_input(L("alerts.name"), key="p_rep_name")
            page = st.selectbox(L("alerts.page"), list(page_reports.PAGES), key="p_rep_page",
                                format_func=lambda p: L(page_reports.PAGES[p][0]))
            c1, c2, c3 = st.columns(3)
            freq = c1.radio(L("alerts.every"), ["daily", "weekly"], format_func=lambda f: L(f"alerts.{f}"),
                            horizontal=True, key="p_rep_freq")
            day = c2.selectbox(L("alerts.weekday"), scheduled.WEEKDAYS, key="p_rep_day", disabled=freq == "daily",
                               format_func=lambda d: pw.every_text(f"weekly@{d}-00:00", lang).split()[0])
            at = c3.time_input(L("alerts.time"), value=dt.time(9, 0), key="p_rep_time")
            fmt_ = st.selectbox(L("alerts.format"), scheduled.FORMATS, key="p_rep_format")
            to = st.multiselect(L("alerts.channels"), mine, key="p_rep_to", placeholder=L("alerts.pick"))
            st.caption(L("alerts.report_filters"))
            if st.button(L("alerts.save"), type="primary", key="p_rep_save"):
                every = f"daily@{at:%H:%M}" if freq == "daily" else f"weekly@{day}-{at:%H:%M}"
                try:
                    scheduled.add(con, name, page, view.sel.replace(live=None, entity=None, lang=None), every, to,
                                  format=fmt_, owner=user.username, now=clock.now())
                    st.success(L("alerts.saved", name=name))
                except ValueError as e:
                    st.error(str(e))
    picked = pick(pw.reports_table(con, user, lang), "p_rep_pick")
    if picked:
        rep = scheduled.require(con, picked, user)
        c1, c2, c3 = st.columns(3)
        if c1.button(L("alerts.send_now"), key="p_rep_send", icon=":material/send:"):
            with st.spinner(L("alerts.send_now")):
                show_results(scheduled.send(con, rep, clock.now()))
        if c2.button(L("alerts.resume") if rep.paused else L("alerts.pause"), key="p_rep_pause"):
            scheduled.set_paused(con, picked, not rep.paused, user=user)
            st.rerun()
        if c3.button(L("alerts.remove"), key="p_rep_remove", icon=":material/delete:"):
            scheduled.remove(con, picked, user=user)
            st.rerun()

with tab_log, ui.guarded():
    ui.table(pw.deliveries_table(con, user, lang))

