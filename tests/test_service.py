"""The always-on service, tried as a new user would: a real `cockpit serve` on a real file,
no browser ever opened, the CLI and the HTTP API beside it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from cockpit import store
from cockpit.service import runtime
from tests import clirun
from tests.conftest import load_tiny
from tests.serving import free_port, serving, wait_for

PW = "correct horse 1"
WAIT = 30.0
JUNE = ["--from", "2025-06-01", "--to", "2025-06-30"]


def cockpit(*args, stdin=None, timeout=120):
    return clirun.cockpit(*args, stdin=stdin, timeout=timeout)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **kw):
        return None


_opener = urllib.request.build_opener(NoRedirect)


def http(url, method="GET", data=None, headers=None):
    """(status, headers, body) without following redirects."""
    body = urllib.parse.urlencode(data).encode() if isinstance(data, dict) else data
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with _opener.open(req, timeout=30) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The tiny group served by `cockpit serve`, with the CLI's answers from before it started."""
    folder = tmp_path_factory.mktemp("served")
    db = folder / "tiny.duckdb"
    con = store.connect(db)
    load_tiny(con)
    con.close()
    before = {
        "query": cockpit("query", "--db", db, "--metrics", "gmv,orders,buyers", "--by", "store", *JUNE,
                         "--format", "json").stdout,
        "export": (cockpit("export", "--db", db, "--page", "overview", "--period", "custom", *JUNE,
                           "--table", "top_stores", "--out", folder / "before.csv"), folder / "before.csv"),
    }
    with serving(db, env={"COCKPIT_WARMUP": "0"}, cwd=folder) as (url, proc):
        wait_for(lambda: runtime.running_server(db), "the server file", 60)
        yield {"db": db, "url": url, "folder": folder, "before": before, "proc": proc}


# The tests below run in file order against one server: reads first, then an import through
# the inbox, then sign-in switched on.

def test_cli_reads_through_the_running_app_with_the_same_output(served):
    db = served["db"]
    r = cockpit("query", "--db", db, "--metrics", "gmv,orders,buyers", "--by", "store", *JUNE, "--format", "json")
    assert r.returncode == 0, r.stderr
    assert r.stdout == served["before"]["query"]
    out = served["folder"] / "sub" / "after.csv"
    (served["folder"] / "sub").mkdir()
    # a relative --out is written where the command runs, not where the server runs
    r = subprocess.run([sys.executable, "-m", "cockpit.cli", "export", "--db", str(db), "--page", "overview",
                        "--period", "custom", *JUNE, "--table", "contribution_account_type", "--out", "after.csv"],
                       capture_output=True, text=True, cwd=out.parent, timeout=120)
    assert r.returncode == 0, r.stderr
    assert out.exists() and "after.csv" in r.stdout
    r = cockpit("export", "--db", db, "--page", "overview", "--period", "custom", *JUNE, "--table", "top_stores",
                "--out", served["folder"] / "during.csv")
    assert r.returncode == 0, r.stderr
    assert (served["folder"] / "during.csv").read_bytes() == served["before"]["export"][1].read_bytes()


def test_api_answers_the_same_rows_as_the_cli(served):
    q = urllib.parse.urlencode({"metrics": "gmv,orders,buyers", "by": "store", "from": "2025-06-01",
                                "to": "2025-06-30"})
    status, headers, body = http(f"{served['url']}/api/v1/query?{q}")
    assert status == 200 and headers["Content-Type"].startswith("application/json")
    r = cockpit("query", "--db", served["db"], "--metrics", "gmv,orders,buyers", "--by", "store", *JUNE,
                "--format", "json")
    assert json.loads(body) == json.loads(r.stdout)
    status, headers, body = http(f"{served['url']}/api/v1/query?{q}&format=csv")
    assert status == 200 and body.startswith(b"\xef\xbb\xbf")  # Excel's BOM
    status, headers, body = http(f"{served['url']}/api/v1/export/overview?period=custom&from=2025-06-01"
                                 f"&to=2025-06-30&table=top_stores")
    assert status == 200 and body == served["before"]["export"][1].read_bytes()
    status, _, body = http(f"{served['url']}/api/v1/query?metrics=nope")
    assert status == 400 and b"nope" in body
    status, _, body = http(f"{served['url']}/api/v1/openapi.json")
    assert status == 200 and "/api/v1/query" in json.loads(body)["paths"]


def test_every_response_carries_security_headers(served):
    for path in ("/", "/api/v1/openapi.json", "/_stcore/health", "/signin"):
        _, headers, _ = http(served["url"] + path, headers={"Accept": "text/html"})
        assert headers["X-Content-Type-Options"] == "nosniff", path
        assert headers["X-Frame-Options"] == "SAMEORIGIN", path
        assert "img-src 'self' data: blob:" in headers["Content-Security-Policy"], path


def test_a_second_serve_and_a_demo_do_not_disturb_the_running_app(served):
    r = cockpit("serve", "--db", served["db"], "--port", free_port())
    assert r.returncode == 0 and "already serves" in r.stdout
    r = cockpit("demo", "--db", served["db"], "--orders", "1000")
    assert r.returncode == 2 and "running" in r.stderr
    assert served["proc"].poll() is None


def test_background_work_runs_without_any_visitor(served):
    """A file dropped into the inbox is imported though no browser ever opened a page."""
    inbox = Path(str(served["db"]).removesuffix(".duckdb") + ".inbox")
    wait_for(lambda: (inbox / ".watcher.json").exists(), "the watcher's heartbeat")
    csv = "订单编号,支付时间,店铺ID,成交渠道,买家ID,实付金额\nO900,2025/6/30 12:00,S1,商城,B900,100\n"
    (inbox / ".orders-late.csv.tmp").write_text(csv, encoding="utf-8")
    os.replace(inbox / ".orders-late.csv.tmp", inbox / "orders-late.csv")
    wait_for(lambda: (inbox / "done" / "orders-late.csv").exists(), "the inbox to import the file", 15)
    r = cockpit("query", "--db", served["db"], "--metrics", "orders", "--where", "store=S1", *JUNE)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[1] == "5"  # S1's June orders O1, O2, O3, O8 (conftest) + O900


def test_adding_the_first_admin_while_running_switches_sign_in_on(served):
    db, url = served["db"], served["url"]
    r = cockpit("user", "add", "boss", "--db", db, "--role", "admin", "--password-stdin", stdin=PW + "\n")
    assert r.returncode == 0, r.stderr
    assert "sign-in is now required" in r.stdout
    r = cockpit("user", "add", "dealer_b", "--db", db, "--role", "store_operator", "--store", "S3",
                "--password-stdin", stdin=PW + "\n")
    assert r.returncode == 0, r.stderr
    r = cockpit("user", "add", "x", "--db", db, "--role", "brand_manager", "--store", "S1", "--password-stdin",
                stdin=PW + "\n")
    assert r.returncode == 2 and "does not fit" in r.stderr
    assert "dealer_b" in cockpit("user", "list", "--db", db).stdout
    # the API now wants a token
    status, headers, body = http(f"{url}/api/v1/query?metrics=gmv")
    assert status == 401 and headers["WWW-Authenticate"].startswith("Bearer")
    r = cockpit("token", "add", "boss", "--db", db)
    assert r.returncode == 0, r.stderr
    token = r.stdout.strip().splitlines()[-1]
    status, _, body = http(f"{url}/api/v1/query?metrics=gmv&from=2025-06-01&to=2025-06-30",
                           headers={"Authorization": f"Bearer {token}"})
    assert status == 200 and json.loads(body) == [{"gmv": 1350.0}]  # conftest 1250 + O900
    status, _, _ = http(f"{url}/api/v1/query?metrics=gmv", headers={"Authorization": f"Bearer {token}x"})
    assert status == 401


def test_a_password_typed_at_the_terminal_is_handed_over(served):
    """`cockpit user add` without --password-stdin asks on this terminal, then hands over."""
    import fcntl
    import pty
    import select
    import termios

    master, slave = pty.openpty()

    def own_terminal():
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    proc = subprocess.Popen([sys.executable, "-m", "cockpit.cli", "user", "add", "小赵", "--role", "store_operator",
                             "--store", "S1", "--db", str(served["db"])], stdin=slave, stdout=slave, stderr=slave,
                            preexec_fn=own_terminal, close_fds=True)
    os.close(slave)
    seen = b""

    def read_until(token):
        nonlocal seen
        end = time.monotonic() + WAIT
        while token not in seen and time.monotonic() < end:
            if select.select([master], [], [], 0.5)[0]:
                try:
                    seen += os.read(master, 4096)
                except OSError:
                    break

    read_until(b"password: ")
    os.write(master, (PW + "\n").encode())
    read_until(b"again: ")
    os.write(master, (PW + "\n").encode())
    assert proc.wait(timeout=60) == 0
    read_until(b"seeing S1")
    os.close(master)
    assert "user 小赵 created as store_operator seeing S1" in seen.decode()
    assert PW not in seen.decode()  # never echoed


def test_a_scoped_token_sees_only_its_stores(served):
    db, url = served["db"], served["url"]
    token = cockpit("token", "add", "dealer_b", "--db", db).stdout.strip().splitlines()[-1]
    auth_header = {"Authorization": f"Bearer {token}"}
    status, _, body = http(f"{url}/api/v1/query?metrics=gmv&by=store&from=2025-06-01&to=2025-06-30",
                           headers=auth_header)
    assert status == 200 and json.loads(body) == [{"store": "S3", "gmv": 270.0}]
    # asking for another store by filter gets nothing, not S1's figures
    status, _, body = http(f"{url}/api/v1/query?metrics=gmv&by=store&where=store%3DS1&from=2025-06-01"
                           f"&to=2025-06-30", headers=auth_header)
    assert status == 200 and json.loads(body) == []
    status, _, body = http(f"{url}/api/v1/export/overview?period=custom&from=2025-06-01&to=2025-06-30"
                           f"&table=top_stores", headers=auth_header)
    assert status == 200 and "S1" not in body.decode("utf-8-sig") and "S3" in body.decode("utf-8-sig")
    tid = token.split("_")[1]
    assert cockpit("token", "revoke", tid, "--db", db).returncode == 0
    assert http(f"{url}/api/v1/query?metrics=gmv", headers=auth_header)[0] == 401
    audit = cockpit("query", "--db", db, "--metrics", "gmv").returncode  # still readable through the app
    assert audit == 0


def test_browser_sign_in_survives_reload_and_deep_links_and_sign_out_ends_it(served):
    url = served["url"]
    deep = "/sessions?period=custom&start=2025-06-01&end=2025-06-30&live=L1"
    html_accept = {"Accept": "text/html"}
    status, headers, _ = http(url + deep, headers=html_accept)
    assert status == 303
    target = headers["Location"]
    assert target == "/signin?next=" + urllib.parse.quote(deep, safe="")
    status, _, body = http(url + target, headers=html_accept)
    assert status == 200 and 'name="next"' in body.decode() and "live=L1" in body.decode()
    # wrong password, and an unknown user, get the same answer
    wrong = http(url + "/signin", "POST", {"username": "boss", "password": "nope", "next": deep})
    nobody = http(url + "/signin", "POST", {"username": "ghost", "password": "nope", "next": deep})
    assert wrong[0] == nobody[0] == 401
    assert "用户名或密码错误" in wrong[2].decode() and "用户名或密码错误" in nobody[2].decode()
    # the right one sends the user back to the deep link with an HttpOnly cookie
    status, headers, _ = http(url + "/signin", "POST", {"username": "BOSS", "password": PW, "next": deep})
    assert status == 303 and headers["Location"] == deep
    cookie_header = headers["Set-Cookie"]
    assert "HttpOnly" in cookie_header and "SameSite=lax" in cookie_header
    cookie = cookie_header.split(";")[0]
    for _ in range(2):  # a reload, a second tab: still signed in
        assert http(url + deep, headers={**html_accept, "Cookie": cookie})[0] == 200
    # an outside "next" is not followed
    status, headers, _ = http(url + "/signin", "POST", {"username": "boss", "password": PW,
                                                        "next": "//evil.example/x"})
    assert headers["Location"] == "/"
    # sign-out ends the session for every tab holding the cookie
    status, headers, _ = http(url + "/signout", "POST", headers={"Cookie": cookie})
    assert status == 303
    assert http(url + deep, headers={**html_accept, "Cookie": cookie})[0] == 303


def test_stopping_the_server_removes_its_file_and_frees_the_database(served):
    served["proc"].terminate()
    served["proc"].wait(timeout=30)
    assert runtime.running_server(served["db"]) is None
    r = cockpit("query", "--db", served["db"], "--metrics", "orders", *JUNE)
    assert r.returncode == 0 and r.stdout.splitlines()[1] == "9"  # 8 June orders of conftest + O900
