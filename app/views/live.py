"""直播追踪 Live tracking: layout only; the figures come from cockpit.reports.live, the
rooms' markup from cockpit.rooms.

``?wall=1`` is the wall screen: no sidebar, dark, the rooms five or six to a row at
1920 px, refreshed every few seconds; a new drop alert raises a toast."""

import dataclasses

import streamlit as st

from cockpit import clock, fmt, rooms, ui
from cockpit.reports import live

REFRESH_CHOICES = (10, 30, 60, 0)  # seconds; 0 = off
WALL_REFRESH = 5  # seconds: the wall's GMV counts up as the feed writes

view = ui.current_view()
lang = view.lang
wall = view.sel.wall


def _hrefs(b: live.Board, page: str = "sessions") -> dict[str, str]:
    params = {k: v for k, v in view.sel.to_params().items() if k not in ("wall", "live")}
    return {lid: rooms.href(page, {**params, "live": lid}) for lid in b.sessions["live_id"]}


def _exit_href() -> str:
    return rooms.href("live", {k: v for k, v in view.sel.to_params().items() if k != "wall"})


def _pick(tbl) -> None:
    """Open a session picked in a table (once per new pick, not on every refresh)."""
    picked = ui.table(tbl, select=True)
    key = f"_picked_{tbl.name}"
    if picked and picked != st.session_state.get(key):
        st.session_state[key] = picked
        ui.open_session(view, str(picked), ui.SESSION_PAGE)


def _toast_new_drops(b: live.Board) -> None:
    now_dropping = {r["live_id"]: r for r in b.live.iter_rows(named=True) if r["dropping"]}
    seen = st.session_state.get("_live_dropping")
    if seen is not None:
        for lid in now_dropping.keys() - seen:
            r = now_dropping[lid]
            st.toast(ui.t("live.toast_drop", account=fmt.md(r["account_name"]), alert=live.alert_text(r, lang)),
                     icon=":material/trending_down:")
    st.session_state["_live_dropping"] = set(now_dropping)


def board_body() -> None:
    with ui.guarded():
        now = clock.now()
        v = dataclasses.replace(view, now=now.replace(microsecond=0))
        b = live.board(v)
        _toast_new_drops(b)
        if wall:
            st.html(f'<div class="ck-wallhead"><span class="ck-h">{rooms.esc(ui.t("live.wall_title"))}</span>'
                    f'<span class="ck-clock">{rooms.esc(ui.t("live.clock", date=v.today.isoformat(), time=now.strftime("%H:%M:%S")))}'
                    f'</span><a class="ck-open" target="_self" href="{rooms.esc(_exit_href())}">'
                    f'{rooms.esc(ui.t("live.wall_exit"))}</a></div>')
        else:
            st.caption(ui.t("live.caption", date=v.today.isoformat(), time=now.strftime("%H:%M:%S")))
        st.html(rooms.strip(b.cards, lang))
        if b.sessions.height == 0:
            st.info(ui.t("live.none_today"))
            return
        if b.live.height == 0:
            st.info(ui.t("live.none_live"))
        else:
            rows = list(b.live.iter_rows(named=True))
            alerts = {r["live_id"]: live.alert_text(r, lang) for r in rows}
            st.html(rooms.rooms(rows, lang, _hrefs(b), alerts, new_tab=wall, review_hrefs=_hrefs(b, "review")))
        if wall:
            return
        if b.live.height:
            _pick(live.live_table(b, lang))
        if b.ended.height:
            _pick(live.ended_table(b, lang))
        st.caption(ui.t(
            "live.rule", window=live.ONLINE_WINDOW_MINUTES, ratio=round(live.ONLINE_DROP_RATIO * 100),
            floor=live.MIN_PEAK_FOR_ALERT, gwin=live.GMV_WINDOW_MINUTES,
            gratio=round(live.GMV_DROP_RATIO * 100), orders=live.MIN_ORDERS_FOR_ALERT,
        ))
        st.caption(ui.t("live.stale_rule", n=live.STALE_MINUTES))


with ui.guarded():
    st.html(rooms.CSS + (rooms.WALL_CSS if wall else ""))
    if wall:
        every = WALL_REFRESH
    else:
        title, wall_col, refresh_col = st.columns([4, 1, 1], vertical_alignment="bottom")
        title.title(ui.t("nav.live"))
        params = {**view.sel.to_params(), "wall": "1"}
        wall_col.link_button(ui.t("live.wall"), rooms.href("live", params), icon=":material/tv:")
        every = refresh_col.selectbox(
            ui.t("live.refresh"), REFRESH_CHOICES, index=REFRESH_CHOICES.index(30), key="w_live_refresh",
            format_func=lambda s: ui.t("live.refresh_sec", n=s) if s else ui.t("live.refresh_off"),
        )
    if not ui.empty_state(view):
        st.fragment(board_body, run_every=every or None)()
