"""直播追踪 page through AppTest: two sessions live right now, added to a copy of the tiny group.

LA  经销A直播间 (A2, 山野茶) started 30 min ago, online 80 every minute, orders 100 + 100
LB  经销B直播间 (A3, 云裳)  started 20 min ago, online 60 every minute, order 50
-> 2 accounts live, online now 80 + 60 = 140; with brand 云裳 only LB: online 60.
"""

import datetime as dt
import re
import time

import pytest

from cockpit import batches, schema, store
from tests.apptest_util import app_test, open_page, tiny_copy  # noqa: F401  (fixtures)

pytestmark = pytest.mark.engines  # every page on the tiny group in DuckDB and in chDB

PAGE = "views/live.py"


@pytest.fixture
def live_db(tiny_copy):  # noqa: F811
    # conftest sets TZ; apply it now, so this "now" and the page's "now" are the same clock
    time.tzset()
    now = dt.datetime.now().replace(second=0, microsecond=0)
    day_start = dt.datetime.combine(now.date(), dt.time())
    paid = max(now - dt.timedelta(minutes=1), day_start)  # today, whatever the clock says
    con = store.connect(tiny_copy)
    w = lambda t, rows: batches.write_batch(con, t, schema.frame(t, rows), file_name="t")  # noqa: E731
    w("live_sessions", [
        dict(live_id="LA", account_id="A2", title="此刻品茶", started_at=now - dt.timedelta(minutes=30),
             views=1000, viewers=400, peak_online=80, new_followers=7),
        dict(live_id="LB", account_id="A3", title="此刻上新", started_at=now - dt.timedelta(minutes=20),
             views=500, viewers=200, peak_online=60, new_followers=2),
    ])
    w("live_minutes",
      [dict(live_id="LA", minute=now - dt.timedelta(minutes=30 - i), online=80) for i in range(30)]
      + [dict(live_id="LB", minute=now - dt.timedelta(minutes=20 - i), online=60) for i in range(20)])
    w("orders", [
        dict(order_id=f"N{i}", paid_at=paid, store_id=s, account_id=a, live_id=lid, channel="live",
             buyer_id=f"NB{i}", paid_amount=amt)
        for i, (lid, s, a, amt) in enumerate([("LA", "S2", "A2", "100"), ("LA", "S2", "A2", "100"),
                                               ("LB", "S3", "A3", "50")])
    ])
    con.close()
    return tiny_copy


def _open(app_test, db, **params):  # noqa: F811
    at = app_test(db)
    at.query_params.update(params)
    return open_page(at, PAGE)


def _html(at) -> str:
    return "".join(h.proto.body for h in at.get("html"))


def _metrics(at):
    """The strip of group figures above the rooms: {label: value}."""
    return dict(re.findall(r'<div class="ck-lab">([^<]*)</div><div class="ck-val">([^<]*)</div>', _html(at)))


def _rooms(at):
    """Each room: {live_id: online now}."""
    return dict(re.findall(r'data-live="([^"]+)">.*?<div class="ck-big">([^<]*)</div>', _html(at)))


def _table(at, key):
    for df in at.dataframe:
        if getattr(df, "key", None) == key:
            return df.value
    raise AssertionError(f"no table {key}")


def test_live_sessions_cards_and_table(app_test, live_db):  # noqa: F811
    at = _open(app_test, live_db)
    m = _metrics(at)
    assert m["在播账号"] == "2" and m["当前在线合计"] == "140"
    assert m["今日直播成交金额"] == "¥250" and m["掉量预警场次"] == "0"
    assert _rooms(at) == {"LA": "80", "LB": "60"}  # one room per session: online now
    assert list(m)[0] == "掉量预警场次"  # the alert count first
    assert "数据更新于" in _html(at) and "ck-room ck-stale" not in _html(at)
    assert 'href="sessions?live=LA"' in _html(at)
    df = _table(at, "tbl_live_now")
    assert df["直播场次ID"].tolist() == ["LA", "LB"]
    assert df["直播成交金额 (元)"].tolist() == [200.0, 50.0]
    assert df["当前在线"].tolist() == [80, 60]
    assert df["已播分钟"].tolist() == pytest.approx([30, 20], abs=1)  # the clock may tick during the test
    assert at.selectbox(key="w_live_refresh").value == 30
    assert at.get("download_button")


def test_sidebar_brand_filter_changes_the_numbers(app_test, live_db):  # noqa: F811
    at = _open(app_test, live_db)
    at.sidebar.multiselect(key="w_brand").select("云裳").run()
    assert not at.exception
    m = _metrics(at)
    assert m["在播账号"] == "1" and m["当前在线合计"] == "60" and m["今日直播成交金额"] == "¥50"
    assert _table(at, "tbl_live_now")["直播场次ID"].tolist() == ["LB"]


def test_refresh_can_be_switched_off(app_test, live_db):  # noqa: F811
    at = _open(app_test, live_db)
    at.selectbox(key="w_live_refresh").set_value(0).run()
    assert not at.exception
    assert _metrics(at)["当前在线合计"] == "140"


def test_a_picked_row_opens_the_session_detail(app_test, live_db):  # noqa: F811
    at = _open(app_test, live_db)
    # AppTest cannot click a dataframe row; set the selection state the click would set
    at.session_state["tbl_live_now"] = {"selection": {"rows": [1], "columns": [], "cells": []}}
    at.run()
    assert not at.exception
    assert at.query_params.get("live") in ("LB", ["LB"])
    assert "场次详情：此刻上新" in [s.value for s in at.subheader]


def test_a_room_whose_feed_stopped_turns_grey(app_test, tiny_copy):  # noqa: F811
    """LS started an hour ago; its minute rows stop 16 minutes ago: stale, with its age."""
    time.tzset()
    now = dt.datetime.now().replace(second=0, microsecond=0)
    con = store.connect(tiny_copy)
    w = lambda t, rows: batches.write_batch(con, t, schema.frame(t, rows), file_name="t")  # noqa: E731
    w("live_sessions", [dict(live_id="LS", account_id="A2", title="卡住的直播", started_at=now - dt.timedelta(minutes=60))])
    w("live_minutes", [dict(live_id="LS", minute=now - dt.timedelta(minutes=60 - i), online=50) for i in range(45)])
    con.close()
    at = _open(app_test, tiny_copy)
    html = _html(at)
    assert 'class="ck-room ck-stale" data-live="LS"' in html
    last = (now - dt.timedelta(minutes=16)).strftime("%H:%M")
    assert re.search(rf"数据中断：最新数据 {last}，1[67] 分钟前", html), html  # the clock may tick
    assert _metrics(at)["数据中断场次"] == "1"


def test_wall_mode_has_no_sidebar_and_no_tables(app_test, live_db):  # noqa: F811
    at = _open(app_test, live_db, wall="1")
    assert not at.sidebar.multiselect and not at.dataframe
    assert "ck-wallhead" in _html(at) and _rooms(at) == {"LA": "80", "LB": "60"}
    assert "display: none" in _html(at)  # the sidebar is hidden


def test_no_session_live_now(app_test, tiny_copy):  # noqa: F811
    at = _open(app_test, tiny_copy)
    assert any("今天还没有直播场次" in i.value for i in at.info)
    assert _metrics(at)["在播账号"] == "0"


def test_english(app_test, live_db):  # noqa: F811
    at = _open(app_test, live_db, lang="en")
    assert _metrics(at)["Online now (total)"] == "140"
    assert "Live now" in [m.value.strip("*") for m in at.markdown]
    assert "Data updated" in _html(at)


def test_empty_database_shows_the_empty_state(app_test, tmp_path):  # noqa: F811
    path = tmp_path / "empty.duckdb"
    store.connect(path).close()
    at = _open(app_test, path)
    assert any("cockpit demo" in i.value for i in at.info)
    assert not _metrics(at)


def test_a_new_drop_raises_a_toast_once(app_test, live_db):  # noqa: F811
    at = _open(app_test, live_db)
    assert not at.toast
    # LA's online collapses at its latest minute: 80 -> 10 (below half the window's peak)
    con = store.connect(live_db)
    now = dt.datetime.now().replace(second=0, microsecond=0)
    batches.write_batch(con, "live_minutes", schema.frame("live_minutes", [
        dict(live_id="LA", minute=now, online=10)]), file_name="t")
    con.close()
    at.run()
    assert not at.exception
    assert [t.value for t in at.toast] == ["掉量预警：经销A直播间（在线骤降）"]
    assert _metrics(at)["掉量预警场次"] == "1" and 'class="ck-kpi ck-alert"' in _html(at)
    at.run()
    assert not at.toast  # the same drop does not raise it again


def test_each_room_links_its_detail_and_its_review(app_test, live_db):  # noqa: F811
    at = _open(app_test, live_db)
    html = _html(at)
    assert 'href="sessions?live=LA"' in html and 'href="review?live=LA"' in html and "直播复盘 →" in html
