"""Rollup of the orders fact, kept current with every write (aggregate awareness).

``orders_daily`` holds the additive order measures per (day, store, account, channel,
is_fan, live session): about 65x fewer rows than ``orders`` at the demo's 10M.  It
holds keys only; brand, store type, account type and agency are joined from their
dimension tables at query time, so editing a store or an account never stales it.

It is written in the same transaction as the orders it summarises
(:func:`cockpit.batches.write_batch` / ``undo_batch`` call :func:`refresh` for the
days a batch touched), so a reader never sees the two disagree.  The query builder
(:mod:`cockpit.query`) reads it instead of ``orders`` when every measure a query needs
from orders has a rollup form (``Measure.rollup``) and every dimension, filter and scope
it needs is carried here; distinct counts (buyers, repurchase) and product / category
splits keep scanning ``orders``.

``orders_product_daily`` holds the same sums per (day, store, product): product
leaderboards, category splits and market share read it (156k rows at 10M orders).
``orders_product_account_daily`` adds the selling account, for the same questions asked
of one account, agency or account type (about 1M rows at 10M orders, so the smaller one
is read whenever no account filter asks for this).

``orders_live`` holds what a session's list row needs and no daily rollup can hold: its
distinct live buyers (one row per live session), and when its orders were paid, first
and last: a period's live figures count a session's orders wherever they were paid,
and these bounds let that scan skip the rest of the year (metrics.py, live_orders).  A
year of sessions listed at once otherwise counts distinct buyers over millions of orders.  It answers only queries
split by session over all time, without a data scope (query.py checks).  Sums of DECIMAL money are exact, so both paths give
identical figures (tests/test_rollup.py).

On ClickHouse ClickHouse keeps the daily rollups itself: each is a SummingMergeTree of
per-batch deltas fed by materialized views as rows arrive and as rows are replaced,
read through a view of the committed batches' deltas (cockpit.engine.clickhouse_schema
.rollup_ddl), so nothing is refreshed by the writer and a batch's rollup rows become
visible with the statement that commits its rows.  ``orders_live`` there keeps live
orders per (session, buyer) the same way, a session's live buyers being those with
orders left, and keeps each session's count beside a fingerprint of what it counted
(see _CH_FRESH).  The query builder reads the same names on either engine.
"""

from __future__ import annotations

import datetime as dt

from cockpit import buyer_sets
from cockpit import metrics as reg
from cockpit.engine import CLICKHOUSE, Database

TABLE = "orders_daily"
PRODUCT_TABLE = "orders_product_daily"
ACCOUNT_PRODUCT_TABLE = "orders_product_account_daily"
LIVE_TABLE = "orders_live"
TABLES = (TABLE, PRODUCT_TABLE, ACCOUNT_PRODUCT_TABLE, LIVE_TABLE)  # on both engines
LIVE_PARTS_TABLE = "orders_live_parts"
DUCKDB_TABLES = (*TABLES, LIVE_PARTS_TABLE)  # in this order: the parts read orders_live
_PER_SESSION = (LIVE_TABLE, LIVE_PARTS_TABLE)  # DuckDB's rollups kept by session, not by day
# Bump when a table's shape or contents change: init_schema rebuilds them.
VERSION = "6"  # 5: orders_live.first_paid / last_paid; 6: orders_live_parts
# Versions whose tables are this one's but for some added since: an upgrade builds those alone
# (a 100M-order group waits for one table, not for every rollup).
_ADDED_SINCE = {"5": (LIVE_PARTS_TABLE,)}
META_KEY = "orders_daily_version"
# ClickHouse's rollups have a layout of their own (materialized views), versioned apart.
CLICKHOUSE_META_KEY = "rollups_clickhouse_version"
CLICKHOUSE_VERSION = "5"  # 2: orders_live as per-(session, buyer) deltas; 3: orders_live_paid;
# 4: orders_live kept per session, checked against a fingerprint of its buyers;
# 5: _deltas (a batch's rollup rows survive merges where its deltas cancel out)

# The daily rollups: each sums orders per day and the keys the registry declares for it
# (metrics.SOURCES[t].keys), one column per measure it holds (metrics.DAILY_SUMS),
# computed by that measure's own SQL: a rule such as the 48-hour shipping test is
# written once, in metrics.py.
_KEY_TYPES = {"store_id": "VARCHAR", "account_id": "VARCHAR", "channel": "VARCHAR", "is_fan": "BOOLEAN",
              "live_id": "VARCHAR", "product_id": "VARCHAR"}
DAILY_KEYS = {t: reg.SOURCES[t].keys for t in (TABLE, PRODUCT_TABLE, ACCOUNT_PRODUCT_TABLE)}


def _sums(dialect=None) -> list[tuple[str, str, str]]:
    """(column, aggregate over orders o, type) of every measure a daily rollup holds."""
    return [(col, reg.MEASURES[mid].sql_for(dialect), "BIGINT" if reg.MEASURES[mid].kind == "count" else "DECIMAL(38, 2)")
            for col, mid in reg.DAILY_SUMS.items()]


_SUM_COLS = tuple(f"{col} {t} NOT NULL" for col, _, t in _sums())
_SUMS = ", ".join(sql for _, sql, _ in _sums()) + " "
_LIVE_BUYERS = reg.MEASURES["live_buyers"]  # what orders_live holds per session
# what a part of a session is: its orders through one of these (metrics: orders_live_parts)
PART_KEYS = reg.SOURCES[LIVE_PARTS_TABLE].keys[1:]

DDL = {
    **{t: f"CREATE TABLE IF NOT EXISTS {t} (\n    "
          + ",\n    ".join(["day DATE NOT NULL", *(f"{k} {_KEY_TYPES[k]}" for k in keys), *_SUM_COLS]) + "\n)"
       for t, keys in DAILY_KEYS.items()},
    LIVE_TABLE: f"CREATE TABLE IF NOT EXISTS {LIVE_TABLE} (live_id VARCHAR NOT NULL, live_buyers BIGINT NOT NULL, "
                "first_paid TIMESTAMP, last_paid TIMESTAMP)",
    LIVE_PARTS_TABLE: f"CREATE TABLE IF NOT EXISTS {LIVE_PARTS_TABLE} (live_id VARCHAR NOT NULL, "
                      + ", ".join(f"{k} {_KEY_TYPES[k]}" for k in PART_KEYS)
                      + ", part_live_buyers BIGINT NOT NULL, live_buyers BIGINT NOT NULL, parts BIGINT NOT NULL)",
}

# Each rollup's rows for the orders matching `where` (SQL over orders o).
_SELECT = {
    **{t: "SELECT CAST(o.paid_at AS DATE) AS day, " + ", ".join(f"o.{k}" for k in keys) + ", "
          + _SUMS + "FROM orders o WHERE {where} GROUP BY ALL ORDER BY day"
       for t, keys in DAILY_KEYS.items()},
    LIVE_TABLE: (
        f"SELECT o.live_id, {_LIVE_BUYERS.sql}, MIN(o.paid_at), "
        "MAX(o.paid_at) FROM orders o WHERE o.live_id IS NOT NULL AND {where} GROUP BY o.live_id"
    ),
    # each part's live buyers; the session's from orders_live (written first, from the same orders)
    LIVE_PARTS_TABLE: (
        "SELECT p.*, l.live_buyers, COUNT(*) OVER (PARTITION BY p.live_id) FROM (SELECT o.live_id, "
        + ", ".join(f"o.{k}" for k in PART_KEYS) + f", {_LIVE_BUYERS.sql} AS part_live_buyers FROM orders o "
        "WHERE o.live_id IS NOT NULL AND {where} GROUP BY ALL) p JOIN " + LIVE_TABLE + " l ON l.live_id = p.live_id"
    ),
}


def ensure(con: Database) -> None:
    """Create the rollups and fill them from orders when missing or out of date."""
    from cockpit.store import meta, set_meta, transaction  # store imports this module

    if con.kind == "clickhouse":
        return _ensure_clickhouse(con, meta, set_meta)
    have = meta(con, META_KEY)
    if have == VERSION:
        for t in DUCKDB_TABLES:
            con.execute(DDL[t])  # a no-op unless someone dropped it
        con.execute(_LIVE_PAID_DUCKDB)
        return

    build = _ADDED_SINCE.get(have, DUCKDB_TABLES)
    with transaction(con):
        for t in build:
            con.execute(f"DROP TABLE IF EXISTS {t}")
            con.execute(DDL[t])
            for where in _PIECES.get(t, ("TRUE",)):
                con.execute(f"INSERT INTO {t} " + _SELECT[t].format(where=where))
        con.execute(_LIVE_PAID_DUCKDB)
        set_meta(con, META_KEY, VERSION)


# A whole build of the per-session rollups counts distinct buyers per session over every
# live order: at 100M orders (~62M live) one statement held 6.8 GB.  Built in pieces of
# whole sessions (every session's orders fall in one piece), the state is a piece's.
_LIVE_PIECES = tuple(f"hash(o.live_id) % 8 = {i}" for i in range(8))
_PIECES = dict.fromkeys(_PER_SESSION, _LIVE_PIECES)


# each session's first and last payment, the relation metrics._session_paid_bounds reads
_LIVE_PAID_DUCKDB = f"CREATE VIEW IF NOT EXISTS orders_live_paid AS SELECT live_id, first_paid, last_paid FROM {LIVE_TABLE}"


# On ClickHouse: the daily rollups are tables ClickHouse keeps current itself as rows
# arrive (cockpit.engine.clickhouse_schema.rollup_ddl); a session's distinct live
# buyers are counted from orders (no per-session table to keep exact under undo).
_CH_SUMS = _sums(CLICKHOUSE)


# orders_live on ClickHouse: live orders per (session, buyer) as deltas, like the daily
# rollups (a count adds up, a distinct count does not); a session's live buyers are the
# buyers with orders left.  A filter on live_id reaches the table's sort key.
_CH_LIVE_KEYS = [("live_id", "o.live_id", "VARCHAR"), ("buyer_key", "o.buyer_key", "BIGINT")]
_CH_LIVE_SUMS = [("orders", "COUNT(*)", "BIGINT")]
_CH_LIVE_WHERE = f"{_LIVE_BUYERS.where} AND o.live_id IS NOT NULL"

# Regrouping those deltas per (session, buyer) costs most of a year's session list
# (0.7 s of 1 s at 10M orders), so each session's count is also *kept*, beside a
# fingerprint of what it counted: the session's live orders and two sums of orders x
# a hash of the buyer, i.e. of the vector {buyer: orders left}, the only thing the count
# depends on.  Those sums add up, so ClickHouse keeps the current fingerprint itself, per
# (session, batch), as rows arrive and are replaced or undone (_orders_live_fp, a rollup
# like the others: exact under merges, visible with its batch).  A reader takes the kept
# count of a session whose fingerprint is the current one and regroups the deltas of the
# others only; the kept counts are refreshed after writes (refresh_live_counts, with the
# buyer sets' upkeep).  A kept row's count and fingerprint come from one statement over
# the same rows, so a write racing a refresh can only make a session look stale.  Two
# different vectors with the same fingerprint: odds of 2^-128 (wrapping Int64 sums).
LIVE_FP = "_orders_live_fp"  # "_": derived, never copied (cockpit.copy)
LIVE_KEPT = "_orders_live_kept"
_FP_HASH = "toInt64(intHash64(coalesce({k}, 0)))"
_CH_FP_SUMS = [("orders", "COUNT(*)", "BIGINT"), ("fp1", "SUM(coalesce(o.buyer_key, 0))", "BIGINT"),
               ("fp2", f"SUM({_FP_HASH.format(k='o.buyer_key')})", "BIGINT")]
_CH_FP_VIEW = ("SELECT live_id, sum(orders) AS orders, sum(fp1) AS fp1, sum(fp2) AS fp2 FROM {deltas} d "
               "GROUP BY live_id")
# one row per session and fingerprint counted (a session back to a state it was in finds
# its count again; the latest build of a state replaces the older ones)
_CH_KEPT_DDL = (f'CREATE TABLE IF NOT EXISTS "{LIVE_KEPT}" (live_id String, live_buyers Int64, orders Int64, '
                "fp1 Int64, fp2 Int64, built_at DateTime64(6, 'UTC')) ENGINE = ReplacingMergeTree(built_at) "
                "ORDER BY (live_id, orders, fp1, fp2)")
# the sessions whose current fingerprint has a kept count, with it (every kept row of one
# fingerprint holds the same count); the others are stale.  Both are set lookups
# against the other table's few rows per session, cheap for a week's sessions or a year's.
_CH_FRESH = (f'SELECT live_id, any(live_buyers) AS live_buyers FROM "{LIVE_KEPT}" WHERE (live_id, orders, fp1, fp2) '
             f'IN (SELECT live_id, orders, fp1, fp2 FROM "{LIVE_FP}") GROUP BY live_id')
_CH_STALE = (f'SELECT live_id FROM "{LIVE_FP}" WHERE (live_id, orders, fp1, fp2) NOT IN '
             f'(SELECT live_id, orders, fp1, fp2 FROM "{LIVE_KEPT}")')
# per session over the deltas d: live buyers, and the fingerprint of what was counted
_CH_REGROUP = ("SELECT live_id, toInt64(countIf(n != 0)) AS live_buyers, sum(n) AS orders, "
               f"sum(n * coalesce(buyer_key, 0)) AS fp1, sum(n * {_FP_HASH.format(k='buyer_key')}) AS fp2 "
               "FROM (SELECT d.live_id AS live_id, d.buyer_key AS buyer_key, sum(d.orders) AS n FROM {deltas} d "
               "WHERE d.live_id IN ({ids}) GROUP BY d.live_id, d.buyer_key) GROUP BY live_id")
_CH_LIVE_VIEW = (f"SELECT live_id, live_buyers FROM ({_CH_FRESH}) UNION ALL SELECT live_id, live_buyers FROM ("
                 + _CH_REGROUP.replace("{ids}", _CH_STALE) + ")")
# When each session's orders were paid, first and last (metrics._session_paid_bounds
# reads them, on both engines, from orders_live_paid): on ClickHouse kept by ClickHouse
# as every row arrives (min and max over every row ever written: bounds that contain the
# visible rows' payments, which is all a scan's bound needs).
_CH_LIVE_PAID = [
    'CREATE TABLE IF NOT EXISTS "orders_live_paid__rows" (live_id String, '
    "first_paid SimpleAggregateFunction(min, DateTime64(6, 'UTC')), "
    "last_paid SimpleAggregateFunction(max, DateTime64(6, 'UTC'))) ENGINE = AggregatingMergeTree ORDER BY live_id",
    'CREATE MATERIALIZED VIEW IF NOT EXISTS "orders_live_paid__add" TO "orders_live_paid__rows" AS '
    "SELECT assumeNotNull(o.live_id) AS live_id, min(o.paid_at) AS first_paid, max(o.paid_at) AS last_paid "
    "FROM orders__rows o WHERE o.live_id IS NOT NULL GROUP BY o.live_id",
    'CREATE VIEW IF NOT EXISTS "orders_live_paid" AS SELECT live_id, min(first_paid) AS first_paid, '
    'max(last_paid) AS last_paid FROM "orders_live_paid__rows" GROUP BY live_id',
]
LIVE_PAID_VIEW = "orders_live_paid"
VIEWS = (LIVE_PAID_VIEW,)  # derived relations readers use beside TABLES


def clickhouse_parts(t: str) -> tuple[list, list]:
    """(keys, sums) of daily rollup ``t`` for cockpit.engine.clickhouse_schema."""
    keys = [("day", "CAST(o.paid_at AS DATE)", "DATE")] + [(k, f"o.{k}", _KEY_TYPES[k]) for k in DAILY_KEYS[t]]
    return keys, _CH_SUMS


def _ensure_clickhouse(con: Database, meta, set_meta) -> None:
    from cockpit.engine import clickhouse_schema as chs

    have = con.tables()
    made = (*TABLES, LIVE_PAID_VIEW, LIVE_FP, LIVE_KEPT)
    if meta(con, CLICKHOUSE_META_KEY) == CLICKHOUSE_VERSION and all(t in have for t in made):
        return
    for t in (*TABLES, LIVE_PAID_VIEW, LIVE_FP):  # an older layout (plain views over orders) or a half-made one
        for kind, obj in chs.rollup_objects(t):
            if obj in have:
                con.execute(f'DROP {kind} IF EXISTS "{obj}"')
    con.execute(f'DROP TABLE IF EXISTS "{LIVE_KEPT}"')
    for t in DAILY_KEYS:
        keys, sums = clickhouse_parts(t)
        for stmt in chs.rollup_ddl(t, keys, sums):
            con.execute(stmt)
        # what is there already (a copied or upgraded database), tagged with each row's batch
        con.execute(f'INSERT INTO "{t}__rows" ' + chs.rollup_select(keys, sums, "orders"))
    fp_keys = _CH_LIVE_KEYS[:1]
    for stmt in chs.rollup_ddl(LIVE_FP, fp_keys, _CH_FP_SUMS, _CH_LIVE_WHERE, _CH_FP_VIEW):
        con.execute(stmt)
    con.execute(f'INSERT INTO "{LIVE_FP}__rows" '
                + chs.rollup_select(fp_keys, _CH_FP_SUMS, "orders", where=_CH_LIVE_WHERE))
    con.execute(_CH_KEPT_DDL)
    for stmt in chs.rollup_ddl(LIVE_TABLE, _CH_LIVE_KEYS, _CH_LIVE_SUMS, _CH_LIVE_WHERE, _CH_LIVE_VIEW):
        con.execute(stmt)
    con.execute(f'INSERT INTO "{LIVE_TABLE}__rows" '
                + chs.rollup_select(_CH_LIVE_KEYS, _CH_LIVE_SUMS, "orders", where=_CH_LIVE_WHERE))
    for stmt in _CH_LIVE_PAID:
        con.execute(stmt)
    con.execute('INSERT INTO "orders_live_paid__rows" ' + _CH_LIVE_PAID[1].split(" AS ", 1)[1]
                .replace("FROM orders__rows o", "FROM orders o"))
    refresh_live_counts(con)
    set_meta(con, CLICKHOUSE_META_KEY, CLICKHOUSE_VERSION)


KEEP_CHUNK = 5000  # sessions counted per statement when refreshing kept counts


def refresh_live_counts(con: Database) -> int:
    """Count again and keep the live buyers of every session whose kept count is not
    current (ClickHouse; see _CH_FRESH); returns how many sessions.  Run after writes
    (buyer_sets.build: the upkeep thread, ``cockpit import``, ``cockpit copy``); until
    then a reader regroups those sessions' deltas itself, so figures never wait for it."""
    if con.kind != "clickhouse":
        return 0
    from cockpit.engine import clickhouse_schema as chs

    stale = [r[0] for r in con.fetchall(_CH_STALE, record=False)]
    deltas = (f'(SELECT "live_id", "buyer_key", "orders" FROM "{LIVE_TABLE}__rows" '
              f'WHERE "_batch_id" IN ({chs.ROLLUP_VISIBLE}))')
    for i in range(0, len(stale), KEEP_CHUNK):
        # a session with no deltas left is kept as 0 buyers of no orders
        con.execute(
            f'INSERT INTO "{LIVE_KEPT}" SELECT i.live_id, coalesce(r.live_buyers, 0), coalesce(r.orders, 0), '
            "coalesce(r.fp1, 0), coalesce(r.fp2, 0), now64(6, 'UTC') FROM "
            "(SELECT arrayJoin(CAST($ids AS Array(String))) AS live_id) i LEFT JOIN ("
            + _CH_REGROUP.format(deltas=deltas, ids="SELECT arrayJoin(CAST($ids AS Array(String)))")
            + ") r ON r.live_id = i.live_id", {"ids": stale[i:i + KEEP_CHUNK]})
    return len(stale)


def refresh(con: Database, touched_sql: str, params: list | None = None) -> None:
    """Recompute every rollup row the orders of ``touched_sql`` feed (columns paid_at,
    live_id: the rows a write added and the rows it removed).  Call inside the write's
    transaction, after the write.  (Nothing to do on ClickHouse: the rollups are views.)"""
    if con.kind != "duckdb":
        return
    rows = con.execute(
        f"SELECT list(DISTINCT CAST(paid_at AS DATE)) FILTER (WHERE paid_at IS NOT NULL), "
        f"list(DISTINCT live_id) FILTER (WHERE live_id IS NOT NULL) FROM ({touched_sql}) x",
        params or []).fetchall()
    days, lives = rows[0]
    _refresh_days(con, sorted(days or []))
    _refresh_lives(con, lives or [])
    buyer_sets.invalidate(con, days or [])  # rebuilt after the write (buyer_sets.build)


def _refresh_days(con: Database, days: list[dt.date]) -> None:
    if not days:
        return
    con.execute("CREATE OR REPLACE TEMP TABLE _rollup_days AS SELECT unnest(CAST($d AS DATE[])) AS day", {"d": days})
    # Both ends inclusive, so the calendar's last day (9999-12-31) needs no "next day".
    lo = dt.datetime.combine(days[0], dt.time())
    hi = dt.datetime.combine(days[-1], dt.time.max)
    where = "o.paid_at >= $lo AND o.paid_at <= $hi"
    if len(days) < (days[-1] - days[0]).days + 1:  # gaps: only the touched days (a whole range needs no lookup)
        where += " AND CAST(o.paid_at AS DATE) IN (SELECT day FROM _rollup_days)"
    for t in DAILY_KEYS:  # recomputed by the days a write touches
        con.execute(f"DELETE FROM {t} WHERE day IN (SELECT day FROM _rollup_days)")
        con.execute(f"INSERT INTO {t} " + _SELECT[t].format(where=where), {"lo": lo, "hi": hi})
    con.execute("DROP TABLE _rollup_days")


def _refresh_lives(con: Database, lives: list[str]) -> None:
    if not lives:
        return
    con.execute("CREATE OR REPLACE TEMP TABLE _rollup_lives AS SELECT unnest(CAST($l AS VARCHAR[])) AS live_id",
                {"l": lives})
    for t in _PER_SESSION:
        con.execute(f"DELETE FROM {t} WHERE live_id IN (SELECT live_id FROM _rollup_lives)")
        con.execute(f"INSERT INTO {t} " + _SELECT[t].format(where="o.live_id IN (SELECT live_id FROM _rollup_lives)"))
    con.execute("DROP TABLE _rollup_lives")


def refresh_window(con: Database, lo: dt.datetime, hi: dt.datetime) -> None:
    """Recompute every rollup row of the orders paid in [lo, hi] (DuckDB), for a writer
    whose sessions lie whole inside the window (the demo, written in time windows): a
    session's row is then read from the window's orders alone, never from a scan of all
    orders, and a day the window shares with the next is simply recomputed again."""
    days = [lo.date() + dt.timedelta(days=i) for i in range((hi.date() - lo.date()).days + 1)]
    _refresh_days(con, days)
    span = "o.paid_at >= $lo AND o.paid_at <= $hi"
    for t in _PER_SESSION:
        con.execute(f"DELETE FROM {t} WHERE live_id IN (SELECT DISTINCT o.live_id FROM orders o WHERE {span})",
                    {"lo": lo, "hi": hi})
        con.execute(f"INSERT INTO {t} " + _SELECT[t].format(where=span), {"lo": lo, "hi": hi})
    buyer_sets.invalidate(con, days)


def _register() -> None:
    from cockpit import store

    store.register(store.Part("rollups", ensure=ensure, meta_key=META_KEY, version=VERSION, order=20))
    # ClickHouse's layout version, in the fingerprint that makes an open run ensure() there
    store.register(store.Part("rollups_clickhouse", version=CLICKHOUSE_VERSION, order=21))


_register()
