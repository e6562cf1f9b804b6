"""直播复盘 on the tiny group (tests/conftest.py): every figure worked out by hand.

L1 (A1 own, store S1 茶叶, June 1 19:30-22:30): exposures 2000, viewers 400, watch 60 s,
interacting 80, product exposures 300, clicks 100, live buyers B1 B2, GMV 300 (O1 100 at
20:00, O2 200 at 20:30, both P1), views 1000, new followers 40.  A1's live GMV over the 30
days to June 1 is O9 400 (May 10) + 300 = 700: tier T1 (under ¥10k).  The only comparable
session is L0 (A1, May 10): exposures 250, viewers 50, watch 40 s, interacting 5, product
exposures 30, clicks 10, buyer B1, GMV 400, views 100, new followers 2.
"""

import csv
import datetime as dt
import subprocess
import sys
import zipfile

import pytest

from cockpit import batches, schema
from cockpit.reports import review
from cockpit.selection import Selection
from cockpit.view import View

D = dt.datetime
JUNE = dict(period="custom", start=dt.date(2025, 6, 1), end=dt.date(2025, 6, 30))
NOW = D(2025, 6, 30, 12, 0)


def june(con, lang="zh", scope=None, **kw):
    return View(con, Selection(**JUNE, **kw), lang=lang, now=NOW, scope=scope)


def test_place_of_a_session_category_and_tier(tiny_con):
    v = june(tiny_con)
    info = review.session_info(v, "L1")
    assert (info["category"], info["tier_gmv"], info["tier"]) == ("茶叶", 700.0, "T1")
    # D1 (distributor) has no store: L4's category is its products' (O8: P1 茶叶); its 30 days: O8 250
    info = review.session_info(v, "L4")
    assert (info["category"], info["tier_gmv"], info["tier"]) == ("茶叶", 250.0, "T1")
    assert review.session_info(v, "L3")["category"] == "女装"
    assert review.session_info(v, "nope") is None


def test_tier_bands():
    assert [review.tier_of(g) for g in (None, 0, 9999.99, 10_000, 99_999, 100_000, 500_000, 1_999_999, 2_000_000)] \
        == ["T1", "T1", "T1", "T2", "T2", "T3", "T4", "T4", "T5"]


def test_funnel_steps_and_rates(tiny_con):
    r = review.Review(june(tiny_con), "L1")
    rows = review.funnel_rows(r.figures)
    assert [x["step"] for x in rows] == ["exposure", "entry", "stay", "interact", "product_exposure", "click", "buy"]
    assert [x["figure"] for x in rows] == [2000, 400, 60.0, 80, 300, 100, 2]
    rates = [x["rate"] for x in rows]
    assert rates[0] is None and rates[2] is None  # exposure has no earlier step; stay is its watch time
    assert rates[1] == pytest.approx(400 / 2000)
    assert rates[3] == pytest.approx(80 / 400)
    assert rates[4] == pytest.approx(300 / 400)
    assert rates[5] == pytest.approx(100 / 300)
    assert rates[6] == pytest.approx(2 / 100)
    t = r.table("review_funnel").frame
    assert t["数值"].to_list() == [2000, 400, 60, 80, 300, 100, 2]
    assert t["转化率 (%)"].to_list() == [None, 20.0, None, 20.0, 75.0, 33.33, 2.0]
    assert t["单位"].to_list() == ["人", "人", "秒", "人", "人", "人", "人"]


def test_peer_benchmarks_of_category_and_tier(tiny_con):
    r = review.Review(june(tiny_con), "L1")
    assert r.peers["exposure_entry_rate"]["median"] == 0.30 and r.peers["exposure_entry_rate"]["excellent"] == 0.45
    assert r.peers["gpm"]["median"] == 400 and "ctr" not in r.peers  # no peer figure imported for ctr
    assert r.peer_period == (dt.date(2025, 6, 1), dt.date(2025, 6, 30))
    rows = {x["metric"]: x for x in r.bench_rows}
    assert rows["exposure_entry_rate"]["vs_median"] == pytest.approx(0.2 / 0.3 - 1)
    assert rows["gpm"]["vs_median"] == pytest.approx(300 / 400 - 1)
    assert rows["ctr"]["median"] is None and rows["ctr"]["vs_median"] is None


def test_shortest_period_holding_the_day_else_the_latest_before(tiny_con):
    batches.write_batch(tiny_con, "peer_benchmarks", schema.frame("peer_benchmarks", [
        # a week holding June 1 beats the month
        dict(period_start=dt.date(2025, 5, 26), period_end=dt.date(2025, 6, 1), category="茶叶", tier="T1",
             metric="gpm", median=350, excellent=700),
        # May only, for a metric June lacks: used, as the latest period before the day
        dict(period_start=dt.date(2025, 5, 1), period_end=dt.date(2025, 5, 31), category="茶叶", tier="T1",
             metric="ctr", median=0.2, excellent=0.3),
        # too old (ended more than 62 days before) and another tier: ignored
        dict(period_start=dt.date(2025, 3, 1), period_end=dt.date(2025, 3, 29), category="茶叶", tier="T1",
             metric="product_exposure_rate", median=0.5),
        dict(period_start=dt.date(2025, 6, 1), period_end=dt.date(2025, 6, 30), category="茶叶", tier="T2",
             metric="product_click_rate", median=0.5),
    ]), file_name="t")
    p = review.peer_benchmarks(june(tiny_con), "茶叶", "T1", dt.date(2025, 6, 1))
    assert p["gpm"]["median"] == 350 and p["gpm"]["period_start"] == dt.date(2025, 5, 26)
    assert p["ctr"]["median"] == 0.2
    assert "product_exposure_rate" not in p and "product_click_rate" not in p
    assert p["exposure_entry_rate"]["median"] == 0.30
    assert review.peer_benchmarks(june(tiny_con), None, "T1", dt.date(2025, 6, 1)) == {}


def test_group_comparables_are_l0_only(tiny_con):
    r = review.Review(june(tiny_con), "L1")
    assert r.comparables == ["L0"]
    g = r.group
    # one value: P25 = P50 = P75 = L0's; the rank counts a tie as half
    assert (g["exposure_entry_rate"]["p25"], g["exposure_entry_rate"]["p50"], g["exposure_entry_rate"]["p75"]) \
        == (pytest.approx(250 / 250 * 50 / 250), pytest.approx(0.2), pytest.approx(0.2))
    assert g["exposure_entry_rate"]["rank"] == 50.0  # L1 0.2 ties L0 0.2
    assert g["avg_watch_seconds"]["rank"] == 100.0  # 60 s > 40 s
    assert g["gpm"]["p50"] == pytest.approx(400 / 100 * 1000) and g["gpm"]["rank"] == 0.0  # 300 < 4000
    assert g["click_conversion"]["p25"] == pytest.approx(1 / 10)  # L0: B1 / 10 clicks
    assert all(x["n"] == 1 for x in g.values())
    # L4 (distributor, 茶叶) has no comparable session: no group figures at all
    r4 = review.Review(june(tiny_con), "L4")
    assert r4.comparables == [] and r4.group["gpm"] == {"n": 0, "p25": None, "p50": None, "p75": None, "rank": None}


def test_percentiles_over_several_comparable_sessions(tiny_con):
    """Three more sessions of A1 (own, 茶叶) in the 90 days before L1, and three that are
    not comparable.  Exposure-to-entry rates of the comparables: L0 0.2, L5 0.1, L6 0.3,
    L7 0.4 -> sorted 0.1 0.2 0.3 0.4.  PERCENTILE.INC: P25 at rank 0.75 = 0.1 + 0.75 x 0.1
    = 0.175, P50 = 0.25, P75 at rank 2.25 = 0.325.  L1's 0.2: one below, one tie ->
    (1 + 0.5) / 4 = 37.5."""
    def s(lid, acct, start, end, viewers, exposures):
        return dict(live_id=lid, account_id=acct, title=lid, started_at=start, ended_at=end, views=viewers,
                    viewers=viewers, exposures=exposures)
    batches.write_batch(tiny_con, "live_sessions", schema.frame("live_sessions", [
        s("L5", "A1", D(2025, 4, 10, 20), D(2025, 4, 10, 22), 100, 1000),
        s("L6", "A1", D(2025, 3, 5, 20), D(2025, 3, 5, 22), 300, 1000),  # 88 days before L1
        s("L7", "A1", D(2025, 5, 20, 20), D(2025, 5, 20, 21), 40, 100),
        s("L8", "A1", D(2025, 3, 2, 20), D(2025, 3, 2, 22), 10, 1000),  # 91 days before: too old
        s("L9", "A2", D(2025, 5, 21, 20), D(2025, 5, 21, 22), 10, 1000),  # authorized: another type
        s("L10", "A1", D(2025, 5, 30, 20), None, 10, 1000),  # never ended
    ]), file_name="t")
    r = review.Review(june(tiny_con), "L1")
    assert r.comparables == ["L0", "L5", "L6", "L7"]
    g = r.group["exposure_entry_rate"]
    assert g["n"] == 4
    assert (g["p25"], g["p50"], g["p75"]) == (pytest.approx(0.175), pytest.approx(0.25), pytest.approx(0.325))
    assert g["rank"] == 37.5
    # metrics only L0 reports keep their own count
    assert r.group["interaction_rate"]["n"] == 1


def test_percentile_rank_and_quartiles_by_hand():
    assert review.percentile_rank([1, 2, 3, 4], 3) == 62.5  # 2 below + half of 1 tie
    assert review.percentile_rank([1, 2, 3, 4], 5) == 100.0
    assert review.percentile_rank([], 1) is None and review.percentile_rank([1], None) is None
    assert review.quartiles([10, 20, 30, 40, 50]) == (20.0, 30.0, 40.0)
    assert review.quartiles([1, 2]) == (1.25, 1.5, 1.75)
    assert review.quartiles([]) == (None, None, None)


def test_three_weakest_against_peers_else_the_group(tiny_con):
    r = review.Review(june(tiny_con), "L1")
    # entry 0.2 / 0.3, GPM 300 / 400, watch 60 / 75; everything else is at or above its benchmark
    # (商品曝光点击率 100/300 equals L0's 10/30: a ratio of 1 is not weak)
    assert [(m, round(x, 4), b) for m, x, b in r.weak] == [
        ("exposure_entry_rate", 0.6667, "peer"), ("gpm", 0.75, "peer"), ("avg_watch_seconds", 0.8, "peer")]
    marks = dict(zip(r.table("review_benchmarks").frame["指标"], r.table("review_benchmarks").frame["最弱"]))
    assert marks["曝光进入率"] == "最弱 1" and marks["千次观看成交额"] == "最弱 2" and marks["互动率"] is None


def test_diagnosis_of_l1_and_l4(tiny_con):
    r = review.Review(june(tiny_con), "L1")
    # entry 0.2 < 0.8 x 0.30; click conversion 2/100 < L0's 1/10; UV value 0.75 < L0's 8.
    # watch 60 s is not below 0.8 x 75 = 60 s, and not under 45 s
    assert [f.rule.id for f in r.findings] == ["entry_vs_peers", "clicks_not_buying", "uv_value_low"]
    d = r.table("review_diagnosis").frame
    assert d["本场"].to_list() == ["20.0%", "2.0%", "¥0.75"]
    assert d["基准"].to_list() == ["同行同级均值 30.0%", "集团同类场次 P25 10.0%", "集团同类场次 P25 ¥8"]
    r4 = review.Review(june(tiny_con), "L4")
    # 30 s: under 45 s and under 0.8 x 75 s; entry 800/4000 = 0.2 < 0.24; one buyer (B2) of 800
    # viewers = 0.00125 < 0.8 x 0.004; no group, so the P25 rules stay silent
    assert [f.rule.id for f in r4.findings] == ["opening_hold", "watch_vs_peers", "entry_vs_peers",
                                                 "conversion_vs_peers"]
    # L3: no exposures, no watch time, no peers of its metrics: nothing can be judged below a benchmark
    assert review.Review(june(tiny_con), "L3").findings == []


def test_explanation_windows(tiny_con):
    r = review.Review(june(tiny_con), "L1")
    e = r.explains
    assert e["started_at"].to_list() == [D(2025, 6, 1, 19, 30), D(2025, 6, 1, 19, 59)]
    assert e["minutes"].to_list() == [2.0, 6.0]
    assert e["clicks"].to_list() == [42, None]  # 12 + 30 at 19:30 and 19:31; no minute rows after
    assert e["orders"].to_list() == [0, 1] and e["gmv"].to_list() == [0.0, 100.0]  # O1 at 20:00 (P1)
    t = r.table("review_explains").frame
    assert t["商品"].to_list() == ["明前龙井", "明前龙井"]
    assert t["占本场成交 (%)"].to_list() == [0.0, 33.33]  # 100 / 300


def test_minutes_with_cumulative_gmv_and_product_on_air(tiny_con):
    r = review.Review(june(tiny_con), "L1")
    m = r.minutes
    assert m["minute"].to_list() == [D(2025, 6, 1, 19, 30), D(2025, 6, 1, 19, 31), D(2025, 6, 1, 20, 0),
                                     D(2025, 6, 1, 20, 30)]
    assert m["online"].to_list() == [50, 120, None, None]
    assert m["leaves"].to_list() == [10, 20, None, None] and m["product_clicks"].to_list() == [12, 30, None, None]
    assert m["orders"].to_list() == [0, 0, 1, 1]
    assert m["gmv_cum"].to_list() == [0.0, 0.0, 100.0, 300.0]
    t = r.table("review_minutes").frame
    assert t["讲解中商品"].to_list() == ["明前龙井", "明前龙井", "明前龙井", None]  # 20:30 is after 20:05


def test_audience_portrait(tiny_con):
    r = review.Review(june(tiny_con), "L1")
    a = r.table("review_audience").frame
    assert a["画像维度"].to_list() == ["性别", "性别", "年龄", "年龄", "年龄", "粉丝/非粉丝", "粉丝/非粉丝"]
    assert a["分组"].to_list() == ["女", "男", "18-23", "24-30", "31-40", "非粉丝", "粉丝"]  # ages in age order
    assert a["观看占比 (%)"].to_list() == [65.0, 35.0, 25.0, 50.0, 25.0, 62.5, 37.5]
    assert a["成交金额"].to_list() == [100.0, 200.0, 0.0, 300.0, 0.0, 200.0, 100.0]
    assert a["观看成交率 (%)"].to_list() == [round(100 / 260, 2), round(100 / 140, 2), 0.0, 1.0, 0.0, 0.4,
                                        round(100 / 150, 2)]
    en = review.Review(june(tiny_con, lang="en"), "L1").table("review_audience").frame
    assert en["Group"].to_list()[:2] == ["Female", "Male"] and en["Dimension"].to_list()[0] == "Gender"


def test_traffic_and_ads_as_on_the_detail_page(tiny_con):
    r = review.Review(june(tiny_con), "L1")
    tr = r.table("review_traffic").frame
    assert dict(zip(tr["流量来源"], tr["流量来源成交金额 (元)"])) == {"推荐": 150.0, "川流分销": 100.0, "短视频引流": 50.0}
    ads = r.table("review_ads").frame.row(0, named=True)
    assert (ads["投放消耗 (元)"], ads["投放ROI"]) == (100.0, 2.5)
    ads4 = review.Review(june(tiny_con), "L4").table("review_ads").frame.row(0, named=True)
    assert ads4["投放ROI"] is None  # shown as "—"


def test_missing_figures_stay_missing(tiny_con):
    r = review.Review(june(tiny_con), "L3")
    rows = {x["metric"]: x for x in r.bench_rows}
    assert r.figures["exposure_entry_rate"] is None and rows["exposure_entry_rate"]["value"] is None
    assert rows["exposure_entry_rate"]["median"] == 0.20  # 女装 T1 imported, but nothing to hold against it
    assert rows["exposure_entry_rate"]["vs_median"] is None
    t = r.table("review_benchmarks").frame
    assert t["本场"].to_list()[0] is None
    assert r.explains.height == 0 and r.audience.height == 0


def test_scope_and_filters(tiny_con):
    dealer_b = (("store", ("S3",)),)
    assert not review.Review(june(tiny_con, scope=dealer_b), "L1").found
    assert review.Review(june(tiny_con, scope=dealer_b), "L3").found
    assert not review.Review(june(tiny_con, brand=("云裳",)), "L1").found  # as on 直播明细
    # the group benchmarks ignore the sidebar filters: an account filter keeps L0 comparable
    r = review.Review(june(tiny_con, account=("A1",)), "L1")
    assert r.comparables == ["L0"]


def test_tables_of_the_page_with_and_without_a_session(tiny_con):
    names = [t.name for t in review.tables(june(tiny_con, live="L1"))]
    assert names == ["review_funnel", "review_benchmarks", "review_diagnosis", "review_explains", "review_minutes",
                     "review_audience", "review_traffic", "review_ads"]
    (lst,) = review.tables(june(tiny_con))
    assert lst.name == "review_sessions"
    assert lst.frame["直播场次ID"].to_list() == ["L4", "L3", "L2", "L1"]
    assert lst.frame["曝光进入率 (%)"].to_list() == [20.0, None, 12.5, 20.0]  # 800/4000, —, 200/1600, 400/2000
    assert review.tables(june(tiny_con, live="nope")) == []


def test_english_labels(tiny_con):
    r = review.Review(june(tiny_con, lang="en"), "L1")
    t = r.table("review_funnel").frame
    assert t["Step"].to_list() == ["Exposure", "Entry", "Stay", "Interaction", "Product exposure", "Product click",
                                   "Purchase"]
    assert r.table("review_diagnosis").frame["Finding"].to_list()[0].startswith("Far fewer of the people")


def test_export_holds_the_same_tables(tiny_db, tmp_path):
    out = tmp_path / "review.zip"
    r = subprocess.run([sys.executable, "-m", "cockpit.cli", "export", "--db", str(tiny_db), "--page", "review",
                        "--live", "L1", "--out", str(out)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    with zipfile.ZipFile(out) as z:
        names = z.namelist()
        assert names == ["review_funnel.csv", "review_benchmarks.csv", "review_diagnosis.csv", "review_explains.csv",
                         "review_minutes.csv", "review_audience.csv", "review_traffic.csv", "review_ads.csv"]
        rows = list(csv.reader(z.read("review_funnel.csv").decode("utf-8-sig").splitlines()))
    assert rows[0] == ["环节", "数值", "单位", "转化指标", "转化率 (%)"]
    assert rows[2] == ["进入", "400.0", "人", "曝光进入率", "20.0"]
