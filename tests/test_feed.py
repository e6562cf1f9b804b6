"""`cockpit feed`: files the watcher imports cleanly, with rows that add up."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cockpit import clock, feed, inbox, store
from tests import clirun

APP = """
import sys, time
from cockpit import store, inbox
con = store.connect(sys.argv[1])
inbox.start_watcher(con, sys.argv[1], poll=0.2)
print("ready", flush=True)
time.sleep(120)
"""


def cockpit(*args, timeout=60):
    return clirun.cockpit(*args, timeout=timeout)


def run_feed(con, folder: Path, ticks: int, seed: int = 3, accounts: int = 3, speed: float = 200.0,
             start: dt.datetime | None = None) -> feed.Feed:
    f = feed.Feed(feed.catalog_from_db(con), folder, accounts=accounts, speed=speed, seed=seed, run_id="T")
    t = start or clock.now().replace(microsecond=0)
    for _ in range(ticks):
        f.tick(t)
        t += dt.timedelta(seconds=f.interval)
    return f


def test_feed_files_import_cleanly_and_add_up(tiny_con, tmp_path):
    folder = tmp_path / "inbox"
    now = clock.now().replace(microsecond=0)
    f = run_feed(tiny_con, folder, ticks=40, speed=2.0, start=now)  # 40 ticks of 2.5 s: ~100 s of feed
    f.stop(now + dt.timedelta(seconds=100))
    outcomes = inbox.Watcher(tiny_con, folder).run_once()
    assert outcomes and all(o.ok for o in outcomes), [o.line for o in outcomes if not o.ok]
    assert not any("rejected" in o.line and ", 0 rejected" not in o.line for o in outcomes)
    q = lambda sql, p=None: store.fetchall(tiny_con, sql, p)  # noqa: E731
    sessions = q("SELECT live_id, account_id, started_at, ended_at, views, viewers, peak_online, product_clicks, "
                 "product_exposures FROM live_sessions WHERE live_id LIKE 'LFT-%' ORDER BY live_id")
    assert len(sessions) >= 3
    accounts = dict(q("SELECT account_id, account_type FROM accounts"))
    acct_store = dict(q("SELECT account_id, store_id FROM accounts"))
    for lid, acct, started, ended, views, viewers, peak, clicks, expo in sessions:
        assert ended is not None and started <= ended  # the feed stopped: every session ended
        assert views >= viewers >= expo >= clicks >= 0
        (gmv, n, bad_store, outside), = q(
            "SELECT coalesce(sum(paid_amount), 0), count(*), "
            "count(*) FILTER (WHERE o.store_id <> p.store_id), "
            "count(*) FILTER (WHERE paid_at < ? OR paid_at > ?) "
            "FROM orders o JOIN products p USING (product_id) WHERE live_id = ? AND channel = 'live'",
            [started, ended, lid])
        assert bad_store == 0 and outside == 0
        if accounts[acct] != "distributor":
            assert q("SELECT count(*) FROM orders WHERE live_id = ? AND store_id <> ?", [lid, acct_store[acct]]) == [(0,)]
        (tgmv, tviews), = q("SELECT coalesce(sum(gmv), 0), coalesce(sum(views), 0) FROM live_traffic WHERE live_id = ?", [lid])
        assert tgmv == gmv and tviews == views  # traffic partitions the session's GMV and views
        (mpeak, mnf), = q("SELECT max(online), sum(new_followers) FROM live_minutes WHERE live_id = ?", [lid])
        assert mpeak is not None and peak >= mpeak
        assert q("SELECT new_followers FROM live_sessions WHERE live_id = ?", [lid]) == [(mnf,)]
        if accounts[acct] != "own":
            assert q("SELECT count(*) FROM live_traffic WHERE live_id = ? AND source = 'distribution'", [lid]) == [(0,)]
    # a buyer is a fan or not, whatever the order
    assert q("SELECT count(*) FROM (SELECT buyer_id FROM orders WHERE order_id LIKE 'OFT-%' "
             "GROUP BY 1 HAVING count(DISTINCT is_fan) > 1)") == [(0,)]
    assert q("SELECT count(*) FROM orders WHERE order_id LIKE 'OFT-%'")[0][0] > 0


def test_feed_is_deterministic_for_a_seed(tiny_con, tmp_path):
    start = dt.datetime(2026, 11, 25, 20, 0, 0)

    def contents(folder, seed):
        run_feed(tiny_con, folder, ticks=8, seed=seed, start=start)
        return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}

    a = contents(tmp_path / "a", 5)
    assert a == contents(tmp_path / "b", 5)
    assert a != contents(tmp_path / "c", 6)


def test_feed_keeps_n_sessions_live_and_replaces_ended_ones(tiny_con, tmp_path):
    f = feed.Feed(feed.catalog_from_db(tiny_con), tmp_path / "inbox", accounts=2, speed=1000.0, seed=3)
    f.session_minutes = (1.0, 2.0)  # 12-24 ticks of 5 s
    t = clock.now()
    f.tick(t)
    assert len(f.active) == 2
    ended = started = 0
    for _ in range(120):
        t += dt.timedelta(seconds=f.interval)
        k = f.tick(t)
        ended += k.ended
        started += k.started
        assert len(f.active) <= 2
    assert ended >= 2 and started >= 2 and len(f.active) >= 1


def test_cli_feed_into_a_running_app_shows_on_the_live_board(tiny_db):
    app = subprocess.Popen([sys.executable, "-c", APP, str(tiny_db)], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
    try:
        assert app.stdout.readline().strip() == "ready", app.stderr.read()
        folder = inbox.inbox_dir(tiny_db)
        # the app holds the database: the feed reads the catalog the app published
        r = cockpit("feed", "--db", tiny_db, "--accounts", "2", "--speed", "10", "--ticks", "3", "--seed", "1")
        assert r.returncode == 0, r.stderr
        lines = r.stdout.splitlines()
        assert lines[0].startswith("feeding 2 live sessions into") and "note:" not in r.stdout
        assert sum(bool(re.match(r"\d\d:\d\d:\d\d tick \d+: ", x)) for x in lines) == 4  # 3 ticks + the stop
        end = time.monotonic() + 20
        while inbox.pending(folder) and time.monotonic() < end:
            time.sleep(0.1)
        assert not inbox.pending(folder), "the app did not import the feed's files within 20 s"
        assert not list((folder / "failed").iterdir())
    finally:
        app.kill()
        app.wait(10)
    # read the board in a child too: it shares the feed's clock (TZ is set for children)
    r = subprocess.run([sys.executable, "-c", BOARD, str(tiny_db)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    fed = [row for row in json.loads(r.stdout) if row["live_id"].startswith("LF")]
    assert len(fed) == 2 and not any(row["is_live"] for row in fed)  # the feed ended them when it stopped
    assert all(row["orders"] > 0 and row["live_gmv"] > 0 for row in fed), fed


BOARD = """
import json, sys
from cockpit import store
from cockpit.reports import live
from cockpit.view import View
con = store.connect(sys.argv[1], read_only=True)
b = live.board(View(con))
print(json.dumps(b.sessions.select("live_id", "is_live", "orders", "live_gmv").to_dicts()))
"""


def test_cli_feed_user_mistakes_are_one_line(tiny_db, tmp_path):
    for args, msg in ((["--accounts", "0"], "--accounts must be at least 1"),
                      (["--speed", "0"], "--speed must be greater than 0"),
                      (["--db", tmp_path / "none.duckdb"], "there is no database")):
        r = cockpit("feed", *(["--db", tiny_db] if "--db" not in args else []), *args, "--ticks", "1",
                    "--inbox", tmp_path / "inbox")
        assert r.returncode == 2 and msg in r.stderr, (args, r.stderr)
        assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr


def test_feed_without_a_catalog_while_the_database_is_held_fails_clearly(tiny_db, tmp_path):
    holder = subprocess.Popen([sys.executable, "-c", APP.replace("inbox.start_watcher", "(lambda *a, **k: 0)"),
                               str(tiny_db)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        r = cockpit("feed", "--db", tiny_db, "--ticks", "1", "--inbox", tmp_path / "inbox")
    finally:
        holder.kill()
        holder.wait(10)
    assert r.returncode == 2 and "in use by another process" in r.stderr and "cockpit serve" in r.stderr
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize("shares,total", [([1.0, 2.0, 3.0], 100), ([0.5, 0.5], 1), ([1e-6, 1.0], 7), ([1.0], 0)])
def test_partition_adds_up(shares, total):
    parts = feed._partition(total, shares)
    assert sum(parts) == total and min(parts) >= 0
