"""Every statement the pages issue, on DuckDB and on ClickHouse (chDB) with the same data.

The tiny group is built in DuckDB, copied to chDB with ``cockpit copy``, and the pages'
reports run on DuckDB while the engine door records their statements (June 2025 against
the month before and the year before, the whole group and one brand).  Each statement
then runs on both engines.

Phase 1 of issue 14 (the engine boundary) leaves the query builder and the reports
writing DuckDB's SQL; the statements ClickHouse still refuses or answers differently are
listed in KNOWN with the reason, each an expected failure (strict: one that starts to
agree must leave the list).  Every other statement must give the same rows.  Phase 2
empties KNOWN by spelling those statements through the engine's dialect.
"""

from __future__ import annotations

import os

import pytest

from cockpit import engine, store
from cockpit.engine import parity
from tests.conftest import load_tiny

# Why ClickHouse disagrees (from a run of this harness; the README lists them too).
CORRELATED = ("a label or entity attribute looked up by a correlated subquery (query.build_sql's "
              "<dim>_name / _attribute_sql) that the ORDER BY uses; ClickHouse: 'Correlated subqueries in ORDER BY "
              "are not supported'. Phase 2: LEFT JOIN the dimension table in the dialect")
BITMAP = ("DuckDB's fast path, distinct buyers as bitstring_agg bitmaps over dense buyer keys "
          "(metrics.Measure.bitmap): the ClickHouse engine never takes it (buyer_keys.max_key is None there) and "
          "counts COUNT(DISTINCT) instead. Phase 2: uniqExact / groupBitmap through the dialect")
CATALOG = ("DuckDB's catalog (duckdb_databases(): where the database file is, for the rejects folder; "
           "importer.default_rejects_dir / inbox), issued when a page's report first asks for it. Phase 2: "
           "the engine's Database.url / file_path instead of SQL")
DICT = ("the dense buyer-key dictionary (buyers) is DuckDB's; ClickHouse hashes buyer ids and never asks "
        "for the largest key")

# signature -> why (strict expected failures: one that starts to agree must leave the list)
KNOWN: dict[str, str] = {
    "5ea0f0a4fb": CATALOG,
    "bce101d895": DICT,
    "62be0cd655": BITMAP,
    "50008612c5": CORRELATED,
    "ba8c62d7f5": BITMAP,
    "b8948c49fe": CORRELATED,
    "7dc8f1e48f": BITMAP,
    "ed6bf7be9d": BITMAP,
    "1c7d4a1f22": CORRELATED,
    "6220c92fb2": CORRELATED,
    "7c4087310c": CORRELATED,
    "ce4fdadbf3": CORRELATED,
    "8b24bf572b": CORRELATED,
    "5c26525d72": BITMAP,
    "872af11d39": CORRELATED,
    "43e0d7fa99": BITMAP,
    "f9d6258f7b": CORRELATED,
    "f3da0a6c5a": BITMAP,
    "3cf57e2042": BITMAP,
    "fa05822a88": BITMAP,
    "1f0b84ffa9": CORRELATED,
    "ebd736afcb": CORRELATED,
    "8b73975c91": CORRELATED,
    "67ecbd6678": CORRELATED,
    "72020d2cbe": CORRELATED,
    "4b18af8b95": BITMAP,  # 直播复盘's session list (live_buyers per session, one brand)
}


def _views(con):
    from cockpit.selection import Selection
    from cockpit.view import View

    base = {"period": "custom", "start": "2025-06-01", "end": "2025-06-30"}
    for extra in ({"compare": "prev"}, {"compare": "yoy", "brand": ["山野茶"]}):
        sel = Selection.from_params({**base, **extra})
        yield View(con, sel, lang="zh", now=__import__("datetime").datetime(2025, 7, 1, 9, 0))  # June complete


def record_pages(con) -> list:
    """Run every page's reports on ``con`` and return the recorded statements."""
    from cockpit import reports
    from cockpit.reports import overview

    with engine.recording() as calls:
        for view in _views(con):
            overview.kpis(view)
            overview.trend(view)
            for page in reports.PAGES:
                reports.page_tables(page, view)
    return calls


@pytest.fixture(scope="module")
def two_engines(tmp_path_factory, _chdb_folder):
    from cockpit import copy

    src_path = tmp_path_factory.mktemp("parity") / "tiny.duckdb"
    duck = store.connect(src_path)
    load_tiny(duck)
    name = f"parity_{os.getpid()}"
    ch = store.connect(f"chdb://{_chdb_folder}?database={name}")
    counts = copy.copy(duck, ch)
    assert all(c.ok for c in counts)
    statements = parity.distinct_statements(record_pages(duck))
    outcomes = [parity.compare(duck, ch, sql, params) for sql, params in statements]
    yield outcomes
    duck.close()
    ch.execute(f"DROP DATABASE IF EXISTS `{name}`")
    ch.close()


def test_pages_issue_statements(two_engines):
    assert len(two_engines) >= 20  # the harness really recorded the pages


def test_every_other_statement_agrees(two_engines):
    bad = [o for o in two_engines if o.verdict != parity.IDENTICAL and o.sig not in KNOWN]
    report = "\n".join(f"{o.sig} {o.verdict}: {o.detail}\n    {o.sql[:300]}" for o in bad)
    assert not bad, f"{len(bad)} statements disagree on ClickHouse and are not in KNOWN:\n{report}"


@pytest.mark.parametrize("sig", sorted(KNOWN))
def test_known_disagreement(two_engines, sig):
    outcome = next((o for o in two_engines if o.sig == sig), None)
    if outcome is None:  # issued once per process (a cached lookup) or no longer: not a disagreement
        pytest.xfail(f"statement {sig} was not issued in this run ({KNOWN[sig]})")
    if outcome.verdict != parity.IDENTICAL:
        pytest.xfail(f"{KNOWN[sig]} (now: {outcome.verdict}: {outcome.detail})")
    pytest.fail(f"statement {sig} now agrees on ClickHouse: remove it from KNOWN")
