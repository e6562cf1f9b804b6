"""直播明细 Live detail: layout only; the figures come from cockpit.reports.sessions.

A session opened (by a row, a bar of the top chart or a link ``?live=ID``) shows its
detail first, above the list, so it is never below a long table.  Pieces are built once
per view for everyone (cockpit.memo); the list is a fragment: a search or a pick reruns
the list alone (a pick then reruns the page to draw the detail above it)."""

import streamlit as st

from cockpit import charts, fmt, i18n, review_charts, ui
from cockpit.memo import memo
from cockpit.reports import review, sessions

view = ui.current_view()
lang = view.lang

CARD_METRICS = ["live_gmv", "orders", "viewers", "peak_online", "gpm", "uv_value", "new_followers",
                "avg_watch_seconds"]


def M(name: str, build, *extra):
    return memo(view, "sessions." + name, build, *extra)


def set_live(live_id: str | None) -> None:
    ui.set_selection(view, view.sel.replace(live=live_id))


def open_live(live_id: str | None) -> None:
    """Open a session picked on this page (once per new pick, not on every rerun)."""
    if live_id and live_id != view.sel.live:
        set_live(live_id)
        st.rerun()


@st.fragment
def session_list() -> None:
    df = M("list", lambda: sessions.session_list(view))
    if df.height == 0:
        st.info(ui.t("sessions.none"))
        return
    text = st.text_input(ui.t("sessions.search"), key="w_sessions_search", icon=":material/search:")

    def shown_pieces():
        shown = sessions.filter_sessions(df, text)
        top = sessions.top_sessions(shown)  # the chart follows the search
        fig = charts.bars(sessions.session_labels(top), top["live_gmv"].to_list(), "cny", lang) if top.height else None
        return shown.height, top["live_id"].to_list(), fig, sessions.sessions_table(shown, lang)

    n_shown, top_ids, fig, table = M("shown", shown_pieces, text or "")
    if fig is not None:
        st.markdown(f"**{ui.t('sessions.top_chart')}**")
        st.caption(ui.t("sessions.click_hint"))
        event = ui.chart(fig, key="sessions_top", select=True)
        points = event.selection.points if event is not None else []
        if points:
            open_live(top_ids[points[0]["point_index"]])
    st.caption(ui.t("sessions.count", n=n_shown))
    picked = ui.table(table, select=True, height=380)
    # a new pick opens it; a pick that stays selected does not reopen a closed detail
    if picked and picked != st.session_state.get("_sessions_picked"):
        st.session_state["_sessions_picked"] = picked
        open_live(picked)


def detail(live_id: str) -> None:
    d = M("detail", lambda: sessions.Detail(view, live_id), live_id)
    if not d.found:
        st.warning(ui.t("sessions.not_found", id=fmt.md(live_id)))
        st.button(ui.t("sessions.close"), on_click=set_live, args=(None,), key="w_close_missing")
        return
    info = d.info
    with st.container(border=True, key="session_detail"):
        head, close = st.columns([5, 1], vertical_alignment="bottom")
        head.subheader(ui.t("sessions.detail", title=fmt.md(info["title"] or live_id)))
        close.button(ui.t("sessions.close"), on_click=set_live, args=(None,), key="w_close_detail",
                     icon=":material/close:")
        end = (ui.t("sessions.ended", time=info["ended_at"].strftime("%Y-%m-%d %H:%M")) if info["ended_at"]
               else ui.t("sessions.still_live"))
        st.caption(ui.t("sessions.meta", account=fmt.md(info["account_name"]),
                        type=i18n.enum_label("account_type", info["account_type"], lang),
                        start=info["started_at"].strftime("%Y-%m-%d %H:%M"), end=end))
        if st.button(ui.t("review.open"), key="w_open_review", icon=":material/troubleshoot:"):
            st.switch_page("views/review.py", query_params=view.sel.to_params())
        ui.kpi_cards(view, d.figures, CARD_METRICS, download="session_kpis")

    detail_panels(live_id)
    st.divider()


@st.fragment
def detail_panels(live_id: str) -> None:
    """The detail's sections as tabs: only the open one is built and drawn."""
    d = M("detail", lambda: sessions.Detail(view, live_id), live_id)

    def minutes():
        if d.curves.height:  # panels of their own: GMV and followers never flatten the audience curve
            ui.chart(M("curves", lambda: review_charts.minute_chart(review.minutes(view, live_id),
                                                                    review.explains(view, live_id), lang), live_id),
                     key="session_curves")
            with st.expander(ui.t("sessions.minutes_table")):
                ui.table(d.table("session_minutes"), height=300)
        else:
            st.info(ui.t("sessions.no_minutes"))

    def funnel_and_traffic():
        left, right = st.columns(2)
        with left:
            ui.table(d.table("session_funnel"))
            values = [d.figures.get(m) or 0 for m in sessions.FUNNEL_METRICS]
            ui.chart(M("funnel", lambda: charts.funnel([i18n.label(m, lang) for m in sessions.FUNNEL_METRICS],
                                                       values, lang), live_id), key="session_funnel")
        with right:
            ui.table(d.table("session_traffic"))
            tr = d.traffic
            if tr.height:
                ui.chart(M("traffic", lambda: charts.bars(
                    charts.enum_names("traffic_source", tr["traffic_source"].to_list(), lang),
                    tr["traffic_gmv"].to_list(), "cny", lang,
                    colors=[charts.color_for("traffic_source", s) for s in tr["traffic_source"]]), live_id),
                         key="session_traffic")

    def ads_and_products():
        left, right = st.columns(2)
        with left:
            ui.table(d.table("session_ads"))
            ui.table(d.table("session_quality"))
        with right:
            ui.table(d.table("session_products"))

    def history():
        if not d.n_prev:
            st.info(ui.t("sessions.no_history"))
            return
        st.markdown(f"**{ui.t('sessions.vs_avg', n=d.n_prev)}**")
        avg = d.history_rows.filter(d.history_rows["kind"] == "average").row(0, named=True)
        row = dict(d.figures)
        for m in sessions.HISTORY_METRICS:
            row[f"{m}__pct"] = d.change[m]
            row[f"{m}__cmp"] = avg[m]
        ui.kpi_cards(view, row, sessions.HISTORY_METRICS, compared_with=ui.t("sessions.row_avg", n=d.n_prev))
        ui.table(d.table("session_history"))

    ui.lazy_tabs("w_session_tab", [(ui.t("sessions.minutes"), minutes),
                                   (ui.t("sessions.tab_funnel"), funnel_and_traffic),
                                   (ui.t("sessions.tab_ads"), ads_and_products),
                                   (ui.t("sessions.tab_history"), history)])


with ui.guarded():
    st.title(ui.t("nav.sessions"))
    ui.caption(view)
    if not ui.empty_state(view):
        if view.sel.live:
            detail(view.sel.live)
        session_list()
