"""直播复盘 in headless Chromium on the demo group, 1440 px wide, in Chinese and English;
and the way there from 直播明细's session detail.  Screenshots go to test-artifacts/."""

import re

import pytest

from tests.browser.test_pages import ERROR_TEXTS, settle

WIDTH, HEIGHT = 1440, 5400  # the review is long; Streamlit scrolls inside the page, so the viewport holds it all


@pytest.fixture
def tall_page(browser):
    ctx = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT}, locale="zh-CN", timezone_id="Asia/Shanghai")
    pg = ctx.new_page()
    yield pg
    ctx.close()


def charts_drawn(page, at_least: int) -> None:
    page.wait_for_function(
        "n => { const c = document.querySelectorAll('[data-testid=\"stPlotlyChart\"]');"
        " return c.length >= n && [...c].every(e => e.querySelector('.main-svg')); }", arg=at_least, timeout=90_000)
    page.wait_for_timeout(1500)


_PICKED: dict[str, str] = {}


def pick_session(page, server) -> str:
    """Open the review page and pick an official room's session in the picker; its id."""
    page.goto(f"{server}/review")
    settle(page)
    box = page.locator('[data-testid="stSelectbox"]').filter(has_text="选择场次")
    box.locator("input").click()
    page.keyboard.type("官方直播间")
    page.wait_for_timeout(500)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"live=L\d+"), timeout=60_000)
    settle(page)
    _PICKED[server] = re.search(r"live=(L\d+)", page.url).group(1)
    return _PICKED[server]


def no_errors(page, name: str) -> str:
    assert page.locator('[data-testid="stException"]').count() == 0
    body = page.inner_text("body")
    for text in ERROR_TEXTS + ["None"]:
        assert text not in body, f"{name}: {text!r} on the page"
    return body


def open_tab(page, name: str, charts: int) -> str:
    """Click a tab of the review and wait for its charts; the page's text."""
    page.get_by_role("tab", name=name).click()
    settle(page)
    if charts:
        charts_drawn(page, charts)
    return no_errors(page, name)


def test_review_of_a_demo_session_in_chinese_and_english(tall_page, server, artifacts):
    page = tall_page
    lid = pick_session(page, server)
    charts_drawn(page, 2)  # funnel and benchmarks: the first tab; the others are built when opened
    body = no_errors(page, "review zh")
    assert "直播复盘：" in body and "官方直播间" in body
    for text in ("曝光", "进入", "停留", "互动", "商品曝光", "商品点击", "成交", "最弱的三项", "诊断",
                 "同行同级均值", "本场相对同行同级均值", "观众画像", "流量来源"):
        assert text in body, text
    assert page.locator('[data-testid="stPlotlyChart"]').count() == 2
    # at least one finding with its figure and benchmark, and the weakest three in red
    assert page.locator('[data-testid="stAlertContentWarning"]').count() >= 1
    assert page.locator('[data-testid="stAlertContentError"]').count() == 3
    page.screenshot(path=str(artifacts / "review-zh.png"), full_page=True)
    charts = page.locator('[data-testid="stPlotlyChart"]')
    for i, part in enumerate(("funnel", "benchmarks")):  # close-ups to look at
        charts.nth(i).screenshot(path=str(artifacts / f"review-zh-{part}.png"))

    assert "讲解商品效果" in open_tab(page, "分钟曲线与讲解", 1)
    # 讲解 bands: shaded rectangles behind the minute curves, labelled with products
    bands = page.evaluate("() => document.querySelectorAll('.main-svg .shapelayer path').length")
    assert bands >= 3
    assert page.get_by_text("最弱的三项").count() == 1  # the head stays above the tabs
    page.locator('[data-testid="stPlotlyChart"]').first.screenshot(path=str(artifacts / "review-zh-curves.png"))
    open_tab(page, "观众画像", 3)
    page.screenshot(path=str(artifacts / "review-zh-audience.png"), full_page=True)
    open_tab(page, "流量来源与投放", 0)
    page.screenshot(path=str(artifacts / "review-zh-traffic.png"), full_page=True)

    page.goto(f"{server}/review?live={lid}&lang=en")
    settle(page)
    charts_drawn(page, 2)
    body = no_errors(page, "review en")
    for text in ("Live review: ", "Exposure → purchase funnel", "The three weakest metrics", "Diagnosis",
                 "peer median", "Audience portrait", "Traffic sources"):
        assert text in body, text
    page.screenshot(path=str(artifacts / "review-en.png"), full_page=True)
    assert "Products explained" in open_tab(page, "Minutes and products explained", 1)


def test_from_the_session_detail_to_its_review(tall_page, server, artifacts):
    page = tall_page
    lid = _PICKED.get(server) or pick_session(page, server)
    page.goto(f"{server}/sessions?live={lid}")
    settle(page)
    charts_drawn(page, 2)  # the minute curves (its first tab) and the top sessions
    assert "场次详情：" in page.inner_text("body")
    page.get_by_role("button", name="直播复盘").click()
    page.wait_for_url(re.compile(r"/review\?.*live=" + lid), timeout=60_000)
    settle(page)
    charts_drawn(page, 2)
    body = no_errors(page, "review from detail")
    assert "直播复盘：" in body
    page.screenshot(path=str(artifacts / "review-from-detail.png"), full_page=True)
