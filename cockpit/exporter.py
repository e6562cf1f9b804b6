"""`cockpit export`: a page's tables as CSV files, exactly as the page shows them."""

from __future__ import annotations

import zipfile
from pathlib import Path

from cockpit import reports
from cockpit.view import View


def export_page(view: View, page: str, out: Path, table: str | None = None) -> list[tuple[Path, int]]:
    """Write the page's tables; return (path, rows) for each file written.

    One table (or --table NAME) goes to ``out`` itself; several go to ``out`` as a zip
    when it ends in .zip, else to ``<out stem>-<table>.csv`` beside it.
    """
    tables = reports.page_tables(page, view)
    if table is not None:
        chosen = [t for t in tables if t.name == table]
        if not chosen:
            names = ", ".join(t.name for t in tables) or "none"
            raise ValueError(f"page {page} has no table {table!r}; its tables: {names}")
        tables = chosen
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".zip":
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
            for t in tables:
                z.writestr(t.file_name(), t.csv_bytes())
        return [(out, sum(t.frame.height for t in tables))]
    if len(tables) == 1:
        out.write_bytes(tables[0].csv_bytes())
        return [(out, tables[0].frame.height)]
    written = []
    for t in tables:
        path = out.with_name(f"{out.stem}-{t.name}.csv")
        path.write_bytes(t.csv_bytes())
        written.append((path, t.frame.height))
    return written
