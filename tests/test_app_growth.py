"""增长抓手 page through AppTest on a copy of the tiny group (figures by hand, see conftest)."""

import pytest

import datetime as dt

from cockpit import batches, schema, store
from tests.apptest_util import app_test, june_params, open_page, tiny_copy  # noqa: F401  (fixtures)


pytestmark = pytest.mark.engines  # every page on the tiny group in DuckDB and in chDB
PAGE = "views/growth.py"


def _open(app_test, db, page=PAGE, **params):
    return open_page(june_params(app_test(db), **params), page)


def _tab(at, key):
    """Open one tab of the page (tabs are lazy: only the open one queries and draws)."""
    from cockpit import i18n

    at.session_state["w_growth_tab"] = i18n.t(f"growth.tab.{key}", "zh")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _with_column(at, column):
    """The first drawn table that has ``column``."""
    for df in at.dataframe:
        if column in df.value.columns:
            return df.value
    raise AssertionError(f"no table with column {column!r}")


def _group_row(at, group):
    df = _with_column(at, "场域")
    df = df[df["场域"] == group]
    assert len(df) == 1, df
    return df.iloc[0]


def _metric(at, label):
    for m in at.metric:
        if m.label == label:
            return m.value
    raise AssertionError(f"no card {label!r}: {[m.label for m in at.metric]}")


def test_page_shows_hand_figures(app_test, tiny_copy):  # noqa: F811
    at = _open(app_test, tiny_copy)
    assert not at.error
    shelf = _group_row(at, "货架场")
    # June 2025 shelf: mall 50 + search 120 = 170; June 2024: O11 625 -> -72.8 %
    assert shelf["成交金额 (元)"] == 170.0 and shelf["去年同期成交金额 (元)"] == 625.0
    assert shelf["同比 (%)"] == -72.8
    assert not any("开通前自播成交" in df.value.columns for df in at.dataframe)  # other tabs stay unqueried
    before_after = _with_column(_tab(at, "chuanliu"), "开通前自播成交 (元)")
    # S1: 川流 from L1 (June 1); today lies long after, so both windows are 30 days:
    # before May 2-31 (O9 400), after June 1-30 (O1 + O2 300)
    assert before_after[["店铺ID", "开通前自播成交 (元)", "开通后自播成交 (元)", "增幅 (%)"]].values.tolist() == \
        [["S1", 400.0, 300.0, -25.0]]
    linkage = _with_column(_tab(at, "linkage"), "短视频引流成交占比 (%)")
    assert linkage["账号ID"].tolist()[:1] == ["D1"]
    assert "引流进房最多的短视频" in "".join(m.value for m in at.markdown)


def test_sidebar_filter_changes_the_figures(app_test, tiny_copy):  # noqa: F811
    at = _open(app_test, tiny_copy)
    at.sidebar.multiselect(key="w_brand").select("云裳").run()
    assert not at.exception
    shelf = _group_row(at, "货架场")
    assert shelf["成交金额 (元)"] == 120.0  # 云裳: O6 search only; O10 is May
    assert _group_row(at, "内容场")["成交金额 (元)"] == 150.0  # O7
    # no 川流 store in 云裳: the before/after view says so
    _tab(at, "chuanliu")
    assert any("没有店铺开通川流" in i.value for i in at.info)


def test_score_threshold_flags_more_entities(app_test, tiny_copy):  # noqa: F811
    con = store.connect(tiny_copy)
    batches.write_batch(con, "scores_daily", schema.frame("scores_daily", [
        dict(date=dt.date(2025, 6, 2), entity_id="A3", score_type="creator_reputation", score=3.5),
        dict(date=dt.date(2025, 6, 2), entity_id="S3", score_type="store_experience", score=4.1),
    ]), file_name="t")
    con.close()
    at = _tab(_open(app_test, tiny_copy), "scores")
    assert _with_column(at, "主体ID")["主体ID"].tolist() == ["A3"]
    at.number_input(key="w_score_threshold").set_value(4.2).run()
    assert not at.exception
    assert _with_column(at, "主体ID")["主体ID"].tolist() == ["A3", "S3"]


def test_view_as_agency_sets_the_filter_for_every_page(app_test, tiny_copy):  # noqa: F811
    at = _open(app_test, tiny_copy, page="views/overview.py")
    assert _metric(at, "成交金额") == "¥1,250"
    at.switch_page(PAGE).run()
    at.selectbox(key="w_growth_agency").select("星河").run()
    assert not at.exception, [e.value for e in at.exception]
    _tab(at, "agency")
    assert at.sidebar.multiselect(key="w_agency").value == ["星河"]
    assert at.query_params.get("agency") in (["星河"], "星河")
    agency = _with_column(at, "千次观看成交额 (元)")  # the agency's accounts
    assert agency["账号ID"].tolist() == ["D1"] and agency["成交金额 (元)"].tolist() == [330.0]
    at.switch_page("views/overview.py").run()
    assert not at.exception
    assert _metric(at, "成交金额") == "¥330"  # D1: O5 80 + O8 250
    # back to the whole group
    at.switch_page(PAGE).run()
    at.selectbox(key="w_growth_agency").select("").run()
    assert at.sidebar.multiselect(key="w_agency").value == []
    at.switch_page("views/overview.py").run()
    assert _metric(at, "成交金额") == "¥1,250"
