"""The house of the pages (cockpit.ui) through the real app entry with AppTest on the
tiny group: links checked with notices, filters per page that narrow each other, the
table renderer, downloads that never rerun, cards in the language's colours."""

from cockpit import clock
from tests.apptest_util import app_test, june_params, open_page, tiny_copy  # noqa: F401  (fixtures)


def _warnings(at) -> str:
    return "\n".join(w.value for w in at.warning).replace("\\", "")  # values are escaped Markdown


def test_a_link_with_bad_values_names_each_and_still_shows_the_page(app_test, tiny_copy):  # noqa: F811
    at = app_test(tiny_copy)
    at.query_params.update(period="custom", start="2025-06-01", end="2099-12-31", store=["S1", "S9"],
                           compare="mom", grain="hour")
    at.run()
    assert not at.exception and not at.error
    text = _warnings(at)
    today = clock.today().isoformat()
    assert f"结束日期 2099-12-31 晚于今天，已按截至今天（{today}）计算" in text
    assert "链接中的店铺「S9」不存在或不在你的数据权限内，已忽略" in text
    assert "对比方式「mom」无法识别" in text and "趋势粒度「hour」无法识别" in text
    assert at.query_params["store"] in ("S1", ["S1"]) and at.query_params["end"] in (today, [today])


def test_a_store_outside_the_chosen_brand_is_named_and_dropped(app_test, tiny_copy):  # noqa: F811
    at = june_params(app_test(tiny_copy), brand="云裳", store=["S1", "S3"])
    at.run()
    assert "链接中的店铺「山野茶官方旗舰店」不属于所选的其他筛选条件，已忽略" in _warnings(at)
    assert at.sidebar.multiselect(key="w_store").value == ["S3"]


def test_filters_narrow_each_other(app_test, tiny_copy):  # noqa: F811
    at = june_params(app_test(tiny_copy))
    at.run()
    assert at.sidebar.multiselect(key="w_store").options == ["云裳经销B店", "山野茶官方旗舰店", "山野茶经销A店"]
    at.sidebar.multiselect(key="w_brand").set_value(["云裳"]).run()
    assert at.sidebar.multiselect(key="w_store").options == ["云裳经销B店"]
    assert at.sidebar.multiselect(key="w_account").options == ["经销B直播间"]  # D1 never sold 云裳
    at.sidebar.multiselect(key="w_brand").set_value(["山野茶"]).run()
    at.sidebar.multiselect(key="w_store").set_value(["S2"]).run()
    # S2's own account A2, and D1, the distributor that sold S2's goods (O5)
    assert sorted(at.sidebar.multiselect(key="w_account").options) == ["经销A直播间", "达人小鹿"]
    at.sidebar.multiselect(key="w_agency").set_value(["星河"]).run()
    assert at.sidebar.multiselect(key="w_account").options == ["达人小鹿"]


def test_each_page_shows_the_controls_that_apply_to_it(app_test, tiny_copy):  # noqa: F811
    at = june_params(app_test(tiny_copy))
    at.run()
    keys = lambda: {w.key for w in at.sidebar if getattr(w, "key", None)}  # noqa: E731
    assert {"w_period", "w_compare", "w_grain", "w_brand", "w_channel"} <= keys()
    at.switch_page("views/live.py").run()
    assert not {"w_period", "w_compare", "w_grain", "w_channel"} & keys() and "w_brand" in keys()
    at.switch_page("views/sessions.py").run()
    assert "w_period" in keys() and not {"w_compare", "w_grain", "w_channel"} & keys()
    at.switch_page("views/workbench.py").run()
    assert not {k for k in keys() if k.startswith("w_") and k != "w_lang"}
    at.switch_page("views/overview.py").run()
    assert at.query_params["start"] in ("2025-06-01", ["2025-06-01"])  # the period stayed in the link meanwhile


def test_downloads_never_rerun_and_carry_their_context(app_test, tiny_copy):  # noqa: F811
    at = open_page(june_params(app_test(tiny_copy), brand="山野茶"), "views/sessions.py")
    buttons = {b.key: b for b in at.get("download_button")}
    csv, xlsx = buttons["dl_sessions"], buttons["dlx_sessions"]
    assert csv.proto.ignore_rerun and xlsx.proto.ignore_rerun  # a click downloads, the page stays
    assert csv.proto.deferred_file_id or csv.proto.url  # made when clicked
    assert at.session_state["_page"] == "sessions"


def test_cards_follow_the_language_convention_and_explain_the_metric(app_test, tiny_copy):  # noqa: F811
    from streamlit.proto.Metric_pb2 import Metric

    at = june_params(app_test(tiny_copy))
    at.run()
    cards = {m.label: m for m in at.metric}
    gmv = cards["成交金额"]  # June 1,250 against May 500: up, red in Chinese
    assert gmv.delta == "+150.0%" and gmv.proto.direction == Metric.UP and gmv.proto.color == Metric.RED
    assert "实付金额之和" in gmv.help and "对比期 2025-05-01 ~ 2025-05-31: ¥500" in gmv.help.replace("\\", "")
    assert cards["内容场占比"].proto.color == Metric.GRAY  # zero-sum: neither good nor bad
    at.sidebar.segmented_control(key="w_lang").set_value("en").run()
    cards = {m.label: m for m in at.metric}
    assert cards["GMV"].proto.color == Metric.GREEN and cards["GMV"].help.replace("\\", "").startswith("sum(paid_amount)")
    refund = cards["Refund rate"]  # June 130/1,250 = 10.4% against May 0%: up, and bad
    assert refund.proto.direction == Metric.UP and refund.proto.color == Metric.RED


def test_no_flat_change_shows_a_sign(app_test, tiny_copy):  # noqa: F811
    at = app_test(tiny_copy)
    at.query_params.update(period="custom", start="2025-06-01", end="2025-06-30", compare="none")
    at.run()
    assert at.metric and not any(m.delta for m in at.metric)


def test_no_link_reaches_an_error_screen(app_test, tiny_copy):  # noqa: F811
    """Generated links (Hypothesis) through the real entry: the page runs, whatever the
    parameters say (the selection's own property test covers many more links)."""
    import os

    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from tests.test_selection import _KEYS, _VALUE

    pages = ["views/overview.py", "views/sessions.py", "views/entities.py", "views/live.py"]

    @settings(max_examples=int(os.environ.get("COCKPIT_PROPERTY_APP_EXAMPLES", "12")), deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(params=st.dictionaries(_KEYS, _VALUE, max_size=6), page=st.sampled_from(pages))
    def check(params, page):
        at = app_test(tiny_copy)
        at.query_params.update({k: v for k, v in params.items() if v not in ([], "")})
        at.run()
        at.switch_page(page).run()
        assert not at.exception, (params, page, [e.value for e in at.exception])
        assert not [e.value for e in at.error if "出错了" in e.value], (params, page)

    check()
