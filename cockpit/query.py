"""One query layer for every page, export and command: a question is built into one
statement (cockpit.statements), run through the engine's door with the result cache
(cockpit.qcache), its distinct buyers counted outside the statement where DuckDB's fast
paths allow (cockpit.buyer_counts).  Results come back as Polars frames through Arrow.
Comparisons (环比 / 同比) run the same statement over the comparison period and join it
on the non-time dimensions, time buckets aligned by their position in the period.
"""

from __future__ import annotations

import dataclasses

import polars as pl

from cockpit import buyer_counts, buyer_keys, engine, periods, store
from cockpit import metrics as reg
from cockpit.engine import Database, Dialect
from cockpit.periods import Period
from cockpit.qcache import QueryCache, cached as _cached
# the statement layer's names, for the callers that ask the query layer (pages, CLI, tests)
from cockpit.statements import (  # noqa: F401
    LIST_PARAM_AFTER, Query, bind_list, build_sql, conditions, joins_needed,
)
from cockpit import statements as _st


def _wants_buyer_max(q: Query) -> bool:
    """Whether a DuckDB fast path could use the largest buyer key for this question."""
    measures = [reg.MEASURES[ms] for mid in q.metrics for ms in reg.metric(mid).measures]
    return (_st.use_bitmaps and any(m.bitmap for m in measures)) or \
        (buyer_counts.use_vectors and not q.dims and any(reg.SOURCES[m.source].vector or m.vector for m in measures))


# The benchmark records every statement a page runs (to replay it raw as the floor):
# the engine's door does it (cockpit.engine.recording, re-exported here for the bench).
recording = engine.recording


def _fetch(con, sql: str, params: dict) -> pl.DataFrame:
    return store.fetch_pl(con, sql, params)


def execute(con: Database, sql: str, params: dict, cache: QueryCache | None = None) -> pl.DataFrame:
    return _cached(con, cache, sql, params, lambda: _fetch(con, sql, params))


def dialect_of(con) -> Dialect:
    """The dialect of the engine behind ``con`` (a Database, or a bare DuckDB connection)."""
    return engine.wrap(con).dialect


def run(con: Database, q: Query, cache: QueryCache | None = None) -> pl.DataFrame:
    q = _filters_by_entity(con, q, cache)
    # read through the cache: once per data version, not once per question
    buyer_max = buyer_keys.max_key(con, lambda sql: execute(con, sql, {}, cache)) if _wants_buyer_max(q) else None
    try:
        return _answer(con, q, buyer_max, cache)
    except Exception as e:
        if buyer_max is None or not buyer_keys.outgrown(e):
            raise
        # a buyer newer than that key (an import committed in between): once more, sized
        # by the largest key as it is now
        return _answer(con, q, buyer_keys.max_key(con, lambda sql: execute(con, sql, {}, None)), cache)


def _answer(con: Database, q: Query, buyer_max: int | None, cache: QueryCache | None) -> pl.DataFrame:
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
