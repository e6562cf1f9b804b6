"""直播追踪 on the tiny group plus a hand-made evening: figures worked out by hand.

Extra rows (all on 2025-06-20, "now" = 21:30):

sessions L9 A2 (山野茶, S2) 20:00-  live  views 900 viewers 300 peak 100 nf 12
           minutes 21:00-21:19 online 100, 21:20-21:29 online 40   -> online drop (40 < 50)
         L8 A3 (云裳, S3)  21:00-  live  views 500 peak (none) nf 3
           minutes 21:00-21:29 online 60                           -> steady
         L7 A1 (山野茶, S1) 10:00-12:00 ended today
         L6 A1 06-19 20:00-22:00 (ended yesterday: not listed)
         L5 D1 06-18 20:00-  no end for two days (stale: not listed)
         L10 A1 22:00 (after now, a "scheduled" row: not listed)
orders   X1 L9 20:30 200 B1 | X2 L9 21:12 100 B2 | X3 L9 21:14 100 B3 | X4 L9 21:16 100 B4
         X5 L9 21:25 50 B1  | X6 L8 21:05 150 B5 | X7 L8 21:25 150 B6 | X8 L7 11:00 80 B7
         X9 mall 09:00 60 B8 (S1, no session)
L9: GMV 550, 5 orders, GPM 550/900*1000; window 21:20-21:29 = 50 against 21:10-21:19 = 300
    (3 orders): 50 < 0.3 * 300 = 90 -> GMV pace drop as well.
L8: GMV 300, 2 orders; nothing paid 21:10-21:19 -> no pace alert.
Today's live GMV 200+100+100+100+50+150+150+80 = 930 from 7 buyers (B1..B7); the mall
order is not live.  Online now 40 + 60 = 100.
"""

import datetime as dt

import pytest

from cockpit import batches, schema
from cockpit.reports import live
from cockpit.selection import Selection
from cockpit.view import View

pytestmark = pytest.mark.engines  # every tiny-group test on DuckDB and on chDB

D = dt.datetime
NOW = D(2025, 6, 20, 21, 30)


def _minutes(live_id, start, values):
    return [dict(live_id=live_id, minute=start + dt.timedelta(minutes=i), online=v, entries=v // 10,
                 new_followers=0) for i, v in enumerate(values)]


def _o(oid, live_id, paid, amount, buyer, store, acct, channel="live"):
    return dict(order_id=oid, paid_at=paid, store_id=store, account_id=acct, live_id=live_id, channel=channel,
                buyer_id=buyer, paid_amount=amount, quantity=1)


@pytest.fixture
def evening(tiny_con):
    w = lambda t, rows: batches.write_batch(tiny_con, t, schema.frame(t, rows), file_name="t")  # noqa: E731
    w("live_sessions", [
        dict(live_id="L9", account_id="A2", title="晚间品鉴", started_at=D(2025, 6, 20, 20, 0), views=900,
             viewers=300, peak_online=100, new_followers=12),
        dict(live_id="L8", account_id="A3", title="云裳夜场", started_at=D(2025, 6, 20, 21, 0), views=500,
             viewers=200, new_followers=3),
        dict(live_id="L7", account_id="A1", title="午间茶会", started_at=D(2025, 6, 20, 10, 0),
             ended_at=D(2025, 6, 20, 12, 0), views=100, viewers=60, peak_online=30, new_followers=1),
        dict(live_id="L6", account_id="A1", title="昨晚", started_at=D(2025, 6, 19, 20, 0),
             ended_at=D(2025, 6, 19, 22, 0)),
        dict(live_id="L5", account_id="D1", title="没有下播的旧场次", started_at=D(2025, 6, 18, 20, 0)),
        dict(live_id="L10", account_id="A1", title="预告", started_at=D(2025, 6, 20, 22, 0)),
    ])
    w("live_minutes", _minutes("L9", D(2025, 6, 20, 21, 0), [100] * 20 + [40] * 10)
      + _minutes("L8", D(2025, 6, 20, 21, 0), [60] * 30))
    w("orders", [
        _o("X1", "L9", D(2025, 6, 20, 20, 30), "200", "B1", "S2", "A2"),
        _o("X2", "L9", D(2025, 6, 20, 21, 12), "100", "B2", "S2", "A2"),
        _o("X3", "L9", D(2025, 6, 20, 21, 14), "100", "B3", "S2", "A2"),
        _o("X4", "L9", D(2025, 6, 20, 21, 16), "100", "B4", "S2", "A2"),
        _o("X5", "L9", D(2025, 6, 20, 21, 25), "50", "B1", "S2", "A2"),
        _o("X6", "L8", D(2025, 6, 20, 21, 5), "150", "B5", "S3", "A3"),
        _o("X7", "L8", D(2025, 6, 20, 21, 25), "150", "B6", "S3", "A3"),
        _o("X8", "L7", D(2025, 6, 20, 11, 0), "80", "B7", "S1", "A1"),
        _o("X9", None, D(2025, 6, 20, 9, 0), "60", "B8", "S1", None, channel="mall"),
    ])
    return tiny_con


def _rows(df):
    return {r["live_id"]: r for r in df.iter_rows(named=True)}


def test_board_lists_live_now_and_ended_today_with_hand_figures(evening):
    b = live.board(View(evening, Selection(), now=NOW))
    assert sorted(b.live["live_id"]) == ["L8", "L9"]
    assert b.ended["live_id"].to_list() == ["L7"]  # not L6 (yesterday), L5 (stale), L10 (future)
    r = _rows(b.sessions)
    l9, l8, l7 = r["L9"], r["L8"], r["L7"]
    assert (l9["minutes_live"], l9["online_now"], l9["peak_online"]) == (90, 40, 100)
    assert (l9["live_gmv"], l9["orders"], l9["new_followers"]) == (550.0, 5, 12)
    assert l9["gpm"] == pytest.approx(550 / 900 * 1000)
    assert l9["online_series"] == [100] * 20 + [40] * 10
    assert (l9["gmv_last_window"], l9["gmv_prev_window"]) == (50.0, 300.0)
    assert l9["online_drop"] and l9["gmv_drop"] and l9["dropping"]
    # L8: the session row has no peak yet; the minute feed's 60 stands in
    assert (l8["minutes_live"], l8["online_now"], l8["peak_online"], l8["live_gmv"], l8["orders"]) == (30, 60, 60, 300.0, 2)
    assert not l8["dropping"]
    assert l8["gpm"] == pytest.approx(300 / 500 * 1000)
    # ended today: its length, no "online now", never flagged
    assert (l7["minutes_live"], l7["online_now"], l7["live_gmv"], l7["dropping"]) == (120, None, 80.0, False)
    # live sessions first, the higher GMV first
    assert b.sessions["live_id"].to_list() == ["L9", "L8", "L7"]


def test_group_cards(evening):
    b = live.board(View(evening, Selection(), now=NOW))
    assert b.cards == {
        "accounts_live": 2, "sessions_live": 2, "online_now": 100, "live_gmv_today": 930.0,
        "live_buyers_today": 7, "ended_today": 1, "dropping": 1, "stale": 0,
    }


def test_data_age_and_stale_rooms(evening):
    """Both rooms' latest data is their 21:29 minute row (later than any order); at 21:30
    it is a minute old.  If nothing arrives until 21:45 (the feed stopped), it is 16
    minutes old and both rooms are stale; the ended L7 is never stale."""
    r = _rows(live.board(View(evening, Selection(), now=NOW)).sessions)
    assert (r["L9"]["last_data_at"], r["L9"]["data_age_minutes"], r["L9"]["stale"]) == (D(2025, 6, 20, 21, 29), 1, False)
    b = live.board(View(evening, Selection(), now=D(2025, 6, 20, 21, 45)))
    r = _rows(b.sessions)
    assert (r["L9"]["data_age_minutes"], r["L8"]["data_age_minutes"]) == (16, 16)
    assert r["L9"]["stale"] and r["L8"]["stale"] and not r["L7"]["stale"]
    assert b.cards["stale"] == 2
    assert live.STALE_MINUTES == 5
    assert not _rows(live.board(View(evening, Selection(), now=D(2025, 6, 20, 21, 33))).sessions)["L9"]["stale"]
    assert _rows(live.board(View(evening, Selection(), now=D(2025, 6, 20, 21, 34))).sessions)["L9"]["stale"]


def test_brand_filter_shows_only_its_sessions(evening):
    b = live.board(View(evening, Selection(brand=("云裳",)), now=NOW))
    assert b.sessions["live_id"].to_list() == ["L8"]
    assert b.cards["online_now"] == 60
    assert b.cards["live_gmv_today"] == 300.0  # X6 + X7


def test_scope_limits_the_board(evening):
    b = live.board(View(evening, Selection(), now=NOW, scope=(("store", ("S2",)),)))
    assert b.sessions["live_id"].to_list() == ["L9"]
    assert b.cards["live_gmv_today"] == 550.0
    b = live.board(View(evening, Selection(), now=NOW, scope=(("store", ()),)))
    assert b.sessions.height == 0 and b.cards["online_now"] == 0 and b.cards["live_gmv_today"] == 0.0


def test_nothing_live_on_a_quiet_day(tiny_con):
    b = live.board(View(tiny_con, Selection(), now=D(2025, 6, 25, 12, 0)))
    assert b.sessions.height == 0
    assert b.cards["sessions_live"] == 0 and b.cards["live_gmv_today"] == 0.0
    tl, te = live.tables(View(tiny_con, Selection(), now=D(2025, 6, 25, 12, 0)))
    assert tl.empty and te.empty


def test_tables_are_what_the_page_shows(evening):
    view = View(evening, Selection(), now=NOW, lang="zh")
    now_t, ended_t = live.tables(view)
    assert now_t.name == "live_now" and ended_t.name == "live_ended_today"
    assert now_t.key_column == "直播场次ID"
    f = now_t.frame
    assert f["直播场次ID"].to_list() == ["L9", "L8"]
    assert f["直播成交金额 (元)"].to_list() == [550.0, 300.0]
    assert f["当前在线"].to_list() == [40, 60]
    assert f["掉量预警"].to_list() == ["在线骤降、成交放缓", ""]
    assert f["账号类型"].to_list() == ["授权账号", "授权账号"]
    assert "当前在线" not in ended_t.frame.columns and ended_t.frame["下播时间"].to_list() == [D(2025, 6, 20, 12, 0)]
    csv = now_t.csv_bytes().decode("utf-8-sig")
    assert csv.splitlines()[0].startswith("账号,账号类型,直播标题,开播时间,已播分钟,当前在线")
    en = live.tables(View(evening, Selection(), now=NOW, lang="en"))[0]
    assert en.frame["Alert"].to_list() == ["Online dropping, Sales slowing", ""]


# --- the drop rule on hand-made series ---------------------------------------------

T0 = D(2025, 6, 20, 20, 0)


def _t(n):
    return [T0 + dt.timedelta(minutes=i) for i in range(n)]


def test_online_drop_against_peak_of_last_30_minutes():
    assert live.online_drop(_t(31), [100] * 30 + [49])  # 49 < 50% of 100
    assert not live.online_drop(_t(31), [100] * 30 + [50])  # exactly half is not a drop
    # a peak older than 30 minutes does not count: minute 0 had 200, the last 30 minutes 60
    assert not live.online_drop(_t(41), [200] + [60] * 40)
    assert live.online_drop(_t(41), [200] + [60] * 39 + [29])  # 29 < 30 = half of the window's 60
    # minute 10 is exactly 30 minutes before minute 40: outside the window
    assert not live.online_drop(_t(41), [0] * 10 + [300] + [40] * 30)
    assert live.online_drop(_t(41), [0] * 11 + [300] + [40] * 29)
    # small rooms are noise: a window peak under MIN_PEAK_FOR_ALERT never alerts
    assert not live.online_drop(_t(5), [19, 19, 19, 19, 2])
    assert not live.online_drop([], [])


def test_gmv_pace_windows_and_rule():
    ref = D(2025, 6, 20, 21, 30)
    per_minute = [
        (D(2025, 6, 20, 21, 9), 999.0, 9),  # before both windows
        (D(2025, 6, 20, 21, 10), 100.0, 1), (D(2025, 6, 20, 21, 15), 100.0, 1), (D(2025, 6, 20, 21, 19), 100.0, 1),
        (D(2025, 6, 20, 21, 20), 60.0, 1), (D(2025, 6, 20, 21, 29), 29.0, 1),
        (D(2025, 6, 20, 21, 30), 500.0, 5),  # at ref: not yet in the window
    ]
    (last, n_last), (prev, n_prev) = live.gmv_windows(per_minute, ref)
    assert (last, n_last, prev, n_prev) == (89.0, 2, 300.0, 3)
    assert live.gmv_pace_drop(last, prev, n_prev)  # 89 < 90
    assert not live.gmv_pace_drop(90.0, 300.0, 3)  # exactly 30% is not a drop
    assert not live.gmv_pace_drop(0.0, 300.0, 2)  # too few orders before to judge
    assert not live.gmv_pace_drop(0.0, 0.0, 0)


def test_gmv_by_minute_keeps_the_joins_its_filters_read(evening):
    """Per session and minute of payment; with no filter it reads orders alone, and a
    brand filter (the stores' column) or a scope still applies."""
    def minutes(view):
        df = live.gmv_by_minute(view, ["L9", "L8"])
        return {(r["live_id"], r["minute"].strftime("%H:%M")): (r["gmv"], r["orders"]) for r in df.iter_rows(named=True)}

    l9 = {("L9", "20:30"): (200.0, 1), ("L9", "21:12"): (100.0, 1), ("L9", "21:14"): (100.0, 1),
          ("L9", "21:16"): (100.0, 1), ("L9", "21:25"): (50.0, 1)}
    l8 = {("L8", "21:05"): (150.0, 1), ("L8", "21:25"): (150.0, 1)}
    assert minutes(View(evening, Selection(), now=NOW)) == {**l9, **l8}
    assert minutes(View(evening, Selection(brand=("云裳",)), now=NOW)) == l8  # S3's brand
    assert minutes(View(evening, Selection(), now=NOW, scope=(("store", ("S2",)),))) == l9
