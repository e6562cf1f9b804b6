"""Read any supported file into an all-text Polars frame, keeping source line numbers.

Text first, types later: every cell arrives as text (or null when empty) so that one set
of parsers (:mod:`cockpit.values`) decides what ``¥1,234.50`` or ``2025年6月1日`` means,
whatever the file format.  Each row carries the line number a user would look for:
the CSV line (header = line 1), the Excel row number, or the Parquet row number.

The format is detected from the bytes, not the name: ``PK`` (zip) is XLSX, ``PAR1`` is
Parquet, the OLE signature is old XLS, anything else must be delimited text.  Text is
UTF-8 (BOM or not), UTF-16 with a BOM (Excel's "Unicode text"), or else GB18030 (a
superset of GBK); the delimiter is sniffed from the header line.  Never ask.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import polars as pl

LINE = "__line__"  # Int64 source line / row number of each data row
_EXTRA = "__extra__"  # catches fields beyond the header in ragged CSV rows

DELIMITERS = (",", "\t", ";")
# Back-office exports often put a title, an export time or notes above the header row:
# the header is looked for among this many first rows (see _header_index).
TITLE_ROWS_MAX = 10


class ReadError(Exception):
    """The file cannot be read at all; the message names the file and says why.

    ``problem(lang)`` is the bare problem in the user's language (a catalogue key of
    :mod:`cockpit.i18n` and its values); ``str()`` is the English one with the name."""

    def __init__(self, key: str, name: str = "", **params):
        self.key, self.name, self.params = key, name, params
        super().__init__(f"{name}: {self.problem('en')}" if name else self.problem("en"))

    def problem(self, lang: str = "en") -> str:
        from cockpit import i18n

        return i18n.t(self.key, lang, **self.params)

    def named(self, name: str) -> "ReadError":
        return self if self.name else ReadError(self.key, name, **self.params)


@dataclass
class RawTable:
    frame: pl.DataFrame  # text columns named as in the file (made unique), plus LINE
    headers: list[str]  # header cells as written in the file, same order as the frame
    format: str  # "csv" | "xlsx" | "xls" | "parquet"
    encoding: str | None = None
    delimiter: str | None = None
    # Per-row problems found while reading (e.g. too many fields); null where fine.
    problems: pl.Series | None = None
    header_row: int = 1  # the line / row number the headers were read from

    @property
    def columns(self) -> list[str]:
        return [c for c in self.frame.columns if c != LINE]


def sniff_format(data: bytes) -> str:
    if data[:4] == b"PK\x03\x04":
        return "xlsx"
    if data[:4] == b"PAR1":
        return "parquet"
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return "xls"
    return "csv"


def read_table(path: str | Path, data: bytes | None = None, header_score=None, lang: str = "en") -> RawTable:
    """Read ``path`` (or its already-loaded bytes ``data``) into a :class:`RawTable`.

    ``header_score(cells) -> int``: how many of a row's cells are known headers; with
    it, title rows above the header are skipped (CSV and Excel).  ``lang``: the
    language of per-row problems."""
    path = Path(path)
    name = path.name
    if data is None:
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise ReadError("imp.file_not_found", name, path=str(path)) from None
        except IsADirectoryError:
            raise ReadError("imp.is_folder", name) from None
        except OSError as e:
            raise ReadError("imp.cannot_open", name, why=str(e.strerror or e)) from None
    blank = b" \t\r\n\x00\xef\xbb\xbf"
    if not data[:65536].strip(blank) and not data[65536:].strip(blank):
        raise ReadError("imp.empty", name)
    fmt = sniff_format(data)
    try:
        if fmt == "xlsx" or fmt == "xls":
            raw = _read_excel(data, fmt, header_score)
        elif fmt == "parquet":
            raw = _read_parquet(data)
        else:
            raw = _read_csv(data, name, header_score, lang)
    except ReadError as e:
        raise e.named(name) from None
    except Exception as e:  # a corrupt file may surface as any library error
        from cockpit import i18n

        quoted = re.match(r"could not parse `(.*?)` as dtype .*? at column '(.*?)'", str(e), re.S)
        if fmt == "csv" and quoted:  # the one CSV error people make: a quote never closed
            near = quoted.group(1).replace("\r", "").replace("\n", "⏎")[:40]
            raise ReadError("imp.csv_quote", name, column=quoted.group(2), near=near) from None
        what = {"xlsx": "imp.fmt_excel", "xls": "imp.fmt_excel", "parquet": "imp.fmt_parquet"}.get(fmt, "imp.fmt_csv")
        first = str(e).strip().splitlines()[0][:200] if str(e).strip() else type(e).__name__
        raise _CannotRead(name, what, first, i18n) from None
    return _drop_blank_rows(raw)


class _CannotRead(ReadError):
    """"cannot be read as an Excel file (...)": the format's name in the user's language too."""

    def __init__(self, name, what_key, why, i18n):
        self._what_key, self._i18n = what_key, i18n
        super().__init__("imp.cannot_read", name, why=why)

    def problem(self, lang: str = "en") -> str:
        return self._i18n.t(self.key, lang, what=self._i18n.t(self._what_key, lang), **self.params)


# ---------------------------------------------------------------- CSV

def _utf8_body(data: bytes) -> tuple[bytes, str]:
    """Bytes Polars can parse as UTF-8, and the encoding the file was in.

    Plain UTF-8 is passed through unvalidated (Polars validates while parsing, and a
    failure there sends us to :func:`_from_gb18030`), so big clean files are not copied.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:], "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16").encode("utf-8"), "utf-16"
    if b"\x00" in data[:65536]:
        raise ReadError("imp.binary")
    return data, "utf-8"


_TRANSCODE_STEP = 1 << 22  # bytes of GB18030 decoded at a time


def _from_gb18030(data: bytes) -> bytes:
    """The text as UTF-8, decoded a few MB at a time: decoding a whole 1 GB export at once
    builds a 2 GB Python string (two bytes a character once one is Chinese) before the
    UTF-8 copy; by pieces nothing bigger than the UTF-8 text is ever held (10M orders:
    ~1 GB less at the peak, ~1 s less of page faults)."""
    decoder = codecs.getincrementaldecoder("gb18030")()
    view, parts = memoryview(data), []
    try:
        for at in range(0, len(data), _TRANSCODE_STEP):
            end = at + _TRANSCODE_STEP
            parts.append(decoder.decode(view[at:end], final=end >= len(data)).encode("utf-8"))
    except UnicodeDecodeError:
        raise ReadError("imp.not_text") from None
    return b"".join(parts)


def _sniff_delimiter(header_line: str) -> str:
    """The candidate seen most often outside quotes in the header line; comma on a tie."""
    unquoted = re.sub(r'"[^"]*"', "", header_line)
    counts = {d: unquoted.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


def _unique_names(headers: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for h in headers:
        base = h if h else "(blank)"
        n = seen.get(base, 0)
        seen[base] = n + 1
        out.append(base if n == 0 else f"{base} ({n + 1})")
    return out


def _header_index(rows: list[list[str]], score) -> int:
    """Which of the first rows holds the headers: the first that recognises the most
    columns, when that is at least two and more than the first row does; else row 0."""
    if score is None or len(rows) < 2:
        return 0
    scores = [score([c.strip() for c in r]) for r in rows]
    best = max(scores)
    return scores.index(best) if best >= 2 and best > scores[0] else 0


def _first_lines(body: bytes, k: int) -> list[bytes]:
    out, pos = [], 0
    while len(out) < k and pos <= len(body):
        nl = body.find(b"\n", pos)
        out.append(body[pos:] if nl < 0 else body[pos:nl])
        if nl < 0:
            break
        pos = nl + 1
    return out


def _read_csv(data: bytes, name: str, header_score=None, lang: str = "en") -> RawTable:
    body, encoding = _utf8_body(data)
    if b"\r" in body and b"\n" not in body:  # Excel for Mac's "CSV (Macintosh)": CR line ends
        body = body.replace(b"\r", b"\n")
    first = _first_lines(body, TITLE_ROWS_MAX)
    try:
        texts = [line.decode("utf-8") for line in first]
    except UnicodeDecodeError:
        if encoding != "utf-8":
            raise ReadError("imp.header_not_utf8") from None
        body, encoding = _from_gb18030(body), "gb18030"
        first = _first_lines(body, TITLE_ROWS_MAX)
        texts = [line.decode("utf-8") for line in first]
    texts = [t.rstrip("\r") for t in texts]
    skip = _header_index([next(csv.reader([t], delimiter=_sniff_delimiter(t)), []) for t in texts], header_score)
    if skip:  # title rows above the header: read from the header line on
        body = body[sum(len(line) + 1 for line in first[:skip]):]
    nl = body.find(b"\n")
    header_line = texts[skip]
    delimiter = _sniff_delimiter(header_line)
    headers = next(csv.reader([header_line], delimiter=delimiter), [])
    headers = [h.strip().lstrip("\ufeff") for h in headers]
    if not any(headers):
        raise ReadError("imp.no_header")
    options = dict(separator=delimiter, infer_schema=False, quote_char='"', raise_if_empty=False)

    problems = None
    while True:
        try:
            df = pl.read_csv(body, has_header=True, **options)
            break
        except pl.exceptions.ComputeError as e:
            msg = str(e).lower()
            if ("utf-8" in msg or "utf8" in msg) and encoding == "utf-8":
                body, encoding = _from_gb18030(body), "gb18030"
                nl = body.find(b"\n")
                continue
            if "more fields" not in msg:
                raise
        # Some row has more fields than the header: re-read with synthetic names and
        # one spare column, so those rows are flagged instead of failing the whole file.
        synthetic = [f"c{i}" for i in range(len(headers))] + [_EXTRA]
        df = pl.read_csv(
            delimiter.join(synthetic).encode() + (b"" if nl < 0 else body[nl:]),
            has_header=True,
            truncate_ragged_lines=True,
            **options,
        )
        long_rows = df[_EXTRA].is_not_null()
        from cockpit import i18n

        problems = pl.select(
            pl.when(pl.lit(long_rows)).then(pl.lit(i18n.t("imp.too_many_fields", lang, n=len(headers))))
        ).to_series()
        df = df.drop(_EXTRA)
        break

    n = df.height
    lines = pl.int_range(skip + 2, n + skip + 2, dtype=pl.Int64, eager=True)
    if nl >= 0 and body.find(b'"', nl) >= 0 and body.count(b"\n", nl) > n + 1:
        # Quoted cells with line breaks: shift later rows by the breaks seen so far.
        breaks = df.select(
            pl.sum_horizontal(pl.all().str.count_matches("\n", literal=True).fill_null(0))
        ).to_series()
        lines = lines + breaks.cum_sum().shift(1, fill_value=0).cast(pl.Int64)
    if len(headers) != df.width:  # a header our simple split read differently
        headers = list(df.columns)
    frame = _with_lines(df.rename(dict(zip(df.columns, _unique_names(headers)))), lines)
    return RawTable(frame, headers, "csv", encoding, delimiter, problems, header_row=skip + 1)


# ---------------------------------------------------------------- Excel

def _first_row_number(data: bytes) -> int:
    """Excel row number of the first non-empty row of the first sheet (calamine skips
    leading blank rows, but users count rows as Excel shows them)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            wb = z.read("xl/workbook.xml").decode("utf-8", "replace")
            rels = z.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
            rid = re.search(r'<sheet\b[^>]*\br:id="([^"]+)"', wb) or re.search(r'<sheet\b[^>]*\bid="([^"]+)"', wb)
            target = None
            if rid:
                m = re.search(r'<Relationship\b[^>]*\bId="%s"[^>]*\bTarget="([^"]+)"' % re.escape(rid.group(1)), rels) \
                    or re.search(r'<Relationship\b[^>]*\bTarget="([^"]+)"[^>]*\bId="%s"' % re.escape(rid.group(1)), rels)
                if m:
                    target = m.group(1).lstrip("/")
                    target = target if target.startswith("xl/") else "xl/" + target
            target = target or "xl/worksheets/sheet1.xml"
            with z.open(target) as f:
                head = f.read(1 << 20).decode("utf-8", "replace")
        for m in re.finditer(r'<c\b[^>]*\br="[A-Z]+(\d+)"[^>]*?(/>|>(.*?)</c>)', head, re.S):
            if m.group(3) and re.search(r"<(v|t)\b[^>]*>[^<]", m.group(3)):
                return int(m.group(1))
    except Exception:
        pass
    return 1


def _read_excel(data: bytes, fmt: str, header_score=None) -> RawTable:
    import fastexcel

    reader = fastexcel.read_excel(data)
    if not reader.sheet_names:
        raise ReadError("imp.no_sheets")
    skip = 0
    if header_score is not None:
        top = reader.load_sheet(0, header_row=None, n_rows=TITLE_ROWS_MAX, dtypes="string").to_polars()
        skip = _header_index([["" if v is None else str(v) for v in row] for row in top.iter_rows()], header_score)
    sheet = reader.load_sheet(0, header_row=skip, dtypes="string")
    df = sheet.to_polars()
    df = df.with_columns(pl.all().cast(pl.Utf8))
    headers = [c.name for c in sheet.available_columns()]
    first = (_first_row_number(data) if fmt == "xlsx" else 1) + skip
    frame = _with_lines(df, pl.int_range(first + 1, first + 1 + df.height, dtype=pl.Int64, eager=True))
    return RawTable(frame, headers, fmt, header_row=first)


# ---------------------------------------------------------------- Parquet

def _read_parquet(data: bytes) -> RawTable:
    df = pl.read_parquet(io.BytesIO(data))
    exprs = []
    for name, dtype in df.schema.items():
        col = pl.col(name)
        if dtype == pl.Datetime or isinstance(dtype, pl.Datetime):
            exprs.append(col.dt.strftime("%Y-%m-%d %H:%M:%S%.f"))
        elif dtype.is_nested():
            # Lists/structs never map to a canonical column; keep the header, drop values.
            exprs.append(pl.lit(None, pl.Utf8).alias(name))
        else:
            exprs.append(col.cast(pl.Utf8))
    df = df.select(exprs)
    frame = _with_lines(df, pl.int_range(1, df.height + 1, dtype=pl.Int64, eager=True))
    return RawTable(frame, list(df.columns), "parquet")


# ---------------------------------------------------------------- shared

def _with_lines(df: pl.DataFrame, lines: pl.Series) -> pl.DataFrame:
    """``df`` with its LINE column, cut into the same chunks as the text columns.

    Polars reads a big CSV in many chunks; a column of another chunking makes the first
    operation that meets both copy the whole frame into one chunk (10M orders: ~2.4 GB
    written again, ~3 s, mostly page faults), so the line numbers follow the text's cuts."""
    lines = lines.alias(LINE)
    if df.width and df.height:
        lengths = [len(c) for c in df.to_series(0).get_chunks()]
        if len(lengths) > 1 and all(df.to_series(i).n_chunks() == len(lengths) for i in range(1, df.width)):
            lines, cuts, at = lines.rechunk(), [], 0
            for n in lengths:
                cuts.append(lines.slice(at, n))
                at += n
            lines = pl.concat(cuts, rechunk=False)
    return df.with_columns(lines)


def _drop_blank_rows(raw: RawTable) -> RawTable:
    """Rows with no value at all (blank lines, Excel's trailing ,,,,) are not data."""
    cols = raw.columns
    if not cols or raw.frame.height == 0:
        return raw
    present = raw.frame.select(pl.any_horizontal([pl.col(c).is_not_null() for c in cols])).to_series()
    if present.all():
        return raw
    raw.frame = raw.frame.filter(present)
    if raw.problems is not None:
        raw.problems = raw.problems.filter(present)
    return raw
