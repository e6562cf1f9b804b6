"""店号明细 on the tiny group (tests/conftest.py) plus score rows added here; figures by hand."""

import datetime as dt

import pytest

from cockpit import batches, schema
from cockpit.reports import entities as en
from cockpit.selection import Selection
from cockpit.view import View

pytestmark = pytest.mark.engines  # every tiny-group test on DuckDB and on chDB

NOW = dt.datetime(2025, 7, 1, 9, 0)
D = dt.date

SCORES = [
    dict(date=D(2025, 5, 31), entity_id="S1", score_type="store_experience", score=4.50),  # before June: baseline
    dict(date=D(2025, 6, 10), entity_id="S1", score_type="store_experience", score=4.60),
    dict(date=D(2025, 6, 28), entity_id="S1", score_type="store_experience", score=4.72),
    dict(date=D(2025, 7, 2), entity_id="S1", score_type="store_experience", score=1.00),  # after the period
    dict(date=D(2025, 6, 5), entity_id="S3", score_type="store_experience", score=4.30),
    dict(date=D(2025, 6, 3), entity_id="A1", score_type="creator_reputation", score=80.0),  # first in June
    dict(date=D(2025, 6, 20), entity_id="A1", score_type="creator_reputation", score=86.0),
    dict(date=D(2025, 6, 20), entity_id="P1", score_type="product", score=4.80),
    dict(date=D(2025, 6, 20), entity_id="P2", score_type="product", score=4.40),
    dict(date=D(2025, 6, 20), entity_id="S1", score_type="product", score=0.0),  # a product score, not S1's
]


@pytest.fixture
def con(tiny_con):
    batches.write_batch(tiny_con, "scores_daily", schema.frame("scores_daily", SCORES), file_name="t")
    return tiny_con


def june(con, **kw) -> View:
    scope = kw.pop("scope", None)
    sel = Selection(period="custom", start=D(2025, 6, 1), end=D(2025, 6, 30), **kw)
    return View(con, sel, now=NOW, scope=scope)


def rows_by(df, key):
    return {r[key]: r for r in df.iter_rows(named=True)}


def test_parse_entity():
    assert en.parse_entity("store:S1") == ("store", "S1")
    assert en.parse_entity("account:A1") == ("account", "A1")
    assert en.parse_entity("live:L1") is None and en.parse_entity("S1") is None and en.parse_entity(None) is None


def test_every_store_with_scores_and_metrics(con):
    df = en.stores(june(con))
    assert df["store_id"].to_list() == ["S1", "S2", "S3"]  # by GMV
    s = rows_by(df, "store_id")
    assert s["S1"]["score"] == pytest.approx(4.72)  # last on or before June 30 (the July score is ignored)
    assert s["S1"]["score_change"] == pytest.approx(0.22)  # 4.72 - 4.50 (May 31, before the period)
    assert s["S1"]["product_score_avg"] == pytest.approx(4.8)  # P1
    assert s["S2"]["product_score_avg"] == pytest.approx(4.4)  # P2
    assert s["S3"]["score"] == pytest.approx(4.3) and s["S3"]["score_change"] == pytest.approx(0.0)
    assert s["S2"]["score"] is None
    assert (s["S1"]["gmv"], s["S1"]["orders"], s["S1"]["refund_rate"]) == (600.0, 4, pytest.approx(50 / 600))
    assert (s["S2"]["gmv"], s["S2"]["refund_rate"]) == (380.0, pytest.approx(80 / 380))
    assert (s["S1"]["live_hours"], s["S2"]["live_hours"], s["S3"]["live_hours"]) == (3.0, 2.0, 2.0)  # L1, L2, L3
    assert (s["S1"]["followers"], s["S2"]["followers"], s["S3"]["followers"]) == (1035, 510, None)
    tbl = en.store_table(june(con), df)
    assert tbl.key_column == "店铺ID"
    assert tbl.frame.row(0)[:7] == ("山野茶官方旗舰店", "S1", "山野茶", "直营", 4.72, 0.22, 4.8)


def test_every_account_with_scores_and_metrics(con):
    df = en.accounts(june(con))
    assert df["account_id"].to_list() == ["D1", "A1", "A2", "A3"]
    a = rows_by(df, "account_id")
    assert a["A1"]["score"] == 86.0 and a["A1"]["score_change"] == 6.0  # no score before June: 86 - 80
    assert (a["D1"]["gmv"], a["D1"]["refund_rate"], a["D1"]["live_hours"]) == (330.0, pytest.approx(80 / 330), 4.0)
    assert (a["A1"]["followers"], a["A1"]["followers_gained"]) == (1035, 40)
    assert a["D1"]["agency"] == "星河" and a["A2"]["store_name"] == "山野茶经销A店"
    tbl = en.account_table(View(con, june(con).sel, lang="en", now=NOW), df)
    assert tbl.frame.columns[:7] == ["Account", "Account ID", "Account type", "Agency", "Store",
                                     "Creator reputation", "Creator reputation change"]


def test_one_store_overview(con):
    v = june(con, entity="store:S1")
    row = en.entity_kpis(v, "store", "S1")
    assert (row["gmv"], row["gmv__cmp"]) == (600.0, 400.0)  # O1 O2 O3 O8 against O9
    assert row["live_gmv"] == 550.0  # O1 + O2 + O8 (D1's session sold S1's tea)
    assert (row["live_sessions"], row["live_hours"], row["followers"]) == (1, 3.0, 1035)  # L1 of A1
    sess = en.entity_sessions(v, "store", "S1")
    assert sess["live"].to_list() == ["L1"]  # L4 belongs to D1, which sells for no store
    assert sess.row(0, named=True)["live_gmv"] == 300.0 and sess.row(0, named=True)["account_name"] == "山野茶官方直播间"
    prods = en.entity_products(v, "store", "S1")
    assert list(zip(prods["product"], prods["gmv"], prods["product_score"])) == [("P1", 600.0, 4.8)]
    trend = en.score_trend(v, "store_experience", "S1")
    assert trend.rows() == [(D(2025, 6, 10), 4.6), (D(2025, 6, 28), 4.72)]
    names = [t.name for t in en.tables(v)]
    assert names == ["stores", "accounts", "store_accounts", "entity_channel_mix", "entity_products",
                     "entity_sessions"]
    # its accounts: A1 (its own: O1 100 + O2 200) and D1, a distributor that sold S1's tea
    # (O8 250; D1's 80.00 in S2 is not S1's)
    acc = en.store_accounts(v, "S1")
    assert list(zip(acc["account_id"], acc["gmv"])) == [("A1", 300.0), ("D1", 250.0)]
    assert en.store_accounts_table(v, acc).key_column == "账号ID"
    mix = {t.name: t for t in en.tables(v)}["entity_channel_mix"].frame
    assert dict(zip(mix["成交渠道"], mix["成交金额 (元)"])) == {"直播": 550.0, "商城": 50.0}


def test_one_account_overview(con):
    v = june(con, entity="account:D1")
    assert en.entity_info(v, "account", "D1")["agency"] == "星河"
    row = en.entity_kpis(v, "account", "D1")
    assert (row["gmv"], row["live_gmv"], row["live_sessions"], row["live_hours"]) == (330.0, 250.0, 1, 4.0)
    assert row["gpm"] == pytest.approx(250 / 2000 * 1000)
    sess = en.entity_sessions(v, "account", "D1")
    assert sess["live"].to_list() == ["L4"] and sess["live_gmv"].to_list() == [250.0]
    prods = en.entity_products(v, "account", "D1")
    assert list(zip(prods["product"], prods["gmv"])) == [("P1", 250.0), ("P2", 80.0)]  # O8, O5


def test_scope_and_filters(con):
    scoped = june(con, scope=(("store", ("S3",)),), entity="store:S1")
    assert en.stores(scoped)["store_id"].to_list() == ["S3"]
    assert rows_by(en.stores(scoped), "store_id")["S3"]["gmv"] == 270.0
    assert en.accounts(scoped)["account_id"].to_list() == ["A3"]
    assert en.entity_info(scoped, "store", "S1") is None  # outside the scope: not even its name
    assert [t.name for t in en.tables(scoped)] == ["stores", "accounts"]
    assert en.entity_info(scoped, "store", "S3")["name"] == "云裳经销B店"
    filtered = june(con, brand=("山野茶",))
    assert en.stores(filtered)["store_id"].to_list() == ["S1", "S2"]
    assert en.accounts(filtered)["account_id"].to_list() == ["A1", "A2"]  # D1 and A3 sell for no 山野茶 store


def test_empty_period(con):
    v = View(con, Selection(period="custom", start=D(2025, 1, 1), end=D(2025, 1, 31)), now=NOW)
    df = en.stores(v)
    assert df["gmv"].to_list() == [0.0, 0.0, 0.0] and df["refund_rate"].to_list() == [None, None, None]
    assert df["score"].to_list() == [None, None, None]  # no score on or before January
