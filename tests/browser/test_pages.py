"""Every page of `cockpit serve` on demo data in headless Chromium: charts drew, no error.

A screenshot per page is saved under test-artifacts/ for people to look at.
"""

import datetime as dt
import re

import pytest

# page name -> URL path (the default page, overview, lives at the root)
PAGES = {"overview": "", "live": "live", "sessions": "sessions", "entities": "entities", "growth": "growth"}
ERROR_TEXTS = ["Traceback", "出错了", "Something went wrong", "Page not found"]


def settle(page, timeout=60_000):
    """Wait until Streamlit has finished the script run and the charts are drawn."""
    page.wait_for_selector('[data-testid="stSidebar"]', timeout=timeout)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout
    )
    page.wait_for_timeout(1500)  # data grids and charts draw after the run ends


@pytest.mark.parametrize("name", PAGES)
def test_page_draws_without_error(page, server, artifacts, name):
    page.goto(f"{server}/{PAGES[name]}")
    settle(page)
    charts = page.locator('[data-testid="stPlotlyChart"]')
    if name != "live":  # live tracking may legitimately show cards only
        page.wait_for_selector('[data-testid="stPlotlyChart"] .main-svg', timeout=60_000)
        assert charts.count() >= 1
    assert page.locator('[data-testid="stException"]').count() == 0
    body = page.inner_text("body")
    for text in ERROR_TEXTS:
        assert text not in body, f"{name}: {text!r} on the page"
    page.screenshot(path=str(artifacts / f"page-{name}.png"), full_page=True)


def test_english_switch_and_url_filters(page, server, artifacts):
    page.goto(f"{server}/?lang=en&period=last_7&compare=yoy")
    settle(page)
    page.wait_for_selector('[data-testid="stPlotlyChart"] .main-svg', timeout=60_000)
    body = page.inner_text("body")
    assert "Business overview" in body
    # the caption names the period and the comparison the link asked for
    m = re.search(r"(\d{4}-\d\d-\d\d) ~ (\d{4}-\d\d-\d\d) \(complete days to yesterday, T-1\), "
                  r"compared with Same period last year", body)
    assert m, body[:500]
    start, end = (dt.date.fromisoformat(x) for x in m.groups())
    assert (end - start).days == 6
    assert "period=last_7" in page.url and "compare=yoy" in page.url
    page.screenshot(path=str(artifacts / "page-overview-en.png"), full_page=True)
