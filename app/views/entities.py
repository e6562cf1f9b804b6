"""店号明细 Stores & accounts: layout only; numbers from cockpit.reports.entities."""

import streamlit as st

from cockpit import charts, fmt, i18n, ui
from cockpit.reports import entities as en
from cockpit.reports import overview as ov

view = ui.current_view()
lang = view.lang
L = ui.t

st.title(L("nav.entities"))
ui.caption(view)


def choose(value: str | None) -> None:
    ui.set_selection(view, view.sel.replace(entity=value))
    st.rerun()


def entity_detail(kind: str, eid: str) -> None:
    info = en.entity_info(view, kind, eid)
    if st.button(L("common.back"), icon=":material/arrow_back:", key="ent_back"):
        choose(None)
    if info is None:
        st.warning(L("entities.not_found", entity=fmt.md(eid)))
        return
    type_dim = "store_type" if kind == "store" else "account_type"
    facts = [L(f"entities.kind.{kind}"), i18n.enum_label(type_dim, info["type"], lang)]
    facts += [x for x in (info.get("brand"), info.get("store_name"), info.get("agency")) if x]
    st.subheader(fmt.md(f"{info['name']}  ·  {eid}"))
    st.caption(fmt.md(" · ".join(facts)))

    f = en.entity_filters(kind, eid)
    row = en.entity_kpis(view, kind, eid)
    ui.kpi_cards(view, row, en.ENTITY_KPIS, download=f"{kind}_kpis")

    c1, c2 = st.columns([3, 2])
    with c1:
        st.markdown(f"**{L('entities.trend')}**")
        tr = ov.trend(view, filters=f)
        cmp_name = L(f"compare.{view.sel.compare}") if view.comparison_period else None
        ui.chart(charts.trend(tr, view.sel.grain, "gmv", "cny", lang, L("common.current"),
                              cmp_col="gmv__cmp", cmp_name=cmp_name, partial_label=ui.partial_label(view)),
                 key="ent_trend")
    with c2:
        st.markdown(f"**{L('entities.channel_mix')}**")
        mix = ov.channel_mix(view, filters=f)
        if mix.height and (mix["gmv"].sum() or 0) > 0:
            chans = mix["channel"].to_list()
            ui.chart(charts.donut(charts.enum_names("channel", chans, lang), mix["gmv"].to_list(),
                                  [charts.color_for("channel", c) for c in chans], "cny", lang)
                     .update_traces(textposition="inside"), key="ent_mix")
        else:
            st.info(L("common.empty"))

    tables = en.entity_tables(view, kind, eid)
    if kind == "store":  # the drill path goes on: store -> its accounts -> an account
        key = ui.table(tables.pop(0), select=True)
        if key:
            choose(en.entity_value("account", str(key)))
    t_mix, t_prod, t_sess = tables
    tab1, tab2, tab3 = st.tabs([t_sess.title, t_prod.title, t_mix.title])
    with tab1:
        st.caption(L("entities.sessions_hint"))
        live_id = ui.table(t_sess, select=True)
        if live_id and live_id != st.session_state.get("_ent_picked_live"):
            st.session_state["_ent_picked_live"] = live_id
            ui.open_session(view, str(live_id))
    with tab2:
        ui.table(t_prod)
    with tab3:
        ui.table(t_mix)

    c1, c2 = st.columns(2)
    g = view.sel.grain
    with c1:
        st.markdown(f"**{L('entities.followers')}**")
        fol = ov.followers_trend(view, filters=f)
        if fol.height:
            ui.chart((charts.lines(fol, g, {
                "followers_gained": (i18n.label("followers_gained", lang), "count", charts.SERIES[2]),
                "followers_lost": (i18n.label("followers_lost", lang), "count", charts.COMPARISON_COLOR),
            }, lang)), key="ent_followers")
        else:
            st.info(L("entities.no_followers"))
    with c2:
        score_type = en.SCORE_OF[kind]
        st.markdown(f"**{L('entities.scores')} · {i18n.enum_label('score_type', score_type, lang)}**")
        sc = en.score_trend(view, score_type, eid)
        if sc.height:
            ui.chart(charts.score_line(sc, "day", "score", i18n.enum_label("score_type", score_type, lang), lang),
                     key="ent_scores")
        else:
            st.info(L("entities.no_scores"))


with ui.guarded():
    if ui.empty_state(view):
        st.stop()
    chosen = en.parse_entity(view.sel.entity)
    if chosen:
        entity_detail(*chosen)
    else:
        st.caption(L("entities.hint"))
        tab_s, tab_a = st.tabs([L("entities.stores"), L("entities.accounts")])
        lists = ((tab_s, "store", en.stores, en.store_table), (tab_a, "account", en.accounts, en.account_table))
        for tab, kind, rows_of, table_of in lists:
            with tab:
                rows = rows_of(view)
                if rows.height and "gmv" in rows.columns:
                    top = rows.head(15)
                    types = top[f"{kind}_type"].to_list()
                    ui.chart(charts.bars(top[f"{kind}_name"].to_list(), top["gmv"].to_list(), "cny", lang,
                                         colors=[charts.color_for(f"{kind}_type", v) for v in types],
                                         legend=charts.type_legend(f"{kind}_type", types, lang)),
                             key=f"ent_{kind}_bars")
                key = ui.table(table_of(view, rows), select=True)
                if key:
                    choose(en.entity_value(kind, str(key)))
