"""增长抓手 Growth levers: layout only; numbers from cockpit.reports.growth."""

import streamlit as st

from cockpit import charts, fmt, ui
from cockpit import growth_charts as gc
from cockpit.reports import growth as gr

view = ui.current_view()
lang = view.lang
L = ui.t
GROUP = ""  # the agency choice meaning "the whole brand group"

st.title(L("nav.growth"))
ui.caption(view)
st.caption(L("growth.caption"))


def _set_agency() -> None:
    """The page's agency choice is the sidebar's agency filter (every page follows it)."""
    name = st.session_state["w_growth_agency"]
    agency = () if name == GROUP else (name,)
    st.session_state["w_agency"] = list(agency)  # the sidebar widget, before it is drawn again
    v = ui.current_view()
    ui.set_selection(v, v.sel.replace(agency=agency))


def agency_control() -> None:
    names = gr.agencies(view)
    with st.container(border=True):
        if not names:
            st.caption(L("growth.agency_none"))
            return
        current = gr.current_agency(view)
        st.session_state["w_growth_agency"] = current if current in names else GROUP
        st.selectbox(L("growth.agency_pick"), [GROUP, *names], key="w_growth_agency", on_change=_set_agency,
                     format_func=lambda v: L("growth.agency_group") if v == GROUP else v,
                     help=L("growth.agency_help"))
        if current:
            st.info(L("growth.agency_active", name=fmt.md(current)), icon=":material/groups:")


with ui.guarded():
    if ui.empty_state(view):
        st.stop()
    agency_control()
    # Lazy tabs: a tab's queries run only while it is open (the page issued ~55 statements
    # for all nine tabs at once; the open one needs a handful).
    tabs = st.tabs([L(f"growth.tab.{k}") for k in
                    ("channels", "chuanliu", "linkage", "fans", "cold_start", "campaigns", "scores", "market",
                     "agency")], key="w_growth_tab", on_change="rerun")

    # --- 1. shelf vs content ----------------------------------------------------------
    with tabs[0]:
        if tabs[0].open:  # only the open tab queries and draws
            st.caption(L("growth.yoy_note"))
            groups = gr.channel_groups(view)
            c1, c2 = st.columns(2)
            with c1:
                ui.table(gr.channel_groups_table(view, groups))
            with c2:
                mix = gr.channel_yoy(view)
                ui.table(gr.channel_yoy_table(view, mix))
            st.subheader(L("growth.shelf_trend"))
            trend = gr.shelf_trend(view)
            if trend.height:
                ui.chart(gc.shelf_trend_chart(view, trend), key="gr_shelf_trend")
            ui.table(gr.shelf_trend_table(view, trend))

    # --- 2. 川流 --------------------------------------------------------------------------
    with tabs[1]:
        if tabs[1].open:  # only the open tab queries and draws
            c1, c2 = st.columns([3, 2])
            with c1:
                ui.table(gr.distribution_by_account_table(view, gr.distribution_by_account(view)))
            with c2:
                ui.table(gr.distribution_by_agency_table(view, gr.distribution_by_agency(view)))
            st.subheader(L("growth.chuanliu_trend"))
            ct = gr.chuanliu_trend(view)
            if ct.height:
                ui.chart(gc.chuanliu_trend_chart(view, ct), key="gr_chuanliu_trend")
            ui.table(gr.chuanliu_by_store_table(view, gr.chuanliu_by_store(view)))
            st.subheader(L("growth.before_after"))
            st.caption(L("growth.before_after_rule", days=gr.WINDOW_DAYS))
            ba = gr.chuanliu_before_after(view)
            if ba.height:
                ui.chart(gc.chuanliu_before_after_chart(view, ba), key="gr_before_after")
                ui.table(gr.chuanliu_before_after_table(view, ba))
            else:
                st.info(L("growth.no_chuanliu"))

    # --- 3. 短直联动 ----------------------------------------------------------------------
    with tabs[2]:
        if tabs[2].open:  # only the open tab queries and draws
            row = gr.linkage_totals(view)
            ui.kpi_cards(view, row, ["video_plays", "video_live_entries", "short_video_live_gmv",
                                     "short_video_live_share"])
            if not row["short_videos"]:
                st.info(L("growth.no_videos"))
            else:
                ui.table(gr.top_videos_table(view, gr.top_videos(view)))
            link = gr.linkage_by_account(view)
            if link.height:
                st.markdown(f"**{L('growth.linkage_chart')}**")
                ui.chart(gc.linkage_chart(view, link), key="gr_linkage_accounts")
            ui.table(gr.linkage_table(view, link))

    # --- 4. fans -------------------------------------------------------------------------
    with tabs[3]:
        if tabs[3].open:  # only the open tab queries and draws
            row = gr.fan_totals(view)
            ui.kpi_cards(view, row, gr.FAN_METRICS + gr.FOLLOWER_METRICS)
            st.subheader(L("growth.fan_trend"))
            st.caption(L("growth.fan_note"))
            ft = gr.repurchase_months(view)
            if ft.height:
                ui.chart(gc.repurchase_chart(view, ft), key="gr_fan_trend")
            ui.table(gr.repurchase_table(view, ft))
            st.subheader(L("growth.followers_trend"))
            fo = gr.followers_over_time(view)
            if fo.height:
                st.markdown(f"**{L('growth.followers_chart')}**")
                ui.chart(gc.followers_over_time_chart(view, fo), key="gr_followers_trend")
                ui.table(gr.followers_by_account_table(view, gr.followers_by_account(view)))
                ui.table(gr.followers_over_time_table(view, fo))
            else:
                st.info(L("growth.no_followers"))

    # --- 5. cold start -----------------------------------------------------------------
    with tabs[4]:
        if tabs[4].open:  # only the open tab queries and draws
            st.caption(L("growth.cold_rule", new=gr.NEW_STORE_DAYS, peer=gr.PEER_DAYS, first=gr.FIRST_DAYS,
                         milestone=gr.MILESTONE_GMV, today=view.today.isoformat()))
            cold = gr.cold_start(view)
            new = gr.cold_start_table(view, cold)
            if new.empty:
                st.info(L("growth.no_new_stores"))
            else:
                st.markdown(f"**{L('growth.cold_curves')}**")
                ui.chart(gc.cold_start_chart(view, gr.cold_start_curves(view, cold)), key="gr_cold_curves")
                ui.table(new)
            ui.table(gr.cold_peers_table(view, cold))

    # --- 6. campaigns ------------------------------------------------------------------
    with tabs[5]:
        if tabs[5].open:  # only the open tab queries and draws
            camps = gr.campaign_list(view)
            if not camps:
                st.info(L("growth.no_campaigns"))
            else:
                by_id = {c["campaign_id"]: c for c in camps}
                default = gr.default_campaign(view, camps)
                ids = list(reversed(list(by_id)))
                pick = st.selectbox(L("growth.campaign_pick"), ids, index=ids.index(default["campaign_id"]),
                                    format_func=lambda i: by_id[i]["name"], key="w_growth_campaign")
                st.caption(L("growth.campaign_rule"))
                camp = by_id[pick]
                for dim in ("store", "account"):
                    ui.table(gr.campaign_table(view, gr.campaign_compare(view, camp, camps, dim), dim, camp["name"]))

    # --- 7. scores ---------------------------------------------------------------------
    with tabs[6]:
        if tabs[6].open:  # only the open tab queries and draws
            threshold = st.columns([1, 3])[0].number_input(
                L("growth.threshold"), min_value=0.0, max_value=5.0, value=gr.SCORE_THRESHOLD, step=0.1, format="%.2f",
                key="w_score_threshold")
            st.caption(L("growth.score_rule"))
            ents = gr.score_entities(view, threshold)
            if not ents.height:
                st.info(L("growth.no_scores"))
            else:
                st.markdown(f"**{L('growth.score_trend')}**")
                ui.chart(gc.score_trend_chart(view, gr.score_trend(view), threshold), key="gr_score_trend")
                ui.table(gr.score_summary_table(view, gr.score_summary(view, ents)))
                ui.table(gr.score_flagged_table(view, ents))

    # --- 8. market ---------------------------------------------------------------------
    with tabs[7]:
        if tabs[7].open:  # only the open tab queries and draws
            share = gr.market_share_trend(view)
            if not share.height:
                st.info(L("growth.no_market"))
            else:
                st.subheader(L("growth.market_share"))
                ui.chart(gc.market_share_chart(view, share), key="gr_market_share")
                ui.table(gr.market_share_table(view, share))
                sd = gr.supply_demand(view)
                st.subheader(L("growth.supply_demand"))
                cats = list(dict.fromkeys(sd["category"].to_list()))
                cat = st.columns([1, 3])[0].selectbox(L("growth.category_pick"), cats, key="w_growth_category")
                c1, c2 = st.columns(2)
                with c1:
                    st.markdown(f"**{L('growth.supply')}**")
                    ui.chart(gc.supply_chart(view, sd, cat), key="gr_supply")
                with c2:
                    st.markdown(f"**{L('growth.demand')}**")
                    ui.chart(gc.demand_chart(view, sd, cat), key="gr_demand")
                ui.table(gr.supply_demand_table(view, sd))

    # --- 9. agency view ----------------------------------------------------------------
    with tabs[8]:
        if tabs[8].open:  # only the open tab queries and draws
            st.caption(L("growth.agency_help"))
            if gr.current_agency(view):
                ui.kpi_cards(view, view.compared(gr.AGENCY_METRICS).row(0, named=True), gr.AGENCY_METRICS, per_row=3)
                acc = gr.agency_accounts(view)
                if acc.height:
                    top = acc.head(15)
                    ui.chart(charts.bars(top["account_name"].fill_null(top["account"]).to_list(), top["gmv"].to_list(),
                                         "cny", lang), key="gr_agency_accounts")
                c1, c2 = st.columns([3, 2])
                with c1:
                    ui.table(gr.agency_accounts_table(view, acc))
                with c2:
                    ui.table(gr.agency_brands_table(view, gr.agency_brands(view)))
