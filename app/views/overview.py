"""生意总览 Business overview: layout only; numbers from cockpit.reports.overview."""

import streamlit as st

from cockpit import charts, i18n, ui
from cockpit import metrics as reg
from cockpit.reports import entities as en
from cockpit.reports import overview as ov

view = ui.current_view()
lang = view.lang
L = ui.t

st.title(L("nav.overview"))
ui.caption(view)


def open_entity(kind: str, key) -> None:
    if key:
        ui.set_selection(view, view.sel.replace(entity=en.entity_value(kind, str(key))))
        st.switch_page("views/entities.py")


with ui.guarded():
    if ui.empty_state(view):
        st.stop()
    row = ov.kpis(view)
    if not row["orders"]:  # nothing sold in this selection
        st.info(L("common.empty"))
        st.stop()

    # --- headline cards -----------------------------------------------------------
    ui.kpi_cards(view, row, ov.KPIS, download="overview_kpis")

    # --- GMV trend ------------------------------------------------------------------
    st.subheader(L("overview.trend"))
    tr = ov.trend(view)
    cmp_name = L(f"compare.{view.sel.compare}") if view.comparison_period else None
    ui.chart(charts.trend(tr, view.sel.grain, "gmv", "cny", lang, L("common.current"),
                          cmp_col="gmv__cmp", cmp_name=cmp_name, partial_label=ui.partial_label(view)), key="ov_trend")

    # --- channel mix --------------------------------------------------------------
    st.subheader(L("overview.channel_mix"))
    mix = ov.channel_mix(view)
    c1, c2 = st.columns([2, 3])
    with c1:
        groups = ["content", "shelf"]
        vals = [row["content_gmv"], row["shelf_gmv"]]
        other = (row["gmv"] or 0) - sum(v or 0 for v in vals)
        labels = [L(f"overview.group.{g}") for g in groups]
        colors = [charts.GROUP_COLORS[g] for g in groups]
        if other > 0.005:
            labels.append(L("overview.group.other"))
            vals.append(other)
            colors.append(charts.CHANNEL_COLORS["other"])
        ui.chart(charts.donut(labels, vals, colors, "cny", lang).update_traces(textposition="inside"), key="ov_groups")
        ui.kpi_cards(view, row, ["content_share", "shelf_share"], per_row=2)
    with c2:
        chans = mix["channel"].to_list()
        ui.chart(charts.bars(charts.enum_names("channel", chans, lang), mix["gmv"].to_list(), "cny", lang,
                             colors=[charts.color_for("channel", c) for c in chans]), key="ov_channels")
    ui.table(ov.channel_mix_table(view, mix))

    # --- contribution -------------------------------------------------------------
    st.subheader(L("overview.contribution"))
    stores = ov.by_store(view)
    types = ov.by_account_type(view)
    c1, c2 = st.columns(2)
    with c1:
        top = stores.head(15)
        ui.chart(charts.bars(top["store_name"].fill_null(top["store"]).to_list(), top["gmv"].to_list(), "cny", lang,
                             colors=[charts.SERIES[1]] * top.height), key="ov_by_store")
        ui.table(ov.store_contribution_table(view, stores))
    with c2:
        at = types["account_type"].to_list()
        ui.chart(charts.donut(ov.account_type_names(view, at), types["gmv"].to_list(),
                              [charts.ACCOUNT_TYPE_COLORS.get(v, charts.COMPARISON_COLOR) for v in at], "cny", lang)
                 .update_traces(textposition="inside"), key="ov_by_type")
        ui.table(ov.account_type_table(view, types))

    # --- leaderboards -------------------------------------------------------------
    st.subheader(L("overview.leaderboards"))
    st.caption(L("overview.open_hint"))
    t1, t2, t3 = st.tabs([L("overview.top_stores"), L("overview.top_accounts"), L("overview.top_products")])
    with t1:
        open_entity("store", ui.table(ov.top_stores_table(view, ov.top_stores(view)), select=True))
    with t2:
        open_entity("account", ui.table(ov.top_accounts_table(view, ov.top_accounts(view)), select=True))
    with t3:
        ui.table(ov.top_products_table(view, ov.top_products(view)))

    # --- followers and fans -------------------------------------------------------
    st.subheader(L("overview.fans"))
    ui.kpi_cards(view, row, ov.FAN_METRICS)
    c1, c2 = st.columns([3, 2])
    with c1:
        fol = ov.followers_trend(view)
        if fol.height:
            st.markdown(f"**{L('overview.followers_trend')}**")
            g = view.sel.grain
            ui.chart((charts.lines(fol, g, {
                "followers_gained": (i18n.label("followers_gained", lang), "count", charts.SERIES[2]),
                "followers_lost": (i18n.label("followers_lost", lang), "count", charts.COMPARISON_COLOR),
            }, lang)), key="ov_followers")
        else:
            st.info(L("entities.no_followers"))
    with c2:
        ui.table(ov.fan_table(view, row))

    # --- market -------------------------------------------------------------------
    st.subheader(L("overview.market"))
    if not ov.has_market(view):
        st.info(L("overview.no_market"))
    else:
        mt = ov.market_trend(view)
        g = view.sel.grain
        c1, c2, c3 = st.columns(3)
        with c1:
            st.markdown(f"**{L('overview.market_share_trend')}**")
            ui.chart((charts.lines(
                mt, g, {"market_share": (reg.label("market_share", lang), "pct", charts.SERIES[0])}, lang)),
                key="ov_market_share")
        with c2:
            st.markdown(f"**{L('overview.demand')}**")
            ui.chart((charts.lines(mt, g, {
                "search_volume": (reg.label("search_volume", lang), "count", charts.SERIES[1]),
                "market_gmv": (reg.label("market_gmv", lang), "cny", charts.SERIES[3]),
            }, lang, secondary={"market_gmv"})), key="ov_demand")
        with c3:
            st.markdown(f"**{L('overview.supply')}**")
            series = {m: (reg.label(m, lang), "count", charts.SERIES[2 + i])
                      for i, m in enumerate(("active_sellers", "active_products")) if mt[m].drop_nulls().len()}
            if series:
                right = {"active_products"} if len(series) == 2 else set()
                ui.chart((charts.lines(mt, g, series, lang, secondary=right)), key="ov_supply")
            else:
                st.info(L("common.empty"))
        ui.table(ov.market_table(view, ov.market_by_category(view)))

    # --- campaigns ----------------------------------------------------------------
    camp = ov.campaigns(view)
    if camp.height:
        st.subheader(L("overview.campaigns"))
        ui.table(ov.campaign_table(view, camp))
        st.caption(L("overview.campaign_note"))
