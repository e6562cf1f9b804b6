"""Distinct buyers and repurchase counted outside the SQL statement, bound into it as
constants (query.build_sql): from the monthly buyer sets (cockpit.buyer_sets) when the
question fits them, else per buyer key in NumPy for a question without a split.  Both
give the number the statement's own COUNT(DISTINCT) / per-buyer GROUP BY would."""

from __future__ import annotations

import datetime as dt
import time
from typing import TYPE_CHECKING

from cockpit import buyer_keys, buyer_sets, engine, metrics as reg, qcache, store
from cockpit.engine import clickhouse_buyers as chb
from cockpit import statements as qb
from cockpit.periods import Period, add_months

if TYPE_CHECKING:
    from cockpit.qcache import QueryCache
    from cockpit.statements import Query

# Off only in tests that compare the paths.
use_buyer_sets = True
use_vectors = True
# bincount's array: 8 bytes per bin, two bins per buyer key (256 MB at 16M buyers)
VECTOR_BUDGET_BINS = 32 * 1024 * 1024


def figures(con, q: Query, buyer_max: int | None, cache: QueryCache | None) -> dict | None:
    """{source id: figures} for query.build_sql: buyer sets first, NumPy for the rest."""
    sets = from_sets(con, q, buyer_max, cache)
    vec = vectors(con, q, buyer_max, cache, skip=set(sets or ()))
    return {**(vec or {}), **(sets or {})} or None


def vectors(con, q: Query, buyer_max: int | None, cache: QueryCache | None, skip=frozenset()) -> dict | None:
    """{source id: {measure: value}} for the per-grain sources this query reads in NumPy.

    Only without a split (the headline cards): one statement fetches an integer code per
    row (same FROM and WHERE as the SQL path, so period, filters and scope apply alike)
    and the source's function turns them into per-key arrays."""
    if not use_vectors or q.dims or buyer_max is None or 2 * (buyer_max + 1) > VECTOR_BUDGET_BINS:
        return None
    out = {}
    for sid, measures in qb._needed(q, buyer_max).items():
        src = reg.SOURCES[sid]
        if sid in skip or src.vector is None or not all(reg.MEASURES[m].vector for m, _ in measures):
            continue
        params: dict = {}
        where = qb._where(src, q, params, engine.DUCKDB)  # (DuckDB's fast path)
        code_sql, per_key = src.vector
        where_sql = f" WHERE {' AND '.join(where)}" if where else ""
        sql = f"SELECT {code_sql} AS code FROM {qb.joins_needed(src.from_sql, code_sql + where_sql)}{where_sql}"
        ids = tuple(m for m, _ in measures)

        def compute(sql=sql, params=params, per_key=per_key, ids=ids, src=src, measures=measures):
            t0 = time.perf_counter()
            # Arrow, then a zero-copy view (BIGINT codes: bincount takes them as they are)
            codes = con.fetch_arrow(sql, params, record=False).column(0).to_numpy()
            arrays = per_key(codes, buyer_max)
            values = {m: int(reg.MEASURES[m].vector(arrays)) for m in ids}
            if engine.recorder() is not None:  # the bench counts the NumPy work as this statement's time,
                # and DuckDB computing the same figures on its own (the SQL path) as the floor
                floor_params: dict = {}
                floor_sql = qb._source_cte(src, measures, q, floor_params)
                engine.recorder().append((sql, dict(params), time.perf_counter() - t0, (floor_sql, floor_params)))
            return values

        out[sid] = qcache.cached(con, cache, sql, params, compute, "vector", ids, buyer_max)
    return out or None




def from_sets(con, q: Query, buyer_max: int | None, cache: QueryCache | None) -> dict | None:
    """{source id: figures (see statements._bound)} for the sources whose every measure the buyer
    sets answer (cockpit.buyer_sets): distinct buyers, repurchase and fan buyers over a
    period that holds every order of at least one month, split and filtered by dims a
    layout of sets keeps, and with the sets of those months built.  The period's other
    days are read from orders; the result is the number the SQL path counts."""
    if not use_buyer_sets or q.period is None or q.period.partial:  # sets: whole days
        return None
    # DuckDB: a first look, to choose the path (the figures look again inside their
    # snapshot); no covered month: every day is read from orders, still cheaper than a
    # hash count.  ClickHouse looks once, inside (_gather_clickhouse: every month the
    # period touches must be current, else _Stale and the statement counts).
    span = (q.period.start, q.period.start)
    if con.kind == "duckdb":
        span = buyer_sets.covered_months(con, q.period.start, q.period.end) or span
    qd = qb._by_entity(q)
    used = set(qd.dims) | {d for d, _ in q.filters} | {d for d, _ in (q.scope or ())}
    out = {}
    for sid, measures in qb._needed(qd, buyer_max).items():
        ms = [reg.MEASURES[m] for m, _ in measures]
        if not all(m.sets for m in ms):
            continue
        kinds = {"seen"}.union(*(m.sets[0] for m in ms))
        lay = buyer_sets.layout_for(used, kinds)
        if lay is None or (con.kind == "duckdb" and span[0] < span[1] and buyer_sets.missing_months(con, *span)):
            continue
        kinds = tuple(k for k in buyer_sets.KINDS if k in kinds)
        params: dict = {}
        key_sql = f"{lay.table} {q.period} {qd.dims} {q.filters} {q.scope} {kinds} {[m.id for m in ms]}"

        def compute(lay=lay, kinds=kinds, ms=ms, measures=measures, sid=sid):
            t0 = time.perf_counter()
            figures = _sets_compute(con, qd, lay, kinds, ms)
            if engine.recorder() is not None:  # the floor: DuckDB counting the same figures from orders
                floor_params: dict = {}
                floor_sql = qb._source_cte(reg.SOURCES[sid], measures, qd, floor_params)
                if "$buyer_max" in floor_sql:
                    floor_params["buyer_max"] = max(int(buyer_max), 1)
                engine.recorder().append((f"buyer sets: {lay.table} {[m.id for m in ms]}", {}, time.perf_counter() - t0,
                                  (floor_sql, floor_params)))
            return figures

        try:
            out[sid] = qcache.cached(con, cache, key_sql, params, compute, "sets")
        except _Stale:
            continue  # counted by the statement itself
    return out or None


class _Stale(Exception):
    """ClickHouse: orders newer than the sets' dense keys (a commit between two reads)."""


def _sets_compute(con, q: Query, lay: buyer_sets.Layout, kinds: tuple[str, ...], ms) -> dict:
    with store.snapshot(con):  # the months' sets and the orders around them as of one moment
        groups = _gather(con, q, lay, kinds) if con.kind == "duckdb" else _gather_clickhouse(con, q, lay, kinds)
    combined = {g: buyer_sets.combine(parts, kinds) for g, parts in groups.items()}
    n = len(q.dims)
    if not n:
        one = combined.get(()) or buyer_sets.combine([], kinds)  # no orders: empty sets
        return {m.id: m.sets[1](one) for m in ms}
    order = list(combined)
    return {"dims": {d: [g[i] for g in order] for i, d in enumerate(q.dims)},
            **{m.id: [m.sets[1](combined[g]) for g in order] for m in ms}}


def _gather(con, q: Query, lay: buyer_sets.Layout, kinds: tuple[str, ...]) -> dict[tuple, list]:
    """{result group: [sets of one part]}: the built months the period covers from their
    stored sets, every other day of the period from its month's day sets (or from orders,
    same filters and scope, where its month has none)."""
    groups: dict[tuple, list] = {}
    start, end_excl = q.period.start, q.period.end + dt.timedelta(days=1)
    span = buyer_sets.covered_months(con, q.period.start, q.period.end)
    tokens = buyer_sets.built_tokens(con, *span) if span else {}
    if tokens:
        _stored(con, q, lay, kinds, tokens, groups)
    lo = start
    for m in [*sorted(tokens), None]:  # the days between the covered months
        hi = end_excl if m is None else m
        if lo < hi:
            day_tokens = buyer_sets.built_tokens(con, lo.replace(day=1), hi)
            if day_tokens:  # the days of built months from their day sets
                _stored(con, q, buyer_sets.DAY_LAYOUTS[lay.table], kinds, day_tokens, groups, (lo, hi))
            for a, b in _unbuilt(lo, hi, day_tokens):  # the rest from orders
                _from_orders(con, q, kinds, a, b, groups)
        if m is not None:
            lo = max(lo, add_months(m, 1))
    return groups


def _unbuilt(lo: dt.date, hi: dt.date, built) -> list[tuple[dt.date, dt.date]]:
    """The ranges of [lo, hi) whose months are not in ``built``."""
    out: list[tuple[dt.date, dt.date]] = []
    d = lo
    while d < hi:
        b = min(hi, buyer_sets.next_month(d) or hi)
        if d.replace(day=1) not in built:
            if out and out[-1][1] == d:
                out[-1] = (out[-1][0], b)
            else:
                out.append((d, b))
        d = b
    return out


def _stored(con, q: Query, lay: buyer_sets.Layout, kinds: tuple[str, ...], tokens: dict, groups: dict,
            days: tuple[dt.date, dt.date] | None = None) -> None:
    """Add to ``groups`` the parts of ``lay`` the question keeps, of the built months in
    ``tokens`` (and of the days in [days) for a day layout), decoded once and kept."""
    params: dict = {"m0": min(tokens), "m1": max(tokens) + dt.timedelta(days=1)}
    conds = ["r.month >= $m0 AND r.month < $m1", *qb.conditions(lay.dims, q.filters, q.scope, params, dialect=engine.DUCKDB)]
    if days is not None:
        params.update(d0=days[0], d1=days[1])
        conds.append(f"r.{buyer_sets.DAY} >= $d0 AND r.{buyer_sets.DAY} < $d1")
    sel = ["r.month", *(f"r.{k}" for k in lay.keys), *(lay.dims[d] for d in q.dims)]
    from_where = f"FROM {qb.joins_needed(lay.from_sql, ' '.join(sel + conds))} WHERE {' AND '.join(conds)}"
    rows = [r for r in con.fetchall(f"SELECT {', '.join(sel)} {from_where}", params, record=False) if r[0] in tokens]
    nk = len(lay.keys)
    # (a month outside ``tokens`` gets no token: never one of the rows' sets)
    ident = lambda r, kind: (lay.table, tokens.get(r[0]), r[1:1 + nk], kind)  # noqa: E731
    _add_decoded(con, sel, from_where, params, rows, ident, kinds, groups, 1 + nk)


def _add_decoded(con, sel: list[str], from_where: str, params: dict, rows: list, ident, kinds: tuple[str, ...],
                 groups: dict, group_at: int, blob=lambda value: value) -> None:
    """Add each row's sets (one per kind, named by ``ident``) to its result group
    ``row[group_at:]``: decoded sets from memory, and what memory does not hold (a
    first question, a rebuilt month) read back in one statement, decoded once and kept.
    ``blob`` turns a stored value into the serialized bitmap (ClickHouse: base64)."""
    got = {ident(r, k): buyer_sets.DECODED.get(ident(r, k)) for r in rows for k in kinds}
    if any(v is None for v in got.values()):
        for r in con.fetchall(f"SELECT {', '.join(sel + [f'r.{k}' for k in kinds])} {from_where}", params,
                              record=False):
            for k, value in zip(kinds, r[len(sel):]):
                if got.get(ident(r, k), 0) is None:
                    raw = blob(value)
                    got[ident(r, k)] = buyer_sets.BitMap.deserialize(raw)
                    buyer_sets.DECODED.put(ident(r, k), got[ident(r, k)], len(raw))
    for r in rows:
        groups.setdefault(tuple(r[group_at:]), []).append([got[ident(r, k)] for k in kinds])


def _from_orders(con, q: Query, kinds: tuple[str, ...], lo: dt.date, hi: dt.date, groups: dict) -> None:
    """Add to ``groups`` the parts of the orders paid in [lo, hi) (filters and scope applied)."""
    src = reg.SOURCES["orders"]
    n = len(q.dims)
    eparams: dict = {}
    edge = Period(lo, hi - dt.timedelta(days=1))
    where = qb.conditions(src.dims, q.filters, q.scope, eparams, edge, src.time_col, engine.DUCKDB)
    sel = [f'{src.dims[d]} AS g{i}' for i, d in enumerate(q.dims)] + [f"{buyer_keys.CODE_SQL} AS code"]
    from_sql = qb.joins_needed(src.from_sql, " ".join(sel + where))
    rows = con.fetch_arrow(f"SELECT {', '.join(sel)} FROM {from_sql} WHERE {' AND '.join(where)}",
                           eparams, record=False)
    for g, sets in buyer_sets.parts([rows.column(i) for i in range(n)], rows.column("code"), kinds):
        groups.setdefault(g, []).append(sets)


def _gather_clickhouse(con, q: Query, lay: buyer_sets.Layout, kinds: tuple[str, ...]) -> dict[tuple, list]:
    """_gather on ClickHouse (cockpit.engine.clickhouse_buyers): the whole months from
    their monthly rows, every other day of the period from the same builds' daily rows,
    never from orders.  Every month the period touches must be current (from_sets checked;
    a commit since then: _Stale, and the statement counts)."""
    start, end = q.period.start, q.period.end
    tokens, stale = chb.month_tokens(con, buyer_sets.BUILT, start.replace(day=1), add_months(end.replace(day=1), 1))
    if stale:
        raise _Stale()
    groups: dict[tuple, list] = {}
    if not tokens:
        return groups
    c0, c1 = buyer_sets.covered_months(con, start, end) or (start, start)
    params: dict = {"tokens": sorted(tokens.values()), "c0": c0, "c1": c1, "d0": start, "d1": end}
    whole = "r.month >= $c0 AND r.month < $c1"
    conds = ["has($tokens, r.token)",
             f"(r.day IS NULL AND {whole} OR r.day >= $d0 AND r.day <= $d1 AND NOT ({whole}))",
             *qb.conditions(lay.dims, q.filters, q.scope, params, dialect=con.dialect)]
    sel = ["r.token", "r.day", *(f"r.{k}" for k in lay.keys), *(lay.dims[d] for d in q.dims)]
    from_where = f"FROM {qb.joins_needed(lay.from_sql, ' '.join(sel + conds))} WHERE {' AND '.join(conds)}"
    rows = con.fetchall(f"SELECT {', '.join(sel)} {from_where}", params, record=False)
    nk = len(lay.keys)
    ident = lambda r, kind: (lay.table, r[0], r[1], r[2:2 + nk], kind)  # noqa: E731
    _add_decoded(con, sel, from_where, params, rows, ident, kinds, groups, 2 + nk, chb.decode)
    return groups
