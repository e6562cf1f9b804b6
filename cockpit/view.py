"""A View binds a database, a Selection and the viewer's data scope.

Page data, exports and the CLI all ask their questions through a View, so the period,
the sidebar filters and the data scope are applied in one place and cannot be
forgotten by a page.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import polars as pl

from cockpit import clock, engine, query
from cockpit.engine import Database, Dialect
from cockpit.periods import Period
from cockpit.query import Query, QueryCache
from cockpit.selection import Selection


@dataclass
class View:
    con: Database
    sel: Selection = field(default_factory=Selection)
    lang: str = "zh"
    now: dt.datetime = field(default_factory=lambda: clock.now().replace(second=0, microsecond=0))
    cache: QueryCache | None = None
    # None = unrestricted; otherwise ((dim, values), ...) as in Query.scope
    scope: tuple[tuple[str, tuple[str, ...]], ...] | None = None
    # the sidebar filters that apply to the page (None: all); the others stay in the
    # link for the pages that use them (cockpit.ui.PAGE_CONTROLS)
    applies: frozenset[str] | None = None

    def filters(self) -> dict[str, tuple[str, ...]]:
        """The selection's filters that apply here."""
        return {d: v for d, v in self.sel.filters().items() if self.applies is None or d in self.applies}

    @property
    def today(self) -> dt.date:
        return self.now.date()

    @property
    def period(self) -> Period:
        """The selected period; one that contains today stops at ``now`` (partial)."""
        return self.sel.resolved_period(self.today, self.now)

    @property
    def comparison_period(self) -> Period | None:
        """环比 / 同比 period; for a partial period, the same elapsed time."""
        return self.sel.comparison_period(self.today, self.now)

    def q(self, metrics, dims=(), *, period: Period | None | str = "selected", filters=None,
          order_by=None, limit=None, labels=True) -> Query:
        """A Query under this view's filters and scope; extra filters narrow further."""
        f = dict(self.filters())
        for k, v in (filters or {}).items():
            f[k] = tuple(v)
        return Query.make(
            metrics, dims,
            self.period if period == "selected" else period,
            f, scope=self.scope, order_by=order_by, limit=limit, labels=labels, now=self.now,
        )

    def run(self, metrics, dims=(), **kw) -> pl.DataFrame:
        return query.run(self.con, self.q(metrics, dims, **kw), self.cache)

    def compared(self, metrics, dims=(), compare: list[str] | None = None, **kw) -> pl.DataFrame:
        """Like run, plus comparison columns for the selected 环比/同比 (none: plain run);
        ``compare`` limits them to the metrics shown with a change."""
        return query.run_compared(self.con, self.q(metrics, dims, **kw), self.sel.compare, self.cache, compare)

    def sql(self, sql: str, params: dict | None = None) -> pl.DataFrame:
        """Ad-hoc parameterised read (lists, curves) through the same cache."""
        return query.execute(self.con, sql, params or {}, self.cache)

    @property
    def dialect(self) -> Dialect:
        """How the engine behind this view spells what DuckDB and ClickHouse write differently."""
        return engine.wrap(self.con).dialect

    def in_list(self, params: dict, prefix: str, values) -> str:
        """Bind ``values`` for ``x IN (...)`` in this engine's dialect (query.bind_list)."""
        return query.bind_list(params, prefix, values, self.dialect)

    def has_data(self) -> bool:
        """Whether sessions or orders were imported: asked per data version (cached), the
        sessions first (the smaller table: one look where there are any; on ClickHouse an
        EXISTS ... OR EXISTS ran both every time)."""
        return any(self.sql(f"SELECT 1 AS one FROM {t} LIMIT 1").height for t in ("live_sessions", "orders"))

    def where(self, dims: dict[str, str], params: dict, time_col: str | None = None,
              period: Period | None | str = "selected") -> str:
        """SQL conditions (period, sidebar filters, data scope) for a page's own list query."""
        p = self.period if period == "selected" else period
        conds = query.conditions(
            dims, tuple(self.filters().items()), self.scope, params, p, time_col, self.dialect
        )
        return " AND ".join(conds) if conds else "TRUE"
