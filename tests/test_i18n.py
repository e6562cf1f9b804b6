import re
from pathlib import Path

from cockpit import i18n, metrics

ROOT = Path(__file__).resolve().parent.parent


def test_every_string_has_chinese_and_english():
    for key, (zh, en) in i18n.STRINGS.items():
        assert zh.strip() and en.strip(), key
        assert set(re.findall(r"{(\w+)}", zh)) == set(re.findall(r"{(\w+)}", en)), key


def test_every_key_used_in_code_exists():
    used = set()
    for path in list((ROOT / "cockpit").rglob("*.py")) + list((ROOT / "app").rglob("*.py")):
        used |= set(re.findall(r"""\bt\(\s*["']([a-z_]+\.[a-z_0-9.]+)["']""", path.read_text(encoding="utf-8")))
    missing = sorted(k for k in used if k not in i18n.STRINGS)
    assert not missing, missing


def test_labels_come_from_registry_and_schema():
    assert i18n.label("gmv", "zh") == "成交金额" and i18n.label("gmv", "en") == "GMV"
    assert i18n.label("store", "en") == "Store"
    assert i18n.enum_label("account_type", "distributor", "zh") == "分销达人"
    assert i18n.enum_label("channel", "short_video", "en") == "Short video"
    assert i18n.enum_label("channel", None, "en") == "(none)"
    assert all(m.zh and m.en for m in metrics.METRICS.values())


def test_every_metric_has_a_definition_in_both_languages():
    missing = [m for m in metrics.METRICS if not metrics.DEFINITIONS_ZH.get(m) or not metrics.METRICS[m].definition]
    assert not missing, missing
    assert metrics.definition("aov", "zh") == "成交金额 ÷ 成交人数" and metrics.definition("aov", "en") == "gmv / buyers"
    assert not set(metrics.DEFINITIONS_ZH) - set(metrics.METRICS)
