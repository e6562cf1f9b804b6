"""The app's own HTTP routes beside Streamlit: sign-in, sign-out, the API, the CLI hand-over.

All of them run their database work on a worker thread through a cursor of the server's
one connection (cockpit.service.runtime), never on the event loop.
"""

from __future__ import annotations

import html
import io
import json
import logging
import zipfile
from urllib.parse import quote, urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from cockpit import ask, auth, csvout, i18n, store, tokens, websession
from cockpit.errors import UsageError
from cockpit.service import handover, runtime

log = logging.getLogger("cockpit.service")
LOCAL_CLIENTS = {"127.0.0.1", "::1", "localhost"}
NO_STORE = {"Cache-Control": "no-store"}


def client_address(request: Request) -> str:
    return request.client.host if request.client else "?"


def is_local(request: Request) -> bool:
    return client_address(request) in LOCAL_CLIENTS


async def _db(fn, *args, **kw):
    """Run ``fn(cursor, ...)`` on a worker thread with a fresh cursor of the server's connection."""
    rt = runtime.current()
    if rt is None:
        raise store.StoreError("the cockpit is starting or stopping; try again in a moment")

    def work():
        cur = rt.cursor()
        try:
            return fn(cur, *args, **kw)
        finally:
            cur.close()

    return await run_in_threadpool(work)


# ------------------------------------------------------------------ sign-in pages

def safe_next(target: str | None) -> str:
    """Only a path on this site (no scheme, no //host): the form must not send people elsewhere."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _lang(request: Request) -> str:
    lang = request.query_params.get("lang")
    if lang in ("zh", "en"):
        return lang
    accept = request.headers.get("accept-language", "zh").lower()
    return "en" if accept.startswith("en") else "zh"


def signin_page(lang: str, next_: str, message: str = "", name: str = "", status: int = 200) -> HTMLResponse:
    L = lambda k: html.escape(i18n.t(k, lang))  # noqa: E731
    other = "en" if lang == "zh" else "zh"
    msg = f'<p class="msg" role="alert">{html.escape(message)}</p>' if message else ""
    body = f"""<!doctype html>
<html lang="{'zh-CN' if lang == 'zh' else 'en'}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{L("auth.signin_title")}</title>
<style>
 body{{font-family:"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",system-ui,sans-serif;background:#f6f7f9;
   margin:0;display:flex;min-height:100vh;align-items:center;justify-content:center;color:#31333f}}
 form{{background:#fff;padding:2rem 2.2rem;border-radius:12px;box-shadow:0 2px 16px rgba(0,0,0,.08);width:min(360px,88vw)}}
 h1{{font-size:1.35rem;margin:0 0 1.2rem}} label{{display:block;font-size:.9rem;margin:.8rem 0 .3rem}}
 input{{width:100%;box-sizing:border-box;padding:.55rem .7rem;border:1px solid #ccd;border-radius:8px;font-size:1rem}}
 button{{margin-top:1.3rem;width:100%;padding:.6rem;border:0;border-radius:8px;background:#E8483B;color:#fff;
   font-size:1rem;cursor:pointer}}
 .msg{{background:#fdecea;color:#a12622;padding:.6rem .8rem;border-radius:8px;font-size:.9rem}}
 .lang{{display:block;text-align:right;font-size:.85rem;margin-top:1rem;color:#666}}
</style></head><body>
<form method="post" action="/signin">
 <h1>{L("auth.signin_title")}</h1>{msg}
 <input type="hidden" name="next" value="{html.escape(next_)}">
 <input type="hidden" name="lang" value="{lang}">
 <label for="username">{L("auth.user")}</label>
 <input id="username" name="username" autocomplete="username" value="{html.escape(name)}" required autofocus>
 <label for="password">{L("auth.password")}</label>
 <input id="password" name="password" type="password" autocomplete="current-password" required>
 <button type="submit">{L("auth.sign_in")}</button>
 <a class="lang" href="/signin?{html.escape(urlencode({"lang": other, "next": next_}))}">{"English" if lang == "zh" else "中文"}</a>
</form></body></html>"""
    return HTMLResponse(body, status_code=status, headers=NO_STORE)


async def signin(request: Request) -> Response:
    lang = _lang(request)
    if request.method == "GET":
        next_ = safe_next(request.query_params.get("next"))
        if not await _db(auth.sign_in_required):
            return RedirectResponse(next_, status_code=303)
        msg = i18n.t("auth.signed_out", lang) if request.query_params.get("bye") else ""
        return signin_page(lang, next_, msg)
    form = await request.form()
    lang = form.get("lang") if form.get("lang") in ("zh", "en") else lang
    next_ = safe_next(form.get("next"))
    name, password = str(form.get("username") or ""), str(form.get("password") or "")

    def check(cur):
        user = auth.sign_in(cur, name.strip(), password, client=client_address(request))
        return websession.issue(cur, user.username, client=client_address(request))

    try:
        cookie = await _db(check)
    except auth.AuthError as e:
        return signin_page(lang, next_, e.message(lang), name, status=401)
    resp = RedirectResponse(next_, status_code=303, headers=NO_STORE)
    resp.set_cookie(websession.COOKIE, cookie, httponly=True, samesite="lax", path="/",
                    secure=request.url.scheme == "https")
    return resp


async def signout(request: Request) -> Response:
    await _db(websession.end, request.cookies.get(websession.COOKIE))
    resp = RedirectResponse(f"/signin?lang={_lang(request)}&bye=1", status_code=303, headers=NO_STORE)
    resp.delete_cookie(websession.COOKIE, path="/")
    return resp


# ------------------------------------------------------------------ API

class ApiRefused(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def api_user(cur, request: Request) -> auth.User:
    """Who is calling: a Bearer token once sign-in is on; local mode answers localhost only."""
    header = request.headers.get("authorization", "")
    bearer = header[7:].strip() if header.lower().startswith("bearer ") else None
    if not auth.sign_in_required(cur):
        if bearer is None and not is_local(request):
            raise ApiRefused(401, "local mode answers requests from this machine only; sign-in is off")
        return auth.LOCAL_USER
    user = tokens.resolve(cur, bearer) if bearer else None
    if user is None:
        raise ApiRefused(401, "send Authorization: Bearer <token> (create one with `cockpit token add USER`)")
    return user


def _multi(request: Request, key: str) -> list[str]:
    return request.query_params.getlist(key)


def _api_error(e: Exception) -> JSONResponse:
    if isinstance(e, ApiRefused):
        headers = {"WWW-Authenticate": 'Bearer realm="cockpit"', **NO_STORE} if e.status == 401 else NO_STORE
        return JSONResponse({"error": str(e)}, status_code=e.status, headers=headers)
    if isinstance(e, auth.AuthError):
        return JSONResponse({"error": str(e)}, status_code=403, headers=NO_STORE)
    return JSONResponse({"error": str(e)}, status_code=400, headers=NO_STORE)


async def api_query(request: Request) -> Response:
    qp = request.query_params
    fmt = qp.get("format", "json")

    def answer(cur):
        user = api_user(cur, request)
        rt = runtime.current()
        df = ask.metrics_frame(cur, _multi(request, "metrics"), _multi(request, "by"), period=qp.get("period"),
                               start=qp.get("from"), end=qp.get("to"), compare=qp.get("compare"),
                               where=_multi(request, "where"), labels=qp.get("labels") in ("1", "true"),
                               scope=user.scope, cache=rt.cache if rt else None)
        auth.audit(cur, user.username, "api.query", f"{request.url.path}?{request.url.query}")
        return df

    if fmt not in ("json", "csv"):
        return _api_error(UsageError("format: json or csv"))
    try:
        df = await _db(answer)
    except (ApiRefused, UsageError, ValueError, KeyError, auth.AuthError) as e:
        return _api_error(e)
    if fmt == "csv":
        return Response(csvout.to_csv_bytes(df), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="query.csv"', **NO_STORE})
    return Response(ask.to_json(df), media_type="application/json", headers=NO_STORE)


EXPORT_PARAMS = ("period", "compare", "brand", "store_type", "store", "account_type", "account", "agency",
                 "channel", "live", "entity")


async def api_export(request: Request) -> Response:
    qp = request.query_params
    page = request.path_params["page"]
    fmt = qp.get("format")
    lang = qp.get("lang", "zh") if qp.get("lang") in ("zh", "en") else "zh"
    params: dict = {k: (_multi(request, k) if len(_multi(request, k)) > 1 else qp.get(k))
                    for k in EXPORT_PARAMS if k in qp}
    if qp.get("from"):
        params["start"] = qp.get("from")
    if qp.get("to"):
        params["end"] = qp.get("to")

    def answer(cur):
        user = api_user(cur, request)
        rt = runtime.current()
        tables = ask.page_tables(cur, page, params, scope=user.scope, lang=lang, cache=rt.cache if rt else None)
        if qp.get("table"):
            chosen = [t for t in tables if t.name == qp.get("table")]
            if not chosen:
                raise UsageError(f"page {page} has no table {qp.get('table')!r}; its tables: "
                                 f"{', '.join(t.name for t in tables)}")
            tables = chosen
        auth.audit(cur, user.username, "api.export", f"{request.url.path}?{request.url.query}")
        return tables

    if fmt not in (None, "csv", "zip"):
        return _api_error(UsageError("format: csv (one table) or zip"))
    try:
        tables = await _db(answer)
    except (ApiRefused, UsageError, ValueError, KeyError, auth.AuthError) as e:
        return _api_error(e)
    if len(tables) == 1 and fmt != "zip":
        t = tables[0]
        return Response(t.csv_bytes(), media_type="text/csv; charset=utf-8", headers={
            "Content-Disposition": _attachment(t.file_name()), **NO_STORE})
    if fmt == "csv":
        return _api_error(UsageError(f"page {page} has {len(tables)} tables: ask for one with table=NAME "
                                     f"({', '.join(t.name for t in tables)}) or for format=zip"))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for t in tables:
            z.writestr(t.file_name(), t.csv_bytes())
    return Response(buf.getvalue(), media_type="application/zip",
                    headers={"Content-Disposition": _attachment(f"{page}.zip"), **NO_STORE})


def _attachment(name: str) -> str:
    ascii_name = name.encode("ascii", "replace").decode().replace("?", "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"


async def openapi(request: Request) -> Response:
    from cockpit.service import openapi as spec

    return JSONResponse(spec.document())


# ------------------------------------------------------------------ the CLI's hand-over

async def cli_handover(request: Request) -> Response:
    """Run a `cockpit` command inside this process for the CLI on this machine."""
    rt = runtime.current()
    if rt is None or not is_local(request) or not handover.secret_matches(
            request.headers.get(handover.SECRET_HEADER), rt.secret):
        return JSONResponse({"error": "forbidden"}, status_code=403)
    try:
        payload = json.loads(await request.body())
        argv = [str(a) for a in payload["argv"]]
    except (ValueError, KeyError, TypeError):
        return JSONResponse({"error": "bad request"}, status_code=400)
    result = await run_in_threadpool(handover.run_here, argv, str(payload.get("stdin") or ""), rt)
    return JSONResponse(result, headers=NO_STORE)


def routes() -> list[Route]:
    return [
        Route("/signin", signin, methods=["GET", "POST"]),
        Route("/signout", signout, methods=["GET", "POST"]),
        Route("/api/v1/query", api_query, methods=["GET"]),
        Route("/api/v1/export/{page}", api_export, methods=["GET"]),
        Route("/api/v1/openapi.json", openapi, methods=["GET"]),
        Route(handover.PATH, cli_handover, methods=["POST"]),
    ]
