"""Alert rules on the tiny group (figures by hand in tests/conftest.py), evaluated by
push.tick with the project's clock passed in, delivered to real local receivers."""

import datetime as dt

import pytest

from cockpit import auth, batches, push, schema, store
from cockpit.push import channels, delivery, rules
from tests.conftest import D, _order
from tests.push_receivers import HOOK_SECRET, add_all_channels, mailbox, receiver, texts  # noqa: F401

T = dt.datetime


def _sent(con, source="alert"):
    return store.fetchall(con, "SELECT source_name, channel, status, attempts FROM push_deliveries "
                          "WHERE source = ? ORDER BY id", [source])


def _hook(con, receiver):
    channels.add(con, "hook", "webhook", receiver.webhook, HOOK_SECRET)


def test_a_breached_rule_sends_one_signed_message_per_channel_naming_each_breach(tiny_con, receiver, mailbox):
    names = add_all_channels(tiny_con, receiver)
    now = T(2025, 6, 11, 10, 0)
    rules.add_metric_rule(tiny_con, "店铺成交偏低", "gmv", "<", 300, period="last_7", by="store", to=names, now=now)
    push.tick(tiny_con, now)
    assert receiver.rejected == []
    got = texts(receiver, mailbox)
    # last 7 days, complete days (T-1: 06-04..06-10): S1 250 (O8), S3 120 + 150 = 270; S2 sold nothing in it
    for platform, msgs in got.items():
        assert len(msgs) == 1, platform
        assert "山野茶官方旗舰店：成交金额 ¥250" in msgs[0] and "云裳经销B店：成交金额 ¥270" in msgs[0], platform
        assert "经销A店" not in msgs[0]
        assert "2025-06-04" in msgs[0] and "2025-06-10" in msgs[0]
    assert [m.body["msgtype"] for m in receiver.of("wecom")] == ["markdown"]  # an alert has no picture
    assert [s[2] for s in _sent(tiny_con)] == ["sent"] * 5

    # running again (new tick, same data) does not repeat the same breach
    push.tick(tiny_con, now + dt.timedelta(minutes=1))
    push.tick(tiny_con, now + dt.timedelta(minutes=30))
    assert push.run_alerts(tiny_con, now + dt.timedelta(minutes=31)) == {"店铺成交偏低": []}
    assert len(receiver.messages) == 4 and len(mailbox.mails) == 1 and len(_sent(tiny_con)) == 5


def test_a_rule_that_holds_sends_nothing(tiny_con, receiver):
    _hook(tiny_con, receiver)
    now = T(2025, 6, 11, 10, 0)
    rules.add_metric_rule(tiny_con, "大单", "gmv", ">", 10000, period="last_7", to=["hook"], now=now)
    rules.add_metric_rule(tiny_con, "退款率", "refund_rate", ">", 10, period="last_30", to=["hook"], now=now)
    push.tick(tiny_con, now)
    assert receiver.messages == [] and _sent(tiny_con) == []


def test_a_rate_threshold_is_written_in_percent(tiny_con, receiver):
    _hook(tiny_con, receiver)
    now = T(2025, 6, 11, 10, 0)
    # last 30 days (05-13..06-11): gmv 1250 (June) + 100 (O10) = 1350, refunds 50 + 80 = 130 -> 9.63 %
    rules.add_metric_rule(tiny_con, "退款率", "refund_rate", ">", 9, period="last_30", to=["hook"], now=now)
    push.tick(tiny_con, now)
    [m] = receiver.of("webhook")
    assert "全部（所选范围）：退款率 9.6%" in m.body["text"]
    assert "退款率 · 近30天 > 9.0%" in m.body["text"]


def test_again_only_after_it_cleared(tiny_con, receiver):
    _hook(tiny_con, receiver)
    rules.add_metric_rule(tiny_con, "今日成交偏低", "gmv", "<", 100, period="today", to=["hook"],
                          now=T(2025, 6, 1, 0, 0))
    seen = []
    for now in [T(2025, 6, 1, 21), T(2025, 6, 2, 12), T(2025, 6, 2, 18), T(2025, 6, 3, 14), T(2025, 6, 4, 10)]:
        push.tick(tiny_con, now)
        seen.append(len(receiver.messages))
    # 06-01 300 holds; 06-02 50 breaches; still 50 at 18:00: not again; 06-03 380 clears; 06-04 0 breaches again
    assert seen == [0, 1, 1, 1, 2]
    assert "成交金额 ¥50" in receiver.messages[0].body["text"]
    assert "成交金额 ¥0" in receiver.messages[1].body["text"]


def test_again_after_the_repeat_interval(tiny_con, receiver):
    _hook(tiny_con, receiver)
    rules.add_metric_rule(tiny_con, "r", "gmv", "<", 100, period="today", to=["hook"], repeat_minutes=60,
                          now=T(2025, 6, 2, 0, 0))
    seen = []
    for now in [T(2025, 6, 2, 12), T(2025, 6, 2, 12, 30), T(2025, 6, 2, 12, 59), T(2025, 6, 2, 13, 0)]:
        push.tick(tiny_con, now)
        seen.append(len(receiver.messages))
    assert seen == [1, 1, 1, 2]


def test_drop_percent_against_the_previous_period(tiny_con, receiver):
    _hook(tiny_con, receiver)
    rules.add_metric_rule(tiny_con, "昨日掉量", "gmv", "drop%", 50, period="yesterday", to=["hook"],
                          now=T(2025, 6, 2, 0, 0))
    push.tick(tiny_con, T(2025, 6, 2, 9))  # 06-01 300 vs 05-31 0: no previous figure, no drop
    assert receiver.messages == []
    push.tick(tiny_con, T(2025, 6, 3, 9))  # 06-02 50 vs 06-01 300: -83.3 %
    push.tick(tiny_con, T(2025, 6, 4, 9))  # 06-03 380 vs 06-02 50: a rise
    [m] = receiver.of("webhook")
    assert "成交金额 ¥50，环比 -83.3%（对比期 ¥300）" in m.body["text"]
    assert "环比下降 ≥ 50%" in m.body["text"]


def test_a_failing_channel_is_retried_with_back_off_and_logged(tiny_con, receiver):
    add_all_channels(tiny_con, receiver)
    receiver.fail["dingtalk"] = (2, "code")
    t0 = T(2025, 6, 2, 12, 0)
    rules.add_metric_rule(tiny_con, "r", "gmv", "<", 100, period="today", to=["钉钉运营群", "ops-hook"], now=t0)
    push.tick(tiny_con, t0)
    assert _sent(tiny_con) == [("r", "钉钉运营群", "retrying", 1), ("r", "ops-hook", "sent", 1)]
    push.tick(tiny_con, t0 + dt.timedelta(seconds=30))  # back-off (1 min) not over
    assert _sent(tiny_con)[0][2:] == ("retrying", 1)
    push.tick(tiny_con, t0 + dt.timedelta(minutes=1))  # attempt 2 fails: next in 5 min
    row = store.fetchall(tiny_con, "SELECT status, attempts, next_attempt_at, error FROM push_deliveries WHERE id = 1")[0]
    assert row[:3] == ("retrying", 2, t0 + dt.timedelta(minutes=6))
    assert row[3] == "dingtalk refused the message: code 130101 send too fast"
    push.tick(tiny_con, t0 + dt.timedelta(minutes=5))
    assert _sent(tiny_con)[0][2:] == ("retrying", 2)
    push.tick(tiny_con, t0 + dt.timedelta(minutes=6))
    assert _sent(tiny_con) == [("r", "钉钉运营群", "sent", 3), ("r", "ops-hook", "sent", 1)]
    assert len(receiver.of("dingtalk")) == 1 and "成交金额 ¥50" in receiver.of("dingtalk")[0].body["markdown"]["text"]
    assert len(receiver.of("webhook")) == 1  # the rule itself was not sent again


def test_a_channel_that_keeps_failing_is_given_up_after_the_last_attempt(tiny_con, receiver):
    _hook(tiny_con, receiver)
    receiver.fail["webhook"] = (99, "http")
    t = T(2025, 6, 2, 12, 0)
    rules.add_metric_rule(tiny_con, "r", "gmv", "<", 100, period="today", to=["hook"], now=t)
    push.tick(tiny_con, t)
    for minutes in delivery.BACKOFF_MINUTES:
        t += dt.timedelta(minutes=minutes)
        push.tick(tiny_con, t)
    assert _sent(tiny_con) == [("r", "hook", "failed", delivery.MAX_ATTEMPTS)]
    push.tick(tiny_con, t + dt.timedelta(days=1))
    assert _sent(tiny_con)[0][3] == delivery.MAX_ATTEMPTS


def test_pause_and_snooze(tiny_con, receiver):
    _hook(tiny_con, receiver)
    t = T(2025, 6, 2, 12, 0)
    rules.add_metric_rule(tiny_con, "r", "gmv", "<", 100, period="today", to=["hook"], now=t)
    rules.pause(tiny_con, "r", minutes=None, now=t)
    push.tick(tiny_con, t)
    assert push.run_alerts(tiny_con, t) == {"r": None}
    assert receiver.messages == []
    rules.pause(tiny_con, "r", minutes=rules.parse_duration("2h"), now=t)  # snooze instead
    push.tick(tiny_con, t + dt.timedelta(minutes=119))
    assert receiver.messages == []
    push.tick(tiny_con, t + dt.timedelta(minutes=120))  # the breach began during the pause: sent now
    assert len(receiver.messages) == 1
    assert rules.get(tiny_con, "r").paused_until is None


def test_a_scoped_owner_sees_only_their_rows(tiny_con, receiver):
    auth.create_user(tiny_con, "boss", "correct horse 1", "admin")
    auth.create_user(tiny_con, "dealer_b", "correct horse 1", "store_operator", ["S3"])
    channels.add(tiny_con, "b-hook", "webhook", receiver.webhook, HOOK_SECRET, owner="dealer_b")
    channels.add(tiny_con, "boss-hook", "webhook", receiver.webhook, HOOK_SECRET, owner="boss")
    now = T(2025, 6, 11, 10, 0)
    with pytest.raises(rules.RuleError, match="no channel 'boss-hook'"):  # not theirs to use
        rules.add_metric_rule(tiny_con, "x", "gmv", ">", 0, to=["boss-hook"], owner="dealer_b", now=now)
    rules.add_metric_rule(tiny_con, "各店成交", "gmv", ">", 0, period="last_30", by="store", to=["b-hook"],
                          owner="dealer_b", now=now)
    rules.add_metric_rule(tiny_con, "全部成交", "gmv", ">", 0, period="last_30", to=["b-hook"],
                          owner="dealer_b", now=now)
    push.tick(tiny_con, now)
    text = "\n".join(m.body["text"] for m in receiver.of("webhook"))
    # S3 in 05-13..06-11: O10 100 + O6 120 + O7 150 = 370; the group's 1350 is never shown
    assert "云裳经销B店：成交金额 ¥370" in text and "全部（所选范围）：成交金额 ¥370" in text
    assert "山野茶" not in text and "1,350" not in text
    assert [r.name for r in rules.list_all(tiny_con, owner="dealer_b")] == ["全部成交", "各店成交"]
    with pytest.raises(rules.RuleError):
        rules.remove(tiny_con, "各店成交", user=auth.User("eve", "store_operator", grants=("S1",)))


def test_a_test_send_shows_the_current_figure_even_when_the_rule_holds(tiny_con, receiver):
    _hook(tiny_con, receiver)
    now = T(2025, 6, 11, 10, 0)
    r = rules.add_metric_rule(tiny_con, "r", "gmv", ">", 10000, period="last_7", to=["hook"], now=now)
    rules.test_rule(tiny_con, r, now)
    [m] = receiver.of("webhook")
    assert m.body["title"] == "【测试】r"
    assert "当前未触发预警" in m.body["text"] and "成交金额 ¥520" in m.body["text"]  # 250 + 270
    assert store.scalar(tiny_con, "SELECT count(*) FROM push_rule_state") == 0


def test_messages_follow_the_channel_language(tiny_con, receiver):
    channels.add(tiny_con, "en-hook", "webhook", receiver.webhook, HOOK_SECRET, lang="en")
    now = T(2025, 6, 11, 10, 0)
    rules.add_metric_rule(tiny_con, "low", "gmv", "<", 300, period="last_7", by="store", to=["en-hook"], now=now)
    push.tick(tiny_con, now)
    [m] = receiver.of("webhook")
    assert m.body["title"] == "[Alert] low"
    assert "Rule: GMV · Last 7 days < ¥300 · by Store" in m.body["text"]
    assert "山野茶官方旗舰店: GMV ¥250" in m.body["text"]


@pytest.mark.parametrize("kw,why", [
    (dict(metric="gmv", op="=", value=1), "unknown condition"),
    (dict(metric="gmvv", op=">", value=1), "unknown metric"),
    (dict(metric="gmv", op=">", value="lots"), "not a number"),
    (dict(metric="market_gmv", op=">", value=1, by="store"), "cannot be split by store"),
    (dict(metric="gmv", op=">", value=1, period="forever"), "unknown period"),
])
def test_bad_rules_are_refused_with_a_reason(tiny_con, receiver, kw, why):
    _hook(tiny_con, receiver)
    with pytest.raises(ValueError, match=why):
        rules.add_metric_rule(tiny_con, "x", kw.pop("metric"), kw.pop("op"), kw.pop("value"), to=["hook"],
                              now=T(2025, 6, 1), **kw)


def test_tick_is_cheap_when_nothing_is_due(tiny_con, receiver):
    _hook(tiny_con, receiver)
    now = T(2025, 6, 11, 10, 0)
    rules.add_metric_rule(tiny_con, "r", "gmv", ">", 10000, to=["hook"], now=now)
    push.tick(tiny_con, now)
    assert rules.due_rules(tiny_con, now + dt.timedelta(minutes=1), store.data_version(tiny_con)) == []
    batches.write_batch(tiny_con, "orders", schema.frame("orders", [
        _order("O20", D(2025, 6, 11, 9, 0), "S1", None, None, "mall", "B9", False, "20.00")]),
        file_name="more", source="test")
    # new data: evaluated at the next tick, not five minutes later
    assert [r.name for r in rules.due_rules(tiny_con, now + dt.timedelta(minutes=1),
                                            store.data_version(tiny_con))] == ["r"]


# --- live rules ------------------------------------------------------------------------


def _live_now(con):
    """Two sessions live at 2025-06-11 20:41: L9 (A1, own) from 20:00, online up to 200 at
    20:20 and 50 at 20:40, four orders 20:05-20:08; L8 (A2, authorized) from 20:10, 100
    online, one order at 20:35.  Scores of 06-10: A1 4.20, A2 4.80, D1 4.40."""
    sessions = [
        dict(live_id="L9", account_id="A1", title="晚间上新", started_at=D(2025, 6, 11, 20, 0), views=900, viewers=300),
        dict(live_id="L8", account_id="A2", title="大红袍夜场", started_at=D(2025, 6, 11, 20, 10), views=400, viewers=150),
    ]
    minutes = [dict(live_id="L9", minute=D(2025, 6, 11, 20, m), online=min(200, 10 * (m + 1)) if m < 40 else 50)
               for m in range(41)]
    minutes += [dict(live_id="L8", minute=D(2025, 6, 11, 20, m), online=100) for m in range(10, 41)]
    orders = [_order(f"OL9{m}", D(2025, 6, 11, 20, m), "S1", "A1", "L9", "live", f"BL{m}", False, "100.00")
              for m in (5, 6, 7, 8)]
    orders.append(_order("OL8", D(2025, 6, 11, 20, 35), "S2", "A2", "L8", "live", "BL8", False, "300.00"))
    scores = [dict(date=dt.date(2025, 6, 10), entity_id=e, score_type="creator_reputation", score=s)
              for e, s in (("A1", 4.2), ("A2", 4.8), ("D1", 4.4))]
    scores.append(dict(date=dt.date(2025, 6, 10), entity_id="S1", score_type="store_experience", score=4.1))
    for table, rows in (("live_sessions", sessions), ("live_minutes", minutes), ("orders", orders),
                        ("scores_daily", scores)):
        batches.write_batch(con, table, schema.frame(table, rows), file_name=f"live-{table}", source="test")


def test_live_rules_per_account_group(tiny_con, receiver):
    _live_now(tiny_con)
    _hook(tiny_con, receiver)
    made = T(2025, 6, 11, 20, 0)
    own = {"account_type": ["own"]}
    rules.add_live_rule(tiny_con, "开播提醒·直营", "live_start", where=own, to=["hook"], now=made)
    rules.add_live_rule(tiny_con, "开播提醒·全部", "live_start", to=["hook"], now=made)
    rules.add_live_rule(tiny_con, "掉量", "live_drop", to=["hook"], now=made)
    rules.add_live_rule(tiny_con, "无成交15分钟", "no_orders", minutes=15, to=["hook"], now=made)
    rules.add_live_rule(tiny_con, "口碑分", "score_low", score_type="creator_reputation", below=4.5, to=["hook"],
                        now=made)
    rules.add_live_rule(tiny_con, "口碑分·直营", "score_low", where=own, below=4.5, to=["hook"], now=made)
    now = T(2025, 6, 11, 20, 41)
    push.tick(tiny_con, now)
    by_rule = {m.body["title"]: m.body["lines"] for m in receiver.of("webhook")}
    assert set(by_rule) == {"【预警】开播提醒·直营", "【预警】开播提醒·全部", "【预警】掉量", "【预警】无成交15分钟",
                            "【预警】口碑分", "【预警】口碑分·直营"}
    assert by_rule["【预警】开播提醒·直营"][1:] == [
        "山野茶官方直播间 开播了：《晚间上新》，20:00 开播，已播 41 分钟，当前在线 50"]
    assert sorted(by_rule["【预警】开播提醒·全部"][1:]) == [
        "山野茶官方直播间 开播了：《晚间上新》，20:00 开播，已播 41 分钟，当前在线 50",
        "经销A直播间 开播了：《大红袍夜场》，20:10 开播，已播 31 分钟，当前在线 100"]
    # the page's rule: 50 < half of the last 30 minutes' peak (200); no GMV drop (no orders in either window)
    assert by_rule["【预警】掉量"][1:] == ["山野茶官方直播间《晚间上新》掉量：在线 50，近30分钟最高 200"]
    # L9's last order 20:08 -> quiet since 20:09: 32 minutes; L8 ordered at 20:35
    assert by_rule["【预警】无成交15分钟"][1:] == [
        "山野茶官方直播间《晚间上新》已 32 分钟没有成交（已播 41 分钟，本场成交 ¥400）"]
    assert sorted(by_rule["【预警】口碑分"][1:]) == [
        "山野茶官方直播间：带货口碑分 4.20，低于 4.50（2025-06-10）", "达人小鹿：带货口碑分 4.40，低于 4.50（2025-06-10）"]
    assert by_rule["【预警】口碑分·直营"][1:] == ["山野茶官方直播间：带货口碑分 4.20，低于 4.50（2025-06-10）"]

    # a minute later nothing new: each session starts once, the drop and the silence go on
    receiver.clear()
    push.tick(tiny_con, now + dt.timedelta(minutes=1))
    assert receiver.messages == []


def test_a_live_rule_takes_only_account_group_filters(tiny_con, receiver):
    _hook(tiny_con, receiver)
    with pytest.raises(rules.RuleError, match="per account group"):
        rules.add_live_rule(tiny_con, "x", "live_start", where={"channel": ["live"]}, to=["hook"], now=T(2025, 6, 1))
    with pytest.raises(rules.RuleError, match="--minutes"):
        rules.add_live_rule(tiny_con, "x", "no_orders", to=["hook"], now=T(2025, 6, 1))


def test_describe_in_both_languages(tiny_con, receiver):
    _hook(tiny_con, receiver)
    r = rules.add_metric_rule(tiny_con, "x", "gmv", "drop%", 30, period="yesterday", compare="yoy", by="store",
                              where={"brand": ["山野茶"]}, to=["hook"], now=T(2025, 6, 1))
    assert rules.describe(r, "zh") == "成交金额 · 昨天 同比下降 ≥ 30% · 按店铺 · 品牌=山野茶"
    assert rules.describe(r, "en") == "GMV · Yesterday drops ≥ 30% vs Same period last year · by Store · Brand=山野茶"
    assert rules.parse_duration("90") == 90 and rules.parse_duration("2h") == 120 and rules.parse_duration("1d") == 1440
    with pytest.raises(rules.RuleError, match="duration"):
        rules.parse_duration("soon")


def test_a_long_list_of_breaches_is_cut_and_counted(tiny_con, receiver, monkeypatch):
    _hook(tiny_con, receiver)
    monkeypatch.setattr(rules, "MAX_LINES", 2)
    now = T(2025, 6, 11, 10, 0)
    rules.add_metric_rule(tiny_con, "各账号", "gmv", ">", 0, period="last_30", by="account", to=["hook"], now=now)
    push.tick(tiny_con, now)
    [m] = receiver.of("webhook")
    # 05-13..06-11 by account: A1 300, A2 300, D1 330, A3 150, shelf (no account) 270: five subjects
    assert m.body["lines"][2:] == ["达人小鹿：成交金额 ¥330", "山野茶官方直播间：成交金额 ¥300", "……另有 3 项"]
