import math

from cockpit import fmt


def test_chinese_uses_wan_and_yi():
    assert fmt.value(12345678.9, "cny", "zh") == "¥1,234.57万"
    assert fmt.value(312_000_000, "cny", "zh") == "¥3.12亿"
    assert fmt.value(1234.5, "cny", "zh") == "¥1,234.50"


def test_english_uses_k_and_m():
    assert fmt.value(12345678.9, "cny", "en") == "¥12.35M"
    assert fmt.value(15300, "count", "en") == "15.30K"
    assert fmt.value(4374, "count", "en") == "4,374"
    assert fmt.value(999, "count", "en") == "999"
    assert fmt.value(123456, "count", "zh") == "12.35万"


def test_missing_values_are_a_dash_never_zero_or_nan():
    for v in (None, math.nan, math.inf):
        assert fmt.value(v, "pct", "zh") == "—"
        assert fmt.value(v, "cny", "en") == "—"


def test_units():
    assert fmt.value(0.1234, "pct", "zh") == "12.3%"
    assert fmt.value(11, "hours", "en") == "11.0 h"
    assert fmt.value(47.14, "seconds", "zh") == "47秒"
    assert fmt.value(125, "seconds", "en") == "2m 05s"


def test_change_text():
    assert fmt.change(1.5, 750, "cny", "zh") == "+150.0%"
    assert fmt.change(None, 10, "cny", "zh") is None
    assert fmt.change(0.5, 0.02, "pct", "en") == "+2.0pp"


def test_chart_ticks_drop_trailing_zero_decimals():
    from cockpit.charts import tick_text

    assert [tick_text(v, "cny", "en") for v in (0, 500_000, 1_500_000)] == ["¥0", "¥500K", "¥1.5M"]
    assert [tick_text(v, "cny", "zh") for v in (20_000, 15_000, 150_000_000)] == ["¥2万", "¥1.5万", "¥1.5亿"]
    assert tick_text(0.25, "pct", "zh") == "25%"
