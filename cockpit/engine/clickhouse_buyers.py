"""The monthly buyer sets (cockpit.buyer_sets) as ClickHouse keeps them.

ClickHouse's buyer key is a 64-bit hash of the buyer id (no dictionary to coordinate
between writers), and a Roaring bitmap of random 64-bit keys is useless: a year's
buyers as ``groupBitmap(buyer_key)`` takes 20 s, ``uniqExact`` 0.3-0.4 s per question.
The sets need small dense keys, so the builder keeps its own dictionary here,
``buyer_dense`` (hash -> 1, 2, 3...), handed out month by month as sets are built; the
sets themselves are the same Roaring bitmaps as on DuckDB (serialized, base64 in a
String column: the Arrow door reads strings), combined in Python by the same code.
Each build also keeps the month's sets day by day (rows with ``day`` set): the days of
a period outside its whole months (the month so far, which today's orders keep from
being whole; last year's month to date) are read from those instead of from orders.

Kept exact without hooking the writes: each built month records a *stamp* of the
batches whose rows it saw (the visible batches with deltas in that month's daily
rollup: any write to a month's orders - an import, a replaced row, an undo - adds
deltas under a new batch id, so the stamp changes with the data).  A reader uses a
month only while its stamp is the current one; a stale month is read from orders
until ``buyer_sets.build`` (the upkeep thread, ``cockpit import``, ``cockpit copy``)
rebuilds it.  The stamp is read before the orders, so a commit racing a build can
only make the month look stale, never a stale set look current.  A rebuild writes its
rows under a new token and then points the month at it; superseded tokens are
deleted a few minutes later (a reader in between still finds its rows).

What differs from DuckDB: two processes handing out dense keys at the same moment
(``clickhouse://`` with several writers) could give two buyers one key; the builder
checks the dictionary after every hand-out and refuses to build (the months are then
counted from orders, logged) rather than count wrong.
"""

from __future__ import annotations

import base64
import datetime as dt
import uuid

from cockpit.engine.clickhouse_schema import MUTABLE, ROLLUP_VISIBLE

DENSE = "buyer_dense"
KEEP_SUPERSEDED = dt.timedelta(minutes=5)  # a superseded token's rows stay this long for readers


def ddl(layouts, built: str) -> list[str]:
    """The dictionary, the layouts' tables (a token column: which build a row belongs
    to) and the built months (token and stamp)."""
    out = [f"CREATE TABLE IF NOT EXISTS {DENSE} (buyer_key Int64, dense UInt32) ENGINE = MergeTree "
           "ORDER BY buyer_key"]
    for lay in layouts:
        cols = ["month Date", "token String", "day Nullable(Date)", *(f"{k} Nullable(String)" for k in lay.keys),
                *(f"{k} String" for k in lay.kinds)]
        out.append(f"CREATE TABLE IF NOT EXISTS {lay.table} ({', '.join(cols)}) ENGINE = MergeTree "
                   f"ORDER BY (month, token) {MUTABLE}")
    out.append(f"CREATE TABLE IF NOT EXISTS {built} (month Date, token String, stamp String, "
               f"built_at DateTime64(6, 'UTC')) ENGINE = MergeTree ORDER BY (month, built_at) {MUTABLE}")
    return out


def _stamps_sql(where: str) -> str:
    return ("SELECT toStartOfMonth(day) AS month, "
            "concat(toString(uniqExact(_batch_id)), ':', toString(max(_batch_id))) AS stamp "
            f"FROM orders_daily__rows WHERE _batch_id IN ({ROLLUP_VISIBLE}){where} GROUP BY month")


def stamps(con, lo: dt.date | None = None, hi: dt.date | None = None) -> dict[dt.date, str]:
    """{month: stamp} of the months with orders (in [lo, hi) when given)."""
    where, params = "", {}
    if lo is not None:
        where, params = " AND day >= $lo AND day < $hi", {"lo": lo, "hi": hi}
    return dict(con.fetchall(_stamps_sql(where), params, record=False))


def current_tokens(con, built: str, lo: dt.date, hi: dt.date) -> dict[dt.date, str]:
    """{month: token} of the months starting in [lo, hi) whose latest build is current
    (the stamp of each whole month, wherever ``hi`` falls in it)."""
    return month_tokens(con, built, lo, hi)[0]


def month_tokens(con, built: str, lo: dt.date, hi: dt.date) -> tuple[dict[dt.date, str], bool]:
    """({month: token} of the current months starting in [lo, hi), whether a month with
    orders there has no current build), in one statement."""
    sql = (f"SELECT s.month, b.token, b.stamp = s.stamp FROM ({_stamps_sql(' AND toStartOfMonth(day) >= $lo AND toStartOfMonth(day) < $hi')}) s "
           f"LEFT JOIN (SELECT month, argMax(token, built_at) AS token, argMax(stamp, built_at) AS stamp "
           f"FROM {built} WHERE month >= $lo AND month < $hi GROUP BY month) b ON b.month = s.month")
    rows = con.fetchall(sql, {"lo": lo, "hi": hi}, record=False)
    return {m: t for m, t, ok in rows if ok}, any(not ok for _, _, ok in rows)


def stale_months(con, built: str, lo: dt.date | None = None, hi: dt.date | None = None) -> list[dt.date]:
    """Months with orders (in [lo, hi) when given) without a current build."""
    have = stamps(con, lo, hi)
    if not have:
        return []
    first, last = min(have), max(have)
    ok = current_tokens(con, built, first, last + dt.timedelta(days=1))
    return sorted(m for m in have if m not in ok)


def assign_keys(con, lo: dt.datetime, hi: dt.datetime) -> None:
    """Dense keys for the buyers of orders paid in [lo, hi] that have none yet; refuses
    (raises) when the dictionary gives one key to two buyers or two keys to one."""
    con.execute(
        f"INSERT INTO {DENSE} SELECT k, toUInt32((SELECT coalesce(max(dense), 0) FROM {DENSE}) "
        "+ row_number() OVER (ORDER BY k)) FROM (SELECT DISTINCT buyer_key AS k FROM orders "
        f"WHERE paid_at >= $lo AND paid_at <= $hi AND buyer_key NOT IN (SELECT buyer_key FROM {DENSE}))",
        {"lo": lo, "hi": hi})
    bad = con.fetchall(
        f"SELECT (SELECT count() FROM (SELECT dense FROM {DENSE} GROUP BY dense HAVING count() > 1)), "
        f"(SELECT count() FROM (SELECT buyer_key FROM {DENSE} GROUP BY buyer_key HAVING count() > 1))",
        record=False)[0]
    if any(bad):
        raise RuntimeError(f"{DENSE}: keys handed out twice at once ({bad[0]} keys shared, {bad[1]} buyers "
                           "with two keys); buyers are counted from orders")


def code_select(group_cols: list[str], from_sql: str, where_sql: str) -> str:
    """``SELECT <group cols>, code FROM ...``: each order's dense buyer key * 2 + fan
    (buyer_keys.CODE_SQL's meaning); NULL for a buyer without a dense key yet."""
    inner = [*group_cols, "o.buyer_key AS _bk", "o.is_fan AS _fan"]
    outer = [f"x.g{i} AS g{i}" for i in range(len(group_cols))]
    return (f"SELECT {', '.join(outer + ['toInt64(d.dense) * 2 + toInt64(coalesce(x._fan, false)) AS code'])} "
            f"FROM (SELECT {', '.join(inner)} FROM {from_sql}{where_sql}) x "
            f"LEFT JOIN (SELECT buyer_key, dense FROM {DENSE} WHERE buyer_key IN "
            f"(SELECT o.buyer_key FROM {from_sql}{where_sql})) d ON d.buyer_key = x._bk")


def encode(blob: bytes) -> str:
    return base64.b64encode(blob).decode("ascii")


def decode(text: str) -> bytes:
    return base64.b64decode(text)


def new_token() -> str:
    return uuid.uuid4().hex


def record_build(con, built: str, layouts, m: dt.date, token: str, stamp: str) -> None:
    """Point month ``m`` at ``token``; drop builds of it superseded long enough ago."""
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    con.execute(f"INSERT INTO {built} VALUES ($m, $t, $s, $now)", {"m": m, "t": token, "s": stamp, "now": now})
    builds = con.fetchall(f"SELECT token, built_at FROM {built} WHERE month = $m", {"m": m}, record=False)
    # a token is superseded when the next build lands: keep it while that is recent
    settled = [at for _, at in builds if at < now - KEEP_SUPERSEDED]
    old = [t for t, at in builds if settled and at < max(settled) and t != token]
    if old:
        for t in [*(lay.table for lay in layouts), built]:
            con.execute(f"DELETE FROM {t} WHERE month = $m AND has($old, token)", {"m": m, "old": old})
