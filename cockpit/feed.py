"""`cockpit feed`: live sessions of the demo group, as they happen, through the inbox.

The feed plays the platform's data push: it starts ``--accounts`` sessions for existing
own, authorized and distributor accounts (new live ids), and every tick writes what
happened since the last one as CSV files into the inbox (write, then rename):

* ``live_sessions``: the touched sessions' rows with their running totals (views, viewers,
  peak_online, avg_watch_seconds, new_followers, exposures, clicks, comments, likes,
  shares); upsert by key replaces the previous row; ``ended_at`` is set when one ends;
* ``live_minutes``: the rows of the minutes touched (a minute's row grows until it is
  over: online is the latest level, entries/new_followers/comments/likes its sums);
* ``orders``: channel ``live``, the account's store's products at list price x quantity
  x a discount, pseudonymous buyers (``B` + 9 digits) with a fixed fan flag per buyer;
* ``live_traffic``: per session and source, integer partitions of the session's views
  and of its orders' GMV so far (so traffic GMV always sums to the orders' GMV).

Time is the wall clock (the business clock, :mod:`cockpit.clock`): every row is stamped with the real time it happened, so the
live page (which is about *now*) shows the sessions as they run.  Sessions start on a
whole minute (the live board hides sessions that start after its minute-truncated now).  ``--speed X`` makes
the sessions X times denser and shorter: a tick comes every ``5 / X`` seconds and
carries five seconds of a session's activity, so a 60-minute session lasts 60 / X real
minutes.  Initial sessions started up to 20 minutes (/ X) ago, with that history
backfilled, so sparklines have a shape from the first refresh.  When a session ends
another account goes live a few ticks later, keeping about N sessions live; when the
feed stops (Ctrl-C or ``--minutes``) it ends its sessions.

Everything random comes from one generator seeded with ``--seed``: for the same seed
and the same tick times the files are the same (only the wall clock differs).

The group's accounts and products come from the database, or - while the app holds the
database - from the catalog the app's inbox watcher publishes (``.catalog.json``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from cockpit import catalog, clock, schema, store
from cockpit import inbox as inbox_mod
from cockpit.errors import UsageError

TICK_SECONDS = 5.0  # session activity carried by one tick
BUYER_POOL = 400_000
FAN_PERCENT = 40  # share of buyers (by id) that follow the account
MAX_BACKFILL_MINUTES = 20
TITLE_WORDS = {
    "茶叶": ["新茶品鉴会", "茶山直播 源头好茶", "一杯好茶 宠粉福利", "老茶客专场"],
    "女装": ["新品首发", "通勤穿搭专场", "宠粉福利 限时秒杀", "显瘦穿搭教学"],
    "家居": ["好物上新", "收纳焕新季", "家居宠粉日", "品质好物 工厂直发"],
}
SOURCES = list(schema.TRAFFIC_SOURCES)  # recommend follow short_video paid search distribution other
SOURCE_BASE = {"recommend": 0.40, "follow": 0.22, "short_video": 0.10, "paid": 0.12,
               "search": 0.06, "distribution": 0.15, "other": 0.05}
SOURCE_GMV = {"recommend": 0.8, "follow": 1.6, "short_video": 1.1, "paid": 1.0,
              "search": 1.4, "distribution": 1.0, "other": 0.7}


# ---------------------------------------------------------------- the catalog

# The catalog is the inbox's (cockpit.catalog): the running app publishes it for any writer.
catalog_from_db = catalog.catalog_from_db


def load_catalog(db_path, inbox: Path) -> tuple[dict, bool]:
    """(catalog, app_running): from the database, or from the app's catalog while it holds it."""
    if not store.url_of(db_path).exists():
        raise UsageError(f"there is no database at {db_path}; build one with `cockpit demo` or start `cockpit serve`")
    try:
        con = store.connect(db_path, read_only=True)
    except store.StoreError:
        try:
            cat = json.loads((inbox / inbox_mod.CATALOG).read_text("utf-8"))
        except (OSError, ValueError):
            raise UsageError(
                f"database {db_path} is in use by another process and {inbox} has no catalog from a "
                "running app: start `cockpit serve` (or stop whatever holds the database)"
            ) from None
        return cat, True
    try:
        return catalog_from_db(con), False
    finally:
        con.close()


# ---------------------------------------------------------------- a session

def _partition(total: int, shares: list[float]) -> list[int]:
    """Non-negative integers proportional to ``shares`` that add up to ``total``."""
    if total <= 0:
        return [0] * len(shares)
    s = sum(shares)
    raw = [total * x / s for x in shares]
    out = [math.floor(v) for v in raw]
    rest = total - sum(out)
    for i in sorted(range(len(raw)), key=lambda i: (out[i] - raw[i], i))[:rest]:
        out[i] += 1
    return out


def _level(p: float) -> float:
    """Online curve over a session's progress p in [0, 1]: ramp-up, sagging plateau, decay."""
    if p < 0.1:
        return 0.25 + 0.75 * p / 0.1
    if p < 0.85:
        return 1.0 - 0.3 * (p - 0.1) / 0.75
    return max(0.15, 0.7 * (1.0 - (p - 0.85) / 0.15 * 0.8))


def money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def stamp(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%d %H:%M:%S")


@dataclass
class Session:
    live_id: str
    account: dict
    title: str
    started_at: dt.datetime
    duration_s: float  # simulated seconds
    products: list  # [[product_id, store_id, price_cents], ...]
    peak_target: float
    stay_min: float
    follow_p: float
    conv: float
    viewer_ratio: float
    expo_ratio: float
    click_ratio: float
    phase: float
    waves: float
    sources: list[str]
    view_shares: list[float]
    gmv_shares: list[float]
    sim_s: float = 0.0
    online: int = 0
    views: int = 0
    new_followers: int = 0
    comments: int = 0
    likes: int = 0
    online_seconds: float = 0.0
    orders: int = 0
    gmv_cents: int = 0
    buyers: set = field(default_factory=set)
    peak: int = 0
    minutes: dict = field(default_factory=dict)  # minute -> [online, entries, nf, comments, likes]
    touched: set = field(default_factory=set)
    ended_at: dt.datetime | None = None

    def row(self) -> dict:
        viewers = max(round(self.views * self.viewer_ratio), len(self.buyers))
        clicks_min = math.ceil(self.orders * 1.1)
        expo = max(round(viewers * self.expo_ratio), clicks_min)
        clicks = min(max(round(expo * self.click_ratio), clicks_min), expo)
        viewers = max(viewers, expo)
        views = max(self.views, viewers)
        return {
            "live_id": self.live_id, "account_id": self.account["account_id"], "title": self.title,
            "started_at": stamp(self.started_at), "ended_at": stamp(self.ended_at) if self.ended_at else "",
            "views": views, "viewers": viewers, "peak_online": self.peak,
            "avg_watch_seconds": f"{self.online_seconds / viewers:.1f}" if viewers else "",
            "new_followers": self.new_followers, "product_exposures": expo, "product_clicks": clicks,
            "comments": self.comments, "likes": self.likes, "shares": round(views * 0.004),
        }

    def traffic_rows(self) -> list[dict]:
        tv = _partition(self.row()["views"], self.view_shares)
        tg = _partition(self.gmv_cents, self.gmv_shares)
        return [{"live_id": self.live_id, "source": s, "views": v, "gmv": money(g)}
                for s, v, g in zip(self.sources, tv, tg)]


# ---------------------------------------------------------------- the feed

@dataclass
class Tick:
    n: int
    at: dt.datetime
    live: int
    started: int
    ended: int
    orders: int
    gmv_cents: int
    online: int
    files: list[Path]

    def line(self, total_gmv_cents: int) -> str:
        return (f"{self.at:%H:%M:%S} tick {self.n}: {self.live} live, {self.started} started, "
                f"{self.ended} ended, +{self.orders} orders ¥{self.gmv_cents / 100:,.2f} "
                f"(feed GMV ¥{total_gmv_cents / 100:,.2f}), online {self.online:,}; {len(self.files)} files")


class Feed:
    session_minutes = (30.0, 90.0)  # simulated length of a session

    def __init__(self, catalog: dict, inbox: Path, accounts: int = 5, speed: float = 1.0, seed: int = 7,
                 run_id: str | None = None):
        if accounts < 1:
            raise UsageError("--accounts must be at least 1")
        if not speed > 0:
            raise UsageError("--speed must be greater than 0")
        self.inbox = Path(inbox)
        self.speed = float(speed)
        self.want = accounts
        self.rng = np.random.default_rng(seed)
        self.seed = seed
        self.run_id = run_id
        self.stores = catalog.get("stores", {})
        prods = catalog.get("products", {})
        self.accounts = []
        for a in catalog.get("accounts", []):
            if a["account_type"] == "distributor":
                sids = catalog.get("distributor_stores", {}).get(a["account_id"]) or sorted(prods)
            else:
                sids = [a.get("store_id")]
            plist = [[pid, sid, cents] for sid in sids for pid, cents in prods.get(sid, [])]
            if plist:
                self.accounts.append(dict(a, products=plist, main_store=sids[0]))
        if not self.accounts:
            raise UsageError("the database has no accounts with priced products to sell; build the demo with `cockpit demo`")
        busy = set(catalog.get("live_now", []))
        self.idle = [a for a in self.accounts if a["account_id"] not in busy] or list(self.accounts)
        self.active: list[Session] = []
        self.waiting: list[int] = []  # ticks until a replacement session starts
        self.n_sessions = 0
        self.n_orders = 0
        self.ticks = 0
        self.total_gmv_cents = 0
        self._new_orders: list[dict] = []
        self._touched: dict[str, Session] = {}

    @property
    def interval(self) -> float:
        """Real seconds between ticks."""
        return TICK_SECONDS / self.speed

    # -- sessions ----------------------------------------------------------------------
    def _pick_account(self) -> dict | None:
        if not self.idle:
            return None
        w = np.array([math.sqrt(max(float(a.get("followers") or 0), 10_000.0)) for a in self.idle])
        i = int(self.rng.choice(len(self.idle), p=w / w.sum()))
        return self.idle.pop(i)

    def _start(self, now: dt.datetime, backfill: bool) -> Session | None:
        a = self._pick_account()
        if a is None:
            return None
        rng = self.rng
        self.n_sessions += 1
        st = self.stores.get(a["main_store"], {})
        cat = st.get("category") or "茶叶"
        words = TITLE_WORDS.get(cat, TITLE_WORDS["茶叶"])
        word = words[int(rng.integers(len(words)))]
        title = f"{a['account_name']}的直播间 {word}" if a["account_type"] == "distributor" else f"{st.get('brand') or ''}{word}"
        duration_s = float(rng.uniform(*self.session_minutes)) * 60
        followers = float(a.get("followers") or 0)
        peak = min(max(followers * 0.0006, 40.0), 4000.0) * float(rng.uniform(0.6, 1.4))
        sources = [s for s in SOURCES
                   if s not in ("paid", "distribution")
                   or (s == "paid" and rng.random() < 0.4)
                   or (s == "distribution" and a["account_type"] == "own" and rng.random() < 0.5)]
        vs = [float(rng.gamma(SOURCE_BASE[s] * 40 + 1e-9)) + 1e-6 for s in sources]
        gs = [v * SOURCE_GMV[s] for v, s in zip(vs, sources)]
        back_min = 0
        if backfill:
            back_min = int(rng.integers(1, MAX_BACKFILL_MINUTES + 1))
            # at most 40 % of the session (a fast feed has little history to show)
            back_min = min(back_min, int(0.4 * duration_s / 60 / self.speed))
        # on the minute: the live board compares started_at with a "now" truncated to the
        # minute, so a start at 20:01:30 would stay hidden until 20:02
        started = (now - dt.timedelta(minutes=back_min)).replace(second=0, microsecond=0)
        if self.run_id is None:  # ids unique across runs: the wall clock of the first start
            self.run_id = now.strftime("%y%m%d%H%M%S")
        s = Session(
            live_id=f"LF{self.run_id}-{self.n_sessions:03d}", account=a, title=title.strip(), started_at=started,
            duration_s=duration_s, products=a["products"], peak_target=peak,
            stay_min=float(rng.uniform(1.5, 3.5)), follow_p=float(rng.uniform(0.008, 0.03)),
            conv=float(rng.uniform(0.01, 0.03)), viewer_ratio=float(rng.uniform(0.55, 0.75)),
            expo_ratio=float(rng.uniform(0.45, 0.7)), click_ratio=float(rng.uniform(0.08, 0.2)),
            phase=float(rng.uniform(0, 2 * math.pi)), waves=float(rng.uniform(2, 6)),
            sources=sources, view_shares=vs, gmv_shares=gs,
        )
        self.active.append(s)
        self._touched[s.live_id] = s
        for k in range(back_min, 0, -1):  # the history since it started, a minute per step
            self._step(s, now - dt.timedelta(minutes=k - 1), 60.0 * self.speed, 60.0)
        return s

    def _end(self, s: Session, now: dt.datetime) -> None:
        s.ended_at = now.replace(microsecond=0)
        self.active.remove(s)
        self._touched[s.live_id] = s
        self.idle.append(s.account)
        self.waiting.append(int(self.rng.integers(2, 7)))

    # -- activity ------------------------------------------------------------------------
    def _step(self, s: Session, t: dt.datetime, sim_s: float, window_s: float) -> None:
        """``sim_s`` seconds of session activity, stamped in the ``window_s`` seconds before ``t``."""
        rng = self.rng
        s.sim_s += sim_s
        p = min(1.0, s.sim_s / s.duration_s)
        wave = 1.0 + 0.12 * math.sin(2 * math.pi * s.waves * p + s.phase)
        s.online = max(1, round(s.peak_target * _level(p) * wave * math.exp(float(rng.normal(0, 0.05)))))
        s.peak = max(s.peak, s.online)
        entries = int(rng.poisson(s.online / (s.stay_min * 60) * sim_s))
        nf = int(rng.binomial(entries, s.follow_p))
        comments = int(rng.poisson(s.online * 0.04 / 60 * sim_s))
        likes = int(rng.poisson(s.online * 0.6 / 60 * sim_s))
        n_orders = int(rng.poisson(entries * s.conv))
        s.views += entries
        s.new_followers += nf
        s.comments += comments
        s.likes += likes
        s.online_seconds += s.online * sim_s
        lo = max(s.started_at, t - dt.timedelta(seconds=window_s))
        span = max(0.0, (t - lo).total_seconds())
        minute = max(s.started_at, t - dt.timedelta(seconds=min(span, 1.0))).replace(second=0, microsecond=0)
        m = s.minutes.setdefault(minute, [0, 0, 0, 0, 0])
        m[0] = s.online
        m[1] += entries
        m[2] += nf
        m[3] += comments
        m[4] += likes
        s.touched.add(minute)
        for _ in range(n_orders):
            pid, sid, price = s.products[int(rng.integers(len(s.products)))]
            qty = 1 + int(rng.random() < 0.15) + int(rng.random() < 0.04)
            disc = (100, 95, 90, 85, 80)[int(rng.integers(5))]
            cents = price * qty * disc // 100
            b = int(rng.integers(1, BUYER_POOL + 1))
            paid = lo + dt.timedelta(seconds=float(rng.uniform(0, span)) if span else 0.0)
            self.n_orders += 1
            self._new_orders.append({
                "order_id": f"OF{self.run_id}-{self.n_orders:07d}", "paid_at": stamp(min(paid, t)), "store_id": sid,
                "product_id": pid, "account_id": s.account["account_id"], "live_id": s.live_id, "video_id": "",
                "channel": "live", "buyer_id": f"B{b:09d}", "is_fan": "true" if (b * 2654435761) % 100 < FAN_PERCENT else "false",
                "quantity": qty, "paid_amount": money(cents), "refund_amount": "0.00", "refunded_at": "", "shipped_at": "",
            })
            s.orders += 1
            s.gmv_cents += cents
            s.buyers.add(b)
            self.total_gmv_cents += cents
        self._touched[s.live_id] = s

    def tick(self, now: dt.datetime | None = None) -> Tick:
        """Advance every session by one tick at ``now`` and write the files of what changed."""
        now = now or clock.now()
        self.ticks += 1
        started = ended = 0
        if self.ticks == 1:
            for _ in range(self.want):
                started += self._start(now, backfill=True) is not None
        else:
            for s in list(self.active):
                self._step(s, now, TICK_SECONDS, self.interval)
                if s.sim_s >= s.duration_s:
                    self._end(s, now)
                    ended += 1
            self.waiting = [w - 1 for w in self.waiting]
            while self.waiting and min(self.waiting) <= 0 and len(self.active) < self.want:
                self.waiting.remove(min(self.waiting))
                started += self._start(now, backfill=False) is not None
        return self._flush(now, started, ended)

    def stop(self, now: dt.datetime | None = None) -> Tick:
        """End every session still live (so it moves to "ended today") and write that."""
        now = now or clock.now()
        self.ticks += 1
        n = len(self.active)
        for s in list(self.active):
            self._end(s, now)
        self.waiting = []
        return self._flush(now, 0, n)

    # -- files ---------------------------------------------------------------------------
    def _flush(self, now: dt.datetime, started: int, ended: int) -> Tick:
        touched = list(self._touched.values())
        minutes, traffic, sessions = [], [], []
        for s in touched:
            for m in sorted(s.touched):
                on, en, nf, co, li = s.minutes[m]
                minutes.append({"live_id": s.live_id, "minute": stamp(m), "online": on, "entries": en,
                                "new_followers": nf, "comments": co, "likes": li})
            # keep only the current minute's accumulator
            s.minutes = {m: v for m, v in s.minutes.items() if m == max(s.minutes)} if s.minutes else {}
            s.touched = set()
            sessions.append(s.row())
            traffic += s.traffic_rows()
        orders, self._new_orders = self._new_orders, []
        gmv = sum(int(o["paid_amount"].replace(".", "")) for o in orders)
        self._touched = {}
        tag = f"{now:%Y%m%dT%H%M%S}{now.microsecond // 1000:03d}-s{self.seed}-{self.ticks:06d}"
        files = []
        for table, rows in (("live_sessions", sessions), ("live_minutes", minutes),
                            ("live_traffic", traffic), ("orders", orders)):
            if rows:
                files.append(write_rows(self.inbox, f"{table}-{tag}.csv", table, rows))
        return Tick(self.ticks, now, len(self.active), started, ended, len(orders), gmv,
                    sum(s.online for s in self.active), files)


def write_rows(folder: Path, name: str, table: str, rows: list[dict]) -> Path:
    """A CSV of canonical columns, written under a temporary name and renamed into place."""
    cols = schema.table(table).column_names
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=cols, extrasaction="raise", lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({c: r.get(c, "") for c in cols})
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    inbox_mod.write_atomic(path, buf.getvalue().encode("utf-8"))
    return path


def run(db_path, *, inbox: Path | None = None, accounts: int = 5, speed: float = 1.0,
        minutes: float | None = None, seed: int = 7, ticks: int | None = None, out=print) -> int:
    """The `cockpit feed` loop: one tick every 5/speed seconds until Ctrl-C, --minutes or --ticks."""
    inbox = Path(inbox) if inbox else inbox_mod.inbox_dir(db_path)
    catalog, app_running = load_catalog(db_path, inbox)
    feed = Feed(catalog, inbox, accounts=accounts, speed=speed, seed=seed)
    watcher = inbox_mod.watcher_info(inbox)
    if len(feed.idle) < accounts:
        out(f"note: only {len(feed.idle)} accounts are free to go live (the others are live already); "
            f"feeding {len(feed.idle)} sessions")
    out(f"feeding {accounts} live session{'s' if accounts != 1 else ''} into {inbox} "
        f"(a tick every {feed.interval:g} s; Ctrl-C to stop)")
    if watcher is None:
        out(f"note: no running app watches {inbox}; the files wait there until `cockpit serve --db {db_path}` starts"
            if not app_running else f"note: the app holds {db_path} but its inbox watcher is not running")
    start = time.monotonic()
    deadline = start + minutes * 60 if minutes else None
    try:
        while True:
            t = feed.tick()
            out(t.line(feed.total_gmv_cents))
            if (ticks is not None and feed.ticks >= ticks) or (deadline and time.monotonic() >= deadline):
                break
            wake = start + feed.ticks * feed.interval
            if deadline:
                wake = min(wake, deadline)
            time.sleep(max(0.0, wake - time.monotonic()))
    except KeyboardInterrupt:
        pass
    t = feed.stop()
    out(t.line(feed.total_gmv_cents) + "  (feed stopped: its sessions ended)")
    return 0


def main_args(args) -> int:  # the CLI's entry
    db = store.resolve_db_path(args.db)
    inbox = Path(args.inbox) if args.inbox else None
    if args.minutes is not None and args.minutes <= 0:
        raise UsageError("--minutes must be greater than 0")
    return run(db, inbox=inbox, accounts=args.accounts, speed=args.speed, minutes=args.minutes,
               seed=args.seed, ticks=args.ticks, out=lambda s: print(s, flush=True))


if __name__ == "__main__":  # pragma: no cover
    sys.exit("use `cockpit feed`")
