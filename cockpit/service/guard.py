"""Every response gets security headers; a page load without a session goes to /signin.

Sending the browser to the sign-in form before Streamlit even loads is what makes a deep
link survive sign-in: the form returns to exactly the path and query that was asked for.
The page script checks the session again on every run (a session can end while a tab
is open), so this is the front door, not the only lock.
"""

from __future__ import annotations

import time
from http.cookies import SimpleCookie
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool

from cockpit.service import runtime

HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"SAMEORIGIN"),
    (b"referrer-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
    # no outside images, objects or form targets: an image planted in imported data or a
    # link cannot call out of the page (Streamlit itself needs only its own origin)
    (b"content-security-policy",
     b"frame-ancestors 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
     b"img-src 'self' data: blob:"),
]
# Streamlit's own and our non-page paths: never redirected
OPEN_PREFIXES = ("/_stcore", "/static", "/api/", "/signin", "/signout", "/media", "/component", "/app/static",
                 "/auth/", "/oauth2callback", "/favicon", "/robots.txt", "/~/")
SIGN_IN_CACHE_SECONDS = 2.0


class Guard:
    def __init__(self, app, oidc_configured=lambda: False):
        self.app = app
        self.oidc_configured = oidc_configured
        self._required: tuple[float, bool] = (0.0, False)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        if _is_page_load(scope):
            target = await self._sign_in_redirect(scope)
            if target is not None:
                return await _redirect(send, target)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                message = dict(message)
                message["headers"] = list(message.get("headers", [])) + [
                    (k, v) for k, v in HEADERS if k not in present]
            await send(message)

        await self.app(scope, receive, send_with_headers)

    async def _sign_in_redirect(self, scope) -> str | None:
        rt = runtime.current()
        if rt is None:
            return None
        cookies = _cookies(scope)
        if self.oidc_configured() and ("_streamlit_user" in cookies or b"sso=1" in scope.get("query_string", b"")):
            return None  # single sign-on: Streamlit's own flow, checked by the page script
        from cockpit import auth, websession

        def check():
            cur = rt.cursor()
            try:
                if not self._sign_in_required(cur, auth):
                    return True
                return websession.resolve(cur, cookies.get(websession.COOKIE)) is not None
            finally:
                cur.close()

        if await run_in_threadpool(check):
            return None
        back = scope.get("path", "/")
        if scope.get("query_string"):
            back += "?" + scope["query_string"].decode("latin-1")
        return f"/signin?next={quote(back, safe='')}"

    def _sign_in_required(self, cur, auth) -> bool:
        at, value = self._required
        if time.monotonic() - at > SIGN_IN_CACHE_SECONDS:
            value = auth.sign_in_required(cur)
            self._required = (time.monotonic(), value)
        return value


def _is_page_load(scope) -> bool:
    if scope.get("method") != "GET":
        return False
    path = scope.get("path", "/")
    if path.startswith(OPEN_PREFIXES):
        return False
    if "." in path.rsplit("/", 1)[-1]:  # a file (script, style, image)
        return False
    accept = dict(scope.get("headers", [])).get(b"accept", b"")
    return b"text/html" in accept or accept in (b"", b"*/*")


def _cookies(scope) -> dict[str, str]:
    raw = b"; ".join(v for k, v in scope.get("headers", []) if k == b"cookie").decode("latin-1")
    jar = SimpleCookie()
    try:
        jar.load(raw)
    except Exception:  # noqa: BLE001 - a malformed cookie header is no session
        return {}
    return {k: m.value for k, m in jar.items()}


async def _redirect(send, location: str) -> None:
    await send({"type": "http.response.start", "status": 303, "headers": [
        (b"location", location.encode("latin-1")), (b"cache-control", b"no-store"), (b"content-length", b"0"),
        *HEADERS]})
    await send({"type": "http.response.body", "body": b""})
