"""`cockpit serve` on ClickHouse (chDB in the served process), tried as a user would: the
tiny group copied from a DuckDB file with `cockpit copy`, the API and the CLI beside the
running app.  A chDB folder is one process's at a time, as a DuckDB file is: commands
are handed to the app, imports go through its inbox (issue 14)."""

from __future__ import annotations

import json
import os
import urllib.parse
import urllib.request

import pytest

from cockpit import store
from cockpit.service import runtime
from tests import clirun
from tests.conftest import load_tiny
from tests.serving import serving, wait_for

JUNE = ["--from", "2025-06-01", "--to", "2025-06-30"]


def cockpit(*args, timeout=180):
    return clirun.cockpit(*args, timeout=timeout)


@pytest.fixture(scope="module")
def served_chdb(tmp_path_factory):
    folder = tmp_path_factory.mktemp("served_chdb")
    duck = folder / "tiny.duckdb"
    con = store.connect(duck)
    load_tiny(con)
    con.close()
    url = f"chdb://{folder / 'chdb'}"  # (not 'cockpit': python -m run there would import it)
    r = cockpit("copy", "--db", duck, "--to", url)
    assert r.returncode == 0, r.stderr
    before = cockpit("query", "--db", url, "--metrics", "gmv,orders,buyers", "--by", "store", *JUNE,
                     "--format", "json")
    assert before.returncode == 0, before.stderr
    with serving(url, env={"COCKPIT_WARMUP": "0"}, cwd=folder, log=folder / "serve.log") as (app, proc):
        wait_for(lambda: runtime.running_server(url), "the server file beside the chDB folder", 60)
        yield {"url": url, "app": app, "folder": folder, "before": json.loads(before.stdout), "proc": proc}


def test_the_served_app_answers_from_clickhouse(served_chdb):
    q = urllib.parse.urlencode({"metrics": "gmv,orders,buyers", "by": "store", "from": "2025-06-01",
                                "to": "2025-06-30", "format": "json"})
    with urllib.request.urlopen(f"{served_chdb['app']}/api/v1/query?{q}", timeout=60) as r:
        rows = json.loads(r.read())
    assert rows == served_chdb["before"]
    # by hand (tests/conftest.py): June per store
    assert [(r["store"], r["gmv"], r["orders"], r["buyers"]) for r in rows] == [
        ("S1", 600.0, 4, 2), ("S2", 380.0, 2, 2), ("S3", 270.0, 2, 1)]


def test_a_command_beside_the_app_is_handed_over(served_chdb):
    r = cockpit("query", "--db", served_chdb["url"], "--metrics", "gmv,orders,buyers", "--by", "store", *JUNE,
                "--format", "json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == served_chdb["before"]
    r = cockpit("demo", "--db", served_chdb["url"], "--orders", "1000")
    assert r.returncode == 2 and "running" in r.stderr  # the demo never replaces what people view
    assert served_chdb["proc"].poll() is None


def test_an_import_beside_the_app_goes_through_its_inbox(served_chdb):
    f = served_chdb["folder"] / "orders-late.csv"
    f.write_text("订单编号,支付时间,店铺ID,成交渠道,买家ID,实付金额\nO900,2025/6/30 12:00,S1,商城,B900,100\n",
                 encoding="utf-8")
    r = cockpit("import", "--db", served_chdb["url"], "--table", "orders", f, "--wait")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "inbox" in r.stdout
    r = cockpit("query", "--db", served_chdb["url"], "--metrics", "orders", "--where", "store=S1", *JUNE)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[1] == "5"  # S1's June orders O1, O2, O3, O8 + O900
    assert (served_chdb["folder"] / "chdb.inbox" / "done").is_dir() and os.listdir(
        served_chdb["folder"] / "chdb.inbox" / "done")
