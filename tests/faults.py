"""Kill an import at a random moment (a real process, SIGKILL) and look at what is left:
the database must hold the state before the file or the state after it, never a part.
Shared by tests/test_robustness.py (a few kills) and bench/bench_robustness.py (many).

Two ways in, as in production: ``cockpit import`` on the database, and the running app's
inbox (a process holding the database and watching its inbox, as ``cockpit serve``
does).  After an inbox kill the app "starts again" (a watcher pass in this process) and
the file must then be imported exactly once.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from cockpit import inbox, rollups, store

ROOT = Path(__file__).resolve().parents[1]

APP = """
import sys, time
from cockpit import store, inbox
con = store.connect(sys.argv[1])
inbox.start_watcher(con, sys.argv[1], poll=0.05)
print("ready", flush=True)
time.sleep(600)
"""


def orders_csv(path: Path, n: int, seed: int = 7) -> Path:
    """n orders over two months: new keys and keys of the base, repeated keys (last
    wins), rejected rows: an import that touches every structure a write keeps."""
    rng = random.Random(seed)
    lines = ["订单编号,支付时间,店铺ID,账号ID,直播ID,成交渠道,买家ID,是否粉丝,实付金额,退款金额"]
    for i in range(n):
        oid = f"O{rng.randrange(1, 12)}" if i % 50 == 0 else f"F{i % (n - n // 20)}"  # base keys, repeats
        day = dt.datetime(2025, 5, 1) + dt.timedelta(minutes=rng.randrange(0, 61 * 24 * 60))
        paid = rng.randrange(1, 100_000) / 100
        bad = i % 97 == 0
        lines.append(",".join([
            oid, "9999-12-31 10:00" if bad else f"{day:%Y/%m/%d %H:%M}", rng.choice(["S1", "S2", "S3"]),
            rng.choice(["A1", "A2", ""]), rng.choice(["L1", "L2", ""]), rng.choice(["直播", "商城", "搜索"]),
            f"B{rng.randrange(1, n // 3 + 2)}", rng.choice(["是", "否"]), f"{paid:.2f}",
            f"{paid:.2f}" if i % 13 == 0 else "",
        ]))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def base_db(path: Path) -> Path:
    """The tiny group (tests/conftest.py), closed and checkpointed: copied per trial."""
    from tests.conftest import load_tiny

    con = store.connect(path)
    load_tiny(con)
    from cockpit import buyer_sets

    buyer_sets.build(con)
    con.execute("CHECKPOINT")
    con.close()
    return path


def state(db: Path) -> tuple:
    """What an import may change, without ids and times that differ between runs."""
    con = store.connect(db)
    try:
        return (
            tuple(con.execute("SELECT * EXCLUDE (_batch_id, buyer_key) FROM orders ORDER BY order_id").fetchall()),
            con.execute("SELECT count(*) FROM _replaced_orders").fetchall()[0][0],
            tuple(con.execute("SELECT file_name, table_name, rows_read, rows_accepted, rows_rejected, rows_duplicate, "
                              "status FROM import_batches ORDER BY batch_id").fetchall()),
            store.data_version(con),
        )
    finally:
        con.close()


def consistent(db: Path) -> list[str]:
    """Derived structures agree with the orders (rollups; every order has its buyer key)."""
    con = store.connect(db)
    bad = []
    try:
        for rt in rollups.DUCKDB_TABLES:
            con.execute(f"CREATE OR REPLACE TEMP TABLE _check AS SELECT * FROM {rt} WHERE false")
            con.execute("INSERT INTO _check " + rollups._SELECT[rt].format(where="TRUE"))
            diff = con.execute(f"SELECT count(*) FROM ((SELECT * FROM {rt} EXCEPT ALL SELECT * FROM _check) UNION ALL "
                               f"(SELECT * FROM _check EXCEPT ALL SELECT * FROM {rt}))").fetchall()[0][0]
            if diff:
                bad.append(f"{rt} disagrees with orders ({diff} rows)")
        if con.execute("SELECT count(*) FROM orders WHERE buyer_key IS NULL").fetchall()[0][0]:
            bad.append("orders without a buyer key")
    finally:
        con.close()
    return bad


def _env() -> dict:
    return {**os.environ, "PYTHONPATH": str(ROOT), "COCKPIT_LANG": "en", "COCKPIT_WARMUP": "0"}


def cli_import(db: Path, csv: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "cockpit.cli", "import", "--db", str(db), "--table", "orders",
                             str(csv)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env(), cwd=db.parent)


def reference(work: Path, base: Path, csv: Path) -> tuple[tuple, tuple, float]:
    """(state before, state after a complete import, seconds the CLI took)."""
    db = work / "reference.duckdb"
    shutil.copy(base, db)
    old = state(db)
    t0 = time.monotonic()
    p = cli_import(db, csv)
    out, err = p.communicate(timeout=300)
    took = time.monotonic() - t0
    assert p.returncode == 0, err.decode()
    new = state(db)
    assert new != old
    return old, new, took


def kill_cli(work: Path, base: Path, csv: Path, delay: float, old, new) -> tuple[list[str], str]:
    """Start `cockpit import`, SIGKILL it after ``delay`` seconds: (what is wrong after,
    which state it left: "old", "new" or "partial")."""
    db = work / "cli.duckdb"
    for f in (db, db.with_name(db.name + ".wal")):
        f.unlink(missing_ok=True)
    shutil.copy(base, db)
    p = cli_import(db, csv)
    time.sleep(delay)
    p.send_signal(signal.SIGKILL)
    p.communicate(timeout=60)
    return _judge(db, old, new)


def kill_inbox(work: Path, base: Path, csv: Path, delay: float, old, new) -> tuple[list[str], str]:
    """Hand the file to a running app's inbox, SIGKILL the app after ``delay`` seconds;
    then start "again" (a watcher pass here) and expect the new state exactly."""
    db = work / "app.duckdb"
    folder = work / "app.inbox"
    for f in (db, db.with_name(db.name + ".wal")):
        f.unlink(missing_ok=True)
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copy(base, db)
    env = {**_env(), "COCKPIT_INBOX": str(folder)}
    app = subprocess.Popen([sys.executable, "-c", APP, str(db)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           env=env, cwd=db.parent)
    try:
        line = app.stdout.readline().decode().strip()
        if line != "ready":
            return [f"the app did not start: {app.stderr.read().decode()[-500:]}"], "partial"
        inbox.write_atomic(folder / csv.name, csv.read_bytes())  # the same name as the reference import
        time.sleep(delay)
    finally:
        app.send_signal(signal.SIGKILL)
        app.communicate(timeout=60)
    bad, which = _judge(db, old, new)
    con = store.connect(db)
    try:
        outcomes = inbox.Watcher(con, folder, lang="en").run_once()
    finally:
        con.close()
    if any(not o.ok for o in outcomes):
        bad.append(f"after the restart: {[o.line for o in outcomes]}")
    if state(db) != new:
        bad.append("after the restart the file's rows are not there exactly once")
    return bad, which


def _judge(db: Path, old, new) -> tuple[list[str], str]:
    try:
        now = state(db)
    except Exception as e:  # noqa: BLE001
        return [f"the database does not open after the kill: {e}"], "partial"
    which = "old" if now == old else "new" if now == new else "partial"
    bad = [] if which != "partial" else ["neither the old nor the new state: a partial import"]
    return bad + consistent(db), which
