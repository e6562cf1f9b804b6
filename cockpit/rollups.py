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
visible with the statement that commits its rows.  ``orders_live`` is DuckDB's: on
ClickHouse a session's distinct live buyers are counted from orders.  The query builder
reads the same names on either engine.
"""

from __future__ import annotations

import datetime as dt

from cockpit import buyer_sets
from cockpit.engine import Database

TABLE = "orders_daily"
PRODUCT_TABLE = "orders_product_daily"
ACCOUNT_PRODUCT_TABLE = "orders_product_account_daily"
LIVE_TABLE = "orders_live"
TABLES = (TABLE, PRODUCT_TABLE, ACCOUNT_PRODUCT_TABLE, LIVE_TABLE)
# Bump when a table's shape or contents change: init_schema rebuilds them.
VERSION = "5"  # 5: orders_live.first_paid / last_paid
META_KEY = "orders_daily_version"
# ClickHouse's rollups have a layout of their own (materialized views), versioned apart.
CLICKHOUSE_META_KEY = "rollups_clickhouse_version"
CLICKHOUSE_VERSION = "2"  # 2: orders_live.first_paid / last_paid

# The daily rollups: each sums orders per day and these keys (in this column order).
_KEY_TYPES = {"store_id": "VARCHAR", "account_id": "VARCHAR", "channel": "VARCHAR", "is_fan": "BOOLEAN",
              "live_id": "VARCHAR", "product_id": "VARCHAR"}
DAILY_KEYS = {
    TABLE: ("store_id", "account_id", "channel", "is_fan", "live_id"),
    PRODUCT_TABLE: ("store_id", "product_id"),
    ACCOUNT_PRODUCT_TABLE: ("store_id", "account_id", "product_id"),
}
_SUM_COLS = ("gmv DECIMAL(38, 2) NOT NULL", "refund_amount DECIMAL(38, 2) NOT NULL", "orders BIGINT NOT NULL",
             "shipped_48h BIGINT NOT NULL")
_SUMS = (
    "COALESCE(SUM(o.paid_amount), 0), COALESCE(SUM(o.refund_amount), 0), COUNT(*), "
    "COUNT(*) FILTER (WHERE o.shipped_at IS NOT NULL AND o.shipped_at <= o.paid_at + INTERVAL 48 HOUR) "
)

DDL = {
    **{t: f"CREATE TABLE IF NOT EXISTS {t} (\n    "
          + ",\n    ".join(["day DATE NOT NULL", *(f"{k} {_KEY_TYPES[k]}" for k in keys), *_SUM_COLS]) + "\n)"
       for t, keys in DAILY_KEYS.items()},
    LIVE_TABLE: f"CREATE TABLE IF NOT EXISTS {LIVE_TABLE} (live_id VARCHAR NOT NULL, live_buyers BIGINT NOT NULL, "
                "first_paid TIMESTAMP, last_paid TIMESTAMP)",
}

# Each rollup's rows for the orders matching `where` (SQL over orders o).
_SELECT = {
    **{t: "SELECT CAST(o.paid_at AS DATE) AS day, " + ", ".join(f"o.{k}" for k in keys) + ", "
          + _SUMS + "FROM orders o WHERE {where} GROUP BY ALL ORDER BY day"
       for t, keys in DAILY_KEYS.items()},
    LIVE_TABLE: (
        "SELECT o.live_id, COUNT(DISTINCT o.buyer_key) FILTER (WHERE o.channel = 'live'), MIN(o.paid_at), "
        "MAX(o.paid_at) FROM orders o WHERE o.live_id IS NOT NULL AND {where} GROUP BY o.live_id"
    ),
}


def ensure(con: Database) -> None:
    """Create the rollups and fill them from orders when missing or out of date."""
    from cockpit.store import meta, set_meta, transaction  # store imports this module

    if con.kind == "clickhouse":
        return _ensure_clickhouse(con, meta, set_meta)
    if meta(con, META_KEY) == VERSION:
        for t in TABLES:
            con.execute(DDL[t])  # a no-op unless someone dropped it
        return

    with transaction(con):
        for t in TABLES:
            con.execute(f"DROP TABLE IF EXISTS {t}")
            con.execute(DDL[t])
            con.execute(f"INSERT INTO {t} " + _SELECT[t].format(where="TRUE"))
        set_meta(con, META_KEY, VERSION)


# On ClickHouse: the daily rollups are tables ClickHouse keeps current itself as rows
# arrive (cockpit.engine.clickhouse_schema.rollup_ddl); a session's distinct live
# buyers are counted from orders (no per-session table to keep exact under undo).
_CH_SUMS = [("gmv", "COALESCE(SUM(o.paid_amount), 0)", "DECIMAL(38, 2)"),
            ("refund_amount", "COALESCE(SUM(o.refund_amount), 0)", "DECIMAL(38, 2)"),
            ("orders", "COUNT(*)", "BIGINT"),
            ("shipped_48h", "countIf(o.shipped_at IS NOT NULL AND o.shipped_at <= o.paid_at + INTERVAL 48 HOUR)",
             "BIGINT")]


# orders_live on ClickHouse: a view (a filter on live_id reaches the orders' scan).
# first_paid / last_paid bound a session's payments, so a scan of its orders still
# skips by paid_at (metrics._session_paid_bounds).
_CH_LIVE = ("SELECT o.live_id AS live_id, uniqExactIf(o.buyer_key, o.channel = 'live') AS live_buyers, "
            "MIN(o.paid_at) AS first_paid, MAX(o.paid_at) AS last_paid "
            "FROM orders o WHERE o.live_id IS NOT NULL GROUP BY o.live_id")


def clickhouse_parts(t: str) -> tuple[list, list]:
    """(keys, sums) of daily rollup ``t`` for cockpit.engine.clickhouse_schema."""
    keys = [("day", "CAST(o.paid_at AS DATE)", "DATE")] + [(k, f"o.{k}", _KEY_TYPES[k]) for k in DAILY_KEYS[t]]
    return keys, _CH_SUMS


def _ensure_clickhouse(con: Database, meta, set_meta) -> None:
    from cockpit.engine import clickhouse_schema as chs

    have = con.tables()
    if meta(con, CLICKHOUSE_META_KEY) == CLICKHOUSE_VERSION and all(t in have for t in TABLES):
        return
    for t in TABLES:  # an older layout (plain views over orders) or a half-made one
        for kind, obj in chs.rollup_objects(t):
            if obj in have:
                con.execute(f'DROP {kind} IF EXISTS "{obj}"')
    for t in DAILY_KEYS:
        keys, sums = clickhouse_parts(t)
        for stmt in chs.rollup_ddl(t, keys, sums):
            con.execute(stmt)
        # what is there already (a copied or upgraded database), tagged with each row's batch
        con.execute(f'INSERT INTO "{t}__rows" ' + chs.rollup_select(keys, sums, "orders"))
    con.execute(f"CREATE VIEW IF NOT EXISTS {LIVE_TABLE} AS " + _CH_LIVE)
    set_meta(con, CLICKHOUSE_META_KEY, CLICKHOUSE_VERSION)


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
    con.execute(f"DELETE FROM {LIVE_TABLE} WHERE live_id IN (SELECT live_id FROM _rollup_lives)")
    con.execute(f"INSERT INTO {LIVE_TABLE} "
                + _SELECT[LIVE_TABLE].format(where="o.live_id IN (SELECT live_id FROM _rollup_lives)"))
    con.execute("DROP TABLE _rollup_lives")


def refresh_window(con: Database, lo: dt.datetime, hi: dt.datetime) -> None:
    """Recompute every rollup row of the orders paid in [lo, hi] (DuckDB), for a writer
    whose sessions lie whole inside the window (the demo, written in time windows): a
    session's row is then read from the window's orders alone, never from a scan of all
    orders, and a day the window shares with the next is simply recomputed again."""
    days = [lo.date() + dt.timedelta(days=i) for i in range((hi.date() - lo.date()).days + 1)]
    _refresh_days(con, days)
    span = "o.paid_at >= $lo AND o.paid_at <= $hi"
    con.execute(f"DELETE FROM {LIVE_TABLE} WHERE live_id IN (SELECT DISTINCT o.live_id FROM orders o WHERE {span})",
                {"lo": lo, "hi": hi})
    con.execute(f"INSERT INTO {LIVE_TABLE} " + _SELECT[LIVE_TABLE].format(where=span), {"lo": lo, "hi": hi})
    buyer_sets.invalidate(con, days)


def _register() -> None:
    from cockpit import store

    store.register(store.Part("rollups", ensure=ensure, meta_key=META_KEY, version=VERSION, order=20))


_register()
