"""生意总览 Business overview: layout only; numbers from cockpit.reports.overview.

Every piece is built once per view for everyone (cockpit.memo); a leaderboard pick
reruns its section alone before the store or account opens."""

import streamlit as st

from cockpit import charts, ui
from cockpit import metrics as reg
from cockpit.memo import memo
from cockpit.reports import entities as en
from cockpit.reports import overview as ov

view = ui.current_view()
lang = view.lang
L = ui.t


def M(name: str, build, *extra):
    return memo(view, "overview." + name, build, *extra)


st.title(L("nav.overview"))
ui.caption(view)


def open_entity(kind: str, key) -> None:
    if key:
        ui.set_selection(view, view.sel.replace(entity=en.entity_value(kind, str(key))))
        st.switch_page("views/entities.py")


def contribution() -> None:
    def by_store():
        stores = ov.by_store(view)
        top = stores.head(15)
        fig = charts.bars(top["store_name"].fill_null(top["store"]).to_list(), top["gmv"].to_list(), "cny", lang,
                          colors=[charts.SERIES[1]] * top.height)
        return fig, ov.store_contribution_table(view, stores)

    def by_type():
        types = ov.by_account_type(view)
        at = types["account_type"].to_list()
        fig = charts.donut(ov.account_type_names(view, at), types["gmv"].to_list(),
                           [charts.ACCOUNT_TYPE_COLORS.get(v, charts.COMPARISON_COLOR) for v in at], "cny", lang
                           ).update_traces(textposition="inside")
        return fig, ov.account_type_table(view, types)

    c1, c2 = st.columns(2)
    with c1:
        fig, tbl = M("by_store", by_store)
        ui.chart(fig, key="ov_by_store")
        ui.table(tbl)
    with c2:
        fig, tbl = M("by_type", by_type)
        ui.chart(fig, key="ov_by_type")
        ui.table(tbl)


def fans() -> None:
    row = M("kpis", lambda: ov.kpis(view))
    ui.kpi_cards(view, row, ov.FAN_METRICS)
    c1, c2 = st.columns([3, 2])
    with c1:
        fig = M("followers", lambda: charts.followers_flow(ov.followers_trend(view), view.sel.grain, lang))
        if fig is not None:
            st.markdown(f"**{L('overview.followers_trend')}**")
            ui.chart(fig, key="ov_followers")
        else:
            st.info(L("entities.no_followers"))
    with c2:
        ui.table(M("fans", lambda: ov.fan_table(view, row)))


def market() -> None:
    def pieces():
        if not ov.has_market(view):
            return None
        mt = ov.market_trend(view)
        g = view.sel.grain
        share = charts.lines(mt, g, {"market_share": (reg.label("market_share", lang), "pct", charts.SERIES[0])}, lang)
        demand = charts.lines(mt, g, {
            "search_volume": (reg.label("search_volume", lang), "count", charts.SERIES[1]),
            "market_gmv": (reg.label("market_gmv", lang), "cny", charts.SERIES[3]),
        }, lang, secondary={"market_gmv"})
        series = {m: (reg.label(m, lang), "count", charts.SERIES[2 + i])
                  for i, m in enumerate(("active_sellers", "active_products")) if mt[m].drop_nulls().len()}
        supply = (charts.lines(mt, g, series, lang, secondary={"active_products"} if len(series) == 2 else set())
                  if series else None)
        return share, demand, supply, ov.market_table(view, ov.market_by_category(view))

    got = M("market", pieces)
    if got is None:
        st.info(L("overview.no_market"))
        return
    share, demand, supply, table = got
    c1, c2, c3 = st.columns(3)
    with c1:
        st.markdown(f"**{L('overview.market_share_trend')}**")
        ui.chart(share, key="ov_market_share")
    with c2:
        st.markdown(f"**{L('overview.demand')}**")
        ui.chart(demand, key="ov_demand")
    with c3:
        st.markdown(f"**{L('overview.supply')}**")
        if supply is not None:
            ui.chart(supply, key="ov_supply")
        else:
            st.info(L("common.empty"))
    ui.table(table)


def campaigns() -> None:
    camp = M("campaigns", lambda: ov.campaign_table(view, c) if (c := ov.campaigns(view)).height else None)
    if camp is None:
        st.info(L("overview.no_campaigns"))
        return
    ui.table(camp)
    st.caption(L("overview.campaign_note"))


@st.fragment
def details() -> None:
    """A tab switch or a leaderboard pick reruns this section alone (a pick then opens the
    store or account)."""
    ui.lazy_tabs("w_overview_tab", [
        (L("overview.top_stores"), lambda: open_entity("store", ui.table(
            M("top_stores", lambda: ov.top_stores_table(view, ov.top_stores(view))), select=True))),
        (L("overview.top_accounts"), lambda: open_entity("account", ui.table(
            M("top_accounts", lambda: ov.top_accounts_table(view, ov.top_accounts(view))), select=True))),
        (L("overview.top_products"), lambda: ui.table(
            M("top_products", lambda: ov.top_products_table(view, ov.top_products(view))))),
        (L("overview.contribution"), contribution),
        (L("overview.fans"), fans),
        (L("overview.market"), market),
        (L("overview.campaigns"), campaigns),
    ])


with ui.guarded():
    if ui.empty_state(view):
        st.stop()
    row = M("kpis", lambda: ov.kpis(view))
    if not row["orders"]:  # nothing sold in this selection
        st.info(L("common.empty"))
        st.stop()

    # --- headline cards -----------------------------------------------------------
    ui.kpi_cards(view, row, ov.KPIS, download="overview_kpis")

    # --- GMV trend ------------------------------------------------------------------
    st.subheader(L("overview.trend"))
    cmp_name = L(f"compare.{view.sel.compare}") if view.comparison_period else None
    ui.chart(M("trend", lambda: charts.trend(ov.trend(view), view.sel.grain, "gmv", "cny", lang, L("common.current"),
                                             cmp_col="gmv__cmp", cmp_name=cmp_name,
                                             partial_label=ui.partial_label(view))), key="ov_trend")

    # --- channel mix --------------------------------------------------------------
    st.subheader(L("overview.channel_mix"))

    def groups_donut():
        groups = ["content", "shelf"]
        vals = [row["content_gmv"], row["shelf_gmv"]]
        other = (row["gmv"] or 0) - sum(v or 0 for v in vals)
        labels = [L(f"overview.group.{g}") for g in groups]
        colors = [charts.GROUP_COLORS[g] for g in groups]
        if other > 0.005:
            labels.append(L("overview.group.other"))
            vals.append(other)
            colors.append(charts.CHANNEL_COLORS["other"])
        return charts.donut(labels, vals, colors, "cny", lang).update_traces(textposition="inside")

    def channel_bars():
        mix = ov.channel_mix(view)
        chans = mix["channel"].to_list()
        fig = charts.bars(charts.enum_names("channel", chans, lang), mix["gmv"].to_list(), "cny", lang,
                          colors=[charts.color_for("channel", c) for c in chans])
        return fig, ov.channel_mix_table(view, mix)

    c1, c2 = st.columns([2, 3])
    with c1:
        ui.chart(M("groups", groups_donut), key="ov_groups")
        ui.kpi_cards(view, row, ["content_share", "shelf_share"], per_row=2)
    bars, mix_table = M("channels", channel_bars)
    with c2:
        ui.chart(bars, key="ov_channels")
    ui.table(mix_table)

    # --- below the fold: one tab at a time (only the open one is built and drawn) --------
    st.subheader(L("overview.details"))
    st.caption(L("overview.open_hint"))
    details()
