"""The live rooms' markup (cockpit.rooms): what a room says, and that data is only text."""

import datetime as dt

from cockpit import rooms

ROW = dict(live_id="L1", account_name="山野茶官方直播间", account_type="own", title="龙井开春专场", online_now=812,
           live_gmv=12345.6, minutes_live=95, peak_online=1077, orders=31, new_followers=19, gpm=20.5,
           online_series=[10, 20, 30], dropping=False, stale=False,
           last_data_at=dt.datetime(2026, 11, 29, 5, 23), data_age_minutes=0)


def test_a_room_shows_its_figures_and_data_age():
    html = rooms.room(ROW, "zh", "sessions?live=L1", "")
    for text in ("山野茶官方直播间", "直营账号", "龙井开春专场", "812", "¥1.23万", "已播 95 分钟", "峰值 1,077",
                 "数据更新于 05:23，刚刚", 'href="sessions?live=L1"', "data:image/svg+xml;base64,"):
        assert text in html, text
    assert 'class="ck-room"' in html
    stale = rooms.room({**ROW, "stale": True, "data_age_minutes": 16}, "zh", "x", "")
    assert 'class="ck-room ck-stale"' in stale and "数据中断：最新数据 05:23，16 分钟前" in stale
    drop = rooms.room({**ROW, "dropping": True}, "en", "x", "Online dropping")
    assert 'class="ck-room ck-drop"' in drop and "Online dropping" in drop and "Data updated 05:23, just now" in drop


def test_names_and_titles_are_text_never_markup():
    evil = '**x** [Sign in](http://evil.example/login) ![t](http://127.0.0.1:9/b.png) <img src=x onerror=alert(1)>'
    html = rooms.room({**ROW, "account_name": evil, "title": evil, "live_id": 'L"><script>'}, "zh",
                      rooms.href("sessions", {"live": 'L"><script>'}), "")
    assert "<img src=x" not in html and "<script>" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert 'href="sessions?live=L%22%3E%3Cscript%3E"' in html


def test_the_strip_puts_the_drop_count_first():
    cards = {"dropping": 2, "live_gmv_today": 930.0, "accounts_live": 2, "online_now": 100, "live_buyers_today": 7,
             "ended_today": 1, "stale": 1}
    html = rooms.strip(cards, "zh")
    assert html.index("掉量预警场次") < html.index("数据中断场次") < html.index("今日直播成交金额")
    assert 'class="ck-kpi ck-alert"' in html
    assert "数据中断场次" not in rooms.strip({**cards, "stale": 0}, "zh")


def test_sparkline_is_an_inline_image():
    assert rooms.sparkline([1]) == '<div class="ck-spark"></div>'
    assert rooms.sparkline([0, 5, 10]).startswith('<img class="ck-spark" alt="" src="data:image/svg+xml;base64,')
