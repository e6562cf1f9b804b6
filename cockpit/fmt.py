"""Numbers as people read them: 万/亿 in Chinese, K/M in English, "—" for no value.

Used by KPI cards, chart axes and hovers; CSV exports keep plain numbers instead.
"""

from __future__ import annotations

import math

# (from this size, divide by, suffix)
_ZH_STEPS = ((1e8, 1e8, "亿"), (1e4, 1e4, "万"))
_EN_STEPS = ((1e9, 1e9, "B"), (1e6, 1e6, "M"), (1e4, 1e3, "K"))  # 4,374 reads better than 4K

DASH = "—"


def is_missing(v) -> bool:
    return v is None or (isinstance(v, float) and (math.isnan(v) or math.isinf(v)))


def compact(v: float, lang: str = "zh", digits: int = 2) -> str:
    """1234567 -> 123.46万 (zh) / 1.23M (en); small numbers keep thousands separators."""
    if is_missing(v):
        return DASH
    a = abs(v)
    for size, div, suffix in (_ZH_STEPS if lang == "zh" else _EN_STEPS):
        if a >= size:
            return f"{v / div:,.{digits}f}{suffix}"
    if float(v).is_integer():
        return f"{int(v):,d}"
    return f"{v:,.{digits}f}"


def value(v, unit: str, lang: str = "zh") -> str:
    if is_missing(v):
        return DASH
    if unit == "cny":
        return "¥" + compact(float(v), lang)
    if unit == "count":
        return compact(float(v), lang, digits=2 if abs(v) >= 1e4 else 0)
    if unit == "pct":
        return f"{float(v) * 100:.1f}%"
    if unit == "hours":
        return f"{float(v):,.1f}" + (" 小时" if lang == "zh" else " h")
    if unit == "seconds":
        s = float(v)
        if s >= 60:
            m, sec = divmod(int(round(s)), 60)
            return f"{m}分{sec:02d}秒" if lang == "zh" else f"{m}m {sec:02d}s"
        return f"{s:.0f}" + ("秒" if lang == "zh" else " s")
    if unit == "ratio":
        return f"{float(v):,.2f}"
    return str(v)


def change(pct, delta, unit: str, lang: str = "zh") -> str | None:
    """KPI delta text: "+12.3%" (or the absolute change for percentage metrics)."""
    if unit == "pct":
        if is_missing(delta):
            return None
        return f"{float(delta) * 100:+.1f}pp" if lang == "en" else f"{float(delta) * 100:+.1f}个百分点"
    if is_missing(pct):
        return None
    return f"{float(pct) * 100:+.1f}%"
