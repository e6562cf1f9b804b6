"""Pieces of a page built once per view for everyone (cockpit.memo): shared only where the
view is the same, never across data scopes, languages, selections or imports."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from streamlit.testing.v1 import AppTest

from cockpit import auth, batches, memo, schema, store
from cockpit.selection import Selection
from cockpit.view import View
from tests.apptest_util import signed_in
from tests.conftest import APP

PW = "correct horse 1"


def test_a_piece_is_built_once_and_kept():
    m = memo.Memo(budget=2)
    calls = []
    assert m.get_or_build("a", lambda: calls.append(1) or "A") == "A"
    assert m.get_or_build("a", lambda: calls.append(1) or "other") == "A"
    assert calls == [1] and (m.builds, m.hits) == (1, 1)
    m.get_or_build("b", lambda: "B")
    m.get_or_build("c", lambda: "C")  # over budget: the least recently used ("a") goes
    assert m.get_or_build("a", lambda: "A again") == "A again"


def test_viewers_asking_together_wait_for_one_build():
    m = memo.Memo()
    started = threading.Event()
    builds = []

    def slow():
        builds.append(threading.current_thread().name)
        started.set()
        time.sleep(0.3)
        return "figure"

    got = []
    threads = [threading.Thread(target=lambda: got.append(m.get_or_build("k", slow)), name=f"t{i}") for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert got == ["figure"] * 6 and len(builds) == 1


def test_a_failed_build_is_not_kept():
    m = memo.Memo()

    def broken():
        raise ValueError("no data")

    with pytest.raises(ValueError):
        m.get_or_build("k", broken)
    assert m.get_or_build("k", lambda: "ok") == "ok"


def test_the_key_follows_data_selection_scope_language_and_database(tiny_db, tmp_path):
    con = store.connect(tiny_db)
    try:
        june = Selection(period="custom", start=dt.date(2025, 6, 1), end=dt.date(2025, 6, 30))
        base = memo.view_key(View(con, june))
        assert memo.view_key(View(con, june)) == base
        assert memo.view_key(View(con, june, lang="en")) != base
        assert memo.view_key(View(con, june, scope=(("store", ("S3",)),))) != base
        assert memo.view_key(View(con, june.replace(brand=("云裳",)))) != base
        assert memo.view_key(View(con, june.replace(compare="yoy"))) != base
        v = View(con, june)
        memo.view_key(v)
        v.sel = june.replace(period="last_7", start=None, end=None)  # the sidebar changed the view
        assert memo.view_key(v) != base
        batches.write_batch(con, "campaigns", schema.frame("campaigns", [dict(
            campaign_id="C9", name="x", start_date=dt.date(2025, 6, 1), end_date=dt.date(2025, 6, 2))]),
            file_name="c.csv")
        assert memo.view_key(View(con, june)) != base  # an import: everything is new
    finally:
        con.close()
    other = tmp_path / "other.duckdb"
    import shutil

    shutil.copy(tiny_db, other)
    con2 = store.connect(other)
    try:
        assert memo.db_key(con2) != memo.db_key(store.connect(tiny_db))
    finally:
        con2.close()


# --- through the real app entry ------------------------------------------------------


@pytest.fixture
def db(app_db):
    return app_db


def _app(**params):
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update(period="custom", start="2025-06-01", end="2025-06-30", **params)
    return at


def _gmv(at) -> str:
    return next(m.value for m in at.metric if m.label in ("成交金额", "GMV"))


def test_a_second_viewer_of_the_same_view_builds_nothing(db):
    first = _app().run()
    assert not first.exception and _gmv(first) == "¥1,250"
    builds = memo.MEMO.builds
    second = _app().run()  # another browser session, the same view
    assert not second.exception
    assert memo.MEMO.builds == builds, "the overview's pieces were built again"
    assert _gmv(second) == "¥1,250"
    assert [d.value.columns[0] for d in second.dataframe] == [d.value.columns[0] for d in first.dataframe]
    third = _app(brand="云裳").run()  # another view: its own pieces
    assert memo.MEMO.builds > builds and _gmv(third) == "¥270"


def test_a_scoped_viewer_never_gets_a_wider_viewers_pieces(db):
    con = store.connect(db)
    auth.create_user(con, "boss", PW, "admin")
    auth.create_user(con, "dealer_b", PW, "store_operator", ["S3"])
    con.close()
    boss = signed_in(_app(), db, "boss").run()
    assert not boss.exception and _gmv(boss) == "¥1,250"
    dealer = signed_in(_app(), db, "dealer_b").run()
    assert not dealer.exception and _gmv(dealer) == "¥270"  # S3's own: O6 120 + O7 150
    stores = {c for d in dealer.dataframe for c in d.value.iloc[:, 0].astype(str) if c.startswith("S")}
    assert stores <= {"S3"}, stores


def test_an_import_shows_at_the_next_view(db):
    at = _app().run()
    assert _gmv(at) == "¥1,250"
    con = store.connect(db)
    try:
        batches.write_batch(con, "orders", schema.frame("orders", [dict(
            order_id="O99", paid_at=dt.datetime(2025, 6, 20, 10, 0), store_id="S1", product_id="P1",
            channel="mall", buyer_id="B9", paid_amount="100.00", quantity=1)]), file_name="late.csv")
    finally:
        con.close()
    again = _app().run()
    assert not again.exception and _gmv(again) == "¥1,350"


def test_english_viewers_get_english_pieces(db):
    zh = _app().run()
    en = _app(lang="en").run()
    assert not en.exception
    zh_titles = {d.value.columns[0] for d in zh.dataframe}
    en_titles = {d.value.columns[0] for d in en.dataframe}
    assert "店铺" in zh_titles and "店铺" not in en_titles and "Store" in en_titles
