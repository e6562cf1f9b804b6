"""店号明细 Stores & accounts: layout only; numbers from cockpit.reports.entities.

Every piece is built once per view for everyone (cockpit.memo); a row picked in a list
reruns that list alone before its detail opens."""

import streamlit as st

from cockpit import charts, fmt, i18n, ui
from cockpit.memo import memo
from cockpit.reports import entities as en
from cockpit.reports import overview as ov

view = ui.current_view()
lang = view.lang
L = ui.t

st.title(L("nav.entities"))
ui.caption(view)


def M(name: str, build, *extra):
    return memo(view, "entities." + name, build, *extra)


def choose(value: str | None) -> None:
    ui.set_selection(view, view.sel.replace(entity=value))
    st.rerun()


def entity_detail(kind: str, eid: str) -> None:
    info = M("info", lambda: en.entity_info(view, kind, eid), kind, eid)
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
    row = M("kpis", lambda: en.entity_kpis(view, kind, eid), kind, eid)
    ui.kpi_cards(view, row, en.ENTITY_KPIS, download=f"{kind}_kpis")

    def trend():
        cmp_name = L(f"compare.{view.sel.compare}") if view.comparison_period else None
        return charts.trend(ov.trend(view, filters=f), view.sel.grain, "gmv", "cny", lang, L("common.current"),
                            cmp_col="gmv__cmp", cmp_name=cmp_name, partial_label=ui.partial_label(view))

    def mix():
        mix = ov.channel_mix(view, filters=f)
        if not (mix.height and (mix["gmv"].sum() or 0) > 0):
            return None
        chans = mix["channel"].to_list()
        return charts.donut(charts.enum_names("channel", chans, lang), mix["gmv"].to_list(),
                            [charts.color_for("channel", c) for c in chans], "cny", lang
                            ).update_traces(textposition="inside")

    c1, c2 = st.columns([3, 2])
    with c1:
        st.markdown(f"**{L('entities.trend')}**")
        ui.chart(M("trend", trend, kind, eid), key="ent_trend")
    with c2:
        st.markdown(f"**{L('entities.channel_mix')}**")
        fig = M("mix", mix, kind, eid)
        if fig is not None:
            ui.chart(fig, key="ent_mix")
        else:
            st.info(L("common.empty"))

    tables = list(M("tables", lambda: en.entity_tables(view, kind, eid), kind, eid))
    if kind == "store":  # the drill path goes on: store -> its accounts -> an account
        pick_list(tables.pop(0), lambda key: choose(en.entity_value("account", str(key))))
    t_mix, t_prod, t_sess = tables
    tab1, tab2, tab3 = st.tabs([t_sess.title, t_prod.title, t_mix.title])
    with tab1:
        st.caption(L("entities.sessions_hint"))
        pick_list(t_sess, open_session)
    with tab2:
        ui.table(t_prod)
    with tab3:
        ui.table(t_mix)

    def followers():
        return charts.followers_flow(ov.followers_trend(view, filters=f), view.sel.grain, lang)

    score_type = en.SCORE_OF[kind]

    def scores():
        sc = en.score_trend(view, score_type, eid)
        if not sc.height:
            return None
        return charts.score_line(sc, "day", "score", i18n.enum_label("score_type", score_type, lang), lang)

    c1, c2 = st.columns(2)
    with c1:
        st.markdown(f"**{L('entities.followers')}**")
        fig = M("followers", followers, kind, eid)
        if fig is not None:
            ui.chart(fig, key="ent_followers")
        else:
            st.info(L("entities.no_followers"))
    with c2:
        st.markdown(f"**{L('entities.scores')} · {i18n.enum_label('score_type', score_type, lang)}**")
        fig = M("scores", scores, kind, eid)
        if fig is not None:
            ui.chart(fig, key="ent_scores")
        else:
            st.info(L("entities.no_scores"))


def open_session(live_id) -> None:
    if live_id != st.session_state.get("_ent_picked_live"):
        st.session_state["_ent_picked_live"] = live_id
        ui.open_session(view, str(live_id))


@st.fragment
def pick_list(tbl, on_pick) -> None:
    """A table whose row opens something: a pick reruns the table alone, then opens it."""
    key = ui.table(tbl, select=True)
    if key:
        on_pick(key)


def entity_list(kind: str, rows_of, table_of) -> None:
    def bars():
        rows = rows_of(view)
        if not (rows.height and "gmv" in rows.columns):
            return None, table_of(view, rows)
        top = rows.head(15)
        types = top[f"{kind}_type"].to_list()
        fig = charts.bars(top[f"{kind}_name"].to_list(), top["gmv"].to_list(), "cny", lang,
                          colors=[charts.color_for(f"{kind}_type", v) for v in types],
                          legend=charts.type_legend(f"{kind}_type", types, lang))
        return fig, table_of(view, rows)

    fig, tbl = M("list", bars, kind)
    if fig is not None:
        ui.chart(fig, key=f"ent_{kind}_bars")
    pick_list(tbl, lambda key: choose(en.entity_value(kind, str(key))))


with ui.guarded():
    if ui.empty_state(view):
        st.stop()
    chosen = en.parse_entity(view.sel.entity)
    if chosen:
        entity_detail(*chosen)
    else:
        st.caption(L("entities.hint"))
        tab_s, tab_a = st.tabs([L("entities.stores"), L("entities.accounts")])
        with tab_s:
            entity_list("store", en.stores, en.store_table)
        with tab_a:
            entity_list("account", en.accounts, en.account_table)
