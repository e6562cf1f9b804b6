"""Push inside the always-on service: a real `cockpit serve` runs push.tick in its
scheduler (an alert arrives with no command run), and `cockpit report send` handed to the
running app draws the page through the app itself."""

import os
import subprocess
import sys
import time

from tests.push_receivers import HOOK_SECRET, receiver  # noqa: F401
from tests.test_push_cli import _orders_today
from tests.test_push_reports import need_chromium
from tests.test_service import _free_port, cockpit


def _wait(pred, seconds=60.0):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.3)
    return False


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
    port = _free_port()
    log = open(tmp_path / "serve.log", "w")
    env = dict(os.environ, COCKPIT_WARMUP="0")
    proc = subprocess.Popen([sys.executable, "-m", "cockpit.cli", "serve", "--db", str(tiny_db), "--port", str(port)],
                            stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        # nobody runs a command: the server's scheduler evaluates the rule and sends it
        assert _wait(lambda: receiver.of("webhook")), (tmp_path / "serve.log").read_text()
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
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
