"""Real headless Chromium against a real `cockpit serve` on a small demo database.

Debian's chromium only (never a browser download). Without it the browser tests skip
with a clear message, except in CI (`CI` set), where a missing browser is a failure.
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


@pytest.fixture(scope="session")
def server(demo_db):
    _need_chromium()
    with serving(demo_db) as (url, _):
        yield url


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


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
