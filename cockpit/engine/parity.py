"""Run one recorded statement on two engines and say whether they agree (issue 14).

The two-engine harness (tests/test_engine_parity.py, bench/bench_engines.py) records the
statements the pages issue on DuckDB and replays each, with the same parameters, on
ClickHouse loaded with the same data (``cockpit copy``).  Values are compared as people
see them: money and ratios to 6 decimals, booleans as 0/1, rows in the statement's order
when it has an ORDER BY, as a multiset otherwise.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import re
from dataclasses import dataclass

from cockpit.engine.base import Database

IDENTICAL, FAILING, DIFFERENT = "identical", "failing", "different"


def signature(sql: str) -> str:
    """A short, stable name for a statement's text (whitespace-insensitive)."""
    return hashlib.sha1(" ".join(sql.split()).encode()).hexdigest()[:10]


@dataclass
class Outcome:
    sql: str
    params: object
    verdict: str
    detail: str = ""

    @property
    def sig(self) -> str:
        return signature(self.sql)


def _value(v):
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, (float, decimal.Decimal)):
        return round(float(v), 6)
    if isinstance(v, dt.datetime):
        return v.replace(tzinfo=None)
    if isinstance(v, (list, tuple)):
        return tuple(_value(x) for x in v)
    return v


def _rows(db: Database, sql: str, params) -> list[tuple]:
    t = db.fetch_arrow(sql, params, record=False)
    cols = [c.to_pylist() for c in t.columns]
    return [tuple(_value(v) for v in row) for row in zip(*cols)] if cols else []


_ORDERED = re.compile(r"\bORDER\s+BY\b[^()]*$", re.I | re.S)


def compare(base: Database, other: Database, sql: str, params) -> Outcome:
    """The statement on ``base`` (the reference) and on ``other``."""
    want = _rows(base, sql, params)
    try:
        got = _rows(other, sql, params)
    except Exception as e:  # noqa: BLE001 - any refusal is the finding
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        first = re.sub(r"^.*?DB::Exception: ", "", first)
        return Outcome(sql, params, FAILING, first[:300])
    if want == got:
        return Outcome(sql, params, IDENTICAL)
    key = repr
    if sorted(want, key=key) == sorted(got, key=key):
        if not _ORDERED.search(sql):
            return Outcome(sql, params, IDENTICAL)
        return Outcome(sql, params, DIFFERENT, "same rows in another order (ties of the ORDER BY)")
    if len(want) != len(got):
        return Outcome(sql, params, DIFFERENT, f"{len(want)} rows on DuckDB, {len(got)} on ClickHouse")
    for w, g in zip(sorted(want, key=key), sorted(got, key=key)):
        if w != g:
            return Outcome(sql, params, DIFFERENT, f"DuckDB {w!r} vs ClickHouse {g!r}"[:300])
    return Outcome(sql, params, DIFFERENT, "rows differ")


def distinct_statements(calls) -> list[tuple[str, object]]:
    """The recorded (sql, params) pairs, one per distinct statement text, in first-seen order;
    figures computed outside SQL (buyer sets, NumPy) are replayed as their SQL floor."""
    seen, out = set(), []
    for call in calls:
        sql, params = call[3] if len(call) > 3 else call[:2]
        sig = signature(sql)
        if sig not in seen:
            seen.add(sig)
            out.append((sql, params))
    return out
