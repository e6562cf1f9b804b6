"""The one Streamlit helper module of the core: connection, shared sidebar, cards, tables.

Pages in app/ stay thin: they call these helpers and the report functions in
cockpit.reports.  Nothing else in cockpit/ imports streamlit.

The house of the pages, so every page reads the same:

* links are checked before any widget sees them (cockpit.selection) and checked again
  against what the viewer may see; whatever was ignored is named in a notice;
* the sidebar shows the controls that apply to the page (:data:`PAGE_CONTROLS`) and
  its filters narrow each other (cockpit.options);
* one table renderer (:func:`table`): st.column_config number formats from cockpit.fmt,
  "—" for a missing value, change columns signed and coloured (cockpit.charts colours),
  the metric's definition on its header, CSV and XLSX downloads named after the page,
  table, period and filters that never rerun the page;
* one card renderer (:func:`kpi_cards`): 红涨绿跌 in Chinese, the definition on "?";
* text from data (names, titles, ids, link values, search text) reaches Markdown only
  through :func:`cockpit.fmt.md`.
"""

from __future__ import annotations

import hashlib
import html
import logging
import os
import re
from collections.abc import Callable
from contextlib import contextmanager

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from cockpit import auth, charts, clock, fmt, i18n, options, periods, query, store
from cockpit import metrics as reg
from cockpit.memo import MEMO, db_key
from cockpit.metrics import FILTER_DIMS
from cockpit.selection import GRAINS, Notice, Selection, lang_from_locale
from cockpit.tables import DisplayTable, UNIT_WORDS
from cockpit.view import View

log = logging.getLogger("cockpit.ui")

_LIST_KEYS = set(FILTER_DIMS)
_ENTITY_FILTERS = ("brand", "store_type", "store", "account_type", "account", "agency")
_ALL_CONTROLS = ("period", "compare", "grain", *FILTER_DIMS)
# The sidebar controls each page uses; a page not listed gets them all.  Filters a page
# does not show do not apply to it (they stay in the link for the pages that use them).
PAGE_CONTROLS: dict[str, tuple[str, ...]] = {
    "overview": _ALL_CONTROLS,
    "entities": _ALL_CONTROLS,
    "growth": _ALL_CONTROLS,
    "sessions": ("period", *_ENTITY_FILTERS),
    "live": _ENTITY_FILTERS,  # always now and today
    "workbench": (),
    "review": ("period", *_ENTITY_FILTERS),  # the sessions to pick from; one session is whole
    "alerts": (),
}


@st.cache_resource(show_spinner=False)
def _open(path: str):
    """One connection per database for the whole server process (DuckDB and chDB allow
    one process); each script run reads through its own cursor.  ``path`` is the full
    URL, password included (the key of this cache, never shown).

    Under `cockpit serve` the server's lifespan opened it and started the background work
    before anyone visited (cockpit.service.runtime).  A bare `streamlit run` or a page
    test has no lifespan: the first run opens the file and starts the work itself.
    """
    from cockpit.service import runtime

    rt = runtime.current()
    if rt is not None and rt.db.key == store.url_of(path).key:
        return rt.con, rt.cache
    con = store.connect(path)
    from cockpit import inbox

    inbox.start_watcher(con, path)  # files dropped in the inbox are imported by this process
    cache = query.QueryCache()
    if os.environ.get("COCKPIT_WARMUP", "1") != "0":
        from cockpit import warmup

        warmup.start(con, cache)  # the landing view is ready before the first visitor asks
    return con, cache


def db_path():
    """The database: a Path for a DuckDB file, an engine.DatabaseURL for ClickHouse."""
    return store.resolve_db_path(None)


def connection():
    con, cache = _open(store.url_of(db_path()).dsn)
    return con.cursor(), cache


def _url_params() -> dict[str, str | list[str]]:
    """The URL's query parameters in Selection.to_params() form (lists for filters)."""
    qp = st.query_params
    return {k: (qp.get_all(k) if k in _LIST_KEYS else qp.get(k)) for k in qp.keys()}


def _url_selection() -> Selection:
    return Selection.from_params(_url_params())


def t(key: str, **kw) -> str:
    return i18n.t(key, current_lang(), **kw)


def current_lang() -> str:
    return st.session_state.get("_lang", "zh")


def bootstrap() -> View:
    """Run at the top of every script run: the link, language, sign-in, the View.

    The sidebar is drawn by :func:`sidebar` once the page is known."""
    if "_sel" not in st.session_state:
        sel, notices = Selection.parse(_url_params(), clock.today())
        st.session_state["_sel"] = sel
        st.session_state["_notices"] = notices
        st.session_state["_whole"] = st.query_params.get("print") == "1"  # see lazy_tabs
        st.session_state["_filters_checked"] = False
    sel: Selection = st.session_state["_sel"]
    lang = sel.lang or st.session_state.get("_lang") or lang_from_locale(_browser_locale())
    st.session_state["_lang"] = lang
    con, cache = connection()
    user = _signed_in_user(con, lang)
    view = View(con, sel, lang=lang, cache=cache, scope=user.scope)
    st.session_state["_view"] = view
    return view


def current_user() -> auth.User:
    return st.session_state.get("_user", auth.LOCAL_USER)


def _oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets.toml at all
        return False


def _signed_in_user(con, lang: str) -> auth.User:
    """The signed-in user, from the session cookie; without one, a way to sign in, then stop.

    Sign-in itself happens on the server's /signin form (cockpit.service.web), which sets
    an HttpOnly cookie: a reload, a new tab or a shared link stay signed in, and the link
    the user opened is where the form sends them back.  No users yet: single-user local
    mode (the server refuses non-local binding then).
    """
    if not auth.sign_in_required(con):
        st.session_state["_user"] = auth.LOCAL_USER
        return auth.LOCAL_USER
    L = lambda k, **kw: i18n.t(k, lang, **kw)  # noqa: E731
    from cockpit import websession

    # AppTest has no cookies: tests present a real session value through session state
    cookie = _cookies().get(websession.COOKIE) or st.session_state.get("_session_cookie")
    user = websession.resolve(con, cookie)
    if user is not None:
        st.session_state["_user"] = user
        st.sidebar.caption(L("auth.signed_in_as", name=user.display_name or user.username))
        with st.sidebar:
            # a plain form posting to /signout: it ends the session for every tab at once
            st.html(f'<form method="post" action="/signout"><button type="submit" class="cockpit-signout">'
                    f'{html.escape(L("auth.sign_out"))}</button></form>'
                    '<style>.cockpit-signout{border:1px solid rgba(49,51,63,.2);border-radius:.5rem;'
                    'padding:.25rem .75rem;background:transparent;cursor:pointer;color:inherit}</style>')
        return user
    st.session_state.pop("_user", None)
    if _oidc_configured() and getattr(st.user, "is_logged_in", False):
        sso = auth.get_user(con, st.user.get("email") or "")
        if sso is not None:
            auth.audit(con, sso.username, "signin.sso", "")
            st.session_state["_user"] = sso
            return sso
        st.error(L("auth.sso_no_access", email=st.user.get("email") or "?"))
    st.title(L("app.title"))
    st.info(L("auth.expired") if cookie else L("auth.need_signin"))
    # a same-tab link (st.link_button opens a new tab, leaving this one signed out)
    st.html(f'<a href="{html.escape(_signin_url(lang))}" class="cockpit-signin" target="_self">'
            f'{html.escape(L("auth.go_signin"))}</a>'
            '<style>.cockpit-signin{display:inline-block;padding:.4rem 1rem;border-radius:.5rem;'
            'background:#E8483B;color:#fff!important;text-decoration:none}</style>')
    if _oidc_configured():
        st.button(L("auth.sso"), on_click=st.login)
    st.stop()


def _cookies() -> dict:
    try:
        return dict(st.context.cookies)
    except Exception:  # the test harness has no request
        return {}


def _signin_url(lang: str) -> str:
    """/signin with the page the user opened as the place to come back to."""
    from urllib.parse import quote, urlsplit

    try:
        parts = urlsplit(st.context.url or "")
        back = parts.path or "/"
        if parts.query:
            back += "?" + parts.query
    except Exception:  # noqa: BLE001
        back = "/"
    return f"/signin?lang={lang}&next={quote(back, safe='')}"


def _browser_locale() -> str | None:
    try:
        return st.context.locale
    except Exception:  # older runtimes or the test harness
        return None


def current_view() -> View:
    """The View the entry script built for this run.

    Page scripts live in app/views/, not app/pages/: Streamlit would take a pages/
    folder for a v1 multipage app and run a page alone, without the entry script.
    """
    return st.session_state["_view"]


def current_page() -> str:
    return st.session_state.get("_page", "overview")


# --- the sidebar -------------------------------------------------------------------


def _choices(view: View, lang: str) -> options.Choices:
    """The viewer's filter choices, read once per data version, scope and language."""
    key = (store.data_version(view.con), view.scope, lang)
    cached = st.session_state.get("_choices")
    if cached is None or cached[0] != key:  # read once per process for everyone (cockpit.memo)
        cached = (key, MEMO.get_or_build(("choices", db_key(view.con), *key),
                                         lambda: options.choices(view.con, view.scope, lang)))
        st.session_state["_choices"] = cached
    return cached[1]


def _check_filters(sel: Selection, ch: options.Choices, lang: str) -> tuple[Selection, list[Notice]]:
    """Filter values of a link that do not exist, lie outside the viewer's data scope or
    do not fit the other filters are dropped, each named in a notice."""
    notices, picks = [], {}
    for dim in FILTER_DIMS:
        values = getattr(sel, dim)
        if not values:
            continue
        allowed = ch.all(dim)
        fitting = ch.narrowed(dim, picks)
        unknown = [v for v in values if v not in allowed]
        outside = [v for v in values if v in allowed and v not in fitting]
        if unknown:
            notices.append(Notice("links.unknown_filter", {"dim": dim, "values": unknown}))
        if outside:
            notices.append(Notice("links.narrowed_out", {"dim": dim, "values": [allowed[v] for v in outside]}))
        picks[dim] = tuple(v for v in values if v in fitting)
    return sel.replace(**{d: picks.get(d, ()) for d in FILTER_DIMS}), notices


def notice_text(n: Notice, lang: str) -> str:
    """A notice in the UI language; values from the link escaped (shown as text)."""
    values = dict(n.values)
    if "dim" in values:
        values["dim"] = i18n.label(values["dim"], lang)
    if "param" in values:
        values["param"] = values["param"]
    if "values" in values:
        shown = [str(v) for v in values["values"]][:5]
        values["values"] = ("、" if lang == "zh" else ", ").join(shown) + ("…" if len(values["values"]) > 5 else "")
    return i18n.t(n.key, lang, **{k: fmt.md(v) for k, v in values.items()})


def sidebar(view: View, page: str) -> View:
    """The shared sidebar for ``page``: language, then the controls that apply to it."""
    page = {"": "overview", "home": "overview"}.get(page, page)  # the default page's own paths
    st.session_state["_page"] = page
    sel = view.sel
    lang = view.lang
    ch = _choices(view, lang)
    if not st.session_state.get("_filters_checked"):
        sel, more = _check_filters(sel, ch, lang)
        st.session_state["_notices"] = st.session_state.get("_notices", []) + more
        st.session_state["_filters_checked"] = True
        st.session_state["_notices_sel"] = sel
    controls = PAGE_CONTROLS.get(page, _ALL_CONTROLS)
    if page == "live" and sel.wall:
        new = sel  # the wall has no sidebar; the link's (checked) filters still apply
        st.html("<style>[data-testid='stSidebar'], [data-testid='stSidebarCollapsedControl'],"
                "[data-testid='stExpandSidebarButton'] {display: none !important;}</style>")
    else:
        new, lang = _draw_sidebar(view, sel, ch, controls)
    view = set_selection(view, new)
    view.applies = frozenset(d for d in FILTER_DIMS if d in controls)
    st.html(PHONE_CSS)
    _show_notices(view)
    return view


# On a phone Streamlit stacks every column: KPI cards go two to a row instead of one.
PHONE_CSS = """<style>
@media (max-width: 640px) {
  [class*="st-key-kpis_"] [data-testid="stHorizontalBlock"] {flex-wrap: wrap !important; gap: 0.5rem !important;}
  [class*="st-key-kpis_"] [data-testid="stColumn"] {min-width: calc(50% - 0.25rem) !important;
    width: calc(50% - 0.25rem) !important; flex: 1 1 calc(50% - 0.25rem) !important;}
  [class*="st-key-kpis_"] [data-testid="stMetricValue"] {font-size: 1.5rem !important;}
}
</style>"""


def _draw_sidebar(view: View, sel: Selection, ch: options.Choices, controls) -> tuple[Selection, str]:
    lang = view.lang
    sb = st.sidebar
    choice = sb.segmented_control(
        i18n.t("app.lang", lang), ["zh", "en"], default=lang,
        format_func=lambda v: "中文" if v == "zh" else "English", key="w_lang",
    )
    if choice and choice != lang:
        lang = choice
        st.session_state["_lang"] = lang
        view.lang = lang
        ch = _choices(view, lang)
    L = lambda k: i18n.t(k, lang)  # noqa: E731
    changes: dict = {}
    if controls:
        sb.header(L("filter.header"))
    if "period" in controls:
        period = sb.selectbox(
            L("filter.period"), periods.PRESETS, index=periods.PRESETS.index(sel.period),
            format_func=lambda p: L(f"period.{p}"), key="w_period",
        )
        changes["period"] = period
        start, end = sel.start, sel.end
        if period == "custom":
            default = sel.resolved_period(view.today)
            picked = sb.date_input(L("filter.range"), (default.start, default.end), key="w_range",
                                   min_value=periods.EARLIEST, max_value=view.today, format="YYYY-MM-DD")
            if isinstance(picked, (tuple, list)) and len(picked) == 2:
                start, end = picked
        changes["start"] = start if period == "custom" else None
        changes["end"] = end if period == "custom" else None
    if "compare" in controls:
        changes["compare"] = sb.radio(
            L("filter.compare"), periods.COMPARISONS, index=periods.COMPARISONS.index(sel.compare),
            format_func=lambda c: L(f"compare.{c}"), horizontal=True, key="w_compare",
        )
    if "grain" in controls:
        changes["grain"] = sb.radio(L("filter.grain"), GRAINS, index=GRAINS.index(sel.grain),
                                    format_func=lambda g: L(f"grain.{g}"), horizontal=True, key="w_grain")
    # every filter's pick as it stands in this run (a widget changed just now included),
    # so a filter drawn higher up is narrowed by one drawn below it too (account by agency)
    picks = {d: tuple(st.session_state.get(f"w_{d}", getattr(sel, d))) for d in FILTER_DIMS if d in controls}
    for dim in FILTER_DIMS:
        if dim not in controls:
            continue
        fitting = ch.narrowed(dim, {d: v for d, v in picks.items() if d != dim})
        current = [v for v in getattr(sel, dim) if v in fitting]
        picked = tuple(sb.multiselect(
            i18n.label(dim, lang), list(fitting), default=current,
            format_func=lambda v, c=fitting: c.get(v, v), key=f"w_{dim}",
            placeholder=L("filter.all"),
        ))
        picks[dim] = changes[dim] = tuple(v for v in picked if v in fitting)
    keep_lang = sel.lang or choice != lang_from_locale(_browser_locale())
    new = sel.replace(lang=lang if keep_lang else sel.lang, **changes)
    return new, lang


def set_selection(view: View, new: Selection) -> View:
    """Keep the selection in session state and in the URL (a copied link reproduces it)."""
    st.session_state["_sel"] = new
    params = new.to_params()
    if _url_params() != params:
        st.query_params.clear()
        st.query_params.update(params)
    view.sel = new
    view.lang = st.session_state["_lang"]
    return view


def _show_notices(view: View) -> None:
    """What the link asked for and could not get, until the user changes the view."""
    notices = st.session_state.get("_notices") or []
    if not notices:
        return
    if st.session_state.get("_notices_sel") not in (None, view.sel):
        st.session_state["_notices"] = []
        return
    st.warning("  \n".join(notice_text(n, view.lang) for n in notices), icon=":material/link_off:")


# --- period caption ------------------------------------------------------------------


def period_text(view: View) -> str:
    """"近30天 2026-10-30 ~ 2026-11-28（截至昨日 T-1）" / "今天 2026-11-29（今日截至 14:30）"."""
    p = view.period
    lang = view.lang
    name = i18n.t(f"period.{view.sel.period}", lang)
    dates = p.start.isoformat() if p.days == 1 else str(p)
    if p.partial:
        note = i18n.t("caption.until", lang, time=p.until.strftime("%H:%M"))
    elif view.sel.period in periods.T_MINUS_1:
        note = i18n.t("caption.t_minus_1", lang)
    else:
        note = ""
    return f"{name} {dates}{note}"


def caption(view: View) -> None:
    """The period in words and dates (T-1 or "today until hh:mm"), and the comparison
    period when the page compares."""
    cmp = view.comparison_period if "compare" in PAGE_CONTROLS.get(current_page(), _ALL_CONTROLS) else None
    text = period_text(view)
    if cmp is not None:
        label = i18n.t(f"compare.{view.sel.compare}", view.lang)
        dates = cmp.start.isoformat() if cmp.days == 1 else str(cmp)
        if cmp.partial:
            dates += i18n.t("caption.cmp_until", view.lang, time=cmp.until.strftime("%H:%M"))
        text = i18n.t("common.period_caption", view.lang, period=text, cmp=f"{label} {dates}")
    st.caption(fmt.md(text))


def partial_label(view: View) -> str | None:
    """The label of a trend's last, unfinished bucket ("今日截至 14:30"), if any."""
    p = view.period
    if not p.partial:
        return None
    return i18n.t("caption.partial_point", view.lang, time=p.until.strftime("%H:%M"))


# --- cards ---------------------------------------------------------------------------


def kpi_cards(view: View, row: dict, metric_ids: list[str], per_row: int = 4, download: str | None = None,
              compared_with: str | None = None) -> None:
    """Metric cards with their change against the comparison period.

    Chinese: up red, down green (红涨绿跌); English: good green, bad red; a zero-sum
    share (content vs shelf) grey.  The "?" holds the metric's definition and the
    comparison value (against ``compared_with``, default the comparison period).
    ``download`` names a CSV / XLSX of the cards."""
    lang = view.lang
    cmp = view.comparison_period
    box = st.container(key="kpis_" + hashlib.md5(",".join(metric_ids).encode()).hexdigest()[:10])
    against = compared_with or (f"{i18n.t('common.comparison', lang)} {cmp}" if cmp is not None
                                else i18n.t("common.comparison", lang))
    for i in range(0, len(metric_ids), per_row):
        cols = box.columns(per_row)
        for col, mid in zip(cols, metric_ids[i: i + per_row]):
            m = reg.metric(mid)
            pct, delta = row.get(f"{mid}__pct"), row.get(f"{mid}__delta")
            text = fmt.change(pct, delta, m.unit, lang)
            color = charts.metric_delta_color(lang, charts.better(mid)) if fmt.direction(pct, delta, m.unit) else "off"
            help_text = fmt.md(reg.definition(mid, lang))
            if f"{mid}__cmp" in row:
                help_text += "\n\n" + fmt.md(f"{against}: {fmt.value(row.get(mid + '__cmp'), m.unit, lang)}")
            flat = text is not None and not fmt.direction(pct, delta, m.unit)
            col.metric(i18n.label(mid, lang), fmt.value(row.get(mid), m.unit, lang), text,
                       delta_color=color, help=help_text, border=True, delta_arrow="off" if flat else "auto")
    if download:
        _downloads(cards_table(view, row, metric_ids, download))


def cards_table(view: View, row: dict, metric_ids: list[str], name: str) -> DisplayTable:
    """The cards as a table (what the download holds): metric, unit, this period, the
    comparison, the change and the % change; percentages as percent numbers."""
    lang = view.lang
    L = lambda k: i18n.t(k, lang)  # noqa: E731
    recs = []
    for mid in metric_ids:
        m = reg.metric(mid)
        scale = 100.0 if m.unit == "pct" else 1.0
        num = lambda v: None if fmt.is_missing(v) else round(float(v) * scale, 4)  # noqa: E731
        pct = row.get(f"{mid}__pct")
        recs.append({
            L("cards.metric"): i18n.label(mid, lang),
            L("cards.unit"): (UNIT_WORDS.get(m.unit, ("", ""))[0 if lang == "zh" else 1]),
            L("common.current"): num(row.get(mid)),
            L("common.comparison"): num(row.get(f"{mid}__cmp")),
            L("cards.delta"): num(row.get(f"{mid}__delta")),
            L("cards.pct"): None if fmt.is_missing(pct) else round(float(pct) * 100, 2),
        })
    cols = [L("cards.metric"), L("cards.unit"), L("common.current"), L("common.comparison"), L("cards.delta"),
            L("cards.pct")]
    frame = pl.DataFrame(recs, schema={c: (pl.Utf8 if i < 2 else pl.Float64) for i, c in enumerate(cols)})
    return DisplayTable(name, L("cards.title"), frame, {L("cards.pct"): "change"})


# --- tables --------------------------------------------------------------------------

STYLED_MAX_ROWS = 3000  # change colours need a pandas Styler; above this it costs more than it is worth


def _column_config(tbl: DisplayTable, lang: str, styled: bool) -> dict:
    cfg = {}
    for name, dtype in tbl.frame.schema.items():
        unit = tbl.units.get(name)
        mid = tbl.metrics.get(name)
        help_text = reg.definition(mid, lang) if mid else None
        if styled and unit in _SIGNED:  # the Styler writes these: no sign on a zero change
            cfg[name] = st.column_config.NumberColumn(name, help=help_text)
        elif unit and fmt.printf(unit):
            cfg[name] = st.column_config.NumberColumn(name, format=fmt.printf(unit), help=help_text)
        elif dtype == pl.Datetime or isinstance(dtype, pl.Datetime):
            cfg[name] = st.column_config.DatetimeColumn(name, format="YYYY-MM-DD HH:mm")
        elif dtype == pl.Date:
            cfg[name] = st.column_config.DateColumn(name, format="YYYY-MM-DD")
        elif dtype == pl.Utf8 and (name == tbl.key_column or name.endswith("ID")):
            cfg[name] = st.column_config.TextColumn(name)  # ids are text, left-aligned, whole
        elif dtype.is_numeric():
            cfg[name] = st.column_config.NumberColumn(name, format="%,d" if dtype.is_integer() else "%,.2f")
    return cfg


_SIGNED = {"change": 1, "delta": 2}  # signed units and the decimals they show


def _signed_text(v, digits: int, suffix: str) -> str:
    if v is None or v != v:
        return fmt.DASH
    text = f"{float(v):+.{digits}f}"
    return (text.lstrip("+-") if float(text) == 0 else text) + suffix


def _styled(tbl: DisplayTable, lang: str):
    """Change columns signed ("+39.1%", "0.0%", never "+0.0" or "-0.0") and coloured up /
    down in the language's convention; None when the table has none (or is too big)."""
    changes = [c for c, u in tbl.units.items() if u in _SIGNED and c in tbl.frame.columns]
    if not changes or tbl.frame.height > STYLED_MAX_ROWS:
        return None

    def color(col):
        better = charts.better(tbl.metrics.get(col.name))
        digits = _SIGNED[tbl.units[col.name]]  # as the cell shows it
        out = []
        for v in col:
            shown = 0.0 if v is None or v != v else round(float(v), digits)
            out.append(f"color: {charts.change_color((shown > 0) - (shown < 0), lang, better)}" if shown else "")
        return out

    formats = {c: (lambda v, d=_SIGNED[tbl.units[c]], s="%" if tbl.units[c] == "change" else "": _signed_text(v, d, s))
               for c in changes}
    return tbl.frame.to_pandas().style.apply(color, subset=changes).format(formats)


def table(tbl: DisplayTable, select: bool = False, height: int | str = "auto"):
    """Draw a DisplayTable with its downloads; return the selected row's key, if any."""
    lang = current_lang()
    st.markdown(f"**{fmt.md(tbl.title)}**")
    if tbl.empty:
        st.info(t("common.empty"))
        return None
    styled = _styled(tbl, lang)
    kw = dict(hide_index=True, height=height, key=f"tbl_{tbl.name}", placeholder=fmt.DASH,
              column_config=_column_config(tbl, lang, styled is not None))
    data = styled if styled is not None else tbl.frame
    if select and tbl.key_column:
        event = st.dataframe(data, on_select="rerun", selection_mode="single-row", **kw)
    else:
        event = None
        st.dataframe(data, **kw)
    _downloads(tbl)
    if event is not None:
        rows = event.selection.rows
        if rows:
            return tbl.frame[tbl.key_column][rows[0]]
    return None


# --- downloads -----------------------------------------------------------------------

_UNSAFE_NAME = re.compile(r'[\\/:*?"<>|\s\x00-\x1f]+')


def file_stem(view: View, tbl: DisplayTable, page: str | None = None) -> str:
    """"直播明细_直播场次_2026-10-01_2026-10-31_山野茶": page, table, period and the
    filters that apply, safe as a file name on every system."""
    lang = view.lang
    page = page or current_page()
    parts = [i18n.t(f"nav.{page}", lang) if f"nav.{page}" in i18n.STRINGS else page, tbl.title]
    if page not in ("live", "workbench"):
        p = view.period
        parts += [p.start.isoformat(), p.end.isoformat()]
    elif page == "live":
        parts.append(view.today.isoformat())
    ch = st.session_state.get("_choices", (None, None))[1]
    for dim, values in view.filters().items():
        names = ch.all(dim) if ch is not None else {}
        shown = [names.get(v, v) for v in values]
        parts.append("+".join(shown[:3]) + (f"等{len(shown)}个" if lang == "zh" and len(shown) > 3 else
                                            f"+{len(shown) - 3}more" if len(shown) > 3 else ""))
    if view.sel.live and page in ("sessions", "review"):
        parts.append(view.sel.live)
    if view.sel.entity and page == "entities":
        parts.append(view.sel.entity.partition(":")[2])
    stem = "_".join(_UNSAFE_NAME.sub("-", x).strip("-.") for x in parts if x)
    return stem[:150] or tbl.name


def _audit_detail(view: View, tbl: DisplayTable, ext: str) -> str:
    """One readable line: which table of which page, for which period and filters."""
    lang = view.lang
    flt = "; ".join(f"{i18n.label(d, lang)}={'、'.join(v)}" for d, v in view.filters().items())
    return f"{current_page()}/{tbl.name}.{ext} · {view.period}" + (f" · {flt}" if flt else "")


def _downloads(tbl: DisplayTable, page: str | None = None) -> None:
    """CSV and XLSX of exactly the table shown.  The files are made when clicked, on the
    server's download thread (the export is audited there), and a click never reruns
    the page."""
    view = current_view()
    stem = file_stem(view, tbl, page)
    base, _ = _open(str(db_path().resolve()))
    who = current_user().username

    def make(ext: str):
        def build() -> bytes:
            data = tbl.csv_bytes() if ext == "csv" else tbl.xlsx_bytes()
            try:
                auth.audit(base.cursor(), who, "export", _audit_detail(view, tbl, ext))
            except Exception:  # noqa: BLE001 - a failed audit line must not lose the download
                log.exception("audit of an export failed")
            return data
        return build

    row = st.container(horizontal=True, gap="small")
    row.download_button(t("common.download"), make("csv"), file_name=f"{stem}.csv", mime="text/csv",
                        key=f"dl_{tbl.name}", icon=":material/download:", on_click="ignore")
    row.download_button(t("common.download_xlsx"), make("xlsx"), file_name=f"{stem}.xlsx",
                        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        key=f"dlx_{tbl.name}", icon=":material/table_view:", on_click="ignore")


# --- drill paths ---------------------------------------------------------------------

REVIEW_PAGE = "views/review.py"  # where a drill path ends: the session's 直播复盘 (review?live=ID)
SESSION_PAGE = "views/sessions.py"  # the session's detail (直播明细?live=ID)


def open_session(view: View, live_id: str, page: str = REVIEW_PAGE) -> None:
    """Open one session (its review, or ``page``): the selection (and so the link) carries ``live``."""
    new = view.sel.replace(live=live_id)
    set_selection(view, new)
    st.switch_page(page, query_params=new.to_params())


# --- charts and guards ---------------------------------------------------------------


def chart(fig: go.Figure, key: str, select: bool = False):
    """Draw a Plotly figure; with ``select``, return the clicked points (a rerun)."""
    config = {"displaylogo": False, "locale": "zh-CN" if current_lang() == "zh" else "en"}
    if select:
        return st.plotly_chart(fig, key=key, config=config, on_select="rerun", selection_mode="points")
    st.plotly_chart(fig, key=key, config=config)
    return None


def lazy_tabs(key: str, panels: list[tuple[str, Callable[[], None]]]) -> None:
    """Tabs that build only the open panel.  Every Plotly figure and data grid costs the
    browser its drawing on each visit (issue 18: most of a click's wait), so hidden panels
    are not sent at all; switching a tab reruns the page, or only the fragment it is in.
    A label no longer offered (the language changed) falls back to the first tab.
    A link with ``print=1`` (a report's picture, printing) gets the whole page instead:
    every panel under its label, one after another."""
    if st.session_state.get("_whole"):
        for label, draw in panels:
            st.markdown(f"#### {fmt.md(label)}")
            with guarded():
                draw()
        return
    tabs = st.tabs([label for label, _ in panels], key=key, on_change="rerun")
    for tab, (_, draw) in zip(tabs, panels):
        if tab.open:
            with tab, guarded():  # a tab's rerun runs outside the page's own guard
                draw()


def empty_state(view: View) -> bool:
    """Show the right hint and return True when there is nothing to show."""
    if not view.has_data():
        st.info(i18n.t("common.empty_db", view.lang))
        return True
    return False


@contextmanager
def guarded():
    """A page body that fails shows one friendly line, never a traceback."""
    try:
        yield
    except (reg.MetricError, ValueError, store.StoreError) as e:
        st.error(t("common.error", msg=fmt.md(str(e))))
    except Exception as e:  # noqa: BLE001 - last line of defence for the UI
        log.exception("page failed")
        st.error(t("common.error", msg=type(e).__name__))
