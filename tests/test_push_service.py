"""Push inside the always-on service: a real `cockpit serve` runs push.tick in its
scheduler (an alert arrives with no command run), and `cockpit report send` handed to the
running app draws the page through the app itself."""

from tests.push_receivers import HOOK_SECRET, receiver  # noqa: F401
from tests.test_push_cli import _orders_today
from tests.test_push_reports import need_chromium
from tests.serving import serving, wait_for
from tests.test_service import cockpit


def test_the_running_app_sends_alerts_and_reports(tiny_db, receiver, tmp_path):
    need_chromium()
    _orders_today(tiny_db)  # S1 100 and S3 50 paid this morning (real clock)
    for args in (["channel", "add", "hook", "--kind", "webhook", "--url", receiver.webhook, "--secret", HOOK_SECRET],
                 ["channel", "add", "企微群", "--kind", "wecom", "--url", receiver.wecom],
                 ["alert", "add", "今日店铺成交", "--metric", "gmv", "--when", ">=", "80", "--by", "store",
                  "--to", "hook"],
                 ["report", "add", "今日快报", "--page", "overview", "--period", "today", "--every", "daily@00:00",
                  "--to", "企微群"]):
        r = cockpit(*args, "--db", tiny_db)
        assert r.returncode == 0, r.stderr
    with serving(tiny_db, env={"COCKPIT_WARMUP": "0"}, log=tmp_path / "serve.log"):
        # nobody runs a command: the server's scheduler evaluates the rule and sends it
        wait_for(lambda: receiver.of("webhook"), "the alert sent by the server's scheduler", 60)
        [alert] = receiver.of("webhook")
        assert alert.body["title"] == "【预警】今日店铺成交"
        assert "山野茶官方旗舰店：成交金额 ¥100" in alert.body["text"] and "云裳" not in alert.body["text"]
        # the CLI works while the app holds the database (handed to it)
        listed = cockpit("alert", "list", "--db", tiny_db)
        assert listed.returncode == 0 and "今日店铺成交" in listed.stdout, listed.stderr
        receiver.clear()
        sent = cockpit("report", "send", "今日快报", "--db", tiny_db, timeout=240)
        assert sent.returncode == 0, sent.stdout + sent.stderr
        assert "with its picture" in sent.stdout
        kinds = [m.body["msgtype"] for m in receiver.of("wecom")]
        assert kinds == ["markdown", "image"], kinds
        assert "成交金额 ¥150" in receiver.of("wecom")[0].body["markdown"]["content"]
        assert receiver.rejected == []
