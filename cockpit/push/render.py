"""The page as a picture or PDF, exactly as it looks: Debian's Chromium (the browser the
browser tests use) driven by Playwright, on the real app.

Why the real page rather than Plotly's static export: a report then shows what the
reader would see when opening the page (cards, tables, captions, the chosen language),
with no second layout to keep in step, and it needs nothing a download would bring
(Kaleido fetches its own Chrome).  In the server, the app's own URL is
``$COCKPIT_BASE_URL``; a command-line send on a closed database starts a temporary
``cockpit serve`` on a free localhost port for the time of the picture.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import threading
import urllib.parse
import urllib.request
from pathlib import Path

log = logging.getLogger("cockpit.push")

CHROMIUM = os.environ.get("COCKPIT_CHROMIUM", "/usr/bin/chromium")
BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
WIDTH = 1280
TIMEOUT_MS = 90_000
# page id -> URL path of its Streamlit page (app/streamlit_app.py)
URL_PATHS = {"overview": "", "live": "live", "sessions": "sessions", "entities": "entities", "growth": "growth"}


class RenderError(Exception):
    pass


def available() -> bool:
    return Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is not None


def page_url(base: str, page: str, params: dict) -> str:
    q = urllib.parse.urlencode(params, doseq=True)
    return base.rstrip("/") + "/" + URL_PATHS[page] + (f"?{q}" if q else "")


def picture(url: str, kind: str = "png", lang: str = "zh", cookie: tuple[str, str] | None = None) -> tuple[bytes, str]:
    """A full-page PNG (or a one-page PDF) of ``url``, and the page's text (to check it
    is the page, not a sign-in form).  Runs in a thread of its own: Playwright's sync API
    refuses a thread that has an asyncio loop (Streamlit's)."""
    box: dict = {}

    def run():
        try:
            box["data"] = _shoot(url, kind, lang, cookie)
        except Exception as e:  # noqa: BLE001 - reported to the caller
            box["error"] = e

    t = threading.Thread(target=run, name="cockpit-push-render", daemon=True)
    t.start()
    t.join(TIMEOUT_MS / 1000 + 30)
    if "error" in box:
        raise RenderError(f"{type(box['error']).__name__}: {box['error']}".splitlines()[0])
    if "data" not in box:
        raise RenderError("the page did not finish drawing in time")
    return box["data"]


def _shoot(url: str, kind: str, lang: str, cookie) -> tuple[bytes, str]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        try:
            ctx = browser.new_context(viewport={"width": WIDTH, "height": 1000},
                                      locale="zh-CN" if lang == "zh" else "en-US", timezone_id="Asia/Shanghai")
            if cookie:
                ctx.add_cookies([{"name": cookie[0], "value": cookie[1], "url": url}])
            page = ctx.new_page()
            page.goto(url, timeout=TIMEOUT_MS)
            if urllib.parse.urlsplit(page.url).path.startswith("/signin"):
                raise RenderError("the server asked for a sign-in (the report's session was not accepted)")
            _settle(page)
            # Streamlit scrolls inside its main block: grow the window to the content
            height = page.evaluate(
                "() => { const m = document.querySelector('[data-testid=\"stMainBlockContainer\"]');"
                " return Math.ceil((m ? m.scrollHeight : document.body.scrollHeight) + 80); }")
            page.set_viewport_size({"width": WIDTH, "height": max(600, min(int(height), 12000))})
            page.wait_for_timeout(1200)  # charts redraw at the new size
            text = page.inner_text("body")
            if kind == "pdf":
                page.emulate_media(media="screen")
                return page.pdf(width=f"{WIDTH}px", height=f"{max(600, min(int(height), 12000))}px",
                                print_background=True), text
            return page.screenshot(full_page=True, type="png"), text
        finally:
            browser.close()


def _settle(page) -> None:
    # every page (and the sign-in prompt) starts with a title: the script has run that far
    page.wait_for_selector('[data-testid="stHeading"]', timeout=TIMEOUT_MS)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=TIMEOUT_MS)
    with contextlib.suppress(Exception):  # pages without charts (live) draw cards only
        page.wait_for_selector('[data-testid="stPlotlyChart"] .main-svg', timeout=8_000)
    page.wait_for_timeout(1500)  # data grids and charts draw after the run ends


@contextlib.contextmanager
def temporary_server(db: Path, seconds: float = 90):
    """``cockpit serve`` on a free localhost port for the time of the block (its own
    push scheduler off: this process does the sending)."""
    from cockpit import server

    try:
        with server.temporary(db, env={"COCKPIT_PUSH": "0", "COCKPIT_WARMUP": "0"}, seconds=seconds) as (url, _):
            yield url
    except server.ServerError as e:
        raise RenderError(str(e)) from None