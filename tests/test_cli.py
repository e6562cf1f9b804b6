"""The `cockpit` command as a user runs it: real processes, real database files."""

import csv
import io
import json
import subprocess
import sys

import pytest

from tests import clirun

# every command on the tiny group in DuckDB and in chDB (opened by each `cockpit` process)
pytestmark = pytest.mark.engines(process="other")


def cockpit(*args, check=True):
    r = clirun.cockpit(*args, timeout=120)
    if check:
        assert r.returncode == 0, r.stderr
    return r


def test_query_json_keys_are_dims_and_metric_ids(tiny_db):
    r = cockpit("query", "--db", tiny_db, "--metrics", "gmv,orders,refund_rate", "--by", "store",
                "--from", "2025-06-01", "--to", "2025-06-30", "--format", "json")
    rows = json.loads(r.stdout)
    assert rows == [
        {"store": "S1", "gmv": 600.0, "orders": 4, "refund_rate": 50 / 600},
        {"store": "S2", "gmv": 380.0, "orders": 2, "refund_rate": 80 / 380},
        {"store": "S3", "gmv": 270.0, "orders": 2, "refund_rate": 0.0},
    ]


def test_query_to_is_inclusive_and_csv_has_header(tiny_db):
    r = cockpit("query", "--db", tiny_db, "--metrics", "gmv", "--by", "day", "--from", "2025-06-01", "--to", "2025-06-03")
    rows = list(csv.DictReader(io.StringIO(r.stdout.removeprefix("\ufeff"))))
    assert rows == [
        {"day": "2025-06-01", "gmv": "300.0"},
        {"day": "2025-06-02", "gmv": "50.0"},
        {"day": "2025-06-03", "gmv": "380.0"},
    ]


def test_query_compare_and_where(tiny_db):
    r = cockpit("query", "--db", tiny_db, "--metrics", "gmv", "--from", "2025-06-01", "--to", "2025-06-30",
                "--compare", "yoy", "--where", "store=S1", "--format", "json")
    (row,) = json.loads(r.stdout)
    # S1 June 2025: O1 O2 O3 O8 = 600; June 2024: O11 = 625
    assert row["gmv"] == 600.0 and row["gmv__cmp"] == 625.0 and row["gmv__delta"] == -25.0
    assert abs(row["gmv__pct"] - (-0.04)) < 1e-12


def test_query_user_mistakes_are_one_line_exit_2(tiny_db, tmp_path):
    cases = [
        (["--metrics", "gmvv"], "unknown metric 'gmvv'"),
        (["--metrics", "gmv", "--by", "planet"], "unknown dimension 'planet'"),
        (["--metrics", "gmv", "--from", "2025-13-01"], "not a date"),
        (["--metrics", "gmv", "--where", "store"], "DIM=VALUE"),
        (["--metrics", "market_share", "--by", "store"], "cannot be split by store"),
    ]
    for extra, message in cases:
        r = cockpit("query", "--db", tiny_db, *extra, check=False)
        assert r.returncode == 2, (extra, r.stderr)
        assert message in r.stderr and "Traceback" not in r.stderr, r.stderr
    r = cockpit("query", "--db", tmp_path / "missing.duckdb", "--metrics", "gmv", check=False)
    assert r.returncode == 2 and "does not exist" in r.stderr


def test_db_from_environment(tiny_db):
    import os

    env = dict(os.environ, COCKPIT_DB=str(tiny_db))
    r = subprocess.run([sys.executable, "-m", "cockpit.cli", "query", "--metrics", "orders", "--format", "json"],
                       capture_output=True, text=True, env=env, timeout=120)
    assert json.loads(r.stdout) == [{"orders": 11}]


@pytest.mark.engines("duckdb")  # buyer sets: DuckDB's fast path
def test_import_rebuilds_the_buyer_sets_of_the_months_it_touched(tiny_db, tmp_path):
    from cockpit import buyer_sets, store

    con = store.connect(tiny_db)
    assert buyer_sets.build(con) == 3  # 2024-06, 2025-05, 2025-06
    con.close()
    f = tmp_path / "july.csv"
    f.write_text("order_id,paid_at,store_id,channel,buyer_id,paid_amount\n"
                 "J1,2025-07-02 10:00:00,S1,mall,B1,10.00\nJ2,2025-06-30 22:00:00,S2,mall,B7,5.00\n",
                 encoding="utf-8")
    r = cockpit("import", "--db", tiny_db, "--table", "orders", f)
    assert "buyer sets of 2 month(s) rebuilt" in r.stdout  # June again, and July
    con = store.connect(tiny_db, read_only=True)
    assert buyer_sets.missing_months(con) == []
    con.close()
    # and the figures read from them: June has B1-B5 and now B7
    r = cockpit("query", "--db", tiny_db, "--metrics", "buyers", "--from", "2025-06-01", "--to", "2025-07-31",
                "--format", "json")
    assert json.loads(r.stdout) == [{"buyers": 6}]


def test_query_csv_is_the_excel_csv_with_bom(tiny_db):
    r = subprocess.run([sys.executable, "-m", "cockpit.cli", "query", "--db", str(tiny_db), "--metrics", "gmv",
                        "--by", "store", "--labels", "--from", "2025-06-01", "--to", "2025-06-30"],
                       capture_output=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(r.stdout.decode("utf-8-sig"))))
    assert rows[0] == {"store": "S1", "store_name": "山野茶官方旗舰店", "gmv": "600.0"}


def test_export_and_query_say_did_you_mean(tiny_db, tmp_path):
    out = tmp_path / "o.csv"
    cases = [
        (["export", "--page", "overview", "--period", "last_monht"], "unknown period 'last_monht' for --period; "
                                                                    "did you mean last_month"),
        (["export", "--page", "overview", "--brand", "山野"], "unknown brand '山野' for --brand; did you mean 山野茶"),
        (["export", "--page", "overview", "--store", "S4"], "unknown store 'S4' for --store; did you mean"),
        (["export", "--page", "overview", "--account", "达人小路"], "did you mean D1 (达人小鹿)"),
        (["export", "--page", "overview", "--period", "custom", "--from", "2099-01-01", "--to", "2099-01-31"],
         "has not begun"),
        (["query", "--metrics", "gmv", "--where", "store=S9"], "unknown store 'S9' for --where store="),
    ]
    for extra, message in cases:
        args = [extra[0], "--db", tiny_db, *extra[1:]] + (["--out", out] if extra[0] == "export" else [])
        r = cockpit(*args, check=False)
        assert r.returncode == 2, (extra, r.stdout, r.stderr)
        assert message in r.stderr and "Traceback" not in r.stderr, r.stderr
    assert not out.exists()


def test_export_takes_names_and_clamps_an_end_after_today(tiny_db, tmp_path):
    out = tmp_path / "o.csv"
    r = cockpit("export", "--db", tiny_db, "--page", "entities", "--table", "stores", "--store", "山野茶经销A店",
                "--from", "2025-06-01", "--to", "2099-12-31", "--out", out)
    assert "note: the end date 2099-12-31 is after today" in r.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_bytes().decode("utf-8-sig"))))
    assert [row["店铺ID"] for row in rows] == ["S2"]
