"""`cockpit channel`, `cockpit alert`, `cockpit report` as a user runs them: real
processes, a real database file, real receivers on 127.0.0.1."""

from tests import clirun
from tests.push_receivers import (DING_SECRET, DING_TOKEN, FEISHU_SECRET, HOOK_SECRET, mailbox, parts,  # noqa: F401
                                  receiver, texts)
from tests.test_push_reports import ARTIFACTS, need_chromium


def cockpit(*args, stdin=None):
    return clirun.cockpit(*args, stdin=stdin, timeout=240)


def test_channels_from_the_command_line(tiny_db, receiver):
    r = cockpit("channel", "add", "钉钉运营群", "--db", tiny_db, "--kind", "dingtalk", "--url", receiver.dingtalk,
                "--secret", DING_SECRET)
    assert r.returncode == 0, r.stderr
    assert DING_TOKEN not in r.stdout and DING_SECRET not in r.stdout
    r = cockpit("channel", "add", "飞书群", "--db", tiny_db, "--kind", "feishu", "--url", receiver.feishu,
                "--secret-stdin", "--lang", "en", stdin=FEISHU_SECRET + "\n")
    assert r.returncode == 0, r.stderr
    listed = cockpit("channel", "list", "--db", tiny_db).stdout
    assert "钉钉运营群" in listed and "飞书群" in listed and "secret: set" in listed
    assert DING_TOKEN not in listed and DING_SECRET not in listed and FEISHU_SECRET not in listed
    r = cockpit("channel", "test", "钉钉运营群", "--db", tiny_db)
    assert r.returncode == 0 and "钉钉运营群: sent" in r.stdout, r.stdout + r.stderr
    assert texts(receiver)["dingtalk"] == ["### 【测试】品牌驾驶舱推送\n\n渠道「钉钉运营群」可以收到驾驶舱的预警和报告。"]
    receiver.fail["feishu"] = (1, "code")
    r = cockpit("channel", "test", "飞书群", "--db", tiny_db)
    assert r.returncode == 1 and "FAILED: feishu refused the message: code 9499" in r.stdout
    bad = cockpit("channel", "add", "x", "--db", tiny_db, "--kind", "wecom", "--url", "not a url")
    assert bad.returncode == 2 and "must start with https://" in bad.stderr and "Traceback" not in bad.stderr
    assert cockpit("channel", "remove", "飞书群", "--db", tiny_db).returncode == 0
    assert "飞书群" not in cockpit("channel", "list", "--db", tiny_db).stdout


def _orders_today(db):
    """Two orders paid this morning (the CLI runs on the real clock): S1 (山野茶) 100, S3 (云裳) 50."""
    from cockpit import batches, clock, schema, store
    from tests.conftest import _order

    morning = clock.now().replace(hour=0, minute=5, second=0, microsecond=0)
    con = store.connect(db)
    batches.write_batch(con, "orders", schema.frame("orders", [
        _order("OT1", morning, "S1", None, None, "mall", "BT1", False, "100.00"),
        _order("OT2", morning, "S3", None, None, "mall", "BT2", False, "50.00")]), file_name="today", source="test")
    con.close()


def test_alerts_from_the_command_line(tiny_db, receiver):
    _orders_today(tiny_db)
    assert cockpit("channel", "add", "hook", "--db", tiny_db, "--kind", "webhook", "--url",
                   receiver.webhook, "--secret", HOOK_SECRET).returncode == 0
    r = cockpit("alert", "add", "低退款", "--db", tiny_db, "--metric", "refund_rate", "--when", "<", "5",
                "--to", "hook")
    add = cockpit("alert", "add", "今日成交", "--db", tiny_db, "--metric", "gmv", "--when", ">=", "80",
                  "--by", "store", "--where", "brand=山野茶", "--to", "hook", "--repeat", "120")
    assert r.returncode == 0 and add.returncode == 0, r.stderr + add.stderr
    listed = cockpit("alert", "list", "--db", tiny_db).stdout
    assert "今日成交" in listed and "GMV · Today >= ¥80 · by Store · Brand=山野茶" in listed and "every 120 min" in listed
    cockpit("alert", "pause", "低退款", "--db", tiny_db, "--for", "2h")
    assert "snoozed until" in cockpit("alert", "list", "--db", tiny_db).stdout
    run = cockpit("alert", "run", "--db", tiny_db)
    assert run.returncode == 0, run.stderr
    assert "今日成交: breached" in run.stdout and "低退款: paused" in run.stdout
    again = cockpit("alert", "run", "--db", tiny_db)
    assert "今日成交: nothing new to send" in again.stdout
    assert len(receiver.of("webhook")) == 1
    text = receiver.of("webhook")[0].body["text"]
    assert "山野茶官方旗舰店：成交金额 ¥100" in text and "云裳" not in text  # --where brand=山野茶
    t = cockpit("alert", "test", "低退款", "--db", tiny_db)
    assert t.returncode == 0 and "hook: sent" in t.stdout
    assert receiver.of("webhook")[-1].body["title"] == "【测试】低退款"
    for bad, why in [(["--metric", "gmv", "--when", "~", "1", "--to", "hook"], "unknown condition"),
                     (["--metric", "gmv", "--when", ">", "1", "--to", "nowhere"], "no channel 'nowhere'"),
                     (["--metric", "gmv", "--when", ">", "1"], "--to CHANNEL"),
                     (["--live", "no-orders", "--to", "hook"], "--minutes")]:
        r = cockpit("alert", "add", "bad", "--db", tiny_db, *bad)
        assert r.returncode == 2 and why in r.stderr and "Traceback" not in r.stderr, (bad, r.stderr)
    assert cockpit("alert", "add", "开播", "--db", tiny_db, "--live", "start", "--where", "account_type=own",
                   "--to", "hook").returncode == 0
    assert cockpit("alert", "remove", "开播", "--db", tiny_db).returncode == 0


def test_report_send_on_a_closed_database_draws_the_page_as_pdf(tiny_db, receiver, mailbox):
    need_chromium()
    assert cockpit("channel", "add", "老板邮箱", "--db", tiny_db, "--kind", "email", "--url",
                   "boss@brand.example").returncode == 0
    r = cockpit("report", "add", "六月复盘", "--db", tiny_db, "--page", "overview", "--from", "2025-06-01",
                "--to-date", "2025-06-30", "--every", "weekly@mon-09:00", "--to", "老板邮箱", "--format", "pdf")
    assert r.returncode == 0, r.stderr
    assert "六月复盘" in cockpit("report", "list", "--db", tiny_db).stdout
    s = cockpit("report", "send", "六月复盘", "--db", tiny_db)
    assert s.returncode == 0, s.stdout + s.stderr
    assert "with its picture" in s.stdout and "老板邮箱: sent" in s.stdout
    [mail] = mailbox.mails
    p = parts(mail)
    assert "成交金额 ¥1,250 · 环比 +150.0% · 同比 +100.0%" in p["html"]
    pdfs = [(n, d) for n, ct, d in p["attachments"] if ct == "application/pdf"]
    assert len(pdfs) == 1 and pdfs[0][1][:5] == b"%PDF-"
    assert any(n == "top_stores.csv" for n, _, _ in p["attachments"])
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "push-report-overview.pdf").write_bytes(pdfs[0][1])
    # the temporary server is gone: the database opens again
    assert cockpit("report", "list", "--db", tiny_db).returncode == 0
