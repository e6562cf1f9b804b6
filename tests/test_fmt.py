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


def test_no_minus_zero_and_signed_changes():
    assert fmt.change(None, -0.00004, "pct", "zh") == "0.0个百分点"
    assert fmt.change(-0.0004, 1, "cny", "zh") == "0.0%"
    assert fmt.change(0.391, 1, "cny", "en") == "+39.1%" and fmt.change(-0.042, 1, "cny", "en") == "-4.2%"
    assert fmt.value(-0.0001, "pct") == "0.0%"
    assert fmt.direction(-0.0004, 1, "cny") == 0 and fmt.direction(0.2, 1, "cny") == 1
    assert fmt.value(0.123, "change") == "+12.3%"


def test_percent_ticks_are_distinct():
    from cockpit.charts import _labels, nice_ticks

    ticks = nice_ticks([0.001, 0.012])
    labels = _labels(ticks, "pct", "zh")
    assert len(set(labels)) == len(labels), labels
    assert labels == ["0.00%", "0.25%", "0.50%", "0.75%", "1.00%", "1.25%"]
    assert _labels(nice_ticks([0.0, 0.9]), "pct", "en") == ["0%", "20%", "40%", "60%", "80%", "100%"]


def test_table_cell_formats_are_exact():
    assert fmt.printf("cny") == "¥%,.2f" and fmt.printf("count") == "%,d" and fmt.printf("change") == "%+.1f%%"
    assert fmt.printf(None) is None


def test_text_from_data_is_never_markup():
    payload = "**x** [Sign in](http://evil.example/login) ![t](http://127.0.0.1:9/b.png) <img src=x>\n# h"
    out = fmt.md(payload)
    assert "\n" not in out
    for ch in "*[]()!<>#:":
        assert all(out[i - 1] == "\\" for i, c in enumerate(out) if c == ch), ch
    # bare URLs, www. names and addresses would still be linked by GFM: broken up invisibly
    assert "://" not in out.replace("\\", "") and "\u200b" in out
    assert fmt.md("mail a@b.com or www.x.cn").replace("\u200b", "").replace("\\", "") == "mail a@b.com or www.x.cn"


def test_up_and_down_colours_follow_the_language():
    from cockpit import charts

    assert charts.change_color(1, "zh", True) == charts.RED and charts.change_color(-1, "zh", True) == charts.GREEN
    assert charts.change_color(1, "zh", False) == charts.RED  # 红涨: up is red whatever the metric
    assert charts.change_color(1, "en", True) == charts.GREEN and charts.change_color(1, "en", False) == charts.RED
    assert charts.change_color(1, "zh", None) == charts.NEUTRAL == charts.change_color(0, "en", True)
    assert charts.metric_delta_color("zh", True) == "inverse" and charts.metric_delta_color("en", True) == "normal"
    assert charts.metric_delta_color("en", False) == "inverse" and charts.metric_delta_color("zh", None) == "off"
