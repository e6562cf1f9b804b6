"""Choices for the sidebar filters: only what exists and what the viewer may see.

The filters narrow each other (:class:`Choices`): a brand or store type narrows the
stores and the accounts, a store narrows the accounts (its own accounts and the
distributors that sold for it), an account type or agency narrows the accounts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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
    return f"SELECT DISTINCT r.{col} AS {col} FROM {roll.from_sql} WHERE {where}"


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


# Which picks narrow the choices of a filter (the sidebar draws them in FILTER_DIMS order).
NARROWED_BY = {
    "store": ("brand", "store_type"),
    "account": ("brand", "store_type", "store", "account_type", "agency"),
    "agency": ("brand", "store_type", "store", "account_type"),
}


@dataclass
class Choices:
    """Everything the sidebar can offer this viewer, and how the picks narrow it."""

    lang: str
    stores: list[tuple] = field(default_factory=list)  # (store_id, name, brand, store_type)
    accounts: list[tuple] = field(default_factory=list)  # (account_id, name, type, agency, store_id)
    sold: dict[str, set] = field(default_factory=dict)  # account_id -> stores it sold for

    def all(self, dim: str) -> dict[str, str]:
        """Every choice of ``dim`` within the scope: {value: label}."""
        return self.narrowed(dim, {})

    def narrowed(self, dim: str, picks: dict) -> dict[str, str]:
        """The choices of ``dim`` that fit the other filters' picks: {value: label}."""
        lang = self.lang
        if dim == "brand":
            return {b: b for b in sorted({st[2] for st in self.stores if st[2]})}
        if dim == "store_type":
            return {v: i18n.enum_label("store_type", v, lang) for v in schema.STORE_TYPES}
        if dim == "account_type":
            return {v: i18n.enum_label("account_type", v, lang) for v in schema.ACCOUNT_TYPES}
        if dim == "channel":
            return {v: i18n.enum_label("channel", v, lang) for v in schema.CHANNELS}
        stores = [st for st in self.stores
                  if (not picks.get("brand") or st[2] in picks["brand"])
                  and (not picks.get("store_type") or st[3] in picks["store_type"])]
        if dim == "store":
            return {st[0]: st[1] for st in stores}
        store_ids = {st[0] for st in stores}
        if picks.get("store"):
            store_ids &= set(picks["store"])
        by_store = bool(picks.get("brand") or picks.get("store_type") or picks.get("store"))
        accounts = [a for a in self.accounts
                    if (not by_store or a[4] in store_ids or self.sold.get(a[0], set()) & store_ids)
                    and (not picks.get("account_type") or a[2] in picks["account_type"])]
        if dim == "agency":
            return {g: g for g in sorted({a[3] for a in accounts if a[3]})}
        if dim == "account":
            accounts = [a for a in accounts if not picks.get("agency") or a[3] in picks["agency"]]
            return {a[0]: a[1] for a in accounts}
        raise ValueError(f"no choices for {dim!r}")


def choices(con: Database, scope, lang: str) -> Choices:
    """The viewer's :class:`Choices` (stores, accounts, who sold for which store)."""
    p1: dict = {}
    sw = _store_where(scope, p1)
    stores = store.fetchall(
        con, f"SELECT s.store_id, s.store_name, s.brand, s.store_type FROM stores s WHERE {sw} "
             "ORDER BY s.brand, s.store_name", p1)
    p2: dict = {}
    aw = _account_where(scope, p2)
    accounts = store.fetchall(
        con,
        "SELECT a.account_id, a.account_name, a.account_type, a.agency, a.store_id FROM accounts a "
        f"LEFT JOIN stores s ON a.store_id = s.store_id WHERE {aw} ORDER BY a.account_type, a.account_name",
        p2,
    )
    p3: dict = {}
    pairs = store.fetchall(con, f"SELECT DISTINCT account_id, store_id FROM ({_sold_pairs(scope, p3)}) x", p3)
    sold: dict[str, set] = {}
    for aid, sid in pairs:
        sold.setdefault(aid, set()).add(sid)
    return Choices(lang, list(stores), list(accounts), sold)


def _sold_pairs(scope, params: dict) -> str:
    if scope is None:  # no join needed to see everything
        return "SELECT DISTINCT account_id, store_id FROM orders_daily WHERE account_id IS NOT NULL"
    roll = metrics.SOURCES["orders_daily"]
    where = " AND ".join([*query.conditions(roll.dims, (), scope, params), "r.account_id IS NOT NULL"])
    return f"SELECT DISTINCT r.account_id AS account_id, r.store_id AS store_id FROM {roll.from_sql} WHERE {where}"
