"""Choices for the sidebar filters: only what exists and what the viewer may see."""

from __future__ import annotations


from cockpit import i18n, metrics, query, schema, store
from cockpit.engine import Database

_ACCOUNT_DIMS = {"store": "a.store_id", "account": "a.account_id", "agency": "a.agency",
                 "account_type": "a.account_type", "brand": "s.brand", "store_type": "s.store_type"}
_STORE_DIMS = {"store": "s.store_id", "brand": "s.brand", "store_type": "s.store_type"}


def _sold(col: str, scope, params: dict) -> str:
    """Keys (``store_id`` / ``account_id``) of the order rows the scope lets the viewer
    see, read from the rollup under the same scope condition as every orders figure."""
    roll = metrics.SOURCES["orders_daily"]
    where = " AND ".join(query.conditions(roll.dims, (), scope, params))
    return f"SELECT DISTINCT r.{col} FROM {roll.from_sql} WHERE {where}"


def _store_where(scope, params: dict) -> str:
    """Stores the viewer may see: granted by store / brand / store type, the stores of
    granted accounts, and the stores granted accounts or agencies sold for."""
    if scope is None:
        return "TRUE"
    # a condition that is TRUE only because the scope names no dim of that kind grants nothing
    carried = {d for d, _ in scope}
    parts = []
    if carried & set(_STORE_DIMS):
        parts.append("(" + " AND ".join(query.conditions(_STORE_DIMS, (), scope, params)) + ")")
    if carried & (set(_ACCOUNT_DIMS) - set(_STORE_DIMS)):
        acc = " AND ".join(query.conditions(_ACCOUNT_DIMS, (), scope, params))
        parts.append(f"s.store_id IN (SELECT a.store_id FROM accounts a LEFT JOIN stores s ON a.store_id = s.store_id "
                     f"WHERE {acc})")
        parts.append(f"s.store_id IN ({_sold('store_id', scope, params)})")
    return "(" + " OR ".join(parts) + ")" if parts else "FALSE"


def _account_where(scope, params: dict) -> str:
    """Accounts the viewer may see: granted directly or through their store, and the
    accounts (distributors) that sold in the rows the viewer sees."""
    if scope is None:
        return "TRUE"
    own = " AND ".join(query.conditions(_ACCOUNT_DIMS, (), scope, params))
    return f"(({own}) OR a.account_id IN ({_sold('account_id', scope, params)}))"


def filter_options(con: Database, scope, lang: str) -> dict[str, dict[str, str]]:
    """dim -> {value: label}, in display order, limited to the viewer's data scope."""
    p1: dict = {}
    sw = _store_where(scope, p1)
    stores = store.fetchall(
        con, f"SELECT s.store_id, s.store_name, s.brand FROM stores s WHERE {sw} ORDER BY s.brand, s.store_name", p1
    )
    p2: dict = {}
    aw = _account_where(scope, p2)
    accounts = store.fetchall(
        con,
        "SELECT a.account_id, a.account_name, a.agency FROM accounts a LEFT JOIN stores s "
        f"ON a.store_id = s.store_id WHERE {aw} ORDER BY a.account_type, a.account_name",
        p2,
    )
    brands = sorted({b for _, _, b in stores if b})
    agencies = sorted({g for _, _, g in accounts if g})
    return {
        "brand": {b: b for b in brands},
        "store_type": {v: i18n.enum_label("store_type", v, lang) for v in schema.STORE_TYPES},
        "store": {sid: name for sid, name, _ in stores},
        "account_type": {v: i18n.enum_label("account_type", v, lang) for v in schema.ACCOUNT_TYPES},
        "account": {aid: name for aid, name, _ in accounts},
        "agency": {g: g for g in agencies},
        "channel": {v: i18n.enum_label("channel", v, lang) for v in schema.CHANNELS},
    }
