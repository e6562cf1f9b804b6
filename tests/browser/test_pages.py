"""Every page of `cockpit serve` in headless Chromium, as an operator uses it.

Each page in Chinese and English at 1440 px and, from the same load, at a 390 px phone
width; the live wall at 1920x1080; a drill path clicked from the overview down to one
session; downloads; links that carry bad values; markup planted in names, titles,
links and search text.  Screenshots go to test-artifacts/ for people to look at.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from cockpit import clock
from tests.browser.conftest import drop_into_inbox

# page name -> URL path (the default page, overview, lives at the root)
PAGES = {"overview": "", "live": "live", "sessions": "sessions", "review": "review", "entities": "entities",
         "growth": "growth", "workbench": "workbench"}
TITLES = {"zh": {"overview": "生意总览", "live": "直播追踪", "sessions": "直播明细", "review": "直播复盘",
                 "entities": "店号明细", "growth": "增长抓手", "workbench": "企业工作台"},
          "en": {"overview": "Business overview", "live": "Live tracking", "sessions": "Live detail",
                 "review": "Live review", "entities": "Stores & accounts", "growth": "Growth levers",
                 "workbench": "Enterprise workbench"}}
ERROR_TEXTS = ["Traceback", "出错了", "Something went wrong", "Page not found", "StreamlitAPIException"]
LOCALE = {"zh": "zh-CN", "en": "en-US"}


def settle(page, timeout=60_000):
    """Wait until Streamlit has finished the script run and the charts are drawn."""
    page.wait_for_selector('[data-testid="stMain"]', timeout=timeout)
    page.wait_for_timeout(500)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout
    )
    page.wait_for_timeout(800)  # data grids and charts draw after the run ends
    if page.locator('[data-testid="stDataFrame"]').count():  # the first grid has drawn its cells
        page.wait_for_function("() => document.querySelector('[data-testid=stDataFrame] td')", timeout=timeout)


def no_error(page, what: str) -> str:
    assert page.locator('[data-testid="stException"]').count() == 0, what
    body = page.inner_text("body")
    for text in ERROR_TEXTS:
        assert text not in body, f"{what}: {text!r} on the page"
    return body


def grid_cells(page) -> list[str]:
    """The text of the table cells drawn so far (the grid's accessible copy)."""
    return page.evaluate("Array.from(document.querySelectorAll('[data-testid=stDataFrame] td')).map(t => t.textContent)")


def t_minus_1(days: int) -> tuple[str, str]:
    today = clock.today()
    return (today - dt.timedelta(days=days)).isoformat(), (today - dt.timedelta(days=1)).isoformat()


def rgb(page, locator) -> tuple[int, int, int]:
    color = locator.evaluate("e => getComputedStyle(e).color")
    return tuple(int(x) for x in re.findall(r"\d+", color)[:3])


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("name", PAGES)
def test_every_page_in_both_languages_at_desktop_and_phone_width(open_page, server, artifacts, name, lang):
    page = open_page(1440, 3000, LOCALE[lang])
    page.goto(f"{server}/{PAGES[name]}")
    settle(page)
    if name not in ("live", "workbench", "review"):  # rooms; tables; a session to pick
        page.wait_for_selector('[data-testid="stPlotlyChart"] .main-svg', timeout=60_000)
    body = no_error(page, f"{name} {lang}")
    assert TITLES[lang][name] in body
    assert "None" not in grid_cells(page)
    if name in ("overview", "sessions", "review", "entities", "growth"):  # T-1 by default
        start, end = t_minus_1(30)
        note = "（截至昨日，T-1）" if lang == "zh" else " (complete days to yesterday, T-1)"
        assert f"{start} ~ {end}{note}" in body, body[:800]
    if name == "overview":  # 红涨绿跌 in Chinese, green-up in English, on the GMV card's change
        delta = page.locator('[data-testid="stMetric"]').first.locator('[data-testid="stMetricDelta"]')
        r, g, _ = rgb(page, delta)
        if delta.inner_text().strip().lstrip("↑ ").startswith("+"):
            assert (r > g) if lang == "zh" else (g > r), (lang, r, g)
        else:
            assert (g > r) if lang == "zh" else (r > g), (lang, r, g)
    page.screenshot(path=str(artifacts / f"{name}-{lang}-1440.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 2400})
    page.wait_for_timeout(700)
    no_error(page, f"{name} {lang} phone")
    if name == "live":  # on a phone the drop-alert count, then the rooms, come first
        alert = page.locator('[data-card="live.card_dropping"]').bounding_box()
        rooms = page.locator(".ck-room")
        if rooms.count():
            assert alert["y"] < rooms.first.bounding_box()["y"]
            tables = page.locator('[data-testid="stDataFrame"]')
            if tables.count():
                assert rooms.first.bounding_box()["y"] < tables.first.bounding_box()["y"]
    page.screenshot(path=str(artifacts / f"{name}-{lang}-390.png"), full_page=True)


def test_overview_route_and_a_link_ending_after_today(open_page, server, artifacts):
    page = open_page(1440, 1600)
    page.goto(f"{server}/overview")
    settle(page)
    assert "生意总览" in no_error(page, "/overview")
    start = (clock.today() - dt.timedelta(days=10)).isoformat()
    page.goto(f"{server}/?period=custom&start={start}&end=2027-12-01&store=NOPE&compare=x")
    settle(page)
    body = no_error(page, "end after today")
    assert "结束日期 2027-12-01 晚于今天" in body and "「NOPE」不存在或不在你的数据权限内" in body
    assert "对比方式「x」无法识别" in body
    assert f"{start} ~ {clock.today().isoformat()}（今日截至" in body  # the range stops now
    page.screenshot(path=str(artifacts / "overview-link-notices.png"), full_page=True)


def charts_count(page, n: int) -> None:
    """Wait until exactly ``n`` charts are on the page, each drawn."""
    page.wait_for_function(
        "n => { const c = document.querySelectorAll('[data-testid=\"stPlotlyChart\"]');"
        " return c.length === n && [...c].every(e => e.querySelector('.main-svg')); }", arg=n, timeout=60_000)


def test_overview_lower_half_draws_one_tab_at_a_time(open_page, server, artifacts):
    page = open_page(1440, 2600)
    page.goto(f"{server}/")
    settle(page)
    charts_count(page, 3)  # trend, content/shelf, channels; the store leaderboard's tab is a table
    assert "店铺类型" in " ".join(grid_cells(page) + [page.inner_text("body")])
    for tab, charts, text in (("贡献构成", 5, "账号类型贡献"), ("粉丝与粉丝成交", 4, "粉丝 vs 非粉丝"),
                              ("行业大盘与市场份额", 6, "分类目市场份额"), ("账号 TOP10", 3, "账号 TOP10")):
        page.get_by_role("tab", name=tab).click()
        settle(page)
        charts_count(page, charts)
        body = no_error(page, tab)
        assert text in body, tab
        assert "成交金额趋势" in body and page.locator('[data-testid="stMetric"]').count() >= 12  # the head stays
        if tab in ("贡献构成", "行业大盘与市场份额"):
            page.screenshot(path=str(artifacts / f"overview-tab-{tab}.png"), full_page=True)


def click_first_row(page, table):
    """Select the first row of a data grid (its checkbox column)."""
    table.scroll_into_view_if_needed()
    box = table.bounding_box()
    page.mouse.click(box["x"] + 18, box["y"] + 35 + 17)


def test_drill_path_by_clicks_from_overview_to_one_session(open_page, server, artifacts):
    page = open_page(1440, 2400)
    page.goto(f"{server}/")
    settle(page)
    click_first_row(page, page.locator('[data-testid="stDataFrame"]').filter(has_text="店铺类型").first)
    settle(page)
    assert "/entities" in page.url and "entity=store" in page.url
    body = no_error(page, "store detail")
    assert "该店铺的账号" in body
    page.screenshot(path=str(artifacts / "drill-1-store.png"), full_page=True)
    click_first_row(page, page.locator('[data-testid="stDataFrame"]').first)  # its accounts
    settle(page)
    assert "entity=account" in page.url
    no_error(page, "account detail")
    page.screenshot(path=str(artifacts / "drill-2-account.png"), full_page=True)
    sessions = page.locator('[data-testid="stTabs"] [data-testid="stDataFrame"]').first  # 直播场次, the first tab
    click_first_row(page, sessions)
    settle(page)
    assert "/review" in page.url and "live=" in page.url  # the path ends at the session's review
    body = no_error(page, "session review")
    assert "直播复盘：" in body
    page.screenshot(path=str(artifacts / "drill-3-review.png"), full_page=True)


def test_sessions_chart_follows_the_search_and_opens_a_session(open_page, server, artifacts):
    page = open_page(1440, 2400)
    page.goto(f"{server}/sessions")
    page.wait_for_selector('[data-testid="stPlotlyChart"] .main-svg', timeout=60_000)
    settle(page)
    labels = page.locator('[data-testid="stPlotlyChart"] .ytick text').all_text_contents()
    word = next(w for w in ("福利", "上新", "专场") if any(w in x for x in labels) and not all(w in x for x in labels))
    page.get_by_label("搜索标题或账号").fill(word)
    page.keyboard.press("Enter")
    settle(page)
    after = page.locator('[data-testid="stPlotlyChart"] .ytick text').all_text_contents()
    assert after and all(word in x for x in after), after
    bar = page.locator('[data-testid="stPlotlyChart"] .bars .point path').first.bounding_box()
    page.mouse.click(bar["x"] + bar["width"] / 2, bar["y"] + bar["height"] / 2)
    settle(page)
    page.wait_for_selector('[data-testid="stTabs"] [data-testid="stPlotlyChart"] .main-svg', timeout=60_000)
    settle(page)  # the minute curves, the detail's first tab, are drawn
    assert page.locator('[data-testid="stPlotlyChart"]').count() == 2  # and the top sessions; other tabs wait
    assert "live=" in page.url and "场次详情：" in no_error(page, "bar click")
    detail = page.locator('[class*="st-key-session_detail"]').bounding_box()
    assert detail["y"] < page.locator('[data-testid="stDataFrame"]').last.bounding_box()["y"]  # above the list
    assert detail["y"] < 600  # visible without scrolling past a table
    page.screenshot(path=str(artifacts / "sessions-detail-zh-1440.png"), full_page=True)


def test_downloads_are_named_after_page_table_period_and_filters(open_page, server):
    page = open_page(1440, 2400)
    page.goto(f"{server}/sessions?brand=山野茶")
    settle(page)
    start, end = t_minus_1(30)
    buttons = page.locator('[class*="st-key-dl_sessions"] button, [class*="st-key-dlx_sessions"] button')
    with page.expect_download() as d:
        page.locator('[class*="st-key-dl_sessions"] button').click()
    download = d.value
    assert download.suggested_filename == f"直播明细_直播场次_{start}_{end}_山野茶.csv"
    data = open(download.path(), "rb").read()
    assert data.startswith(b"\xef\xbb\xbf") and "直播成交金额 (元)".encode() in data
    with page.expect_download() as d:
        page.locator('[class*="st-key-dlx_sessions"] button').click()
    assert d.value.suggested_filename == f"直播明细_直播场次_{start}_{end}_山野茶.xlsx"
    assert open(d.value.path(), "rb").read()[:2] == b"PK"  # a zip: the xlsx
    assert buttons.count() == 2
    no_error(page, "after downloads")


def test_live_wall_at_1920_marks_a_stopped_feed(open_page, server, demo_db, artifacts):
    """One room's feed stopped 16 minutes ago, another's is fresh: the first is grey
    with its age, the second not; five or six rooms to a row, no sidebar."""
    now = clock.now().replace(second=0, microsecond=0)
    fmt = "%Y-%m-%d %H:%M:%S"
    drop_into_inbox(demo_db, "live_sessions", ["live_id", "account_id", "title", "started_at"], [
        ["LWSTALE", "A001", "卡住的直播间", (now - dt.timedelta(minutes=60)).strftime(fmt)],
        ["LWFRESH", "A002", "正常的直播间", (now - dt.timedelta(minutes=30)).strftime(fmt)],
    ])
    drop_into_inbox(demo_db, "live_minutes", ["live_id", "minute", "online"],
                    [["LWSTALE", (now - dt.timedelta(minutes=60 - i)).strftime(fmt), 300] for i in range(45)]
                    + [["LWFRESH", (now - dt.timedelta(minutes=30 - i)).strftime(fmt), 200] for i in range(31)])
    page = open_page(1920, 1080)
    for _ in range(20):  # the app imports inbox files within about a second
        page.goto(f"{server}/live?wall=1")
        settle(page)
        if page.locator('[data-live="LWSTALE"]').count() and page.locator('[data-live="LWFRESH"]').count():
            break
    no_error(page, "wall")
    assert not page.locator('[data-testid="stSidebar"]').is_visible()
    stale = page.locator('[data-live="LWSTALE"]')
    assert "ck-stale" in stale.get_attribute("class")
    assert re.search(r"数据中断：最新数据 \d\d:\d\d，1[67] 分钟前", stale.inner_text())
    assert "ck-stale" not in page.locator('[data-live="LWFRESH"]').get_attribute("class")
    tops = [round(b["y"]) for b in (r.bounding_box() for r in page.locator(".ck-room").all())]
    per_row = tops.count(tops[0])
    assert 4 <= per_row <= 6 or len(tops) == per_row, tops
    assert page.locator(".ck-kpi").first.get_attribute("data-card") == "live.card_dropping"
    page.screenshot(path=str(artifacts / "live-wall-zh-1920.png"))
    page = open_page(1920, 1080, "en-US")
    page.goto(f"{server}/live?wall=1&lang=en")
    settle(page)
    assert "Feed stopped: latest data" in no_error(page, "wall en")
    page.screenshot(path=str(artifacts / "live-wall-en-1920.png"))


def test_no_markup_from_data_links_or_search_renders(open_page, tiny_server, beacon, artifacts):
    """The payload (bold, a phishing link, Markdown and HTML images aimed at a local
    beacon) sits in a store name, an account name and session titles, and comes in
    through link parameters and the search box: it must show as text everywhere."""
    from urllib.parse import quote

    from tests.browser.conftest import payload

    evil = quote(payload(beacon.port))
    june = "period=custom&start=2025-06-01&end=2025-06-30"
    urls = [  # each source once: link parameters, store / account names, session titles, the live feed
        f"/?{june}&store={evil}&brand={evil}&period={evil}", f"/entities?{june}",
        f"/entities?{june}&entity=store:S1", f"/entities?{june}&entity=store:{evil}",
        f"/sessions?{june}&live=L1", f"/sessions?{june}&live={evil}", f"/review?{june}&live=L1",
        "/live", "/live?wall=1", f"/growth?{june}",
    ]
    page = open_page(1440, 2400)
    rendered = ("() => document.querySelectorAll('a[href*=\"evil.example\"], img[src*=\"127.0.0.1\"]').length"
                " + Array.from(document.querySelectorAll('strong, b')).filter(e => e.textContent === 'x').length")
    for url in urls:
        page.goto(tiny_server + url)
        settle(page)
        no_error(page, url)
        assert page.evaluate(rendered) == 0, url
    page.goto(f"{tiny_server}/sessions?{june}")
    settle(page)
    page.get_by_label("搜索标题或账号").fill(payload(beacon.port))
    page.keyboard.press("Enter")
    settle(page)
    assert page.evaluate(rendered) == 0
    page.goto(f"{tiny_server}/entities?{june}&entity=store:S1")
    settle(page)
    shown = page.inner_text("body").replace("\u200b", "")  # an invisible break keeps URLs from linking
    assert "**x** [Sign in](http://evil.example/login)" in shown  # the name, shown as text
    page.screenshot(path=str(artifacts / "markup-as-text.png"), full_page=True)
    page.wait_for_timeout(500)
    assert beacon.hits == []
