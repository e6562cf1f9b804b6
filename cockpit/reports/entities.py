"""店号明细 Stores & accounts (SPEC section 4, page 4).

Every store and account of the group (within the sidebar filters and the viewer's data
scope) with its type, latest platform score and the score's change over the period,
GMV, orders, refund rate, followers and live hours; and one store or account
(``Selection.entity`` = "store:S1" / "account:A1") with its own overview, built from
the same functions as the business overview with the entity as an extra filter.

Scores (scores_daily): 商家体验分 for stores, 带货口碑分 for accounts, 商品分 for
products.  "Latest" is the last score on or before the period's end; its change over the
period is latest minus the last score before the period began (or, when the scores start
inside the period, minus the first score in it).
"""

from __future__ import annotations

import polars as pl

from cockpit import i18n
from cockpit.reports import overview as ov
from cockpit.tables import DisplayTable, id_label, metric_labels, translate_enum
from cockpit.view import View

SCORE_OF = {"store": "store_experience", "account": "creator_reputation", "product": "product"}

STORE_METRICS = ["gmv", "orders", "refund_rate", "live_sessions", "live_hours", "followers"]
ACCOUNT_METRICS = ["gmv", "orders", "refund_rate", "live_sessions", "live_hours", "followers", "followers_gained"]
ENTITY_KPIS = [
    "gmv", "orders", "buyers", "aov",
    "refund_rate", "live_gmv", "live_sessions", "live_hours",
    "gpm", "fan_gmv_share", "followers", "followers_gained",
]

_STORE_DIMS = {"store": "s.store_id", "brand": "s.brand", "store_type": "s.store_type"}
_ACCOUNT_DIMS = {"store": "a.store_id", "account": "a.account_id", "agency": "a.agency",
                 "account_type": "a.account_type", "brand": "s.brand", "store_type": "s.store_type"}


def _t(view: View, key: str, **kw) -> str:
    return i18n.t(key, view.lang, **kw)


def parse_entity(value: str | None) -> tuple[str, str] | None:
    """"store:S1" -> ("store", "S1"); anything else -> None."""
    if not value or ":" not in value:
        return None
    kind, _, eid = value.partition(":")
    return (kind, eid) if kind in ("store", "account") and eid else None


def entity_value(kind: str, eid: str) -> str:
    return f"{kind}:{eid}"


def entity_filters(kind: str, eid: str) -> dict[str, list[str]]:
    return {kind: [eid]}


# ---------------------------------------------------------------------------
# Scores


def latest_scores(view: View, score_type: str, ids: list[str]) -> pl.DataFrame:
    """entity_id, score (latest on or before the period's end), score_date, score_change."""
    empty = pl.DataFrame(schema={"entity_id": pl.Utf8, "score": pl.Float64, "score_date": pl.Date,
                                 "score_change": pl.Float64})
    if not ids:
        return empty
    p = view.period
    params = {"st": score_type, "p_start": p.start, "p_end": p.end}
    marks = view.in_list(params, "id", ids)
    sql = f"""
        SELECT entity_id,
               arg_max(score, date) AS score,
               max(date) AS score_date,
               arg_max(score, date) - COALESCE(
                   arg_max(score, date) FILTER (WHERE date < $p_start),
                   arg_min(score, date) FILTER (WHERE date >= $p_start)) AS score_change
        FROM scores_daily
        WHERE score_type = $st AND date <= $p_end AND entity_id IN ({marks})
        GROUP BY entity_id
    """
    df = view.sql(sql, params)
    return df if df.height else empty


def score_trend(view: View, score_type: str, eid: str) -> pl.DataFrame:
    """Daily score of one entity over the period."""
    p = view.period
    return view.sql(
        "SELECT date AS day, score FROM scores_daily WHERE score_type = $st AND entity_id = $eid "
        "AND date BETWEEN $p_start AND $p_end ORDER BY date",
        {"st": score_type, "eid": eid, "p_start": p.start, "p_end": p.end},
    )


def _score_labels(view: View, score_type: str) -> tuple[str, str]:
    name = i18n.enum_label("score_type", score_type, view.lang)
    return name, (f"{name}变化" if view.lang == "zh" else f"{name} change")


# ---------------------------------------------------------------------------
# The lists


def store_list(view: View) -> pl.DataFrame:
    """The stores visible under the sidebar's store filters and the data scope."""
    params: dict = {}
    where = view.where(_STORE_DIMS, params)
    return view.sql(
        "SELECT s.store_id, s.store_name, s.brand, s.store_type FROM stores s "
        f"WHERE {where} ORDER BY s.store_id", params)


def account_list(view: View) -> pl.DataFrame:
    params: dict = {}
    where = view.where(_ACCOUNT_DIMS, params)
    return view.sql(
        "SELECT a.account_id, a.account_name, a.account_type, a.agency, a.store_id, s.store_name "
        f"FROM accounts a LEFT JOIN stores s ON a.store_id = s.store_id WHERE {where} ORDER BY a.account_id",
        params)


def stores(view: View) -> pl.DataFrame:
    """One row per store: identity, latest 商家体验分 and its change, average latest 商品分
    of its products, then the metrics; sorted by GMV."""
    base = store_list(view)
    ids = base["store_id"].to_list()
    if not ids:
        return base
    m = view.run(STORE_METRICS, ["store"], filters=None, labels=False).rename({"store": "store_id"})
    sc = latest_scores(view, SCORE_OF["store"], ids).rename({"entity_id": "store_id"})
    prod = _product_scores_by_store(view, ids)
    out = base.join(sc, on="store_id", how="left").join(prod, on="store_id", how="left") \
        .join(m, on="store_id", how="left")
    return out.with_columns(pl.col(c).fill_null(0) for c in ("gmv", "orders", "live_sessions", "live_hours")) \
        .sort(["gmv", "store_id"], descending=[True, False])


def _product_scores_by_store(view: View, store_ids: list[str]) -> pl.DataFrame:
    params: dict = {}
    marks = view.in_list(params, "sid", store_ids)
    prods = view.sql(f"SELECT product_id, store_id FROM products WHERE store_id IN ({marks})", params)
    sc = latest_scores(view, SCORE_OF["product"], prods["product_id"].to_list())
    return prods.join(sc, left_on="product_id", right_on="entity_id", how="inner") \
        .group_by("store_id").agg(pl.col("score").mean().alias("product_score_avg"))


def accounts(view: View) -> pl.DataFrame:
    """One row per account: identity, latest 带货口碑分 and its change, then the metrics."""
    base = account_list(view)
    ids = base["account_id"].to_list()
    if not ids:
        return base
    m = view.run(ACCOUNT_METRICS, ["account"], labels=False).rename({"account": "account_id"})
    sc = latest_scores(view, SCORE_OF["account"], ids).rename({"entity_id": "account_id"})
    out = base.join(sc, on="account_id", how="left").join(m, on="account_id", how="left")
    return out.with_columns(pl.col(c).fill_null(0) for c in ("gmv", "orders", "live_sessions", "live_hours",
                                                             "followers_gained")) \
        .sort(["gmv", "account_id"], descending=[True, False])


def _metric_cols(view: View, df: pl.DataFrame, metric_ids: list[str]) -> tuple[list[pl.Expr], dict[str, str]]:
    from cockpit.tables import metric_columns

    return metric_columns(df, metric_ids, view.lang)


def _score_cols(view: View, score_type: str) -> tuple[list[pl.Expr], dict[str, str]]:
    name, change = _score_labels(view, score_type)
    return [pl.col("score").round(2).alias(name), pl.col("score_change").round(2).alias(change)], \
        {name: "ratio", change: "delta"}


def store_table(view: View, df: pl.DataFrame) -> DisplayTable:
    L = lambda k: _t(view, k)  # noqa: E731
    title = L("entities.store_table")
    if df.height == 0 or "gmv" not in df.columns:
        return DisplayTable("stores", title, pl.DataFrame(), {}, None)
    store_lab = i18n.label("store", view.lang)
    sc, units = _score_cols(view, SCORE_OF["store"])
    ms, munits = _metric_cols(view, df, STORE_METRICS)
    prod = L("entities.product_score_avg")
    frame = df.select(
        pl.col("store_name").alias(store_lab), pl.col("store_id").alias(id_label(store_lab, view.lang)),
        pl.col("brand").alias(i18n.label("brand", view.lang)),
        translate_enum("store_type", view.lang).alias(i18n.label("store_type", view.lang)),
        *sc, pl.col("product_score_avg").round(2).alias(prod), *ms,
    )
    return DisplayTable("stores", title, frame, {**units, prod: "ratio", **munits}, id_label(store_lab, view.lang),
                        metric_labels(STORE_METRICS, view.lang))


def account_table(view: View, df: pl.DataFrame) -> DisplayTable:
    L = lambda k: _t(view, k)  # noqa: E731
    title = L("entities.account_table")
    if df.height == 0 or "gmv" not in df.columns:
        return DisplayTable("accounts", title, pl.DataFrame(), {}, None)
    acc = i18n.label("account", view.lang)
    sc, units = _score_cols(view, SCORE_OF["account"])
    ms, munits = _metric_cols(view, df, ACCOUNT_METRICS)
    frame = df.select(
        pl.col("account_name").alias(acc), pl.col("account_id").alias(id_label(acc, view.lang)),
        translate_enum("account_type", view.lang).alias(i18n.label("account_type", view.lang)),
        pl.col("agency").alias(i18n.label("agency", view.lang)),
        pl.col("store_name").alias(L("entities.store_name")),
        *sc, *ms,
    )
    return DisplayTable("accounts", title, frame, {**units, **munits}, id_label(acc, view.lang),
                        metric_labels(ACCOUNT_METRICS, view.lang))


# ---------------------------------------------------------------------------
# One store or account


def entity_info(view: View, kind: str, eid: str) -> dict | None:
    """Name and type of the entity, or None when it does not exist or is outside the
    viewer's data scope (the sidebar filters do not hide a chosen entity)."""
    from cockpit import query

    params: dict = {"eid": eid}
    if kind == "store":
        conds = query.conditions(_STORE_DIMS, (), view.scope, params, dialect=view.dialect)
        sql = ("SELECT s.store_id AS id, s.store_name AS name, s.store_type AS type, s.brand, NULL AS agency, "
               "NULL AS store_name FROM stores s WHERE s.store_id = $eid")
    elif kind == "account":
        conds = query.conditions(_ACCOUNT_DIMS, (), view.scope, params, dialect=view.dialect)
        sql = ("SELECT a.account_id AS id, a.account_name AS name, a.account_type AS type, s.brand, a.agency, "
               "s.store_name FROM accounts a LEFT JOIN stores s ON a.store_id = s.store_id WHERE a.account_id = $eid")
    else:
        return None
    if conds:
        sql += " AND " + " AND ".join(conds)
    df = view.sql(sql, params)
    if df.height == 0:
        return None
    return dict(df.row(0, named=True), kind=kind)


def entity_kpis(view: View, kind: str, eid: str) -> dict:
    return ov.kpis(view, ENTITY_KPIS, filters=entity_filters(kind, eid))


def entity_sessions(view: View, kind: str, eid: str) -> pl.DataFrame:
    """The entity's live sessions in the period (sessions of the account, or of the
    accounts selling for the store) with their metrics; GMV counts the entity's orders."""
    metrics_ = ["live_hours", "views", "viewers", "peak_online", "new_followers", "live_gmv", "gpm", "live_sessions"]
    df = view.run(metrics_, ["live"], filters=entity_filters(kind, eid), order_by="live_gmv")
    df = df.filter(pl.col("live_sessions") > 0)
    if df.height == 0:
        return df.with_columns(pl.lit(None, pl.Datetime("us")).alias("started_at"),
                               pl.lit(None, pl.Utf8).alias("account_name"))
    params: dict = {}
    marks = view.in_list(params, "l", df["live"].to_list())
    info = view.sql(
        "SELECT ls.live_id AS live, ls.started_at, a.account_name FROM live_sessions ls "
        f"JOIN accounts a ON ls.account_id = a.account_id WHERE ls.live_id IN ({marks})", params)
    return df.join(info, on="live", how="left").sort(["started_at", "live"], descending=[True, False])


SESSION_METRICS = ["live_gmv", "gpm", "views", "viewers", "peak_online", "new_followers", "live_hours"]


def sessions_table(view: View, df: pl.DataFrame) -> DisplayTable:
    L = lambda k: _t(view, k)  # noqa: E731
    live = i18n.label("live", view.lang)
    ms, units = _metric_cols(view, df, SESSION_METRICS)
    frame = df.select(
        pl.col("live_name").alias(live), pl.col("live").alias(id_label(live, view.lang)),
        pl.col("account_name").alias(L("entities.account_name")),
        pl.col("started_at").alias(L("entities.started_at")), *ms,
    ) if df.height else pl.DataFrame()
    return DisplayTable("entity_sessions", L("entities.sessions"), frame, units, id_label(live, view.lang),
                        metric_labels(SESSION_METRICS, view.lang))


def entity_products(view: View, kind: str, eid: str) -> pl.DataFrame:
    df = ov.top_products(view, filters=entity_filters(kind, eid))
    sc = latest_scores(view, SCORE_OF["product"], df["product"].to_list()) \
        .select(pl.col("entity_id").alias("product"), pl.col("score").alias("product_score"))
    return df.join(sc, on="product", how="left").sort(["gmv", "product"], descending=[True, False])


def entity_products_table(view: View, df: pl.DataFrame) -> DisplayTable:
    tbl = ov.top_products_table(view, df, name="entity_products")
    lab = _t(view, "entities.product_score")
    tbl.frame = tbl.frame.with_columns(df["product_score"].round(2).alias(lab))
    tbl.units[lab] = "ratio"
    tbl.title = _t(view, "entities.products")
    return tbl


def store_accounts(view: View, store_id: str) -> pl.DataFrame:
    """The accounts that sell for one store: its own and authorized accounts, and the
    distributors with sales in it in the period; their figures count the store's
    orders only (a distributor's other brands are not this store's)."""
    params: dict = {"sid": store_id}
    where = view.where(_ACCOUNT_DIMS, params, period=None)
    m = view.run(ACCOUNT_METRICS, ["account"], filters={"store": [store_id]}, labels=False) \
        .rename({"account": "account_id"})
    sold = m.filter(pl.col("gmv") > 0)["account_id"].drop_nulls().to_list()
    extra = f" OR a.account_id IN ({view.in_list(params, 'sold', sold)})" if sold else ""
    base = view.sql(
        "SELECT a.account_id, a.account_name, a.account_type, a.agency, a.store_id, s.store_name "
        f"FROM accounts a LEFT JOIN stores s ON a.store_id = s.store_id WHERE (a.store_id = $sid{extra}) "
        f"AND {where} ORDER BY a.account_id", params)
    if base.height == 0:
        return base
    sc = latest_scores(view, SCORE_OF["account"], base["account_id"].to_list()).rename({"entity_id": "account_id"})
    out = base.join(sc, on="account_id", how="left").join(m, on="account_id", how="left")
    return out.with_columns(pl.col(c).fill_null(0) for c in ("gmv", "orders", "live_sessions", "live_hours",
                                                             "followers_gained")) \
        .sort(["gmv", "account_id"], descending=[True, False])


def store_accounts_table(view: View, df: pl.DataFrame) -> DisplayTable:
    tbl = account_table(view, df)
    tbl.name, tbl.title = "store_accounts", _t(view, "entities.store_accounts")
    return tbl


def entity_tables(view: View, kind: str, eid: str) -> list[DisplayTable]:
    f = entity_filters(kind, eid)
    out = [
        ov.channel_mix_table(view, ov.channel_mix(view, filters=f), name="entity_channel_mix",
                             title=_t(view, "entities.channel_mix")),
        entity_products_table(view, entity_products(view, kind, eid)),
        sessions_table(view, entity_sessions(view, kind, eid)),
    ]
    if kind == "store":
        out.insert(0, store_accounts_table(view, store_accounts(view, eid)))
    return out


def tables(view: View) -> list[DisplayTable]:
    out = [store_table(view, stores(view)), account_table(view, accounts(view))]
    ent = parse_entity(view.sel.entity)
    if ent and entity_info(view, *ent) is not None:
        out += entity_tables(view, *ent)
    return out
