"""Shared fixtures: a tiny brand group whose every figure is worked out by hand.

The group (June 2025 unless noted):

stores   S1 山野茶 direct 茶叶 | S2 山野茶 authorized 茶叶 (dealer A) | S3 云裳 authorized 女装 (dealer B)
accounts A1 own→S1 | A2 authorized→S2 | A3 authorized→S3 | D1 distributor, agency 星河
orders   id  paid_at           store acct live chan   buyer fan  paid   refund shipped after
         O1  06-01 20:00       S1    A1   L1   live   B1    yes  100.00   0    14 h
         O2  06-01 20:30       S1    A1   L1   live   B2    no   200.00  50    72.5 h
         O3  06-02 10:00       S1    -    -    mall   B1    yes   50.00   0    23 h
         O4  06-03 12:00       S2    A2   L2   live   B3    yes  300.00   0    not shipped
         O5  06-03 13:00       S2    D1   -    video  B4    no    80.00  80    23 h
         O6  06-05 09:00       S3    -    -    search B5    no   120.00   0    1 h
         O7  06-05 21:00       S3    A3   L3   live   B5    no   150.00   0    11 h
         O8  06-10 20:00       S1    D1   L4   live   B2    no   250.00   0    24 h
         O9  2025-05-10 10:00  S1    A1   L0   live   B1    yes  400.00        (May)
         O10 2025-05-23 10:00  S3    -    -    mall   B6    no   100.00        (May)
         O11 2024-06-15 10:00  S1    -    -    mall   B1    yes  625.00        (June last year)
sessions L1 A1 06-01 19:30-22:30 views 1000 viewers 400 peak 120 watch 60 s nf 40 exp 300 clicks 100
         L2 A2 06-03 11:00-13:00 views  500 viewers 200 peak  80 watch 90 s nf 10 exp 150 clicks  40
         L3 A3 06-05 20:00-22:00 views  300 viewers 100 peak  50 watch  —   nf  5 exp  80 clicks  20
         L4 D1 06-10 19:00-23:00 views 2000 viewers 800 peak 300 watch 30 s nf 100 exp 600 clicks 200
         L0 A1 2025-05-10 09:00-11:00 views 100 viewers 50 peak 20 watch 40 s nf 2 exp 30 clicks 10 (May)
         room exposures / interacting viewers: L1 2000/80, L2 1600/30, L3 —/10, L4 4000/120, L0 250/5
minutes  L1 19:30 online 50 entries 60 nf 10 exposures 300 leaves 10 clicks 12 shares 1
         L1 19:31 online 120 entries 90 nf 30 exposures 450 leaves 20 clicks 30 shares 4
explains L1 P1 19:30-19:32 (minutes 19:30, 19:31: 42 clicks), L1 P1 19:59-20:05 (O1), L2 P2 11:50-12:05 (O4)
audience L1 gender 女 260/1/100.00, 男 140/1/200.00 | fans 粉丝 150/1/100.00, 非粉丝 250/1/200.00 |
         age 18-23 100/0/0, 24-30 200/2/300.00, 31-40 100/0/0   (viewers/buyers/gmv; each adds up to L1)
peers    June 2025, tier T1 (live GMV under ¥10k in 30 days; A1 to June 1: 400 + 300 = 700), 茶叶:
         曝光进入率 0.30/0.45, 人均观看时长 75/120 s, 互动率 0.15/0.25, 点击成交转化率 0.015/0.03,
         观看成交率 0.004/0.01, GPM 400/800, UV价值 0.5/1.2, 转粉率 0.08/0.15 (median/excellent);
         女装: 曝光进入率 0.20/0.30
traffic  L1 recommend 600/150.00, short_video 300/50.00, distribution 100/100.00 | L2 recommend 500/300.00
         L3 follow 300/150.00 | L4 recommend 2000/250.00
ads      06-01 A1 L1 spend 100 attributed 250 | 06-10 D1 spend 50 attributed 0
market   06-01 茶叶 10000, 女装 20000 | 06-02 茶叶 10000
followers A1 06-01 1040 (+40) , 06-02 1035 (-5) | A2 06-03 510 (+10)
videos   V1 D1 06-02 plays 5000 live_entries 200
"""

from __future__ import annotations

import datetime as dt
import os
import shutil

import pytest

from cockpit import batches, schema, store

D = dt.datetime
APP = str(__import__("pathlib").Path(__file__).resolve().parent.parent / "app" / "streamlit_app.py")


def _order(oid, paid_at, store_id, acct, live, channel, buyer, fan, paid, refund=None, shipped_h=None, product=None):
    return dict(
        order_id=oid, paid_at=paid_at, store_id=store_id, account_id=acct, live_id=live,
        channel=channel, buyer_id=buyer, is_fan=fan, paid_amount=paid, refund_amount=refund,
        quantity=1, product_id=product or {"S1": "P1", "S2": "P2", "S3": "P3"}[store_id],
        video_id="V1" if channel == "short_video" else None,
        shipped_at=None if shipped_h is None else paid_at + dt.timedelta(hours=shipped_h),
        refunded_at=None if not refund else paid_at + dt.timedelta(days=2),
    )


TINY = {
    "stores": [
        dict(store_id="S1", store_name="山野茶官方旗舰店", brand="山野茶", store_type="direct", category="茶叶",
             opened_on=dt.date(2023, 1, 1)),
        dict(store_id="S2", store_name="山野茶经销A店", brand="山野茶", store_type="authorized", category="茶叶",
             opened_on=dt.date(2024, 3, 1)),
        dict(store_id="S3", store_name="云裳经销B店", brand="云裳", store_type="authorized", category="女装",
             opened_on=dt.date(2024, 5, 1)),
    ],
    "accounts": [
        dict(account_id="A1", account_name="山野茶官方直播间", account_type="own", store_id="S1", followers=1035),
        dict(account_id="A2", account_name="经销A直播间", account_type="authorized", store_id="S2", followers=510),
        dict(account_id="A3", account_name="经销B直播间", account_type="authorized", store_id="S3", followers=300),
        dict(account_id="D1", account_name="达人小鹿", account_type="distributor", agency="星河", followers=90000),
    ],
    "products": [
        dict(product_id="P1", store_id="S1", product_name="明前龙井", category="茶叶", list_price="100"),
        dict(product_id="P2", store_id="S2", product_name="大红袍", category="茶叶", list_price="300"),
        dict(product_id="P3", store_id="S3", product_name="真丝连衣裙", category="女装", list_price="150"),
    ],
    "orders": [
        _order("O1", D(2025, 6, 1, 20, 0), "S1", "A1", "L1", "live", "B1", True, "100.00", None, 14),
        _order("O2", D(2025, 6, 1, 20, 30), "S1", "A1", "L1", "live", "B2", False, "200.00", "50.00", 72.5),
        _order("O3", D(2025, 6, 2, 10, 0), "S1", None, None, "mall", "B1", True, "50.00", None, 23),
        _order("O4", D(2025, 6, 3, 12, 0), "S2", "A2", "L2", "live", "B3", True, "300.00", None, None),
        _order("O5", D(2025, 6, 3, 13, 0), "S2", "D1", None, "short_video", "B4", False, "80.00", "80.00", 23),
        _order("O6", D(2025, 6, 5, 9, 0), "S3", None, None, "search", "B5", False, "120.00", None, 1),
        _order("O7", D(2025, 6, 5, 21, 0), "S3", "A3", "L3", "live", "B5", False, "150.00", None, 11),
        _order("O8", D(2025, 6, 10, 20, 0), "S1", "D1", "L4", "live", "B2", False, "250.00", None, 24),
        _order("O9", D(2025, 5, 10, 10, 0), "S1", "A1", "L0", "live", "B1", True, "400.00", None, 10),
        _order("O10", D(2025, 5, 23, 10, 0), "S3", None, None, "mall", "B6", False, "100.00", None, 10),
        _order("O11", D(2024, 6, 15, 10, 0), "S1", None, None, "mall", "B1", True, "625.00", None, 10),
    ],
    "live_sessions": [
        dict(live_id="L1", account_id="A1", title="龙井开春专场", started_at=D(2025, 6, 1, 19, 30),
             ended_at=D(2025, 6, 1, 22, 30), views=1000, viewers=400, peak_online=120, avg_watch_seconds=60,
             new_followers=40, product_exposures=300, product_clicks=100, exposures=2000, interacting_viewers=80),
        dict(live_id="L2", account_id="A2", title="大红袍品鉴", started_at=D(2025, 6, 3, 11, 0),
             ended_at=D(2025, 6, 3, 13, 0), views=500, viewers=200, peak_online=80, avg_watch_seconds=90,
             new_followers=10, product_exposures=150, product_clicks=40, exposures=1600, interacting_viewers=30),
        dict(live_id="L3", account_id="A3", title="夏日连衣裙", started_at=D(2025, 6, 5, 20, 0),
             ended_at=D(2025, 6, 5, 22, 0), views=300, viewers=100, peak_online=50, avg_watch_seconds=None,
             new_followers=5, product_exposures=80, product_clicks=20, exposures=None, interacting_viewers=10),
        dict(live_id="L4", account_id="D1", title="小鹿好物夜", started_at=D(2025, 6, 10, 19, 0),
             ended_at=D(2025, 6, 10, 23, 0), views=2000, viewers=800, peak_online=300, avg_watch_seconds=30,
             new_followers=100, product_exposures=600, product_clicks=200, exposures=4000,
             interacting_viewers=120),
        dict(live_id="L0", account_id="A1", title="五月茶会", started_at=D(2025, 5, 10, 9, 0),
             ended_at=D(2025, 5, 10, 11, 0), views=100, viewers=50, peak_online=20, avg_watch_seconds=40,
             new_followers=2, product_exposures=30, product_clicks=10, exposures=250, interacting_viewers=5),
    ],
    "live_traffic": [
        dict(live_id="L1", source="recommend", views=600, gmv="150.00"),
        dict(live_id="L1", source="short_video", views=300, gmv="50.00"),
        dict(live_id="L1", source="distribution", views=100, gmv="100.00"),
        dict(live_id="L2", source="recommend", views=500, gmv="300.00"),
        dict(live_id="L3", source="follow", views=300, gmv="150.00"),
        dict(live_id="L4", source="recommend", views=2000, gmv="250.00"),
    ],
    "live_minutes": [
        dict(live_id="L1", minute=D(2025, 6, 1, 19, 30), online=50, entries=60, new_followers=10,
             exposures=300, leaves=10, product_clicks=12, shares=1),
        dict(live_id="L1", minute=D(2025, 6, 1, 19, 31), online=120, entries=90, new_followers=30,
             exposures=450, leaves=20, product_clicks=30, shares=4),
    ],
    "live_explains": [
        dict(live_id="L1", product_id="P1", started_at=D(2025, 6, 1, 19, 30), ended_at=D(2025, 6, 1, 19, 32)),
        dict(live_id="L1", product_id="P1", started_at=D(2025, 6, 1, 19, 59), ended_at=D(2025, 6, 1, 20, 5)),
        dict(live_id="L2", product_id="P2", started_at=D(2025, 6, 3, 11, 50), ended_at=D(2025, 6, 3, 12, 5)),
    ],
    "live_audience": [
        dict(live_id="L1", dimension=dim, bucket=b, viewers=v, buyers=n, gmv=g)
        for dim, b, v, n, g in [
            ("gender", "女", 260, 1, "100.00"), ("gender", "男", 140, 1, "200.00"),
            ("fans", "粉丝", 150, 1, "100.00"), ("fans", "非粉丝", 250, 1, "200.00"),
            ("age", "18-23", 100, 0, "0"), ("age", "24-30", 200, 2, "300.00"), ("age", "31-40", 100, 0, "0"),
        ]
    ],
    "peer_benchmarks": [
        dict(period_start=dt.date(2025, 6, 1), period_end=dt.date(2025, 6, 30), category=cat, tier="T1",
             metric=m, median=med, excellent=exc)
        for cat, m, med, exc in [
            ("茶叶", "exposure_entry_rate", 0.30, 0.45), ("茶叶", "avg_watch_seconds", 75, 120),
            ("茶叶", "interaction_rate", 0.15, 0.25), ("茶叶", "click_conversion", 0.015, 0.03),
            ("茶叶", "watch_conversion", 0.004, 0.01), ("茶叶", "gpm", 400, 800),
            ("茶叶", "uv_value", 0.5, 1.2), ("茶叶", "follow_rate", 0.08, 0.15),
            ("女装", "exposure_entry_rate", 0.20, 0.30),
        ]
    ],
    "ad_spend": [
        dict(date=dt.date(2025, 6, 1), account_id="A1", live_id="L1", spend="100.00", attributed_gmv="250.00"),
        dict(date=dt.date(2025, 6, 10), account_id="D1", live_id=None, spend="50.00", attributed_gmv="0"),
    ],
    "market_daily": [
        dict(date=dt.date(2025, 6, 1), category="茶叶", market_gmv="10000", active_sellers=100, search_volume=500),
        dict(date=dt.date(2025, 6, 1), category="女装", market_gmv="20000", active_sellers=300, search_volume=900),
        dict(date=dt.date(2025, 6, 2), category="茶叶", market_gmv="10000", active_sellers=110, search_volume=600),
    ],
    "follower_daily": [
        dict(date=dt.date(2025, 6, 1), account_id="A1", followers=1040, new_followers=40, lost_followers=0),
        dict(date=dt.date(2025, 6, 2), account_id="A1", followers=1035, new_followers=0, lost_followers=5),
        dict(date=dt.date(2025, 6, 3), account_id="A2", followers=510, new_followers=10, lost_followers=0),
    ],
    "short_videos": [
        dict(video_id="V1", account_id="D1", published_at=D(2025, 6, 2, 12, 0), plays=5000, live_entries=200),
    ],
}


def load_tiny(con) -> None:
    for name, rows in TINY.items():
        batches.write_batch(con, name, schema.frame(name, rows), file_name=f"tiny-{name}", source="test")


def load_random_group(con) -> None:
    """The tiny group's stores, accounts and products with 900 random orders (seed 11)
    from Mar 1 to Jun 20, 2025: repeat buyers within and across months, stores and
    accounts, for checking buyer sets against plain SQL."""
    import random

    for name in ("stores", "accounts", "products"):
        batches.write_batch(con, name, schema.frame(name, TINY[name]), file_name=name)
    rnd = random.Random(11)
    rows = []
    for i in range(900):
        paid = dt.datetime(2025, 3, 1) + dt.timedelta(minutes=rnd.randrange(0, 112 * 24 * 60))  # Mar 1 - Jun 20
        s = rnd.choice(["S1", "S2", "S3"])
        rows.append(dict(order_id=f"R{i}", paid_at=paid, store_id=s, product_id={"S1": "P1", "S2": "P2", "S3": "P3"}[s],
                         account_id=rnd.choice(["A1", "A2", "A3", "D1", None]), buyer_id=f"B{rnd.randrange(500)}",
                         channel=rnd.choice(["live", "mall", "search"]), is_fan=rnd.choice([True, False, None]),
                         paid_amount="10.00"))
    batches.write_batch(con, "orders", schema.frame("orders", rows), file_name="random")


@pytest.fixture
def engine_name(request) -> str:
    """The engine a test runs on: "duckdb", or each of ENGINES in a module marked
    ``pytest.mark.engines`` (one fixture parameter, the same hand-worked figures)."""
    return getattr(request, "param", "duckdb")


def pytest_generate_tests(metafunc):
    marker = metafunc.definition.get_closest_marker("engines")
    if "engine_name" in metafunc.fixturenames and marker is not None:
        # engines("duckdb") on a test: a DuckDB-only feature (its fast paths)
        metafunc.parametrize("engine_name", marker.args or ENGINES, indirect=True)


@pytest.fixture
def tiny_db(engine_name, tmp_path, request):
    """The tiny group: the path of a real DuckDB file, or on chDB the URL of a database
    holding it (shared by the tests that only read it: rebuilt after one that wrote)."""
    if engine_name == "duckdb":
        path = tmp_path / "tiny.duckdb"
        con = store.connect(path)
        load_tiny(con)
        con.close()
        yield path
        return
    marker = request.node.get_closest_marker("engines")
    if marker is not None and marker.kwargs.get("process") == "other":  # a `cockpit` subprocess opens it
        yield request.getfixturevalue("_tiny_chdb_elsewhere")
        return
    shared = request.getfixturevalue("_tiny_chdb")
    yield shared.url
    shared.heal()


@pytest.fixture
def tiny_con(tiny_db):
    con = store.connect(tiny_db)
    yield con
    con.close()


@pytest.fixture(autouse=True)
def _no_cockpit_db_env(monkeypatch):
    """Tests name their database explicitly; a developer's $COCKPIT_DB must not leak in.
    Messages outside the browser follow $COCKPIT_LANG or the locale: tests read English."""
    monkeypatch.delenv("COCKPIT_DB", raising=False)
    monkeypatch.setenv("COCKPIT_LANG", "en")


def pytest_configure(config):
    config.addinivalue_line("markers", "engines: run the module's tiny-group tests on DuckDB and on chDB "
                                       "(engines(process='other'): the tests open it from a subprocess; "
                                       "engines('duckdb') on a test: a DuckDB-only feature)")
    # No background warm-up threads in in-process app tests (tests/test_warmup.py covers it);
    # the browser tests' real server still warms up as in production.
    os.environ.setdefault("COCKPIT_WARMUP", "0")
    # The data's clock is Asia/Shanghai (cockpit.clock); make the process's local clock
    # agree so tests that compare with time.localtime-based values see one zone.
    os.environ.setdefault("TZ", "Asia/Shanghai")
    __import__("time").tzset()


# A session across a period boundary (issue 12), every figure worked by hand in
# tests/test_query.py.  S1 / A1 (own) sells live; October and November 2025.
#   sessions L1 A1 10-31 19:40 - 11-01 00:19  views 1000 viewers 400 clicks 50
#            L2 A1 11-01 10:00 - 12:00        views  500 viewers 250 clicks 20
#   orders   M1 10-31 20:00 L1 live B1 100.00 | M2 11-01 00:10 L1 live B2 60.00 (after midnight)
#            M3 11-01 10:30 L2 live B1  30.00 | M4 10-15 12:00 -  live B3 20.00 (no session named)
#            M5 11-01 00:05 -  mall B2  40.00 | M6 10-20 09:00 LX live B4 10.00 (a session never imported)
MIDNIGHT = {
    "stores": [dict(store_id="S1", store_name="山野茶官方旗舰店", brand="山野茶", store_type="direct", category="茶叶")],
    "accounts": [dict(account_id="A1", account_name="山野茶官方直播间", account_type="own", store_id="S1")],
    "live_sessions": [
        dict(live_id="L1", account_id="A1", title="万圣夜", started_at=D(2025, 10, 31, 19, 40),
             ended_at=D(2025, 11, 1, 0, 19), views=1000, viewers=400, product_clicks=50),
        dict(live_id="L2", account_id="A1", title="双十一预热", started_at=D(2025, 11, 1, 10, 0),
             ended_at=D(2025, 11, 1, 12, 0), views=500, viewers=250, product_clicks=20),
    ],
    "orders": [
        _order("M1", D(2025, 10, 31, 20, 0), "S1", "A1", "L1", "live", "B1", True, "100.00"),
        _order("M2", D(2025, 11, 1, 0, 10), "S1", "A1", "L1", "live", "B2", False, "60.00"),
        _order("M3", D(2025, 11, 1, 10, 30), "S1", "A1", "L2", "live", "B1", True, "30.00"),
        _order("M4", D(2025, 10, 15, 12, 0), "S1", None, None, "live", "B3", False, "20.00"),
        _order("M5", D(2025, 11, 1, 0, 5), "S1", None, None, "mall", "B2", False, "40.00"),
        _order("M6", D(2025, 10, 20, 9, 0), "S1", None, "LX", "live", "B4", False, "10.00"),
    ],
}


@pytest.fixture
def midnight_con(tmp_path):
    con = store.connect(tmp_path / "midnight.duckdb")
    for name, rows in MIDNIGHT.items():
        batches.write_batch(con, name, schema.frame(name, rows), file_name=f"midnight-{name}", source="test")
    yield con
    con.close()


# --- engines (issue 14): the same test on DuckDB and on ClickHouse (chDB in-process) ---

ENGINES = ("duckdb", "chdb")


@pytest.fixture(scope="session")
def _chdb_folder(tmp_path_factory):
    """One chDB folder for the whole run: a process hosts one chDB engine at a time,
    so each test gets a database of its own inside it instead."""
    return tmp_path_factory.mktemp("chdb")


@pytest.fixture(params=ENGINES)
def db_url(request, tmp_path, _chdb_folder, _chdb_keepalive):
    """A fresh, empty cockpit database URL on each engine (one fixture parameter)."""
    if request.param == "duckdb":
        yield str(tmp_path / "cockpit.duckdb")
        return
    yield from _fresh_chdb(request, _chdb_folder)


def _fresh_chdb(request, folder):
    """A chDB database of its own for one test, dropped after it."""
    name = f"t_{request.node.name.split('[')[0][:40]}_{os.getpid()}_{id(request)}".replace("-", "_")
    url = f"chdb://{folder}?database={name}"
    yield url
    con = store.connect(url)
    try:
        con.execute(f"DROP DATABASE IF EXISTS `{name}`")
    finally:
        con.close()


@pytest.fixture
def db_url_chdb(request, _chdb_folder, _chdb_keepalive):
    """A fresh, empty chDB database URL (for a fixture that already chose the engine)."""
    yield from _fresh_chdb(request, _chdb_folder)


def _open_tiny(url):
    con = store.connect(url)
    load_tiny(con)
    yield con
    con.close()


@pytest.fixture
def tiny_any(db_url):
    """The tiny group on each engine: an open connection."""
    yield from _open_tiny(db_url)


@pytest.fixture
def tiny_chdb(db_url_chdb):
    """The tiny group on chDB alone (what only ClickHouse keeps), to change at will."""
    yield from _open_tiny(db_url_chdb)


@pytest.fixture(scope="session")
def _chdb_keepalive(_chdb_folder):
    """One handle open for the whole run: chDB stops its engine when the last handle
    closes, and starting it again costs half a second."""
    from cockpit import engine

    con = engine.connect(f"chdb://{_chdb_folder}?database=default")
    yield con
    con.close()


class SharedTiny:
    """The tiny group in one chDB database for every test that reads it: loading it
    costs ~1.5 s on ClickHouse, a read costs milliseconds.  A test that changed it (any
    new, mutated or dropped part) gets it rebuilt before the next one."""

    def __init__(self, folder):
        self.name = f"tiny_shared_{os.getpid()}"
        self.url = f"chdb://{folder}?database={self.name}"
        self.builds = 0
        self._build()

    def _state(self, con) -> tuple:
        return tuple(r[0] for r in con.fetchall(
            "SELECT name FROM system.parts WHERE database = ? AND active ORDER BY table, name", [self.name],
            record=False))

    def _build(self) -> None:
        con = store.connect(self.url)
        try:
            con.execute(f"DROP DATABASE IF EXISTS `{self.name}`")
        finally:
            con.close()
        con = store.connect(self.url)
        try:
            load_tiny(con)
            self.builds += 1
            # a data version no earlier build reached: a query cache of the app's process
            # (ui._open keeps one per URL) must not answer from a state that is gone
            store.set_meta(con, "data_version", str(1000 * self.builds))
            self.state = self._state(con)
        finally:
            con.close()

    def heal(self) -> None:
        con = store.connect(self.url)
        try:
            changed = self._state(con) != self.state
        finally:
            con.close()
        if changed:
            self._build()


@pytest.fixture(scope="session")
def _tiny_chdb(_chdb_folder, _chdb_keepalive) -> SharedTiny:
    return SharedTiny(_chdb_folder)


@pytest.fixture(scope="session")
def _tiny_chdb_elsewhere(tmp_path_factory) -> str:
    """The tiny group in a chDB folder of its own, written by a `cockpit copy`
    subprocess: this process hosts another chDB folder, and a folder is one process's
    at a time, so the `cockpit` commands of a test open this one (read only)."""
    import subprocess
    import sys

    base = tmp_path_factory.mktemp("tiny_elsewhere")
    src = base / "tiny.duckdb"
    con = store.connect(src)
    load_tiny(con)
    con.close()
    url = f"chdb://{base / 'chdb'}"
    r = subprocess.run([sys.executable, "-m", "cockpit.cli", "copy", "--db", str(src), "--to", url],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    return url


def private_tiny(tiny_db, tmp_path):
    """The tiny group for a test that lets the app write: a private copy of the DuckDB
    file, or on chDB the shared tiny database (rebuilt after a test that changed it)."""
    if str(tiny_db).startswith("chdb://"):
        return tiny_db
    dst = tmp_path / "app.duckdb"
    shutil.copy(tiny_db, dst)
    return dst


@pytest.fixture
def app_db(tiny_db, tmp_path, monkeypatch):
    """The database the app under test opens (``$COCKPIT_DB``): :func:`private_tiny`."""
    path = private_tiny(tiny_db, tmp_path)
    monkeypatch.setenv("COCKPIT_DB", str(path))
    return path
