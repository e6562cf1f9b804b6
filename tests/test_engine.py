"""The engine door on DuckDB and on ClickHouse (chDB): URLs, binding, fetching, recording,
time zones, "no data" staying NULL, and the tiny group's hand-worked figures on both."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from cockpit import engine, periods, query, store
from cockpit.engine import clickhouse_engine, url as urls


# --- URLs (SPEC section 5) ------------------------------------------------------------

def test_urls_as_people_type_them(monkeypatch):
    assert urls.parse("data/x.duckdb") == urls.DatabaseURL("duckdb", Path("data/x.duckdb"))
    assert urls.parse("duckdb:///srv/c.duckdb").path == Path("/srv/c.duckdb")
    ch = urls.parse("chdb:///srv/cockpit?database=group1")
    assert (ch.scheme, ch.engine, ch.path, ch.database) == ("chdb", "clickhouse", Path("/srv/cockpit"), "group1")
    assert urls.parse("chdb:///srv/cockpit").database == "cockpit"
    srv = urls.parse("clickhouse://bi:s3cr%40t@ch.internal:8123/brand")
    assert (srv.host, srv.port, srv.user, srv.password, srv.database) == ("ch.internal", 8123, "bi", "s3cr@t", "brand")
    assert "s3cr" not in str(srv) and "***" in str(srv)  # printed URLs never show the password
    assert urls.parse(srv.dsn) == srv
    monkeypatch.setenv("COCKPIT_DB", "chdb:///env/place")
    assert urls.resolve(None).path == Path("/env/place")
    assert urls.resolve("given.duckdb").path == Path("given.duckdb")
    monkeypatch.delenv("COCKPIT_DB")
    assert urls.resolve(None).path == Path("data/cockpit.duckdb")


@pytest.mark.parametrize("bad, why", [
    ("postgres://x/y", "unknown database URL scheme"),
    ("clickhouse:///nohost", "needs a host"),
    ("chdb://relative/path", "three slashes"),
])
def test_bad_urls_say_why(bad, why):
    with pytest.raises(urls.URLError, match=why):
        urls.parse(bad)
    with pytest.raises(store.StoreError, match=why):  # what the CLI prints as one line
        store.connect(bad)


# --- binding: values never become SQL ---------------------------------------------------

def test_bind_leaves_quoted_text_and_comments_alone():
    sql = "SELECT '?', \"$a\", $a -- ? $a\n, ?"
    assert clickhouse_engine.bind(sql, {"a": "x"}).startswith("SELECT '?', \"$a\", 'x' -- ? $a\n")
    assert clickhouse_engine.bind("SELECT ?, ?", [1, None]) == "SELECT 1, NULL"
    assert clickhouse_engine.bind("SELECT $d", {"d": dt.date(2025, 6, 1)}) == "SELECT toDate('2025-06-01')"


@pytest.mark.parametrize("evil", ["x' OR 1=1 --", "a\\'b", "'); DROP TABLE orders; --", "$a ? %s %(x)s"])
def test_values_stay_values(db_url, evil):
    con = store.connect(db_url)
    try:
        assert con.scalar("SELECT ? AS v", [evil]) == evil
        assert con.fetch_pl("SELECT $v AS v", {"v": evil})["v"].to_list() == [evil]
        assert "orders" in con.tables()
    finally:
        con.close()


# --- the door ---------------------------------------------------------------------------

def test_door_reads_and_records(db_url):
    con = store.connect(db_url)
    try:
        with engine.recording() as calls:
            df = con.fetch_pl("SELECT CAST(? AS BIGINT) AS n, CAST(? AS VARCHAR) AS s", [7, "七"])
            rows = con.fetchall("SELECT count(*) FROM stores")
        assert df.to_dicts() == [{"n": 7, "s": "七"}]
        assert rows == [(0,)]
        assert [c[0] for c in calls] == ["SELECT CAST(? AS BIGINT) AS n, CAST(? AS VARCHAR) AS s",
                                         "SELECT count(*) FROM stores"]
        assert calls[0][1] == [7, "七"] and calls[0][2] >= 0
        assert engine.recorder() is None  # only inside the block
    finally:
        con.close()


def test_times_keep_their_wall_clock(db_url):
    """Stored and read back as imported (Asia/Shanghai wall clock; the test process runs in
    that zone), whatever zone the engine works in."""
    from tests.conftest import load_tiny

    con = store.connect(db_url)
    try:
        load_tiny(con)
        got = con.fetchall("SELECT paid_at, shipped_at FROM orders WHERE order_id = 'O2'")
        assert got == [(dt.datetime(2025, 6, 1, 20, 30), dt.datetime(2025, 6, 4, 21, 0))]  # 72.5 h later
        df = con.fetch_pl("SELECT paid_at FROM orders WHERE paid_at >= $s AND paid_at < $e ORDER BY paid_at",
                          {"s": dt.datetime(2025, 6, 1, 20, 0), "e": dt.datetime(2025, 6, 1, 20, 30)})
        assert df["paid_at"].to_list() == [dt.datetime(2025, 6, 1, 20, 0)]
        assert df["paid_at"].dtype.time_zone is None
    finally:
        con.close()


def test_transactions_as_each_engine_gives_them(db_url):
    """DuckDB rolls a failed block back; ClickHouse has no multi-statement transaction:
    what ran before the failure stays (imports use their own protocol, test_batches_engines)."""
    con = store.connect(db_url)
    try:
        with pytest.raises(RuntimeError):
            with store.transaction(con):
                con.execute("INSERT INTO audit_log (\"at\", username, action, detail) VALUES (?, 'u', 'x', '')",
                            [dt.datetime(2025, 1, 1)])
                raise RuntimeError("boom")
        kept = con.scalar("SELECT count(*) FROM audit_log WHERE action = 'x'")
        assert kept == (0 if con.kind == "duckdb" else 1)
    finally:
        con.close()


# --- the tiny group's figures (worked by hand in tests/conftest.py) on both engines --------

JUNE = periods.Period(dt.date(2025, 6, 1), dt.date(2025, 6, 30))


def test_tiny_group_headline_figures(tiny_any):
    df = query.run(tiny_any, query.Query.make(
        ["gmv", "orders", "buyers", "refund_amount", "refund_rate", "peak_online", "live_sessions"], (), JUNE))
    row = df.to_dicts()[0]
    # O1..O8: 100+200+50+300+80+120+150+250; buyers B1..B5; refunds O2 50 + O5 80
    assert Decimal(str(row["gmv"])) == Decimal("1250")
    assert (row["orders"], row["buyers"]) == (8, 5)
    assert Decimal(str(row["refund_amount"])) == Decimal("130")
    assert row["refund_rate"] == pytest.approx(130 / 1250)
    assert (row["peak_online"], row["live_sessions"]) == (300, 4)  # L4's peak; L1..L4 start in June


def test_tiny_group_by_store(tiny_any):
    df = query.run(tiny_any, query.Query.make(["gmv", "orders", "buyers"], ["store"], JUNE, order_by="store"))
    got = {r["store"]: (float(r["gmv"]), r["orders"], r["buyers"]) for r in df.to_dicts()}
    assert got == {"S1": (600.0, 4, 2), "S2": (380.0, 2, 2), "S3": (270.0, 2, 1)}


def test_a_year_of_session_ids_fits_in_one_statement(tiny_any):
    """A list filter as long as a big group's year of sessions (40,000 ids, ~440 KB as
    literals, which chDB and the HTTP client put in the query text: ClickHouse's 256 KB
    default refused the sessions page's "this year" at 10M orders) still counts only the
    ids that exist: L1 and L3 among 39,998 unknown ones."""
    ids = ["L1", "L3"] + [f"LX{i:08d}" for i in range(39_998)]
    params: dict = {}
    inside = query.bind_list(params, "ids", ids, query.dialect_of(tiny_any))
    n = tiny_any.scalar(f"SELECT count(*) FROM live_sessions WHERE live_id IN ({inside})", params)
    assert n == 2


def test_no_data_stays_null(tiny_any):
    """A period without orders or sessions: ratios and "unknown" measures are None ("—"),
    never 0, on both engines (ClickHouse's defaults would say 0)."""
    empty = periods.Period(dt.date(2023, 1, 1), dt.date(2023, 1, 31))
    row = query.run(tiny_any, query.Query.make(["gmv", "aov", "refund_rate", "peak_online", "gpm"], (), empty)).to_dicts()[0]
    assert float(row["gmv"]) == 0
    assert row["aov"] is None and row["refund_rate"] is None and row["peak_online"] is None and row["gpm"] is None


def test_nothing_outside_the_engine_speaks_to_a_database_library():
    """The engine boundary (issue 14): only cockpit/engine/ imports duckdb or clickhouse_connect."""
    import re
    from pathlib import Path

    import cockpit

    root = Path(cockpit.__file__).parent
    app = root.parent / "app"
    pattern = re.compile(r"^\s*(import|from)\s+(duckdb|clickhouse_connect|chdb)\b", re.M)
    offenders = [str(p.relative_to(root.parent)) for base in (root, app) for p in base.rglob("*.py")
                 if "engine" not in p.relative_to(root.parent).parts[:2] and pattern.search(p.read_text("utf-8"))]
    assert offenders == []
