"""直播追踪 Live tracking: layout only; the figures come from cockpit.reports.live."""

import dataclasses
import datetime as dt

import streamlit as st

from cockpit import clock, fmt, i18n, ui
from cockpit.reports import live

REFRESH_CHOICES = (10, 30, 60, 0)  # seconds; 0 = off
SPARK_MINUTES = 120  # the sparkline shows the last two hours

view = ui.current_view()
lang = view.lang


def open_session(live_id: str, page: str = "views/sessions.py") -> None:
    """Keep the session in the Selection (and so in the URL) and open its detail (or review) page."""
    new = view.sel.replace(live=live_id)
    ui.set_selection(view, new)
    st.switch_page(page, query_params=new.to_params())


def _cards(b: live.Board) -> None:
    c = b.cards
    items = [
        (ui.t("live.card_accounts"), fmt.value(c["accounts_live"], "count", lang)),
        (ui.t("live.card_online"), fmt.value(c["online_now"], "count", lang)),
        (ui.t("live.card_gmv_today"), fmt.value(c["live_gmv_today"], "cny", lang)),
        (ui.t("live.card_buyers_today"), fmt.value(c["live_buyers_today"], "count", lang)),
        (ui.t("live.card_ended"), fmt.value(c["ended_today"], "count", lang)),
        (ui.t("live.card_dropping"), fmt.value(c["dropping"], "count", lang)),
    ]
    for i in range(0, len(items), 3):
        for col, (label, value) in zip(st.columns(3), items[i: i + 3]):
            col.metric(label, value, border=True)


def _session_card(r: dict) -> None:
    # a dropping session gets a red frame (CSS below, keyed on the container) and a red badge
    key = f"live_card_drop_{r['live_id']}" if r["dropping"] else f"live_card_{r['live_id']}"
    with st.container(border=True, key=key):
        head = f"**{r['account_name']}** · {i18n.enum_label('account_type', r['account_type'], lang)}"
        if r["dropping"]:
            head += f" :red-badge[:material/trending_down: {live.alert_text(r, lang)}]"
        st.markdown(head)
        spark = r["online_series"][-SPARK_MINUTES:]
        st.metric(
            r["title"] or r["live_id"], fmt.value(r["online_now"], "count", lang),
            help=ui.t("live.col_online_now"), chart_data=spark or None, chart_type="area",
        )
        st.caption(ui.t(
            "live.card_line", minutes=r["minutes_live"], peak=fmt.value(r["peak_online"], "count", lang),
            gmv=fmt.value(r["live_gmv"], "cny", lang), orders=fmt.value(r["orders"], "count", lang),
            followers=fmt.value(r["new_followers"], "count", lang), gpm=fmt.value(r["gpm"], "cny", lang),
        ))
        if st.button(ui.t("common.open"), key=f"open_{r['live_id']}", icon=":material/open_in_new:"):
            open_session(r["live_id"])
        if st.button(ui.t("review.open"), key=f"review_{r['live_id']}", icon=":material/troubleshoot:"):
            open_session(r["live_id"], "views/review.py")


def _pick(tbl) -> None:
    """Open a session picked in a table (once per new pick, not on every refresh)."""
    picked = ui.table(tbl, select=True)
    key = f"_picked_{tbl.name}"
    if picked and picked != st.session_state.get(key):
        st.session_state[key] = picked
        open_session(picked)


def board_body() -> None:
    with ui.guarded():
        v = dataclasses.replace(view, now=clock.now().replace(second=0, microsecond=0))
        b = live.board(v)
        st.caption(ui.t("live.caption", date=v.today.isoformat(), time=clock.now().strftime("%H:%M:%S")))
        _cards(b)
        if b.sessions.height == 0:
            st.info(ui.t("live.none_today"))
            return
        if b.live.height == 0:
            st.info(ui.t("live.none_live"))
        else:
            rows = list(b.live.iter_rows(named=True))
            for i in range(0, len(rows), 3):
                for col, r in zip(st.columns(3), rows[i: i + 3]):
                    with col:
                        _session_card(r)
            _pick(live.live_table(b, lang))
        if b.ended.height:
            _pick(live.ended_table(b, lang))
        st.caption(ui.t(
            "live.rule", window=live.ONLINE_WINDOW_MINUTES, ratio=round(live.ONLINE_DROP_RATIO * 100),
            floor=live.MIN_PEAK_FOR_ALERT, gwin=live.GMV_WINDOW_MINUTES,
            gratio=round(live.GMV_DROP_RATIO * 100), orders=live.MIN_ORDERS_FOR_ALERT,
        ))


DROP_CSS = """<style>
[class*="st-key-live_card_drop_"] { border: 2px solid #E8483B !important; background: rgba(232, 72, 59, 0.05); }
</style>"""

with ui.guarded():
    st.html(DROP_CSS)
    title, refresh_col = st.columns([4, 1], vertical_alignment="bottom")
    title.title(ui.t("nav.live"))
    if not ui.empty_state(view):
        every = refresh_col.selectbox(
            ui.t("live.refresh"), REFRESH_CHOICES, index=REFRESH_CHOICES.index(30), key="w_live_refresh",
            format_func=lambda s: ui.t("live.refresh_sec", n=s) if s else ui.t("live.refresh_off"),
        )
        st.fragment(board_body, run_every=every or None)()
