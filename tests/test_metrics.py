"""The registry declares each measure once, by its kind; what follows from it is derived
(issue 14): each engine's SQL, the forms over the rollups, additivity, "no rows" as 0 or
unknown, and DuckDB's fast paths for buyers.  Expected forms written out by hand."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
from pyroaring import BitMap

from cockpit import metrics as reg
from cockpit import rollups
from cockpit.buyer_sets import Sets
from cockpit.engine import CLICKHOUSE, DUCKDB

M = reg.MEASURES


def test_the_48_hour_rule_is_written_once():
    core = Path(reg.__file__).parent
    hits = [(p.name, n) for p in core.rglob("*.py") for n, line in enumerate(p.read_text("utf-8").splitlines())
            if re.search(r"INTERVAL\s+48\s+HOUR", line, re.I)]
    assert [name for name, _ in hits] == ["metrics.py"], hits
    # ... and the rollups hold what that declaration computes, on both engines
    assert ("shipped_48h", M["shipped_48h"].sql) in [(c, s) for c, s, _ in rollups._sums()]
    assert "INTERVAL 48 HOUR" in dict((c, s) for c, s, _ in rollups._CH_SUMS)["shipped_48h"]


def test_forms_over_the_rollups_follow_from_the_declaration():
    assert M["gmv"].rollup == {r: "COALESCE(SUM(r.gmv), 0)" for r in
                               ("orders_daily", "orders_product_daily", "orders_product_account_daily")}
    assert M["shipped_48h"].rollup["orders_daily"] == "CAST(COALESCE(SUM(r.shipped_48h), 0) AS BIGINT)"
    # a condition on a column the rollup keeps (channel) or a table it joins (accounts)
    assert M["fan_gmv"].rollup == {"orders_daily": "COALESCE(SUM(CASE WHEN r.is_fan THEN r.gmv ELSE 0 END), 0)"}
    assert M["live_gmv"].rollup == {
        "live_orders_daily": "COALESCE(SUM(CASE WHEN r.channel = 'live' THEN r.gmv ELSE 0 END), 0)"}
    assert set(M["distribution_gmv"].rollup) == {"orders_daily", "orders_product_account_daily"}
    # the product rollups keep no channel; only they join products (the market's categories)
    assert set(M["gmv_in_market"].rollup) == {"orders_product_daily", "orders_product_account_daily"}
    # distinct counts add up nowhere but where the rollup's rows are whole (one per session)
    assert M["buyers"].rollup == {}
    assert M["live_buyers"].rollup == {
        "orders_live": "CAST(COALESCE(SUM(r.live_buyers), 0) AS BIGINT)",
        # a session's parts: its figure when all are kept, the one part's when one is
        "orders_live_parts": "CAST(CASE WHEN COUNT(*) = MAX(r.parts) THEN MAX(r.live_buyers) "
                             "ELSE MAX(r.part_live_buyers) END AS BIGINT)"}
    assert M["peak_online"].rollup == {} and M["views"].rollup == {}


def test_kind_says_additive_and_what_no_rows_is():
    assert M["gmv"].additive and M["orders"].additive and not M["buyers"].additive
    assert not M["peak_online"].additive and not M["followers"].additive
    assert {m.id for m in M.values() if m.null_when_empty} == {
        "peak_online", "active_sellers", "active_products", "followers"}


def test_each_engine_spells_a_distinct_count():
    assert M["buyers"].sql_for(DUCKDB) == "COUNT(DISTINCT o.buyer_key)"
    assert M["buyers"].sql_for(CLICKHOUSE) == "uniqExact(o.buyer_key)"
    assert M["live_buyers"].sql_for(CLICKHOUSE) == "uniqExactIf(o.buyer_key, o.channel = 'live')"
    assert M["live_buyers"].sql_for(DUCKDB) == "COUNT(DISTINCT CASE WHEN o.channel = 'live' THEN o.buyer_key END)"
    assert M["gmv"].sql_for(CLICKHOUSE) == M["gmv"].sql_for(DUCKDB) == "COALESCE(SUM(o.paid_amount), 0)"


def test_duckdb_fast_paths_for_buyers_follow_from_the_kind():
    assert M["buyers"].bitmap == "bit_count(bitstring_agg(o.buyer_key, 1, $buyer_max))"
    assert M["live_buyers"].bitmap == \
        "bit_count(bitstring_agg(o.buyer_key, 1, $buyer_max) FILTER (WHERE o.channel = 'live'))"
    assert M["buyers"].via == ("order_buyers", "COUNT(*)") and M["live_buyers"].via is None
    assert M["gmv"].bitmap is None and M["gmv"].vector is None and M["gmv"].sets is None
    # buyer keys 0..4; key 0 bought nothing: 1 order / 2 / 3 / 1, fans: keys 1 and 2
    g = {"n_orders": np.array([0, 1, 2, 3, 1]), "is_fan_buyer": np.array([False, True, True, False, False])}
    sets = Sets(seen=BitMap([1, 2, 3, 4]), twice=BitMap([2, 3]), fan=BitMap([1, 2]))
    by_hand = {"buyers": 4, "buyers_b": 4, "repeat_buyers": 2, "fan_buyers": 2, "fan_repeat_buyers": 1,
               "nonfan_buyers": 2, "nonfan_repeat_buyers": 1}
    for mid, n in by_hand.items():
        assert M[mid].vector(g) == n, mid
        assert M[mid].sets[1](sets) == n, mid
    assert M["fan_repeat_buyers"].sql == \
        "COALESCE(SUM(CASE WHEN is_fan_buyer = 1 AND n_orders >= 2 THEN 1 ELSE 0 END), 0)"
