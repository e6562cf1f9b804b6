"""Scheduled reports: business-time schedule, the KPI text with 环比/同比 (figures by hand
from tests/conftest.py), the page's tables attached, the picture from the real page in
Debian's Chromium, and the owner's data scope."""

import datetime as dt
import io
import os
import shutil
from pathlib import Path

import polars as pl
import pytest

from cockpit import auth, push, store
from cockpit.push import render, scheduled
from cockpit.selection import Selection
from tests.push_receivers import (HOOK_SECRET, add_all_channels, mailbox, parts, receiver,  # noqa: F401
                                  texts)

T = dt.datetime
JUNE = Selection(period="custom", start=dt.date(2025, 6, 1), end=dt.date(2025, 6, 30))
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


def need_chromium():
    if render.available():
        return
    msg = f"report pictures need Debian's chromium at {render.CHROMIUM} (apt-get install chromium fonts-noto-cjk)"
    if os.environ.get("CI"):
        pytest.fail(msg)
    pytest.skip(msg)


# --- schedule --------------------------------------------------------------------------


@pytest.mark.parametrize("every,now,slot", [
    ("daily@09:00", T(2025, 6, 11, 8, 59), T(2025, 6, 10, 9, 0)),
    ("daily@09:00", T(2025, 6, 11, 9, 0), T(2025, 6, 11, 9, 0)),
    ("daily@9:30", T(2025, 6, 11, 23, 0), T(2025, 6, 11, 9, 30)),
    ("weekly@mon-09:00", T(2025, 6, 11, 12, 0), T(2025, 6, 9, 9, 0)),  # Wednesday -> that Monday
    ("weekly@mon-09:00", T(2025, 6, 9, 8, 0), T(2025, 6, 2, 9, 0)),  # Monday before nine -> last week's
    ("weekly@sun-20:00", T(2025, 6, 9, 8, 0), T(2025, 6, 8, 20, 0)),
])
def test_latest_slot_in_business_time(every, now, slot):
    assert scheduled.latest_slot(every, now) == slot


@pytest.mark.parametrize("bad", ["daily", "daily@25:00", "weekly@xyz-09:00", "hourly@09:00", "daily@9"])
def test_bad_schedules_are_refused(bad):
    with pytest.raises(scheduled.ReportError, match="daily@09:00 or weekly@mon-09:00|not a time"):
        scheduled.parse_every(bad)


# --- content and schedule through tick ---------------------------------------------------


def test_a_daily_report_arrives_once_per_day_with_figures_and_tables(tiny_con, receiver, mailbox):
    add_all_channels(tiny_con, receiver)
    scheduled.add(tiny_con, "集团日报", "overview", JUNE, "daily@09:00", ["老板邮箱", "钉钉运营群", "飞书直播群"],
                  format="csv", now=T(2025, 6, 10, 12, 0))
    push.tick(tiny_con, T(2025, 6, 11, 8, 59))
    assert mailbox.mails == [] and receiver.messages == []
    push.tick(tiny_con, T(2025, 6, 11, 9, 0))
    push.tick(tiny_con, T(2025, 6, 11, 9, 1))
    push.tick(tiny_con, T(2025, 6, 11, 18, 0))
    assert len(mailbox.mails) == 1 and len(receiver.of("dingtalk")) == 1 and len(receiver.of("feishu")) == 1
    got = texts(receiver, mailbox)
    # June 2025 so far (06-11 09:00; every June order was paid by 06-10): gmv 1250, 8 orders.
    # June still contains "today", so its comparisons stop after the same elapsed time
    # (cockpit.periods): May until 05-11 09:00 is O9 400, 1 order; June 2024 until 06-11
    # 09:00 has nothing (O11 is 06-15), so no % change: "—"
    for platform in ("email", "dingtalk", "feishu"):
        t = got[platform][0]
        assert "【日报】集团日报 · 生意总览 · 2025-06-11" in t
        assert "成交金额 ¥1,250 · 环比 +212.5% · 同比 —" in t, platform
        assert "成交订单数 8 · 环比 +700.0% · 同比 —" in t, platform
        assert "2025-06-01 ~ 2025-06-30" in t or "2025-06-01 ～ 2025-06-30" in t
    attached = {n: data for n, _, data in parts(mailbox.mails[0])["attachments"]}
    assert {"channel_mix.csv", "contribution_store.csv", "top_stores.csv"} <= set(attached)
    stores = pl.read_csv(io.BytesIO(attached["contribution_store.csv"]))
    assert dict(zip(stores["店铺"], stores["成交金额 (元)"])) == {"山野茶官方旗舰店": 600.0, "山野茶经销A店": 380.0,
                                                          "云裳经销B店": 270.0}
    # no picture asked for (csv): no note about one either
    assert "截图" not in got["email"][0]
    push.tick(tiny_con, T(2025, 6, 12, 9, 5))  # the next day's slot
    assert len(mailbox.mails) == 2
    assert scheduled.get(tiny_con, "集团日报").last_slot == T(2025, 6, 12, 9, 0)


def test_a_report_made_after_todays_slot_starts_tomorrow(tiny_con, receiver):
    channels_ = add_all_channels(tiny_con, receiver)
    scheduled.add(tiny_con, "r", "overview", JUNE, "daily@09:00", channels_[-1:], format="csv",
                  now=T(2025, 6, 11, 10, 0))
    push.tick(tiny_con, T(2025, 6, 11, 10, 1))
    assert receiver.messages == []
    push.tick(tiny_con, T(2025, 6, 12, 9, 0))
    assert len(receiver.messages) == 1


def test_a_scoped_owners_report_holds_only_their_rows(tiny_con, receiver, mailbox):
    auth.create_user(tiny_con, "boss", "correct horse 1", "admin")
    auth.create_user(tiny_con, "dealer_b", "correct horse 1", "store_operator", ["S3"])
    from cockpit.push import channels

    channels.add(tiny_con, "b-mail", "email", "dealer.b@brand.example", owner="dealer_b")
    rep = scheduled.add(tiny_con, "B店日报", "overview", JUNE, "daily@09:00", ["b-mail"], format="csv",
                        owner="dealer_b", now=T(2025, 6, 10))
    scheduled.send(tiny_con, rep, T(2025, 6, 11, 9, 0))
    [mail] = mailbox.mails
    p = parts(mail)
    # S3 in June so far: O6 120 + O7 150 = 270; May until 05-11 09:00: nothing (O10 is 05-23)
    # and June 2024 nothing -> "—" (comparisons stop after the same elapsed time)
    assert "成交金额 ¥270 · 环比 — · 同比 —" in p["html"]
    assert "1,250" not in p["html"]
    for name, _, data in p["attachments"]:
        text = data.decode("utf-8-sig")
        assert "山野茶" not in text and "经销A" not in text, name
    stores = pl.read_csv(io.BytesIO(dict((n, d) for n, _, d in p["attachments"])["contribution_store.csv"]))
    assert stores["店铺"].to_list() == ["云裳经销B店"]


def test_a_scoped_owner_gets_no_picture_of_a_page_that_shows_more(tiny_con, receiver):
    """In local mode (no sign-in) the page shows every row: a scoped owner's report is
    sent without it rather than with rows they may not see."""
    auth.create_user(tiny_con, "dealer_b", "correct horse 1", "store_operator", ["S3"])
    from cockpit.push import channels

    channels.add(tiny_con, "b-hook", "webhook", receiver.webhook, HOOK_SECRET, owner="dealer_b")
    rep = scheduled.add(tiny_con, "B", "overview", JUNE, "daily@09:00", ["b-hook"], owner="dealer_b",
                        now=T(2025, 6, 10))
    prep = scheduled.prepare(tiny_con, rep, T(2025, 6, 11, 9))
    assert not prep.wants_picture
    if render.available():
        assert prep.no_picture_reason == "push.no_picture_scope"
    scheduled.finish(tiny_con, prep, None, prep.no_picture_reason, T(2025, 6, 11, 9))
    [m] = receiver.of("webhook")
    assert [a["mime"] for a in m.body["attachments"]] == ["text/csv"] * len(m.body["attachments"])


def test_xlsx_reports_are_one_workbook_with_a_sheet_per_table(tiny_con, receiver, mailbox):
    add_all_channels(tiny_con, receiver)
    rep = scheduled.add(tiny_con, "表格", "overview", JUNE, "weekly@mon-09:00", ["老板邮箱"], format="xlsx",
                        now=T(2025, 6, 1))
    scheduled.send(tiny_con, rep, T(2025, 6, 9, 9, 0))
    [(name, ctype, data)] = parts(mailbox.mails[0])["attachments"]
    assert name == "表格.xlsx" and ctype == scheduled.XLSX_MIME
    sheets = pl.read_excel(io.BytesIO(data), sheet_id=0)
    assert "店铺贡献" in sheets
    # June until the Monday slot 06-09 09:00 (June still contains "today"): S1 without O8 (06-10)
    assert sheets["店铺贡献"]["成交金额 (元)"].to_list() == [380.0, 350.0, 270.0]
    assert str(mailbox.mails[0]["Subject"]).startswith("【周报】表格")


def test_report_in_english_for_an_english_channel(tiny_con, receiver):
    from cockpit.push import channels

    channels.add(tiny_con, "en", "webhook", receiver.webhook, HOOK_SECRET, lang="en")
    rep = scheduled.add(tiny_con, "Daily", "overview", JUNE, "daily@09:00", ["en"], format="csv",
                        now=T(2025, 6, 1))
    scheduled.send(tiny_con, rep, T(2025, 6, 11, 9, 0))
    [m] = receiver.of("webhook")
    assert m.body["title"] == "[Daily report] Daily · Business overview · 2025-06-11"
    assert "GMV ¥1,250 · Previous period +212.5% · Same period last year —" in m.body["lines"]  # June so far


def test_bad_reports_are_refused(tiny_con, receiver):
    add_all_channels(tiny_con, receiver)
    with pytest.raises(scheduled.ReportError, match="unknown page"):
        scheduled.add(tiny_con, "x", "nowhere", JUNE, "daily@09:00", ["ops-hook"], now=T(2025, 6, 1))
    with pytest.raises(scheduled.ReportError, match="no channel"):
        scheduled.add(tiny_con, "x", "overview", JUNE, "daily@09:00", ["nobody"], now=T(2025, 6, 1))
    with pytest.raises(scheduled.ReportError, match="unknown format"):
        scheduled.add(tiny_con, "x", "overview", JUNE, "daily@09:00", ["ops-hook"], format="gif", now=T(2025, 6, 1))


# --- the picture: the real page in Chromium ------------------------------------------------


@pytest.fixture
def app_copy(tiny_db, tmp_path):
    """A second file with the same data for a real `cockpit serve` to show, standing in
    for the server process the scheduler runs in (this process holds the original)."""
    path = tmp_path / "served.duckdb"
    shutil.copy(tiny_db, path)
    return path


def test_a_scheduled_report_arrives_with_the_page_as_a_picture(tiny_con, app_copy, receiver, mailbox, monkeypatch):
    need_chromium()
    add_all_channels(tiny_con, receiver)
    scheduled.add(tiny_con, "集团日报", "overview", JUNE, "daily@09:00", ["企微老板群", "老板邮箱"], format="png",
                  now=T(2025, 6, 10, 12, 0))
    with render.temporary_server(app_copy) as url:
        monkeypatch.setenv("COCKPIT_BASE_URL", url)
        push.tick(tiny_con, T(2025, 6, 11, 9, 0))
    assert receiver.rejected == []
    # WeCom: the text, then the picture (base64 + md5 checked by the receiver)
    wecom = [m.body for m in receiver.of("wecom")]
    assert [b["msgtype"] for b in wecom] == ["markdown", "image"]
    assert "成交金额 ¥1,250 · 环比 +212.5% · 同比 —" in wecom[0]["markdown"]["content"]  # June so far
    # e-mail: the same picture inline, the page's tables attached
    p = parts(mailbox.mails[0])
    [(_, ctype, png)] = p["inline"]
    assert ctype == "image/png" and png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 50_000
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert width == render.WIDTH and height > 2000  # the whole page, not one screen
    assert {"channel_mix.csv", "top_stores.csv"} <= {n for n, _, _ in p["attachments"]}
    import base64

    assert base64.b64decode(wecom[1]["image"]["base64"]) == png
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "push-report-overview.png").write_bytes(png)


def test_with_sign_in_on_the_picture_is_the_owners_page_and_holds_only_their_rows(tiny_db, receiver, mailbox):
    """The command-line path on a closed database: a short-lived session of the owner,
    a temporary server, the page drawn as that user sees it."""
    need_chromium()
    con = store.connect(tiny_db)
    auth.create_user(con, "boss", "correct horse 1", "admin")
    auth.create_user(con, "dealer_b", "correct horse 1", "store_operator", ["S3"])
    from cockpit.push import channels

    channels.add(con, "b-mail", "email", "dealer.b@brand.example", owner="dealer_b")
    rep = scheduled.add(con, "B店日报", "overview", JUNE, "daily@09:00", ["b-mail"], owner="dealer_b",
                        now=T(2025, 6, 10))
    prep = scheduled.prepare(con, rep, T(2025, 6, 11, 9))
    assert prep.wants_picture and prep.cookie is not None
    con.close()
    with render.temporary_server(tiny_db) as url:
        png, why_not = scheduled.take_picture(prep, url)
        assert why_not is None and png[:8] == b"\x89PNG\r\n\x1a\n"
        seen = prep.picture_text
        # a session that is not valid draws the sign-in prompt: never sent as the picture
        forged = scheduled.Prepared(prep.report, prep.messages, prep.picture_url_params, "zh",
                                    (prep.cookie[0], prep.cookie[1][:-4] + "abcd"))
        assert scheduled.take_picture(forged, url) == (None, "push.no_picture_failed")
    assert "云裳经销B店" in seen and "当前用户：dealer_b" in seen
    assert "山野茶官方旗舰店" not in seen and "山野茶经销A店" not in seen
    con = store.connect(tiny_db)
    scheduled.finish(con, prep, png, None, T(2025, 6, 11, 9))
    con.close()
    p = parts(mailbox.mails[0])
    assert [ct for _, ct, _ in p["inline"]] == ["image/png"]
    assert "成交金额 ¥270 · 环比 — · 同比 —" in p["html"]  # June so far, see above
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "push-report-scoped.png").write_bytes(png)


def test_the_figures_still_go_out_when_the_pages_tables_fail(tiny_con, receiver, monkeypatch, caplog):
    add_all_channels(tiny_con, receiver)
    from cockpit import reports as page_reports

    def broken(page, view):
        raise RuntimeError("engine says no")

    monkeypatch.setattr(page_reports, "page_tables", broken)
    rep = scheduled.add(tiny_con, "r", "overview", JUNE, "daily@09:00", ["ops-hook"], format="csv", now=T(2025, 6, 1))
    scheduled.send(tiny_con, rep, T(2025, 6, 11, 9, 0))
    [m] = receiver.of("webhook")
    assert "成交金额 ¥1,250 · 环比 +212.5% · 同比 —" in m.body["lines"]  # June so far
    assert m.body["lines"][-1] == "（页面表格生成失败，详见服务日志）" and m.body["attachments"] == []
    assert "engine says no" in caplog.text
