"""A question becomes one statement (layer 4 of the house: the query).

(metrics, dimensions, filters, period, scope) -> one parameterised SQL statement in the
dialect of the engine that runs it.  Values the user chose (dates, store ids, brand
names...) are always bound parameters; the SQL text is assembled only from the registry
in :mod:`cockpit.metrics`.  Data scopes are applied here, so every page, export and
command inherits them.  Running, caching and comparisons are cockpit.query's.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass

from cockpit import clock, engine, metrics as reg
from cockpit.engine import Dialect
from cockpit.periods import Period


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


def _rollup_fits(roll: reg.Source, src: reg.Source, q: Query, dialect: Dialect = engine.DUCKDB) -> bool:
    """Every dim, filter and scope dim the query applies to ``src`` is in the rollup,
    and a rollup whose rows are whole per some dims is split by them over all time."""
    if not use_rollups or (q.period is not None and q.period.partial):  # daily rows: no part of a day
        return False
    used = set(q.dims) | {d for d, _ in q.filters} | {d for d, _ in (q.scope or ())}
    if not all(d in roll.dims for d in used if d in src.dims):
        return False
    if roll.whole_for:  # split by and filtered to named sessions (never the null "no session" group)
        filtered = {d for d, _ in q.filters}
        if roll.parts:  # filters and scopes cut wholes into parts: split by the wholes alone (DuckDB's table)
            return q.period is None and dialect.name == "duckdb" and set(q.dims) == set(roll.whole_for) <= filtered
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


def _needed(q: Query, buyer_max: int | None = None,
            dialect: Dialect = engine.DUCKDB) -> dict[str, list[tuple[str, str]]]:
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
            fitting[src.id] = [r for r in src.rollups if _rollup_fits(reg.SOURCES[r], src, q, dialect)]
        roll = next((r for r in fitting[src.id] if r in m.rollup), None)
        if roll is not None:
            out.setdefault(roll, []).append((ms, m.rollup[roll]))
        elif m.bitmap is not None and bitmaps:
            out.setdefault(src.id, []).append((ms, m.bitmap))
        else:
            out.setdefault(src.id, []).append((ms, m.sql_for(dialect)))
    return out

def conditions(
    dims: dict[str, str],
    filters=(),
    scope=None,
    params: dict | None = None,
    period: Period | None = None,
    time_col: str | None = None,
    dialect: Dialect | None = None,
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


def bind_list(params: dict, prefix: str, values, dialect: Dialect | None = None) -> str:
    """Bind ``values`` and return what goes inside ``IN (...)``: a long list as one list
    parameter, spelled by the ``dialect`` of the engine that runs the statement; without
    a dialect (a caller that does not know the engine) one parameter per value, which
    every engine takes.

    An empty list gives NULL, so ``x IN (NULL)`` matches nothing instead of failing.
    """
    values = list(values)
    if dialect is not None and len(values) > LIST_PARAM_AFTER:
        params[prefix] = [None if v is None else str(v) for v in values]
        return dialect.list_rows(prefix, "VARCHAR")
    names = []
    for i, v in enumerate(values):
        params[f"{prefix}_{i}"] = v
        names.append(f"${prefix}_{i}")
    return ", ".join(names) if names else "NULL"


def _where(src: reg.Source, q: Query, params: dict, dialect: Dialect | None = None) -> list[str]:
    conds = conditions(src.dims, q.filters, q.scope, params, q.period, src.time_col, dialect)
    if src.prune and q.period is not None:  # after the period: its parameters are bound
        conds.append(src.prune)
    return conds


def _scope_condition(dims: dict[str, str], scope, params: dict, dialect: Dialect | None = None) -> str:
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
# tables keyed by the column every LEFT JOIN to them matches on (metrics.py's FROMs):
# such a join finds at most one row
_DIMENSION_TABLES = {"stores", "accounts", "products", "live_sessions"}


def joins_needed(from_sql: str, used: str) -> str:
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
                dialect: Dialect = engine.DUCKDB, extra: tuple[str, ...] = ()) -> str:
    if src.parts:
        return _parts_cte(src, measures, q, params, dialect)
    dims_sel, ms_sel, rest = _source_sql(src, measures, q, params, dialect, extra)
    return f"SELECT {', '.join(dims_sel + ms_sel)} {rest}"


def _source_sql(src: reg.Source, measures: list[tuple[str, str]], q: Query, params: dict,
                dialect: Dialect = engine.DUCKDB, extra: tuple[str, ...] = ()) -> tuple[list[str], list[str], str]:
    """A source's statement as (dims selected, measures selected, the rest: FROM ... HAVING).
    Two sources whose rest is the same text group the same rows the same way: build_sql
    reads them in one scan."""
    dim_exprs = [(d, src.dims[d]) for d in q.dims]
    where = _where(src, q, params, dialect) + list(extra)
    where_sql = f" WHERE {' AND '.join(where)}" if where else ""
    ms_sql = [f'{sql} AS "{m}"' for m, sql in measures]
    used = " ".join([e for _, e in dim_exprs] + ms_sql + [where_sql, src.grain or ""] + list(src.inner_cols.values()))
    from_sql = joins_needed(src.from_sql, used)
    if src.grain is None:
        group = f" GROUP BY {', '.join(e for _, e in dim_exprs)}" if dim_exprs else ""
        having = f" HAVING {src.nonempty}" if src.nonempty and dim_exprs else ""
        return [f'{e} AS "{d}"' for d, e in dim_exprs], ms_sql, f"FROM {from_sql}{where_sql}{group}{having}"
    inner_sel = [f'{e} AS "{d}"' for d, e in dim_exprs] + [f"{src.grain} AS _grain"]
    inner_sel += [f"{expr} AS {name}" for name, expr in src.inner_cols.items()]
    inner_group = ", ".join([e for _, e in dim_exprs] + [src.grain])
    inner = f"SELECT {', '.join(inner_sel)} FROM {from_sql}{where_sql} GROUP BY {inner_group}"
    outer_dims = [f'g."{d}"' for d, _ in dim_exprs]
    group = f" GROUP BY {', '.join(outer_dims)}" if outer_dims else ""
    return outer_dims, ms_sql, f"FROM ({inner}) g{group}"


def _parts_cte(roll: reg.Source, measures: list[tuple[str, str]], q: Query, params: dict,
               dialect: Dialect = engine.DUCKDB) -> str:
    """The figures of the wholes (sessions) ``q`` names from a rollup of their parts
    (Source.parts): a whole whose parts the filters and scope keep all of, or one of,
    from its stored figure; a whole they cut into several parts from its source, by the
    measures' own SQL over those wholes' rows alone.  One row per whole either way."""
    (dim,) = q.dims
    key = roll.dims[dim]
    conds = conditions(roll.dims, q.filters, q.scope, params, dialect=dialect)
    where = " AND ".join(conds) or "TRUE"
    from_sql = joins_needed(roll.from_sql, where)
    whole_or_one = "COUNT(*) = MAX(r.parts) OR COUNT(*) = 1"
    sel = ", ".join([f'{key} AS "{dim}"'] + [f'{sql} AS "{m}"' for m, sql in measures])
    kept = f"SELECT {sel} FROM {from_sql} WHERE {where} GROUP BY {key} HAVING {whole_or_one}"
    cut = f"SELECT {key} FROM {from_sql} WHERE {where} GROUP BY {key} HAVING NOT ({whole_or_one})"
    base = reg.SOURCES[reg.MEASURES[measures[0][0]].source]
    # the cut wholes are among those named: they replace the names (a semi-join DuckDB skips when empty)
    rest = dataclasses.replace(q, filters=tuple((d, v) for d, v in q.filters if d != dim))
    counted = _source_cte(base, [(m, reg.MEASURES[m].sql_for(dialect)) for m, _ in measures], rest, params, dialect,
                          (f"{base.dims[dim]} IN ({cut})", roll.parts.format(cut=cut)))
    return f"{kept} UNION ALL {counted}"


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
    needed = _needed(q, buyer_max, dialect)
    names: list[str] = []  # the sources' CTEs, in order
    bodies: dict[str, str] = {}  # a CTE's statement (sources computed outside, or read by parts)
    shapes: dict[str, tuple[list[str], list[str], str]] = {}  # the others' _source_sql
    by_rest: dict[str, str] = {}  # the rest of a source's statement -> the CTE reading it
    cte_of = {}
    for sid, measures in needed.items():
        src = reg.SOURCES[sid]
        if (computed and sid in computed) or src.parts:
            name = f"src{len(names)}"
            names.append(name)
            bodies[name] = (_bound(computed[sid], q.dims, [m for m, _ in measures], params, name, dialect)
                            if computed and sid in computed else _source_cte(src, measures, q, params, dialect))
        else:
            dims_sel, ms_sel, rest = _source_sql(src, measures, q, params, dialect)
            name = by_rest.get(rest)
            if name is None:  # sources over the same rows (a session's GMV and its orders): one scan
                name = by_rest[rest] = f"src{len(names)}"
                names.append(name)
                shapes[name] = (dims_sel, [], rest)
            shapes[name][1].extend(ms_sel)
        cte_of.update({m: name for m, _ in measures})
    ctes = [f"{n} AS ({bodies[n]})" if n in bodies
            else f"{n} AS (SELECT {', '.join(shapes[n][0] + shapes[n][1])} {shapes[n][2]})" for n in names]

    def measure_col(m: str, ref: str | None = None) -> str:
        ref = ref or f'{cte_of[m]}."{m}"'
        return ref if reg.MEASURES[m].null_when_empty else f"COALESCE({ref}, 0)"  # "no rows": — or 0

    all_measures = [m for ms in needed.values() for m, _ in ms]
    dcols = [f'"{d}"' for d in q.dims]
    if q.dims and len(names) == 1:
        (only,) = names
        joined_sel = dcols + [f'{measure_col(m)} AS "{m}"' for m in all_measures]
        ctes.append(f"joined AS (SELECT {', '.join(joined_sel)} FROM {only})")
    elif q.dims:
        # Each source read once (ClickHouse runs a CTE again at every reference, so a
        # keys-then-LEFT-JOIN form read every source twice): the sources stacked, each
        # with NULL for the measures of the others, then one row per key.  A source has
        # at most one row per key (it is grouped by them), so max() is that row's value
        # and NULL where the source has no row, as the outer join gave; GROUP BY puts
        # NULL keys together, as IS NOT DISTINCT FROM did.
        stacked = " UNION ALL ".join(
            "SELECT " + ", ".join(dcols + [f'{n}."{m}" AS "{m}"' if cte_of[m] == n else f'NULL AS "{m}"'
                                           for m in all_measures]) + f" FROM {n}"
            for n in names)
        kept = {m: f's."{m}"' for m in all_measures}
        joined_sel = dcols + [f'{measure_col(m, f"max({kept[m]})")} AS "{m}"' for m in all_measures]
        ctes.append(f"joined AS (SELECT {', '.join(joined_sel)} FROM ({stacked}) s GROUP BY {', '.join(dcols)})")
    else:
        cross = " CROSS JOIN ".join(names)
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
