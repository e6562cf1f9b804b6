"""Copy a whole cockpit between two databases, e.g. a DuckDB file to ClickHouse (issue 14).

Every canonical table with its batch ids, the archives an undo needs, the import
history, users and their scopes, the audit log, and any other table both sides have
(new features' tables come along).  Structures derived from the data (rollups, buyer
keys and sets, ClickHouse's physical tables behind its views) are not copied but
rebuilt by the target's own engine.  The target must be empty; at the end every table's
row count is compared, source against target.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass

import pyarrow as pa

from cockpit import buyer_sets, schema, store
from cockpit.engine import Database
from cockpit.engine import clickhouse_buyers

CHUNK = 200_000
_DERIVED_META = ("buyer_keys_version", "orders_daily_version", "rollups_clickhouse_version", "buyer_sets_version",
                 "data_version")
_NEVER = ("buyers", "orders_daily", "orders_product_daily", "orders_product_account_daily", "orders_live",
          "orders_live_paid",
          *buyer_sets.TABLES, clickhouse_buyers.DENSE)  # the target hands out its own dense keys
_NEVER_SUFFIXES = ("__rows", "__add", "__sub")  # ClickHouse's physical tables and materialized views


class CopyError(Exception):
    """A copy that cannot start (a non-empty target, the same database twice...)."""


@dataclass
class Counted:
    table: str
    source: int
    target: int

    @property
    def ok(self) -> bool:
        return self.source == self.target


def plan(src: Database, dst: Database) -> list[str]:
    """The tables to copy, in order: canonical tables, their archives, then the rest."""
    have_src, have_dst = src.tables(), dst.tables()
    canonical = [t for t in schema.TABLES if t in have_src]
    archives = [store.replaced_table(t) for t in canonical if store.replaced_table(t) in have_src]
    skip = set(canonical) | set(archives) | set(_NEVER)
    rest = sorted(t for t in have_src & have_dst
                  if t not in skip and not t.startswith("_superseded_") and not t.endswith(_NEVER_SUFFIXES)
                  and not t.startswith("_"))
    return canonical + archives + rest


def _check_empty(dst: Database) -> None:
    busy = [t for t in ("import_batches", "users", "audit_log") if dst.scalar(f'SELECT count(*) FROM "{t}"', record=False)]
    if busy:
        raise CopyError(f"the target {dst.url} is not empty ({', '.join(busy)} have rows): copy into a new database")


def _target_name(dst: Database, table: str) -> str:
    if dst.kind == "clickhouse" and table in schema.TABLES:
        from cockpit.engine import clickhouse_schema as chs

        return chs.ROWS.format(table)
    return table


def _columns(src: Database, dst: Database, table: str) -> list[str]:
    target = set(dst.columns(_target_name(dst, table)))
    cols = [c for c in src.columns(table) if c in target]
    derived = {n for t in schema.TABLES.values() for n, _ in t.derived}
    cols = [c for c in cols if c not in derived and c != "_row_id"]  # the target computes them
    return cols


def copy(src: Database, dst: Database, progress=None) -> list[Counted]:
    """Copy every table of ``src`` into the empty ``dst``; return the count check."""
    if src.url == dst.url:
        raise CopyError("the source and the target are the same database")
    _check_empty(dst)
    tables = plan(src, dst)
    meta_where = " WHERE key NOT IN ({})".format(", ".join(f"'{k}'" for k in _DERIVED_META))
    wheres = {t: meta_where if t == "cockpit_meta" else "" for t in tables}
    totals = {t: src.scalar(f'SELECT count(*) FROM "{t}"{wheres[t]}', record=False) for t in tables}
    done = 0
    grand = sum(totals.values()) or 1
    for t in tables:
        cols = _columns(src, dst, t)
        where = wheres[t]
        if t == "cockpit_meta":  # the source's settings; the target keeps its own derived versions
            dst.execute(f"DELETE FROM cockpit_meta{meta_where}")
        sel = ", ".join(f'"{c}"' for c in cols)
        table = src.fetch_arrow(f'SELECT {sel} FROM "{t}"{where}', record=False)
        for off in range(0, max(table.num_rows, 1), CHUNK):
            part = table.slice(off, CHUNK)
            if part.num_rows:
                dst.insert(_target_name(dst, t), _conform(part))
            done += part.num_rows
            if progress:
                progress(t, off + part.num_rows, totals[t], done, grand)
    _rebuild_derived(dst)
    out = []
    for t in tables:
        if t == "cockpit_meta":
            continue
        out.append(Counted(t, totals[t], dst.scalar(f'SELECT count(*) FROM "{t}"', record=False)))
    return out


def _conform(part: pa.Table) -> pa.Table:
    """Arrow as both engines take it (string views and large strings as plain strings)."""
    cols = []
    for f, c in zip(part.schema, part.columns):
        if pa.types.is_large_string(f.type) or str(f.type) == "string_view":
            c = c.cast(pa.string())
        cols.append(c)
    return pa.table(cols, names=part.column_names)


def _rebuild_derived(dst: Database) -> None:
    from cockpit import buyer_keys, buyer_sets, rollups

    if dst.kind == "duckdb":
        top = dst.scalar("SELECT COALESCE(MAX(batch_id), 0) FROM import_batches", record=False)
        dst.execute("DROP SEQUENCE IF EXISTS import_batch_seq")
        dst.execute(f"CREATE SEQUENCE import_batch_seq START {int(top) + 1}")
    for mod in (buyer_keys, rollups):
        store.set_meta(dst, mod.META_KEY, "")  # rebuild from the copied rows
        if mod is rollups:
            store.set_meta(dst, rollups.CLICKHOUSE_META_KEY, "")
        mod.ensure(dst)
    buyer_sets.build(dst)
    store.bump_data_version(dst)


def main(source: str | None, target: str) -> int:
    """`cockpit copy`: a progress bar on stderr, the count check on stdout; exit 2 on a mismatch."""
    t0 = time.perf_counter()
    src = store.connect(source, read_only=True)
    try:
        dst = store.connect(target)
    except BaseException:
        src.close()
        raise
    width = 30
    tty = hasattr(sys.stderr, "isatty") and sys.stderr.isatty()

    def bar(table, n, total, done, grand):
        filled = int(width * done / grand)
        line = f"\r[{'#' * filled}{'.' * (width - filled)}] {100 * done / grand:5.1f}%  {table} {n:,}/{total:,}"
        if tty:
            sys.stderr.write(line.ljust(90))
            sys.stderr.flush()
        elif n == total:
            sys.stderr.write(line.strip("\r") + "\n")

    try:
        counts = copy(src, dst, bar)
    finally:
        if tty:
            sys.stderr.write("\n")
        src.close()
        dst.close()
    bad = [c for c in counts if not c.ok]
    print(f"copied {src.url} -> {dst.url} in {time.perf_counter() - t0:.1f} s")
    for c in counts:
        print(f"  {c.table:32s} {c.source:>12,d} -> {c.target:>12,d}  {'ok' if c.ok else 'MISMATCH'}")
    if bad:
        print(f"count check FAILED for {', '.join(c.table for c in bad)}", file=sys.stderr)
        return 2
    print("count check: every table has the same number of rows on both sides")
    return 0
