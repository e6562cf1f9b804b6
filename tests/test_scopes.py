"""Data scopes hold on every page's tables and every export, not just in the sidebar.

On the tiny group (conftest.py) with two dealers: dealer A runs S2 (account A2), dealer B
runs S3 (account A3).  Whatever a dealer-B user asks for — any page, a drill-down link
naming dealer A's store or session, a CSV export — nothing of S1/S2, their accounts,
products or sessions may appear.
"""

import csv
import datetime as dt

import pytest

from cockpit import auth, reports
from cockpit.reports import overview
from cockpit.selection import Selection
from cockpit.view import View
from tests import clirun

pytestmark = pytest.mark.engines  # every tiny-group test on DuckDB and on chDB

JUNE = dict(period="custom", start=dt.date(2025, 6, 1), end=dt.date(2025, 6, 30))
NOW = dt.datetime(2025, 6, 30, 23, 0)
DEALER_B = (("store", ("S3",)),)

# everything that belongs to S1 / S2 / the distributor D1
FOREIGN_IDS = {"S1", "S2", "A1", "A2", "D1", "P1", "P2", "L1", "L2", "L4", "L0", "O1", "O2", "O4", "O5", "O8"}
FOREIGN_NAMES = ["山野茶官方旗舰店", "山野茶经销A店", "山野茶官方直播间", "经销A直播间", "达人小鹿", "明前龙井",
                 "大红袍", "龙井开春专场", "大红袍品鉴", "小鹿好物夜", "五月茶会"]


def cells(tables) -> list[str]:
    out = []
    for t in tables:
        out += list(t.frame.columns)
        for row in t.frame.iter_rows():
            out += [str(v) for v in row if v is not None]
    return out


def assert_nothing_foreign(values: list[str], where: str):
    leaked = sorted({v for v in values if v in FOREIGN_IDS})
    leaked += [n for n in FOREIGN_NAMES if any(n in v for v in values)]
    assert not leaked, f"{where} shows out-of-scope data: {leaked}"


@pytest.mark.parametrize("page", list(reports.PAGES))
@pytest.mark.parametrize("drill", [{}, {"entity": "store:S1"}, {"entity": "account:A2"}, {"live": "L1"}])
def test_every_page_holds_only_the_dealers_rows(tiny_con, page, drill):
    view = View(tiny_con, Selection(**JUNE, **drill), lang="zh", now=NOW, scope=DEALER_B)
    tables = reports.page_tables(page, view)
    assert_nothing_foreign(cells(tables), f"{page} {drill}")


def test_tampered_filters_cannot_reach_other_dealers(tiny_con):
    view = View(tiny_con, Selection(**JUNE, store=("S1", "S2")), lang="zh", now=NOW, scope=DEALER_B)
    assert overview.kpis(view)["gmv"] == 0
    assert_nothing_foreign(cells(reports.page_tables("overview", view)), "overview with store=S1,S2")


def test_in_scope_figures_are_the_dealers_own(tiny_con):
    view = View(tiny_con, Selection(**JUNE), lang="zh", now=NOW, scope=DEALER_B)
    row = overview.kpis(view)
    assert (row["gmv"], row["orders"]) == (270.0, 2)  # O6 + O7
    assert view.run(["live_sessions", "views"]).row(0) == (1, 300)  # L3


def test_export_for_a_user_holds_only_their_rows(tiny_db, tmp_path):
    from cockpit import store

    con = store.connect(tiny_db)
    auth.create_user(con, "dealer_b", "correct horse 1", "store_operator", ["S3"])
    con.close()
    for page in reports.PAGES:
        out = tmp_path / page / "x.csv"
        r = clirun.cockpit("export", "--db", tiny_db, "--page", page, "--from", "2025-06-01", "--to", "2025-06-30",
                           "--user", "dealer_b", "--out", out)
        assert r.returncode == 0, r.stderr
        values = []
        for f in out.parent.glob("*.csv"):
            with open(f, encoding="utf-8-sig") as fh:
                values += [v for row in csv.reader(fh) for v in row]
        assert values, page
        assert_nothing_foreign(values, f"export of {page}")


def test_the_leak_check_sees_leaks(tiny_con):
    """Without a scope the same pages do show dealer A's rows: the check above can fail."""
    view = View(tiny_con, Selection(**JUNE), lang="zh", now=NOW, scope=None)
    with pytest.raises(AssertionError, match="out-of-scope"):
        assert_nothing_foreign(cells(reports.page_tables("overview", view)), "overview unscoped")


@pytest.mark.parametrize("scope,stores,accounts", [
    (None, {"S1", "S2", "S3"}, {"A1", "A2", "A3", "D1"}),
    (DEALER_B, {"S3"}, {"A3"}),
    # a brand also sees the distributor who sold its goods (D1: O5, O8)
    ((("brand", ("山野茶",)),), {"S1", "S2"}, {"A1", "A2", "D1"}),
    # an agency sees the stores its creators sold for (D1 of 星河: O5 in S2, O8 in S1), not all
    ((("agency", ("星河",)),), {"S1", "S2"}, {"D1"}),
    ((("account", ("A3",)),), {"S3"}, {"A3"}),
    ((("store", ()),), set(), set()),
])
def test_sidebar_choices_hold_only_what_the_scope_sees(tiny_con, scope, stores, accounts):
    from cockpit import options

    opts = options.filter_options(tiny_con, scope, "zh")
    assert set(opts["store"]) == stores
    assert set(opts["account"]) == accounts
