"""The diagnosis rules: each fires below its threshold, never at it, and stays silent
without its figure or benchmark."""

import pytest

from cockpit import diagnosis, schema
from cockpit import metrics as reg


def fired(figures, peers=None, group=None):
    return [f.rule.id for f in diagnosis.diagnose(figures, peers or {}, group or {})]


def test_every_rule_is_a_benchmarked_higher_is_better_metric_with_both_languages():
    ids = [r.id for r in diagnosis.RULES]
    assert len(ids) == len(set(ids))
    for r in diagnosis.RULES:
        assert r.metric in schema.BENCHMARK_METRICS and reg.metric(r.metric).higher_is_better, r.id
        assert r.basis in diagnosis.BASES and r.threshold > 0 and r.zh and r.en, r.id


def test_plain_thresholds():
    assert fired({"avg_watch_seconds": 44.9}) == ["opening_hold"]
    assert fired({"avg_watch_seconds": 45}) == []  # at the threshold: not below it
    assert fired({"interaction_rate": 0.049, "product_exposure_rate": 0.39, "follow_rate": 0.0099}) == [
        "low_interaction", "products_unseen", "few_follows"]
    assert fired({"interaction_rate": 0.05, "product_exposure_rate": 0.4, "follow_rate": 0.01}) == []


def test_shares_of_the_peer_median():
    peers = {"exposure_entry_rate": 0.30, "avg_watch_seconds": 100, "product_click_rate": 0.2, "watch_conversion": 0.01}
    # 80 % of each median: 0.24, 80 s, 0.16, 0.008
    assert fired({"exposure_entry_rate": 0.239, "avg_watch_seconds": 79, "product_click_rate": 0.159,
                  "watch_conversion": 0.0079}, peers) == ["watch_vs_peers", "entry_vs_peers", "clicks_vs_peers",
                                                          "conversion_vs_peers"]
    assert fired({"exposure_entry_rate": 0.24, "avg_watch_seconds": 80, "product_click_rate": 0.16,
                  "watch_conversion": 0.008}, peers) == []


def test_the_group_p25():
    group = {"click_conversion": 0.10, "uv_value": 3.0}
    assert fired({"click_conversion": 0.099, "uv_value": 2.99}, group=group) == ["clicks_not_buying", "uv_value_low"]
    assert fired({"click_conversion": 0.10, "uv_value": 3.0}, group=group) == []


def test_silent_without_figure_or_benchmark():
    assert fired({"avg_watch_seconds": None}) == []
    assert fired({"exposure_entry_rate": 0.01}) == []  # no peer median
    assert fired({"exposure_entry_rate": 0.01}, {"exposure_entry_rate": None}) == []
    assert fired({"click_conversion": 0.0}, group={"click_conversion": None}) == []
    assert fired({}) == []


def test_finding_carries_figure_benchmark_and_limit():
    (f,) = diagnosis.diagnose({"exposure_entry_rate": 0.2}, {"exposure_entry_rate": 0.3}, {})
    assert (f.figure, f.benchmark, f.limit) == (0.2, 0.3, pytest.approx(0.24))
    assert f.text("zh").startswith("曝光进入率明显低于同行同级") and f.text("en").startswith("Far fewer")


def test_conditions_read_as_people_write_them():
    by = {r.id: r for r in diagnosis.RULES}
    assert by["opening_hold"].condition("zh") == "人均观看时长 < 45秒"
    assert by["opening_hold"].condition("en") == "Avg. watch time < 45 s"
    assert by["entry_vs_peers"].condition("zh") == "曝光进入率 < 80% × 同行同级均值"
    assert by["clicks_not_buying"].condition("en") == "Click-to-buy rate < P25 of the group's comparable sessions"
    assert by["low_interaction"].condition("zh") == "互动率 < 5.0%"


def test_readme_table_lists_every_rule():
    md = diagnosis.rules_markdown()
    assert md.count("\n| `") == len(diagnosis.RULES)
    assert "| `opening_hold` | `avg_watch_seconds` 人均观看时长 | 人均观看时长 < 45秒 |" in md


def test_benchmark_metric_names_follow_the_registry():
    for mid, words in schema.BENCHMARK_METRICS.items():
        assert words[0] == reg.metric(mid).zh, mid  # the registry's label first, then the platform's synonyms
