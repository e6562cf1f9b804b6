"""Numbers as people read them, in one place: KPI cards, chart axes, table cells.

* cards and hovers (:func:`value`): 万/亿 in Chinese, K/M in English, "—" for no value;
* axis ticks (:func:`tick`): the same words, as few digits as tell the ticks apart;
* table cells (:func:`printf`): exact figures with separators (a table is read line by
  line and copied into Excel), the format string st.column_config understands;
* changes (:func:`change`): signed, "+12.3%" or "+1.2个百分点" for percentages, never
  "-0.0";
* text from data shown inside Markdown (:func:`md`): literally, never as markup.

CSV and XLSX exports keep plain numbers instead (cockpit.csvout).
"""

from __future__ import annotations

import math
import re

# (from this size, divide by, suffix)
_ZH_STEPS = ((1e8, 1e8, "亿"), (1e4, 1e4, "万"))
_EN_STEPS = ((1e9, 1e9, "B"), (1e6, 1e6, "M"), (1e4, 1e3, "K"))  # 4,374 reads better than 4K

DASH = "—"
UNITS = ("cny", "count", "pct", "hours", "seconds", "ratio", "change", "delta")  # delta: a signed score change


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
    """A figure on a card or in a hover: ¥79.28万, 2,703, 7.4%, 1.5 小时, 2分05秒."""
    if is_missing(v):
        return DASH
    if unit == "cny":
        return "¥" + compact(float(v), lang)
    if unit == "count":
        return compact(float(v), lang, digits=2 if abs(v) >= 1e4 else 0)
    if unit == "pct":
        return _no_minus_zero(f"{float(v) * 100:.1f}") + "%"
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
    if unit == "change":
        return _no_minus_zero(f"{float(v) * 100:+.1f}") + "%"
    return str(v)


def _no_minus_zero(text: str) -> str:
    """"-0.0" and "+0.0" read as a change that is not there: "0.0"."""
    return re.sub(r"^[+-](?=0(\.0+)?$)", "", text)


def change(pct, delta, unit: str, lang: str = "zh") -> str | None:
    """KPI delta text: "+12.3%" (or the absolute change for percentage metrics)."""
    if unit == "pct":
        if is_missing(delta):
            return None
        text = _no_minus_zero(f"{float(delta) * 100:+.1f}")
        return f"{text}pp" if lang == "en" else f"{text}个百分点"
    if is_missing(pct):
        return None
    return _no_minus_zero(f"{float(pct) * 100:+.1f}") + "%"


def direction(pct, delta, unit: str) -> int:
    """+1 up, -1 down, 0 flat or unknown: the sign the change text shows."""
    text = change(pct, delta, unit) or ""
    return 1 if text.startswith("+") else -1 if text.startswith("-") else 0


# printf formats for table cells (st.column_config.NumberColumn); tables hold percent
# numbers already multiplied by 100 (header "(%)"), and changes too.
_PRINTF = {"cny": "¥%,.2f", "pct": "%.1f%%", "hours": "%,.2f", "seconds": "%,.0f", "ratio": "%,.2f",
           "count": "%,d", "change": "%+.1f%%", "delta": "%+.2f"}


def printf(unit: str | None) -> str | None:
    return _PRINTF.get(unit or "")


def tick(v: float, unit: str, lang: str, step: float | None = None) -> str:
    """An axis tick: ¥2万, ¥1.5M, 25%, 0.5% (as many decimals as the step needs)."""
    if unit == "pct":
        return f"{v * 100:.{_decimals(step * 100 if step else None)}f}%"
    prefix = "¥" if unit == "cny" else ""
    text = compact(v, lang, digits=1 if abs(v) >= 1e4 else 0)
    if step and abs(v) < 1e4 and not float(step).is_integer() and unit != "count":
        text = f"{v:,.{_decimals(step)}f}"
    return prefix + re.sub(r"\.0(?=[^\d]*$)", "", text)  # ¥500K, ¥1.5万, not ¥500.0K


def _decimals(step: float | None) -> int:
    """Fewest decimals (up to 3) that write ``step`` exactly: 0.25 -> 2, 5 -> 0."""
    if not step:
        return 0
    return next((d for d in range(4) if abs(round(step, d) - step) < 1e-9 * max(1.0, abs(step))), 3)


_ZWSP = "\u200b"
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&=\"'/%@^])")


def md(text) -> str:
    """Text from data (a name, a title, an id, a link parameter, search text) to put
    inside Markdown (st.warning, st.caption, st.metric labels, tab labels...): every
    Markdown and HTML character escaped, lines joined, so it shows literally."""
    if text is None:
        return ""
    s = re.sub(r"[\r\n\t\x0b\x0c]+", " ", str(text))
    # GFM turns bare URLs, www. names and e-mail addresses into links even when escaped:
    # an invisible zero-width space breaks the pattern and the text reads the same
    s = re.sub(r"(?i)(://|\bwww\.|@)", lambda m: m.group(1)[0] + _ZWSP + m.group(1)[1:], s)
    return _MD_SPECIAL.sub(r"\\\1", s)
