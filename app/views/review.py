"""直播复盘 Live review: layout only; the figures come from cockpit.reports.review.

A session's review and its charts are built once per view for everyone (cockpit.memo);
the session list is a fragment, so a pick reruns it alone before the review opens."""

import streamlit as st

from cockpit import fmt, i18n, review_charts, ui
from cockpit.memo import memo
from cockpit import metrics as reg
from cockpit.reports import review, sessions

view = ui.current_view()
lang = view.lang


def M(name: str, build, *extra):
    return memo(view, "review." + name, build, *extra)


def picker() -> str | None:
    """The session to review: ?live=ID, or one picked from the period's sessions."""
    df = M("pick_list", lambda: review.pick_list(view))
    ids = df["live_id"].to_list()
    labels = dict(zip(ids, sessions.session_labels(df))) if df.height else {}
    current = view.sel.live
    if current and current not in labels:
        ids = [current] + ids
        labels[current] = current
    if not ids:
        return None  # the list below says so
    if st.session_state.get("w_review_pick") != current:  # a link or another page chose the session
        st.session_state["w_review_pick"] = current
    return st.selectbox(ui.t("review.pick"), ids, index=None, format_func=lambda i: labels.get(i, i),
                        key="w_review_pick", placeholder=ui.t("review.pick_placeholder"),
                        on_change=lambda: set_live(st.session_state["w_review_pick"]))


def header(r: review.Review) -> None:
    info = r.info
    st.subheader(ui.t("review.title", title=fmt.md(info["title"] or r.live_id)))
    end = (ui.t("sessions.ended", time=info["ended_at"].strftime("%Y-%m-%d %H:%M")) if info["ended_at"]
           else ui.t("sessions.still_live"))
    category = fmt.md(info["category"]) or ui.t("review.no_category")
    tier = ui.t(f"review.tier.{info['tier']}")
    st.caption(ui.t("review.meta", account=fmt.md(info["account_name"]),
                    type=i18n.enum_label("account_type", info["account_type"], lang), category=category, tier=tier,
                    start=info["started_at"].strftime("%Y-%m-%d %H:%M"), end=end))
    period = r.peer_period
    st.caption(ui.t("review.basis", category=category, tier=tier,
                    period=f"{period[0]} ~ {period[1]}" if period else ui.t("review.no_peers"),
                    type=i18n.enum_label("account_type", info["account_type"], lang),
                    days=review.GROUP_DAYS, n=len(r.comparables)))


def weak_and_findings(r: review.Review) -> None:
    left, right = st.columns([2, 3])
    with left:
        st.markdown(f"**{ui.t('review.weakest')}**")
        if not r.weak:
            st.success(ui.t("review.weak_none"))
        for m, ratio, basis in r.weak:
            unit = reg.metric(m).unit
            ref = r.peers[m]["median"] if basis == "peer" else r.group[m]["p50"]
            st.error(ui.t("review.weak_item", metric=i18n.label(m, lang), value=fmt.value(r.figures.get(m), unit, lang),
                          basis=ui.t(f"review.weak_{basis}"), ref=fmt.value(ref, unit, lang),
                          ratio=fmt.value(ratio, "pct", lang)), icon=":material/trending_down:")
        st.caption(ui.t("review.weak_rule"))
    with right:
        st.markdown(f"**{ui.t('review.diagnosis')}**")
        if not r.findings:
            st.success(ui.t("review.diagnosis_none"))
        for row in review.finding_rows(r.findings, lang):
            st.warning(ui.t("review.finding", metric=row["metric"], figure=row["figure"], benchmark=row["benchmark"],
                            text=row["finding"]), icon=":material/lightbulb:")
        st.caption(ui.t("review.rules_caption"))


def funnel_and_benchmarks(r: review.Review) -> None:
    left, right = st.columns([1, 1])
    with left:
        st.markdown(f"**{ui.t('review.funnel_chart')}**")
        ui.chart(M("funnel", lambda: review_charts.funnel_chart(review.funnel_rows(r.figures), lang), r.live_id),
                 key="review_funnel")
    with right:
        ui.table(r.table("review_funnel"))
    st.markdown(f"**{ui.t('review.bench_chart')}**")
    ui.chart(M("bench", lambda: review_charts.benchmark_chart(r.bench_rows, lang), r.live_id), key="review_bench")
    ui.table(r.table("review_benchmarks"))
    ui.table(r.table("review_diagnosis"))


def curves(r: review.Review) -> None:
    st.markdown(f"**{ui.t('review.curves')}**")
    if r.minutes.height:
        ui.chart(M("curves", lambda: review_charts.minute_chart(r.minutes, r.explains, lang), r.live_id),
                 key="review_curves")
    else:
        st.info(ui.t("review.no_minutes"))
    if r.explains.height:
        ui.table(r.table("review_explains"))
    else:
        st.info(ui.t("review.no_explains"))
    with st.expander(ui.t("review.minutes_table")):
        ui.table(r.table("review_minutes"), height=320)


def portrait(r: review.Review) -> None:
    st.markdown(f"**{ui.t('review.audience_chart')}**")
    dims = list(dict.fromkeys(r.audience["dimension"].to_list()))
    if not dims:
        st.info(ui.t("review.no_audience"))
        return
    small = [d for d in dims if d in ("gender", "fans", "new_returning")]
    wide = [d for d in dims if d not in small]
    for group in (small, wide):
        if group:
            for col, d in zip(st.columns(len(group)), group):
                with col:
                    ui.chart(M("audience", lambda: review_charts.audience_chart(r.audience, d, lang), r.live_id, d),
                             key=f"review_aud_{d}")
    ui.table(r.table("review_audience"))


def traffic_and_ads(r: review.Review) -> None:
    left, right = st.columns(2)
    with left:
        ui.table(r.table("review_traffic"))
    with right:
        ui.table(r.table("review_ads"))


@st.fragment
def sections(live_id: str) -> None:
    """The review's sections as tabs: only the open one is built and drawn."""
    r = M("review", lambda: review.Review(view, live_id), live_id)
    ui.lazy_tabs("w_review_tab", [(ui.t("review.tab_benchmarks"), lambda: funnel_and_benchmarks(r)),
                                  (ui.t("review.tab_curves"), lambda: curves(r)),
                                  (ui.t("review.audience"), lambda: portrait(r)),
                                  (ui.t("review.traffic_ads"), lambda: traffic_and_ads(r))])


@st.fragment
def session_list() -> None:
    """No session chosen: the period's sessions; picking one opens its review."""
    table = M("list", lambda: None if (df := review.session_list(view)).height == 0
              else review.session_list_table(df, lang))
    if table is None:
        st.info(ui.t("review.pick_none"))
        return
    picked = ui.table(table, select=True, height=420)
    if picked:
        ui.set_selection(view, view.sel.replace(live=picked))
        st.rerun()


def set_live(live_id: str | None) -> None:
    ui.set_selection(view, view.sel.replace(live=live_id))


with ui.guarded():
    st.title(ui.t("nav.review"))
    ui.caption(view)
    if not ui.empty_state(view):
        pick_col, back_col = st.columns([5, 1], vertical_alignment="bottom")
        with pick_col:
            live_id = picker()
        if view.sel.live:
            back_col.button(ui.t("common.back"), on_click=set_live, args=(None,), key="w_review_back",
                            icon=":material/list:")
        if not live_id:
            session_list()
        else:
            rv = M("review", lambda: review.Review(view, live_id), live_id)
            if not rv.found:
                st.warning(ui.t("review.not_found", id=fmt.md(live_id)))
            else:
                header(rv)
                ui.kpi_cards(view, rv.figures, review.CARD_METRICS)
                weak_and_findings(rv)
                sections(live_id)
