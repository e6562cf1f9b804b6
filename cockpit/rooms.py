"""直播追踪's rooms as HTML: one card per live session, on the page and on the wall.

Pure functions (no Streamlit) so the markup is tested as text.  A room shows the
account, its title, online now with a sparkline, GMV so far, the drop alert, and the
age of its latest data ("数据更新于 05:23，16 分钟前"); a room whose feed has stopped
(cockpit.reports.live.STALE_MINUTES) turns grey, so a stalled feed never looks like a
quiet room.  The strip above the rooms puts the drop-alert count first.

Every value from data (names, titles, ids) is HTML-escaped here: this is markup we
write, never markup the data brings.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
from urllib.parse import urlencode

from cockpit import fmt, i18n

SPARK_MINUTES = 120  # the sparkline shows the last two hours

CSS = """
<style>
.ck-strip {display:flex; flex-wrap:wrap; gap:10px; margin:4px 0 14px 0;}
.ck-kpi {flex:1 1 150px; min-width:0; border:1px solid rgba(128,128,128,.28); border-radius:10px; padding:8px 14px;}
.ck-kpi .ck-lab {font-size:.85rem; opacity:.75; white-space:nowrap; overflow:hidden; text-overflow:ellipsis;}
.ck-kpi .ck-val {font-size:1.55rem; font-weight:600; font-variant-numeric:tabular-nums; line-height:1.25; white-space:nowrap;}
.ck-kpi.ck-alert {border-color:#D92D20; background:rgba(217,45,32,.07);}
.ck-kpi.ck-alert .ck-val {color:#D92D20;}
.ck-kpi.ck-quiet .ck-val {color:inherit;}
.ck-rooms {display:grid; grid-template-columns:repeat(auto-fill, minmax(280px, 1fr)); gap:12px;}
.ck-room {border:1px solid rgba(128,128,128,.3); border-radius:10px; padding:10px 14px; position:relative;
  background:rgba(255,255,255,.02);}
.ck-room.ck-drop {border:2px solid #D92D20; background:rgba(217,45,32,.05);}
.ck-room.ck-stale {filter:grayscale(1); opacity:.55; border-style:dashed;}
.ck-head {display:flex; gap:8px; align-items:baseline; flex-wrap:wrap;}
.ck-acct {font-weight:600;}
.ck-type {font-size:.8rem; opacity:.7;}
.ck-badge {font-size:.78rem; color:#fff; background:#D92D20; border-radius:6px; padding:1px 6px;}
.ck-badge.ck-grey {background:#667085;}
.ck-title {font-size:.85rem; opacity:.8; white-space:nowrap; overflow:hidden; text-overflow:ellipsis;}
.ck-main {display:flex; gap:22px; margin-top:4px;}
.ck-big {font-size:1.6rem; font-weight:600; font-variant-numeric:tabular-nums;}
.ck-lab {font-size:.75rem; opacity:.7;}
.ck-spark {width:100%; height:44px; display:block; margin:4px 0;}
.ck-line {font-size:.8rem; opacity:.8;}
.ck-age {font-size:.8rem; margin-top:2px; opacity:.8;}
.ck-stale .ck-age {font-weight:600; opacity:1;}
.ck-open {font-size:.85rem;}
@media (max-width: 640px) {
  .ck-kpi {flex:1 1 40%; padding:6px 10px;} .ck-kpi .ck-val {font-size:1.25rem;}
  .ck-kpi.ck-alert, .ck-kpi.ck-quiet {flex:1 1 100%;}
  .ck-rooms {grid-template-columns:1fr;}
}
</style>
"""

WALL_CSS = """
<style>
[data-testid="stApp"], [data-testid="stAppViewContainer"], [data-testid="stMain"], [data-testid="stHeader"]
  {background:#0B1020 !important; color:#E5E7EB !important;}
[data-testid="stHeader"] {display:none !important;}
[data-testid="stMainBlockContainer"] {padding:12px 20px 20px 20px !important; max-width:100% !important;}
[data-testid="stMain"] p, [data-testid="stMain"] h1, [data-testid="stMain"] h2,
[data-testid="stMain"] h3, [data-testid="stMain"] span {color:#E5E7EB;}
.ck-room {background:#131A2E;} .ck-kpi {background:#131A2E;}
.ck-open a, a.ck-open {color:#93C5FD;}
.ck-wallhead {display:flex; justify-content:space-between; align-items:baseline; flex-wrap:wrap; gap:8px;}
.ck-wallhead .ck-h {font-size:1.5rem; font-weight:700;}
.ck-wallhead .ck-clock {font-size:1.1rem; font-variant-numeric:tabular-nums; opacity:.85;}
</style>
"""


def esc(value) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def href(page: str, params: dict) -> str:
    """A link to another page of the app, relative to this one (keeps any base path)."""
    return f"{page}?{urlencode(params, doseq=True)}" if params else page


def sparkline(values: list, width: int = 240, height: int = 44, color: str = "#E8483B") -> str:
    """The online curve as an SVG image inside a data URI: no script, no outside
    request, and it survives Streamlit's HTML sanitiser (which drops inline <svg>)."""
    vals = [float(v or 0) for v in values][-SPARK_MINUTES:]
    if len(vals) < 2:
        return '<div class="ck-spark"></div>'
    hi = max(vals) or 1.0
    step = width / (len(vals) - 1)
    pts = " ".join(f"{i * step:.1f},{height - 2 - (v / hi) * (height - 4):.1f}" for i, v in enumerate(vals))
    area = f"0,{height} {pts} {width},{height}"
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" preserveAspectRatio="none">'
           f'<polygon points="{area}" fill="{color}" fill-opacity="0.12"/>'
           f'<polyline points="{pts}" fill="none" stroke="{color}" stroke-width="1.6"/></svg>')
    data = base64.b64encode(svg.encode()).decode()
    return f'<img class="ck-spark" alt="" src="data:image/svg+xml;base64,{data}"/>'


def age_text(last: dt.datetime | None, age_minutes: int | None, stale: bool, lang: str) -> str:
    """"数据更新于 05:23，16 分钟前" (or "刚刚"); a stale room says its feed stopped."""
    if last is None:
        return ""
    when = last.strftime("%H:%M")
    ago = i18n.t("rooms.just_now", lang) if not age_minutes else i18n.t("rooms.minutes_ago", lang, n=age_minutes)
    return i18n.t("rooms.stale" if stale else "rooms.updated", lang, time=when, ago=ago)


def room(r: dict, lang: str, open_href: str, alert: str, new_tab: bool = False, review_href: str | None = None) -> str:
    """One live session as a card (``r``: a row of cockpit.reports.live.board)."""
    classes = ["ck-room"]
    if r.get("dropping"):
        classes.append("ck-drop")
    if r.get("stale"):
        classes.append("ck-stale")
    badge = f'<span class="ck-badge">{esc(alert)}</span>' if r.get("dropping") else ""
    if r.get("stale"):
        badge += f'<span class="ck-badge ck-grey">{esc(i18n.t("rooms.stale_badge", lang))}</span>'
    line = i18n.t("rooms.line", lang, minutes=r.get("minutes_live") or 0,
                  peak=fmt.value(r.get("peak_online"), "count", lang), orders=fmt.value(r.get("orders"), "count", lang),
                  followers=fmt.value(r.get("new_followers"), "count", lang), gpm=fmt.value(r.get("gpm"), "cny", lang))
    target = ' target="_blank" rel="noopener"' if new_tab else ' target="_self"'
    key = esc(r.get("live_id"))
    return (
        f'<div class="{" ".join(classes)}" data-live="{key}">'
        f'<div class="ck-head"><span class="ck-acct">{esc(r.get("account_name") or r.get("account_id"))}</span>'
        f'<span class="ck-type">{esc(i18n.enum_label("account_type", r.get("account_type"), lang))}</span>{badge}</div>'
        f'<div class="ck-title">{esc(r.get("title") or r.get("live_id"))}</div>'
        f'<div class="ck-main"><div><div class="ck-big">{esc(fmt.value(r.get("online_now"), "count", lang))}</div>'
        f'<div class="ck-lab">{esc(i18n.t("live.col_online_now", lang))}</div></div>'
        f'<div><div class="ck-big">{esc(fmt.value(r.get("live_gmv"), "cny", lang))}</div>'
        f'<div class="ck-lab">{esc(i18n.t("rooms.gmv", lang))}</div></div></div>'
        f'{sparkline(r.get("online_series") or [])}'
        f'<div class="ck-line">{esc(line)}</div>'
        f'<div class="ck-age">{esc(age_text(r.get("last_data_at"), r.get("data_age_minutes"), bool(r.get("stale")), lang))}</div>'
        f'<a class="ck-open" href="{esc(open_href)}"{target}>{esc(i18n.t("rooms.open", lang))} →</a>'
        + (f' · <a class="ck-open" href="{esc(review_href)}"{target}>{esc(i18n.t("review.open", lang))} →</a>'
           if review_href else "")
        + "</div>"
    )


def rooms(rows: list[dict], lang: str, hrefs: dict[str, str], alerts: dict[str, str], new_tab: bool = False,
          review_hrefs: dict[str, str] | None = None) -> str:
    return ('<div class="ck-rooms">'
            + "".join(room(r, lang, hrefs[r["live_id"]], alerts.get(r["live_id"], ""), new_tab,
                           (review_hrefs or {}).get(r["live_id"])) for r in rows)
            + "</div>")


def strip(cards: dict, lang: str) -> str:
    """The group's figures in one row, the drop-alert count first (on a phone too)."""
    items = [
        ("live.card_dropping", fmt.value(cards.get("dropping"), "count", lang),
         "ck-alert" if cards.get("dropping") else "ck-quiet"),
        ("live.card_gmv_today", fmt.value(cards.get("live_gmv_today"), "cny", lang), ""),
        ("live.card_accounts", fmt.value(cards.get("accounts_live"), "count", lang), ""),
        ("live.card_online", fmt.value(cards.get("online_now"), "count", lang), ""),
        ("live.card_buyers_today", fmt.value(cards.get("live_buyers_today"), "count", lang), ""),
        ("live.card_ended", fmt.value(cards.get("ended_today"), "count", lang), ""),
    ]
    if cards.get("stale"):
        items.insert(1, ("rooms.card_stale", fmt.value(cards.get("stale"), "count", lang), ""))
    return '<div class="ck-strip">' + "".join(
        f'<div class="ck-kpi {cls}" data-card="{esc(key)}"><div class="ck-lab">{esc(i18n.t(key, lang))}</div>'
        f'<div class="ck-val">{esc(val)}</div></div>'
        for key, val, cls in items) + "</div>"
