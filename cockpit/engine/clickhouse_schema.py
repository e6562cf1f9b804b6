"""ClickHouse tables for the cockpit, generated from the declarations the DuckDB schema
uses (cockpit/schema.py and the modules' own CREATE TABLE statements).

A canonical table ``T`` is stored as a plain MergeTree ``T__rows`` (sort key and
partitions chosen for the cockpit's filters) and read through a view ``T`` that shows
the rows of committed batches only, less the rows a committed batch replaced.  That is
what makes an import visible all at once, an undo possible and a newer row replace the
older one without a transaction (see cockpit.batches for the protocol and the README
for what differs from DuckDB).
"""

from __future__ import annotations

import re

from cockpit import schema
from cockpit.engine.dialect import CLICKHOUSE

ROWS = "{}__rows"  # physical table of canonical table T
# A row an undo writes back is stored under the undo's batch (so it shows when the undo
# commits) with the batch that first imported it here: what readers see as its batch.
ORIGIN = "_origin"
SUPERSEDED = "_superseded_{}"  # row ids a batch replaces: hidden once that batch commits
MUTABLE = "SETTINGS enable_block_number_column = 1, enable_block_offset_column = 1"  # lightweight UPDATE / DELETE

# Per canonical table: (partition, sort key) for the cockpit's filters: periods prune
# partitions, store / account / session filters prune granules inside them.
LAYOUT = {
    "orders": ("toYYYYMM(paid_at)", "store_id, paid_at, order_id"),
    "live_sessions": ("toYear(started_at)", "account_id, started_at, live_id"),
    "live_minutes": ("toYYYYMM(minute)", "live_id, minute"),
    "live_traffic": (None, "live_id, source"),
    "short_videos": ("toYear(published_at)", "account_id, published_at, video_id"),
    "ad_spend": ("toYear(date)", "account_id, date"),
    "follower_daily": ("toYear(date)", "account_id, date"),
    "scores_daily": ("toYear(date)", "score_type, entity_id, date"),
    "market_daily": ("toYear(date)", "category, date"),
}


# Skip indexes for filters the sort key does not serve: a session's orders (live page,
# session detail, review) are found by live_id among millions (a bloom filter per
# granule: 38 of 1,258 granules read for three sessions at 10M orders).
INDEXES = {"orders": ('INDEX live_idx "live_id" TYPE bloom_filter(0.01) GRANULARITY 1',)}


def committed() -> str:
    return "SELECT batch_id FROM import_batches WHERE status = 'committed'"


def _col(name: str, kind_sql: str, nullable: bool) -> str:
    return f'"{name}" {CLICKHOUSE.type(kind_sql, nullable)}'


def rows_ddl(t: schema.Table) -> str:
    cols = [_col(c.name, c.sql_type, not c.required) for c in t.columns]
    cols.append(f'"{schema.BATCH_COLUMN}" Int64')
    cols += [_derived_col(t, n, sql_type) for n, sql_type in t.derived]
    cols.append('"_row_id" UInt64 DEFAULT rand64()')
    cols.append(f'"{ORIGIN}" Nullable(Int64)')
    for c in INDEXES.get(t.name, ()):
        cols.append(c)
    for c in t.columns:
        if c.kind == "enum":
            allowed = ", ".join(f"'{v}'" for v in c.values)
            cols.append(f'CONSTRAINT "check_{c.name}" CHECK "{c.name}" IS NULL OR "{c.name}" IN ({allowed})')
    part, order = LAYOUT.get(t.name, (None, ", ".join(t.key)))
    partition = f" PARTITION BY {part}" if part else ""
    return (f'CREATE TABLE IF NOT EXISTS "{ROWS.format(t.name)}" (\n  ' + ",\n  ".join(cols) + "\n)"
            f" ENGINE = MergeTree{partition} ORDER BY ({order}) SETTINGS allow_nullable_key = 1, "
            "enable_block_number_column = 1, enable_block_offset_column = 1")


def _derived_col(t: schema.Table, name: str, sql_type: str) -> str:
    if t.name == "orders" and name == "buyer_key":
        # a key per buyer computed from the id: the same on every writer, no dictionary race
        # (DuckDB hands out dense keys for its bitmaps; ClickHouse counts with its own tools)
        return '"buyer_key" Int64 DEFAULT reinterpretAsInt64(sipHash64(buyer_id))'
    return _col(name, sql_type, True)


def view_ddl(t: schema.Table) -> str:
    """Readers see the rows of committed batches less the rows committed batches replaced,
    each with the batch that imported it (a row an undo put back: its original batch)."""
    cols = ", ".join(f'COALESCE("{ORIGIN}", "{c}") AS "{c}"' if c == schema.BATCH_COLUMN else f'"{c}"'
                     for c in t.stored_names)
    rows = ROWS.format(t.name)
    return (f'CREATE VIEW IF NOT EXISTS "{t.name}" AS SELECT {cols} FROM "{rows}" '
            f'PREWHERE "{schema.BATCH_COLUMN}" IN ({committed()}) '
            f'WHERE _row_id NOT IN (SELECT _row_id FROM "{SUPERSEDED.format(t.name)}" '
            f'WHERE _replaced_by IN ({committed()}))')


def superseded_ddl(t: schema.Table) -> str:
    return (f'CREATE TABLE IF NOT EXISTS "{SUPERSEDED.format(t.name)}" (_row_id UInt64, _replaced_by Int64) '
            f"ENGINE = MergeTree ORDER BY _replaced_by {MUTABLE}")


def replaced_ddl(t: schema.Table, name: str) -> str:
    """The archive of rows a batch replaced (what an undo puts back)."""
    cols = [_col(c.name, c.sql_type, True) for c in t.columns]
    cols.append(f'"{schema.BATCH_COLUMN}" Nullable(Int64)')
    cols += [f'"{n}" Nullable(Int64)' if n == "buyer_key" and t.name == "orders" else _col(n, s, True)
             for n, s in t.derived]
    cols.append('"_row_id" Nullable(UInt64)')
    cols.append('"_replaced_by" Nullable(Int64)')
    return (f'CREATE TABLE IF NOT EXISTS "{name}" (' + ", ".join(cols) + ") ENGINE = MergeTree "
            f"ORDER BY tuple() {MUTABLE}")


# ---------------------------------------------------------------------------
# The project's own simple CREATE TABLE statements (bookkeeping, users...) in ClickHouse

_CREATE = re.compile(r"CREATE TABLE IF NOT EXISTS\s+(\"?\w+\"?)\s*\((.*)\)\s*$", re.S | re.I)
_TYPE = re.compile(r"^(DECIMAL\s*\(\s*\d+\s*,\s*\d+\s*\)|\w+)", re.I)


def _split_top(text: str) -> list[str]:
    parts, depth, cur = [], 0, []
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return [p.strip() for p in parts if p.strip()]


def translate_ddl(ddl: str) -> str:
    """A DuckDB ``CREATE TABLE IF NOT EXISTS t (col TYPE [NOT NULL] [PRIMARY KEY]
    [DEFAULT v] [CHECK (...)], ...)`` as a ClickHouse MergeTree sorted by its primary key,
    with lightweight UPDATE and DELETE on (these are the small tables people edit)."""
    m = _CREATE.match(ddl.strip())
    if not m:
        raise ValueError(f"not a simple CREATE TABLE: {ddl[:60]}")
    name, body = m.group(1), m.group(2)
    cols, checks, key = [], [], []
    for part in _split_top(body):
        words = part.split(None, 1)
        col = words[0]
        rest = words[1]
        tm = _TYPE.match(rest)
        duck_type, tail = tm.group(1), rest[tm.end():]
        upper = tail.upper()
        not_null = "NOT NULL" in upper or "PRIMARY KEY" in upper
        if "PRIMARY KEY" in upper:
            key.append(col)
        line = f"{col} {CLICKHOUSE.type(duck_type, not not_null)}"
        dm = re.search(r"DEFAULT\s+('[^']*'|\S+)", tail, re.I)
        if dm:
            line += f" DEFAULT {dm.group(1)}"
        cm = re.search(r"CHECK\s*(\(.*\))", tail, re.I | re.S)
        if cm:
            checks.append(f"CONSTRAINT check_{col.strip(chr(34))} CHECK {cm.group(1)}")
        cols.append(line)
    order = ", ".join(key) if key else "tuple()"
    return (f"CREATE TABLE IF NOT EXISTS {name} ({', '.join(cols + checks)}) ENGINE = MergeTree "
            f"ORDER BY ({order}) {MUTABLE}")


# ---------------------------------------------------------------------------
# Rollups: sums kept by ClickHouse itself as rows arrive (materialized views)

ROLLUP_VISIBLE = "SELECT batch_id FROM import_batches WHERE status IN ('committed', 'undone')"


def rollup_ddl(name: str, keys: list[tuple[str, str, str]], sums: list[tuple[str, str, str]],
               where: str | None = None, view: str | None = None) -> list[str]:
    """A rollup of orders as ClickHouse keeps it, exact under the staged batches.

    ``keys``: (column, SQL over orders ``o``, DuckDB type); ``sums``: (column, aggregate
    over ``o``, DuckDB type); ``where``: the orders it counts (all of them by default);
    ``view``: the SELECT readers see over the visible deltas ``d`` (default: the deltas
    as they are).

    Every batch adds *deltas* tagged with its id to ``<name>__rows`` (a SummingMergeTree):
    its own rows (a materialized view on the orders' physical table) and, negated, the
    rows it replaces (one on the archive of replaced rows, where each replaced row lands
    exactly once, tagged with the batch that replaced it).  An undo adds its own deltas
    (cockpit.batches).  The view ``<name>`` shows the deltas of committed and undone
    batches: a batch's deltas become visible with the one statement that commits it, so
    the rollup's sums never disagree with the rows they sum.  A group whose orders all
    left has deltas that sum to zero orders: readers keep groups with orders only.
    (``_deltas`` keeps such rows through merges; see the column.)
    """
    rows = f"{name}__rows"
    cols = [f'"{k}" {CLICKHOUSE.type(t, nullable=(k != "day"))}' for k, _, t in keys]
    cols += [f'"{s}" {CLICKHOUSE.type(t, nullable=False)}' for s, _, t in sums]
    cols.append('"_batch_id" Int64')
    # how many source rows each delta row sums: never zero, so a merge keeps a batch's
    # rows even where its deltas cancel out (a correction that only changes an order's
    # buyer), and the batches a month shows (clickhouse_buyers.stamps) stay the batches
    # that wrote it
    cols.append('"_deltas" UInt64')
    key_names = ", ".join(f'"{k}"' for k, _, _ in keys)
    partition = ' PARTITION BY toYYYYMM("day")' if any(k == "day" for k, _, _ in keys) else ""
    out = [
        f'CREATE TABLE IF NOT EXISTS "{rows}" ({", ".join(cols)}) ENGINE = SummingMergeTree{partition} '
        f'ORDER BY ({key_names}, "_batch_id") SETTINGS allow_nullable_key = 1',
    ]
    for mv, source, sign, tag in ((f"{name}__add", ROWS.format("orders"), "", "o._batch_id"),
                                  (f"{name}__sub", "_replaced_orders", "-", "o._replaced_by")):
        cond = " AND ".join(c for c in ("o._replaced_by IS NOT NULL" if sign else None, where) if c) or None
        out.append(f'CREATE MATERIALIZED VIEW IF NOT EXISTS "{mv}" TO "{rows}" AS '
                   + rollup_select(keys, sums, source, sign, tag, cond))
    # by default the visible deltas as they are: every read of a daily rollup sums its
    # columns (they are additive) and keeps only groups that hold an order
    # (metrics.Source.nonempty)
    sel = [f'"{k}"' for k, _, _ in keys] + [f'"{s}"' for s, _, _ in sums]
    visible = f'SELECT {", ".join(sel)} FROM "{rows}" WHERE "_batch_id" IN ({ROLLUP_VISIBLE})'
    out.append(f'CREATE VIEW IF NOT EXISTS "{name}" AS '
               + (view.format(deltas=f"({visible})") if view else visible))
    return out


def rollup_select(keys, sums, source: str, sign: str = "", tag: str = "o._batch_id", where: str | None = None) -> str:
    """The deltas of the rows of ``source`` (alias ``o``), summed per key and tag."""
    sel = [f'{f"assumeNotNull({e})" if k == "day" else e} AS "{k}"' for k, e, _ in keys]
    sel += [f'{sign}({e}) AS "{s}"' for s, e, _ in sums]
    sel.append(f'assumeNotNull({tag}) AS "_batch_id"')
    sel.append('count() AS "_deltas"')
    # grouped by the expressions: a bare name would mean the source's column of that name
    group = ", ".join([e for _, e, _ in keys] + ([tag] if tag.startswith("o.") else []))
    return (f'SELECT {", ".join(sel)} FROM "{source}" o' + (f" WHERE {where}" if where else "")
            + f" GROUP BY {group}")


def rollup_objects(name: str) -> list[tuple[str, str]]:
    """(kind, object) of a rollup, in the order to drop them."""
    return [("VIEW", name), ("VIEW", f"{name}__add"), ("VIEW", f"{name}__sub"), ("TABLE", f"{name}__rows")]
