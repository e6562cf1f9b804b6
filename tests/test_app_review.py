"""直播复盘 page through AppTest on a copy of the tiny group (figures by hand: conftest and
test_reports_review), in Chinese and English; reached from 直播明细's session detail."""

import pytest

from cockpit import store
from tests.apptest_util import app_test, june_params, open_page, open_tab, tiny_copy  # noqa: F401  (fixtures)


pytestmark = pytest.mark.engines  # every page on the tiny group in DuckDB and in chDB
PAGE = "views/review.py"


def _open(app_test, db, page=PAGE, **params):  # noqa: F811
    return open_page(june_params(app_test(db), **params), page)


def _with_column(at, column):
    for df in at.dataframe:
        if column in df.value.columns:
            return df.value
    raise AssertionError(f"no table with column {column!r}")


def _texts(at) -> list[str]:
    """Every text the page shows outside tables (markdown, captions, cards, callouts)."""
    out = [x.value for kind in ("markdown", "caption", "subheader", "title", "error", "warning", "info", "success")
           for x in getattr(at, kind)]
    out += [m.label for m in at.metric] + [str(m.value) for m in at.metric]
    return out


def _no_none_anywhere(at):
    assert not any("None" in t for t in _texts(at)), [t for t in _texts(at) if "None" in t]
    for df in at.dataframe:
        assert df.proto.placeholder == "—"  # a missing number shows "—"
        for col in df.value.columns:
            if df.value[col].dtype == object:
                assert not any(v is None or v == "None" for v in df.value[col]), col


def test_review_of_l1_in_chinese(app_test, tiny_copy):  # noqa: F811
    at = _open(app_test, tiny_copy, live="L1")
    assert "直播复盘：龙井开春专场" in [s.value for s in at.subheader]
    m = {x.label: x.value for x in at.metric}
    assert (m["直播成交金额"], m["观看人数"], m["人均观看时长"], m["观看成交率"], m["UV价值"]) == (
        "¥300", "400", "1分00秒", "0.5%", "¥0.75")
    captions = " ".join(c.value for c in at.caption)
    assert "茶叶 · 同行同级 T1 近30天直播成交 1万以下" in captions and "2025-06-01 ~ 2025-06-30" in captions
    assert "本场开播前 90 天内已下播的 1 场" in captions
    weakest = [e.value for e in at.error]
    assert weakest == ["**曝光进入率** 20.0%，为同行同级均值 30.0% 的 66.7%",
                       "**千次观看成交额** ¥300，为同行同级均值 ¥400 的 75.0%",
                       "**人均观看时长** 1分00秒，为同行同级均值 1分15秒 的 80.0%"]
    findings = [w.value for w in at.warning]
    assert len(findings) == 3 and findings[0].startswith("**曝光进入率** 20.0%（同行同级均值 30.0%）：曝光进入率明显低于同行同级")
    # the first tab, 漏斗与对标, is open; the other tabs are not built until opened
    assert [t.label for t in at.tabs] == ["漏斗与对标", "分钟曲线与讲解", "观众画像", "流量来源与投放"]
    funnel = _with_column(at, "转化指标")
    assert funnel["环节"].tolist() == ["曝光", "进入", "停留", "互动", "商品曝光", "商品点击", "成交"]
    assert funnel["数值"].tolist() == [2000, 400, 60, 80, 300, 100, 2]
    bench = _with_column(at, "集团百分位")
    assert bench["最弱"].tolist()[:2] == ["最弱 1", "最弱 3"]
    assert len(at.get("plotly_chart")) == 2  # funnel, benchmarks
    assert not any("画像维度" in df.value.columns for df in at.dataframe)
    _every_table_downloads(at)
    _no_none_anywhere(at)

    open_tab(at, "w_review_tab", "分钟曲线与讲解")
    assert _with_column(at, "讲解期间该商品订单数")["讲解期间该商品订单数"].tolist() == [0, 1]
    assert len(at.get("plotly_chart")) == 1  # the minute curves
    assert "直播复盘：龙井开春专场" in [s.value for s in at.subheader] and len(at.error) == 3  # head stays
    _every_table_downloads(at)

    open_tab(at, "w_review_tab", "观众画像")
    assert _with_column(at, "画像维度")["观看人数"].sum() == 3 * 400  # three dimensions, each the whole room
    assert len(at.get("plotly_chart")) == 3  # gender, fans, age
    _every_table_downloads(at)

    open_tab(at, "w_review_tab", "流量来源与投放")
    assert not at.get("plotly_chart")
    assert _with_column(at, "流量来源") is not None and _with_column(at, "投放ROI") is not None
    _every_table_downloads(at)
    _no_none_anywhere(at)


def _every_table_downloads(at):
    assert len(at.get("download_button")) == 2 * len(at.dataframe)  # CSV and Excel


def test_review_in_english(app_test, tiny_copy):  # noqa: F811
    at = _open(app_test, tiny_copy, live="L1", lang="en")
    assert "Live review: 龙井开春专场" in [s.value for s in at.subheader]
    assert _with_column(at, "Step rate")["Step"].tolist()[:3] == ["Exposure", "Entry", "Stay"]
    assert [e.value.split("**")[1] for e in at.error] == ["Exposure-to-entry rate", "GPM", "Avg. watch time"]
    assert at.warning[0].value.startswith("**Exposure-to-entry rate** 20.0% (peer median 30.0%): Far fewer")
    open_tab(at, "w_review_tab", "Audience portrait")
    assert _with_column(at, "Dimension")["Group"].tolist()[:2] == ["Female", "Male"]
    _no_none_anywhere(at)


def test_a_session_with_missing_figures_shows_dashes(app_test, tiny_copy):  # noqa: F811
    # L3: no exposures, no watch time, no explanations, no audience, no ads
    at = _open(app_test, tiny_copy, live="L3")
    assert "直播复盘：夏日连衣裙" in [s.value for s in at.subheader]
    assert {x.label: x.value for x in at.metric}["人均观看时长"] == "—"
    assert any("没有触发任何诊断规则" in s.value for s in at.success)
    _no_none_anywhere(at)
    open_tab(at, "w_review_tab", "分钟曲线与讲解")
    assert any("没有讲解记录" in i.value for i in at.info)
    _no_none_anywhere(at)
    open_tab(at, "w_review_tab", "观众画像")
    assert any("没有观众画像" in i.value for i in at.info)
    _no_none_anywhere(at)


def test_without_a_session_the_period_is_listed_and_the_picker_switches(app_test, tiny_copy):  # noqa: F811
    at = _open(app_test, tiny_copy)
    lst = _with_column(at, "直播场次ID")
    assert lst["直播场次ID"].tolist() == ["L4", "L3", "L2", "L1"]
    at = _open(app_test, tiny_copy, live="L1")
    at.selectbox(key="w_review_pick").set_value("L2").run()
    assert not at.exception
    assert "直播复盘：大红袍品鉴" in [s.value for s in at.subheader]
    assert at.query_params.get("live") in ("L2", ["L2"])
    at.button(key="w_review_back").click().run()
    assert "live" not in at.query_params and _with_column(at, "直播场次ID").shape[0] == 4


def test_a_session_outside_scope_or_filters(app_test, tiny_copy):  # noqa: F811
    at = _open(app_test, tiny_copy, live="L1", brand="云裳")
    assert any("L1" in w.value for w in at.warning)
    assert not [s.value for s in at.subheader if s.value.startswith("直播复盘：")]


def test_from_the_session_detail_to_its_review(app_test, tiny_copy):  # noqa: F811
    at = _open(app_test, tiny_copy, page="views/sessions.py", live="L4")
    assert "场次详情：小鹿好物夜" in [s.value for s in at.subheader]
    # the detail's ROI of a session without ads reads "—", not "None"
    open_tab(at, "w_session_tab", "投放、退款发货与商品")
    ads = _with_column(at, "投放ROI")
    assert ads["投放ROI"].isna().all()
    assert all(df.proto.placeholder == "—" for df in at.dataframe)
    at.button(key="w_open_review").click().run()
    assert not at.exception
    assert "直播复盘：小鹿好物夜" in [s.value for s in at.subheader]
    assert [w.value.split("**")[1] for w in at.warning] == ["人均观看时长", "人均观看时长", "曝光进入率", "观看成交率"]


def test_empty_database(app_test, tmp_path):  # noqa: F811
    path = tmp_path / "empty.duckdb"
    store.connect(path).close()
    at = app_test(path)
    at.query_params.update(live="L1")
    at.run()
    at.switch_page(PAGE)
    at.run()
    assert not at.exception
    assert any("cockpit demo" in i.value for i in at.info)
