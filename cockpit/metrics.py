"""The metric registry (SPEC section 3): every metric declared once.

Three layers, in the manner of dbt's semantic layer and Rill's metrics views:

* a **source** is a fact table with its joins to the dimensions, the column the period
  filter applies to, and the SQL expression of every dimension it can be split by;
* a **measure** is one aggregation over one source (``SUM(o.paid_amount)``);
* a **metric** is what people see: a measure, a ratio of two measures (null when the
  denominator is zero), or a difference, with labels, unit, format and direction.

Pages, exports, the CLI and the README's metric table all read this module.  The SQL
stays in a portable subset (CASE, COALESCE, NULLIF, COUNT DISTINCT, standard date
truncation) so the definitions can move to another engine.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from cockpit import buyer_keys, schema

# ---------------------------------------------------------------------------
# Dimensions


@dataclass(frozen=True)
class Dimension:
    id: str
    zh: str
    en: str
    time: bool = False
    # entity dims carry a label looked up in their dimension table
    label_table: str | None = None
    label_key: str | None = None
    label_col: str | None = None
    # an attribute of another (entity) dim, one value per entity: (entity dim, column of
    # its table).  Split by both, the query groups by the entity alone and looks the
    # attribute up, which spares every fact row a join and a wider group key.
    attribute_of: tuple[str, str] | None = None


DIMENSIONS: dict[str, Dimension] = {
    d.id: d
    for d in [
        Dimension("day", "日期", "Day", time=True),
        Dimension("week", "周", "Week", time=True),
        Dimension("month", "月份", "Month", time=True),
        Dimension("brand", "品牌", "Brand", attribute_of=("store", "brand")),
        Dimension("store_type", "店铺类型", "Store type", attribute_of=("store", "store_type")),
        Dimension("store", "店铺", "Store", label_table="stores", label_key="store_id", label_col="store_name"),
        Dimension("account_type", "账号类型", "Account type", attribute_of=("account", "account_type")),
        Dimension("account", "账号", "Account", label_table="accounts", label_key="account_id", label_col="account_name"),
        Dimension("agency", "机构", "Agency", attribute_of=("account", "agency")),
        Dimension("channel", "成交渠道", "Channel"),
        Dimension("live", "直播场次", "Live session", label_table="live_sessions", label_key="live_id", label_col="title"),
        Dimension("product", "商品", "Product", label_table="products", label_key="product_id", label_col="product_name"),
        Dimension("category", "类目", "Category"),
        Dimension("traffic_source", "流量来源", "Traffic source"),
    ]
}

# Dimensions whose values are a closed list (the schema's enums): a split by one has at
# most that many rows, plus null.
ENUM_DIMS = {"store_type": schema.STORE_TYPES, "account_type": schema.ACCOUNT_TYPES, "channel": schema.CHANNELS}

# The filters of the shared sidebar are dimensions too.
FILTER_DIMS = ("brand", "store_type", "store", "account_type", "account", "agency", "channel")


def _time_dims(col: str) -> dict[str, str]:
    return {
        "day": f"CAST({col} AS DATE)",
        "week": f"CAST(date_trunc('week', {col}) AS DATE)",
        "month": f"CAST(date_trunc('month', {col}) AS DATE)",
    }


def _account_dims(acc: str = "a", st: str = "s") -> dict[str, str]:
    """Dims reached through an account row (a) and the store it sells for (s)."""
    return {
        "brand": f"{st}.brand",
        "store_type": f"{st}.store_type",
        "store": f"{acc}.store_id",
        "account_type": f"{acc}.account_type",
        "account": f"{acc}.account_id",
        "agency": f"{acc}.agency",
    }


# ---------------------------------------------------------------------------
# Sources


@dataclass(frozen=True)
class Source:
    id: str
    from_sql: str
    time_col: str
    dims: dict[str, str]
    # Two-level sources aggregate per `grain` first (a buyer, an account) and then
    # again per dimension: repurchase needs orders per buyer, followers the last value
    # per account.  inner_cols are the per-grain columns the measures read.
    grain: str | None = None
    inner_cols: dict[str, str] = field(default_factory=dict)
    # Aggregate awareness: smaller sources holding some of this one's measures
    # (Measure.rollup) for the dims they list; the query builder reads the first that fits.
    rollups: tuple[str, ...] = ()
    # On a rollup source: the dims its rows are whole for.  A query must split by and
    # filter on every one of them and may not cut time (one row per live session holds
    # its distinct buyers; they add up neither across sessions nor across a period).
    whole_for: tuple[str, ...] = ()
    # On a rollup: the condition a group of its rows must meet to exist (it holds an
    # order).  ClickHouse keeps rollups as per-batch deltas, where a group whose orders
    # all left sums to zero orders instead of vanishing (cockpit.rollups).
    nonempty: str | None = None
    # Per-grain columns computed in NumPy instead of a SQL GROUP BY over the grain, for
    # queries with no split: (SQL of one integer code per row, fn(codes, key_max) ->
    # {inner col: array indexed by grain key}).  Counting per dense buyer key with
    # bincount is ~4x faster than DuckDB's hash aggregate over millions of buyers.
    vector: tuple[str, Callable] | None = None
    # With a period: one more condition, true of every row the period keeps, that lets
    # the scan skip row groups by the column the table is written in order of (the
    # period itself applies to an expression no zone map knows).  Reads $p_start/$p_end.
    prune: str | None = None
    # On a rollup: which measure each of its columns holds ({column: measure id}) and
    # the fact columns it keeps (its keys).  A measure's form over the rollup is derived
    # from its declaration (Measure.rollup): the same measure, or the same kind of the
    # same value restricted to rows a condition over the kept columns picks.
    stores: dict[str, str] = field(default_factory=dict)
    keys: tuple[str, ...] = ()
    # On a rollup whose rows are the parts of a whole (a session's orders through one
    # store, account and channel; DuckDB): a filter or scope on the parts' dims keeps a
    # part whole or drops it, so a whole kept entirely or by one part reads its stored
    # figure, and one cut into several parts is counted from the source, its scan bounded
    # by this condition over the source's rows ({cut}: the keys of those wholes).
    parts: str | None = None


_ORDERS_FROM = (
    "orders o LEFT JOIN stores s ON o.store_id = s.store_id "
    "LEFT JOIN accounts a ON o.account_id = a.account_id "
    "LEFT JOIN products p ON o.product_id = p.product_id"
)
_ORDER_DIMS = {
    **_time_dims("o.paid_at"),
    "brand": "s.brand",
    "store_type": "s.store_type",
    "store": "o.store_id",
    "account_type": "a.account_type",
    "account": "o.account_id",
    "agency": "a.agency",
    "channel": "o.channel",
    "live": "o.live_id",
    "product": "o.product_id",
    "category": "p.category",
}
_SESSION_FROM = (
    "live_sessions ls JOIN accounts a ON ls.account_id = a.account_id "
    "LEFT JOIN stores s ON a.store_id = s.store_id"
)
_SESSION_DIMS = {
    **_time_dims("ls.started_at"),
    **_account_dims(),
    "channel": "'live'",
    "live": "ls.live_id",
}

# cockpit.rollups: orders summed per (day, store, account, channel, is_fan, live); dims
# joined at query time.  Periods are whole days, so r.day selects the same orders as
# o.paid_at does.
_ROLLUP_FROM = (
    "orders_daily r LEFT JOIN stores s ON r.store_id = s.store_id "
    "LEFT JOIN accounts a ON r.account_id = a.account_id"
)
_ROLLUP_DIMS = {
    **_time_dims("r.day"),
    "brand": "s.brand",
    "store_type": "s.store_type",
    "store": "r.store_id",
    "account_type": "a.account_type",
    "account": "r.account_id",
    "agency": "a.agency",
    "channel": "r.channel",
    "live": "r.live_id",
}

_PRODUCT_ROLLUP_FROM = (
    "orders_product_daily r LEFT JOIN stores s ON r.store_id = s.store_id "
    "LEFT JOIN products p ON r.product_id = p.product_id"
)
_PRODUCT_ROLLUP_DIMS = {
    **_time_dims("r.day"),
    "brand": "s.brand",
    "store_type": "s.store_type",
    "store": "r.store_id",
    "product": "r.product_id",
    "category": "p.category",
}

def _per_buyer(codes: np.ndarray, buyer_max: int) -> dict[str, np.ndarray]:
    """order_buyers' inner columns from codes key * 2 + is_fan: the same n_orders
    (COUNT(*)) and is_fan_buyer (any fan order) as the SQL grain, for every buyer key
    present (and, on the bincount path, zeros for the absent ones, which count nowhere).

    Many rows: one bincount over every key (a fixed ~30 ms for 2.8M keys).  Few rows
    (a week, one store): sorting them is cheaper than touching every key."""
    bins = 2 * (buyer_max + 1)
    if len(codes) * 16 >= bins:
        c2 = np.bincount(codes, minlength=bins)
        fan_orders = c2[1::2]
        return {"n_orders": c2[0::2] + fan_orders, "is_fan_buyer": fan_orders > 0}
    s = np.sort(codes)
    keys = s >> 1
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]]) if len(s) else np.zeros(0, np.intp)
    ends = np.r_[starts[1:], len(s)].astype(np.intp)
    # within a buyer the fan code (key * 2 + 1) sorts last: the last code says "any fan order"
    return {"n_orders": ends - starts, "is_fan_buyer": (s[ends - 1] & 1) == 1 if len(s) else np.zeros(0, bool)}


# A live session's orders count with the session (SPEC section 3): in the period of its
# start, wherever they were paid, so gpm / uv_value / click_conversion divide figures of
# the same sessions.  A live order carrying no known session counts when it was paid.
# (live_sessions is keyed by live_id: the join never multiplies an order.)
_LIVE_TIME = "COALESCE(ls.started_at, o.paid_at)"
_LIVE_ROLLUP_TIME = "COALESCE(ls.started_at, r.day)"
_SESSION_JOIN = " LEFT JOIN live_sessions ls ON {}.live_id = ls.live_id"


def _session_paid_bounds(col: str, cast: str = "TIMESTAMP") -> str:
    """``col`` (when an order was paid) within the period widened to every payment of
    the sessions started in it (first and last per session: cockpit.rollups keeps them,
    orders_live_paid on each engine).  Exact as a superset, and a scan still skips whole
    months."""
    sub = ("(SELECT {agg}(ol.{c}) FROM orders_live_paid ol JOIN live_sessions s2 ON s2.live_id = ol.live_id "
           "WHERE s2.started_at >= $p_start AND s2.started_at < $p_end)")
    lo = f"LEAST($p_start, COALESCE({sub.format(agg='min', c='first_paid')}, $p_start))"
    hi = f"GREATEST($p_end, COALESCE({sub.format(agg='max', c='last_paid')}, $p_end))"
    return f"{col} >= CAST({lo} AS {cast}) AND {col} <= CAST({hi} AS {cast})"

# A session's orders lie between its first and last payment (orders_live_paid): the
# scan for the sessions a filter cuts into several parts reads only their time, and
# nothing at all when there are none (DuckDB skips no row group by a NULL bound).
_CUT_BOUNDS = ("o.paid_at >= COALESCE((SELECT MIN(ol.first_paid) FROM orders_live_paid ol WHERE ol.live_id IN ({cut})), "
               "TIMESTAMP '9999-12-31 23:59:59') AND o.paid_at <= COALESCE((SELECT MAX(ol.last_paid) "
               "FROM orders_live_paid ol WHERE ol.live_id IN ({cut})), TIMESTAMP '0001-01-01 00:00:00')")
_LIVE_PARTS_FROM = (
    "orders_live_parts r LEFT JOIN stores s ON r.store_id = s.store_id "
    "LEFT JOIN accounts a ON r.account_id = a.account_id"
)
_LIVE_PARTS_DIMS = {d: e for d, e in _ROLLUP_DIMS.items() if d not in ("day", "week", "month")}

_ACCOUNT_PRODUCT_ROLLUP_FROM = (
    "orders_product_account_daily r LEFT JOIN stores s ON r.store_id = s.store_id "
    "LEFT JOIN products p ON r.product_id = p.product_id LEFT JOIN accounts a ON r.account_id = a.account_id"
)
_ACCOUNT_PRODUCT_ROLLUP_DIMS = {
    **_PRODUCT_ROLLUP_DIMS,
    "account_type": "a.account_type",
    "account": "r.account_id",
    "agency": "a.agency",
}

_HAS_ORDERS = "SUM(r.orders) <> 0"
# what every daily rollup holds per day and key (cockpit.rollups builds it from these
# declarations, on each engine: the 48-hour rule is written once, in shipped_48h)
DAILY_SUMS = {"gmv": "gmv", "refund_amount": "refund_amount", "orders": "orders", "shipped_48h": "shipped_48h"}
_DAILY_KEYS = ("store_id", "account_id", "channel", "is_fan", "live_id")
_PRODUCT_KEYS = ("store_id", "product_id")
_ACCOUNT_PRODUCT_KEYS = ("store_id", "account_id", "product_id")

SOURCES: dict[str, Source] = {
    s.id: s
    for s in [
        Source("orders", _ORDERS_FROM, "o.paid_at", _ORDER_DIMS, rollups=("orders_daily", "orders_product_daily", "orders_product_account_daily")),
        Source("orders_daily", _ROLLUP_FROM, "r.day", _ROLLUP_DIMS, nonempty=_HAS_ORDERS,
               stores=DAILY_SUMS, keys=_DAILY_KEYS),
        Source("orders_product_daily", _PRODUCT_ROLLUP_FROM, "r.day", _PRODUCT_ROLLUP_DIMS, nonempty=_HAS_ORDERS,
               stores=DAILY_SUMS, keys=_PRODUCT_KEYS),
        Source("orders_product_account_daily", _ACCOUNT_PRODUCT_ROLLUP_FROM, "r.day", _ACCOUNT_PRODUCT_ROLLUP_DIMS,
               nonempty=_HAS_ORDERS, stores=DAILY_SUMS, keys=_ACCOUNT_PRODUCT_KEYS),
        Source("orders_live", "orders_live r", "NULL", {"live": "r.live_id"}, whole_for=("live",),
               stores={"live_buyers": "live_buyers"}, keys=("live_id",)),
        Source("orders_live_parts", _LIVE_PARTS_FROM, "NULL", _LIVE_PARTS_DIMS, whole_for=("live",),
               stores={"live_buyers": "live_buyers"}, keys=("live_id", "store_id", "account_id", "channel"),
               parts=_CUT_BOUNDS),
        Source("live_orders", _ORDERS_FROM + _SESSION_JOIN.format("o"), _LIVE_TIME,
               {**_ORDER_DIMS, **_time_dims(_LIVE_TIME)},
               rollups=("live_orders_daily", "orders_live", "orders_live_parts"),
               prune=_session_paid_bounds("o.paid_at")),
        Source("live_orders_daily", _ROLLUP_FROM + _SESSION_JOIN.format("r"), _LIVE_ROLLUP_TIME,
               {**_ROLLUP_DIMS, **_time_dims(_LIVE_ROLLUP_TIME)}, prune=_session_paid_bounds("r.day", "DATE"),
               nonempty=_HAS_ORDERS, stores=DAILY_SUMS, keys=_DAILY_KEYS),
        Source(
            "order_buyers", _ORDERS_FROM, "o.paid_at", _ORDER_DIMS, grain="o.buyer_key",
            inner_cols={
                "n_orders": "COUNT(*)",
                "is_fan_buyer": "MAX(CASE WHEN o.is_fan THEN 1 ELSE 0 END)",
            },
            vector=(buyer_keys.CODE_SQL, _per_buyer),
        ),
        Source("live_sessions", _SESSION_FROM, "ls.started_at", _SESSION_DIMS),
        Source(
            "live_traffic",
            "live_traffic lt JOIN live_sessions ls ON lt.live_id = ls.live_id "
            "JOIN accounts a ON ls.account_id = a.account_id LEFT JOIN stores s ON a.store_id = s.store_id",
            "ls.started_at",
            {**_SESSION_DIMS, "traffic_source": "lt.source"},
        ),
        Source(
            "ad_spend",
            "ad_spend ad JOIN accounts a ON ad.account_id = a.account_id LEFT JOIN stores s ON a.store_id = s.store_id",
            "ad.date",
            {**_time_dims("ad.date"), **_account_dims(), "live": "ad.live_id"},
        ),
        Source(
            "short_videos",
            "short_videos v JOIN accounts a ON v.account_id = a.account_id LEFT JOIN stores s ON a.store_id = s.store_id",
            "v.published_at",
            {**_time_dims("v.published_at"), **_account_dims(), "channel": "'short_video'"},
        ),
        Source(
            "followers",
            "follower_daily f JOIN accounts a ON f.account_id = a.account_id LEFT JOIN stores s ON a.store_id = s.store_id",
            "f.date",
            {**_time_dims("f.date"), **_account_dims()},
            grain="f.account_id",
            inner_cols={
                # semi-additive: the account's follower count on the last day of the bucket
                # (arg_max: each engine's dialect spells it, cockpit.engine.dialect)
                "last_followers": "arg_max(f.followers, f.date)",
                "gained": "SUM(COALESCE(f.new_followers, 0))",
                "lost": "SUM(COALESCE(f.lost_followers, 0))",
            },
        ),
        Source("market", "market_daily m", "m.date", {**_time_dims("m.date"), "category": "m.category"}),
        # Scores: each row belongs to a store, an account or a product (by score_type);
        # the entity's store gives brand / store type, so the sidebar filters apply.
        Source(
            "scores",
            # (each entity's store and name from one list, es: a join on a COALESCE over
            # three joined tables is more than ClickHouse's planner takes)
            "scores_daily sd "
            "LEFT JOIN (SELECT 'store_experience' AS score_type, store_id AS entity_id, store_id, store_name AS name "
            "FROM stores UNION ALL SELECT 'creator_reputation', account_id, store_id, account_name FROM accounts "
            "UNION ALL SELECT 'product', product_id, store_id, product_name FROM products) es "
            "ON es.score_type = sd.score_type AND es.entity_id = sd.entity_id "
            "LEFT JOIN accounts a ON sd.score_type = 'creator_reputation' AND sd.entity_id = a.account_id "
            "LEFT JOIN products p ON sd.score_type = 'product' AND sd.entity_id = p.product_id "
            "LEFT JOIN stores s ON s.store_id = es.store_id",
            "sd.date",
            {
                **_time_dims("sd.date"),
                **_account_dims(),
                "store": "s.store_id",
                "product": "p.product_id",
                "category": "COALESCE(p.category, s.category)",
            },
        ),
    ]
}

# ---------------------------------------------------------------------------
# Measures: one aggregation over one source, declared by its kind (as in Cube's and
# Rill's metrics views).  Each engine's SQL, the forms over the rollups, additivity and
# DuckDB's fast paths for buyers are derived from the declaration.  Sums and counts are
# 0 over no rows (no sales is 0, not "—"); maxima, means and last values are unknown.

KINDS = ("sum", "count", "count_distinct", "max", "mean", "last", "buyers")
ADDITIVE = ("sum", "count")  # add up over days and keys: a rollup may hold them
_BUYER_KEY = "o.buyer_key"


@dataclass(frozen=True)
class Measure:
    """``kind``: sum / count / max / mean (of ``expr`` over the rows ``where`` picks),
    count_distinct (of ``expr``), last (the sum over grain rows of a per-grain last
    value: followers on the last day), buyers (on the per-buyer grain: those with two
    orders or more when ``repeat``, the fan buyers or the others when ``fan``)."""

    id: str
    source: str
    kind: str
    expr: str | None = None
    where: str | None = None
    rounded: bool = False  # mean: to a whole number
    repeat: bool = False  # buyers
    fan: bool | None = None  # buyers

    def __post_init__(self):
        if self.kind not in KINDS:  # pragma: no cover - registry typo
            raise ValueError(f"{self.id}: unknown kind {self.kind!r}")

    # --- what each engine runs -------------------------------------------------------
    @property
    def sql(self) -> str:
        """The aggregate in SQL both engines take (DuckDB's spelling)."""
        return self.sql_for()

    def sql_for(self, dialect=None) -> str:
        """The aggregate in the ``dialect`` of the engine that runs it."""
        k, e, w = self.kind, self.expr, self.where
        if k in ("sum", "last"):
            if k == "last":
                return f"SUM({e})"
            return f"COALESCE(SUM(CASE WHEN {w} THEN {e} ELSE 0 END), 0)" if w else f"COALESCE(SUM({e}), 0)"
        if k == "count":
            return f"COALESCE(SUM(CASE WHEN {w} THEN 1 ELSE 0 END), 0)" if w else "COUNT(*)"
        if k == "count_distinct":
            if dialect is not None and dialect.name == "clickhouse":
                return f"uniqExactIf({e}, {w})" if w else f"uniqExact({e})"
            return f"COUNT(DISTINCT CASE WHEN {w} THEN {e} END)" if w else f"COUNT(DISTINCT {e})"
        if k == "max":
            return f"MAX({e})"
        if k == "mean":
            return f"ROUND(AVG({e}))" if self.rounded else f"AVG({e})"
        conds = self._buyer_conditions()
        return f"COALESCE(SUM(CASE WHEN {' AND '.join(conds)} THEN 1 ELSE 0 END), 0)" if conds else "COUNT(*)"

    def _buyer_conditions(self) -> list[str]:
        conds = [f"is_fan_buyer = {1 if self.fan else 0}"] if self.fan is not None else []
        return conds + (["n_orders >= 2"] if self.repeat else [])

    # --- what the kind says -----------------------------------------------------------
    @property
    def additive(self) -> bool:
        """Whether it adds up over days and keys (a rollup may hold it)."""
        return self.kind in ADDITIVE

    @property
    def null_when_empty(self) -> bool:
        """Over no rows: unknown (—) rather than 0."""
        return self.kind in ("max", "mean", "last")

    @property
    def rollup(self) -> dict[str, str]:
        """{rollup source id: the same figure as an aggregate over that rollup} for the
        rollups of this measure's source that can answer it (query.py picks the first
        that fits the question)."""
        return _rollup_forms(self)

    # --- DuckDB's fast paths for distinct buyers (cockpit.buyer_keys / buyer_counts) ---
    @property
    def _is_buyer_count(self) -> bool:
        """Distinct buyers of every order: the same figure as the per-buyer grain's count."""
        return self.kind == "buyers" or (self.kind == "count_distinct" and self.expr == _BUYER_KEY and not self.where)

    @property
    def bitmap(self) -> str | None:
        """A distinct count of buyers as a bitmap over the dense buyer key: the same number
        without hashing, for questions with few result groups (DuckDB)."""
        if self.kind != "count_distinct" or self.expr != _BUYER_KEY:
            return None
        agg = f"bitstring_agg({_BUYER_KEY}, 1, $buyer_max)"
        return f"bit_count({agg} FILTER (WHERE {self.where}))" if self.where else f"bit_count({agg})"

    @property
    def via(self) -> tuple[str, str] | None:
        """(source, aggregate): when a question reads the per-buyer grain of the same rows
        anyway, distinct buyers are the number of its groups."""
        if self.kind != "count_distinct" or self.expr != _BUYER_KEY or self.where:
            return None
        own = SOURCES[self.source]
        return next(((g.id, "COUNT(*)") for g in SOURCES.values()
                     if g.grain == _BUYER_KEY and g.from_sql == own.from_sql and g.dims == own.dims), None)

    @property
    def vector(self) -> Callable[[dict], int] | None:
        """The figure from per-buyer arrays (n_orders, is_fan_buyer: Source.vector)."""
        if not self._is_buyer_count:
            return None
        repeat, fan = self.repeat, self.fan

        def count(g: dict) -> int:
            mask = g["n_orders"] >= (2 if repeat else 1)
            if fan is not None:
                mask = mask & (g["is_fan_buyer"] if fan else ~g["is_fan_buyer"])
            return np.count_nonzero(mask)

        return count

    @property
    def sets(self) -> tuple[frozenset, Callable] | None:
        """(kinds of monthly buyer set read, fn(Sets) -> the figure) (cockpit.buyer_sets)."""
        if not self._is_buyer_count:
            return None
        base = "twice" if self.repeat else "seen"
        if self.fan is None:
            return frozenset({base}), lambda s: len(getattr(s, base))
        if self.fan:
            if base == "seen":  # fan buyers are all in seen
                return frozenset({"fan"}), lambda s: len(s.fan)
            return frozenset({"fan", "twice"}), lambda s: s.fan.intersection_cardinality(s.twice)
        if base == "seen":
            return frozenset({"fan"}), lambda s: len(s.seen) - len(s.fan)
        return frozenset({"fan", "twice"}), lambda s: len(s.twice) - s.fan.intersection_cardinality(s.twice)


_ALIAS = re.compile(r"\b([a-z]{1,3})\.(\w+)")


def _rollup_forms(m: Measure) -> dict[str, str]:
    out = {}
    for rid in SOURCES[m.source].rollups:
        form = _rollup_form(m, SOURCES[rid])
        if form is not None:
            out[rid] = form
    return out


def _rollup_form(m: Measure, roll: Source) -> str | None:
    """``m`` as an aggregate over rollup ``roll``: a column holding the same measure, or
    a column holding the same kind of the same value for every row (its where then
    applies to the rollup's rows: over its kept columns ``o.x`` -> ``r.x``, or over the
    dimension tables the rollup joins)."""
    if not (m.additive or roll.whole_for):
        return None  # a distinct count adds up only where the rollup's rows are whole
    joined = {a for a in re.findall(r"\bJOIN \w+ (\w+) ON", roll.from_sql)}

    def to_rollup(match):
        alias, column = match.group(1), match.group(2)
        if alias == "o":
            if column not in roll.keys:
                raise LookupError(column)
            return f"r.{column}"
        if alias not in joined:
            raise LookupError(alias)
        return match.group(0)

    stored = [(col, MEASURES[b] if b != m.id else m) for col, b in roll.stores.items()]
    if roll.parts:  # the whole's figure when every part is kept, else the one part's (statements._parts_cte)
        col = next((c for c, base in stored if (base.kind, base.expr, base.where) == (m.kind, m.expr, m.where)), None)
        return None if col is None else \
            f"CAST(CASE WHEN COUNT(*) = MAX(r.parts) THEN MAX(r.{col}) ELSE MAX(r.part_{col}) END AS BIGINT)"
    same = [(col, base) for col, base in stored if (base.kind, base.expr) == (m.kind, m.expr)]
    for col, base in sorted(same, key=lambda cb: cb[1].where != m.where):  # the measure itself first
        if base.where == m.where:
            extra = None
        elif base.where is None:
            try:
                extra = _ALIAS.sub(to_rollup, m.where)
            except LookupError:
                continue  # a condition on what the rollup does not keep
        else:
            continue
        total = (f"COALESCE(SUM(CASE WHEN {extra} THEN r.{col} ELSE 0 END), 0)" if extra
                 else f"COALESCE(SUM(r.{col}), 0)")
        return f"CAST({total} AS BIGINT)" if m.kind in ("count", "count_distinct") else total
    return None


_IN = lambda values: "(" + ", ".join(f"'{v}'" for v in values) + ")"  # noqa: E731  (schema constants only)
_SHIPPED_48H = "o.shipped_at IS NOT NULL AND o.shipped_at <= o.paid_at + INTERVAL 48 HOUR"
_IN_MARKET = "p.category IN (SELECT DISTINCT category FROM market_daily)"



S, C = "sum", "count"
MEASURES: dict[str, Measure] = {
    m.id: m
    for m in [
        Measure("gmv", "orders", S, "o.paid_amount"),
        Measure("orders", "orders", C),
        Measure("buyers", "orders", "count_distinct", _BUYER_KEY),
        Measure("refund_amount", "orders", S, "o.refund_amount"),
        Measure("fan_gmv", "orders", S, "o.paid_amount", "o.is_fan"),
        Measure("shipped_48h", "orders", C, where=_SHIPPED_48H),
        # live orders, counted with their session (see _LIVE_TIME)
        Measure("live_gmv", "live_orders", S, "o.paid_amount", "o.channel = 'live'"),
        Measure("live_buyers", "live_orders", "count_distinct", _BUYER_KEY, "o.channel = 'live'"),
        Measure("content_gmv", "orders", S, "o.paid_amount", f"o.channel IN {_IN(schema.CONTENT_CHANNELS)}"),
        Measure("shelf_gmv", "orders", S, "o.paid_amount", f"o.channel IN {_IN(schema.SHELF_CHANNELS)}"),
        *[Measure(f"gmv_{ch}", "orders", S, "o.paid_amount", f"o.channel = '{ch}'") for ch in schema.CHANNELS],
        Measure("distribution_gmv", "orders", S, "o.paid_amount", "a.account_type = 'distributor'"),
        Measure("gmv_in_market", "orders", S, "o.paid_amount", _IN_MARKET),
        # per-buyer grain
        Measure("buyers_b", "order_buyers", "buyers"),
        Measure("repeat_buyers", "order_buyers", "buyers", repeat=True),
        Measure("fan_buyers", "order_buyers", "buyers", fan=True),
        Measure("fan_repeat_buyers", "order_buyers", "buyers", repeat=True, fan=True),
        Measure("nonfan_buyers", "order_buyers", "buyers", fan=False),
        Measure("nonfan_repeat_buyers", "order_buyers", "buyers", repeat=True, fan=False),
        # live sessions
        Measure("live_sessions", "live_sessions", C),
        Measure("live_seconds", "live_sessions", S, "date_diff('second', ls.started_at, COALESCE(ls.ended_at, $now))"),
        Measure("views", "live_sessions", S, "ls.views"),
        Measure("viewers", "live_sessions", S, "ls.viewers"),
        Measure("peak_online", "live_sessions", "max", "ls.peak_online"),
        Measure("watch_seconds_total", "live_sessions", S, "ls.avg_watch_seconds * ls.viewers"),
        Measure("viewers_with_watch", "live_sessions", S, "ls.viewers", "ls.avg_watch_seconds IS NOT NULL"),
        Measure("new_followers", "live_sessions", S, "ls.new_followers"),
        Measure("product_exposures", "live_sessions", S, "ls.product_exposures"),
        Measure("product_clicks", "live_sessions", S, "ls.product_clicks"),
        # live review (issue 17): rates over the sessions that report their numerator
        Measure("exposures", "live_sessions", S, "ls.exposures"),
        Measure("viewers_with_exposures", "live_sessions", S, "ls.viewers", "ls.exposures IS NOT NULL"),
        Measure("interacting_viewers", "live_sessions", S, "ls.interacting_viewers"),
        Measure("viewers_with_interactions", "live_sessions", S, "ls.viewers", "ls.interacting_viewers IS NOT NULL"),
        # live traffic
        Measure("traffic_views", "live_traffic", S, "lt.views"),
        Measure("traffic_gmv", "live_traffic", S, "lt.gmv"),
        Measure("sv_traffic_gmv", "live_traffic", S, "lt.gmv", "lt.source = 'short_video'"),
        Measure("own_distribution_traffic_gmv", "live_traffic", S, "lt.gmv",
                "lt.source = 'distribution' AND a.account_type = 'own'"),
        # ads
        Measure("ad_spend", "ad_spend", S, "ad.spend"),
        Measure("ad_attributed_gmv", "ad_spend", S, "ad.attributed_gmv"),
        # short videos
        Measure("short_videos", "short_videos", C),
        Measure("video_plays", "short_videos", S, "v.plays"),
        Measure("video_live_entries", "short_videos", S, "v.live_entries"),
        # followers (per-account grain): the last day's count, summed over accounts
        Measure("followers", "followers", "last", "last_followers"),
        Measure("followers_gained", "followers", S, "gained"),
        Measure("followers_lost", "followers", S, "lost"),
        # market
        Measure("market_gmv", "market", S, "m.market_gmv"),
        Measure("market_orders", "market", S, "m.market_orders"),
        Measure("active_sellers", "market", "mean", "m.active_sellers", rounded=True),
        Measure("active_products", "market", "mean", "m.active_products", rounded=True),
        Measure("search_volume", "market", S, "m.search_volume"),
        # growth levers
        Measure("own_live_gmv", "live_orders", S, "o.paid_amount", "o.channel = 'live' AND a.account_type = 'own'"),
        *[
            m
            for st in schema.SCORE_TYPES
            for m in (
                Measure(f"{st}_score_sum", "scores", S, "sd.score", f"sd.score_type = '{st}'"),
                Measure(f"{st}_score_n", "scores", C, where=f"sd.score_type = '{st}'"),
            )
        ],
    ]
}

# ---------------------------------------------------------------------------
# Metrics


@dataclass(frozen=True)
class Metric:
    id: str
    zh: str
    en: str
    unit: str  # cny | count | pct | hours | seconds | ratio | cny_per_k
    kind: str  # measure | ratio | difference
    inputs: tuple[str, ...]
    scale: float = 1.0  # multiply (GPM: per thousand views)
    divisor: float = 1.0  # divide (live hours from seconds), exact where scale would round
    higher_is_better: bool = True
    definition: str = ""

    @property
    def measures(self) -> tuple[str, ...]:
        return self.inputs

    def sql(self) -> str:
        """Expression over the measure columns of the joined per-source results."""
        if self.kind == "measure":
            expr = f'"{self.inputs[0]}"'
        elif self.kind == "ratio":
            num, den = self.inputs
            expr = f'CAST("{num}" AS DOUBLE) / NULLIF(CAST("{den}" AS DOUBLE), 0)'
        elif self.kind == "difference":
            a, b = self.inputs
            expr = f'CAST("{a}" AS DOUBLE) - CAST("{b}" AS DOUBLE)'
        else:  # pragma: no cover - registry typo
            raise ValueError(self.kind)
        if self.scale != 1.0:
            expr = f"({expr}) * {self.scale}"
        if self.divisor != 1.0:
            expr = f"({expr}) / {self.divisor}"
        if self.unit == "count" and self.kind == "measure":
            expr = f"CAST({expr} AS BIGINT)"
        else:
            expr = f"CAST({expr} AS DOUBLE)"
        return expr


def M(id, zh, en, unit, inputs, kind=None, scale=1.0, better=True, definition="", divisor=1.0):
    if isinstance(inputs, str):
        inputs = (inputs,)
    kind = kind or ("measure" if len(inputs) == 1 else "ratio")
    return Metric(id, zh, en, unit, kind, tuple(inputs), scale, divisor, better, definition)


_CHANNEL_LABELS = {
    "live": ("直播成交金额", "Live GMV"),
    "short_video": ("短视频成交金额", "Short-video GMV"),
    "mall": ("商城成交金额", "Mall GMV"),
    "store_page": ("店铺页成交金额", "Store-page GMV"),
    "search": ("搜索成交金额", "Search GMV"),
    "recommend": ("推荐成交金额", "Recommend GMV"),
    "other": ("其他渠道成交金额", "Other-channel GMV"),
}

METRICS: dict[str, Metric] = {
    m.id: m
    for m in [
        M("gmv", "成交金额", "GMV", "cny", "gmv", definition="sum(paid_amount)"),
        M("orders", "成交订单数", "Orders", "count", "orders", definition="count(order_id)"),
        M("buyers", "成交人数", "Buyers", "count", "buyers", definition="count(distinct buyer_id)"),
        M("aov", "客单价", "Avg. order value", "cny", ("gmv", "buyers"), definition="gmv / buyers"),
        M("refund_amount", "退款金额", "Refunds", "cny", "refund_amount", better=False,
          definition="sum(refund_amount) of orders paid in the period"),
        M("refund_rate", "退款率", "Refund rate", "pct", ("refund_amount", "gmv"), better=False,
          definition="refund_amount / gmv"),
        M("net_gmv", "净成交金额", "Net GMV", "cny", ("gmv", "refund_amount"), kind="difference",
          definition="gmv - refund_amount"),
        M("fan_gmv_share", "粉丝成交占比", "Fan GMV share", "pct", ("fan_gmv", "gmv"),
          definition="gmv where is_fan / gmv"),
        M("repurchase_rate", "复购率", "Repurchase rate", "pct", ("repeat_buyers", "buyers_b"),
          definition="buyers with >= 2 orders in the period / buyers"),
        M("fan_repurchase_rate", "粉丝复购率", "Fan repurchase rate", "pct", ("fan_repeat_buyers", "fan_buyers"),
          definition="the same, among fan buyers (a buyer with any fan order in the period)"),
        M("nonfan_repurchase_rate", "非粉丝复购率", "Non-fan repurchase rate", "pct",
          ("nonfan_repeat_buyers", "nonfan_buyers"), definition="the same, among buyers with no fan order"),
        M("ship_48h_rate", "48小时发货率", "Shipped within 48 h", "pct", ("shipped_48h", "orders"),
          definition="orders with shipped_at - paid_at <= 48 h / orders"),
        M("live_sessions", "直播场次", "Live sessions", "count", "live_sessions", definition="count(live_id)"),
        M("live_hours", "直播时长", "Live hours", "hours", "live_seconds", divisor=3600,
          definition="sum(ended_at or now - started_at), hours"),
        M("views", "观看人次", "Views", "count", "views", definition="sum over sessions"),
        M("viewers", "观看人数", "Viewers", "count", "viewers", definition="sum over sessions"),
        M("peak_online", "最高在线", "Peak online", "count", "peak_online", definition="max over sessions"),
        M("avg_watch_seconds", "人均观看时长", "Avg. watch time", "seconds",
          ("watch_seconds_total", "viewers_with_watch"), definition="viewer-weighted mean of avg_watch_seconds"),
        M("new_followers", "涨粉数", "New followers", "count", "new_followers", definition="sum over sessions"),
        M("follow_rate", "转粉率", "Follow rate", "pct", ("new_followers", "viewers"),
          definition="new_followers / viewers"),
        M("live_gmv", "直播成交金额", "Live GMV", "cny", "live_gmv",
          definition="gmv of orders with channel live, counted with their session: in the period of its start, "
                     "wherever paid (by paid_at when the order names no known session)"),
        M("gpm", "千次观看成交额", "GPM", "cny", ("live_gmv", "views"), scale=1000,
          definition="live gmv / views * 1000"),
        M("uv_value", "UV价值", "UV value", "cny", ("live_gmv", "viewers"), definition="live gmv / viewers"),
        M("product_exposures", "商品曝光人数", "Product exposures", "count", "product_exposures",
          definition="sum over sessions"),
        M("product_clicks", "商品点击人数", "Product clicks", "count", "product_clicks", definition="sum over sessions"),
        M("live_buyers", "直播成交人数", "Live buyers", "count", "live_buyers",
          definition="count(distinct buyer_id) of live orders, counted with their session like live_gmv"),
        M("ctr", "商品点击率", "Product CTR", "pct", ("product_clicks", "viewers"),
          definition="product_clicks / viewers"),
        M("click_conversion", "点击成交转化率", "Click-to-buy rate", "pct", ("live_buyers", "product_clicks"),
          definition="live buyers / product_clicks"),
        M("ad_spend", "投放消耗", "Ad spend", "cny", "ad_spend", better=False, definition="sum(spend)"),
        M("ad_attributed_gmv", "投放成交金额", "Ad-attributed GMV", "cny", "ad_attributed_gmv",
          definition="sum(attributed_gmv)"),
        M("ad_roi", "投放ROI", "Ad ROI", "ratio", ("ad_attributed_gmv", "ad_spend"),
          definition="sum(attributed_gmv) / sum(spend)"),
        M("content_gmv", "内容场成交金额", "Content GMV", "cny", "content_gmv", definition="gmv of live + short_video"),
        M("shelf_gmv", "货架场成交金额", "Shelf GMV", "cny", "shelf_gmv",
          definition="gmv of mall + store_page + search + recommend"),
        M("content_share", "内容场占比", "Content share", "pct", ("content_gmv", "gmv"), definition="content gmv / gmv"),
        M("shelf_share", "货架场占比", "Shelf share", "pct", ("shelf_gmv", "gmv"), definition="shelf gmv / gmv"),
        *[
            M(f"gmv_{ch}", zh, en, "cny", f"gmv_{ch}", definition=f"gmv of orders with channel {ch}")
            for ch, (zh, en) in _CHANNEL_LABELS.items()
            if ch != "live"
        ],
        M("short_video_live_share", "短视频引流成交占比", "Short-video-driven live GMV share", "pct",
          ("sv_traffic_gmv", "live_gmv"), definition="live_traffic gmv with source short_video / live gmv"),
        M("short_video_live_gmv", "短视频引流成交金额", "Short-video-driven live GMV", "cny", "sv_traffic_gmv",
          definition="live_traffic gmv with source short_video"),
        M("distribution_gmv", "分销成交金额", "Distribution GMV", "cny", "distribution_gmv",
          definition="gmv of orders sold by distributor accounts"),
        M("chuanliu_own_live_gmv", "川流自播增量", "川流 own-live GMV", "cny", "own_distribution_traffic_gmv",
          definition="live_traffic gmv with source distribution, own accounts' sessions"),
        M("traffic_gmv", "流量来源成交金额", "GMV by traffic source", "cny", "traffic_gmv",
          definition="sum(live_traffic.gmv)"),
        M("traffic_views", "来源观看人次", "Views by traffic source", "count", "traffic_views",
          definition="sum(live_traffic.views)"),
        M("short_videos", "短视频数", "Short videos", "count", "short_videos", definition="count(video_id)"),
        M("video_plays", "短视频播放量", "Video plays", "count", "video_plays", definition="sum(plays)"),
        M("video_live_entries", "短视频引流进房人次", "Video → live entries", "count", "video_live_entries",
          definition="sum(live_entries)"),
        M("followers", "粉丝数", "Followers", "count", "followers",
          definition="sum over accounts of followers on the last day of the period"),
        M("followers_gained", "新增粉丝", "Followers gained", "count", "followers_gained",
          definition="sum(follower_daily.new_followers)"),
        M("followers_lost", "取关数", "Followers lost", "count", "followers_lost", better=False,
          definition="sum(follower_daily.lost_followers)"),
        M("market_gmv", "行业成交金额", "Market GMV", "cny", "market_gmv", definition="sum(market_gmv)"),
        M("market_share", "市场份额", "Market share", "pct", ("gmv_in_market", "market_gmv"),
          definition="group gmv in a category / market_gmv of that category"),
        M("active_sellers", "在售商家数", "Active sellers", "count", "active_sellers",
          definition="daily mean of active_sellers"),
        M("active_products", "在售商品数", "Active products", "count", "active_products",
          definition="daily mean of active_products"),
        M("search_volume", "搜索量", "Search volume", "count", "search_volume", definition="sum(search_volume)"),
        # --- growth levers (issue 6) ---
        M("own_live_gmv", "自播成交金额", "Own-live GMV", "cny", "own_live_gmv",
          definition="live_gmv of orders sold by own accounts"),
        M("chuanliu_share", "川流自播占比", "川流 share of own-live GMV", "pct",
          ("own_distribution_traffic_gmv", "own_live_gmv"),
          definition="chuanliu_own_live_gmv / own_live_gmv"),
        M("video_live_entry_rate", "短视频引流进房率", "Video → live entry rate", "pct",
          ("video_live_entries", "video_plays"), definition="sum(live_entries) / sum(plays) of short videos"),
        M("followers_net", "净增粉丝", "Net follower growth", "count", ("followers_gained", "followers_lost"),
          kind="difference", definition="followers_gained - followers_lost"),
        M("store_experience_score", "商家体验分", "Store experience score", "ratio",
          ("store_experience_score_sum", "store_experience_score_n"),
          definition="mean of daily store_experience scores (0-5) over stores and days"),
        M("creator_reputation_score", "带货口碑分", "Creator reputation score", "ratio",
          ("creator_reputation_score_sum", "creator_reputation_score_n"),
          definition="mean of daily creator_reputation scores (0-5) over accounts and days"),
        M("product_score", "商品分", "Product score", "ratio", ("product_score_sum", "product_score_n"),
          definition="mean of daily product scores (0-5) over products and days"),
        # --- live review 直播复盘 (issue 17) ---
        M("exposures", "直播间曝光人数", "Room exposures", "count", "exposures",
          definition="sum over sessions of people the room was shown to"),
        M("interacting_viewers", "互动人数", "Interacting viewers", "count", "interacting_viewers",
          definition="sum over sessions of viewers who commented, liked, shared or followed"),
        M("exposure_entry_rate", "曝光进入率", "Exposure-to-entry rate", "pct",
          ("viewers_with_exposures", "exposures"),
          definition="viewers / exposures, over the sessions that report exposures"),
        M("interaction_rate", "互动率", "Interaction rate", "pct", ("interacting_viewers", "viewers_with_interactions"),
          definition="interacting_viewers / viewers, over the sessions that report interacting viewers"),
        M("watch_conversion", "观看成交率", "Viewer-to-buyer rate", "pct", ("live_buyers", "viewers"),
          definition="live buyers / viewers"),
        M("product_exposure_rate", "商品曝光率", "Product exposure rate", "pct", ("product_exposures", "viewers"),
          definition="product_exposures / viewers"),
        M("product_click_rate", "商品曝光点击率", "Product exposure CTR", "pct", ("product_clicks", "product_exposures"),
          definition="product_clicks / product_exposures"),
    ]
}


class MetricError(ValueError):
    """A request the metric layer cannot answer; the message is for the user."""


def metric(mid: str) -> Metric:
    try:
        return METRICS[mid]
    except KeyError:
        raise MetricError(f"unknown metric {mid!r}; known metrics: {', '.join(METRICS)}") from None


def dimension(did: str) -> Dimension:
    try:
        return DIMENSIONS[did]
    except KeyError:
        raise MetricError(f"unknown dimension {did!r}; choose one of {', '.join(DIMENSIONS)}") from None


def label(mid: str, lang: str = "zh") -> str:
    m = metric(mid)
    return m.zh if lang == "zh" else m.en


def dims_available(mid: str) -> set[str]:
    """Dimensions every source behind a metric can be split by."""
    m = metric(mid)
    sets = [set(SOURCES[MEASURES[x].source].dims) for x in m.measures]
    return set.intersection(*sets)


def metrics_markdown() -> str:
    """The README's metric table, generated from the registry."""
    rows = ["| id | 中文 | English | unit | definition |", "| --- | --- | --- | --- | --- |"]
    for m in METRICS.values():
        rows.append(f"| `{m.id}` | {m.zh} | {m.en} | {m.unit} | {m.definition} |")
    return "\n".join(rows)


# --- definitions in Chinese (the KPI card's "?", table headers) ----------------------
# The English is each Metric's ``definition`` above; these say the same for a Chinese
# reader, in the platform's words.  A test keeps one per metric.
DEFINITIONS_ZH: dict[str, str] = {
    "gmv": "实付金额之和（按支付时间计入）",
    "orders": "支付订单数",
    "buyers": "支付买家去重人数",
    "aov": "成交金额 ÷ 成交人数",
    "refund_amount": "期内支付的订单的退款金额之和",
    "refund_rate": "退款金额 ÷ 成交金额",
    "net_gmv": "成交金额 − 退款金额",
    "fan_gmv_share": "粉丝下单的成交金额 ÷ 成交金额",
    "repurchase_rate": "期内下单 2 次及以上的买家 ÷ 成交人数",
    "fan_repurchase_rate": "粉丝买家（期内有粉丝订单）中下单 2 次及以上的比例",
    "nonfan_repurchase_rate": "非粉丝买家（期内无粉丝订单）中下单 2 次及以上的比例",
    "ship_48h_rate": "支付后 48 小时内发货的订单 ÷ 订单数",
    "live_sessions": "期内开播的直播场次数",
    "live_hours": "各场（下播时间或现在 − 开播时间）之和，小时",
    "views": "各场直播观看人次之和",
    "viewers": "各场直播观看人数之和",
    "peak_online": "各场最高在线的最大值",
    "avg_watch_seconds": "按观看人数加权的人均观看时长",
    "new_followers": "直播场次数据中的涨粉数之和（来自直播间）",
    "follow_rate": "涨粉数 ÷ 观看人数",
    "live_gmv": "直播渠道订单的成交金额（随场次计入开播所在时间）",
    "gpm": "直播成交金额 ÷ 观看人次 × 1000",
    "uv_value": "直播成交金额 ÷ 观看人数",
    "product_exposures": "各场商品曝光人数之和",
    "product_clicks": "各场商品点击人数之和",
    "live_buyers": "直播订单的买家去重人数",
    "ctr": "商品点击人数 ÷ 观看人数",
    "click_conversion": "直播成交人数 ÷ 商品点击人数",
    "ad_spend": "投放消耗之和",
    "ad_attributed_gmv": "投放带来的成交金额之和",
    "ad_roi": "投放成交金额 ÷ 投放消耗",
    "content_gmv": "直播 + 短视频渠道的成交金额",
    "shelf_gmv": "商城 + 店铺页 + 搜索 + 推荐渠道的成交金额",
    "content_share": "内容场成交金额 ÷ 成交金额（与货架场此消彼长）",
    "shelf_share": "货架场成交金额 ÷ 成交金额（与内容场此消彼长）",
    "gmv_short_video": "短视频渠道订单的成交金额",
    "gmv_mall": "商城渠道订单的成交金额",
    "gmv_store_page": "店铺页渠道订单的成交金额",
    "gmv_search": "搜索渠道订单的成交金额",
    "gmv_recommend": "推荐渠道订单的成交金额",
    "gmv_other": "其他渠道订单的成交金额",
    "short_video_live_share": "流量来源为短视频的直播成交金额 ÷ 直播成交金额",
    "short_video_live_gmv": "流量来源为短视频的直播成交金额",
    "distribution_gmv": "分销达人账号卖出的订单成交金额",
    "chuanliu_own_live_gmv": "直营账号直播中流量来源为川流分销的成交金额",
    "traffic_gmv": "各流量来源的直播成交金额之和",
    "traffic_views": "各流量来源的观看人次之和",
    "short_videos": "期内发布的短视频数",
    "video_plays": "短视频播放量之和",
    "video_live_entries": "短视频引流进直播间的人次之和",
    "followers": "各账号在期末最后一天的粉丝数之和",
    "followers_gained": "粉丝日数据中的新增粉丝之和（来自账号，含直播外涨粉）",
    "followers_lost": "粉丝日数据中的取关数之和",
    "market_gmv": "行业大盘成交金额之和",
    "market_share": "集团在该类目的成交金额 ÷ 该类目行业成交金额",
    "active_sellers": "在售商家数的日均值",
    "active_products": "在售商品数的日均值",
    "search_volume": "搜索量之和",
    "own_live_gmv": "直营账号直播订单的成交金额",
    "chuanliu_share": "川流自播增量 ÷ 自播成交金额",
    "video_live_entry_rate": "短视频引流进房人次 ÷ 短视频播放量",
    "followers_net": "新增粉丝 − 取关数",
    "store_experience_score": "店铺每日商家体验分（0-5）的平均",
    "creator_reputation_score": "账号每日带货口碑分（0-5）的平均",
    "product_score": "商品每日商品分（0-5）的平均",
    "exposures": "各场直播间曝光人数之和",
    "interacting_viewers": "各场评论、点赞、分享或关注的观看人数之和",
    "exposure_entry_rate": "观看人数 ÷ 直播间曝光人数（只计有曝光数据的场次）",
    "interaction_rate": "互动人数 ÷ 观看人数（只计有互动数据的场次）",
    "watch_conversion": "直播成交人数 ÷ 观看人数",
    "product_exposure_rate": "商品曝光人数 ÷ 观看人数",
    "product_click_rate": "商品点击人数 ÷ 商品曝光人数",
}


def definition(mid: str, lang: str = "zh") -> str:
    """The metric's definition in the UI language."""
    m = metric(mid)
    return DEFINITIONS_ZH.get(mid, m.definition) if lang == "zh" else m.definition
