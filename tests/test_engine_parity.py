"""Every page on DuckDB and on ClickHouse (chDB) with the same data gives the same cells.

The tiny group is built in DuckDB and copied to chDB with ``cockpit copy``.  Every page's
reports then run on each engine, each building its own statements in its own dialect
(June 2025 against the month before, and one brand against the year before), while the
engine door records them.  What people see must be identical: every table as its CSV
export (the bytes), the KPI cards and the trend.  Statements both engines issue with the
same text must also give the same rows (cockpit.engine.parity), so a difference is
pinned to its statement.

Issue 14's phase 1 replayed DuckDB's statements on ClickHouse and listed the ones it
refused; phase 2 spells them through the dialect, and that list is now empty: the
DuckDB-only fast paths (bitmaps, buyer sets, the dense buyer-key dictionary) are never
taken on ClickHouse, which counts with its own functions instead.
"""

from __future__ import annotations

import datetime as dt
import os

import pytest

from cockpit import engine, store
from cockpit.engine import parity
from tests.conftest import load_tiny

NOW = dt.datetime(2025, 7, 1, 9, 0)  # June complete (a June that still holds "now" stops at now)


def _views(con, now=NOW, periods=None):
    from cockpit.selection import Selection
    from cockpit.view import View

    for params in periods or (
        {"period": "custom", "start": "2025-06-01", "end": "2025-06-30", "compare": "prev"},
        {"period": "custom", "start": "2025-06-01", "end": "2025-06-30", "compare": "yoy", "brand": ["山野茶"]},
    ):
        yield View(con, Selection.from_params(params), lang="zh", now=now)


def page_outputs(con, now=NOW, periods=None) -> tuple[dict, list]:
    """{what: cells} of every page's tables (CSV bytes), KPI cards and trend, and the
    statements the engine door saw while computing them."""
    from cockpit import reports
    from cockpit.reports import overview

    out: dict = {}
    with engine.recording() as calls:
        for i, view in enumerate(_views(con, now, periods)):
            out[f"{i} kpis"] = {k: _round(v) for k, v in overview.kpis(view).items()}
            out[f"{i} trend"] = overview.trend(view).to_dicts()
            for page in reports.PAGES:
                for t in reports.page_tables(page, view):
                    out[f"{i} {page}/{t.name}"] = t.csv_bytes()
    return out, calls


def _round(v):
    return round(v, 9) if isinstance(v, float) else v


def compare_outputs(duck: dict, ch: dict) -> list[str]:
    bad = [f"{k}: only on {'DuckDB' if k in duck else 'ClickHouse'}" for k in sorted(set(duck) ^ set(ch))]
    for k in sorted(set(duck) & set(ch)):
        if duck[k] != ch[k]:
            a, b = duck[k], ch[k]
            if isinstance(a, bytes):
                a, b = a.decode("utf-8-sig").splitlines(), b.decode("utf-8-sig").splitlines()
                diff = next(((x, y) for x, y in zip(a, b) if x != y), (len(a), len(b)))
                bad.append(f"{k}: DuckDB {diff[0]!r} vs ClickHouse {diff[1]!r}")
            else:
                bad.append(f"{k}: DuckDB {str(a)[:300]} vs ClickHouse {str(b)[:300]}")
    return bad


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
    yield duck, ch
    duck.close()
    ch.execute(f"DROP DATABASE IF EXISTS `{name}`")
    ch.close()


@pytest.fixture(scope="module")
def outputs(two_engines):
    duck, ch = two_engines
    return page_outputs(duck), page_outputs(ch)


def test_pages_really_ran_on_both(outputs):
    (duck, duck_calls), (ch, ch_calls) = outputs
    assert len(duck) >= 30 and len(duck_calls) >= 20 and len(ch_calls) >= 20
    # the hand-worked June figures (tests/conftest.py) on both engines
    for out in (duck, ch):
        assert out["0 kpis"]["gmv"] == 1250.0 and out["0 kpis"]["buyers"] == 5
        assert out["0 kpis"]["repurchase_rate"] == 0.6


def test_every_page_shows_the_same_cells_on_both_engines(outputs):
    (duck, _), (ch, _) = outputs
    bad = compare_outputs(duck, ch)
    assert not bad, "pages differ between DuckDB and ClickHouse:\n" + "\n".join(bad)


def test_statements_both_engines_issue_agree(two_engines, outputs):
    duck, ch = two_engines
    (_, duck_calls), (_, ch_calls) = outputs
    ch_sigs = {parity.signature(sql) for sql, _ in parity.distinct_statements(ch_calls)}
    shared = [(sql, p) for sql, p in parity.distinct_statements(duck_calls) if parity.signature(sql) in ch_sigs]
    assert len(shared) >= 10
    outcomes = [parity.compare(duck, ch, sql, params) for sql, params in shared]
    bad = [o for o in outcomes if o.verdict != parity.IDENTICAL]
    report = "\n".join(f"{o.sig} {o.verdict}: {o.detail}\n    {o.sql[:300]}" for o in bad)
    assert not bad, f"{len(bad)} statements disagree between the engines:\n{report}"


def test_clickhouse_never_takes_duckdb_only_paths(outputs):
    (_, _), (_, ch_calls) = outputs
    duckdb_only = ("bitstring_agg", "duckdb_", "unnest(", "buyer sets:", "FROM buyers")
    used = sorted({s for sql, _ in parity.distinct_statements(ch_calls) for s in duckdb_only if s in sql})
    assert not used


def test_compare_outputs_finds_a_changed_cell():
    a = {"0 overview/t": "店铺,成交金额\nS1,100\n".encode("utf-8-sig"), "0 kpis": {"gmv": 1.0}}
    b = {"0 overview/t": "店铺,成交金额\nS1,101\n".encode("utf-8-sig"), "0 kpis": {"gmv": 1.0}}
    assert compare_outputs(a, b) == ["0 overview/t: DuckDB 'S1,100' vs ClickHouse 'S1,101'"]
    assert compare_outputs(a, dict(a)) == []
    assert compare_outputs(a, {}) == ["0 kpis: only on DuckDB", "0 overview/t: only on DuckDB"]




# --- a small demo group: every page, three periods, both engines -----------------------

DEMO_NOW = dt.datetime(2026, 11, 20, 15, 0)
DEMO_PERIODS = (
    {"period": "last_month", "compare": "yoy"},  # what `cockpit export --period last_month --compare yoy` shows
    {"period": "last_30", "compare": "prev", "brand": ["山野茶"]},
    {"period": "this_year", "compare": "none", "account_type": ["distributor"]},
)


@pytest.fixture(scope="module")
def demo_outputs(tmp_path_factory, _chdb_folder, _chdb_keepalive):
    """The demo group (a few thousand orders, every table) built in DuckDB, copied to
    chDB with `cockpit copy`, and every page computed on each."""
    from cockpit import copy, demo

    path = tmp_path_factory.mktemp("parity_demo") / "demo.duckdb"
    demo.build(path, orders=3_000, seed=11, now=DEMO_NOW)
    duck = store.connect(path, read_only=True)
    name = f"parity_demo_{os.getpid()}"
    ch = store.connect(f"chdb://{_chdb_folder}?database={name}")
    try:
        assert all(c.ok for c in copy.copy(duck, ch))
        yield page_outputs(duck, DEMO_NOW, DEMO_PERIODS), page_outputs(ch, DEMO_NOW, DEMO_PERIODS)
    finally:
        duck.close()
        ch.execute(f"DROP DATABASE IF EXISTS `{name}`")
        ch.close()


def test_demo_pages_show_the_same_cells_on_both_engines(demo_outputs):
    (duck, duck_calls), (ch, ch_calls) = demo_outputs
    assert len(duck) >= 3 * 20 and len(ch_calls) >= 60
    assert duck["0 kpis"]["orders"] > 0  # the demo's last month has orders
    bad = compare_outputs(duck, ch)
    assert not bad, "pages differ between DuckDB and ClickHouse on the demo:\n" + "\n".join(bad)
