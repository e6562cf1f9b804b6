"""What a writer of the inbox needs to know of the group, as plain JSON: its accounts,
stores, products (with list prices), which stores each distributor sells for, and who
is live now.  The running app publishes it beside the inbox (``.catalog.json``, see
cockpit.inbox) whenever those tables change, so a data source that cannot open the
database while the app holds it (`cockpit feed`, a store's own exporter) still names
real accounts and products."""

from __future__ import annotations

import datetime as dt

from cockpit import clock, store


def catalog_from_db(con) -> dict:
    """What the feed needs to know of the group (JSON-serialisable)."""
    accounts = [
        dict(zip(("account_id", "account_name", "account_type", "store_id", "followers"), r))
        for r in store.fetchall(
            con,
            "SELECT account_id, account_name, account_type, store_id, followers FROM accounts "
            "WHERE account_type IN ('own', 'authorized', 'distributor') ORDER BY account_id",
        )
    ]
    stores = {
        r[0]: {"store_name": r[1], "brand": r[2], "category": r[3]}
        for r in store.fetchall(con, "SELECT store_id, store_name, brand, category FROM stores ORDER BY store_id")
    }
    products: dict[str, list] = {}
    for pid, sid, cents in store.fetchall(
        con,
        "SELECT product_id, store_id, CAST(round(list_price * 100) AS BIGINT) FROM products "
        "WHERE list_price > 0 ORDER BY store_id, product_id",
    ):
        products.setdefault(sid, []).append([pid, int(cents)])
    dist: dict[str, list] = {}
    for acct, sid, _n in store.fetchall(
        con,
        "SELECT o.account_id, o.store_id, count(*) AS n FROM orders o JOIN accounts a USING (account_id) "
        "WHERE a.account_type = ? GROUP BY 1, 2 ORDER BY 1, n DESC, 2",
        ["distributor"],
    ):
        if len(dist.setdefault(acct, [])) < 3:
            dist[acct].append(sid)
    live_now = [r[0] for r in store.fetchall(
        con,
        "SELECT DISTINCT account_id FROM live_sessions WHERE ended_at IS NULL AND started_at >= ? ORDER BY 1",
        [clock.now() - dt.timedelta(hours=24)],
    )]
    return {"accounts": accounts, "stores": stores, "products": products,
            "distributor_stores": dist, "live_now": live_now,
            "published_at": clock.now().isoformat(timespec="seconds")}
