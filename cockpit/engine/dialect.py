"""How each engine spells the few things the SQL of the cockpit needs that DuckDB and
ClickHouse write differently.  The statement builders call these instead of writing one
engine's spelling (issue 14): a list bound as one parameter, column types, an upsert of
a one-row setting, "rows of A with no match in B".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# DuckDB type spellings (what schema.py and the modules' DDL write) -> ClickHouse types.
_CH_TYPES = {
    "VARCHAR": "String", "TEXT": "String", "BLOB": "String", "BIGINT": "Int64", "INTEGER": "Int32",
    "INT": "Int32", "SMALLINT": "Int16", "DOUBLE": "Float64", "FLOAT": "Float32", "BOOLEAN": "Bool",
    "DATE": "Date", "TIMESTAMP": "DateTime64(6, 'UTC')",
}
_DECIMAL = re.compile(r"DECIMAL\s*\((\d+)\s*,\s*(\d+)\)", re.I)


@dataclass(frozen=True)
class Dialect:
    name: str

    def type(self, duck_type: str, nullable: bool = True) -> str:
        """A column type in this engine, from its DuckDB spelling (``DECIMAL(18,2)``...)."""
        t = duck_type.strip()
        if self.name == "duckdb":
            return t
        m = _DECIMAL.fullmatch(t)
        ch = f"Decimal({m.group(1)}, {m.group(2)})" if m else _CH_TYPES[t.upper()]
        return f"Nullable({ch})" if nullable else ch

    def list_rows(self, param: str, duck_type: str = "VARCHAR") -> str:
        """A subquery yielding one row per value of the list bound as ``$param``
        (``x IN (<this>)``): one parameter however long the list (NULLs allowed)."""
        if self.name == "duckdb":
            return f"SELECT unnest(CAST(${param} AS {duck_type}[]))"
        return f"SELECT arrayJoin(CAST(${param} AS Array({self.type(duck_type)})))"

    def zip_rows(self, cols: list[tuple[str, str, str]]) -> str:
        """A SELECT of one row per position of several equally long lists, each bound as
        one parameter: ``cols`` are (param, DuckDB element type, column alias)."""
        if self.name == "duckdb":
            return "SELECT " + ", ".join(f'unnest(CAST(${p} AS {t}[])) AS "{a}"' for p, t, a in cols)
        arrays = ", ".join(f'CAST(${p} AS Array({self.type(t)})) AS "{a}"' for p, t, a in cols)
        return "SELECT " + ", ".join(f'"{a}"' for _, _, a in cols) + f" FROM system.one ARRAY JOIN {arrays}"

    def anti_join(self, left: str, right: str, on: str) -> str:
        """``FROM left ... `` rows with no match in ``right`` (aliases inside the strings)."""
        if self.name == "duckdb":
            return f"{left} ANTI JOIN {right} ON {on}"
        return f"{left} LEFT ANTI JOIN {right} ON {on}"

    def count_if(self, cond: str) -> str:
        return f"COUNT(*) FILTER (WHERE {cond})" if self.name == "duckdb" else f"countIf({cond})"

    def distinct_list(self, expr: str) -> str:
        """The distinct non-null values of ``expr`` as one list value."""
        if self.name == "duckdb":
            return f"list(DISTINCT {expr}) FILTER (WHERE {expr} IS NOT NULL)"
        return f"groupUniqArray({expr})"


DUCKDB = Dialect("duckdb")
CLICKHOUSE = Dialect("clickhouse")
