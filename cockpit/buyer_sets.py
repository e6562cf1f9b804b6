"""Who bought, per calendar month, as compressed bitmaps of buyer keys (Roaring).

Distinct buyers, repurchase (two orders or more) and fan buyers over a period do not add
up across days, so the daily rollups cannot hold them: over a year of a 10M-order group
every question deduplicates ~6M orders again (~50 ms per split on 2 cores, several per
page).  One month's buyers of one store (or account, or store and account...) as a
Roaring bitmap is a few KB, and OR-ing the period's months gives the exact same count
in a few milliseconds.  A month is used when all its orders fall in the period (so the
month so far counts); the period's other days (a range starting mid-month, last year's
month to date) are sorted per buyer from orders.

Three sets per part: ``seen`` (bought), ``twice`` (two orders or more in the month),
``fan`` (at least one order as a fan).  Over several parts a buyer is a repurchaser when
he is in one part's ``twice`` or in two parts' ``seen``.

Each month's build also writes its sets per day (``DAY_LAYOUTS``, the same parts with
the day as one more key): the days a period takes only part of a month (the last 30
days, this month so far while today's orders keep arriving) OR their day sets instead
of sorting the month's orders again (at 100M orders: 28 days of one month are 8M orders,
~1 s to sort; their day sets, a few MB).

Kept exact, never stale: a write drops the months it touched (``invalidate``, inside the
write's transaction) and a month without sets sends the query back to orders.  The
sets are rebuilt after the write (``build``: the server's upkeep thread, ``cockpit
import`` before it returns, ``cockpit demo``), so the import's transaction does not
wait for them.
"""

from __future__ import annotations

import array
import datetime as dt
import logging
import os
import uuid
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
from pyroaring import BitMap

from cockpit import buyer_keys
from cockpit.engine import Database
from cockpit.lru import LRU
from cockpit.periods import add_months

log = logging.getLogger("cockpit.buyer_sets")

META_KEY = "buyer_sets_version"
VERSION = "5"  # 3: a token per built month; 4: no per-store / per-account layouts; 5: day sets
# ClickHouse keeps the same sets its own way (cockpit.engine.clickhouse_buyers)
CH_META_KEY = "buyer_sets_clickhouse_version"
CH_VERSION = "2"  # 2: day by day too
BUILT = "buyer_sets_built"
KINDS = ("seen", "twice", "fan")


@dataclass(frozen=True)
class Layout:
    """One table of sets: a part per (month, *keys); the dims its parts can be filtered
    and split by (SQL over ``from_sql``, alias r for the table)."""

    table: str
    keys: tuple[str, ...]
    kinds: tuple[str, ...]
    from_sql: str
    dims: dict[str, str]


_STORE_DIMS = {"brand": "s.brand", "store_type": "s.store_type", "store": "r.store_id"}
_ACCOUNT_DIMS = {"account_type": "a.account_type", "account": "r.account_id", "agency": "a.agency"}
# The first layout that fits a question answers it: the fewer parts, the fewer sets to OR.
# (Per-store and per-account layouts were tried: no faster once decoded sets stay in
# memory, for 60 MB more sets at 10M orders and twice the build time.)
LAYOUTS = (
    Layout("buyer_sets_month", (), KINDS, "buyer_sets_month r", {}),
    Layout(
        "buyer_sets", ("store_id", "account_id"), KINDS,
        "buyer_sets r LEFT JOIN stores s ON r.store_id = s.store_id "
        "LEFT JOIN accounts a ON r.account_id = a.account_id",
        {**_STORE_DIMS, **_ACCOUNT_DIMS},
    ),
    Layout(
        "buyer_sets_product", ("store_id", "product_id"), ("seen",),
        "buyer_sets_product r LEFT JOIN stores s ON r.store_id = s.store_id "
        "LEFT JOIN products p ON r.product_id = p.product_id",
        {**_STORE_DIMS, "product": "r.product_id", "category": "p.category"},
    ),
)
# Per day: each layout's parts with the day as the first key, built and dropped with
# their month (the same ``month`` column and token).
DAY = "day"
DAY_LAYOUTS = {
    lay.table: Layout(f"{lay.table}_{DAY}", (DAY, *lay.keys), lay.kinds,
                      lay.from_sql.replace(f"{lay.table} r", f"{lay.table}_{DAY} r", 1), lay.dims)
    for lay in LAYOUTS
}
TABLES = tuple(lay.table for lay in LAYOUTS) + tuple(lay.table for lay in DAY_LAYOUTS.values()) + (BUILT,)
# the key columns a build reads from orders o
_KEY_SQL = {DAY: "CAST(o.paid_at AS DATE)"}


def _ddl(lay: Layout) -> str:
    cols = ["month DATE NOT NULL", *(f"{k} {'DATE' if k == DAY else 'VARCHAR'}" for k in lay.keys),
            *(f"{k} BLOB NOT NULL" for k in lay.kinds)]
    return f"CREATE TABLE IF NOT EXISTS {lay.table} ({', '.join(cols)})"


# A built month carries a token of its own, new at every build: what the decoded sets
# are cached under (a month rebuilt after an import is a new token, never a stale hit).
DDL = {**{lay.table: _ddl(lay) for lay in (*LAYOUTS, *DAY_LAYOUTS.values())},
       BUILT: f"CREATE TABLE IF NOT EXISTS {BUILT} (month DATE NOT NULL, token VARCHAR NOT NULL)"}


def ensure(con: Database) -> None:
    """Create the tables; a new layout version starts empty (``build`` fills it)."""
    from cockpit.store import meta, set_meta, transaction  # store imports this module

    if con.kind != "duckdb":
        return  # DuckDB's fast path; ClickHouse counts distinct buyers itself (issue 14, phase 2: bitmaps)
    if meta(con, META_KEY) == VERSION:
        for t in TABLES:
            con.execute(DDL[t])
        return
    with transaction(con):
        for t in _RETIRED:
            con.execute(f"DROP TABLE IF EXISTS {t}")
        for t in TABLES:
            con.execute(f"DROP TABLE IF EXISTS {t}")
            con.execute(DDL[t])
        set_meta(con, META_KEY, VERSION)


_RETIRED = ("buyer_sets_store", "buyer_sets_account")  # layouts of versions 2 and 3


def ensure_clickhouse(con: Database) -> None:
    """ClickHouse's tables of sets (cockpit.engine.clickhouse_buyers); a new version starts empty."""
    from cockpit.engine import clickhouse_buyers as chb
    from cockpit.store import meta, set_meta

    if con.kind != "clickhouse":
        return
    fresh = meta(con, CH_META_KEY) != CH_VERSION
    for t in (*TABLES, chb.DENSE) if fresh else ():
        con.execute(f"DROP TABLE IF EXISTS {t}")
    for stmt in chb.ddl(LAYOUTS, BUILT):
        con.execute(stmt)
    if fresh:
        set_meta(con, CH_META_KEY, CH_VERSION)


def invalidate(con: Database, days: list[dt.date]) -> None:
    """Drop the sets of the months these days fall in.  Call inside the write's transaction."""
    months = sorted({d.replace(day=1) for d in days})
    if not months or con.kind != "duckdb":
        return
    for t in TABLES:
        con.execute(f"DELETE FROM {t} WHERE month IN (SELECT unnest(CAST($m AS DATE[])))", {"m": months})


def missing_months(con: Database, lo: dt.date | None = None, hi: dt.date | None = None) -> list[dt.date]:
    """Months with orders (in [lo, hi) when given) whose sets are not built."""
    if con.kind != "duckdb":
        from cockpit.engine import clickhouse_buyers as chb

        return chb.stale_months(con, BUILT, lo, hi)  # kept current by stamps, not by the writes
    where, params = "", {}
    if lo is not None:
        where = " WHERE day >= $lo AND day < $hi"
        params = {"lo": lo, "hi": hi}
    rows = con.execute(
        f"SELECT DISTINCT CAST(date_trunc('month', day) AS DATE) AS m FROM orders_daily{where} "
        f"EXCEPT SELECT month FROM {BUILT} ORDER BY 1", params).fetchall()
    return [r[0] for r in rows]


def next_month(m: dt.date) -> dt.date | None:
    """The first day of the following month; None after the calendar's last (9999-12)."""
    return None if (m.year, m.month) == (9999, 12) else add_months(m.replace(day=1), 1)


def month_span(m: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The first and the last instant of month ``m``, both inclusive (safe for 9999-12)."""
    nxt = next_month(m)
    last = dt.datetime.max if nxt is None else dt.datetime.combine(nxt, dt.time()) - dt.timedelta(microseconds=1)
    return dt.datetime.combine(m.replace(day=1), dt.time()), last


# Months whose build failed, by (database, month) -> the data version it failed at: not
# tried again until the next write, so the upkeep thread logs a failure once, not every
# two seconds.  Such a month is simply counted from orders.
_FAILED: dict[tuple[str, dt.date], int] = {}


def build(con: Database, months: list[dt.date] | None = None) -> int:
    """Build the sets of every month with orders that has none (or of ``months``), one
    month per transaction so a reader or an import never waits long.  Returns the
    number of months built.

    Runs after imports have committed (the upkeep thread, ``cockpit import``): a month
    that cannot be built is logged and left to be counted from orders, never raised,
    so nothing here can turn a committed import into a reported failure."""
    from cockpit.store import data_version

    todo = missing_months(con) if months is None else months
    db = str(getattr(con, "url", "")) or ":memory:"
    version = data_version(con)
    built = 0
    for m in todo:
        if _FAILED.get((db, m)) == version:
            continue
        try:
            _build_month(con, m)
            built += 1
            _FAILED.pop((db, m), None)
        except Exception as e:  # noqa: BLE001 - logged; the month is counted from orders
            if _connection_closed(e):
                raise  # the connection is gone: nothing more can be built
            log.exception("buyer sets of %s not built; that month is counted from orders", m.strftime("%Y-%m"))
            _FAILED[(db, m)] = version
    if con.kind == "clickhouse" and months is None:
        _refresh_live_counts(con)
    return built


def _refresh_live_counts(con: Database) -> None:
    """ClickHouse keeps each session's live buyers beside the sets, by the same upkeep
    (cockpit.rollups.refresh_live_counts); a failure leaves them regrouped by readers."""
    from cockpit import rollups

    try:
        rollups.refresh_live_counts(con)
    except Exception as e:  # noqa: BLE001 - logged; readers count those sessions themselves
        if _connection_closed(e):
            raise
        log.exception("live buyers per session not kept; readers count them from the deltas")


def _connection_closed(e: Exception) -> bool:
    """The upkeep's work cannot go on (the server is stopping), as opposed to one failed step."""
    text = str(e).lower()
    return "connection" in text and "closed" in text


def _build_month(con: Database, m: dt.date) -> None:
    from cockpit.store import transaction

    lo, hi = month_span(m)
    if con.kind != "duckdb":  # its day by day rows are in the same tables (a day column)
        return _build_month_clickhouse(con, m, sorted({k for lay in LAYOUTS for k in lay.keys}), lo, hi)
    layouts = (*LAYOUTS, *DAY_LAYOUTS.values())
    keys = sorted({k for lay in layouts for k in lay.keys})
    with transaction(con):
        if con.execute(f"SELECT count(*) FROM {BUILT} WHERE month = ?", [m]).fetchall()[0][0]:
            return  # built meanwhile by another thread
        sel = ", ".join(f"{_KEY_SQL.get(k, 'o.' + k)} AS {k}" for k in keys)
        tbl = con.fetch_arrow(f"SELECT {sel}, {buyer_keys.CODE_SQL} AS code "
                              "FROM orders o WHERE o.paid_at >= $lo AND o.paid_at <= $hi", {"lo": lo, "hi": hi},
                              record=False)
        for lay in layouts:
            rows = parts([tbl.column(k) for k in lay.keys], tbl.column("code"), lay.kinds)
            if not rows:
                continue
            cols = {"month": pa.array([m] * len(rows), pa.date32())}
            cols.update({k: pa.array([g[i] for g, _ in rows], pa.date32() if k == DAY else pa.string())
                         for i, k in enumerate(lay.keys)})
            cols.update({k: pa.array([sets[i].serialize() for _, sets in rows], pa.binary())
                         for i, k in enumerate(lay.kinds)})
            con.insert(lay.table, pa.table(cols))
        con.execute(f"INSERT INTO {BUILT} VALUES (?, ?)", [m, uuid.uuid4().hex])


def _build_month_clickhouse(con: Database, m: dt.date, keys: list[str], lo: dt.datetime, hi: dt.datetime) -> None:
    """One month's sets on ClickHouse: the stamp first (what the sets will have seen at
    least), dense keys for its new buyers, the sets under a new token, then the month
    pointed at that token (cockpit.engine.clickhouse_buyers)."""
    from cockpit.engine import clickhouse_buyers as chb

    nxt = next_month(m)
    stamp = chb.stamps(con, m, nxt or dt.date.max).get(m)
    if stamp is None:
        return  # no orders that month (any more): nothing to build, nothing current to find
    chb.assign_keys(con, lo, hi)
    cols = [f"o.{k} AS g{i}" for i, k in enumerate(keys)] + [f"toDate(o.paid_at) AS g{len(keys)}"]
    tbl = con.fetch_arrow(chb.code_select(cols, "orders o", " WHERE o.paid_at >= $lo AND o.paid_at <= $hi"),
                          {"lo": lo, "hi": hi}, record=False)
    if tbl.column("code").null_count:
        raise RuntimeError(f"buyers without a dense key in {m:%Y-%m}")
    token = chb.new_token()
    day = tbl.column(f"g{len(keys)}")
    for lay in LAYOUTS:
        group_cols = [tbl.column(f"g{keys.index(k)}") for k in lay.keys]
        whole = parts(group_cols, tbl.column("code"), lay.kinds)  # the month, then day by day
        daily = parts([*group_cols, day], tbl.column("code"), lay.kinds)
        rows = [(None, g, sets) for g, sets in whole] + [(g[-1], g[:-1], sets) for g, sets in daily]
        if not rows:
            continue
        cols = {"month": pa.array([m] * len(rows), pa.date32()), "token": pa.array([token] * len(rows), pa.string()),
                "day": pa.array([d for d, _, _ in rows], pa.date32())}
        cols.update({k: pa.array([g[i] for _, g, _ in rows], pa.string()) for i, k in enumerate(lay.keys)})
        cols.update({k: pa.array([chb.encode(sets[i].serialize()) for _, _, sets in rows], pa.string())
                     for i, k in enumerate(lay.kinds)})
        con.insert(lay.table, pa.table(cols))
    chb.record_build(con, BUILT, LAYOUTS, m, token, stamp)


def parts(groups: list, codes, kinds: tuple[str, ...]) -> list[tuple[tuple, list[BitMap]]]:
    """[(group values, [set per kind])] of orders given as group columns (Arrow) and
    their codes (buyer_keys.CODE_SQL), one entry per group that has orders.

    One sort of (group, code) lays every buyer's orders of a group side by side: a run
    is a buyer, its length his orders, its last code odd when any order was a fan's."""
    ids = np.zeros(len(codes), np.int64)
    labels = []
    mult = 1
    for col in groups:  # a dense group id from the columns' dictionaries (null: one more id)
        enc = col.dictionary_encode().combine_chunks() if isinstance(col, pa.ChunkedArray) else col.dictionary_encode()
        size = len(enc.dictionary) + 1
        idx = enc.indices.fill_null(size - 1).to_numpy(zero_copy_only=False).astype(np.int64)
        ids += idx * mult
        labels.append((enc.dictionary.to_pylist() + [None], mult, size))
        mult *= size
    if isinstance(codes, (pa.Array, pa.ChunkedArray)):
        codes = codes.to_numpy()
    s = np.sort((ids << 32) | np.asarray(codes, np.int64))
    if not len(s):
        return []
    buyer = s >> 1
    last = np.empty(len(s), bool)  # last order of a buyer's run
    np.not_equal(buyer[1:], buyer[:-1], out=last[:-1])
    last[-1] = True
    ends = np.flatnonzero(last)
    n_orders = np.diff(ends, prepend=-1)
    end_codes = s[ends]
    gid = end_codes >> 32
    key = ((end_codes & 0xFFFFFFFF) >> 1).astype(np.uint32)
    masks = {"seen": None, "twice": n_orders >= 2, "fan": (end_codes & 1) == 1}
    bounds = np.flatnonzero(np.r_[True, gid[1:] != gid[:-1], True])
    out = []
    for a, b in zip(bounds[:-1], bounds[1:]):
        g = int(gid[a])
        values = tuple(names[(g // mul) % size] for names, mul, size in labels)
        sets = []
        for kind in kinds:
            keys = key[a:b] if masks[kind] is None else key[a:b][masks[kind][a:b]]
            sets.append(BitMap(array.array("I", keys.tobytes())))
        out.append((values, sets))
    return out


# ---------------------------------------------------------------------------
# Reading


def built_tokens(con, lo: dt.date, hi: dt.date) -> dict[dt.date, str]:
    """{month: token} of the built months in [lo, hi) (on ClickHouse: whose build is current)."""
    if con.kind != "duckdb":
        from cockpit.engine import clickhouse_buyers as chb

        return chb.current_tokens(con, BUILT, lo, hi)
    return dict(con.fetchall(f"SELECT month, token FROM {BUILT} WHERE month >= ? AND month < ?", [lo, hi], record=False))


# Decoded sets, keyed (layout table, month token, part key values, kind), weighed by
# their serialized bytes.  Reading a month's sets back from DuckDB costs ~2 ms per MB (a
# year of the whole group's sets is ~12 MB at 10M orders, ~140 MB at 100M); like
# DuckDB's own buffer pool for its blocks, the decoded sets stay in memory for the next
# question, within a budget ($COCKPIT_BUYER_SETS_MB, default 1024: at 100M orders the
# overview's year against last year alone reads ~250 MB of sets, and a smaller budget
# re-reads them at every question).
DECODED = LRU(int(float(os.environ.get("COCKPIT_BUYER_SETS_MB", "1024")) * 1024 * 1024))


@dataclass
class Sets:
    """The buyers of one result group over the whole period."""

    seen: BitMap
    twice: BitMap | None = None
    fan: BitMap | None = None


def combine(parts: list[list[BitMap]], kinds: tuple[str, ...]) -> Sets:
    """One group's sets from its parts (disjoint slices of its orders)."""
    k = {name: i for i, name in enumerate(kinds)}
    seen = BitMap.union(*(p[0] for p in parts)) if parts else BitMap()
    out = Sets(seen)
    if "twice" in k:
        twice = BitMap.union(*(p[k["twice"]] for p in parts)) if parts else BitMap()
        acc = BitMap()
        for p in parts:  # in two parts' seen: bought in both
            twice |= acc & p[0]
            acc |= p[0]
        out.twice = twice
    if "fan" in k:
        out.fan = BitMap.union(*(p[k["fan"]] for p in parts)) if parts else BitMap()
    return out


def covered_months(con, start: dt.date, end: dt.date) -> tuple[dt.date, dt.date] | None:
    """[first, last): the months all of whose orders fall in the period [start, end], so
    that their sets count exactly the period's buyers there; None when there are none.

    Whole calendar months, but also the month so far (this year, the last 30 days) or a
    month the data starts late in: what matters is where its orders are."""
    # The calendar's last month (9999-12) has no next month to bound it: it is never
    # covered (its buyers are counted from orders).
    first, last = start.replace(day=1), next_month(end) or end.replace(day=1)
    before, after = con.fetchall(
        "SELECT count(*) FILTER (WHERE day < $s), count(*) FILTER (WHERE day > $e) FROM orders_daily "
        "WHERE day >= $m0 AND day < $m1 AND (day < $s OR day > $e)",
        {"s": start, "e": end, "m0": first, "m1": last}, record=False)[0]
    if before:
        first = next_month(first) or last  # orders of the first month before the period starts
    if after:
        last = add_months(last, -1)  # orders of the last month after it ends
    return (first, last) if first < last else None


def layout_for(dims: set[str], kinds: set[str]) -> Layout | None:
    """The first layout whose parts can be filtered and split by ``dims`` and that keeps ``kinds``."""
    for lay in LAYOUTS:
        if dims <= set(lay.dims) and kinds <= set(lay.kinds):
            return lay
    return None


def _register() -> None:
    from cockpit import store

    store.register(store.Part("buyer_sets", ensure=ensure, meta_key=META_KEY, version=VERSION, order=30))
    # (no meta key: a DuckDB file never needs it; its version is in ClickHouse's schema fingerprint)
    store.register(store.Part("buyer_sets_clickhouse", ensure=ensure_clickhouse, version=CH_VERSION, order=31))


_register()
