"""Choices for the sidebar filters: only what exists and what the viewer may see."""

from __future__ import annotations

import duckdb

from cockpit import i18n, query, schema, store

_ACCOUNT_DIMS = {"store": "a.store_id", "account": "a.account_id", "agency": "a.agency",
                 "account_type": "a.account_type", "brand": "s.brand", "store_type": "s.store_type"}
_STORE_DIMS = {"store": "s.store_id", "brand": "s.brand", "store_type": "s.store_type"}


def filter_options(con: duckdb.DuckDBPyConnection, scope, lang: str) -> dict[str, dict[str, str]]:
    """dim -> {value: label}, in display order, limited to the viewer's data scope."""
    p1: dict = {}
    sw = " AND ".join(query.conditions(_STORE_DIMS, (), scope, p1)) or "TRUE"
    stores = store.fetchall(
        con, f"SELECT s.store_id, s.store_name, s.brand FROM stores s WHERE {sw} ORDER BY s.brand, s.store_name", p1
    )
    p2: dict = {}
    aw = " AND ".join(query.conditions(_ACCOUNT_DIMS, (), scope, p2)) or "TRUE"
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
