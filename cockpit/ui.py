"""The one Streamlit helper module of the core: connection, shared sidebar, cards, tables.

Pages in app/ stay thin: they call these helpers and the report functions in
cockpit.reports.  Nothing else in cockpit/ imports streamlit.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
import os
from contextlib import contextmanager
from pathlib import Path

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from cockpit import auth, clock, fmt, i18n, options, periods, query, store
from cockpit import metrics as reg
from cockpit.metrics import FILTER_DIMS
from cockpit.selection import GRAINS, Selection, lang_from_locale
from cockpit.tables import DisplayTable
from cockpit.view import View

log = logging.getLogger("cockpit.ui")

_LIST_KEYS = set(FILTER_DIMS)


@st.cache_resource(show_spinner=False)
def _open(path: str):
    """One connection per database file for the whole server process (DuckDB allows one
    writer process); each script run reads through its own cursor.

    Under `cockpit serve` the server's lifespan opened it and started the background work
    before anyone visited (cockpit.service.runtime).  A bare `streamlit run` or a page
    test has no lifespan: the first run opens the file and starts the work itself.
    """
    from cockpit.service import runtime

    rt = runtime.current()
    if rt is not None and rt.db == Path(path).resolve():
        return rt.con, rt.cache
    con = store.connect(path)
    from cockpit import inbox

    inbox.start_watcher(con, path)  # files dropped in the inbox are imported by this process
    cache = query.QueryCache()
    if os.environ.get("COCKPIT_WARMUP", "1") != "0":
        from cockpit import warmup

        warmup.start(con, cache)  # the landing view is ready before the first visitor asks
    return con, cache


def db_path() -> Path:
    return store.resolve_db_path(None)


def connection():
    con, cache = _open(str(db_path().resolve()))
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
    """Run at the top of every script run: language, sidebar filters, URL, the View."""
    if "_sel" not in st.session_state:
        st.session_state["_sel"] = _url_selection()
    sel: Selection = st.session_state["_sel"]
    lang = sel.lang or st.session_state.get("_lang") or lang_from_locale(_browser_locale())
    st.session_state["_lang"] = lang
    con, cache = connection()
    user = _signed_in_user(con, lang)
    view = View(con, sel, lang=lang, cache=cache, scope=user.scope)
    view = _sidebar(view)
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


def _sidebar(view: View) -> View:
    sel = view.sel
    lang = view.lang
    sb = st.sidebar
    choice = sb.segmented_control(
        i18n.t("app.lang", lang), ["zh", "en"], default=lang,
        format_func=lambda v: "中文" if v == "zh" else "English", key="w_lang",
    )
    if choice and choice != lang:
        lang = choice
        st.session_state["_lang"] = lang
    L = lambda k: i18n.t(k, lang)  # noqa: E731
    sb.header(L("filter.header"))
    period = sb.selectbox(
        L("filter.period"), periods.PRESETS, index=periods.PRESETS.index(sel.period),
        format_func=lambda p: L(f"period.{p}"), key="w_period",
    )
    start, end = sel.start, sel.end
    if period == "custom":
        default = sel.resolved_period(view.today)
        picked = sb.date_input(L("filter.range"), (default.start, default.end), key="w_range",
                               max_value=view.today + dt.timedelta(days=366))
        if isinstance(picked, (tuple, list)) and len(picked) == 2:
            start, end = picked
    compare = sb.radio(
        L("filter.compare"), periods.COMPARISONS, index=periods.COMPARISONS.index(sel.compare),
        format_func=lambda c: L(f"compare.{c}"), horizontal=True, key="w_compare",
    )
    grain = sb.radio(L("filter.grain"), GRAINS, index=GRAINS.index(sel.grain),
                     format_func=lambda g: L(f"grain.{g}"), horizontal=True, key="w_grain")
    opts = options.filter_options(view.con, view.scope, lang)
    picked_filters = {}
    for dim in FILTER_DIMS:
        choices = opts.get(dim, {})
        current = [v for v in getattr(sel, dim) if v in choices]
        picked_filters[dim] = tuple(
            sb.multiselect(
                i18n.label(dim, lang), list(choices), default=current,
                format_func=lambda v, c=choices: c.get(v, v), key=f"w_{dim}",
                placeholder=L("filter.all"),
            )
        )
    new = sel.replace(period=period, start=start if period == "custom" else None,
                      end=end if period == "custom" else None, compare=compare, grain=grain,
                      lang=lang if sel.lang or choice != lang_from_locale(_browser_locale()) else sel.lang,
                      **picked_filters)
    return set_selection(view, new)


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


def caption(view: View) -> None:
    p = view.period
    cmp = view.comparison_period
    if cmp is None:
        st.caption(i18n.t("common.period_only", view.lang, period=str(p)))
    else:
        label = i18n.t(f"compare.{view.sel.compare}", view.lang)
        st.caption(i18n.t("common.period_caption", view.lang, period=str(p), cmp=f"{label} {cmp}"))


def kpi_cards(view: View, row: dict, metric_ids: list[str], per_row: int = 4) -> None:
    """Metric cards with change against the comparison period (green is good)."""
    for i in range(0, len(metric_ids), per_row):
        cols = st.columns(per_row)
        for col, mid in zip(cols, metric_ids[i: i + per_row]):
            m = reg.metric(mid)
            delta = fmt.change(row.get(f"{mid}__pct"), row.get(f"{mid}__delta"), m.unit, view.lang)
            help_text = None
            if f"{mid}__cmp" in row:
                help_text = f"{i18n.t('common.comparison', view.lang)}: {fmt.value(row.get(mid + '__cmp'), m.unit, view.lang)}"
            col.metric(
                i18n.label(mid, view.lang), fmt.value(row.get(mid), m.unit, view.lang), delta,
                delta_color="normal" if m.higher_is_better else "inverse", help=help_text, border=True,
            )


STYLED_MAX_ROWS = 3000  # above this, pandas styling costs more than it is worth
_PRINTF = {"cny": "¥%,.2f", "pct": "%.1f%%", "hours": "%,.2f", "seconds": "%,.2f", "ratio": "%,.2f", "count": "%,d"}
_PY_FORMAT = {"cny": "¥{:,.2f}", "pct": "{:.1f}%", "hours": "{:,.2f}", "seconds": "{:,.2f}", "ratio": "{:,.2f}",
              "count": "{:,.0f}"}


def _styled(tbl: DisplayTable):
    """Numbers formatted like the cards, and "—" (never "None") where a value is missing.

    The cells keep their numeric values underneath, so columns still sort as numbers.
    """
    frame = _text_dashes(tbl.frame).to_pandas()  # numbers: null -> NaN, which the styler can label
    formats = {lab: _PY_FORMAT[unit] for lab, unit in tbl.units.items() if unit in _PY_FORMAT}
    return frame.style.format(formats, na_rep=fmt.DASH)


def _text_dashes(df: pl.DataFrame) -> pl.DataFrame:
    """Text and time cells: "—" where empty (st.dataframe prints null as "None").

    Times become "YYYY-MM-DD HH:MM" text, which still sorts in time order.
    """
    exprs = []
    for name, dtype in df.schema.items():
        col = pl.col(name)
        if dtype == pl.Datetime or isinstance(dtype, pl.Datetime):
            exprs.append(col.dt.strftime("%Y-%m-%d %H:%M").fill_null(fmt.DASH))
        elif dtype == pl.Date:
            exprs.append(col.dt.strftime("%Y-%m-%d").fill_null(fmt.DASH))
        elif dtype == pl.Utf8:
            exprs.append(col.fill_null(fmt.DASH))
    return df.with_columns(exprs) if exprs else df


def table(tbl: DisplayTable, select: bool = False, height: int | str = "auto"):
    """Draw a DisplayTable with its CSV download; return the selected row's key, if any."""
    st.markdown(f"**{tbl.title}**")
    if tbl.empty:
        st.info(t("common.empty"))
        return None
    # placeholder: a missing number shows "—", not "None" (the styler's na_rep does not reach empty cells)
    kw = dict(hide_index=True, height=height, key=f"tbl_{tbl.name}", placeholder=fmt.DASH)
    styled = tbl.frame.height <= STYLED_MAX_ROWS
    data = _styled(tbl) if styled else _text_dashes(tbl.frame)
    if not styled:  # big tables: number formats only; a missing number shows as "None"
        kw["column_config"] = {lab: st.column_config.NumberColumn(lab, format=_PRINTF[unit])
                               for lab, unit in tbl.units.items() if unit in _PRINTF}
    if select and tbl.key_column:
        event = st.dataframe(data, on_select="rerun", selection_mode="single-row", **kw)
    else:
        event = None
        st.dataframe(data, **kw)
    st.download_button(
        t("common.download"), tbl.csv_bytes(), file_name=tbl.file_name(), mime="text/csv",
        key=f"dl_{tbl.name}", icon=":material/download:", on_click=_audit_export, args=(tbl.name,),
    )
    if event is not None:
        rows = event.selection.rows
        if rows:
            return tbl.frame[tbl.key_column][rows[0]]
    return None


def _audit_export(name: str) -> None:
    view = current_view()
    auth.audit(view.con, current_user().username, "export", f"{name}.csv ({view.sel.to_params()})")


def chart(fig: go.Figure, key: str) -> None:
    st.plotly_chart(fig, key=key, config={"displaylogo": False, "locale": "zh-CN" if current_lang() == "zh" else "en"})


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
        st.error(t("common.error", msg=str(e)))
    except Exception as e:  # noqa: BLE001 - last line of defence for the UI
        log.exception("page failed")
        st.error(t("common.error", msg=type(e).__name__))
