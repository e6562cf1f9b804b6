"""Import files people export into the canonical tables (SPEC section 2, import rules).

One file is one batch: read it (any format, :mod:`cockpit.readers`), map its headers to
the table's columns (names or Chinese aliases from :mod:`cockpit.schema`), parse every
value (:mod:`cockpit.values`), reject the rows that break a rule - each with its source
line number and a reason - and hand the good rows to :func:`cockpit.batches.write_batch`,
which upserts them in one all-or-nothing transaction and records the batch.

User mistakes never raise: :func:`import_file` returns a :class:`FileResult` with
``ok=False`` and a message naming the file, the table and what is wrong.  Column and
table names reach SQL only through :mod:`cockpit.schema`; file content never does.

Counts are true: rows read = accepted + rejected + duplicates (rows of a key repeated
later in the same file: the last one wins, and the ones it replaced are listed in the
rejects CSV beside the rejected rows, each naming the line that won).  Messages and
reasons are in the user's language (``lang``; :func:`default_lang` outside a browser).
"""

from __future__ import annotations

import difflib
import hashlib
import locale
import logging
import os
import re
import sys
import tempfile
import threading
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import polars as pl

from cockpit import batches, clock, csvout, engine, i18n, readers, schema, store, values
from cockpit.engine import Database
from cockpit.readers import LINE

log = logging.getLogger("cockpit.importer")
LANGS = ("zh", "en")


def default_lang(explicit: str | None = None) -> str:
    """The language of messages outside the browser (CLI, inbox, rejects files):
    ``explicit`` (``--lang``), else ``$COCKPIT_LANG``, else Chinese when the locale is
    (``$LC_ALL`` / ``$LC_MESSAGES`` / ``$LANG`` = ``zh_*``), else English."""
    for v in (explicit, os.environ.get("COCKPIT_LANG")):
        if v and v.strip().lower()[:2] in LANGS:
            return v.strip().lower()[:2]
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        v = os.environ.get(var)
        if v:
            return "zh" if v.lower().startswith("zh") else "en"
    try:
        loc = locale.getlocale()[0] or ""
    except ValueError:
        loc = ""
    return "zh" if loc.lower().startswith("zh") else "en"


@dataclass
class FileResult:
    path: str
    table: str
    ok: bool
    rows_read: int = 0
    rows_accepted: int = 0  # rows written: every check passed, one per key
    rows_rejected: int = 0
    rows_duplicate: int = 0  # good rows replaced by a later row of the same key in the file
    rejects_path: str | None = None
    batch_id: int | None = None
    lang: str = "en"
    why: Callable[[str], str] | None = None  # the bare problem, in a language
    unexpected: bool = False  # failed on something no file should cause (logged with its traceback)
    # wall seconds per stage (read, check, duplicates, rejects, then write_batch's steps)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def file_name(self) -> str:
        return Path(self.path).name

    @property
    def problem(self) -> str | None:
        """The bare problem in the result's language, for summary_line."""
        return self.why(self.lang) if self.why else None

    @property
    def error(self) -> str | None:
        """Names the file, the table and the problem."""
        return f"{self.file_name} → {self.table}: {self.problem}" if self.why else None

    def summary_line(self, lang: str | None = None) -> str:
        lang = lang or self.lang
        if not self.ok:
            return i18n.t("imp.not_imported", lang, file=self.file_name, table=self.table,
                          problem=self.why(lang) if self.why else "")
        line = i18n.t("imp.summary", lang, file=self.file_name, table=self.table,
                      read=f"{self.rows_read:,}", accepted=f"{self.rows_accepted:,}",
                      rejected=f"{self.rows_rejected:,}", duplicates=f"{self.rows_duplicate:,}")
        if self.rows_duplicate:
            line += i18n.t("imp.summary_last_wins", lang)
        if self.rejects_path:
            line += i18n.t("imp.summary_rejects", lang, path=self.rejects_path)
        return line


# ---------------------------------------------------------------- headers

_UNIT = re.compile(r"\s*[(\[【〔][^()\[\]【】〔〕]*[)\]】〕]\s*$")


def header_key(text: str) -> str:
    """Compare headers the way people write them: ``实付金额（元）`` == ``实付金额``,
    ``Paid Amount`` == ``paid_amount``, full-width == half-width."""
    h = unicodedata.normalize("NFKC", str(text)).replace("\ufeff", "").strip()
    h = _UNIT.sub("", h).strip().rstrip("*").strip()
    return re.sub(r"[\s_\-]", "", h).casefold()


def header_unit(text: str) -> str | None:
    """The unit a header names in brackets (``成交金额(分)`` -> ``分``), if any."""
    h = unicodedata.normalize("NFKC", str(text)).replace("\ufeff", "").strip().rstrip("*").strip()
    m = _UNIT.search(h)
    return m.group(0).strip()[1:-1].strip() if m else None


def map_headers(t: schema.Table, headers: list[str]) -> tuple[dict[str, int], list[str]]:
    """Canonical column -> index of the file header that supplies it; and missing required.

    The canonical name wins over an alias, an earlier alias over a later one, and each
    file header feeds at most one column.
    """
    keys = [header_key(h) for h in headers]
    used: set[int] = set()
    found: dict[str, int] = {}
    for c in t.columns:
        for name in (c.name, *c.aliases):
            k = header_key(name)
            idx = next((i for i, hk in enumerate(keys) if hk == k and i not in used), None)
            if idx is not None:
                found[c.name] = idx
                used.add(idx)
                break
    missing = [c.name for c in t.columns if c.required and c.name not in found]
    return found, missing


def _closest_header(col: schema.Column, headers: list[str], used: set[int]) -> str | None:
    best, best_ratio = None, 0.0
    for i, h in enumerate(headers):
        if i in used or not h:
            continue
        hk = header_key(h)
        for name in (col.name, *col.aliases):
            r = difflib.SequenceMatcher(None, header_key(name), hk).ratio()
            if r > best_ratio:
                best, best_ratio = h, r
    return best if best_ratio >= 0.34 else None


def missing_columns_message(t: schema.Table, headers: list[str], found: dict[str, int], missing: list[str],
                            lang: str = "en") -> str:
    used = set(found.values())
    parts = []
    for name in missing:
        col = t.column(name)
        accepted = " / ".join((col.name, *col.aliases))
        close = _closest_header(col, headers, used)
        hint = i18n.t("imp.closest", lang, header=close) if close else i18n.t("imp.no_close", lang)
        parts.append(i18n.t("imp.missing_column", lang, name=name, accepted=accepted, hint=hint))
    return i18n.t("imp.missing_columns", lang, columns=", ".join(parts))


# ---------------------------------------------------------------- progress

class _Progress:
    """One status line on stderr, rewritten per stage; silent unless asked and a TTY."""

    def __init__(self, enabled: bool, name: str):
        self.on = bool(enabled) and hasattr(sys.stderr, "isatty") and sys.stderr.isatty()
        self.name = name
        self.width = 0

    def stage(self, text: str) -> None:
        if self.on:
            line = f"{self.name}: {text}"
            sys.stderr.write("\r" + line.ljust(self.width))
            sys.stderr.flush()
            self.width = len(line)

    def done(self) -> None:
        if self.on and self.width:
            sys.stderr.write("\r" + " " * self.width + "\r")
            sys.stderr.flush()


# ---------------------------------------------------------------- checking rows

def _label(col: schema.Column, header: str) -> str:
    return col.name if header_key(header) == header_key(col.name) else f"{col.name} ({header})"


def _when_reason(mask: pl.Series, texts) -> pl.Series | None:
    if not mask.any():
        return None
    return pl.select(pl.when(pl.lit(mask)).then(texts)).to_series()


# Columns are parsed on this many threads: Polars parses one column's chunks one after
# another, and releases the GIL while it does, so the columns of a big file share the cores.
PARSE_THREADS = max(1, min(4, os.cpu_count() or 1))
_PARALLEL_FROM = 50_000  # rows; below that, threads cost more than they give


def _map_columns(parse, cols: list[schema.Column], n: int) -> dict[str, values.Parsed]:
    """{column name: parse(column)}, on several threads for a big file."""
    if n < _PARALLEL_FROM or PARSE_THREADS == 1 or len(cols) < 2:
        return {c.name: parse(c) for c in cols}
    with ThreadPoolExecutor(PARSE_THREADS, thread_name_prefix="cockpit-parse") as pool:
        return dict(zip((c.name for c in cols), pool.map(parse, cols)))


def check_rows(t: schema.Table, raw: readers.RawTable, found: dict[str, int], lang: str = "en",
               window=None) -> tuple[pl.DataFrame, pl.Series | None]:
    """Parse and check every row.

    Returns the typed frame (canonical columns in schema order, canonical dtypes, one row
    per file row) and the reasons per row (null for good rows), or None if all are good.
    ``window``: the plausible dates (values.date_window), looked up when not given.
    """
    window = window or values.date_window()
    frame = raw.frame
    n = frame.height
    data_cols = raw.columns
    typed: dict[str, pl.Series] = {}
    reasons: list[pl.Series] = []
    if raw.problems is not None:
        reasons.append(raw.problems)
    labels = {c.name: _label(c, raw.headers[found[c.name]]) for c in t.columns if c.name in found}

    def parse(col: schema.Column) -> values.Parsed:
        header = raw.headers[found[col.name]]
        return values.parse_declared(frame[data_cols[found[col.name]]], col, labels[col.name],
                                     header_unit(header), lang, window)

    present = [c for c in t.columns if c.name in found]
    parsed_all = _map_columns(parse, present, n)
    for col in t.columns:
        dtype = values.DTYPES[col.kind]
        if col.name not in found:
            typed[col.name] = pl.repeat(None, n, dtype=dtype, eager=True).alias(col.name)
            continue
        label = labels[col.name]
        text = frame[data_cols[found[col.name]]]
        parsed = parsed_all[col.name]
        v = parsed.values.alias(col.name)
        if v.dtype != dtype:
            v = v.cast(dtype)
        typed[col.name] = v
        parse_bad = parsed.reasons.is_not_null()
        if parsed.bad_count:
            reasons.append(parsed.reasons)
        if col.required:
            r = _when_reason(v.is_null() & ~parse_bad,
                             pl.lit(i18n.t("imp.missing", lang, label=label)))
            if r is not None:
                reasons.append(r)
        if col.nonnegative:
            neg = (v < 0).fill_null(False)
            what = i18n.t("imp.negative_money" if col.kind == "money" else "imp.negative_count", lang)
            r = _when_reason(neg, values.reason_expr(lang, label, what, pl.lit(text)))
            if r is not None:
                reasons.append(r)
    if t.name == "orders":
        paid, refund = typed["paid_amount"], typed["refund_amount"]
        over = (refund > paid).fill_null(False)  # a full refund (equal) is common and fine
        r = _when_reason(
            over,
            values.fmt_expr(
                i18n.t("imp.refund_over", lang),
                label=pl.lit(labels.get("refund_amount", "refund_amount")),
                refund=pl.lit(refund), paid=pl.lit(paid),
            ),
        )
        if r is not None:
            reasons.append(r)
    for first, then in t.ordered:  # e.g. an explanation that ends before it starts
        r = _when_reason((typed[then] < typed[first]).fill_null(False), pl.lit(
            i18n.t("imp.ordered", lang, later=labels.get(then, then), earlier=labels.get(first, first))))
        if r is not None:
            reasons.append(r)
    good = pl.DataFrame([typed[c] for c in t.column_names])
    if not reasons:
        return good, None
    joined = pl.select(pl.concat_str([pl.lit(r) for r in reasons], separator="; ", ignore_nulls=True)).to_series()
    joined = pl.select(pl.when(pl.lit(joined) != "").then(pl.lit(joined))).to_series().alias("reason")
    return good, joined


# ---------------------------------------------------------------- rejects

def default_rejects_dir(con: Database) -> Path:
    """``rejects/`` beside the database file (or chDB folder, or under ``data/`` for a
    ClickHouse server); a temp folder for in-memory databases."""
    url = engine.wrap(con).url
    if url.is_memory:
        return Path(tempfile.gettempdir()) / "cockpit-rejects"
    return store.beside(url, "").parent / "rejects"


def _rejects_file(directory: Path, source: Path) -> Path:
    stamp = clock.now().strftime("%Y%m%dT%H%M%S")
    stem = re.sub(r"[^\w.\-]+", "_", source.stem) or "file"
    p = directory / f"{stem}-{stamp}.rejects.csv"
    i = 2
    while p.exists():
        p = directory / f"{stem}-{stamp}-{i}.rejects.csv"
        i += 1
    return p


def duplicates(t: schema.Table, good: pl.DataFrame, lines: pl.Series, lang: str = "en") -> pl.Series | None:
    """Per good row: null for the row written, else why it was not (a later row of the
    same key won, named by its line).  None when no key repeats."""
    if good.height == 0:
        return None
    # The usual file repeats no key.  Distinct hashes prove it (equal keys hash alike)
    # several times faster than counting distinct strings (10M orders: 0.25 s vs 1.5 s);
    # only when some hashes meet are the keys themselves compared.
    keys = good.select(list(t.key))
    if keys.hash_rows().n_unique() == good.height:
        return None
    distinct = keys.to_series(0).n_unique() if len(t.key) == 1 else keys.select(pl.struct(list(t.key)).n_unique()).item()
    if distinct == good.height:
        return None
    last = good.select(pl.struct(list(t.key)).is_last_distinct()).to_series()
    keyed = good.select(list(t.key)).with_columns(lines.alias(LINE))
    winner = keyed.select(pl.col(LINE).last().over(list(t.key))).to_series()
    key_text = pl.concat_str(
        [pl.concat_str([pl.lit(f"{k}="), pl.col(k).cast(pl.Utf8).fill_null("")]) for k in t.key], separator=", ")
    why = keyed.with_columns(winner.alias("_winner")).select(
        pl.when(pl.lit(~last)).then(values.fmt_expr(i18n.t("imp.duplicate", lang), winner=pl.col("_winner"),
                                                     key=key_text))
    ).to_series()
    return why.alias("reason")


def _rejects_frame(raw: readers.RawTable, reasons: pl.Series, bad: pl.Series) -> pl.DataFrame:
    """line, reason, then the row exactly as it was in the file."""
    cols = raw.columns
    taken = {"line", "reason"}
    out_names = []
    for c in cols:
        name = c
        while name in taken:
            name = f"{name} (file)"
        taken.add(name)
        out_names.append(name)
    rows = raw.frame.filter(bad)
    return pl.DataFrame(
        [rows[LINE].alias("line"), reasons.filter(bad).alias("reason")]
        + [rows[c].alias(o) for c, o in zip(cols, out_names)]
    )


# ---------------------------------------------------------------- public API

def _fail(path, table, why: Callable[[str], str], lang: str, unexpected: bool = False) -> FileResult:
    return FileResult(path=str(path), table=table, ok=False, lang=lang, why=why, unexpected=unexpected)


def _text(key: str, **kw) -> Callable[[str], str]:
    return lambda lang: i18n.t(key, lang, **kw)


def import_file(
    con: Database,
    table_name: str,
    path,
    *,
    imported_by: str = "local",
    source: str = "cli",
    rejects_dir=None,
    progress: bool = False,
    before_commit=None,
    lang: str | None = None,
) -> FileResult:
    """Import one file into ``table_name`` as one batch; see the module docstring.

    Never raises for a file, whatever it holds: a problem nobody foresaw is logged with
    its traceback and reported as a failed import that changed nothing."""
    lang = lang if lang in LANGS else default_lang()
    started = clock.now()
    path = Path(path)
    if table_name not in schema.TABLES:
        return _fail(path, table_name, _text("imp.unknown_table", table=table_name, tables=", ".join(schema.TABLES)),
                     lang)
    t = schema.table(table_name)
    bar = _Progress(progress, path.name)
    timings: dict[str, float] = {}
    lap = batches.Laps(timings)
    rejects_path = None
    try:
        try:
            window = values.date_window()
        except values.BadSetting as e:
            return _fail(path, t.name, e.message, lang)
        bar.stage(i18n.t("imp.stage_reading", lang))
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return _fail(path, t.name, _text("imp.file_not_found", path=str(path)), lang)
        except IsADirectoryError:
            return _fail(path, t.name, _text("imp.is_folder"), lang)
        except OSError as e:
            return _fail(path, t.name, _text("imp.cannot_open", why=str(e.strerror or e)), lang)
        digest: dict[str, str] = {}
        # hashlib releases the GIL on big buffers: hash while Polars parses.
        hasher = threading.Thread(target=lambda: digest.update(sha=hashlib.sha256(data).hexdigest()))
        hasher.start()
        try:
            raw = readers.read_table(path, data, header_score=lambda cells: len(map_headers(t, cells)[0]), lang=lang)
        except readers.ReadError as e:
            return _fail(path, t.name, e.problem, lang)
        finally:
            hasher.join()

        lap("read")
        found, missing = map_headers(t, raw.headers)
        if missing:
            headers = raw.headers
            return _fail(path, t.name, lambda lg: missing_columns_message(t, headers, found, missing, lg), lang)

        n = raw.frame.height
        bar.stage(i18n.t("imp.stage_checking", lang, n=f"{n:,}"))
        typed, reasons = check_rows(t, raw, found, lang, window)
        lap("check")
        bad = reasons.is_not_null() if reasons is not None else pl.repeat(False, n, dtype=pl.Boolean, eager=True)
        rejected = int(bad.sum())
        good = typed.filter(~bad) if rejected else typed
        good_idx = (~bad).arg_true()
        dup_why = duplicates(t, good, raw.frame[LINE].gather(good_idx), lang)
        duplicate = 0
        if dup_why is not None:
            dup = dup_why.is_not_null()
            duplicate = int(dup.sum())
            good = good.filter(~dup)
            full = reasons.clone() if reasons is not None else pl.repeat(None, n, dtype=pl.Utf8, eager=True)
            full.scatter(good_idx, pl.select(pl.coalesce(pl.lit(full.gather(good_idx)), pl.lit(dup_why))).to_series())
            reasons = full
        lap("duplicates")
        if rejected or duplicate:
            listed = reasons.is_not_null()
            directory = Path(rejects_dir) if rejects_dir is not None else default_rejects_dir(con)
            target = _rejects_file(directory, path)
            csvout.write_csv(_rejects_frame(raw, reasons, listed), target)
            rejects_path = str(target)
        del raw
        lap("rejects")
        bar.stage(i18n.t("imp.stage_writing", lang, n=f"{good.height:,}"))
        try:
            batch_id = batches.write_batch(
                con,
                t.name,
                good,
                file_name=path.name,
                sha256=digest.get("sha"),
                rows_read=n,
                rows_rejected=rejected,
                rows_duplicate=duplicate,
                rejects_path=rejects_path,
                imported_by=imported_by,
                source=source,
                started_at=started,
                before_commit=before_commit,
                deduped=True,  # duplicates() kept the last row of each key
                timings=timings,
            )
        except engine.errors() as e:
            first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            return _fail(path, t.name, _text("imp.db_refused", why=first), lang)
        done = FileResult(
            path=str(path),
            table=t.name,
            ok=True,
            rows_read=n,
            rows_accepted=good.height,
            rows_rejected=rejected,
            rows_duplicate=duplicate,
            rejects_path=rejects_path,
            batch_id=batch_id,
            lang=lang,
            timings=timings,
        )
        rejects_path = None  # committed: the rejects file is the batch's
        return done
    except Exception as e:  # noqa: BLE001 - no file may crash the caller; the log keeps the traceback
        log.exception("importing %s into %s failed unexpectedly", path.name, t.name)
        first = str(e).strip().splitlines()[0][:200] if str(e).strip() else type(e).__name__
        return _fail(path, t.name, _text("imp.unexpected", why=first), lang, unexpected=True)
    finally:
        if rejects_path:  # the batch was not committed: no orphan rejects file
            Path(rejects_path).unlink(missing_ok=True)
        bar.done()


def import_files(
    con: Database,
    table_name: str,
    paths,
    *,
    imported_by: str = "local",
    source: str = "cli",
    progress: bool = False,
    lang: str | None = None,
) -> list[FileResult]:
    """Import several files into one table, each its own all-or-nothing batch, in order."""
    return [
        import_file(con, table_name, p, imported_by=imported_by, source=source, progress=progress, lang=lang)
        for p in paths
    ]
