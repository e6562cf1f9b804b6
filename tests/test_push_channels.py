"""Channels against real local receivers: each platform's payload and signature, error
codes in a 200 answer, secrets masked and never logged, data never becomes markup."""

import base64
import datetime as dt
import hashlib
import logging

import pytest

from cockpit import store
from cockpit.push import channels, delivery
from cockpit.push.message import Attachment, Message
from tests.push_receivers import (DING_SECRET, DING_TOKEN, FEISHU_HOOK, FEISHU_SECRET, HOOK_SECRET, WECOM_KEY,
                                  add_all_channels, mailbox, parts, receiver, texts)  # noqa: F401

NOW = dt.datetime(2025, 6, 11, 10, 0)
PNG = base64.b64decode(  # a 1x1 PNG
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")


@pytest.fixture
def con():
    c = store.memory()
    yield c
    c.close()


def test_every_platform_gets_its_documented_payload_signed(con, receiver, mailbox):
    names = add_all_channels(con, receiver)
    msg = Message("【预警】测试", ["成交金额 ¥1,250", "环比 +150.0%"], images=[Attachment("p.png", "image/png", PNG)],
                  files=[Attachment("t.csv", "text/csv", "店铺,成交金额\n云裳经销B店,270\n".encode("utf-8-sig"))])
    results = delivery.deliver(con, names, msg, source="test", source_name="t", owner="local", now=NOW)
    assert [s for _, s, _ in results] == ["sent"] * 5, results
    assert receiver.rejected == []
    got = texts(receiver, mailbox)
    for platform in ("dingtalk", "wecom", "feishu", "webhook", "email"):
        assert len(got[platform]) == 1 and "¥1,250" in got[platform][0] and "+150.0%" in got[platform][0], platform
    # WeCom: markdown, then the picture as base64 + md5
    wecom = [m.body for m in receiver.of("wecom")]
    assert [b["msgtype"] for b in wecom] == ["markdown", "image"]
    assert base64.b64decode(wecom[1]["image"]["base64"]) == PNG
    assert wecom[1]["image"]["md5"] == hashlib.md5(PNG).hexdigest()
    # DingTalk and Feishu were signed (the receiver checked the signatures)
    assert receiver.of("dingtalk")[0].query["sign"] and receiver.of("feishu")[0].body["sign"]
    # e-mail: HTML body, the picture inline, the table attached
    mail = mailbox.mails[0]
    p = parts(mail)
    assert "<h3>【预警】测试</h3>" in p["html"]
    assert [(ct, data) for _, ct, data in p["inline"]] == [("image/png", PNG)]
    assert [(n, data.decode("utf-8-sig")) for n, _, data in p["attachments"]] == [("t.csv", "店铺,成交金额\n云裳经销B店,270\n")]
    assert sorted(mailbox.envelopes[0].rcpt_tos) == ["boss@brand.example", "ops@brand.example"]
    # the webhook carries the attachments as base64
    hook = receiver.of("webhook")[0].body
    assert [a["name"] for a in hook["attachments"]] == ["p.png", "t.csv"]


def test_a_wrong_secret_is_refused_by_the_receiver_and_counts_as_a_failure(con, receiver):
    channels.add(con, "bad-ding", "dingtalk", receiver.dingtalk, "SECnot-the-secret")
    channels.add(con, "bad-feishu", "feishu", receiver.feishu, "wrong")
    channels.add(con, "unsigned-ding", "dingtalk", receiver.dingtalk, None)
    results = delivery.deliver(con, ["bad-ding", "bad-feishu", "unsigned-ding"], Message("t", ["x"]),
                               source="test", source_name="t", owner="local", now=NOW)
    assert [s for _, s, _ in results] == ["retrying"] * 3
    assert "310000" in results[0][2] and "19021" in results[1][2] and "310000" in results[2][2]
    assert [why for _, why, _ in receiver.rejected] == ["sign", "sign", "unsigned"]
    assert receiver.messages == []


def test_error_codes_in_a_200_answer_and_http_errors_are_failures(con, receiver):
    add_all_channels(con, receiver)
    receiver.fail.update(dingtalk=(1, "code"), wecom=(1, "code"), feishu=(1, "code"), webhook=(1, "http"))
    res = delivery.deliver(con, ["钉钉运营群", "企微老板群", "飞书直播群", "ops-hook"], Message("t", ["x"]),
                           source="test", source_name="t", owner="local", now=NOW)
    assert {n: (s, e) for n, s, e in res} == {
        "钉钉运营群": ("retrying", "dingtalk refused the message: code 130101 send too fast"),
        "企微老板群": ("retrying", "wecom refused the message: code 45009 api freq out of limit"),
        "飞书直播群": ("retrying", "feishu refused the message: code 9499 Too Many Request"),
        "ops-hook": ("retrying", "HTTP 500 Internal Server Error"),
    }


def test_an_unreachable_server_and_missing_smtp_are_logged_failures(con, monkeypatch, tmp_path):
    monkeypatch.setenv("COCKPIT_SECRETS", str(tmp_path / "none.toml"))
    monkeypatch.delenv("COCKPIT_SMTP_HOST", raising=False)
    channels.add(con, "gone", "webhook", "http://127.0.0.1:9/hook")  # port 9: nothing listens
    channels.add(con, "mail", "email", "boss@brand.example")
    res = delivery.deliver(con, ["gone", "mail"], Message("t", ["x"]), source="test", source_name="t",
                           owner="local", now=NOW)
    assert res[0][1] == "retrying" and "cannot reach the webhook server" in res[0][2]
    assert res[1][1] == "retrying" and "e-mail is not set up" in res[1][2]


def test_secrets_and_tokens_are_masked_in_lists_and_never_logged(con, receiver, caplog):
    add_all_channels(con, receiver)
    listed = {c.name: c.masked_url() for c in channels.list_all(con)}
    for shown in listed.values():
        for secret in (DING_TOKEN, DING_SECRET, WECOM_KEY, FEISHU_HOOK, FEISHU_SECRET, HOOK_SECRET):
            assert secret not in shown
    assert listed["钉钉运营群"] == f"{receiver.url}/robot/send?****{DING_TOKEN[-4:]}"
    assert listed["老板邮箱"] == "boss@brand.example, ops@brand.example"  # addresses are not secrets
    receiver.fail.update(dingtalk=(1, "http"), feishu=(1, "code"))
    with caplog.at_level(logging.DEBUG, logger="cockpit.push"):
        delivery.deliver(con, ["钉钉运营群", "飞书直播群"], Message("t", ["x"]), source="test", source_name="t",
                         owner="local", now=NOW)
    logged = caplog.text + repr(store.fetchall(con, "SELECT * FROM push_deliveries"))
    assert "failed" in caplog.text
    for secret in (DING_TOKEN, DING_SECRET, FEISHU_HOOK, FEISHU_SECRET):
        assert secret not in logged


def test_values_from_files_never_become_links_or_images(con, receiver):
    channels.add(con, "d", "dingtalk", receiver.dingtalk, DING_SECRET)
    channels.add(con, "w", "wecom", receiver.wecom)
    evil = "[点我领券](http://evil.example/x) ![x](http://evil.example/p.png) <font color=\"warning\">@all</font>"
    delivery.deliver(con, ["d", "w"], Message(f"【预警】{evil}", [f"店铺 {evil}：成交金额 ¥1"]), source="test",
                     source_name="t", owner="local", now=NOW)
    for text in texts(receiver)["dingtalk"] + texts(receiver)["wecom"]:
        assert "](" not in text and "![" not in text and "<font" not in text and "@all" not in text
        assert "点我领券" in text and "evil.example" in text  # still readable
    assert receiver.of("dingtalk")[0].body["markdown"]["title"].startswith("【预警】")


def test_wecom_markdown_is_cut_to_4096_bytes_and_big_pictures_are_left_out(con, receiver):
    channels.add(con, "w", "wecom", receiver.wecom)
    big = Attachment("big.png", "image/png", PNG + b"\0" * (2 * 1024 * 1024))
    res = delivery.deliver(con, ["w"], Message("长消息", ["成交金额 ¥1,250 " * 400], images=[big]), source="test",
                           source_name="t", owner="local", now=NOW)
    assert res[0][1] == "sent"
    [m] = receiver.of("wecom")
    assert len(m.body["markdown"]["content"].encode()) <= 4096


@pytest.mark.parametrize("kind,url,why", [
    ("dingtalk", "oapi.dingtalk.com/robot/send", "must start with https://"),
    ("email", "boss-at-example", "is not an e-mail address"),
    ("sms", "https://x", "unknown channel kind"),
])
def test_bad_channels_are_refused_with_a_reason(con, kind, url, why):
    with pytest.raises(channels.ChannelError, match=why):
        channels.add(con, "x", kind, url)


def test_a_channel_name_is_unique(con):
    channels.add(con, "群", "webhook", "https://hooks.example/a")
    with pytest.raises(channels.ChannelError, match="already a channel"):
        channels.add(con, "群", "webhook", "https://hooks.example/b")


def test_smtp_settings_from_secrets_toml_and_environment(tmp_path, monkeypatch):
    from cockpit.push import smtp

    f = tmp_path / "secrets.toml"
    f.write_text('[smtp]\nhost = "smtp.brand.example"\nuser = "bot@brand.example"\npassword = "pw"\ntls = "ssl"\n',
                 encoding="utf-8")
    monkeypatch.setenv("COCKPIT_SECRETS", str(f))
    for k in ("HOST", "PORT", "USER", "PASSWORD", "FROM", "TLS"):
        monkeypatch.delenv(f"COCKPIT_SMTP_{k}", raising=False)
    conf = smtp.settings()
    assert (conf["host"], conf["port"], conf["tls"], conf["sender"]) == ("smtp.brand.example", 465, "ssl",
                                                                         "bot@brand.example")
    monkeypatch.setenv("COCKPIT_SMTP_PORT", "2525")
    assert smtp.settings()["port"] == 2525


def test_only_an_admin_removes_someone_elses_channel(con):
    from cockpit import auth

    channels.add(con, "boss-hook", "webhook", "https://hooks.example/boss", owner="boss")
    with pytest.raises(channels.ChannelError, match="no channel"):
        channels.remove(con, "boss-hook", user=auth.User("dealer_b", "store_operator", grants=("S3",)))
    channels.remove(con, "boss-hook", user=auth.User("boss", "admin"))
    assert channels.list_all(con) == []
