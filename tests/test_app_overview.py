"""The overview page through the real app entry with Streamlit's AppTest on the tiny group."""

import pytest

from cockpit import store
from apptest_util import app_test, june_params, open_tab, tiny_copy  # noqa: F401  (fixtures)


pytestmark = pytest.mark.engines  # every page on the tiny group in DuckDB and in chDB

def card(at, label):
    return next(m.value for m in at.metric if m.label == label)


def test_overview_shows_hand_figures_and_follows_sidebar_filters(app_test, tiny_copy):  # noqa: F811
    at = june_params(app_test(tiny_copy))
    at.run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert card(at, "成交金额") == "¥1,250"  # June 2025, fmt drops .00 on whole yuan
    assert card(at, "成交订单数") == "8"
    assert card(at, "客单价") == "¥250"
    gmv = next(m for m in at.metric if m.label == "成交金额")
    assert gmv.delta == "+150.0%"  # against May's 500
    # below the channel mix one tab is built at a time: the store leaderboard first
    tabs = [t.label for t in at.tabs]
    assert tabs == ["店铺 TOP10", "账号 TOP10", "商品 TOP10", "贡献构成", "粉丝与粉丝成交", "行业大盘与市场份额", "大促活动"]
    assert [d.value.columns[0] for d in at.dataframe] == ["场域", "店铺"]
    assert len(at.get("plotly_chart")) == 3  # trend, content/shelf donut, channel bars
    titles = set()
    for label in tabs:
        titles |= {d.value.columns[0] for d in open_tab(at, "w_overview_tab", label).dataframe}
        assert card(at, "成交金额") == "¥1,250"  # the head stays
    assert {"场域", "店铺", "账号类型", "账号", "商品", "人群", "类目"} <= titles
    open_tab(at, "w_overview_tab", "店铺 TOP10")
    at.sidebar.multiselect(key="w_brand").set_value(["云裳"]).run()
    assert not at.exception
    assert card(at, "成交金额") == "¥270"  # S3: O6 120 + O7 150
    assert at.query_params.get("brand") in ("云裳", ["云裳"])


def test_selecting_a_leaderboard_row_opens_the_store(app_test, tiny_copy):  # noqa: F811
    at = june_params(app_test(tiny_copy))
    at.run()
    # AppTest cannot click a dataframe row; set the selection state the click would set.
    at.session_state["tbl_top_stores"] = {"selection": {"rows": [1], "columns": [], "cells": []}}
    at.run()
    assert not at.exception
    assert at.title[0].value == "店号明细"
    assert at.subheader[0].value.endswith("S2")  # row 1 of S1 600 / S2 380 / S3 270
    assert card(at, "成交金额") == "¥380"


def test_english_and_no_market_note(app_test, tiny_copy):  # noqa: F811
    at = app_test(tiny_copy)
    at.query_params.update(period="custom", start="2025-05-01", end="2025-05-31", lang="en")
    at.run()
    assert not at.exception
    assert card(at, "GMV") == "¥500"  # O9 400 + O10 100
    open_tab(at, "w_overview_tab", "Market and market share")
    assert any("No market data" in i.value for i in at.info)
    open_tab(at, "w_overview_tab", "Campaigns")
    assert any("No campaign in this period" in i.value for i in at.info)


def test_empty_database_shows_the_empty_state(app_test, tmp_path):  # noqa: F811
    path = tmp_path / "empty.duckdb"
    store.connect(path).close()
    at = june_params(app_test(path))
    at.run()
    assert not at.exception
    assert any("cockpit demo" in i.value for i in at.info)
    assert not at.metric


def test_period_without_sales_shows_a_hint(app_test, tiny_copy):  # noqa: F811
    at = app_test(tiny_copy)
    at.query_params.update(period="custom", start="2025-01-01", end="2025-01-31")
    at.run()
    assert not at.exception and not at.error
    assert any("没有数据" in i.value for i in at.info)



def test_a_print_link_draws_every_tab_one_after_another(app_test, tiny_copy):  # noqa: F811
    """A report's picture (and printing) opens the page with print=1: the whole page."""
    at = june_params(app_test(tiny_copy), print="1")
    at.run()
    assert not at.exception, at.exception
    assert not at.tabs
    assert {"场域", "店铺", "账号类型", "账号", "商品", "人群", "类目"} <= {d.value.columns[0] for d in at.dataframe}
    shown = [m.value for m in at.markdown]
    for label in ("店铺 TOP10", "贡献构成", "粉丝与粉丝成交", "行业大盘与市场份额", "大促活动"):
        assert f"#### {label}" in shown, label
    assert "print" not in at.query_params  # the link is the selection's again
