"""The inbox: one writer while the app runs (real DuckDB files, real processes where it matters)."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cockpit import clock, inbox, store
from cockpit.reports import live
from cockpit.view import View
from tests import clirun, serving

WAIT = 20.0  # every wait is bounded: poll up to this, then fail

# A stand-in for `cockpit serve`: holds the database (and optionally watches its inbox).
APP = """
import sys, time
from cockpit import store, inbox
con = store.connect(sys.argv[1])
if sys.argv[2] == "watch":
    inbox.start_watcher(con, sys.argv[1], poll=0.2)
print("ready", flush=True)
time.sleep(120)
"""


def start_app(db: Path, watch: bool) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", APP, str(db), "watch" if watch else "hold"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    assert line.strip() == "ready", proc.stderr.read()
    return proc


def stop_app(proc: subprocess.Popen) -> None:
    proc.kill()
    proc.wait(10)


def cockpit(*args, timeout=60):
    return clirun.cockpit(*args, timeout=timeout)


def wait_for(pred, what: str, timeout: float = WAIT):
    return serving.wait_for(pred, what, timeout, poll=0.1)


def write_csv(path: Path, text: str) -> Path:
    """Write then rename, as every inbox writer must."""
    inbox.write_atomic(path, text.encode("utf-8"))
    return path


def counts(con) -> dict:
    return {t: store.row_count(con, t) for t in ("stores", "orders", "live_sessions", "live_minutes")} | {
        "batches": store.scalar(con, "SELECT count(*) FROM import_batches")}


# ---------------------------------------------------------------- names and order

def test_inbox_beside_the_database_or_from_env(tmp_path, monkeypatch):
    monkeypatch.delenv("COCKPIT_INBOX", raising=False)
    assert inbox.inbox_dir(tmp_path / "data" / "cockpit.duckdb") == (tmp_path / "data" / "cockpit.inbox").resolve()
    monkeypatch.setenv("COCKPIT_INBOX", str(tmp_path / "drop"))
    assert inbox.inbox_dir(tmp_path / "x.duckdb") == (tmp_path / "drop").resolve()


def test_table_prefix_temp_names_and_processing_order(tmp_path):
    assert inbox.table_of("live_minutes-20261125T2001.csv") == "live_minutes"
    assert inbox.table_of("orders-x.parquet") == "orders"
    assert inbox.table_of("orders.xlsx") == "orders"
    assert inbox.table_of("ordersx.csv") is None and inbox.table_of("sales-1.csv") is None
    for name in (".orders-1.csv.tmp", "orders-1.csv.tmp", "orders-1.csv.part", "~$orders.xlsx", ".DS_Store"):
        assert inbox.is_temp_name(name), name
    for name in ("orders-2.csv", "live_minutes-T1.csv", "live_sessions-T1.csv", "live_sessions-T0.csv",
                 ".orders-3.csv.tmp", "stores-T1.csv"):
        (tmp_path / name).write_text("x")
    (tmp_path / "done").mkdir()
    assert [p.name for p in inbox.pending(tmp_path)] == [
        "orders-2.csv",  # stamps compare as text: "2" < "T..."
        "live_sessions-T0.csv",
        "stores-T1.csv", "live_sessions-T1.csv", "live_minutes-T1.csv",  # same stamp: session start first
    ]


# ---------------------------------------------------------------- the watcher

def _session_files(folder: Path, live_id: str, started: dt.datetime, ended: dt.datetime | None, tag: str):
    s = started.strftime("%Y-%m-%d %H:%M:%S")
    e = ended.strftime("%Y-%m-%d %H:%M:%S") if ended else ""
    m0 = started.replace(second=0)
    write_csv(folder / f"live_sessions-{tag}.csv",
              "live_id,account_id,title,started_at,ended_at,views,viewers,peak_online,new_followers\n"
              f"{live_id},A1,inbox测试专场,{s},{e},120,80,60,4\n")
    write_csv(folder / f"live_minutes-{tag}.csv",
              "live_id,minute,online,entries,new_followers\n"
              f"{live_id},{m0:%Y-%m-%d %H:%M:%S},40,70,3\n"
              f"{live_id},{m0 + dt.timedelta(minutes=1):%Y-%m-%d %H:%M:%S},60,50,1\n")
    write_csv(folder / f"orders-{tag}.csv",
              "order_id,paid_at,store_id,product_id,account_id,live_id,channel,buyer_id,is_fan,quantity,paid_amount\n"
              f"IB-{tag}-1,{s},S1,P1,A1,{live_id},live,B1,是,1,100.00\n"
              f"IB-{tag}-2,{s},S1,P1,A1,{live_id},live,B7,否,2,¥180.50\n")


def test_session_fed_through_the_inbox_shows_on_the_live_board(tiny_db, tmp_path):
    con = store.connect(tiny_db)
    folder = tmp_path / "tiny.inbox"
    w = inbox.Watcher(con, folder, poll=0.2).start()
    try:
        now = clock.now().replace(microsecond=0)
        started = now - dt.timedelta(minutes=5)
        _session_files(folder, "LIB1", started, None, "T1")

        def on_board(state, orders):
            def check():
                b = live.board(View(con.cursor()))
                rows = b.sessions.filter(b.sessions["live_id"] == "LIB1").to_dicts()
                # each file is its own transaction: the session row may land before its orders
                return rows[0] if rows and rows[0]["is_live"] is state and rows[0]["orders"] == orders else None
            return check

        row = wait_for(on_board(True, 2), "the fed session on the live board")
        assert row["live_gmv"] == pytest.approx(280.50) and row["orders"] == 2
        assert row["online_now"] == 60 and row["online_series"] == [40, 60]
        # the session ends: it moves to "ended today"
        _session_files(folder, "LIB1", started, now, "T2")
        row = wait_for(on_board(False, 4), "the ended session under ended today")
        assert row["ended_at"] == now
        assert wait_for(lambda: len(list((folder / "done").iterdir())) == 6, "six files in done/")
        assert not list((folder / "failed").iterdir())
        src = store.fetchall(con, "SELECT DISTINCT source FROM import_batches WHERE file_name LIKE 'live_sessions-T%'")
        assert src == [("inbox",)]
        hb = json.loads((folder / inbox.HEARTBEAT).read_text())
        assert hb["pid"] == os.getpid() and inbox.watcher_info(folder) is not None
    finally:
        w.stop()
        con.close()
    assert not (folder / inbox.HEARTBEAT).exists()


def test_malformed_files_go_to_failed_with_reason_and_change_nothing(tiny_con, tmp_path):
    folder = tmp_path / "inbox"
    folder.mkdir()
    before = counts(tiny_con)
    write_csv(folder / "orders-1-missing.csv", "order_id,paid_at\nX1,2025-06-01 10:00\n")
    write_csv(folder / "sales-2.csv", "a,b\n1,2\n")  # no table prefix
    (folder / "stores-3-binary.parquet").write_bytes(b"\x00\x01not parquet at all")
    (folder / ".stores-4.csv.tmp").write_text("store_id,store_name,store_type\nS9,半截,direct\n")  # still being written
    w = inbox.Watcher(tiny_con, folder)
    outcomes = w.run_once()
    assert [o.ok for o in outcomes] == [False, False, False]
    failed = folder / "failed"
    for name, words in (("orders-1-missing.csv", ["orders", "missing required columns", "store_id"]),
                        ("sales-2.csv", ["must start with the table", "orders-"]),
                        ("stores-3-binary.parquet", ["stores", "NOT IMPORTED"])):
        assert (failed / name).exists(), name
        reason = (failed / f"{name}.reason.txt").read_text("utf-8")
        assert all(w_ in reason for w_ in words), reason
        assert "Traceback" not in reason
    assert (folder / ".stores-4.csv.tmp").exists()  # a partial file is never touched
    assert counts(tiny_con) == before
    assert store.scalar(tiny_con, "SELECT store_name FROM stores WHERE store_id = 'S1'") == "山野茶官方旗舰店"
    # the watcher goes on: a good file after the bad ones imports
    write_csv(folder / "stores-5.csv", "store_id,store_name,store_type\nS9,新店,direct\n")
    (ok,) = w.run_once()
    assert ok.ok and (folder / "done" / "stores-5.csv").exists()
    assert store.row_count(tiny_con, "stores") == before["stores"] + 1
    log = (folder / inbox.LOG_NAME).read_text("utf-8")
    assert log.count("failed  ") == 3 and log.count("done    ") == 1


def test_an_implausible_date_is_a_rejected_row_with_its_line_and_the_file_is_done(tiny_con, tmp_path):
    """issue 12: 9999-12-31 once failed the whole file with "OverflowError: date value out
    of range"; now it is one rejected row, named by its line, and the rest goes in."""
    folder = tmp_path / "inbox"
    write_csv(folder / "orders-1.csv", "order_id,paid_at,store_id,channel,buyer_id,paid_amount\n"
                                       "Z1,2025-06-03 10:00,S1,mall,B1,10\nZ2,9999-12-31 10:00,S1,mall,B2,10\n")
    (o,) = inbox.Watcher(tiny_con, folder, lang="en").run_once()
    assert o.ok and (folder / "done" / "orders-1.csv").exists()
    assert o.line.startswith("orders-1.csv → orders: 2 read, 1 accepted, 1 rejected, 0 duplicates (rejects: ")
    rejects = Path(o.line.split("(rejects: ")[1].rstrip(")"))
    assert rejects.read_text("utf-8-sig").splitlines()[1].startswith(
        "3,paid_at: date outside the accepted range 2000-01-01 to ")
    assert store.fetchall(tiny_con, "SELECT order_id FROM orders WHERE order_id LIKE 'Z%'") == [("Z1",)]


@pytest.mark.parametrize("lang, expected", [
    ("en", "orders-1.csv → orders: NOT IMPORTED: the import stopped on an unexpected problem (date value out of "
           "range); details are in the log; nothing changed"),
    ("zh", "orders-1.csv → orders：未导入：导入时出现意外问题（date value out of range），详情已写入日志；数据没有任何改动"),
])
def test_an_unforeseen_failure_is_a_sentence_not_an_exception_name(tiny_con, tmp_path, monkeypatch, lang, expected):
    from cockpit import batches

    def overflow(*a, **k):
        raise OverflowError("date value out of range")

    monkeypatch.setattr(batches, "write_batch", overflow)
    folder = tmp_path / "inbox"
    before = counts(tiny_con)
    write_csv(folder / "orders-1.csv", "order_id,paid_at,store_id,channel,buyer_id,paid_amount\n"
                                       "Z1,2025-06-03 10:00,S1,mall,B1,10\n")
    (o,) = inbox.Watcher(tiny_con, folder, lang=lang).run_once()
    assert not o.ok
    reason = (folder / "failed" / "orders-1.csv.reason.txt").read_text("utf-8").strip()
    assert reason == expected and "OverflowError" not in reason
    assert counts(tiny_con) == before
    # the same when the importer itself raises (it should never): a sentence, and the app goes on
    from cockpit import importer

    monkeypatch.setattr(importer, "import_file", lambda *a, **k: (_ for _ in ()).throw(ValueError("odd")))
    write_csv(folder / "orders-2.csv", "order_id\nZ2\n")
    (o,) = inbox.Watcher(tiny_con, folder, lang="en").run_once()
    assert o.line == ("orders-2.csv → orders: NOT IMPORTED: the import stopped on an unexpected problem (odd); "
                      "details are in the log; nothing changed")


def test_file_committed_before_a_restart_is_not_imported_twice(tiny_con, tmp_path):
    folder = tmp_path / "inbox"
    write_csv(folder / "stores-1.csv", "store_id,store_name,store_type\nS9,新店,direct\n")
    w = inbox.Watcher(tiny_con, folder)
    (first,) = w.run_once()
    assert first.ok
    n = store.scalar(tiny_con, "SELECT count(*) FROM import_batches")
    # the app died after COMMIT but before the move: the file is still in the inbox
    os.replace(folder / "done" / "stores-1.csv", folder / "stores-1.csv")
    (again,) = inbox.Watcher(tiny_con, folder).run_once()
    assert again.ok and "already imported" in again.line
    assert store.scalar(tiny_con, "SELECT count(*) FROM import_batches") == n
    assert sorted(p.name for p in (folder / "done").iterdir()) == ["stores-1.csv"]


KILLER = """
import os, signal, sys
from pathlib import Path
from cockpit import clock, inbox, store
con = store.connect(sys.argv[1])
folder = Path(sys.argv[2])
(first,) = inbox.Watcher(con, folder).run_once()          # commits
assert first.ok, first.line
inbox.write_atomic(folder / "stores-2.csv", sys.argv[3].encode("utf-8"))
inbox.Watcher(con, folder, before_commit=lambda: os.kill(os.getpid(), signal.SIGKILL)).run_once()
print("not killed")
"""


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_kill_mid_import_keeps_committed_data_and_no_partial_rows(tiny_db, tmp_path):
    folder = tmp_path / "inbox"
    write_csv(folder / "stores-1.csv", "store_id,store_name,store_type\nS8,先到的店,direct\n")
    second = "store_id,store_name,store_type\nS1,改名了,direct\nS9,后到的店,authorized\n"
    con = store.connect(tiny_db)
    before = counts(con)
    con.close()
    proc = subprocess.run([sys.executable, "-c", KILLER, str(tiny_db), str(folder), second],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert "not killed" not in proc.stdout
    con = store.connect(tiny_db)
    try:
        names = dict(store.fetchall(con, "SELECT store_id, store_name FROM stores"))
        assert names["S8"] == "先到的店"  # committed before the kill: kept
        assert names["S1"] == "山野茶官方旗舰店" and "S9" not in names  # the killed file: nothing of it
        assert counts(con) == before | {"stores": before["stores"] + 1, "batches": before["batches"] + 1}
        assert (folder / "stores-2.csv").exists()  # still waiting, neither done nor failed
        assert not (folder / "done" / "stores-2.csv").exists() and not list((folder / "failed").iterdir())
        # the next app start imports it
        (o,) = inbox.Watcher(con, folder).run_once()
        assert o.ok
        names = dict(store.fetchall(con, "SELECT store_id, store_name FROM stores"))
        assert names["S1"] == "改名了" and names["S9"] == "后到的店"
    finally:
        con.close()


# ---------------------------------------------------------------- `cockpit import` while the app runs

def test_import_hands_files_to_the_running_apps_inbox(tiny_db, tmp_path):
    good = write_csv(tmp_path / "新店.csv", "store_id,store_name,store_type\nS9,新店,direct\n")
    bad = write_csv(tmp_path / "bad.csv", "store_id\nS10\n")
    app = start_app(tiny_db, watch=True)
    try:
        folder = inbox.inbox_dir(tiny_db)
        wait_for(lambda: inbox.watcher_info(folder), "the app's heartbeat")
        r = cockpit("import", "--db", tiny_db, "--table", "stores", good)
        assert r.returncode == 0, r.stderr
        assert "handed to the running app's inbox" in r.stdout and str(folder / "done") in r.stdout
        r = cockpit("import", "--db", tiny_db, "--table", "stores", "--wait", good, bad)
        assert r.returncode == 2, r.stderr
        lines = r.stdout.splitlines()
        assert sum("handed to the running app's inbox" in x for x in lines) == 2
        assert any("1 read, 1 accepted, 0 rejected" in x for x in lines), r.stdout
        assert any("NOT IMPORTED" in x and "store_name" in x for x in lines), r.stdout
        assert "Traceback" not in r.stdout + r.stderr
        r = cockpit("import", "--db", tiny_db, "--table", "nosuch", good)
        assert r.returncode == 2 and "unknown table 'nosuch'" in r.stderr and "Traceback" not in r.stderr
        r = cockpit("import", "--db", tiny_db, "--table", "stores", "--user", "alice", "--wait", good)
        assert r.returncode == 0, r.stdout + r.stderr
        wait_for(lambda: len(list((folder / "done").iterdir())) == 3, "the three good copies imported")
        assert not [p for p in folder.iterdir() if p.name.endswith(".by")]  # the claims went with the files
    finally:
        stop_app(app)
    con = store.connect(tiny_db)
    try:
        assert store.scalar(con, "SELECT store_name FROM stores WHERE store_id = 'S9'") == "新店"
        assert store.fetchall(con, "SELECT imported_by, count(*) FROM import_batches WHERE source = 'inbox' "
                                   "GROUP BY 1 ORDER BY 1") == [("alice (inbox)", 1), ("inbox", 2)]
    finally:
        con.close()


def test_done_files_are_pruned_after_the_keep_period(tiny_con, tmp_path, monkeypatch):
    folder = tmp_path / "x.inbox"
    w = inbox.Watcher(tiny_con, folder)
    w.setup()
    (folder / inbox.DONE).mkdir(exist_ok=True)
    old, fresh = folder / inbox.DONE / "orders-old.csv", folder / inbox.DONE / "orders-new.csv"
    for f in (old, fresh):
        f.write_text("x")
    now = time.time()
    os.utime(old, (now - 8 * 86400, now - 8 * 86400))  # 8 days in done/
    os.utime(fresh, (now - 6 * 86400, now - 6 * 86400))
    assert w.prune_done(now) == 1
    assert sorted(p.name for p in (folder / inbox.DONE).iterdir()) == ["orders-new.csv"]
    assert "pruned  1 file(s) older than 7 days" in (folder / inbox.LOG_NAME).read_text("utf-8")
    monkeypatch.setenv("COCKPIT_INBOX_KEEP_DAYS", "5")
    assert w.prune_done(now) == 1 and not list((folder / inbox.DONE).iterdir())


def test_import_against_a_database_held_by_something_else_fails_at_once(tiny_db, tmp_path):
    good = write_csv(tmp_path / "s.csv", "store_id,store_name,store_type\nS9,新店,direct\n")
    folder = inbox.inbox_dir(tiny_db)
    folder.mkdir()  # an inbox left by an app that is gone: a stale heartbeat of a dead pid
    (folder / inbox.HEARTBEAT).write_text(json.dumps({"pid": 2 ** 22 + 12345, "beat": time.time() - 3600}))
    holder = start_app(tiny_db, watch=False)
    try:
        t0 = time.monotonic()
        r = cockpit("import", "--db", tiny_db, "--table", "stores", good, timeout=30)
        took = time.monotonic() - t0
    finally:
        stop_app(holder)
    assert r.returncode == 2
    assert "in use by another process" in r.stderr and "no running app" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
    assert took < 15, took  # fails at once: a bound on hanging, not a benchmark
    assert [p.name for p in inbox.pending(folder)] == []  # nothing handed to a dead inbox
