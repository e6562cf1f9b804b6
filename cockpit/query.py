"""One query builder for every page, export and command.

(metrics, dimensions, filters, period) -> one parameterised SQL statement.  Values the
user chose (dates, store ids, brand names...) are always bound parameters; the SQL text
is assembled only from the registry in :mod:`cockpit.metrics`.  Results come back as
Polars frames through Arrow.  Comparisons (环比 / 同比) run the same statement over the
comparison period and join it on the non-time dimensions, time buckets aligned by their
position in the period.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass

import polars as pl

from cockpit import buyer_counts  # imports this module back: each reads the other at call time
from cockpit import buyer_keys, clock, metrics as reg
from cockpit import engine, periods, store
from cockpit.engine import Database, Dialect
from cockpit.lru import LRU, MISSING
from cockpit.periods import Period

# Measures whose "no rows" value is unknown rather than zero.
_NULL_WHEN_EMPTY = {"peak_online", "active_sellers", "active_products", "followers"}


@dataclass(frozen=True)
class Query:
    metrics: tuple[str, ...]
    dims: tuple[str, ...] = ()
    period: Period | None = None
    # ((dim, (value, ...)), ...).  Query.make drops a dim chosen with no values (no
    # restriction); a stored empty tuple matches nothing (a brand with no stores)
    filters: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # Data scope (who may see what): enforced on every source, unlike filters an empty
    # tuple here means "nothing".  None means unrestricted.
    scope: tuple[tuple[str, tuple[str, ...]], ...] | None = None
    order_by: str | None = None  # a metric id (descending) or dim id (ascending)
    limit: int | None = None
    labels: bool = True
    now: dt.datetime | None = None

    @staticmethod
    def make(metrics, dims=(), period=None, filters=None, **kw) -> "Query":
        fl = tuple(
            (d, tuple(str(v) for v in vals))
            for d, vals in sorted((filters or {}).items())
            if vals
        )
        return Query(tuple(metrics), tuple(dims), period, fl, **kw)

    def with_period(self, period: Period | None) -> "Query":
        return Query(self.metrics, self.dims, period, self.filters, self.scope, self.order_by,
                     self.limit, self.labels, self.now)


def _validate(q: Query) -> None:
    if not q.metrics:
        raise reg.MetricError("choose at least one metric")
    for d in q.dims:
        reg.dimension(d)
    for d, _ in q.filters:
        reg.dimension(d)
    for mid in q.metrics:
        missing = [d for d in q.dims if d not in reg.dims_available(mid)]
        if missing:
            raise reg.MetricError(
                f"metric {mid} cannot be split by {', '.join(missing)}; "
                f"it can be split by {', '.join(sorted(reg.dims_available(mid)))}"
            )


# Aggregate awareness (cockpit.rollups): off only in tests that compare both paths.
use_rollups = True


def _rollup_fits(roll: reg.Source, src: reg.Source, q: Query) -> bool:
    """Every dim, filter and scope dim the query applies to ``src`` is in the rollup,
    and a rollup whose rows are whole per some dims is split by them over all time."""
    if not use_rollups or (q.period is not None and q.period.partial):  # daily rows: no part of a day
        return False
    used = set(q.dims) | {d for d, _ in q.filters} | {d for d, _ in (q.scope or ())}
    if not all(d in roll.dims for d in used if d in src.dims):
        return False
    if roll.whole_for:  # split by and filtered to named sessions (never the null "no session" group)
        filtered = {d for d, _ in q.filters}
        return q.period is None and q.scope is None and set(roll.whole_for) <= set(q.dims) & filtered
    return True


# Distinct counts as bitmaps (Measure.bitmap): off only in tests that compare both paths.
use_bitmaps = True
# A bitmap holds one bit per buyer key for each result group (and a copy per thread):
# used only while groups x keys stay within this many bits (2.8M buyers: 36 groups).
# Past that, zeroing the bitmaps costs more than hashing the rows: 145 sessions of one
# brand's month, 40 ms as bitmaps (50 MB of them), 24 ms hashed.
BITMAP_BUDGET_BITS = 12 * 8 * 1024 * 1024


def _groups_bound(q: Query) -> int | None:
    """An upper bound on the number of result rows, or None when it is unbounded."""
    chosen = dict(q.filters)
    n = 1
    for d in q.dims:
        dim = reg.DIMENSIONS[d]
        if chosen.get(d):
            n *= len(chosen[d])
        elif dim.time and q.period is not None:
            n *= {"day": q.period.days, "week": q.period.days // 7 + 2, "month": q.period.days // 28 + 2}[d]
        elif d in reg.ENUM_DIMS:
            n *= len(reg.ENUM_DIMS[d]) + 1  # and null
        else:
            return None
    return n


def _bitmaps_fit(q: Query, buyer_max: int | None) -> bool:
    if not use_bitmaps or buyer_max is None:
        return False
    groups = _groups_bound(q)
    return groups is not None and groups * max(buyer_max, 1) <= BITMAP_BUDGET_BITS


def _needed(q: Query, buyer_max: int | None = None) -> dict[str, list[tuple[str, str]]]:
    """source id -> (measure id, aggregate SQL), in registry order.

    A measure with a rollup form is read from its source's rollup when the query fits
    it; the others (distinct counts...) stay on the source, in a CTE of their own.  A
    distinct count is read from a source the query needs anyway when it can be
    (Measure.via), else as a bitmap when the result has few groups (Measure.bitmap)."""
    wanted: list[str] = []
    for mid in q.metrics:
        for ms in reg.metric(mid).measures:
            if ms not in wanted:
                wanted.append(ms)
    plain_sources = {reg.MEASURES[ms].source for ms in wanted if reg.MEASURES[ms].via is None}
    bitmaps = _bitmaps_fit(q, buyer_max)
    fitting: dict[str, list[str]] = {}
    out: dict[str, list[tuple[str, str]]] = {}
    for ms in wanted:
        m = reg.MEASURES[ms]
        if m.via is not None and m.via[0] in plain_sources:
            out.setdefault(m.via[0], []).append((ms, m.via[1]))
            continue
        src = reg.SOURCES[m.source]
        if src.id not in fitting:
            fitting[src.id] = [r for r in src.rollups if _rollup_fits(reg.SOURCES[r], src, q)]
        roll = next((r for r in fitting[src.id] if r in m.rollup), None)
        if roll is not None:
            out.setdefault(roll, []).append((ms, m.rollup[roll]))
        elif m.bitmap is not None and bitmaps:
            out.setdefault(src.id, []).append((ms, m.bitmap))
        else:
            out.setdefault(src.id, []).append((ms, m.sql))
    return out


def _wants_buyer_max(q: Query) -> bool:
    measures = [reg.MEASURES[ms] for mid in q.metrics for ms in reg.metric(mid).measures]
    return (use_bitmaps and any(m.bitmap for m in measures)) or \
        (buyer_counts.use_vectors and not q.dims and any(reg.SOURCES[m.source].vector or m.vector for m in measures))


def conditions(
    dims: dict[str, str],
    filters=(),
    scope=None,
    params: dict | None = None,
    period: Period | None = None,
    time_col: str | None = None,
    dialect: Dialect = engine.DUCKDB,
) -> list[str]:
    """WHERE conditions for rows described by ``dims`` (dim id -> SQL expression).

    Shared by the metric queries and by the pages' list queries (live now, minute
    curves...), so period, filters and data scope are bound the same way everywhere.
    Values go into ``params``; only registry expressions reach the SQL text; a long
    value list is spelled in the ``dialect`` of the engine that runs the statement.
    """
    params = {} if params is None else params
    conds: list[str] = []
    if period is not None and time_col is not None:
        params["p_start"] = period.start_ts
        params["p_end"] = period.end_ts_exclusive
        conds.append(f"{time_col} >= $p_start AND {time_col} < $p_end")
    for dim, values in filters:
        expr = dims.get(dim)
        if expr is None:
            continue  # rows that cannot be split by the dimension: the filter does not apply
        conds.append(f"{expr} IN ({bind_list(params, f'f_{dim}', values, dialect)})")
    if scope is not None:
        conds.append(_scope_condition(dims, scope, params, dialect))
    return conds


# Past this many values an IN list is bound as one list parameter and read as a
# semi-join: DuckDB plans thousands of separate parameters slowly (a year of sessions,
# 6,263 ids: 87 ms as separate parameters, 16 ms as one list).  Short lists stay
# separate so a filter on one store still prunes row groups by their min/max.
LIST_PARAM_AFTER = 64


def bind_list(params: dict, prefix: str, values, dialect: Dialect = engine.DUCKDB) -> str:
    """Bind ``values`` and return what goes inside ``IN (...)`` (a long list as one list
    parameter, spelled by the ``dialect`` of the engine that runs the statement).

    An empty list gives NULL, so ``x IN (NULL)`` matches nothing instead of failing.
    """
    values = list(values)
    if len(values) > LIST_PARAM_AFTER:
        params[prefix] = [None if v is None else str(v) for v in values]
        return dialect.list_rows(prefix, "VARCHAR")
    names = []
    for i, v in enumerate(values):
        params[f"{prefix}_{i}"] = v
        names.append(f"${prefix}_{i}")
    return ", ".join(names) if names else "NULL"


def _where(src: reg.Source, q: Query, params: dict, dialect: Dialect = engine.DUCKDB) -> list[str]:
    conds = conditions(src.dims, q.filters, q.scope, params, q.period, src.time_col, dialect)
    if src.prune and q.period is not None:  # after the period: its parameters are bound
        conds.append(src.prune)
    return conds


def _scope_condition(dims: dict[str, str], scope, params: dict, dialect: Dialect = engine.DUCKDB) -> str:
    """Rows visible under a data scope: any of the granted dims matches.

    Rows that carry none of the granted dimensions (market data) are public.
    """
    parts = []
    carried = False
    for dim, values in scope:
        expr = dims.get(dim)
        if expr is None:
            continue
        carried = True
        if values:
            parts.append(f"{expr} IN ({bind_list(params, f's_{dim}', values, dialect)})")
    if not carried:
        return "TRUE"
    return "(" + " OR ".join(parts) + ")" if parts else "FALSE"


_LEFT_JOIN = re.compile(r" LEFT JOIN (\w+) (\w+) ON ")
_DIMENSION_TABLES = {"stores", "accounts", "products"}


def _from(from_sql: str, used: str) -> str:
    """``from_sql`` without LEFT JOINs to dimension tables nothing in ``used`` reads.

    Such a join matches at most one row (dimension keys are unique: every write upserts
    by key), so dropping it changes no result, only saves a hash probe per fact row."""
    parts = _LEFT_JOIN.split(from_sql)
    head, joins = parts[0], [(parts[i], parts[i + 1], parts[i + 2]) for i in range(1, len(parts), 3)]
    keep = [True] * len(joins)
    changed = True
    while changed:
        changed = False
        for i, (table, alias, _) in enumerate(joins):
            # what reads the alias: the query, the base and the other joins still kept
            text = " ".join([used, head] + [on for j, (_, _, on) in enumerate(joins) if keep[j] and j != i])
            if keep[i] and table in _DIMENSION_TABLES and not re.search(rf"\b{alias}\.", text):
                keep[i] = False
                changed = True
    return head + "".join(f" LEFT JOIN {t} {a} ON {on}" for (t, a, on), k in zip(joins, keep) if k)


def _source_cte(src: reg.Source, measures: list[tuple[str, str]], q: Query, params: dict,
                dialect: Dialect = engine.DUCKDB) -> str:
    dim_exprs = [(d, src.dims[d]) for d in q.dims]
    where = _where(src, q, params, dialect)
    where_sql = f" WHERE {' AND '.join(where)}" if where else ""
    ms_sql = [f'{sql} AS "{m}"' for m, sql in measures]
    used = " ".join([e for _, e in dim_exprs] + ms_sql + [where_sql, src.grain or ""] + list(src.inner_cols.values()))
    from_sql = _from(src.from_sql, used)
    if src.grain is None:
        sel = [f'{e} AS "{d}"' for d, e in dim_exprs] + ms_sql
        group = f" GROUP BY {', '.join(e for _, e in dim_exprs)}" if dim_exprs else ""
        having = f" HAVING {src.nonempty}" if src.nonempty and dim_exprs else ""
        return f"SELECT {', '.join(sel)} FROM {from_sql}{where_sql}{group}{having}"
    inner_sel = [f'{e} AS "{d}"' for d, e in dim_exprs] + [f"{src.grain} AS _grain"]
    inner_sel += [f"{expr} AS {name}" for name, expr in src.inner_cols.items()]
    inner_group = ", ".join([e for _, e in dim_exprs] + [src.grain])
    inner = f"SELECT {', '.join(inner_sel)} FROM {from_sql}{where_sql} GROUP BY {inner_group}"
    outer_dims = [f'g."{d}"' for d, _ in dim_exprs]
    sel = outer_dims + ms_sql
    group = f" GROUP BY {', '.join(outer_dims)}" if outer_dims else ""
    return f"SELECT {', '.join(sel)} FROM ({inner}) g{group}"


def build_sql(q: Query, buyer_max: int | None = None, computed: dict | None = None,
              dialect: Dialect = engine.DUCKDB) -> tuple[str, dict]:
    """The statement for one query (no comparison) and its bound parameters, in the
    ``dialect`` of the engine that runs it.

    ``buyer_max``: the largest buyer key (cockpit.buyer_keys); without it distinct
    buyers are always hashed.  ``computed``: {source id: figures} counted outside DuckDB
    (cockpit.buyer_counts); those sources become bound values (see _bound)."""
    _validate(q)
    params: dict = {}
    final_q = q
    q = _by_entity(q)
    needed = _needed(q, buyer_max)
    ctes = []
    names = {}
    cte_of = {}
    for i, (sid, measures) in enumerate(needed.items()):
        name = f"src{i}"
        names[sid] = name
        cte_of.update({m: name for m, _ in measures})
        if computed and sid in computed:
            body = _bound(computed[sid], q.dims, [m for m, _ in measures], params, name, dialect)
        else:
            body = _source_cte(reg.SOURCES[sid], measures, q, params, dialect)
        ctes.append(dialect.cte(name, body, reused=bool(q.dims)))  # with a split: read by keys and joined

    def measure_col(m: str) -> str:
        ref = f'{cte_of[m]}."{m}"'
        return ref if m in _NULL_WHEN_EMPTY else f"COALESCE({ref}, 0)"

    all_measures = [m for ms in needed.values() for m, _ in ms]
    dcols = [f'"{d}"' for d in q.dims]
    if q.dims:
        keys = " UNION ".join(f"SELECT {', '.join(dcols)} FROM {n}" for n in names.values())
        ctes.append(f"keys AS ({keys})")
        joins = " ".join(
            f"LEFT JOIN {n} ON " + " AND ".join(f'k."{d}" IS NOT DISTINCT FROM {n}."{d}"' for d in q.dims)
            for n in names.values()
        )
        joined_sel = [f'k."{d}" AS "{d}"' for d in q.dims] + [f'{measure_col(m)} AS "{m}"' for m in all_measures]
        ctes.append(f"joined AS (SELECT {', '.join(joined_sel)} FROM keys k {joins})")
    else:
        cross = " CROSS JOIN ".join(names.values())
        joined_sel = [f'{measure_col(m)} AS "{m}"' for m in all_measures]
        ctes.append(f"joined AS (SELECT {', '.join(joined_sel)} FROM {cross})")

    # The metrics over the measures, then labels and entity attributes looked up per
    # result row by a LEFT JOIN to the dimension table (its key is unique: every write
    # upserts by key); every name qualified, since a dimension table may have a column
    # named like a metric (accounts.followers).
    res_sel = [f'j."{d}" AS "{d}"' for d in q.dims] + [f'{reg.metric(m).sql()} AS "{m}"' for m in q.metrics]
    ctes.append(f"res AS (SELECT {', '.join(res_sel)} FROM joined j)")
    looked_up: list[str] = []

    def col(d: str) -> str:
        """The result column of dim or metric ``d``, qualified."""
        attr = reg.DIMENSIONS[d].attribute_of if d in reg.DIMENSIONS and d not in q.dims else None
        if attr is None:
            return f'r."{d}"'
        if attr[0] not in looked_up:
            looked_up.append(attr[0])
        return f'x_{attr[0]}."{attr[1]}"'

    sel = [f'{col(d)} AS "{d}"' for d in final_q.dims]
    if q.labels:
        for d in q.dims:
            dim = reg.DIMENSIONS[d]
            if dim.label_table:
                looked_up.append(d) if d not in looked_up else None
                sel.append(f'x_{d}."{dim.label_col}" AS "{d}_name"')
    sel += [f'r."{m}" AS "{m}"' for m in q.metrics]
    order = _order_sql(final_q, col)
    lookups = "".join(
        f' LEFT JOIN "{reg.DIMENSIONS[e].label_table}" x_{e} ON x_{e}."{reg.DIMENSIONS[e].label_key}" = r."{e}"'
        for e in looked_up)
    limit = ""
    if q.limit is not None:
        params["limit"] = int(q.limit)
        limit = " LIMIT $limit"
    sql = f"WITH {', '.join(ctes)} SELECT {', '.join(sel)} FROM res r{lookups}{order}{limit}"
    if "$now" in sql:
        params["now"] = q.now or clock.now().replace(second=0, microsecond=0)
    if "$buyer_max" in sql:
        params["buyer_max"] = max(int(buyer_max), 1)
    return sql, params


def _bound(figures: dict, dims: tuple[str, ...], measures: list[str], params: dict, name: str,
           dialect: Dialect = engine.DUCKDB) -> str:
    """A source computed outside the statement as bound values: {measure: int} without a
    split, {"dims": {dim: [value per group]}, measure: [value per group]} with one (one
    list parameter per column, read back as rows in the engine's dialect)."""
    if "dims" not in figures:
        params.update({f"v_{m}": int(figures[m]) for m in measures})
        return "SELECT " + ", ".join(f'CAST($v_{m} AS BIGINT) AS "{m}"' for m in measures)
    cols = []
    for i, d in enumerate(dims):
        params[f"{name}_d{i}"] = [None if v is None else str(v) for v in figures["dims"][d]]
        cols.append((f"{name}_d{i}", "VARCHAR", d))
    for m in measures:
        params[f"{name}_{m}"] = [int(v) for v in figures[m]]
        cols.append((f"{name}_{m}", "BIGINT", m))
    return dialect.zip_rows(cols)


def _by_entity(q: Query) -> Query:
    """``q`` without the dims that are attributes of another of its dims (store_type with
    store): those are looked up per result row instead (see build_sql)."""
    keep = tuple(d for d in q.dims if (reg.DIMENSIONS[d].attribute_of or (None,))[0] not in q.dims)
    return q if keep == q.dims else dataclasses.replace(q, dims=keep)


def _order_sql(q: Query, col) -> str:
    """ORDER BY over the result columns (``col(name)``: a dim's or metric's qualified column)."""
    if q.order_by:
        if q.order_by in q.metrics:
            return f" ORDER BY {col(q.order_by)} DESC NULLS LAST" + "".join(f", {col(d)}" for d in q.dims)
        if q.order_by in q.dims:
            return f" ORDER BY {col(q.order_by)}"
        raise reg.MetricError(f"cannot order by {q.order_by!r}: it is neither a chosen metric nor dimension")
    time_dims = [d for d in q.dims if reg.DIMENSIONS[d].time]
    if time_dims:
        return " ORDER BY " + ", ".join(col(d) for d in q.dims)
    if q.dims:
        return f" ORDER BY {col(q.metrics[0])} DESC NULLS LAST, " + ", ".join(col(d) for d in q.dims)
    return ""


# ---------------------------------------------------------------------------
# Execution and caching


class QueryCache(LRU):
    """Results keyed by (SQL, parameters, data version): an import bumps the version,
    so a number is never stale after an import and never recomputed on a plain rerun."""

    def __init__(self, max_entries: int = 512):
        super().__init__(max_entries)
        self.hits = 0
        self.misses = 0

    def get_or_run(self, key, run):
        value = self.get(key, MISSING)
        if value is not MISSING:
            with self._lock:
                self.hits += 1
            return value
        value = run()
        with self._lock:
            self.misses += 1
        self.put(key, value)
        return value


# The benchmark records every statement a page runs (to replay it raw as the floor):
# the engine's door does it (cockpit.engine.recording, re-exported here for the bench).
recording = engine.recording


def _fetch(con, sql: str, params: dict) -> pl.DataFrame:
    return store.fetch_pl(con, sql, params)


def _cached(con, cache: QueryCache | None, sql: str, params: dict, compute, *kind):
    """``compute()``, or its cached result for (kind, SQL, parameters, data version)."""
    if cache is None:
        return compute()
    key = (*kind, sql, tuple(sorted((k, repr(v)) for k, v in params.items())), store.data_version(con))
    return cache.get_or_run(key, compute)


def execute(con: Database, sql: str, params: dict, cache: QueryCache | None = None) -> pl.DataFrame:
    return _cached(con, cache, sql, params, lambda: _fetch(con, sql, params))


def dialect_of(con) -> Dialect:
    """The dialect of the engine behind ``con`` (a Database, or a bare DuckDB connection)."""
    return engine.wrap(con).dialect


def run(con: Database, q: Query, cache: QueryCache | None = None) -> pl.DataFrame:
    q = _filters_by_entity(con, q, cache)
    # read through the cache: once per data version, not once per question
    buyer_max = buyer_keys.max_key(con, lambda sql: execute(con, sql, {}, cache)) if _wants_buyer_max(q) else None
    sql, params = build_sql(q, buyer_max, buyer_counts.figures(con, q, buyer_max, cache), dialect_of(con))
    return execute(con, sql, params, cache)


def _filters_by_entity(con, q: Query, cache: QueryCache | None) -> Query:
    """``q`` with each filter on an entity attribute (brand, store type, account type,
    agency) replaced by the entity keys that have it (stores of the brand...).

    The same rows either way (an attribute is its entity's), but a key list is a plain
    IN on the fact table's own column: no join of every order to its store just to read
    the brand (a year of one brand's orders: 150 -> 40 ms).  Several filters on one
    entity intersect.  The data scope is left as it is."""
    entity_keys: dict[str, set | None] = {}
    kept = []
    for d, values in q.filters:
        attr = reg.DIMENSIONS[d].attribute_of
        if attr is None:
            kept.append((d, values))
            continue
        entity, col = attr
        e = reg.DIMENSIONS[entity]
        params: dict = {}
        sql = (f'SELECT "{e.label_key}" AS k FROM "{e.label_table}" WHERE "{col}" IN '
               f'({bind_list(params, "v", values, dialect_of(con))}) ORDER BY 1')
        keys = set(execute(con, sql, params, cache)["k"].to_list())
        entity_keys[entity] = keys if entity_keys.get(entity) is None else entity_keys[entity] & keys
    if not entity_keys:
        return q
    for d, values in kept:
        if d in entity_keys:  # a key filter of its own: intersect
            entity_keys[d] &= set(values)
    filters = tuple(sorted([(d, v) for d, v in kept if d not in entity_keys] +
                           [(d, tuple(sorted(keys))) for d, keys in entity_keys.items()]))
    return dataclasses.replace(q, filters=filters)


# ---------------------------------------------------------------------------
# Comparisons

CMP, DELTA, PCT = "__cmp", "__delta", "__pct"


def _shift_time(df: pl.DataFrame, dim: str, cur: Period, cmp: Period) -> pl.DataFrame:
    """Move comparison buckets onto the current period's buckets by position."""
    col = pl.col(dim)
    if dim == "day":
        return df.with_columns(col + pl.duration(days=(cur.start - cmp.start).days))
    if dim == "week":
        weeks = round((cur.start - cmp.start).days / 7)
        return df.with_columns(col + pl.duration(days=7 * weeks))
    months = (cur.start.year - cmp.start.year) * 12 + cur.start.month - cmp.start.month
    return df.with_columns(col.dt.offset_by(f"{months}mo"))


def run_compared(
    con: Database, q: Query, mode: str | None, cache: QueryCache | None = None,
    compare: list[str] | None = None,
) -> pl.DataFrame:
    """The query's rows with, per metric, its comparison value, change and % change.

    Columns: dims, labels, each metric, then ``<metric>__cmp``, ``__delta``, ``__pct``.
    The % change is null when the comparison value is zero or missing.  ``compare``
    limits the comparison to the metrics that will be shown with a change (a
    leaderboard shows GMV's change only; the other columns need no second scan).
    """
    cur = run(con, q, cache)
    cmp_period = periods.comparison(q.period, mode) if q.period is not None else None
    if cmp_period is None:
        return cur
    cmp_metrics = tuple(m for m in q.metrics if compare is None or m in compare)
    base = Query(cmp_metrics, q.dims, cmp_period, q.filters, q.scope, None, None, False, q.now)
    other = run(con, base, cache)
    for d in q.dims:
        if reg.DIMENSIONS[d].time:
            other = _shift_time(other, d, q.period, cmp_period)
    other = other.rename({m: m + CMP for m in cmp_metrics})
    if q.dims:
        out = cur.join(other, on=list(q.dims), how="left", nulls_equal=True)
    else:
        out = pl.concat([cur, other], how="horizontal")
    exprs = []
    for m in cmp_metrics:
        c, p = pl.col(m).cast(pl.Float64), pl.col(m + CMP).cast(pl.Float64)
        exprs.append((c - p).alias(m + DELTA))
        exprs.append(pl.when(p.is_null() | (p == 0)).then(None).otherwise((c - p) / p.abs()).alias(m + PCT))
    return out.with_columns(exprs)
