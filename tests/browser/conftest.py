"""Real headless Chromium against a real `cockpit serve` on a small demo database.

Debian's chromium only (never a browser download). Without it the browser tests skip
with a clear message, except in CI (`CI` set), where a missing browser is a failure.

Two servers: ``server`` on a demo group (the pages as people see them, screenshots
under test-artifacts/), and ``tiny_server`` on the hand-made tiny group whose names and
titles carry Markdown and HTML aimed at a local beacon (``beacon``): nothing of it may
render or call out.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.serving import serving

CHROMIUM = os.environ.get("COCKPIT_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def _need_chromium():
    if Path(CHROMIUM).exists() or shutil.which(CHROMIUM):
        return
    msg = f"browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium fonts-noto-cjk)"
    if os.environ.get("CI"):
        pytest.fail(msg)
    pytest.skip(msg)


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("browser") / "demo.duckdb"
    subprocess.run([sys.executable, "-m", "cockpit.cli", "demo", "--db", str(path), "--orders", "30000"],
                   check=True, capture_output=True, timeout=300)
    return path


def _serve(db: Path):
    _need_chromium()
    with serving(db) as (url, _):
        yield url


@pytest.fixture(scope="session")
def server(demo_db):
    yield from _serve(demo_db)


class Beacon:
    """A local HTTP server that counts every request: an image or link that renders
    from planted markup would call it."""

    def __init__(self):
        import http.server
        import threading

        self.hits: list[str] = []
        hits = self.hits

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                hits.append(self.path)
                self.send_response(204)
                self.end_headers()

            def log_message(self, *a):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="session")
def beacon():
    b = Beacon()
    yield b
    b.close()


def payload(port: int) -> str:
    """Markup a hostile file, feed or link could carry: bold, a phishing link, an image
    and a raw HTML image aimed at the local beacon."""
    return (f"**x** [Sign in](http://evil.example/login) ![t](http://127.0.0.1:{port}/md.png) "
            f'<img src="http://127.0.0.1:{port}/html.png"> :red[red]')


@pytest.fixture(scope="session")
def tiny_markup_db(tmp_path_factory, beacon) -> Path:
    """The tiny group with the payload as a store name, an account name and session
    titles, and one session live now so the live page has a room."""
    import datetime as dt

    from cockpit import batches, clock, schema, store
    from tests.conftest import TINY, load_tiny

    path = tmp_path_factory.mktemp("markup") / "tiny.duckdb"
    con = store.connect(path)
    load_tiny(con)
    evil = payload(beacon.port)
    w = lambda t, rows: batches.write_batch(con, t, schema.frame(t, rows), file_name="markup")  # noqa: E731
    w("stores", [{**TINY["stores"][0], "store_name": evil}])
    w("accounts", [{**TINY["accounts"][0], "account_name": evil}])
    w("live_sessions", [{**TINY["live_sessions"][0], "title": evil}])
    now = clock.now().replace(second=0, microsecond=0)
    w("live_sessions", [dict(live_id="LX", account_id="A1", title=evil, started_at=now - dt.timedelta(minutes=20),
                             views=100, viewers=50, peak_online=30)])
    w("live_minutes", [dict(live_id="LX", minute=now - dt.timedelta(minutes=20 - i), online=30) for i in range(20)])
    con.close()
    return path


@pytest.fixture(scope="session")
def tiny_server(tiny_markup_db):
    yield from _serve(tiny_markup_db)


def inbox_of(db: Path) -> Path:
    return db.parent / f"{db.stem}.inbox"


def drop_into_inbox(db: Path, table: str, header: list[str], rows: list[list]) -> None:
    """A CSV for the running app's inbox, written whole then renamed (as the feed does)."""
    import csv
    import uuid

    folder = inbox_of(db)
    folder.mkdir(exist_ok=True)
    name = f"{table}-{uuid.uuid4().hex[:8]}.csv"
    tmp = folder / f".{name}.tmp"
    with open(tmp, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([header, *rows])
    tmp.rename(folder / name)


@pytest.fixture(scope="session")
def browser(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    ctx = browser.new_context(viewport={"width": 1440, "height": 3600}, locale="zh-CN", timezone_id="Asia/Shanghai")
    pg = ctx.new_page()
    yield pg
    ctx.close()


@pytest.fixture
def open_page(browser):
    """open_page(width, height, locale) -> a new page; every context closed after the test."""
    contexts = []

    def make(width=1440, height=3600, locale="zh-CN"):
        ctx = browser.new_context(viewport={"width": width, "height": height}, locale=locale,
                                  timezone_id="Asia/Shanghai", accept_downloads=True)
        contexts.append(ctx)
        return ctx.new_page()

    yield make
    for ctx in contexts:
        ctx.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
