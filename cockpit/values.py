"""Vectorised parsers for values "as people export them" (SPEC section 2, import rules).

Every parser takes an all-text Polars Series and returns :class:`Parsed`: the typed
values and, per row, a reason when the text could not be understood.  Missing values
(empty, whitespace, ``-``/``--``/``—``, and for typed columns ``null``/``N/A``/``NaN``)
become null *without* a reason: whether a value is required is the importer's call.

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
"""

from __future__ import annotations

from typing import NamedTuple

import polars as pl

from cockpit import schema

# The dtypes come from the schema, the one place that declares them.
DTYPES: dict[str, pl.DataType] = {kind: schema.polars_type(kind) for kind in schema.SQL_TYPES}
MONEY_DTYPE = DTYPES["money"]

# Written for "no value" in exports.  Text columns only honour the dash forms, because
# "NA" or "null" could be somebody's real name or id.
_DASHES = ["", "-", "--", "---", "—", "——", "－", "/"]
_NULL_WORDS = _DASHES + ["null", "none", "nan", "n/a", "na", "#n/a", "nil", "无", "空"]

_MAX_SHOWN = 60  # characters of a bad value quoted in a reason


class Parsed(NamedTuple):
    values: pl.Series
    reasons: pl.Series  # Utf8: null where the row is fine (or empty)

    @property
    def bad_count(self) -> int:
        return self.reasons.len() - self.reasons.null_count()


def _no_reasons(n: int) -> pl.Series:
    return pl.repeat(None, n, dtype=pl.Utf8, eager=True).alias("reason")


def _nfkc(e: pl.Expr) -> pl.Expr:
    """Full-width digits, letters and punctuation to half-width; trims spaces."""
    return e.str.normalize("NFKC").str.strip_chars()


def _missing_expr(e: pl.Expr, words=_NULL_WORDS) -> pl.Expr:
    return e.is_null() | _nfkc(e).str.to_lowercase().is_in(words)


def _reason(raw: pl.Series, bad: pl.Series, what: str, label: str, suffix: str = "") -> pl.Series:
    """Reasons like "paid_amount: bad number '12abc'" for the rows flagged bad.

    Label, wording and suffix travel as literals, never inside the format string, so a
    brace in a header cannot break the formatting.
    """
    if not bad.any():
        return _no_reasons(raw.len())
    shown = raw.str.slice(0, _MAX_SHOWN)
    out = pl.select(
        pl.when(pl.lit(bad)).then(
            pl.format("{}: {} '{}'{}", pl.lit(label), pl.lit(what), pl.lit(shown), pl.lit(suffix))
        )
    ).to_series()
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


def _assemble(s: pl.Series, values, bad, extra, what, label, suffix="") -> Parsed:
    reasons = _reason(s, bad, what, label, suffix)
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


def parse_money(s: pl.Series, label: str | None = None) -> Parsed:
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
        signed = pl.when(scaled < 0).then(-cents).otherwise(cents)
        ok = (unit.is_null() | (unit != "%")) & ~too_big.fill_null(False)
        vals = pl.select(
            pl.when(ok).then(signed.cast(pl.Decimal(38, 0)) * pl.lit("0.01").cast(pl.Decimal(38, 2)))
        ).to_series()
        shown = pl.lit(sub).str.slice(0, _MAX_SHOWN)
        reason = (
            pl.when(unit == "%")
            .then(pl.format("{}: a percentage is not an amount of money '{}'", pl.lit(label), shown))
            .when(too_big.fill_null(False))
            .then(pl.format("{}: amount too large '{}'", pl.lit(label), shown))
        )
        return vals.cast(MONEY_DTYPE), reason

    values, bad, extra = _two_stage(s, fast, slow)
    return _assemble(s, values, bad, extra, "bad amount of money", label)


def parse_int(s: pl.Series, label: str | None = None) -> Parsed:
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
            .then(pl.format("{}: a percentage is not a count '{}'", pl.lit(label), pl.lit(sub).str.slice(0, _MAX_SHOWN)))
            .when(pl.lit(scaled).is_not_null() & ~pl.lit(whole))
            .then(pl.format("{}: not a whole number '{}'", pl.lit(label), pl.lit(sub).str.slice(0, _MAX_SHOWN)))
        )
        return vals, reason

    values, bad, extra = _two_stage(s, fast, slow)
    return _assemble(s, values, bad, extra, "bad number", label)


def parse_float(s: pl.Series, label: str | None = None) -> Parsed:
    """Float64; ``12%`` means 0.12, ``1.2万`` means 12000; NaN and infinity rejected."""
    label = label or s.name

    def fast(x: pl.Series) -> pl.Series:
        v = x.cast(pl.Float64, strict=False)
        if v.is_finite().not_().any():
            v = pl.select(pl.when(pl.lit(v).is_finite()).then(pl.lit(v))).to_series()
        return v

    def slow(sub: pl.Series):
        parts = _split_number(sub)
        num = parts["num"].cast(pl.Float64, strict=False)
        scaled = pl.select(pl.lit(num) * _scale_expr(pl.lit(parts["unit"]))).to_series()
        vals = pl.select(pl.when(pl.lit(scaled).is_finite()).then(pl.lit(scaled))).to_series()
        return vals, None

    values, bad, extra = _two_stage(s, fast, slow)
    return _assemble(s, values, bad, extra, "bad number", label)


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
    attempts = [lambda x, f=f: x.str.strptime(pl.Datetime("us"), f, strict=False) for f in _COMMON_TS_FORMATS]
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
    naive = iso.str.strptime(pl.Datetime("us"), "%Y-%m-%d %H:%M:%S%.f", strict=False)
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
    return x.str.strptime(pl.Datetime("us"), best, strict=False)


def parse_timestamp(s: pl.Series, label: str | None = None) -> Parsed:
    """Local timestamps: ``2025/6/1 20:05``, ``2025年6月1日 20:05``, ``2025.6.1`` ..."""
    label = label or s.name
    values, bad, extra = _two_stage(s, _fast_ts, lambda sub: (_parse_ts_slow(sub), None))
    return _assemble(s, values, bad, extra, "bad date/time", label)


def parse_date(s: pl.Series, label: str | None = None) -> Parsed:
    """Dates: ``2025-06-01``, ``2025/6/1``, ``2025年6月1日``, ``20250601``; midnight times ok."""
    label = label or s.name

    def fast(x: pl.Series) -> pl.Series:
        return x.str.strptime(pl.Date, "%Y-%m-%d", strict=False)

    def slow(sub: pl.Series):
        ts = _parse_ts_slow(sub)
        midnight = pl.select(pl.lit(ts).dt.time() == pl.time(0, 0, 0)).to_series()
        vals = pl.select(pl.when(pl.lit(midnight)).then(pl.lit(ts).dt.date())).to_series()
        reason = pl.when(pl.lit(ts).is_not_null() & ~pl.lit(midnight)).then(
            pl.format("{}: a date was expected, not a time of day '{}'", pl.lit(label), pl.lit(sub).str.slice(0, _MAX_SHOWN))
        )
        return vals, reason

    values, bad, extra = _two_stage(s, fast, slow)
    return _assemble(s, values, bad, extra, "bad date", label)


# ---------------------------------------------------------------- booleans and enums

_TRUE = ("是", "true", "t", "1", "y", "yes", "真", "√", "✓", "有", "1.0")
_FALSE = ("否", "false", "f", "0", "n", "no", "假", "×", "✗", "0.0")
_BOOL_MAP = {w: True for w in _TRUE} | {w: False for w in _FALSE}


def parse_bool(s: pl.Series, label: str | None = None) -> Parsed:
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
    return _assemble(s, values, bad, extra, "not a yes/no value", label,
                     " (use 是/否, true/false, 1/0, Y/N)")


def enum_key(text: str) -> str:
    """How enum words are compared: NFKC, case-folded, without spaces, _ and -."""
    import re
    import unicodedata

    return re.sub(r"[\s_\-]", "", unicodedata.normalize("NFKC", text)).casefold()


def allowed_text(values: dict[str, tuple[str, ...]]) -> str:
    return ", ".join(f"{k} ({'/'.join(v)})" if v else k for k, v in values.items())


def parse_enum(s: pl.Series, values: dict[str, tuple[str, ...]], label: str | None = None) -> Parsed:
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
    return _assemble(s, values_out, bad, extra, "unknown value", label,
                     f" (allowed: {allowed_text(values)})")


# ---------------------------------------------------------------- dispatch

def parse_column(s: pl.Series, col: schema.Column, label: str | None = None) -> Parsed:
    """Parse one column of text according to its declared kind in :mod:`cockpit.schema`."""
    s = s.cast(pl.Utf8)
    label = label or col.name
    if col.kind == "text":
        return parse_text(s, label)
    if col.kind == "enum":
        return parse_enum(s, col.values, label)
    parser = {
        "money": parse_money,
        "int": parse_int,
        "float": parse_float,
        "timestamp": parse_timestamp,
        "date": parse_date,
        "bool": parse_bool,
    }[col.kind]
    return parser(s, label)


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


def parse_duration(s: pl.Series, label: str | None = None, unit: str | None = None) -> Parsed:
    """Seconds from ``3分48秒``, ``1小时2分``, ``48秒``, ``3m48s``, ``03:48``, ``1:02:03``;
    a plain number counts in the header's unit (``人均观看时长(分钟)``: minutes), else
    seconds.  A percentage or a negative duration is rejected."""
    label = label or s.name
    per = _DURATION_UNITS.get(unit_key(unit), None)
    if per is None:
        return _assemble(s, pl.repeat(None, s.len(), dtype=pl.Float64, eager=True),
                         s.is_not_null(), None, f"unknown duration unit ({unit}) for", label)

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
    return _assemble(s, values, bad, extra, "bad duration", label, " (e.g. 3分48秒, 228, 03:48)")


def parse_figure(s: pl.Series, label: str | None = None, unit: str | None = None) -> Parsed:
    """A benchmark figure of any metric: a number, a percentage (``12.5%`` = 0.125), an
    amount (``¥1.2万``) or a duration (``3分48秒`` = 228 s)."""
    label = label or s.name
    p = parse_float(s, label)
    bad = p.reasons.is_not_null()
    if not bad.any():
        return p
    idx = bad.arg_true()
    d = parse_duration(s.gather(idx), label)
    fixed = d.reasons.is_null() & d.values.is_not_null()
    if not fixed.any():
        return p
    values, reasons = p.values.clone(), p.reasons.clone()
    ok = idx.filter(fixed)
    values.scatter(ok, d.values.filter(fixed))
    reasons.scatter(ok, pl.repeat(None, ok.len(), dtype=pl.Utf8, eager=True))
    return Parsed(values, reasons)


def parse_money_fen(s: pl.Series, label: str | None = None) -> Parsed:
    """Money written in 分 (cents), as some exports do (``成交金额(分)``: 12345 = ¥123.45);
    fractions of a 分 round half away from zero."""
    p = parse_money(s, label)
    hundredths = pl.select((pl.lit(p.values) * 100).cast(pl.Int64, strict=False)).to_series()  # 0.01 分
    cents = pl.select(
        pl.when(pl.lit(hundredths) < 0).then(-((-pl.lit(hundredths) + 50) // 100))
        .otherwise((pl.lit(hundredths) + 50) // 100)
    ).to_series()
    yuan = pl.select((pl.lit(cents).cast(pl.Decimal(38, 0)) * pl.lit("0.01").cast(pl.Decimal(38, 2)))
                     .cast(MONEY_DTYPE)).to_series()
    return Parsed(yuan.alias(s.name), p.reasons)


DECLARED_PARSERS = {"duration": parse_duration, "figure": parse_figure}


def parse_declared(s: pl.Series, col: schema.Column, label: str | None = None, unit: str | None = None) -> Parsed:
    """:func:`parse_column`, plus the column's declared parser and the unit its header
    names: money in 分, durations in 分钟 or 小时.  Any other unit is ignored as before."""
    s = s.cast(pl.Utf8)
    label = label or col.name
    if col.parser:
        return DECLARED_PARSERS[col.parser](s, label, unit=unit if col.parser == "duration" else None)
    if col.kind == "money" and unit_key(unit) in _FEN_UNITS:
        return parse_money_fen(s, label)
    return parse_column(s, col, label)
