"""Vectorised parsers for values "as people export them" (SPEC section 2, import rules).

Every parser takes an all-text Polars Series and returns :class:`Parsed`: the typed
values and, per row, a reason when the text could not be understood, worded in the
user's language (``lang``, from :mod:`cockpit.i18n`).  Missing values (empty,
whitespace, ``-``/``--``/``—``, and for typed columns ``null``/``none``/``N/A``/``#N/A``/
``无``/``空``) become null *without* a reason: whether a value is required is the
importer's call.

Speed matters (a 1M-row export must import in about the time DuckDB takes to load it),
so each parser first tries one strict cast of the whole column; only the rows that cast
rejects go through the clean-up path (NFKC, currency signs, 万/亿, Chinese dates ...),
and that path is made of Polars expressions too: no Python loop per row.

Decisions worth knowing:

- ``12%`` is accepted in float columns only and means 0.12; a percent in a money or
  count column is rejected (a share is never an amount).
- ``万``/``w`` (10^4), ``亿`` (10^8) and ``k`` (10^3) scale a number.  A count that is
  not whole is rejected (``12.5``) unless it was written scaled (``1.23456万``), because
  scaled figures are display roundings; those are rounded to the nearest whole.
- Money is exact: parsed as a decimal, rounded half away from zero (四舍五入) to cents.
- Timestamps are local time.  A value with an explicit offset (``Z``, ``+08:00``) is
  converted to Asia/Shanghai (fixed +08:00, no daylight saving since 1991).
- A date column accepts a timestamp only when its time is midnight (Excel often writes
  dates as ``2025-06-01 00:00:00``); any other time of day is rejected, not dropped.
- Excel serial day numbers (20000-80000, i.e. 1954-2119) are accepted in date and
  timestamp columns, because XLSX cells formatted as numbers arrive that way.
- Plausible dates only: a date or time outside :func:`date_window` (2000-01-01 to one
  year after today unless ``$COCKPIT_DATE_MIN`` / ``$COCKPIT_DATE_MAX`` say otherwise)
  is rejected, so no path downstream (rollups, buyer sets, periods) meets year 9999.
- One rule for numbers: empty, a dash or a no-value word is no value; ``NaN``,
  ``inf`` and anything else that is not a finite number is rejected, in every numeric
  column (``NaN`` is what a failed computation writes, not a way of saying "none").
  A non-zero value the column cannot hold is rejected rather than stored as 0: money
  below half a cent (``0.004``, ``1e-320``), a count that is not whole, a decimal
  below 1e-300 in size.
- An id Excel turned into scientific notation (``2.02611E+18``) is rejected: its last
  digits are gone, and two different orders would collapse into one.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from typing import NamedTuple

import polars as pl

from cockpit import clock, i18n, schema

# The dtypes come from the schema, the one place that declares them.
DTYPES: dict[str, pl.DataType] = {kind: schema.polars_type(kind) for kind in schema.SQL_TYPES}
MONEY_DTYPE = DTYPES["money"]

# Written for "no value" in exports.  Text columns only honour the dash forms, because
# "NA" or "null" could be somebody's real name or id.
_DASHES = ["", "-", "--", "---", "—", "——", "－", "/"]
_NULL_WORDS = _DASHES + ["null", "none", "n/a", "na", "#n/a", "nil", "无", "空"]

_MAX_SHOWN = 60  # characters of a bad value quoted in a reason


class Parsed(NamedTuple):
    values: pl.Series
    reasons: pl.Series  # Utf8: null where the row is fine (or empty)

    @property
    def bad_count(self) -> int:
        return self.reasons.len() - self.reasons.null_count()


def _no_reasons(n: int) -> pl.Series:
    return pl.repeat(None, n, dtype=pl.Utf8, eager=True).alias("reason")


def fmt_expr(template: str, **parts: pl.Expr) -> pl.Expr:
    """A catalogue template (``"{label}: {what} '{value}'"``) as one Polars expression.

    Only the catalogue's own words are literal text; every value (a header, a cell)
    travels as an expression, so no brace or quote in a file can break the message."""
    pieces = re.split(r"\{(\w+)\}", template)
    exprs: list[pl.Expr] = []
    for i, piece in enumerate(pieces):
        if i % 2:
            exprs.append(parts[piece].cast(pl.Utf8))
        elif piece:
            exprs.append(pl.lit(piece))
    return pl.concat_str(exprs)


def reason_expr(lang: str, label: str, what: str, value: pl.Expr, hint: str = "") -> pl.Expr:
    """"{label}: {what} '{value}'{hint}" in the user's language."""
    return fmt_expr(i18n.t("imp.reason", lang), label=pl.lit(label), what=pl.lit(what),
                    value=value.str.slice(0, _MAX_SHOWN), hint=pl.lit(hint))


def _what(key: str, lang: str, **kw) -> str:
    return i18n.t(key, lang, **kw)


def _nfkc(e: pl.Expr) -> pl.Expr:
    """Full-width digits, letters and punctuation to half-width; trims spaces."""
    return e.str.normalize("NFKC").str.strip_chars()


def _missing_expr(e: pl.Expr, words=_NULL_WORDS) -> pl.Expr:
    return e.is_null() | _nfkc(e).str.to_lowercase().is_in(words)


def _reason(raw: pl.Series, bad: pl.Series, what: str, label: str, suffix: str = "", lang: str = "en") -> pl.Series:
    """Reasons like "paid_amount: bad number '12abc'" for the rows flagged bad."""
    if not bad.any():
        return _no_reasons(raw.len())
    out = pl.select(pl.when(pl.lit(bad)).then(reason_expr(lang, label, what, pl.lit(raw), suffix))).to_series()
    return out.alias("reason")


def _two_stage(s: pl.Series, fast, slow, words=_NULL_WORDS):
    """Run ``fast`` on the whole column, ``slow`` only on rows it could not handle.

    ``fast(series) -> series`` (null where it failed); ``slow(series) -> (values,
    specific_reason_or_None)`` for the leftover rows.  Returns (values, bad mask, extra
    reasons) aligned with ``s``.
    """
    fast_vals = fast(s)
    need = fast_vals.is_null() & s.is_not_null()
    n = s.len()
    if not need.any():
        return fast_vals, pl.repeat(False, n, dtype=pl.Boolean, eager=True), None
    idx = need.arg_true()
    sub = s.gather(idx)
    slow_vals, slow_reason = slow(sub)
    slow_vals = slow_vals.cast(fast_vals.dtype)
    values = fast_vals.clone()
    values.scatter(idx, slow_vals)
    # Only rows nothing could parse are checked for "no value" words (NFKC is costly).
    sub_bad = slow_vals.is_null()
    failed = sub_bad.arg_true()
    if failed.len():
        missing = pl.select(_missing_expr(pl.lit(sub.gather(failed)), words)).to_series()
        sub_bad.scatter(failed.filter(missing), False)
    bad = pl.repeat(False, n, dtype=pl.Boolean, eager=True)
    bad.scatter(idx, sub_bad)
    extra = None
    if slow_reason is not None:
        extra = pl.repeat(None, n, dtype=pl.Utf8, eager=True)
        extra.scatter(idx, pl.select(pl.when(pl.lit(sub_bad)).then(slow_reason)).to_series())
    return values, bad, extra


def _cascade(sub: pl.Series, attempts) -> tuple[pl.Series, pl.Series]:
    """Apply ``attempts`` (cheapest first) each to the rows all earlier ones left null.

    Returns the values and the indices still unparsed, so exports in one common style
    never pay for the heavy clean-up that only odd values need.
    """
    vals = attempts[0](sub)
    for attempt in attempts[1:]:
        left = (vals.is_null() & sub.is_not_null()).arg_true()
        if left.len() == 0:
            break
        vals = vals.clone()
        vals.scatter(left, attempt(sub.gather(left)).cast(vals.dtype))
    return vals, (vals.is_null() & sub.is_not_null()).arg_true()


def _by_unique(s: pl.Series, parse) -> pl.Series:
    """Parse each distinct value once: enum and yes/no columns hold a handful of them."""
    uniq = s.unique().drop_nulls()
    parsed = parse(uniq)
    mapping = dict(zip(uniq.to_list(), parsed.to_list()))
    return s.replace_strict(mapping, default=None, return_dtype=parsed.dtype)


def _assemble(s: pl.Series, values, bad, extra, what, label, suffix="", lang="en") -> Parsed:
    reasons = _reason(s, bad, what, label, suffix, lang)
    if extra is not None:
        reasons = pl.select(pl.coalesce(pl.lit(extra), pl.lit(reasons))).to_series()
    return Parsed(values.alias(s.name), reasons.alias("reason"))


# ---------------------------------------------------------------- text

def parse_text(s: pl.Series, label: str | None = None) -> Parsed:
    """Trim spaces; unwrap Excel's ``="0012"`` and the ``'=`` quote our CSVs add.

    Chinese exports protect long ids from Excel with ``="..."`` or a leading tab; our
    own rejects files prefix ``'`` to cells starting with = + - @, so a corrected
    rejects file imports back unchanged.
    """
    s = s.cast(pl.Utf8)
    # One regex pass decides whether any clean-up is needed (ids usually need none).
    if not s.str.contains(r"^[\s='\-—/－]|\s$").any():
        return Parsed(s, _no_reasons(s.len()))
    stripped = s.str.strip_chars()
    if stripped.str.starts_with("=\"").any() or stripped.str.starts_with("'").any():
        stripped = (
            stripped.str.replace(r'^="(.*)"$', "$1")
            .str.replace(r"^'([=+\-@\t\r])", "$1")
            .str.strip_chars()
        )
    values = pl.select(
        pl.when(pl.lit(stripped).is_in(_DASHES)).then(None).otherwise(pl.lit(stripped))
    ).to_series()
    return Parsed(values.alias(s.name), _no_reasons(s.len()))


# ---------------------------------------------------------------- numbers

_NUM_RE = r"^([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(万|亿|w|k|%)?$"
_SCALE = {"万": 1e4, "w": 1e4, "亿": 1e8, "k": 1e3, "%": 0.01}


def _clean_number(e: pl.Expr) -> pl.Expr:
    """``￥1,234.50元`` -> ``1234.50``; ``1.2万`` -> ``1.2万``: signs and units kept."""
    return (
        _nfkc(e)
        .str.to_lowercase()
        .str.replace_all("\u2212", "-", literal=True)
        .str.replace_all(r"[\s,_']|rmb|cny|元|¥|\$|人民币", "")
        .str.replace(r"^\+", "")
    )


def _split_number(sub: pl.Series) -> pl.DataFrame:
    """Columns num (text of the number) and unit (万/亿/w/k/% or null)."""
    return (
        pl.select(_clean_number(pl.lit(sub)).str.extract_groups(_NUM_RE).alias("g"))
        .unnest("g")
        .rename({"1": "num", "2": "unit"})
    )


def _scale_expr(unit: pl.Expr) -> pl.Expr:
    return unit.replace_strict(_SCALE, default=1.0, return_dtype=pl.Float64)


def _nonzero_digits(num: pl.Expr) -> pl.Expr:
    """The number's text has a non-zero digit before any exponent (``1e-320``: yes)."""
    return num.str.replace(r"[eE].*$", "").str.contains(r"[1-9]")


def parse_money(s: pl.Series, label: str | None = None, lang: str = "en") -> Parsed:
    """CNY to Decimal(18,2), exact cents; ``¥1,234.50``, ``1.2万`` welcome, ``%`` not."""
    label = label or s.name

    def fast(x: pl.Series) -> pl.Series:
        vals = x.cast(MONEY_DTYPE, strict=False)
        # The cast rounds 12.345 half to even (12.34); send sub-cent values (and
        # exponents) to the slow path, which rounds half away from zero (四舍五入).
        if x.str.contains(r"\.\d\d\d|[eE]").any():
            vals = pl.select(
                pl.when(pl.lit(x).str.contains(r"\.\d\d\d|[eE]")).then(None).otherwise(pl.lit(vals))
            ).to_series()
        return vals

    def cheap(sub: pl.Series) -> pl.Series:
        # ￥1,234.50 / 1234.50元: drop the currency sign and separators, cast again.
        return fast(sub.str.replace_all(r"[¥￥,\s元]", ""))

    def slow(sub: pl.Series):
        vals = cheap(sub)
        left = (vals.is_null() & sub.is_not_null()).arg_true()
        if left.len() == 0:
            return vals, None
        rest = sub.gather(left)
        full, reason = full_path(rest)
        vals = vals.clone()
        vals.scatter(left, full)
        reasons = pl.repeat(None, sub.len(), dtype=pl.Utf8, eager=True)
        reasons.scatter(left, pl.select(reason.cast(pl.Utf8)).to_series())
        return vals, pl.lit(reasons)

    def full_path(sub: pl.Series):
        parts = _split_number(sub)
        num = pl.lit(parts["num"].cast(pl.Decimal(38, 12), strict=False))
        unit = pl.lit(parts["unit"])
        mult = unit.replace_strict(
            {"万": 10_000, "w": 10_000, "亿": 100_000_000, "k": 1_000}, default=1,
            return_dtype=pl.Int64,
        ).cast(pl.Decimal(38, 0))
        scaled = num * mult
        # Half away from zero in whole cents: |x| + 0.005, times 100, truncated.  (A
        # Decimal-to-Decimal cast would round half to even, and twice if done in steps.)
        half = pl.lit("0.005").cast(pl.Decimal(38, 12))
        cents = ((scaled.abs() + half) * pl.lit(100).cast(pl.Decimal(38, 0))).cast(pl.Int64, strict=False)
        too_big = (num.is_not_null() & cents.is_null()) | (cents >= 10**16)
        # written non-zero, stored as 0.00: nobody paid 1e-320 yuan
        below_cent = (cents == 0) & _nonzero_digits(pl.lit(parts["num"]))
        signed = pl.when(scaled < 0).then(-cents).otherwise(cents)
        ok = (unit.is_null() | (unit != "%")) & ~too_big.fill_null(False) & ~below_cent.fill_null(False)
        vals = pl.select(
            pl.when(ok).then(signed.cast(pl.Decimal(38, 0)) * pl.lit("0.01").cast(pl.Decimal(38, 2)))
        ).to_series()
        shown = pl.lit(sub)
        reason = (
            pl.when(unit == "%")
            .then(reason_expr(lang, label, _what("imp.pct_money", lang), shown))
            .when(too_big.fill_null(False))
            .then(reason_expr(lang, label, _what("imp.money_too_large", lang), shown))
            .when(below_cent.fill_null(False))
            .then(reason_expr(lang, label, _what("imp.money_below_cent", lang), shown))
        )
        return vals.cast(MONEY_DTYPE), reason

    values, bad, extra = _two_stage(s, fast, slow)
    return _assemble(s, values, bad, extra, _what("imp.bad_money", lang), label, lang=lang)


def parse_int(s: pl.Series, label: str | None = None, lang: str = "en") -> Parsed:
    """Counts to Int64: ``1,234``, ``1.2万`` (=12000); ``12.5`` and ``12%`` rejected."""
    label = label or s.name

    def fast(x: pl.Series) -> pl.Series:
        return x.cast(pl.Int64, strict=False)

    def slow(sub: pl.Series):
        parts = _split_number(sub)
        num = parts["num"].cast(pl.Float64, strict=False)
        unit = parts["unit"]
        scaled = pl.select(pl.lit(num) * _scale_expr(pl.lit(unit))).to_series()
        whole = pl.select(
            pl.when(pl.lit(unit).is_null()).then(pl.lit(scaled) == pl.lit(scaled).round(0)).otherwise(True)
        ).to_series()
        ok = (unit.is_null() | (unit != "%")) & whole & scaled.is_finite() & (scaled.abs() < 9e18)
        vals = pl.select(
            pl.when(pl.lit(ok)).then(pl.lit(scaled).round(0).cast(pl.Int64, strict=False))
        ).to_series()
        reason = (
            pl.when(pl.lit(unit) == "%")
            .then(reason_expr(lang, label, _what("imp.pct_count", lang), pl.lit(sub)))
            .when(pl.lit(scaled).is_not_null() & pl.lit(scaled).is_finite() & ~pl.lit(whole))
            .then(reason_expr(lang, label, _what("imp.not_whole", lang), pl.lit(sub)))
        )
        return vals, reason

    values, bad, extra = _two_stage(s, fast, slow)
    return _assemble(s, values, bad, extra, _what("imp.bad_number", lang), label, lang=lang)


_TINY = 1e-300  # below this a non-zero decimal is (nearly) lost to underflow


def parse_float(s: pl.Series, label: str | None = None, lang: str = "en") -> Parsed:
    """Float64; ``12%`` means 0.12, ``1.2万`` means 12000; NaN, infinity and non-zero
    values too small to store (``1e-320``) rejected."""
    label = label or s.name

    def fast(x: pl.Series) -> pl.Series:
        v = x.cast(pl.Float64, strict=False)
        odd = ~v.is_finite() | ((v.abs() < _TINY) & ((v != 0) | x.str.contains(r"[eE]")))
        if odd.any():  # the slow path says why
            v = pl.select(pl.when(~pl.lit(odd)).then(pl.lit(v))).to_series()
        return v

    def slow(sub: pl.Series):
        parts = _split_number(sub)
        num = parts["num"].cast(pl.Float64, strict=False)
        scaled = pl.lit(num) * _scale_expr(pl.lit(parts["unit"]))
        tiny = (scaled.abs() < _TINY) & ((scaled != 0) | _nonzero_digits(pl.lit(parts["num"])))
        ok = scaled.is_finite() & ~tiny
        vals = pl.select(pl.when(ok).then(scaled)).to_series()
        reason = pl.when(scaled.is_finite() & tiny).then(
            reason_expr(lang, label, _what("imp.number_too_small", lang), pl.lit(sub)))
        return vals, reason

    values, bad, extra = _two_stage(s, fast, slow)
    return _assemble(s, values, bad, extra, _what("imp.bad_number", lang), label, lang=lang)


# ---------------------------------------------------------------- date and time

_FAST_TS_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M:%S%.f", "%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M")
_TS_RE = (
    r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?"  # date
    r"(?:(?:\s*t\s*|\s+|(?:日)?)(\d{1,2})[:时點点](\d{1,2})(?:[:分](\d{1,2})(?:\.(\d{1,9}))?秒?)?分?)?"  # time
    r"\s*(z|[+-]\d{2}:?\d{2})?$"  # offset
)
_COMPACT_RE = r"^(\d{4})(\d{2})(\d{2})(?:\s*(\d{2}):?(\d{2}):?(\d{2}))?$"
_EXCEL_EPOCH = pl.datetime(1899, 12, 30)


_COMMON_TS_FORMATS = (
    "%Y/%m/%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y年%m月%d日 %H:%M:%S", "%Y年%m月%d日 %H:%M",
    "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S",
    "%Y/%m/%d", "%Y年%m月%d日", "%Y-%m-%d", "%Y.%m.%d",
)


def _parse_ts_slow(sub: pl.Series) -> pl.Series:
    """Common export styles by plain strptime first; the regex path only for the rest."""
    attempts = [lambda x, f=f: x.str.strptime(pl.Datetime("us"), f, strict=False, cache=False)
                for f in _COMMON_TS_FORMATS]
    vals, left = _cascade(sub, attempts)
    if left.len() == 0:
        return vals
    vals = vals.clone()
    vals.scatter(left, _parse_ts_regex(sub.gather(left)))
    return vals


def _parse_ts_regex(sub: pl.Series) -> pl.Series:
    """The clean-up path: Chinese and dotted dates, compact dates, offsets, Excel serials."""
    text = pl.select(_nfkc(pl.lit(sub)).str.to_lowercase().str.replace_all(r"\s+", " ")).to_series()
    g = pl.select(text.str.extract_groups(_TS_RE).alias("g")).unnest("g")
    g.columns = ["y", "mo", "d", "h", "mi", "s", "f", "tz"]
    c = pl.select(text.str.extract_groups(_COMPACT_RE).alias("g")).unnest("g")
    c.columns = ["y", "mo", "d", "h", "mi", "s"]
    parts = pl.DataFrame(
        {k: pl.select(pl.coalesce(pl.lit(g[k]), pl.lit(c[k]))).to_series() for k in c.columns}
        | {"f": g["f"], "tz": g["tz"]}
    )
    frac = pl.col("f").fill_null("0").str.slice(0, 6).str.pad_end(6, "0")
    iso = pl.format(
        "{}-{}-{} {}:{}:{}.{}",
        pl.col("y"), pl.col("mo"), pl.col("d"),
        pl.col("h").fill_null("0"), pl.col("mi").fill_null("0"), pl.col("s").fill_null("0"), frac,
    )
    naive = iso.str.strptime(pl.Datetime("us"), "%Y-%m-%d %H:%M:%S%.f", strict=False, cache=False)
    tz = pl.col("tz")
    offset_min = (
        pl.when(tz == "z").then(0)
        .when(tz.is_not_null())
        .then(
            (tz.str.slice(1, 2).cast(pl.Int64) * 60 + tz.str.slice(-2, 2).cast(pl.Int64))
            * pl.when(tz.str.starts_with("-")).then(-1).otherwise(1)
        )
    )
    local = pl.when(tz.is_null()).then(naive).otherwise(
        naive - pl.duration(minutes=offset_min) + pl.duration(hours=8)
    )
    out = parts.select(local.alias("v")).to_series()
    # Excel serial day numbers, e.g. 45809.5 = 2025-06-01 12:00.
    serial = text.cast(pl.Float64, strict=False)
    serial = pl.select(pl.when((pl.lit(serial) >= 20000) & (pl.lit(serial) <= 80000)).then(pl.lit(serial))).to_series()
    if serial.is_not_null().any():
        from_serial = pl.select(
            (_EXCEL_EPOCH + pl.duration(microseconds=(pl.lit(serial) * 86_400_000_000).round(0).cast(pl.Int64)))
            .cast(pl.Datetime("us"))
        ).to_series()
        out = pl.select(pl.coalesce(pl.lit(out), pl.lit(from_serial))).to_series()
    return out


def _fast_ts(x: pl.Series) -> pl.Series:
    # Pick the format that fits the first value; a mismatch costs one more pass only.
    first = x.drop_nulls().head(1)
    best = _FAST_TS_FORMATS[0]
    for fmt in _FAST_TS_FORMATS:
        if first.len() and first.str.strptime(pl.Datetime("us"), fmt, strict=False).null_count() == 0:
            best = fmt
            break
    # no cache: timestamps rarely repeat, and hashing each one cost more than parsing it
    # (10M orders: 0.57 s of CPU with the cache, 0.25 s without)
    return x.str.strptime(pl.Datetime("us"), best, strict=False, cache=False)


def parse_timestamp(s: pl.Series, label: str | None = None, lang: str = "en") -> Parsed:
    """Local timestamps: ``2025/6/1 20:05``, ``2025年6月1日 20:05``, ``2025.6.1`` ..."""
    label = label or s.name
    values, bad, extra = _two_stage(s, _fast_ts, lambda sub: (_parse_ts_slow(sub), None))
    return _assemble(s, values, bad, extra, _what("imp.bad_datetime", lang), label, lang=lang)


def parse_date(s: pl.Series, label: str | None = None, lang: str = "en") -> Parsed:
    """Dates: ``2025-06-01``, ``2025/6/1``, ``2025年6月1日``, ``20250601``; midnight times ok."""
    label = label or s.name

    def fast(x: pl.Series) -> pl.Series:
        return x.str.strptime(pl.Date, "%Y-%m-%d", strict=False)

    def slow(sub: pl.Series):
        ts = _parse_ts_slow(sub)
        midnight = pl.select(pl.lit(ts).dt.time() == pl.time(0, 0, 0)).to_series()
        vals = pl.select(pl.when(pl.lit(midnight)).then(pl.lit(ts).dt.date())).to_series()
        reason = pl.when(pl.lit(ts).is_not_null() & ~pl.lit(midnight)).then(
            reason_expr(lang, label, _what("imp.time_in_date", lang), pl.lit(sub)))
        return vals, reason

    values, bad, extra = _two_stage(s, fast, slow)
    return _assemble(s, values, bad, extra, _what("imp.bad_date", lang), label, lang=lang)


# ---------------------------------------------------------------- plausible dates

DATE_MIN = dt.date(2000, 1, 1)
ENV_MIN, ENV_MAX = "COCKPIT_DATE_MIN", "COCKPIT_DATE_MAX"


class BadSetting(ValueError):
    """A setting (environment variable) that makes no sense; the message says which."""

    def __init__(self, key: str, **params):
        self.key, self.params = key, params
        super().__init__(self.message("en"))

    def message(self, lang: str = "en") -> str:
        return i18n.t(self.key, lang, **self.params)


def _one_year_after(d: dt.date) -> dt.date:
    try:
        return d.replace(year=d.year + 1)
    except ValueError:  # 29 February
        return d.replace(year=d.year + 1, day=28)


def date_window(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """(first, last) date a value may fall on, both included: ``$COCKPIT_DATE_MIN``
    (default 2000-01-01) and ``$COCKPIT_DATE_MAX`` (default one year after today, in
    business time).  Raises :class:`BadSetting` for a value that is not a date."""
    out = []
    for name, default in ((ENV_MIN, None), (ENV_MAX, None)):
        text = (os.environ.get(name) or "").strip()
        if not text:
            out.append(default)
            continue
        try:
            out.append(dt.date.fromisoformat(text))
        except ValueError:
            raise BadSetting("imp.bad_setting", name=name, value=text) from None
    lo = out[0] or DATE_MIN
    hi = out[1] or _one_year_after(today or clock.today())
    if lo > hi:
        raise BadSetting("imp.bad_window", min=lo.isoformat(), max=hi.isoformat())
    return lo, hi


def check_window(parsed: Parsed, raw: pl.Series, window: tuple[dt.date, dt.date], label: str,
                 lang: str = "en") -> Parsed:
    """Dates and times outside ``window`` become null with a reason (dates compared, so
    a window ending 9999-12-31 is safe too)."""
    lo, hi = window
    v = parsed.values
    day = v if v.dtype == pl.Date else v.dt.date()
    out = ((day < lo) | (day > hi)).fill_null(False)
    if not out.any():
        return parsed
    what = _what("imp.out_of_window", lang, min=lo.isoformat(), max=hi.isoformat())
    reason = pl.select(pl.when(pl.lit(out)).then(
        reason_expr(lang, label, what, pl.lit(raw), _what("imp.window_hint", lang)))).to_series()
    values = pl.select(pl.when(~pl.lit(out)).then(pl.lit(v))).to_series().alias(v.name)
    reasons = pl.select(pl.coalesce(pl.lit(parsed.reasons), pl.lit(reason))).to_series().alias("reason")
    return Parsed(values, reasons)


# ---------------------------------------------------------------- ids

# How Excel shows a long number it has already rounded: 2.02611E+18 (15 digits kept at
# most, usually 6).  Plain "12E34" is left alone: some ids do look like that.
_EXCEL_SCI = r"^[+-]?\d(?:\.\d+)?[eE]\+\d{1,3}$"


def is_id_column(col: schema.Column) -> bool:
    return col.kind == "text" and col.name.endswith("_id")


def check_id(parsed: Parsed, raw: pl.Series, label: str, lang: str = "en") -> Parsed:
    """Ids in Excel's scientific notation are rejected (the digits are lost)."""
    v = parsed.values
    sci = v.str.contains(_EXCEL_SCI).fill_null(False)
    if not sci.any():
        return parsed
    reason = pl.select(pl.when(pl.lit(sci)).then(
        reason_expr(lang, label, _what("imp.sci_id", lang), pl.lit(raw), _what("imp.sci_id_hint", lang)))).to_series()
    values = pl.select(pl.when(~pl.lit(sci)).then(pl.lit(v))).to_series().alias(v.name)
    return Parsed(values, reason.alias("reason"))


# ---------------------------------------------------------------- booleans and enums

_TRUE = ("是", "true", "t", "1", "y", "yes", "真", "√", "✓", "有", "1.0")
_FALSE = ("否", "false", "f", "0", "n", "no", "假", "×", "✗", "0.0")
_BOOL_MAP = {w: True for w in _TRUE} | {w: False for w in _FALSE}


def parse_bool(s: pl.Series, label: str | None = None, lang: str = "en") -> Parsed:
    """``是/否``, ``true/false``, ``1/0``, ``Y/N`` (any case, any width)."""
    label = label or s.name

    def fast(x: pl.Series) -> pl.Series:
        return pl.select(
            pl.when(pl.lit(x) == "true").then(True).when(pl.lit(x) == "false").then(False)
        ).to_series()

    def parse(uniq: pl.Series) -> pl.Series:
        key = pl.select(_nfkc(pl.lit(uniq)).str.to_lowercase()).to_series()
        return key.replace_strict(_BOOL_MAP, default=None, return_dtype=pl.Boolean)

    def slow(sub: pl.Series):
        return _by_unique(sub, parse), None

    # "无" is a null word but also a plausible "no"; keep it a null (unknown).
    values, bad, extra = _two_stage(s, fast, slow)
    return _assemble(s, values, bad, extra, _what("imp.bad_bool", lang), label,
                     _what("imp.bool_hint", lang), lang)


def enum_key(text: str) -> str:
    """How enum words are compared: NFKC, case-folded, without spaces, _ and -."""
    import unicodedata

    return re.sub(r"[\s_\-]", "", unicodedata.normalize("NFKC", text)).casefold()


def allowed_text(values: dict[str, tuple[str, ...]]) -> str:
    return ", ".join(f"{k} ({'/'.join(v)})" if v else k for k, v in values.items())


def parse_enum(s: pl.Series, values: dict[str, tuple[str, ...]], label: str | None = None,
               lang: str = "en") -> Parsed:
    """Canonical value or any of its Chinese words (``直营``→direct, ``分销达人``→distributor)."""
    label = label or s.name
    canonical = list(values)
    mapping: dict[str, str] = {}
    for k, words in values.items():
        for w in (k, *words):
            mapping.setdefault(enum_key(w), k)

    def fast(x: pl.Series) -> pl.Series:
        return pl.select(pl.when(pl.lit(x).is_in(canonical)).then(pl.lit(x))).to_series()

    def parse(uniq: pl.Series) -> pl.Series:
        key = pl.select(
            _nfkc(pl.lit(uniq)).str.replace_all(r"[\s_\-]", "").str.to_lowercase()
        ).to_series()
        return key.replace_strict(mapping, default=None, return_dtype=pl.Utf8)

    def slow(sub: pl.Series):
        return _by_unique(sub, parse), None

    values_out, bad, extra = _two_stage(s, fast, slow)
    return _assemble(s, values_out, bad, extra, _what("imp.bad_enum", lang), label,
                     _what("imp.enum_hint", lang, allowed=allowed_text(values)), lang)


# ---------------------------------------------------------------- dispatch

def parse_column(s: pl.Series, col: schema.Column, label: str | None = None, lang: str = "en",
                 window: tuple[dt.date, dt.date] | None = None) -> Parsed:
    """Parse one column of text according to its declared kind in :mod:`cockpit.schema`;
    dates outside ``window`` (default :func:`date_window`) and Excel-mangled ids are
    rejected too."""
    s = s.cast(pl.Utf8)
    label = label or col.name
    if col.kind == "text":
        parsed = parse_text(s, label)
        return check_id(parsed, s, label, lang) if is_id_column(col) else parsed
    if col.kind == "enum":
        return parse_enum(s, col.values, label, lang)
    parser = {
        "money": parse_money,
        "int": parse_int,
        "float": parse_float,
        "timestamp": parse_timestamp,
        "date": parse_date,
        "bool": parse_bool,
    }[col.kind]
    parsed = parser(s, label, lang)
    if col.kind in ("timestamp", "date"):
        parsed = check_window(parsed, s, window or date_window(), label, lang)
    return parsed


# ---------------------------------------------------------------- declared parsers and header units
# Columns whose values need more than their kind's parser (schema.Column.parser), and
# headers that name a unit (实付金额(分), 人均观看时长(分钟)): issue 17, platform exports.

_DURATION_UNITS = {  # header unit -> seconds per plain number
    None: 1, "": 1, "秒": 1, "s": 1, "sec": 1, "秒钟": 1,
    "分": 60, "分钟": 60, "min": 60, "m": 60, "mins": 60,
    "小时": 3600, "时": 3600, "h": 3600, "hr": 3600,
}
_DURATION_RE = (
    r"^(?:(\d+(?:\.\d+)?)(?:小时|时|hours?|hrs?|h))?"
    r"(?:(\d+(?:\.\d+)?)(?:分钟|分|minutes?|mins?|m))?"
    r"(?:(\d+(?:\.\d+)?)(?:秒钟|秒|seconds?|secs?|s))?$"
)
_CLOCK_RE = r"^(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:\.\d+)?)$"
_FEN_UNITS = ("分", "fen", "cent", "cents")


def unit_key(unit: str | None) -> str | None:
    """A header's unit as compared: NFKC, lower case, no spaces (``（分钟）`` -> ``分钟``)."""
    if unit is None:
        return None
    import re
    import unicodedata

    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", unit)).casefold() or None


def parse_duration(s: pl.Series, label: str | None = None, unit: str | None = None, lang: str = "en") -> Parsed:
    """Seconds from ``3分48秒``, ``1小时2分``, ``48秒``, ``3m48s``, ``03:48``, ``1:02:03``;
    a plain number counts in the header's unit (``人均观看时长(分钟)``: minutes), else
    seconds.  A percentage or a negative duration is rejected."""
    label = label or s.name
    per = _DURATION_UNITS.get(unit_key(unit), None)
    if per is None:
        return _assemble(s, pl.repeat(None, s.len(), dtype=pl.Float64, eager=True),
                         s.is_not_null(), None, _what("imp.unknown_duration_unit", lang, unit=unit), label, lang=lang)

    def fast(x: pl.Series) -> pl.Series:
        v = x.cast(pl.Float64, strict=False)
        return pl.select(pl.when(pl.lit(v).is_finite() & (pl.lit(v) >= 0)).then(pl.lit(v) * per)).to_series()

    def slow(sub: pl.Series):
        text = pl.select(_nfkc(pl.lit(sub)).str.to_lowercase().str.replace_all(r"\s+", "")).to_series()
        num = pl.select(pl.lit(text).str.replace_all(",", "").cast(pl.Float64, strict=False)).to_series()
        g = pl.select(pl.lit(text).str.extract_groups(_DURATION_RE).alias("g")).unnest("g")
        g.columns = ["h", "m", "s"]
        c = pl.select(pl.lit(text).str.extract_groups(_CLOCK_RE).alias("g")).unnest("g")
        c.columns = ["h", "m", "s"]
        f = lambda col: pl.col(col).cast(pl.Float64).fill_null(0.0)  # noqa: E731
        units = g.select(pl.when(pl.any_horizontal(pl.all().is_not_null()))
                         .then(f("h") * 3600 + f("m") * 60 + f("s"))).to_series()
        clock_ = c.select(pl.when(pl.col("s").is_not_null()).then(f("h") * 3600 + f("m") * 60 + f("s"))).to_series()
        plain = pl.select(pl.when(pl.lit(num).is_finite() & (pl.lit(num) >= 0)).then(pl.lit(num) * per)).to_series()
        vals = pl.select(pl.coalesce(pl.lit(plain), pl.lit(units), pl.lit(clock_))).to_series()
        return vals, None

    values, bad, extra = _two_stage(s, fast, slow)
    return _refuse_tiny(_assemble(s, values, bad, extra, _what("imp.bad_duration", lang), label,
                                  _what("imp.duration_hint", lang), lang), s, label, lang)


def parse_figure(s: pl.Series, label: str | None = None, unit: str | None = None, lang: str = "en") -> Parsed:
    """A benchmark figure of any metric: a number, a percentage (``12.5%`` = 0.125), an
    amount (``¥1.2万``) or a duration (``3分48秒`` = 228 s)."""
    label = label or s.name
    p = parse_float(s, label, lang)
    bad = p.reasons.is_not_null()
    if not bad.any():
        return p
    idx = bad.arg_true()
    d = parse_duration(s.gather(idx), label, lang=lang)
    fixed = d.reasons.is_null() & d.values.is_not_null()
    if not fixed.any():
        return p
    values, reasons = p.values.clone(), p.reasons.clone()
    ok = idx.filter(fixed)
    values.scatter(ok, d.values.filter(fixed))
    reasons.scatter(ok, pl.repeat(None, ok.len(), dtype=pl.Utf8, eager=True))
    return Parsed(values, reasons)


def parse_money_fen(s: pl.Series, label: str | None = None, lang: str = "en") -> Parsed:
    """Money written in 分 (cents), as some exports do (``成交金额(分)``: 12345 = ¥123.45);
    fractions of a 分 round half away from zero (and a non-zero amount that rounds to
    nothing is refused, as in yuan)."""
    p = parse_money(s, label, lang)
    hundredths = pl.select((pl.lit(p.values) * 100).cast(pl.Int64, strict=False)).to_series()  # 0.01 分
    cents = pl.select(
        pl.when(pl.lit(hundredths) < 0).then(-((-pl.lit(hundredths) + 50) // 100))
        .otherwise((pl.lit(hundredths) + 50) // 100)
    ).to_series()
    yuan = pl.select((pl.lit(cents).cast(pl.Decimal(38, 0)) * pl.lit("0.01").cast(pl.Decimal(38, 2)))
                     .cast(MONEY_DTYPE)).to_series()
    lost = ((cents == 0) & (hundredths != 0)).fill_null(False)
    if not lost.any():
        return Parsed(yuan.alias(s.name), p.reasons)
    why = pl.select(pl.when(pl.lit(lost)).then(
        reason_expr(lang, label or s.name, _what("imp.money_below_cent", lang), pl.lit(s)))).to_series()
    yuan = pl.select(pl.when(~pl.lit(lost)).then(pl.lit(yuan))).to_series()
    return Parsed(yuan.alias(s.name), pl.select(pl.coalesce(pl.lit(p.reasons), pl.lit(why))).to_series().alias("reason"))


def _refuse_tiny(p: Parsed, raw: pl.Series, label: str, lang: str) -> Parsed:
    """The decimals' rule for a declared parser too: a non-zero number too small to store
    (``1e-320``, or ``1e-400`` that underflows to 0) is refused, not kept as (nearly) 0."""
    v = p.values
    text = pl.select(_nfkc(pl.lit(raw))).to_series()
    tiny = ((v.abs() < _TINY) & ((v != 0) | (text.str.contains(r"[eE]") & _nonzero_digits_s(text)))).fill_null(False)
    if not tiny.any():
        return p
    why = pl.select(pl.when(pl.lit(tiny)).then(
        reason_expr(lang, label, _what("imp.number_too_small", lang), pl.lit(raw)))).to_series()
    values = pl.select(pl.when(~pl.lit(tiny)).then(pl.lit(v))).to_series().alias(v.name)
    return Parsed(values, pl.select(pl.coalesce(pl.lit(p.reasons), pl.lit(why))).to_series().alias("reason"))


def _nonzero_digits_s(text: pl.Series) -> pl.Series:
    return pl.select(_nonzero_digits(pl.lit(text))).to_series()


DECLARED_PARSERS = {"duration": parse_duration, "figure": parse_figure}


def parse_declared(s: pl.Series, col: schema.Column, label: str | None = None, unit: str | None = None,
                   lang: str = "en", window: tuple[dt.date, dt.date] | None = None) -> Parsed:
    """:func:`parse_column`, plus the column's declared parser and the unit its header
    names: money in 分, durations in 分钟 or 小时.  Any other unit is ignored as before."""
    s = s.cast(pl.Utf8)
    label = label or col.name
    if col.parser:
        return DECLARED_PARSERS[col.parser](s, label, unit=unit if col.parser == "duration" else None, lang=lang)
    if col.kind == "money" and unit_key(unit) in _FEN_UNITS:
        return parse_money_fen(s, label, lang)
    return parse_column(s, col, label, lang, window)
