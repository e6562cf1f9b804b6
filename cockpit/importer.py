"""Import files people export into the canonical tables (SPEC section 2, import rules).

One file is one batch: read it (any format, :mod:`cockpit.readers`), map its headers to
the table's columns (names or Chinese aliases from :mod:`cockpit.schema`), parse every
value (:mod:`cockpit.values`), reject the rows that break a rule - each with its source
line number and a reason - and hand the good rows to :func:`cockpit.batches.write_batch`,
which upserts them in one all-or-nothing transaction and records the batch.

User mistakes never raise: :func:`import_file` returns a :class:`FileResult` with
``ok=False`` and a message naming the file, the table and what is wrong.  Column and
table names reach SQL only through :mod:`cockpit.schema`; file content never does.
"""

from __future__ import annotations

import difflib
import hashlib
import re
import sys
import tempfile
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from cockpit import batches, clock, csvout, readers, schema, store, values
from cockpit.readers import LINE


@dataclass
class FileResult:
    path: str
    table: str
    ok: bool
    error: str | None = None  # full message: names the file, the table and the problem
    rows_read: int = 0
    rows_accepted: int = 0  # rows that passed every check (duplicates of a key included)
    rows_rejected: int = 0
    rejects_path: str | None = None
    batch_id: int | None = None
    problem: str | None = None  # the bare problem, for summary_line

    @property
    def file_name(self) -> str:
        return Path(self.path).name

    def summary_line(self) -> str:
        head = f"{self.file_name} → {self.table}"
        if not self.ok:
            return f"{head}: NOT IMPORTED: {self.problem or self.error}; nothing changed"
        line = (
            f"{head}: {self.rows_read:,} read, {self.rows_accepted:,} accepted, "
            f"{self.rows_rejected:,} rejected"
        )
        if self.rejects_path:
            line += f" (rejects: {self.rejects_path})"
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


def missing_columns_message(t: schema.Table, headers: list[str], found: dict[str, int], missing: list[str]) -> str:
    used = set(found.values())
    parts = []
    for name in missing:
        col = t.column(name)
        accepted = " / ".join((col.name, *col.aliases))
        close = _closest_header(col, headers, used)
        hint = f"closest header found: '{close}'" if close else "no similar header in the file"
        parts.append(f"{name} (accepted headers: {accepted}; {hint})")
    return "missing required columns " + ", ".join(parts)


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


def check_rows(t: schema.Table, raw: readers.RawTable, found: dict[str, int]) -> tuple[pl.DataFrame, pl.Series | None]:
    """Parse and check every row.

    Returns the typed frame (canonical columns in schema order, canonical dtypes, one row
    per file row) and the reasons per row (null for good rows), or None if all are good.
    """
    frame = raw.frame
    n = frame.height
    data_cols = raw.columns
    typed: dict[str, pl.Series] = {}
    reasons: list[pl.Series] = []
    if raw.problems is not None:
        reasons.append(raw.problems)
    labels: dict[str, str] = {}
    for col in t.columns:
        dtype = values.DTYPES[col.kind]
        if col.name not in found:
            typed[col.name] = pl.repeat(None, n, dtype=dtype, eager=True).alias(col.name)
            continue
        src = data_cols[found[col.name]]
        header = raw.headers[found[col.name]]
        label = labels[col.name] = _label(col, header)
        text = frame[src]
        parsed = values.parse_declared(text, col, label, header_unit(header))
        v = parsed.values.alias(col.name)
        if v.dtype != dtype:
            v = v.cast(dtype)
        typed[col.name] = v
        parse_bad = parsed.reasons.is_not_null()
        if parsed.bad_count:
            reasons.append(parsed.reasons)
        if col.required:
            r = _when_reason(v.is_null() & ~parse_bad, pl.lit(f"{label}: missing required value"))
            if r is not None:
                reasons.append(r)
        if col.nonnegative:
            neg = (v < 0).fill_null(False)
            what = "negative amount of money" if col.kind == "money" else "negative count"
            r = _when_reason(neg, pl.format("{}: {} '{}'", pl.lit(label), pl.lit(what), pl.lit(text)))
            if r is not None:
                reasons.append(r)
    if t.name == "orders":
        paid, refund = typed["paid_amount"], typed["refund_amount"]
        over = (refund > paid).fill_null(False)
        r = _when_reason(
            over,
            pl.format(
                "{}: refund {} is larger than the paid amount {}",
                pl.lit(labels.get("refund_amount", "refund_amount")),
                pl.lit(refund).cast(pl.Utf8),
                pl.lit(paid).cast(pl.Utf8),
            ),
        )
        if r is not None:
            reasons.append(r)
    for first, then in t.ordered:  # e.g. an explanation that ends before it starts
        r = _when_reason((typed[then] < typed[first]).fill_null(False), pl.lit(
            f"{labels.get(then, then)} is before {labels.get(first, first)}"))
        if r is not None:
            reasons.append(r)
    good = pl.DataFrame([typed[c] for c in t.column_names])
    if not reasons:
        return good, None
    joined = pl.select(pl.concat_str([pl.lit(r) for r in reasons], separator="; ", ignore_nulls=True)).to_series()
    joined = pl.select(pl.when(pl.lit(joined) != "").then(pl.lit(joined))).to_series().alias("reason")
    return good, joined


# ---------------------------------------------------------------- rejects

def default_rejects_dir(con: duckdb.DuckDBPyConnection) -> Path:
    """``rejects/`` beside the database file; a temp folder for in-memory databases."""
    path = store.scalar(con, "SELECT path FROM duckdb_databases() WHERE database_name = current_database()")
    if path:
        return Path(path).resolve().parent / "rejects"
    return Path(tempfile.gettempdir()) / "cockpit-rejects"


def _rejects_file(directory: Path, source: Path) -> Path:
    stamp = clock.now().strftime("%Y%m%dT%H%M%S")
    stem = re.sub(r"[^\w.\-]+", "_", source.stem) or "file"
    p = directory / f"{stem}-{stamp}.rejects.csv"
    i = 2
    while p.exists():
        p = directory / f"{stem}-{stamp}-{i}.rejects.csv"
        i += 1
    return p


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

def _fail(path, table, problem) -> FileResult:
    name = Path(path).name
    return FileResult(
        path=str(path), table=table, ok=False, problem=problem, error=f"{name} → {table}: {problem}"
    )


def import_file(
    con: duckdb.DuckDBPyConnection,
    table_name: str,
    path,
    *,
    imported_by: str = "local",
    source: str = "cli",
    rejects_dir=None,
    progress: bool = False,
    before_commit=None,
) -> FileResult:
    """Import one file into ``table_name`` as one batch; see the module docstring."""
    started = clock.now()
    path = Path(path)
    try:
        t = schema.table(table_name)
    except KeyError as e:
        return _fail(path, table_name, e.args[0])
    bar = _Progress(progress, path.name)
    try:
        bar.stage("reading…")
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return _fail(path, t.name, f"file not found ({path})")
        except IsADirectoryError:
            return _fail(path, t.name, "is a folder, not a file")
        except OSError as e:
            return _fail(path, t.name, f"cannot be opened ({e.strerror or e})")
        digest: dict[str, str] = {}
        # hashlib releases the GIL on big buffers: hash while Polars parses.
        hasher = threading.Thread(target=lambda: digest.update(sha=hashlib.sha256(data).hexdigest()))
        hasher.start()
        try:
            raw = readers.read_table(path, data, header_score=lambda cells: len(map_headers(t, cells)[0]))
        except readers.ReadError as e:
            msg = str(e)
            prefix = f"{path.name}: "
            return _fail(path, t.name, msg[len(prefix):] if msg.startswith(prefix) else msg)
        finally:
            hasher.join()

        found, missing = map_headers(t, raw.headers)
        if missing:
            return _fail(path, t.name, missing_columns_message(t, raw.headers, found, missing))

        n = raw.frame.height
        bar.stage(f"checking {n:,} rows…")
        typed, reasons = check_rows(t, raw, found)
        rejects_path = None
        rejected = 0
        if reasons is not None:
            bad = reasons.is_not_null()
            rejected = int(bad.sum())
            if rejected:
                directory = Path(rejects_dir) if rejects_dir is not None else default_rejects_dir(con)
                target = _rejects_file(directory, path)
                csvout.write_csv(_rejects_frame(raw, reasons, bad), target)
                rejects_path = str(target)
                typed = typed.filter(~bad)
        del raw
        bar.stage(f"writing {typed.height:,} rows…")
        try:
            batch_id = batches.write_batch(
                con,
                t.name,
                typed,
                file_name=path.name,
                sha256=digest.get("sha"),
                rows_read=n,
                rows_rejected=rejected,
                rejects_path=rejects_path,
                imported_by=imported_by,
                source=source,
                started_at=started,
                before_commit=before_commit,
            )
        except duckdb.Error as e:
            if rejects_path:
                Path(rejects_path).unlink(missing_ok=True)
            first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            return _fail(path, t.name, f"the database refused the rows ({first})")
        return FileResult(
            path=str(path),
            table=t.name,
            ok=True,
            rows_read=n,
            rows_accepted=typed.height,
            rows_rejected=rejected,
            rejects_path=rejects_path,
            batch_id=batch_id,
        )
    finally:
        bar.done()


def import_files(
    con: duckdb.DuckDBPyConnection,
    table_name: str,
    paths,
    *,
    imported_by: str = "local",
    source: str = "cli",
    progress: bool = False,
) -> list[FileResult]:
    """Import several files into one table, each its own all-or-nothing batch, in order."""
    return [
        import_file(con, table_name, p, imported_by=imported_by, source=source, progress=progress)
        for p in paths
    ]
