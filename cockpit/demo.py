"""The demo group: a realistic, internally consistent brand group, generated in seconds.

``generate(orders, seed, now)`` is pure and deterministic for its arguments and returns one
Polars frame per canonical table (columns in :mod:`cockpit.schema` order, dtypes matching
the kinds: money is ``Decimal(18, 2)`` built from integer cents, so what DuckDB stores is
exactly what was generated).  ``build(path, ...)`` writes it into a DuckDB file, one
recorded batch per table (``source='demo'``).

The group
    Three brands — 山野茶 (茶叶), 云裳 (女装), 小鹿家居 (家居) — with 12 stores (7 direct,
    5 authorized; two opened within the last 90 days), 40 accounts (14 own, 10 authorized,
    16 distributors under 星河达人机构 and 青禾MCN) and 300 products.

Time
    ``now`` is truncated to the minute; nothing happens at or after it.  History runs from
    the earlier of (today - 395 days) and May 1 of the year of the older of the last two
    618 campaigns, so both 618s (presale 5/18-5/31, main 6/1-6/18) are in the data.  The
    双11 campaigns (presale 10/20-10/31, main 11/1-11/11) inside that range are included.
    Daily volume = trend (+30 % a year) x weekday x campaign x brand season x noise, with
    a Spring Festival dip; shelf orders follow an intraday profile with an evening peak,
    live orders follow the sessions (mostly evening) and their online curve.

Channels
    The shelf (mall/store_page/search/recommend) share grows ~35 % a year relative to the
    total, so shelf GMV grows ~75 % YoY.  Live orders belong to a session (same account,
    paid inside the session), short-video orders to a video of the same account (paid
    after it was published), shelf and 'other' orders have no account.

Definitions the tests rely on
    - live_sessions.views = sum of its minutes' entries; new_followers, comments, likes,
      shares, exposures and product_clicks are the sums of its minutes; peak_online = max
      of its minutes' online; avg_watch_seconds = sum(online) * 60 / viewers; exposures
      >= viewers (a 4-60 % exposure-to-entry rate); interacting_viewers <= viewers.
    - live_minutes.leaves = online a minute earlier + entries - online (0 when that is
      negative).
    - 讲解 (live_explains): windows of 4-9 minutes with 3-10 minute gaps, ended by ``now``,
      each a product of a store the account sells for.  65 % of a session's live orders
      are paid inside a window (85 % of those buy the product on air), and product clicks
      per online viewer are 3.5x higher inside one: the bumps the review shows.  The
      windows draw from their own random stream, so nothing else moved when they came.
    - live_audience: per session and dimension (gender, age, region, fans, new/returning)
      the buckets add up to the session's viewers, distinct live buyers and live GMV;
      fan and new-buyer figures come from the orders (a new buyer has no order before the
      session started).
    - peer_benchmarks: per month, category and tier T1-T5, a median and an excellent
      value (1.45-1.8x) for every benchmark metric; higher tiers do better.
    - live_traffic: views and gmv are integer partitions of the session's views and GMV
      (sum of its orders' paid_amount), so both add up exactly.  'paid' appears only for
      sessions with ad spend, 'distribution' (川流) only for own accounts' sessions after
      their store's 川流 start date; those sessions get +15..38 % GMV, and the
      distribution source carries exactly that increment's share of the session GMV.
    - ad_spend rows with a live_id have attributed_gmv = that session's 'paid' gmv.
    - follower_daily.new_followers[account, day] = new_followers of that account's
      live_minutes whose minute falls on that day + new_followers of its short videos
      published that day; followers[d] = followers[d-1] + new - lost; accounts.followers
      is the last day's followers.
    - Scores use one 0-5 scale for all three types (商家体验分, 带货口碑分, 商品分; two
      decimals).  Below 4.0 is "low": one authorized store, one distributor and a few
      products end up there.  Scores and market data are T+1 (up to yesterday).
    - market_daily covers the group's three categories; the group's share is a few %.
    - refund_amount is 0.00 when there is no refund; refunded_at/shipped_at are null when
      the event has not happened by ``now``.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import queue
import sys
import threading
import time
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa

from cockpit import auth, batches, buyer_keys, buyer_sets, clock, rollups, schema, store
from cockpit.errors import UsageError


class DemoError(UsageError):
    """The demo can't be written where asked (e.g. the file holds imported data)."""


EPOCH = dt.datetime(1970, 1, 1)
DAY_S = 86_400
EXPLAINED_ORDER_SHARE = 0.65  # live orders paid while a product is explained
SOURCES = list(schema.TRAFFIC_SOURCES)  # recommend follow short_video paid search distribution other
CHANNELS = list(schema.CHANNELS)  # live short_video mall store_page search recommend other
CH = {c: i for i, c in enumerate(CHANNELS)}

BRANDS = ["山野茶", "云裳", "小鹿家居"]
CATEGORIES = ["茶叶", "女装", "家居"]  # category of brand i
# Month factors (Jan..Dec) per brand: spring tea, autumn/winter clothing, 双11 home goods.
BRAND_MONTH = np.array([
    [0.95, 0.85, 1.35, 1.45, 1.15, 0.95, 0.85, 0.85, 1.10, 1.00, 1.00, 1.05],
    [0.90, 0.85, 1.10, 1.05, 0.95, 0.95, 0.80, 0.85, 1.15, 1.20, 1.25, 1.15],
    [0.95, 0.85, 1.00, 1.00, 1.00, 1.00, 0.95, 0.95, 1.00, 1.05, 1.15, 1.05],
])
BRAND_SIZE = np.array([0.30, 0.45, 0.25])
CATEGORY_PRICE = {  # list price range in yuan
    "茶叶": (39, 699), "女装": (69, 899), "家居": (19, 1299),
}
REFUND_RATE = np.array([0.035, 0.125, 0.06])  # by brand/category
MARKET_SHARE = np.array([0.042, 0.016, 0.027])  # target share of the category market
MARKET_SELLERS = np.array([38_000, 215_000, 96_000])
SPRING_FESTIVAL = {
    2023: (1, 22), 2024: (2, 10), 2025: (1, 29), 2026: (2, 17), 2027: (2, 6),
    2028: (1, 26), 2029: (2, 13), 2030: (2, 3), 2031: (1, 23), 2032: (2, 11),
}

# Audience portrait: dimension -> (buckets, viewer share per category 茶叶/女装/家居, how
# much more (or less) a viewer of the bucket buys)
AUDIENCE = {
    "gender": (("女", "男"), ((0.46, 0.54), (0.84, 0.16), (0.63, 0.37)), (1.15, 0.85)),
    "age": (("18-23", "24-30", "31-40", "41-50", "50+"),
            ((0.06, 0.18, 0.32, 0.27, 0.17), (0.16, 0.34, 0.30, 0.14, 0.06), (0.08, 0.30, 0.36, 0.18, 0.08)),
            (0.5, 0.9, 1.25, 1.3, 1.0)),
    "region": (("广东", "浙江", "江苏", "山东", "福建", "四川", "河南", "其他"),
               ((0.17, 0.13, 0.09, 0.07, 0.12, 0.07, 0.06, 0.29), (0.16, 0.12, 0.10, 0.08, 0.05, 0.07, 0.07, 0.35),
                (0.15, 0.11, 0.11, 0.09, 0.05, 0.08, 0.08, 0.33)),
               (1.15, 1.2, 1.1, 0.9, 1.0, 0.95, 0.85, 0.9)),
}

# 同行同级 medians at the middle tier (T3) per category 茶叶/女装/家居, and how each tier
# T1..T5 scales them
PEER_BASE = {
    "exposure_entry_rate": (0.15, 0.17, 0.16),
    "avg_watch_seconds": (210.0, 200.0, 220.0),
    "interaction_rate": (0.11, 0.12, 0.10),
    "product_exposure_rate": (0.55, 0.60, 0.55),
    "product_click_rate": (0.14, 0.15, 0.13),
    "ctr": (0.08, 0.09, 0.08),
    "click_conversion": (0.13, 0.14, 0.13),
    "watch_conversion": (0.010, 0.011, 0.010),
    "follow_rate": (0.03, 0.03, 0.028),
    "gpm": (1800.0, 2100.0, 1900.0),
    "uv_value": (2.7, 3.2, 2.9),
}
PEER_TIER_LIFT = (0.8, 0.9, 1.0, 1.1, 1.2)

# store_id, name, brand index, type, size, opened days before today (None: long ago)
STORES = [
    ("S001", "山野茶官方旗舰店", 0, "direct", 1.6, None),
    ("S002", "山野茶茶具专营店", 0, "direct", 0.6, None),
    ("S003", "山野茶云南普洱授权店", 0, "authorized", 0.6, None),
    ("S004", "山野茶武夷岩茶授权店", 0, "authorized", 0.5, 38),
    ("S005", "云裳官方旗舰店", 1, "direct", 1.8, None),
    ("S006", "云裳轻奢旗舰店", 1, "direct", 1.0, None),
    ("S007", "云裳大码女装店", 1, "direct", 0.6, 76),
    ("S008", "云裳杭州授权店", 1, "authorized", 0.8, None),
    ("S009", "云裳广州授权店", 1, "authorized", 0.7, None),
    ("S010", "小鹿家居官方旗舰店", 2, "direct", 1.4, None),
    ("S011", "小鹿家居收纳专营店", 2, "direct", 0.6, None),
    ("S012", "小鹿家居成都授权店", 2, "authorized", 0.6, None),
]
# account name, type, store index (own/authorized) or agency, power (GMV weight), followers base
ACCOUNTS = [
    ("山野茶官方直播间", "own", 0, 2.4, 1_200_000), ("山野茶·茶艺师小满", "own", 0, 1.1, 420_000),
    ("山野茶茶具馆", "own", 1, 0.8, 260_000), ("山野茶·老周说茶", "own", 1, 0.7, 310_000),
    ("云裳官方直播间", "own", 4, 2.8, 2_100_000), ("云裳·主播安安", "own", 4, 1.3, 680_000),
    ("云裳轻奢", "own", 5, 1.6, 900_000), ("云裳·搭配师Coco", "own", 5, 0.9, 350_000),
    ("云裳大码女装", "own", 6, 0.9, 0), ("云裳·胖妹穿搭", "own", 6, 0.6, 0),
    ("小鹿家居官方直播间", "own", 9, 2.2, 1_050_000), ("小鹿家居·鹿小白", "own", 9, 1.0, 380_000),
    ("小鹿收纳研究所", "own", 10, 0.8, 240_000), ("小鹿家居·收纳师阿琳", "own", 10, 0.6, 190_000),
    ("云南普洱茶仓", "authorized", 2, 0.8, 230_000), ("滇红茶姑娘", "authorized", 2, 0.5, 120_000),
    ("武夷岩茶铺", "authorized", 3, 0.6, 0), ("岩茶阿福", "authorized", 3, 0.4, 0),
    ("杭州云裳女装", "authorized", 7, 1.0, 410_000), ("云裳杭州·小雅", "authorized", 7, 0.6, 160_000),
    ("广州云裳女装", "authorized", 8, 0.9, 380_000), ("云裳广州·阿May", "authorized", 8, 0.5, 140_000),
    ("成都小鹿家居", "authorized", 11, 0.8, 260_000), ("小鹿成都·家居达人", "authorized", 11, 0.5, 110_000),
    ("茶姐阿珍", "distributor", "星河达人机构", 1.6, 2_600_000), ("小鱼穿搭日记", "distributor", "星河达人机构", 2.2, 3_800_000),
    ("居家好物君", "distributor", "星河达人机构", 1.2, 1_500_000), ("大胃王甜甜", "distributor", "星河达人机构", 0.7, 900_000),
    ("老李说好物", "distributor", "星河达人机构", 0.9, 1_100_000), ("宝妈丽丽", "distributor", "星河达人机构", 1.0, 1_300_000),
    ("时尚小七", "distributor", "星河达人机构", 0.8, 800_000), ("乡村小芳", "distributor", "星河达人机构", 0.5, 600_000),
    ("青禾·阿木", "distributor", "青禾MCN", 3.5, 5_200_000), ("青禾·晓晓", "distributor", "青禾MCN", 1.3, 1_700_000),
    ("主播二丫", "distributor", "青禾MCN", 0.8, 950_000), ("好物猎人老王", "distributor", "青禾MCN", 1.1, 1_400_000),
    ("穿搭博主Lily", "distributor", "青禾MCN", 1.0, 1_200_000), ("家居改造阿杰", "distributor", "青禾MCN", 0.7, 700_000),
    ("茶人小林", "distributor", "青禾MCN", 0.6, 500_000), ("美食家胖虎", "distributor", "青禾MCN", 0.5, 650_000),
]
# Distributors' main brand (index into BRANDS), by position among distributors.
DISTRIBUTOR_BRAND = [0, 1, 2, 0, 2, 1, 1, 0, 1, 1, 0, 2, 1, 2, 0, 0]

PRODUCT_WORDS = {
    "茶叶": (["明前", "高山", "古树", "有机", "特级", "陈年", "手工", "原叶", "礼盒装", "罐装"],
             ["龙井", "碧螺春", "普洱熟茶", "普洱生茶", "大红袍", "正山小种", "白毫银针", "铁观音", "滇红", "茉莉花茶", "金骏眉", "岩茶", "白牡丹", "茶具套装", "紫砂壶"]),
    "女装": (["法式", "通勤", "复古", "宽松", "修身", "高腰", "针织", "真丝", "羊毛", "大码"],
             ["连衣裙", "衬衫", "半身裙", "阔腿裤", "西装外套", "羽绒服", "毛衣", "风衣", "T恤", "牛仔裤", "卫衣", "大衣", "马甲", "针织开衫", "套装"]),
    "家居": (["北欧", "日式", "加厚", "可折叠", "大容量", "纯棉", "防滑", "静音", "多功能", "简约"],
             ["收纳箱", "四件套", "乳胶枕", "沙发毯", "置物架", "香薰机", "地毯", "抱枕", "保温杯", "衣架", "厨房置物架", "夏凉被", "床垫", "脏衣篮", "餐具套装"]),
}
TITLE_WORDS = {
    "茶叶": ["新茶品鉴会", "茶山直播 源头好茶", "一杯好茶 宠粉福利", "春茶开采季", "老茶客专场", "茶具上新"],
    "女装": ["秋冬新品首发", "通勤穿搭专场", "宠粉福利 限时秒杀", "春夏上新", "设计师款来了", "显瘦穿搭教学"],
    "家居": ["好物上新", "收纳焕新季", "家居宠粉日", "品质好物 工厂直发", "床品专场", "厨房好物节"],
}


# ---------------------------------------------------------------- small helpers
def _secs(t: dt.datetime) -> int:
    return int((t - EPOCH).total_seconds())


def _day_num(d: dt.date) -> int:
    return (d - EPOCH.date()).days


def _ts(seconds: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    us = np.asarray(seconds, dtype=np.int64) * 1_000_000
    return pa.array(us, type=pa.timestamp("us"), mask=null)


def _dates(days: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    return pa.array(np.asarray(days, dtype=np.int32), type=pa.date32(), mask=null)


def _money(cents: np.ndarray) -> pa.Array:
    """Integer cents -> decimal128(18, 2), bit-exact (no float rounding anywhere)."""
    c = np.ascontiguousarray(cents, dtype=np.int64)
    if c.size and c.min() < 0:
        raise ValueError("negative money in demo data")
    buf = np.zeros((c.size, 2), dtype=np.int64)
    buf[:, 0] = c
    return pa.Array.from_buffers(pa.decimal128(18, 2), c.size, [None, pa.py_buffer(buf)])


def _pick(names: list[str] | np.ndarray, idx: np.ndarray) -> pl.Series:
    """names[idx] as a Utf8 column; idx < 0 gives null."""
    idx = np.asarray(idx, dtype=np.int64)
    s = pl.Series(np.asarray(names, dtype=object).tolist(), dtype=pl.Utf8)
    ix = pl.Series(idx)
    if (idx < 0).any():
        ix = pl.select(pl.when(ix >= 0).then(ix).otherwise(None)).to_series()
    return s.gather(ix)


def _ids(prefix: str, n, width: int, start: int = 1) -> pl.Series:
    """prefix + zero-padded numbers: ``start`` .. ``start + n - 1``, or the given numbers."""
    nums = pl.Series(np.asarray(n, dtype=np.int64)) if isinstance(n, np.ndarray) else \
        pl.int_range(start, start + n, eager=True)
    if not nums.len():
        return pl.Series([], dtype=pl.Utf8)
    return pl.select(pl.concat_str([pl.lit(prefix), nums.cast(pl.Utf8).str.zfill(width)])).to_series()


_PL_TYPES = {
    "text": pl.Utf8, "enum": pl.Utf8, "money": pl.Decimal(18, 2), "int": pl.Int64,
    "float": pl.Float64, "timestamp": pl.Datetime("us"), "date": pl.Date, "bool": pl.Boolean,
}


def _frame(table: str, cols: dict) -> pl.DataFrame:
    """Build a table's frame in schema order with the schema's dtypes."""
    t = schema.table(table)
    if set(cols) != set(t.column_names):
        raise AssertionError(f"{table}: columns {sorted(cols)} != {t.column_names}")
    series = []
    for c in t.columns:
        v = cols[c.name]
        want = _PL_TYPES[c.kind]
        if isinstance(v, pa.Array):
            s = pl.from_arrow(v)
        elif isinstance(v, pl.Series):
            s = v
        else:
            s = pl.Series(v)
        s = s.alias(c.name)
        if s.dtype != want:
            s = s.cast(want)
        series.append(s)
    return pl.DataFrame(series)


def _segments(lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For segments of the given lengths: (segment index, offset within segment) per item."""
    lengths = np.asarray(lengths, dtype=np.int64)
    seg = np.repeat(np.arange(lengths.size), lengths)
    starts = np.cumsum(lengths) - lengths
    off = np.arange(seg.size, dtype=np.int64) - starts[seg]
    return seg, off


def _sample_cdf(rng, weights: np.ndarray, n: int) -> np.ndarray:
    cdf = np.cumsum(weights, dtype=np.float64)
    u = rng.random(n) * cdf[-1]
    return np.minimum(np.searchsorted(cdf, u, side="right"), weights.size - 1)


def _partition(total: np.ndarray, shares: np.ndarray) -> np.ndarray:
    """Split integer totals (n,) by share rows (n, k) into integers adding up exactly."""
    shares = shares / np.maximum(shares.sum(axis=1, keepdims=True), 1e-12)
    alloc = np.floor(total[:, None] * shares).astype(np.int64)
    rest = total - alloc.sum(axis=1)
    alloc[np.arange(total.size), shares.argmax(axis=1)] += rest
    return alloc


def _spread(totals: np.ndarray, weights: np.ndarray, seg: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Integer per item, proportional to ``weights`` within each segment, adding up to the
    segment's total exactly (rounded running sums, so no item is off by more than one)."""
    wsum = np.bincount(seg, weights=weights, minlength=totals.size)
    part = weights * (totals / np.where(wsum > 0, wsum, 1.0))[seg]
    run = np.cumsum(part)
    before = np.concatenate([[0.0], run])[starts]  # running sum before each segment
    r = np.rint(run - before[seg]).astype(np.int64)
    out = np.diff(np.concatenate([[0], r]))
    first = starts[np.bincount(seg, minlength=totals.size) > 0]
    out[first] = r[first]
    return out


def _shape(x: np.ndarray) -> np.ndarray:
    """Online curve of a session over x in [0, 1): ramp-up, slowly sagging plateau, decay."""
    ramp = np.minimum(1.0, (x + 0.01) / 0.12) ** 0.8
    sag = 1.0 - 0.22 * x
    tail = np.clip((1.0 - x) / 0.10, 0.25, 1.0) ** 0.7
    return ramp * sag * tail


_GRID = np.linspace(0.0, 1.0, 2001)
_CDF = np.concatenate([[0.0], np.cumsum(_shape((_GRID[:-1] + _GRID[1:]) / 2))])
_CDF /= _CDF[-1]


def _intraday() -> np.ndarray:
    hourly = np.array([2.0, 1.2, 0.6, 0.4, 0.3, 0.3, 0.5, 1.0, 1.8, 2.6, 3.2, 3.4,
                       3.8, 3.6, 3.2, 3.0, 3.0, 3.2, 3.6, 4.4, 5.4, 6.0, 5.4, 3.6])
    m = np.arange(1440) / 60.0
    return np.interp(m, np.arange(24) + 0.5, hourly, period=24)


# ---------------------------------------------------------------- generation
# Orders are generated (and a build writes them) this many at a time, whole time windows
# of a few hours to a day each, so memory stays flat however many orders the demo has.
CHUNK_ORDERS = 2_000_000


def generate(orders: int = 500_000, seed: int = 7, now: dt.datetime | None = None,
             chunk_orders: int = CHUNK_ORDERS) -> dict[str, pl.DataFrame]:
    """Every canonical table of the demo group, deterministic for (orders, seed, now)."""
    parts: list[pl.DataFrame] = []
    frames = stream(orders, seed, now, parts.append, chunk_orders)
    frames["orders"] = pl.concat(parts, rechunk=True) if len(parts) != 1 else parts[0]
    return {t: frames[t] for t in schema.TABLES}


def stream(orders: int, seed: int, now: dt.datetime | None, on_orders,
           chunk_orders: int = CHUNK_ORDERS) -> dict[str, pl.DataFrame]:
    """Like :func:`generate`, but the orders go to ``on_orders(frame)`` chunk by chunk, in
    time order (ids numbered on), while they are generated; returns the other tables."""
    if orders < 1000:
        raise DemoError("the demo needs at least 1000 orders")
    now = (now or clock.now()).replace(second=0, microsecond=0, tzinfo=None)
    rng = np.random.default_rng([seed, 20250618])
    G = _Gen(rng, orders, now, seed)
    # the explanation windows draw from their own stream, so the rest of the group (shelf
    # orders, session times) is the same as before they existed
    G.rng_explain = np.random.default_rng([seed, 20250618, 17])
    return G.run(on_orders, max(1, chunk_orders))


class _Gen:
    def __init__(self, rng, n_orders: int, now: dt.datetime, seed: int):
        self.rng = rng
        self.seed = seed
        self.N = n_orders
        self.now = now
        self.now_s = _secs(now)
        self.today = now.date()
        y618 = [y for y in range(self.today.year - 3, self.today.year + 1) if dt.date(y, 5, 18) <= self.today][-2:]
        self.y618 = y618
        self.start = min(self.today - dt.timedelta(days=395), dt.date(y618[0], 5, 1))
        self.D = (self.today - self.start).days + 1
        self.start_s = _secs(dt.datetime.combine(self.start, dt.time()))
        self.day0 = _day_num(self.start)
        self.now_min = now.hour * 60 + now.minute  # minutes elapsed today
        self.scale = n_orders / 500_000

    # -- calendar -------------------------------------------------------
    def calendar(self):
        rng, D = self.rng, self.D
        dates = [self.start + dt.timedelta(days=i) for i in range(D)]
        self.dates = dates
        t = np.arange(D) - (D - 1)  # days relative to today
        trend = np.exp(math.log(1.30) * t / 365.0)
        weekday = np.array([0.95, 0.93, 0.95, 0.98, 1.05, 1.12, 1.10])[[d.weekday() for d in dates]]
        camp = np.ones(D)
        self.campaign_day = np.zeros(D, dtype=bool)
        for i, d in enumerate(dates):
            md = (d.month, d.day)
            if (5, 18) <= md <= (5, 31):
                camp[i] = 1.25 + 0.02 * (d.day - 18)
            elif (6, 1) <= md <= (6, 17):
                camp[i] = 1.55 + 0.035 * d.day
            elif md == (6, 18):
                camp[i] = 3.2
            elif (6, 19) <= md <= (6, 22):
                camp[i] = 0.8
            elif (10, 20) <= md <= (10, 31):
                camp[i] = 1.3
            elif (11, 1) <= md <= (11, 10):
                camp[i] = 1.6 + 0.06 * d.day
            elif md == (11, 11):
                camp[i] = 3.6
            elif (11, 12) <= md <= (11, 15):
                camp[i] = 0.85
            self.campaign_day[i] = camp[i] > 1.2
            sf = SPRING_FESTIVAL.get(d.year)
            if sf:
                k = (d - dt.date(d.year, *sf)).days
                if -8 <= k <= 7:
                    camp[i] *= 0.55 + 0.03 * abs(k)
        noise = np.exp(rng.normal(0, 0.06, D))
        self.base = trend * weekday * camp * noise  # B(d)
        self.trend, self.weekday_f, self.camp = trend, weekday, camp
        months = np.array([d.month - 1 for d in dates])
        self.brand_month = BRAND_MONTH[:, months].T  # (D, 3)
        shelf = 0.32 * np.exp(math.log(1.35) * t / 365.0)
        self.share = {
            "shelf": shelf, "other": np.full(D, 0.03), "short_video": np.full(D, 0.09),
        }
        self.share["live"] = 1.0 - shelf - 0.03 - 0.09
        prof = _intraday()
        self.prof = prof / prof.sum()
        frac = np.ones(D)
        frac[-1] = self.prof[: self.now_min].sum()
        self.frac = frac

    # -- dimensions -----------------------------------------------------
    def dimensions(self):
        rng = self.rng
        today_n = _day_num(self.today)
        S = len(STORES)
        self.store_ids = [s[0] for s in STORES]
        self.store_brand = np.array([s[2] for s in STORES])
        self.store_size = np.array([s[4] for s in STORES])
        opened = np.array([
            today_n - s[5] if s[5] is not None else self.day0 - int(rng.integers(200, 1600))
            for s in STORES
        ])
        self.store_open_day = opened  # epoch day number
        self.store_open_idx = np.maximum(opened - self.day0, 0)  # day index of first sales
        self.stores = _frame("stores", {
            "store_id": self.store_ids,
            "store_name": [s[1] for s in STORES],
            "brand": [BRANDS[s[2]] for s in STORES],
            "store_type": [s[3] for s in STORES],
            "category": [CATEGORIES[s[2]] for s in STORES],
            "opened_on": _dates(opened),
            "closed_on": _dates(np.zeros(S), null=np.ones(S, dtype=bool)),
        })

        # accounts
        A = len(ACCOUNTS)
        self.A = A
        self.acct_ids = [f"A{i + 1:03d}" for i in range(A)]
        self.acct_type = np.array([a[1] for a in ACCOUNTS])
        self.acct_power = np.array([a[3] for a in ACCOUNTS]) * np.exp(rng.normal(0, 0.1, A))
        acct_store = np.full(A, -1)
        agency = [None] * A
        stores_of = np.zeros((A, 4), dtype=np.int64)
        dist_i = 0
        for i, a in enumerate(ACCOUNTS):
            if a[1] == "distributor":
                agency[i] = a[2]
                b = DISTRIBUTOR_BRAND[dist_i]
                dist_i += 1
                own_brand = [s for s in range(S) if self.store_brand[s] == b and STORES[s][5] is None]
                others = [s for s in range(S) if self.store_brand[s] != b and STORES[s][3] == "direct"]
                main = own_brand[int(rng.integers(len(own_brand)))]
                second = own_brand[int(rng.integers(len(own_brand)))]
                allb = [s for s in range(S) if self.store_brand[s] == b]
                third = allb[int(rng.integers(len(allb)))]
                fourth = others[int(rng.integers(len(others)))]
                stores_of[i] = [main, second, third, fourth]
            else:
                acct_store[i] = a[2]
                stores_of[i] = a[2]
        self.acct_store, self.acct_stores = acct_store, stores_of
        self.acct_brand = self.store_brand[stores_of[:, 0]]
        self.acct_start_idx = np.where(acct_store >= 0, self.store_open_idx[np.maximum(acct_store, 0)], 0)
        base_f = np.array([a[4] for a in ACCOUNTS], dtype=np.float64)
        self.f0 = np.round(base_f * np.exp(rng.normal(0, 0.08, A))).astype(np.int64)
        self.agency = agency

        # products: 300 over the stores by size, each with a Zipf-ish popularity
        P = 300
        per_store = np.maximum(8, np.round(self.store_size / self.store_size.sum() * P)).astype(int)
        per_store[np.argmax(per_store)] += P - per_store.sum()
        self.prod_store = np.repeat(np.arange(S), per_store)
        self.prod_start = np.cumsum(per_store) - per_store
        self.per_store = per_store
        names, cats, price = [], [], np.zeros(P, dtype=np.int64)
        seen = set()
        for p in range(P):
            cat = CATEGORIES[self.store_brand[self.prod_store[p]]]
            adj, noun = PRODUCT_WORDS[cat]
            while True:
                nm = f"{BRANDS[self.store_brand[self.prod_store[p]]]} {adj[int(rng.integers(len(adj)))]}{noun[int(rng.integers(len(noun)))]}"
                if nm not in seen:
                    break
                nm = nm + f" {int(rng.integers(2, 9))}代"
                if nm not in seen:
                    break
            seen.add(nm)
            names.append(nm)
            cats.append(cat)
            lo, hi = CATEGORY_PRICE[cat]
            yuan = math.exp(rng.uniform(math.log(lo), math.log(hi)))
            yuan = max(lo, round(yuan / 10) * 10 - 1)  # 39, 99, 259 ...
            if rng.random() < 0.3:
                yuan = yuan + 0.9
            price[p] = int(round(yuan * 100))
        self.prod_ids = [f"P{p + 1:04d}" for p in range(P)]
        self.prod_price = price
        pop = np.zeros(P)
        for s in range(S):
            k = per_store[s]
            w = 1.0 / np.arange(1, k + 1) ** 0.9
            pop[self.prod_start[s]: self.prod_start[s] + k] = rng.permutation(w)
        self.prod_pop = pop
        self.products = _frame("products", {
            "product_id": self.prod_ids,
            "store_id": [self.store_ids[s] for s in self.prod_store],
            "product_name": names,
            "category": cats,
            "list_price": _money(price),
        })
        self.accounts_cols = {
            "account_id": self.acct_ids,
            "account_name": [a[0] for a in ACCOUNTS],
            "account_type": list(self.acct_type),
            "store_id": [self.store_ids[s] if s >= 0 else None for s in acct_store],
            "agency": agency,
        }
        # 川流: per direct store, a start date 120-300 days ago (not for the new stores)
        self.chuanliu_day = np.full(S, 10**9)
        self.chuanliu_uplift = np.zeros(S)
        for s in range(S):
            if STORES[s][3] == "direct" and STORES[s][5] is None:
                self.chuanliu_day[s] = self.D - 1 - int(rng.integers(120, 300))
                self.chuanliu_uplift[s] = rng.uniform(0.15, 0.38)

    # -- live sessions --------------------------------------------------
    def sessions(self):
        rng, D, A = self.rng, self.D, self.A
        acc, day, smin, dur = [], [], [], []
        for a in range(A):
            t = self.acct_type[a]
            probs = [0.55, 0.35, 0.10] if self.acct_power[a] > 1.5 else [0.3, 0.4, 0.3]
            gaps = rng.choice([1, 2, 3], size=D + 2, p=probs)
            days = self.acct_start_idx[a] + int(rng.integers(0, 3)) + np.cumsum(gaps) - gaps[0]
            days = days[days < D]
            n = days.size
            slot = rng.choice(3, size=n, p=[0.08, 0.17, 0.75] if t != "distributor" else [0.02, 0.13, 0.85])
            base = np.array([9 * 60, 14 * 60, 19 * 60 + 30])[slot]
            start = base + rng.integers(-40, 50, size=n)
            d = np.where(slot == 2, rng.integers(120, 301, size=n), rng.integers(60, 181, size=n))
            d = d // 5 * 5
            acc.append(np.full(n, a)); day.append(days); smin.append(start); dur.append(d)
        acc, day, smin, dur = (np.concatenate(x) for x in (acc, day, smin, dur))
        start_s = self.start_s + day.astype(np.int64) * DAY_S + smin.astype(np.int64) * 60
        keep = start_s < self.now_s
        acc, start_s, dur = acc[keep], start_s[keep], dur[keep]

        # a handful live right now, a few ended earlier today
        today_s = self.now_s - self.now_min * 60
        eligible = [a for a in range(A) if self.acct_start_idx[a] < D - 2]
        pick = rng.permutation(eligible)
        live_now = [a for a in pick if self.acct_type[a] == "own"][:2] + \
                   [a for a in pick if self.acct_type[a] == "authorized"][:1] + \
                   [a for a in pick if self.acct_type[a] == "distributor"][:2]
        forced = []
        for a in live_now:
            st = self.now_s - int(rng.integers(60, 181)) * 60
            elapsed = (self.now_s - st) // 60
            forced.append((a, st, max(min(300, elapsed + int(rng.integers(45, 150))), elapsed + 10)))
        rest = [a for a in pick if a not in live_now]
        if self.now_min >= 150:
            for a in rest[:3]:
                lo = max(0, self.now_min - 300) if self.now_min < 12 * 60 else 8 * 60
                st_min = int(rng.integers(lo, self.now_min - 100 + 1))
                d = int(min(rng.integers(60, 181), self.now_min - 15 - st_min))
                forced.append((a, today_s + st_min * 60, d))
        for a, st, d in forced:
            clash = (acc == a) & (start_s + dur.astype(np.int64) * 60 > st - 1800)
            acc, start_s, dur = acc[~clash], start_s[~clash], dur[~clash]
            acc = np.append(acc, a); start_s = np.append(start_s, st); dur = np.append(dur, d)
        order = np.lexsort((acc, start_s))
        acc, start_s, dur = acc[order], start_s[order], dur[order].astype(np.int64)
        live = start_s + dur * 60 > self.now_s
        eff = np.where(live, (self.now_s - start_s) // 60, dur)
        self.s_acct, self.s_start, self.s_sched, self.s_live, self.s_eff = acc, start_s, dur, live, eff
        self.s_day = (start_s - self.start_s) // DAY_S
        self.n_sessions = acc.size
        # 川流 applies to own accounts' sessions after their store's start day
        st = self.acct_store[acc]
        self.s_chuanliu = (self.acct_type[acc] == "own") & (self.s_day >= self.chuanliu_day[np.maximum(st, 0)])
        self.s_uplift = np.where(self.s_chuanliu, self.chuanliu_uplift[np.maximum(st, 0)], 0.0)
        self.s_paid = rng.random(acc.size) < np.where(self.acct_type[acc] == "distributor", 0.25, 0.65)
        self.explain_windows()

    def explain_windows(self):
        """讲解: after a few warm-up minutes the host explains one product for 4-9 minutes,
        chats or runs a giveaway for 3-10, explains the next ... .  Only windows that ended
        by ``now`` are kept (a live session's current one has no end yet).  The product is
        one of the account's stores' (a store open that day), by popularity."""
        rng, S = self.rng_explain, self.n_sessions
        K = int(self.s_sched.max()) // 7 + 2
        length = rng.integers(4, 10, (S, K))
        gap = rng.integers(3, 11, (S, K))
        step = np.cumsum(length + gap, axis=1) - (length + gap)
        start = rng.integers(3, 11, S)[:, None] + step
        end = start + length
        done = (end <= self.s_eff[:, None]) & (self.s_start[:, None] + end * 60 < self.now_s)
        ws, wk = np.nonzero(done)  # row-major: by session, then time
        self.w_sess, self.w_start, self.w_end = ws, start[ws, wk], end[ws, wk]
        a = self.s_acct[ws]
        col = np.where(rng.random(ws.size) < 0.6, 0, rng.integers(0, 4, ws.size))
        st = self.acct_stores[a, col]
        closed = self.s_day[ws] < self.store_open_idx[st]
        st[closed] = self.acct_stores[a[closed], 0]
        prod = np.empty(ws.size, dtype=np.int64)
        for s in range(len(STORES)):
            m = st == s
            k = self.per_store[s]
            prod[m] = self.prod_start[s] + _sample_cdf(rng, self.prod_pop[self.prod_start[s]: self.prod_start[s] + k], m.sum())
        self.w_prod = prod
        self.w_count = np.bincount(ws, minlength=S)
        self.w_first = np.cumsum(self.w_count) - self.w_count

    # -- orders ---------------------------------------------------------
    def orders_plan(self):
        """What the orders will be, without the orders: how many each session, video and
        minute of the shelf gets, the time windows they are generated in, the buyers.

        Everything per order is drawn later, window by window (:meth:`order_chunks`), so a
        build holds one chunk of orders at a time, whatever the size of the demo."""
        rng, D, N = self.rng, self.D, self.N
        share = self.share
        mass = {g: float((self.base * share[g] * self.frac).sum()) for g in ("live", "short_video", "shelf", "other")}
        total = sum(mass.values())
        n_live = int(round(N * mass["live"] / total))
        n_sv = int(round(N * mass["short_video"] / total))
        n_shelf = N - n_live - n_sv  # shelf + other

        # live: allocate to sessions
        a = self.s_acct
        sd = self.s_day
        # cold start: accounts of a store opened inside the history ramp up over ~6 weeks
        opened_idx = np.where(self.acct_store[a] >= 0, self.store_open_day[np.maximum(self.acct_store[a], 0)] - self.day0, -10**6)
        ramp = np.clip((sd - opened_idx + 3) / 45.0, 0.0, 1.0)
        bm = np.where(self.acct_type[a] == "distributor", 1.0, self.brand_month[sd, self.acct_brand[a]])
        w = (self.base[sd] * share["live"][sd] * self.acct_power[a] * bm * ramp
             * (self.s_eff / 60.0) ** 0.8 * (1.0 + self.s_uplift) * np.exp(rng.normal(0, 0.25, a.size)))
        self.s_orders = rng.multinomial(n_live, w / w.sum())

        # short videos: orders per video, each paid some hours after it was published
        self.videos()
        self.video_ids = [f"V{i + 1:07d}" for i in range(self.n_videos)]
        va = self.v_acct
        vw = self.base[self.v_day] * self.v_plays * np.where(self.acct_type[va] == "distributor", 0.6, 1.0)
        v_orders = rng.multinomial(n_sv, vw / vw.sum())
        o_vid = np.repeat(np.arange(self.n_videos, dtype=np.int32), v_orders)
        delay = (rng.exponential(10 * 3600, n_sv)).astype(np.int64) + 60
        sv_paid = self.v_pub[o_vid] + delay
        late = sv_paid >= self.now_s
        span = self.now_s - self.v_pub[o_vid[late]]
        sv_paid[late] = self.v_pub[o_vid[late]] + (rng.random(late.sum()) * span).astype(np.int64)
        del delay, late, span
        order = np.argsort(sv_paid, kind="stable")
        self.sv_paid, self.sv_vid = sv_paid[order], o_vid[order]
        del sv_paid, o_vid, order

        # shelf + other: orders per minute from trend x share x intraday profile, minutes < now
        dm = (self.base * (share["shelf"] + share["other"]))[:, None] * self.prof[None, :]
        dm = dm.ravel()
        dm[(D - 1) * 1440 + self.now_min:] = 0.0
        self.shelf_minutes = rng.multinomial(n_shelf, dm / dm.sum())
        self.shelf_cum = np.concatenate([[0], np.cumsum(self.shelf_minutes)])

        # windows: from 06:00 to 06:00, unless a session runs across 06:00 (then the
        # window goes on to the next free 06:00), so a session's orders share a window
        ends = self.s_start + self.s_eff * 60
        by_start = np.argsort(self.s_start, kind="stable")
        reach = np.maximum.accumulate(ends[by_start])
        cand = self.start_s + np.arange(1, D + 1, dtype=np.int64) * DAY_S + 6 * 3600
        cand = cand[cand <= self.now_s]
        k = np.searchsorted(self.s_start[by_start], cand, side="right")
        busy = (k > 0) & (reach[np.maximum(k - 1, 0)] > cand)
        self.win_bounds = np.concatenate([[self.start_s], cand[~busy], [self.now_s + 1]])

        # buyers: a pool per brand, sized by the orders each brand will roughly get
        live_b = np.bincount(self.acct_brand[a], weights=self.s_orders, minlength=3)
        sv_b = np.bincount(self.acct_brand[va], weights=v_orders, minlength=3)
        day_shelf = self.shelf_minutes.reshape(D, 1440).sum(axis=1)
        bw = self.brand_month * BRAND_SIZE[None, :]
        shelf_b = (day_shelf[:, None] * bw / bw.sum(axis=1, keepdims=True)).sum(axis=0)
        expected = live_b + sv_b + shelf_b
        self.pool_start, self.pool_cdf, fans = [], [], []
        offset = 0
        for b in range(3):
            pool = max(100, int(expected[b] * 0.48))
            fan = rng.random(pool) < 0.32
            act = np.exp(rng.normal(0, 1.1, pool)) * np.where(fan, 2.2, 1.0)
            # content orders (live, short video) come more from fans
            self.pool_cdf.append((np.cumsum(act * np.where(fan, 2.5, 1.0)), np.cumsum(act)))
            self.pool_start.append(offset)
            fans.append(fan)
            offset += pool
            del act
        self.fan_of = np.concatenate(fans)
        self.n_buyers = offset
        # per buyer: when the first order was paid (seconds since the start; orders come
        # window by window in time, so it is known once a buyer's first window is done)
        self.first_paid = np.full(offset, np.iinfo(np.int32).max, dtype=np.int32)

        # what the other tables need from the orders, summed chunk by chunk
        S = self.n_sessions
        self.s_gmv = np.zeros(S, dtype=np.int64)
        self.s_nord = np.zeros(S, dtype=np.int64)
        self.v_nord = np.zeros(self.n_videos, dtype=np.int64)
        self.day_brand_gmv = np.zeros((D, 3), dtype=np.int64)
        self.aud = {k: np.zeros(S, dtype=np.int64) for k in ("buyers", "fan_buyers", "fan_gmv", "new_buyers", "new_gmv")}

    def order_chunks(self, chunk_orders: int):
        """The orders in time order, in chunks of about ``chunk_orders`` (whole windows);
        each chunk is a dict of per-order arrays, drawn from a random stream of its own."""
        bounds = self.win_bounds
        s_win = np.searchsorted(bounds, self.s_start, side="right") - 1
        live_per_win = np.bincount(s_win, weights=self.s_orders, minlength=bounds.size - 1)
        sv_cut = np.searchsorted(self.sv_paid, bounds)
        minute_cut = np.clip((bounds - self.start_s) // 60, 0, self.shelf_minutes.size)
        shelf_cut = self.shelf_cum[minute_cut]
        per_win = live_per_win + np.diff(sv_cut) + np.diff(shelf_cut)
        cum = np.concatenate([[0], np.cumsum(per_win)])
        # chunk edges: whole windows, about chunk_orders each
        edges = [0]
        while edges[-1] < per_win.size:
            nxt = int(np.searchsorted(cum, cum[edges[-1]] + chunk_orders, side="left"))
            edges.append(min(max(nxt, edges[-1] + 1), per_win.size))
        done = 0
        for i, (w0, w1) in enumerate(zip(edges[:-1], edges[1:])):
            rng = np.random.default_rng([self.seed, 20250618, 1, i])
            rx = np.random.default_rng([self.seed, 20250618, 17, i])
            sess = np.flatnonzero((s_win >= w0) & (s_win < w1))
            o = self._chunk(rng, rx, sess, (sv_cut[w0], sv_cut[w1]), (minute_cut[w0], minute_cut[w1]))
            o["offset"] = done
            done += o["paid"].size
            yield o
        assert done == self.N, (done, self.N)

    def _chunk(self, rng, rx, sess, sv_range, minute_range) -> dict:
        D = self.D
        # live orders of the sessions that start in these windows (and end in them)
        o_sess = np.repeat(sess, self.s_orders[sess])
        n_live = o_sess.size
        xmax = np.interp(self.s_eff / self.s_sched, _GRID, _CDF)
        u = rng.random(n_live) * xmax[o_sess]
        x = np.interp(u, _CDF, _GRID)
        off = np.minimum((x * self.s_sched[o_sess] * 60).astype(np.int64), self.s_eff[o_sess] * 60 - 1)
        # most live orders come while a product is being explained (a window of their
        # session, weighted by its length and the audience at the time), the rest any time
        o_win = np.full(n_live, -1, dtype=np.int64)
        inw = (self.w_count[o_sess] > 0) & (rx.random(n_live) < EXPLAINED_ORDER_SHARE)
        if self.w_sess.size:
            wlen = self.w_end - self.w_start
            ww = wlen * _shape((self.w_start + self.w_end) / 2 / self.s_sched[self.w_sess])
            cw = np.concatenate([[0.0], np.cumsum(ww)])
            s_in = o_sess[inw]
            lo, hi = cw[self.w_first[s_in]], cw[self.w_first[s_in] + self.w_count[s_in]]
            win = np.searchsorted(cw, lo + rx.random(s_in.size) * (hi - lo), side="right") - 1
            win = np.clip(win, self.w_first[s_in], self.w_first[s_in] + self.w_count[s_in] - 1)
            o_win[inw] = win
            off[inw] = ((self.w_start[win] + rx.random(win.size) * wlen[win]) * 60).astype(np.int64)
        live_paid = self.s_start[o_sess] + off
        live_acct = self.s_acct[o_sess]

        # short-video orders paid in these windows
        sv_paid = self.sv_paid[sv_range[0]: sv_range[1]]
        o_vid = self.sv_vid[sv_range[0]: sv_range[1]].astype(np.int64)
        n_sv = sv_paid.size
        sv_acct = self.v_acct[o_vid]

        # shelf + other: the windows' minutes, a second within each
        m0, m1 = int(minute_range[0]), int(minute_range[1])
        idx = np.repeat(np.arange(m0, m1, dtype=np.int64), self.shelf_minutes[m0:m1])
        n_shelf = idx.size
        sh_paid = self.start_s + idx * 60 + rng.integers(0, 60, n_shelf)
        sh_day = idx // 1440
        share = self.share
        p_other = share["other"][sh_day] / (share["shelf"][sh_day] + share["other"][sh_day])
        u = rng.random(n_shelf)
        shelf_ch = np.where(u < p_other, CH["other"],
                            np.array([CH["mall"], CH["store_page"], CH["search"], CH["recommend"]])[
                                _sample_cdf(rng, np.array([0.30, 0.20, 0.28, 0.22]), n_shelf)])
        del idx, sh_day, p_other, u

        # assemble, in time order
        paid = np.concatenate([live_paid, sv_paid, sh_paid])
        order = np.argsort(paid, kind="stable")
        paid = paid[order]
        acct = np.concatenate([live_acct, sv_acct, np.full(n_shelf, -1)])[order]
        sess = np.concatenate([o_sess, np.full(n_sv + n_shelf, -1)])[order]
        win = np.concatenate([o_win, np.full(n_sv + n_shelf, -1)])[order]
        vid = np.concatenate([np.full(n_live, -1), o_vid, np.full(n_shelf, -1)])[order]
        ch = np.concatenate([np.full(n_live, CH["live"]), np.full(n_sv, CH["short_video"]), shelf_ch]).astype(np.int8)[order]
        del live_paid, sv_paid, sh_paid, live_acct, sv_acct, o_sess, o_vid, o_win, shelf_ch, order
        N = paid.size
        day = (paid - self.start_s) // DAY_S

        # store: the account's store (distributors: one of theirs), shelf: by brand season
        st = np.zeros(N, dtype=np.int64)
        has_acct = acct >= 0
        col = rng.integers(0, 4, N)
        col = np.where(rng.random(N) < 0.5, 0, col)
        st[has_acct] = self.acct_stores[acct[has_acct], col[has_acct]]
        not_open = has_acct & (day < self.store_open_idx[st.clip(0)])
        st[not_open] = self.acct_stores[acct[not_open], 0]
        sh = ~has_acct
        bw = self.brand_month[day[sh]] * BRAND_SIZE[None, :]
        bcdf = np.cumsum(bw, axis=1)
        ub = rng.random(sh.sum()) * bcdf[:, -1]
        brand = (ub[:, None] > bcdf).sum(axis=1)
        st_sh = np.empty(brand.size, dtype=np.int64)
        for b in range(3):
            m = brand == b
            stores_b = np.flatnonzero(self.store_brand == b)
            old_b = np.array([s for s in stores_b if STORES[s][5] is None])
            pick = stores_b[_sample_cdf(rng, self.store_size[stores_b], m.sum())]
            dd = day[sh][m]
            opened = self.store_open_day[pick] - self.day0
            ramp = np.where(dd >= opened, np.clip((dd - opened + 3) / 45.0, 0.0, 1.0), 0.0)  # none before it opened
            redo = rng.random(m.sum()) >= ramp
            pick[redo] = old_b[_sample_cdf(rng, self.store_size[old_b], redo.sum())]
            st_sh[m] = pick
        st[sh] = st_sh
        del bw, bcdf, ub, brand, st_sh, col

        # product within the store, quantity, price
        prod = np.empty(N, dtype=np.int64)
        for s in range(len(STORES)):
            m = st == s
            k = self.per_store[s]
            prod[m] = self.prod_start[s] + _sample_cdf(rng, self.prod_pop[self.prod_start[s]: self.prod_start[s] + k], m.sum())
        # an order during an explanation mostly buys the product on air
        on_air = (win >= 0) & (rx.random(N) < 0.85)
        prod[on_air] = self.w_prod[win[on_air]]
        st[on_air] = self.prod_store[prod[on_air]]
        qty = 1 + _sample_cdf(rng, np.array([0.78, 0.15, 0.05, 0.012, 0.008]), N)
        camp = self.campaign_day[np.minimum(day, D - 1)]
        disc = np.where(camp, rng.uniform(0.60, 0.90, N), rng.uniform(0.75, 1.0, N))
        disc = np.where(ch == CH["live"], disc * 0.95, disc)
        cents = np.maximum(1, np.round(self.prod_price[prod] * qty * disc)).astype(np.int64)
        del disc, on_air

        # buyers: from the brand's pool, heavy-tailed activity, fans buy more (esp. in content)
        brand_o = self.store_brand[st]
        buyer = np.empty(N, dtype=np.int64)
        content = ch <= CH["short_video"]
        for b in range(3):
            mb = brand_o == b
            for is_content, cdf in zip((True, False), self.pool_cdf[b]):
                m = mb & (content == is_content)
                u = rng.random(int(m.sum())) * cdf[-1]
                buyer[m] = self.pool_start[b] + np.minimum(np.searchsorted(cdf, u, side="right"), cdf.size - 1)
        is_fan = self.fan_of[buyer]

        # refunds and shipping
        brate = REFUND_RATE[brand_o] * np.where(ch == CH["live"], 1.2, 1.0)
        refund = rng.random(N) < brate
        partial = rng.random(N) < 0.22
        rcents = np.where(refund, np.where(partial, np.floor(cents * rng.uniform(0.2, 0.9, N)), cents), 0).astype(np.int64)
        rcents = np.minimum(rcents, cents)
        rdelay = (rng.exponential(3.0 * DAY_S, N) + 600).astype(np.int64)
        rat = paid + rdelay
        refund &= (rat < self.now_s) & (rcents > 0)
        rcents = np.where(refund, rcents, 0)
        slow = np.array([1.0 if STORES[s][3] == "direct" else 1.6 for s in range(len(STORES))])
        slow[11] = 2.3  # 成都授权店 ships late (and its experience score suffers)
        med = 16 * 3600 * slow[st] * np.where(camp, 1.5, 1.0)
        sdelay = (med * np.exp(rng.normal(0, 0.7, N))).astype(np.int64) + 1800
        sat = paid + sdelay
        refund_only = refund & ~partial & (rat < sat) & (rng.random(N) < 0.6)
        shipped = (sat < self.now_s) & ~refund_only
        del brate, partial, rdelay, med, sdelay, refund_only, camp

        o = dict(paid=paid, st=st, prod=prod, acct=acct, sess=sess, vid=vid, ch=ch, buyer=buyer, fan=is_fan,
                 qty=qty, cents=cents, rcents=rcents, rat=rat, refund=refund, sat=sat, shipped=shipped)
        self._tally(o, day, brand_o)
        return o

    def _tally(self, o: dict, day: np.ndarray, brand: np.ndarray) -> None:
        """Add a chunk to what the other tables need from the orders: per session its
        live GMV, orders and buyers (fans, new buyers: no order before the session), per
        video its orders, per day and brand the GMV."""
        S = self.n_sessions
        lm = o["ch"] == CH["live"]
        ls, lb, lc = o["sess"][lm], o["buyer"][lm], o["cents"][lm]
        self.s_gmv += np.rint(np.bincount(ls, weights=lc, minlength=S)).astype(np.int64)
        self.s_nord += np.bincount(ls, minlength=S)
        svm = o["ch"] == CH["short_video"]
        self.v_nord += np.bincount(o["vid"][svm], minlength=self.n_videos)
        self.day_brand_gmv += np.rint(np.bincount(day * 3 + brand, weights=o["cents"], minlength=self.D * 3)
                                      ).astype(np.int64).reshape(self.D, 3)
        # first orders: chunks come in time order and each is sorted by paid_at
        uniq, first = np.unique(o["buyer"], return_index=True)
        new = self.first_paid[uniq] == np.iinfo(np.int32).max
        self.first_paid[uniq[new]] = (o["paid"][first[new]] - self.start_s).astype(np.int32)
        # a session's orders are all in one chunk, so its distinct buyers are too
        nb = self.n_buyers
        pair = np.sort(ls * nb + lb)  # (sorted, not np.unique: its hash table is slower here)
        pair = pair[np.concatenate([[True], pair[1:] != pair[:-1]])] if pair.size else pair
        ps, pb = pair // nb, pair % nb
        start = self.s_start - self.start_s
        p_new = self.first_paid[pb] >= start[ps]
        l_new = self.first_paid[lb] >= start[ls]
        fan_p, fan_l = self.fan_of[pb], self.fan_of[lb]
        aud = self.aud
        aud["buyers"] += np.bincount(ps, minlength=S)
        aud["fan_buyers"] += np.bincount(ps[fan_p], minlength=S)
        aud["new_buyers"] += np.bincount(ps[p_new], minlength=S)
        aud["fan_gmv"] += np.rint(np.bincount(ls[fan_l], weights=lc[fan_l], minlength=S)).astype(np.int64)
        aud["new_gmv"] += np.rint(np.bincount(ls[l_new], weights=lc[l_new], minlength=S)).astype(np.int64)

    def videos(self):
        rng, D, A = self.rng, self.D, self.A
        acc, pub = [], []
        for a in range(A):
            p = 0.45 if self.acct_type[a] == "distributor" else 0.3
            days = np.flatnonzero(rng.random(D) < p)
            days = days[days >= self.acct_start_idx[a]]
            n = days.size
            minute = rng.integers(11 * 60, 22 * 60, n)
            acc.append(np.full(n, a))
            pub.append(self.start_s + days.astype(np.int64) * DAY_S + minute * 60 + rng.integers(0, 60, n))
        acc, pub = np.concatenate(acc), np.concatenate(pub)
        keep = pub < self.now_s
        acc, pub = acc[keep], pub[keep]
        o = np.lexsort((acc, pub))
        self.v_acct, self.v_pub = acc[o], pub[o]
        self.v_day = (self.v_pub - self.start_s) // DAY_S
        n = acc.size
        fol = np.maximum(self.f0[self.v_acct], 50_000)
        self.v_plays = np.round(fol * 0.04 * np.sqrt(self.scale) * np.exp(rng.normal(0, 1.0, n))).astype(np.int64) + 200
        self.n_videos = n

    # -- tables ---------------------------------------------------------
    def orders_table(self, o: dict) -> pl.DataFrame:
        """One chunk of orders as the orders table's rows (ids numbered in time order)."""
        n = o["paid"].size
        return _frame("orders", {
            "order_id": _ids("O", n, 10, start=o["offset"] + 1),
            "paid_at": _ts(o["paid"]),
            "store_id": _pick(self.store_ids, o["st"]),
            "product_id": _pick(self.prod_ids, o["prod"]),
            "account_id": _pick(self.acct_ids, o["acct"]),
            "live_id": _pick(self.live_ids, o["sess"]),
            "video_id": _pick(self.video_ids, o["vid"]),
            "channel": _pick(CHANNELS, o["ch"].astype(np.int64)),
            "buyer_id": _ids("B", o["buyer"] + 1, 9),
            "is_fan": o["fan"],
            "quantity": o["qty"].astype(np.int64),
            "paid_amount": _money(o["cents"]),
            "refund_amount": _money(o["rcents"]),
            "refunded_at": _ts(o["rat"], null=~o["refund"]),
            "shipped_at": _ts(o["sat"], null=~o["shipped"]),
        })

    def live_tables(self):
        rng = self.rng
        S = self.n_sessions
        gmv, n_ord = self.s_gmv, self.s_nord  # summed from the orders, chunk by chunk

        # minute curves
        seg, off = _segments(self.s_eff)
        x = off / self.s_sched[seg]
        conv = rng.uniform(0.008, 0.02, S)
        fol = np.maximum(self.f0[self.s_acct], 30_000)
        viewers_t = n_ord / conv + fol * 0.002 * rng.uniform(0.5, 1.5, S)
        stay = rng.uniform(1.5, 3.5, S)  # minutes per view
        avg_on = viewers_t * 1.4 * stay / self.s_sched
        phase = rng.uniform(0, 2 * np.pi, S)
        waves = rng.uniform(2, 6, S)
        bumps = 1.0 + 0.12 * np.sin(2 * np.pi * waves[seg] * x + phase[seg])
        spike = (rng.random(seg.size) < 0.012).astype(np.float64)
        spike = np.convolve(spike, np.ones(6), mode="full")[: seg.size] * 0.35
        curve = _shape(x) * bumps * (1.0 + spike) * np.exp(rng.normal(0, 0.05, seg.size))
        online = np.maximum(1, np.round(avg_on[seg] / 0.8 * curve)).astype(np.int64)
        del x, bumps, spike, curve
        entries = rng.poisson(online / stay[seg] * np.where(off == 0, 1.5, 1.0))
        follow_p = rng.uniform(0.008, 0.03, S)
        new_f = rng.binomial(entries, follow_p[seg])
        comments = rng.poisson(online * 0.04)
        likes = rng.poisson(online * 0.6)
        shares = likes // 150  # people who like a moment also share it, now and then
        minute = self.s_start[seg] + off * 60
        live_ids = pl.Series(self.live_ids, dtype=pl.Utf8)
        self.m_seg, self.m_minute, self.m_newf = seg, minute, new_f

        def ssum(v):
            return np.bincount(seg, weights=v, minlength=S).round().astype(np.int64)

        views = ssum(entries)
        viewers = np.maximum(np.round(views * rng.uniform(0.55, 0.75, S)).astype(np.int64), np.minimum(views, n_ord))
        peak = np.zeros(S, dtype=np.int64)
        np.maximum.at(peak, seg, online)
        sum_on = ssum(online)
        avg_watch = np.where(viewers > 0, np.round(sum_on * 60.0 / np.maximum(viewers, 1), 1), 0.0)
        clicks_min = np.ceil(n_ord * 1.1).astype(np.int64)
        expo = np.maximum(np.round(viewers * rng.uniform(0.45, 0.7, S)).astype(np.int64), clicks_min)
        clicks = np.maximum(np.round(expo * rng.uniform(0.08, 0.2, S)).astype(np.int64), clicks_min)
        clicks = np.minimum(clicks, expo)
        viewers = np.maximum(viewers, expo)
        views = np.maximum(views, viewers)  # keeps views >= viewers; entries stay the source
        # (views == sum(entries) unless viewers had to be raised; fix entries' first minute)
        starts = np.cumsum(self.s_eff) - self.s_eff
        short = views - ssum(entries)
        if (short > 0).any():
            entries = entries.copy()
            np.add.at(entries, starts[short > 0], short[short > 0])
        # the room's exposures: viewers came in at a 4-60 % exposure-to-entry rate
        entry_rate = np.clip(0.16 * np.exp(rng.normal(0, 0.35, S)) * self.acct_power[self.s_acct] ** 0.15, 0.04, 0.6)
        exposures = np.maximum(np.round(viewers / entry_rate).astype(np.int64), viewers)
        interacting = np.minimum(np.maximum(np.round(viewers * rng.uniform(0.05, 0.18, S)).astype(np.int64),
                                            ssum(new_f)), viewers)
        # per minute: exposures follow entries; product clicks follow the audience and jump
        # while a product is explained; leaves close the online balance
        w0 = starts[self.w_sess]
        on_air = np.cumsum(np.bincount(w0 + self.w_start, minlength=seg.size + 1)
                           - np.bincount(w0 + self.w_end, minlength=seg.size + 1))[:-1] > 0
        m_expo = _spread(exposures, entries + 1e-9, seg, starts)
        m_clicks = _spread(clicks, online * np.where(on_air, 3.5, 1.0), seg, starts)
        del on_air
        leaves = np.concatenate([[0], online[:-1]])  # online a minute earlier ...
        leaves[starts[self.s_eff > 0]] = 0
        leaves += entries - online  # ... + entries - online now
        np.maximum(leaves, 0, out=leaves)
        live_minutes = _frame("live_minutes", {
            "live_id": live_ids.gather(pl.Series(seg)),
            "minute": _ts(minute),
            "online": online, "entries": entries, "new_followers": new_f,
            "comments": comments, "likes": likes,
            "exposures": m_expo, "leaves": leaves, "product_clicks": m_clicks, "shares": shares,
        })
        self.s_viewers = viewers
        acct = self.s_acct
        brand = self.acct_brand[acct]
        titles = []
        tw = [TITLE_WORDS[c] for c in CATEGORIES]
        pick = rng.integers(0, 6, S)
        for i in range(S):
            d = self.dates[min(self.s_day[i], self.D - 1)]
            head = ""
            if self.campaign_day[self.s_day[i]]:
                head = "618 " if d.month in (5, 6) else "双11 "
            b = brand[i]
            if self.acct_type[acct[i]] == "distributor":
                titles.append(f"{head}{ACCOUNTS[acct[i]][0]}的直播间 {tw[b][pick[i]]}")
            else:
                titles.append(f"{head}{BRANDS[b]}{tw[b][pick[i]]}")
        ended = self.s_start + self.s_sched * 60
        sessions = _frame("live_sessions", {
            "live_id": self.live_ids,
            "account_id": _pick(self.acct_ids, acct),
            "title": titles,
            "started_at": _ts(self.s_start),
            "ended_at": _ts(ended, null=self.s_live),
            "views": views, "viewers": viewers, "peak_online": peak,
            "avg_watch_seconds": avg_watch.astype(np.float64),
            "new_followers": ssum(new_f),
            "product_exposures": expo, "product_clicks": clicks,
            "comments": ssum(comments), "likes": ssum(likes), "shares": ssum(shares),
            "exposures": exposures, "interacting_viewers": interacting,
        })

        # traffic sources: integer partitions of views and gmv
        base = np.array([0.40, 0.22, 0.10, 0.12, 0.06, 0.0, 0.05])
        vs = rng.gamma(base * 40 + 1e-9, 1.0, (S, 7))
        vs[:, 3] *= self.s_paid
        vs[:, 5] = np.where(self.s_chuanliu, rng.uniform(0.12, 0.20, S), 0.0) * vs.sum(axis=1)
        vs = vs / vs.sum(axis=1, keepdims=True)
        gs = vs * np.array([0.8, 1.6, 1.1, 1.0, 1.4, 0.0, 0.7])
        gs = gs / gs.sum(axis=1, keepdims=True)
        dshare = self.s_uplift / (1.0 + self.s_uplift)
        gs = gs * (1.0 - dshare)[:, None]
        gs[:, 5] = dshare
        tv = _partition(views, vs)
        tg = _partition(gmv, gs)
        present = np.ones((S, 7), dtype=bool)
        present[:, 3] = self.s_paid
        present[:, 5] = self.s_chuanliu
        assert (tv[~present] == 0).all() and (tg[~present] == 0).all()
        si, ki = np.nonzero(present)
        traffic = _frame("live_traffic", {
            "live_id": live_ids.gather(pl.Series(si)),
            "source": _pick(SOURCES, ki),
            "views": tv[si, ki], "gmv": _money(tg[si, ki]),
        })
        self.s_paid_gmv = tg[:, 3]
        self.s_paid_views = tv[:, 3]
        return sessions, live_minutes, traffic

    def explains_table(self):
        w0 = self.s_start[self.w_sess]
        return _frame("live_explains", {
            "live_id": _pick(self.live_ids, self.w_sess),
            "product_id": _pick(self.prod_ids, self.w_prod),
            "started_at": _ts(w0 + self.w_start * 60),
            "ended_at": _ts(w0 + self.w_end * 60),
        })

    def audience_table(self):
        """Who watched, per session: every dimension's buckets add up to the session's
        viewers, live buyers and live GMV.  Fans and new/returning buyers and GMV come from
        the orders themselves; gender, age and region are drawn around the category's
        profile, buyers tilted towards the buckets that buy more."""
        rng, S = self.rng, self.n_sessions
        aud = self.aud  # summed from the orders, chunk by chunk (order_chunks)
        buyers = aud["buyers"]
        viewers, gmv = self.s_viewers, self.s_gmv
        cat = self.acct_brand[self.s_acct]
        rows_s, rows_dim, rows_b, rows_v, rows_n, rows_g = [], [], [], [], [], []

        def add(dim, names, v, n, g):
            keep = np.flatnonzero(viewers > 0)
            k = len(names)
            rows_s.append(np.repeat(keep, k)); rows_dim.append(np.full(keep.size * k, dim, dtype=object))
            rows_b.append(np.tile(np.array(names, dtype=object), keep.size))
            rows_v.append(v[keep].ravel()); rows_n.append(n[keep].ravel()); rows_g.append(g[keep].ravel())

        for dim, (names, profile, tilt) in AUDIENCE.items():
            share = np.array(profile)[cat] * np.exp(rng.normal(0, 0.15, (S, len(names))))
            bshare = share * np.array(tilt) * np.exp(rng.normal(0, 0.25, (S, len(names))))
            n = _partition(buyers, bshare)
            gshare = np.where(n > 0, n * np.exp(rng.normal(0, 0.2, (S, len(names)))), 0.0)
            add(dim, names, _partition(viewers, share), n, _partition(gmv, gshare))
        for dim, names, b1, g1, base in (
            ("fans", ("粉丝", "非粉丝"), aud["fan_buyers"], aud["fan_gmv"], rng.uniform(0.18, 0.45, S)),
            ("new_returning", ("新客", "老客"), aud["new_buyers"], aud["new_gmv"], rng.uniform(0.45, 0.8, S)),
        ):
            v1 = np.clip(np.round(viewers * base).astype(np.int64), b1, viewers - (buyers - b1))
            add(dim, names, np.stack([v1, viewers - v1], axis=1), np.stack([b1, buyers - b1], axis=1),
                np.stack([g1, gmv - g1], axis=1))
        cat_ = np.concatenate
        return _frame("live_audience", {
            "live_id": _pick(self.live_ids, cat_(rows_s)),
            "dimension": pl.Series(cat_(rows_dim).tolist(), dtype=pl.Utf8),
            "bucket": pl.Series(cat_(rows_b).tolist(), dtype=pl.Utf8),
            "viewers": cat_(rows_v), "buyers": cat_(rows_n), "gmv": _money(cat_(rows_g)),
        })

    def video_table(self):
        rng = self.rng
        plays = self.v_plays
        n_ord = self.v_nord
        self.v_newf = rng.poisson(plays * 0.002)
        return _frame("short_videos", {
            "video_id": self.video_ids,
            "account_id": _pick(self.acct_ids, self.v_acct),
            "published_at": _ts(self.v_pub),
            "plays": plays, "likes": rng.poisson(plays * 0.03), "comments": rng.poisson(plays * 0.002),
            "shares": rng.poisson(plays * 0.001), "new_followers": self.v_newf,
            "live_entries": rng.poisson(plays * 0.015),
            "product_clicks": np.maximum(rng.poisson(plays * 0.004), np.ceil(n_ord * 1.1).astype(np.int64)),
        })

    def followers(self):
        rng, D, A = self.rng, self.D, self.A
        new = np.zeros(A * D, dtype=np.int64)
        mday = (self.m_minute - self.start_s) // DAY_S
        np.add.at(new, self.s_acct[self.m_seg] * D + mday, self.m_newf)
        np.add.at(new, self.v_acct * D + self.v_day, self.v_newf)
        new = new.reshape(A, D)
        lost = rng.poisson(self.f0[:, None] * 0.00002 * np.ones((1, D))) + rng.binomial(new, 0.15)
        lost = np.minimum(lost, self.f0[:, None] // 200 + new)
        rows_a, rows_d, fol, nf, lf = [], [], [], [], []
        last = np.zeros(A, dtype=np.int64)
        for a in range(A):
            d0 = self.acct_start_idx[a]
            n_a, l_a = new[a, d0:], lost[a, d0:]
            f = self.f0[a] + np.cumsum(n_a - l_a)
            if f.min() < 0:  # never happens with the numbers above; keep it impossible
                l_a = np.minimum(l_a, n_a)
                f = self.f0[a] + np.cumsum(n_a - l_a)
            rows_a.append(np.full(D - d0, a)); rows_d.append(np.arange(d0, D))
            fol.append(f); nf.append(n_a); lf.append(l_a)
            last[a] = f[-1]
        self.acct_followers = last
        ra, rd = np.concatenate(rows_a), np.concatenate(rows_d)
        return _frame("follower_daily", {
            "date": _dates(self.day0 + rd),
            "account_id": _pick(self.acct_ids, ra),
            "followers": np.concatenate(fol), "new_followers": np.concatenate(nf),
            "lost_followers": np.concatenate(lf),
        })

    def ad_spend(self):
        rng, D, A = self.rng, self.D, self.A
        sidx = np.flatnonzero(self.s_paid)
        roi = np.exp(rng.normal(math.log(2.8), 0.35, sidx.size))
        pg = self.s_paid_gmv[sidx]
        spend = np.where(pg > 0, np.round(pg / roi), np.round(self.s_paid_views[sidx] * 30 * rng.uniform(0.5, 1.5, sidx.size)))
        spend = np.maximum(spend, 100).astype(np.int64)
        # account-level days without a linked session (short-video promotion)
        avg = np.bincount(self.s_acct, weights=self.s_gmv, minlength=A) / np.maximum(np.bincount(self.s_acct, minlength=A), 1)
        has_sess = np.zeros((A, D), dtype=bool)
        has_sess[self.s_acct, self.s_day] = True
        day_ok = np.arange(D)[None, :] >= self.acct_start_idx[:, None]
        promo = (~has_sess) & day_ok & (rng.random((A, D)) < 0.25) & (self.acct_type != "distributor")[:, None]
        pa_, pd_ = np.nonzero(promo)
        pspend = np.maximum(100, np.round(avg[pa_] * 0.02 * np.exp(rng.normal(0, 0.5, pa_.size)))).astype(np.int64)
        pgmv = np.round(pspend * rng.uniform(0.5, 3.0, pa_.size)).astype(np.int64)
        return _frame("ad_spend", {
            "date": _dates(self.day0 + np.concatenate([self.s_day[sidx], pd_])),
            "account_id": _pick(self.acct_ids, np.concatenate([self.s_acct[sidx], pa_])),
            "live_id": _pick(self.live_ids, np.concatenate([sidx, np.full(pa_.size, -1)])),
            "spend": _money(np.concatenate([spend, pspend])),
            "attributed_gmv": _money(np.concatenate([pg, pgmv])),
        }).sort(["date", "account_id", "live_id"], nulls_last=True)

    def scores(self):
        rng = self.rng
        D = self.D - 1  # T+1: up to yesterday
        S, A, P = len(STORES), self.A, len(self.prod_ids)
        n = S + A + P
        mean = np.concatenate([
            np.where(np.array([s[3] for s in STORES]) == "direct", 4.72, 4.55),
            np.where(self.acct_type == "distributor", 4.62, 4.74),
            rng.uniform(4.35, 4.85, P),
        ])
        start = np.concatenate([self.store_open_idx, self.acct_start_idx, self.store_open_idx[self.prod_store]])
        low_store = 11  # 成都授权店
        low_acct = S + int(np.flatnonzero(self.acct_type == "distributor")[3])
        low_prod = S + A + rng.choice(P, 5, replace=False)
        target = mean.copy()
        target[[low_store, low_acct]] = [3.72, 3.64]
        target[low_prod] = rng.uniform(3.4, 3.9, 5)
        ramp_from = D - 60
        out = np.empty((D, n))
        x = mean + rng.normal(0, 0.05, n)
        for d in range(D):
            w = np.clip((d - ramp_from) / 45.0, 0.0, 1.0)
            mu = mean + (target - mean) * w
            x = mu + 0.85 * (x - mu) + rng.normal(0, 0.025, n)
            out[d] = x
        out = np.clip(np.round(out, 2), 0.0, 5.0)
        dd, ee = np.nonzero(np.arange(D)[:, None] >= start[None, :])
        ids = np.array(self.store_ids + self.acct_ids + self.prod_ids, dtype=object)
        stype = np.array(["store_experience"] * S + ["creator_reputation"] * A + ["product"] * P, dtype=object)
        return _frame("scores_daily", {
            "date": _dates(self.day0 + dd),
            "entity_id": pl.Series(ids[ee].tolist(), dtype=pl.Utf8),
            "score_type": pl.Series(stype[ee].tolist(), dtype=pl.Utf8),
            "score": out[dd, ee],
        })

    def market(self):
        rng = self.rng
        D = self.D - 1
        rows = []
        t = np.arange(D) - (self.D - 1)
        trend = np.exp(math.log(1.15) * t / 365.0)
        for b in range(3):
            g = self.day_brand_gmv[:D, b].astype(np.float64)
            shape = trend * self.weekday_f[:D] * self.camp[:D] * self.brand_month[:D, b] * np.exp(rng.normal(0, 0.04, D))
            level = g.sum() / MARKET_SHARE[b] / shape.sum()
            mg = np.round(level * shape).astype(np.int64)
            avg_price = self.prod_price[self.store_brand[self.prod_store] == b].mean() * 0.8
            sellers = np.round(MARKET_SELLERS[b] * (trend ** 0.4) * np.exp(rng.normal(0, 0.02, D))).astype(np.int64)
            rows.append(dict(
                date=self.day0 + np.arange(D), cat=np.full(D, b), gmv=mg,
                orders=np.round(mg / avg_price).astype(np.int64),
                sellers=sellers,
                products=np.round(sellers * rng.uniform(28, 34) * np.exp(rng.normal(0, 0.02, D))).astype(np.int64),
                search=np.round(mg / avg_price * 9 * np.exp(rng.normal(0, 0.05, D))).astype(np.int64),
            ))
        cat = lambda k: np.concatenate([r[k] for r in rows])  # noqa: E731
        return _frame("market_daily", {
            "date": _dates(cat("date")), "category": _pick(CATEGORIES, cat("cat")),
            "market_gmv": _money(cat("gmv")), "market_orders": cat("orders"),
            "active_sellers": cat("sellers"), "active_products": cat("products"),
            "search_volume": cat("search"),
        }).sort(["date", "category"])

    def peer_benchmarks(self):
        """同行同级 per month, category and tier: the platform's median and top-25 % values,
        better in higher tiers (bigger rooms convert and hold viewers better)."""
        rng = self.rng
        months = []
        d = self.start.replace(day=1)
        while d <= self.today:
            nxt = (d + dt.timedelta(days=32)).replace(day=1)
            months.append((d, min(nxt - dt.timedelta(days=1), self.today)))
            d = nxt
        tiers = list(schema.PEER_TIERS)
        rows = []
        for (m0, m1), c, t, (mid, base) in ((m, c, t, b) for m in months for c in range(3) for t in range(len(tiers))
                                             for b in PEER_BASE.items()):
            med = base[c] * PEER_TIER_LIFT[t] * math.exp(rng.normal(0, 0.04))
            exc = med * rng.uniform(1.45, 1.8)
            if mid.endswith("_rate") or mid in ("click_conversion", "watch_conversion", "ctr"):
                med, exc = round(min(med, 0.95), 4), round(min(exc, 0.98), 4)
            else:
                med, exc = round(med, 1), round(exc, 1)
            rows.append((m0, m1, CATEGORIES[c], tiers[t], mid, med, exc))
        cols = list(zip(*rows))
        return _frame("peer_benchmarks", {
            "period_start": pl.Series(cols[0], dtype=pl.Date), "period_end": pl.Series(cols[1], dtype=pl.Date),
            "category": list(cols[2]), "tier": list(cols[3]), "metric": list(cols[4]),
            "median": list(cols[5]), "excellent": list(cols[6]),
        })

    def campaigns(self):
        rows = []
        for y in self.y618:
            rows.append((f"618-{y}", f"{y} 618购物节", dt.date(y, 5, 18), dt.date(y, 5, 31), dt.date(y, 6, 1), dt.date(y, 6, 18)))
        for y in range(self.start.year, self.today.year + 1):
            if dt.date(y, 10, 20) >= self.start and dt.date(y, 10, 20) <= self.today:
                rows.append((f"1111-{y}", f"{y} 双11购物节", dt.date(y, 10, 20), dt.date(y, 10, 31), dt.date(y, 11, 1), dt.date(y, 11, 11)))
        rows.sort(key=lambda r: r[4])
        cols = list(zip(*rows))
        return _frame("campaigns", {
            "campaign_id": list(cols[0]), "name": list(cols[1]),
            "presale_start": pl.Series(cols[2], dtype=pl.Date), "presale_end": pl.Series(cols[3], dtype=pl.Date),
            "start_date": pl.Series(cols[4], dtype=pl.Date), "end_date": pl.Series(cols[5], dtype=pl.Date),
        })

    def run(self, on_orders, chunk_orders: int) -> dict[str, pl.DataFrame]:
        self.calendar()
        self.dimensions()
        self.sessions()
        self.orders_plan()
        self.live_ids = [f"L{i + 1:07d}" for i in range(self.n_sessions)]
        for o in self.order_chunks(chunk_orders):
            on_orders(self.orders_table(o))
            del o
        # the plan's per-buyer and per-order arrays are done with
        del self.pool_cdf, self.first_paid, self.fan_of, self.sv_paid, self.sv_vid
        sessions, minutes, traffic = self.live_tables()
        videos = self.video_table()
        follower_daily = self.followers()
        acc = dict(self.accounts_cols, followers=self.acct_followers)
        out = {
            "stores": self.stores,
            "accounts": _frame("accounts", acc),
            "products": self.products,
            "live_sessions": sessions,
            "live_minutes": minutes,
            "live_explains": self.explains_table(),
            "live_audience": self.audience_table(),
            "live_traffic": traffic,
            "short_videos": videos,
            "ad_spend": self.ad_spend(),
            "follower_daily": follower_daily,
            "scores_daily": self.scores(),
            "market_daily": self.market(),
            "peer_benchmarks": self.peer_benchmarks(),
            "campaigns": self.campaigns(),
        }
        assert list(out) == [t for t in schema.TABLES if t != "orders"], "demo tables out of schema order"
        return out


# ---------------------------------------------------------------- writing
def _check_replaceable(path) -> None:
    """Raise DemoError unless the database is absent, empty or holds only demo batches."""
    url = store.url_of(path)
    if url.engine == "duckdb" and not Path(path).exists():
        return
    if url.engine == "clickhouse" and url.local_only and not url.path.exists():
        return
    try:
        con = store.connect(url, read_only=True)
    except store.StoreError:
        if url.engine == "clickhouse":
            return  # no such database yet (ClickHouse): nothing to replace
        raise
    except Exception as e:  # not a DuckDB file at all
        raise DemoError(f"{path} exists and is not a cockpit database ({e}); refusing to overwrite it") from e
    try:
        tables = con.tables()
        if "import_batches" in tables:
            rows = store.fetchall(
                con,
                "SELECT count(*), min(file_name) FROM import_batches WHERE coalesce(source, '') <> 'demo'",
            )
            n, example = rows[0]
            if n:
                raise DemoError(
                    f"{path} holds data imported from real files ({n} import batch{'es' if n != 1 else ''}, e.g. {example!r}); "
                    "refusing to replace it with the demo — use another --db path"
                )
        demo_ids = ("SELECT batch_id FROM import_batches WHERE source = 'demo'" if "import_batches" in tables
                    else "SELECT CAST(NULL AS BIGINT)")
        known = (*schema.TABLES, "import_batches", "cockpit_meta", "audit_log", *rollups.DUCKDB_TABLES, *rollups.VIEWS,
                 *buyer_sets.TABLES, buyer_keys.TABLE)
        foreign = [t for t in tables if t not in known and not t.startswith("_")
                   and not t.endswith(("__rows", "__add", "__sub"))]  # ClickHouse's own tables behind the views
        for t in schema.TABLES:
            if t not in tables:
                continue
            n = store.scalar(
                con,
                f'SELECT count(*) FROM "{t}" WHERE "{schema.BATCH_COLUMN}" IS NULL '
                f'OR "{schema.BATCH_COLUMN}" NOT IN ({demo_ids})',
            )
            if n:
                raise DemoError(
                    f"{path} holds {n} rows in {t} that the demo did not write; refusing to replace it"
                )
        for t in foreign:
            if store.scalar(con, f'SELECT count(*) FROM "{t}"'):
                raise DemoError(f"{path} holds a table {t!r} the cockpit does not know; refusing to replace it")
    finally:
        con.close()


class _OrdersWriter:
    """Orders into a fresh DuckDB file chunk by chunk, as one recorded batch: each chunk in
    a transaction of its own (the file is moved into place only when whole, see build),
    with its buyers' keys (the demo's buyer numbers, so no lookup of earlier buyers) and
    the rollups of its time window.  The same rows write_batch would write, without its
    upsert work: a fresh file has nothing to replace."""

    def __init__(self, con, progress: bool):
        self.con, self.progress = con, progress
        self.batch_id = store.scalar(con, "SELECT nextval('import_batch_seq')")
        self.started_at = clock.now()
        self.rows = 0
        self.seen = np.zeros(0, dtype=bool)  # buyer keys already in the dictionary
        self.t0 = time.perf_counter()

    def write(self, df: pl.DataFrame) -> None:
        t = schema.table("orders")
        keys = df["buyer_id"].str.slice(1).cast(pl.Int32)  # "B000000123" -> 123: dense, unique
        staged = df.with_columns(pl.lit(self.batch_id, dtype=pl.Int64).alias(schema.BATCH_COLUMN),
                                 keys.alias(buyer_keys.COLUMN))
        k = keys.to_numpy()
        top = int(k.max()) + 1 if k.size else 0
        if top > self.seen.size:
            self.seen = np.concatenate([self.seen, np.zeros(top - self.seen.size, dtype=bool)])
        new = k[~self.seen[k]]
        self.seen[new] = True
        new = np.sort(new)
        new = new[np.concatenate([[True], new[1:] != new[:-1]])] if new.size else new
        buyers = pl.DataFrame({"buyer_id": _ids("B", new, 9), buyer_keys.COLUMN: pl.Series(new, dtype=pl.Int32)})
        cols = ", ".join(f'"{c}"' for c in t.stored_names)
        con = self.con
        with store.transaction(con):
            con.register("_staged", staged.to_arrow(compat_level=pl.CompatLevel.newest()))
            con.register("_new_buyers", buyers.to_arrow())
            con.execute(f"INSERT INTO {buyer_keys.TABLE} (buyer_id, {buyer_keys.COLUMN}) "
                        f"SELECT buyer_id, {buyer_keys.COLUMN} FROM _new_buyers")
            con.execute(f"INSERT INTO orders ({cols}) SELECT {cols} FROM _staged")
            rollups.refresh_window(con, df["paid_at"][0], df["paid_at"][-1])
            con.unregister("_staged")
            con.unregister("_new_buyers")
        self.rows += df.height
        if self.progress:
            print(f"demo: orders           {self.rows:>12,d} rows  {time.perf_counter() - self.t0:6.1f}s",
                  file=sys.stderr, flush=True)

    def finish(self) -> None:
        con = self.con
        with store.transaction(con):
            con.execute(
                "INSERT INTO import_batches (batch_id, file_name, sha256, table_name, rows_read, rows_accepted, "
                "rows_rejected, rows_duplicate, rejects_path, started_at, finished_at, imported_by, source, status) "
                "VALUES (?, 'demo', NULL, 'orders', ?, ?, 0, 0, NULL, ?, ?, 'demo', 'demo', 'committed')",
                [self.batch_id, self.rows, self.rows, self.started_at, clock.now()])
            auth.audit(con, "demo", "import", f"batch {self.batch_id}: demo -> orders, {self.rows} rows (demo)")
            store.bump_data_version(con)


def _write(con, frames: dict[str, pl.DataFrame], now: dt.datetime, seed: int, orders: int,
           progress: bool) -> dict[str, int]:
    """Every table through the import batches (as files would arrive), then the buyer sets."""
    counts: dict[str, int] = {}
    for name in list(frames):
        df = frames.pop(name)  # written tables leave memory: the peak is one table, not all
        t1 = time.perf_counter()
        batches.write_batch(con, name, df, file_name="demo", source="demo", imported_by="demo")
        counts[name] = df.height
        if progress:
            print(f"demo: {name:16s} {df.height:>12,d} rows  {time.perf_counter() - t1:6.1f}s",
                  file=sys.stderr, flush=True)
    for k, v in (("demo_now", now.isoformat(sep=" ")), ("demo_seed", str(seed)), ("demo_orders", str(orders))):
        store.set_meta(con, k, v)
    t1 = time.perf_counter()
    months = buyer_sets.build(con)
    if progress and months:
        print(f"demo: buyer sets      {months:>12,d} months {time.perf_counter() - t1:6.1f}s",
              file=sys.stderr, flush=True)
    return counts


class _Stopped(Exception):
    pass


def _overlapped(produce, consume):
    """``produce(put)`` in a thread of its own while ``consume`` takes what it puts, one
    item ahead: the next chunk of orders is generated (NumPy, Polars) while DuckDB writes
    this one, on two cores.  Returns what ``produce`` returns; an error on either side
    stops both and is raised here."""
    q: queue.Queue = queue.Queue(maxsize=1)
    stop = threading.Event()
    out: dict = {}

    def put(item):
        while not stop.is_set():
            try:
                q.put(item, timeout=0.2)
                return
            except queue.Full:
                continue
        raise _Stopped

    def run():
        try:
            out["value"] = produce(put)
        except _Stopped:
            pass
        except BaseException as e:  # noqa: BLE001 - raised again in the consuming thread
            out["error"] = e
        finally:
            while True:  # the end marker, unless the consumer is gone
                try:
                    q.put(_END, timeout=0.2)
                    break
                except queue.Full:
                    if stop.is_set():
                        break

    worker = threading.Thread(target=run, name="demo-generate", daemon=True)
    worker.start()
    try:
        while (item := q.get()) is not _END:
            consume(item)
            del item
    finally:
        stop.set()
        worker.join()
    if "error" in out:
        raise out["error"]
    return out["value"]


_END = object()


# DuckDB's memory while the demo is written (its own default is 80 % of the machine):
# inserts and the rollups' GROUP BYs spill to disk beyond it.
BUILD_MEMORY = os.environ.get("COCKPIT_DEMO_MEMORY", "2GB")


def build(path, orders: int = 500_000, seed: int = 7, progress: bool = False,
          now: dt.datetime | None = None, chunk_orders: int = CHUNK_ORDERS) -> dict[str, int]:
    """Write the demo group into the database at ``path`` (a DuckDB file or a ClickHouse
    URL); return rows per table.

    An existing database is replaced only when it holds nothing but demo data; one with
    imported data raises :class:`DemoError`.  A DuckDB file is built beside the old one
    and moved into place at the end, so a failure leaves the old file untouched; on
    ClickHouse the old demo is dropped and the new one written in its place (its views
    name their database, so a database built aside cannot be renamed into place).
    """
    url = store.url_of(path)
    _check_replaceable(path)
    t0 = time.perf_counter()
    now = (now or clock.now()).replace(second=0, microsecond=0, tzinfo=None)
    if url.engine != "duckdb":
        frames = generate(orders=orders, seed=seed, now=now, chunk_orders=chunk_orders)
        if progress:
            print(f"demo: generated {orders:,d} orders in {time.perf_counter() - t0:.1f}s "
                  f"(now = {now:%Y-%m-%d %H:%M})", file=sys.stderr, flush=True)
        con = store.connect(url)
        try:
            con.execute(f"DROP DATABASE IF EXISTS `{url.database}`")
        finally:
            con.close()
        con = store.connect(url)
        try:
            counts = _write(con, frames, now, seed, orders, progress)
        finally:
            con.close()
        if progress:
            print(f"demo: done in {time.perf_counter() - t0:.1f}s", file=sys.stderr, flush=True)
        return counts
    path = Path(path)
    tmp = path.with_name(path.name + ".demo-building")
    for p in (tmp, Path(str(tmp) + ".wal")):
        if p.exists():
            p.unlink()
    con = store.connect(tmp)
    try:
        con.execute(f"SET memory_limit = '{BUILD_MEMORY}'")
        if progress:
            print(f"demo: generating and writing {orders:,d} orders (now = {now:%Y-%m-%d %H:%M})",
                  file=sys.stderr, flush=True)
        writer = _OrdersWriter(con, progress)
        frames = _overlapped(lambda put: stream(orders, seed, now, put, chunk_orders), writer.write)
        writer.finish()
        counts = {"orders": writer.rows, **_write(con, frames, now, seed, orders, progress)}
        counts = {t: counts[t] for t in schema.TABLES}
        con.execute("CHECKPOINT")
    except BaseException:
        con.close()
        for p in (tmp, Path(str(tmp) + ".wal")):
            if p.exists():
                p.unlink()
        raise
    con.close()
    _check_replaceable(path)  # nobody imported into it meanwhile
    for p in (path, Path(str(path) + ".wal")):
        if p.exists():
            p.unlink()
    os.replace(tmp, path)
    if Path(str(tmp) + ".wal").exists():
        os.replace(Path(str(tmp) + ".wal"), Path(str(path) + ".wal"))
    if progress:
        print(f"demo: done in {time.perf_counter() - t0:.1f}s", file=sys.stderr, flush=True)
    return counts
