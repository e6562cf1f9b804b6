"""Sign-in as a web app, in real Chromium: a deep link survives the form, a second tab and
a reload stay signed in, sign-out ends every tab, and the page calls nothing outside."""

from __future__ import annotations

import shutil

import pytest

from cockpit import auth, store
from tests.browser.conftest import _need_chromium
from tests.serving import serving

PW = "correct horse 1"


@pytest.fixture(scope="module")
def signed_server(demo_db, tmp_path_factory):
    _need_chromium()
    db = tmp_path_factory.mktemp("signin") / "demo.duckdb"
    shutil.copy(demo_db, db)
    con = store.connect(db)
    auth.create_user(con, "boss", PW, "admin")
    auth.create_user(con, "yunshang", PW, "brand_manager", ["云裳"])
    con.close()
    with serving(db) as (url, _):
        yield url


def test_deep_link_sign_in_second_tab_and_sign_out(browser, signed_server, artifacts):
    ctx = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN", timezone_id="Asia/Shanghai")
    outside: list[str] = []
    ctx.on("request", lambda r: r.url.startswith(("http://", "https://")) and not r.url.startswith(signed_server)
           and outside.append(r.url))
    page = ctx.new_page()
    deep = f"{signed_server}/sessions?brand=云裳&compare=yoy"
    page.goto(deep)
    page.wait_for_selector("form[action='/signin']")
    assert "/signin?next=" in page.url
    page.screenshot(path=str(artifacts / "signin_form_zh.png"))
    page.fill("#username", "yunshang")
    page.fill("#password", "wrong password")
    page.click("button[type=submit]")
    assert "用户名或密码错误" in page.inner_text(".msg")
    page.fill("#password", PW)
    page.click("button[type=submit]")
    page.wait_for_selector("text=当前用户：yunshang", timeout=60_000)
    assert "/sessions" in page.url and "compare=yoy" in page.url  # back where the link pointed
    page.wait_for_selector("[data-testid='stDataFrame']", timeout=60_000)
    page.wait_for_timeout(1500)
    page.screenshot(path=str(artifacts / "signin_deep_link_zh.png"))
    # a second tab (a shared link) is signed in too
    tab2 = ctx.new_page()
    tab2.goto(f"{signed_server}/live")
    tab2.wait_for_selector("text=当前用户：yunshang", timeout=60_000)
    # the sign-out form ends the session everywhere
    tab2.click("button.cockpit-signout")
    tab2.wait_for_selector("form[action='/signin']")
    assert "已退出登录" in tab2.inner_text(".msg")
    page.reload()
    page.wait_for_selector("form[action='/signin']")
    assert outside == [], outside  # nothing fetched from outside the app (fonts, icons, beacons)
    ctx.close()
