"""直播明细 page through AppTest on a copy of the tiny group (figures by hand, see conftest)."""

import pytest

from cockpit import store
from tests.apptest_util import app_test, june_params, open_page, open_tab, tiny_copy  # noqa: F401  (fixtures)


pytestmark = pytest.mark.engines  # every page on the tiny group in DuckDB and in chDB
PAGE = "views/sessions.py"


def _open(app_test, db, **params):
    return open_page(june_params(app_test(db), **params), PAGE)


def _by_key(at, key):
    """The drawn frame of a selectable table (the only ones AppTest gives a key)."""
    for df in at.dataframe:
        if getattr(df, "key", None) == key:
            return df.value
    raise AssertionError(f"no dataframe {key}")


def _with_column(at, column):
    """The first drawn table that has ``column``."""
    for df in at.dataframe:
        if column in df.value.columns:
            return df.value
    raise AssertionError(f"no table with column {column!r}")


def test_sessions_list_shows_hand_figures(app_test, tiny_copy):  # noqa: F811
    at = _open(app_test, tiny_copy)
    df = _by_key(at, "tbl_sessions")
    assert df["直播场次ID"].tolist() == ["L4", "L3", "L2", "L1"]
    assert df["直播成交金额 (元)"].tolist() == [250.0, 150.0, 300.0, 300.0]
    assert df["观看人数"].tolist() == [800, 100, 200, 400]
    assert "共 4 场" in [c.value for c in at.caption]
    assert any(m.value == "**直播成交金额前 10 场**" for m in at.markdown)
    assert not at.error and not at.warning


def test_sidebar_brand_filter_changes_the_list(app_test, tiny_copy):  # noqa: F811
    at = _open(app_test, tiny_copy)
    at.sidebar.multiselect(key="w_brand").select("云裳").run()
    assert not at.exception
    df = _by_key(at, "tbl_sessions")
    assert df["直播场次ID"].tolist() == ["L3"]
    assert df["直播成交金额 (元)"].tolist() == [150.0]
    assert at.query_params.get("brand") == ["云裳"] or at.query_params.get("brand") == "云裳"


def test_text_filter(app_test, tiny_copy):  # noqa: F811
    at = _open(app_test, tiny_copy)
    at.text_input(key="w_sessions_search").input("龙井").run()
    assert _by_key(at, "tbl_sessions")["直播场次ID"].tolist() == ["L1"]
    assert "共 1 场" in [c.value for c in at.caption]


def test_link_with_live_id_opens_the_detail(app_test, tiny_copy):  # noqa: F811
    at = _open(app_test, tiny_copy, live="L1")
    assert "场次详情：龙井开春专场" in [s.value for s in at.subheader]
    labels = {m.label: m.value for m in at.metric}
    assert labels["直播成交金额"] == "¥300" and labels["观看人数"] == "400" and labels["最高在线"] == "120"
    # the detail's sections are tabs; the first, 分钟曲线, is open and the others are not built
    assert [t.label for t in at.tabs] == ["分钟曲线", "转化漏斗与流量来源", "投放、退款发货与商品", "与前几场对比"]
    assert "session_curves" in _chart_keys(at) and "session_funnel" not in _chart_keys(at)
    assert not any("环节" in df.value.columns for df in at.dataframe)
    _every_table_downloads(at)

    open_tab(at, "w_session_tab", "转化漏斗与流量来源")
    funnel = _with_column(at, "环节")
    assert funnel["人数"].tolist() == [400, 300, 100, 2]
    traffic = _with_column(at, "流量来源")
    assert dict(zip(traffic["流量来源"], traffic["流量来源成交金额 (元)"])) == {"推荐": 150.0, "川流分销": 100.0, "短视频引流": 50.0}
    assert {"session_funnel", "session_traffic"} <= _chart_keys(at) and "session_curves" not in _chart_keys(at)
    _every_table_downloads(at)

    open_tab(at, "w_session_tab", "投放、退款发货与商品")
    ads = _with_column(at, "投放ROI").iloc[0]
    assert (ads["投放消耗 (元)"], ads["投放ROI"]) == (100.0, 2.5)
    q = _with_column(at, "48小时发货率 (%)").iloc[0]
    assert (q["退款率 (%)"], q["48小时发货率 (%)"]) == (16.67, 50.0)
    _every_table_downloads(at)

    open_tab(at, "w_session_tab", "与前几场对比")
    hist = _with_column(at, "场次")
    assert hist["场次"].tolist() == ["本场", "五月茶会", "前 1 场平均"]
    assert "场次详情：龙井开春专场" in [s.value for s in at.subheader]  # the head stays above the tabs
    _every_table_downloads(at)


def _chart_keys(at) -> set[str]:
    return {c.key for c in at.get("plotly_chart")}


def _every_table_downloads(at):
    assert len(at.get("download_button")) == 2 * (len(at.dataframe) + 1)  # CSV and XLSX, and of the cards


def test_close_detail_keeps_list(app_test, tiny_copy):  # noqa: F811
    at = _open(app_test, tiny_copy, live="L2")
    assert "场次详情：大红袍品鉴" in [s.value for s in at.subheader]
    at.button(key="w_close_detail").click().run()
    assert not at.exception
    assert not [s.value for s in at.subheader if s.value.startswith("场次详情")]
    assert "live" not in at.query_params


def test_link_to_a_session_outside_the_filters(app_test, tiny_copy):  # noqa: F811
    at = _open(app_test, tiny_copy, live="L1", brand="云裳")
    assert any("L1" in w.value for w in at.warning)


def test_english(app_test, tiny_copy):  # noqa: F811
    at = _open(app_test, tiny_copy, lang="en")
    df = _by_key(at, "tbl_sessions")
    assert list(df.columns[:3]) == ["Title", "Account", "Account type"]
    assert "4 sessions" in [c.value for c in at.caption]


def test_no_sessions_in_the_period(app_test, tiny_copy):  # noqa: F811
    at = app_test(tiny_copy)
    at.query_params.update(period="custom", start="2025-01-01", end="2025-01-31")
    at.run()
    at.switch_page(PAGE)
    at.run()
    assert not at.exception
    assert any("没有直播场次" in i.value for i in at.info)


def test_empty_database_shows_the_empty_state(app_test, tmp_path):  # noqa: F811
    path = tmp_path / "empty.duckdb"
    store.connect(path).close()
    at = app_test(path)
    at.run()
    at.switch_page(PAGE)
    at.run()
    assert not at.exception
    assert any("cockpit demo" in i.value for i in at.info)
