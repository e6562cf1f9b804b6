"""预警与推送 through Streamlit's AppTest on a real database file, sending to a real
local receiver."""


import pytest
from streamlit.testing.v1 import AppTest

from cockpit import auth, clock, store
from cockpit.push import channels, rules
from tests.apptest_util import signed_in
from tests.conftest import APP
from tests.push_receivers import HOOK_SECRET, WECOM_KEY, receiver  # noqa: F401

PW = "correct horse 1"


@pytest.fixture
def db(app_db):
    return app_db


def _open(lang="zh", user=None, db=None):
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update(period="custom", start="2025-06-01", end="2025-06-30", lang=lang)
    if user is not None:
        signed_in(at, db, user)
    at.run()
    at.switch_page("views/alerts.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _all_text(at) -> str:
    parts = [m.value for m in at.markdown] + [e.value for e in at.error] + [s.value for s in at.success]
    parts += [i.value for i in at.info] + [c.value for c in at.caption]
    for df in at.dataframe:
        parts.append(df.value.to_string())
    return "\n".join(str(p) for p in parts)


def test_local_mode_channels_rules_and_the_log(db, receiver):
    at = _open()
    assert [t.label for t in at.tabs] == ["推送渠道", "预警规则", "直播预警", "定时报告", "发送记录"]
    assert "还没有推送渠道" in _all_text(at)
    # add a channel: the secret is never shown again
    at.text_input(key="p_ch_name").input("运营群")
    at.selectbox(key="p_ch_kind").select("webhook")
    at.text_input(key="p_ch_url").input(receiver.webhook + "?token=abcdef0123456789")
    at.text_input(key="p_ch_secret").input(HOOK_SECRET)
    at.button(key="p_ch_save").click().run()
    assert not at.exception
    text = _all_text(at)
    assert "已保存「运营群」" in text and "已设置" in text
    assert HOOK_SECRET not in text and "abcdef0123456789" not in text
    # test-send it
    at.button(key="p_ch_test").click().run()
    assert "「运营群」发送成功" in _all_text(at)
    [m] = receiver.of("webhook")
    assert m.body["title"] == "【测试】品牌驾驶舱推送"
    # a metric rule with the sidebar's period as context
    at.text_input(key="p_r_name").input("日成交")
    at.selectbox(key="p_r_metric").select("gmv")
    at.selectbox(key="p_r_op").select("<")
    at.number_input(key="p_r_value").set_value(1000.0)
    at.selectbox(key="p_r_period").select("last_30")
    at.multiselect(key="p_r_to").select("运营群")
    at.button(key="p_r_save").click().run()
    assert not at.exception and "已保存「日成交」" in _all_text(at)
    assert "成交金额 · 近30天 < ¥1,000" in _all_text(at)
    at.button(key="p_r_test").click().run()
    assert receiver.of("webhook")[-1].body["title"] == "【测试】日成交"
    at.selectbox(key="p_r_for").select(0)
    at.button(key="p_r_pause").click().run()
    assert "已暂停" in _all_text(at)
    # live alerts for own accounts
    at.multiselect(key="p_l_types").select("own")
    at.multiselect(key="p_l_to").select("运营群")
    at.checkbox(key="p_l_quiet").check()
    at.button(key="p_l_save").click().run()
    assert not at.exception
    con = store.connect(db)
    made = {r.name: (r.kind, r.spec) for r in rules.list_all(con)}
    con.close()
    assert made["开播提醒·直营账号"] == ("live_start", {"where": {"account_type": ["own"]}})
    assert made["直播无成交·直营账号"] == ("no_orders", {"where": {"account_type": ["own"]}, "minutes": 15})
    assert "掉量预警·直营账号" in made
    # the delivery log
    log = at.dataframe[-1].value
    assert list(log["来源"]) == ["测试", "测试"] and list(log["状态"]) == ["已发送", "已发送"]


def test_a_scheduled_report_from_the_page_uses_the_sidebar(db, receiver):
    con = store.connect(db)
    channels.add(con, "hook", "webhook", receiver.webhook, HOOK_SECRET)
    con.close()
    at = _open()
    at.text_input(key="p_rep_name").input("六月日报")
    at.selectbox(key="p_rep_format").select("csv")
    at.multiselect(key="p_rep_to").select("hook")
    at.button(key="p_rep_save").click().run()
    assert not at.exception and "已保存「六月日报」" in _all_text(at)
    assert "每天 09:00" in _all_text(at)
    at.button(key="p_rep_send").click().run()
    assert not at.exception
    [m] = receiver.of("webhook")
    assert "成交金额 ¥1,250 · 环比 +150.0% · 同比 +100.0%" in m.body["lines"]  # June, from the sidebar link


def test_english_page(db):
    at = _open(lang="en")
    assert [t.label for t in at.tabs] == ["Channels", "Alert rules", "Live alerts", "Scheduled reports", "Delivery log"]
    assert "No channels yet" in _all_text(at)


def test_others_see_only_their_own_rules(db, receiver):
    con = store.connect(db)
    auth.create_user(con, "boss", PW, "admin")
    auth.create_user(con, "dealer_b", PW, "store_operator", ["S3"])
    channels.add(con, "boss-hook", "webhook", receiver.webhook, HOOK_SECRET, owner="boss")
    channels.add(con, "b-wecom", "wecom", receiver.wecom, owner="dealer_b")
    now = clock.now()
    rules.add_metric_rule(con, "集团成交", "gmv", "<", 1, to=["boss-hook"], owner="boss", now=now)
    rules.add_metric_rule(con, "B店成交", "gmv", "<", 1, to=["b-wecom"], owner="dealer_b", now=now)
    con.close()
    at = _open(user="dealer_b", db=db)
    text = _all_text(at)
    assert "B店成交" in text and "b-wecom" in text
    assert "集团成交" not in text and "boss-hook" not in text and WECOM_KEY not in text
    boss = _open(user="boss", db=db)
    text = _all_text(boss)
    assert "B店成交" in text and "集团成交" in text
