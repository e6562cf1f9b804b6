"""The data contract (SPEC section 2), declared once.

Every other part reads this module: the DDL in :mod:`cockpit.store`, the importer's
header aliases and value checks, the demo generator's column order and the README's
data-contract table.  Change a table here and all of them follow.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Logical value kinds.  Each maps to one DuckDB type and one import parser.
SQL_TYPES = {
    "text": "VARCHAR",
    "money": "DECIMAL(18,2)",  # CNY, two decimals, never negative
    "int": "BIGINT",  # counts: never negative
    "float": "DOUBLE",
    "timestamp": "TIMESTAMP",  # local time, Asia/Shanghai
    "date": "DATE",
    "bool": "BOOLEAN",
    "enum": "VARCHAR",
}

def polars_type(kind: str):
    """The Polars dtype a canonical column holds before it is written to DuckDB."""
    import polars as pl

    return {
        "text": pl.Utf8, "enum": pl.Utf8, "money": pl.Decimal(18, 2), "int": pl.Int64,
        "float": pl.Float64, "timestamp": pl.Datetime("us"), "date": pl.Date, "bool": pl.Boolean,
    }[kind]


# Hidden bookkeeping column on every table: which import batch wrote the row.
BATCH_COLUMN = "_batch_id"


@dataclass(frozen=True)
class Column:
    name: str
    kind: str
    required: bool = False
    aliases: tuple[str, ...] = ()
    # enum: canonical value -> the words people write for it (Chinese first)
    values: dict[str, tuple[str, ...]] = field(default_factory=dict)
    zh: str = ""
    doc: str = ""
    # A value parser beyond the kind's (cockpit.values.DECLARED_PARSERS): "duration"
    # reads 3分48秒 / 03:48 as seconds, "figure" a number, percent or duration.
    parser: str | None = None

    @property
    def sql_type(self) -> str:
        return SQL_TYPES[self.kind]

    @property
    def nonnegative(self) -> bool:
        return self.kind in ("money", "int")


@dataclass(frozen=True)
class Table:
    name: str
    zh: str
    kind: str  # "dimension" | "fact"
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    doc: str = ""
    # Columns the cockpit derives on write, never imported or exported: (name, SQL type).
    derived: tuple[tuple[str, str], ...] = ()
    # (earlier, later) column pairs: a row whose later value is before its earlier one
    # is rejected on import (an explanation that ends before it starts).
    ordered: tuple[tuple[str, str], ...] = ()

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def stored_names(self) -> list[str]:
        """Every column of the stored table, in DDL order (imported, batch id, derived)."""
        return self.column_names + [BATCH_COLUMN] + [n for n, _ in self.derived]

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.name} has no column {name!r}")


def C(name, kind="text", required=False, aliases=(), values=None, zh="", doc="", parser=None):
    """Short constructor so the tables below read like the spec."""
    if isinstance(aliases, str):
        aliases = (aliases,)
    return Column(name, kind, required, tuple(aliases), values or {}, zh or (aliases[0] if aliases else ""), doc,
                  parser)


STORE_TYPES = {"direct": ("直营", "直营店铺", "直营店"), "authorized": ("授权", "授权店铺", "授权店")}
ACCOUNT_TYPES = {
    "own": ("直营", "直营账号", "自营", "自播"),
    "authorized": ("授权", "授权账号"),
    "distributor": ("分销达人", "分销", "达人"),
}
CHANNELS = {
    "live": ("直播", "直播间"),
    "short_video": ("短视频", "视频"),
    "mall": ("商城",),
    "store_page": ("店铺页", "店铺"),
    "search": ("搜索",),
    "recommend": ("推荐",),
    "other": ("其他",),
}
TRAFFIC_SOURCES = {
    "recommend": ("推荐", "推荐流量"),
    "follow": ("关注", "关注页"),
    "short_video": ("短视频引流", "短视频"),
    "paid": ("付费", "付费流量", "投放"),
    "search": ("搜索",),
    "distribution": ("川流分销", "川流", "分销"),
    "other": ("其他",),
}
SCORE_TYPES = {
    "store_experience": ("商家体验分",),
    "creator_reputation": ("带货口碑分",),
    "product": ("商品分",),
}
# 直播复盘 (issue 17): who watched a session, by what.
AUDIENCE_DIMENSIONS = {
    "gender": ("性别",),
    "age": ("年龄", "年龄段"),
    "region": ("地域", "地区", "省份"),
    "fans": ("粉丝", "粉丝/非粉丝", "是否粉丝", "粉丝类型"),
    "new_returning": ("新老客", "新客/老客", "新老用户"),
}
# 同行同级: the platform compares a room with peers of its category and level.  The
# level is a band of the account's live GMV over the 30 days up to the session's day
# (yuan; lower bound inclusive): that is how the cockpit places a session in a tier.
PEER_TIERS = {
    "T1": ("1万以下", "第1层", "第一层级"),
    "T2": ("1万-10万", "第2层", "第二层级"),
    "T3": ("10万-50万", "第3层", "第三层级"),
    "T4": ("50万-200万", "第4层", "第四层级"),
    "T5": ("200万以上", "第5层", "第五层级"),
}
PEER_TIER_FLOORS = {"T1": 0, "T2": 10_000, "T3": 100_000, "T4": 500_000, "T5": 2_000_000}
# Metrics a peer benchmark may be given for: registry metric id -> the names platform
# exports use for it (the registry's Chinese label first; a test keeps them in step).
BENCHMARK_METRICS = {
    "exposure_entry_rate": ("曝光进入率", "直播间曝光进入率", "曝光-进入率", "曝光进房率"),
    "avg_watch_seconds": ("人均观看时长", "平均观看时长", "人均停留时长"),
    "interaction_rate": ("互动率", "观看互动率"),
    "product_exposure_rate": ("商品曝光率", "观看-商品曝光率"),
    "product_click_rate": ("商品曝光点击率", "商品曝光-点击率"),
    "ctr": ("商品点击率", "观看-商品点击率"),
    "click_conversion": ("点击成交转化率", "商品点击-成交转化率", "点击-成交转化率"),
    "watch_conversion": ("观看成交率", "观看-成交转化率", "成交转化率"),
    "follow_rate": ("转粉率", "观看-关注率", "涨粉率"),
    "gpm": ("千次观看成交额", "千次观看成交金额", "GPM"),
    "uv_value": ("UV价值", "单UV价值", "观看UV价值"),
}

# Channel groups used by the channel-mix metrics (SPEC section 3).
CONTENT_CHANNELS = ("live", "short_video")
SHELF_CHANNELS = ("mall", "store_page", "search", "recommend")


TABLES: dict[str, Table] = {
    t.name: t
    for t in [
        Table("stores", "店铺", "dimension", ("store_id",), (
            C("store_id", required=True, aliases=("店铺ID", "店铺id", "商号ID")),
            C("store_name", required=True, aliases=("店铺名称", "商号名称")),
            C("brand", aliases="品牌"),
            C("store_type", "enum", True, ("店铺类型",), STORE_TYPES),
            C("category", aliases="类目"),
            C("opened_on", "date", aliases="开店日期"),
            C("closed_on", "date", aliases="关店日期"),
        )),
        Table("accounts", "账号", "dimension", ("account_id",), (
            C("account_id", required=True, aliases=("账号ID", "快手号", "账号id")),
            C("account_name", required=True, aliases=("账号名称", "昵称")),
            C("account_type", "enum", True, ("账号类型",), ACCOUNT_TYPES),
            C("store_id", aliases=("店铺ID", "所属店铺")),
            C("agency", aliases=("机构", "达人机构")),
            C("followers", "int", aliases="粉丝数"),
        )),
        Table("products", "商品", "dimension", ("product_id",), (
            C("product_id", required=True, aliases=("商品ID", "商品id")),
            C("store_id", required=True, aliases=("店铺ID",)),
            C("product_name", required=True, aliases=("商品名称",)),
            C("category", aliases="类目"),
            C("list_price", "money", aliases=("价格", "商品价格")),
        )),
        Table("orders", "订单", "fact", ("order_id",), (
            C("order_id", required=True, aliases=("订单编号", "订单号", "订单ID")),
            C("paid_at", "timestamp", True, ("支付时间", "下单时间")),
            C("store_id", required=True, aliases=("店铺ID",)),
            C("product_id", aliases=("商品ID",)),
            C("account_id", aliases=("账号ID", "带货账号", "快手号")),
            C("live_id", aliases=("直播ID", "直播间ID")),
            C("video_id", aliases=("视频ID", "短视频ID")),
            C("channel", "enum", True, ("成交渠道", "流量载体"), CHANNELS),
            C("buyer_id", required=True, aliases=("买家ID",)),
            C("is_fan", "bool", aliases="是否粉丝"),
            C("quantity", "int", aliases="数量"),
            C("paid_amount", "money", True, ("实付金额", "实付款")),
            C("refund_amount", "money", aliases="退款金额"),
            C("refunded_at", "timestamp", aliases="退款时间"),
            C("shipped_at", "timestamp", aliases="发货时间"),
        ), derived=(("buyer_key", "INTEGER"),)),  # cockpit.buyer_keys
        Table("live_sessions", "直播场次", "fact", ("live_id",), (
            C("live_id", required=True, aliases=("直播ID", "直播间ID", "场次ID")),
            C("account_id", required=True, aliases=("账号ID", "快手号")),
            C("title", aliases="直播标题"),
            C("started_at", "timestamp", True, ("开播时间",)),
            C("ended_at", "timestamp", aliases="下播时间"),
            C("views", "int", aliases="观看人次"),
            C("viewers", "int", aliases=("观看人数", "累计观看人数", "进入直播间人数")),
            C("peak_online", "int", aliases=("最高在线", "最高在线人数")),
            C("avg_watch_seconds", "float", aliases=("人均观看时长", "平均观看时长", "人均停留时长"),
              parser="duration"),
            C("new_followers", "int", aliases=("涨粉数", "新增粉丝数")),
            C("product_exposures", "int", aliases="商品曝光人数"),
            C("product_clicks", "int", aliases="商品点击人数"),
            C("comments", "int", aliases="评论数"),
            C("likes", "int", aliases="点赞数"),
            C("shares", "int", aliases="分享数"),
            C("exposures", "int", aliases=("直播间曝光人数", "曝光人数")),
            C("interacting_viewers", "int", aliases=("互动人数",)),
        )),
        Table("live_minutes", "直播分钟数据", "fact", ("live_id", "minute"), (
            C("live_id", required=True, aliases=("直播ID", "场次ID")),
            C("minute", "timestamp", True, ("时间", "分钟")),
            C("online", "int", True, ("在线人数",)),
            C("entries", "int", aliases="进房人次"),
            C("new_followers", "int", aliases="涨粉数"),
            C("comments", "int", aliases="评论数"),
            C("likes", "int", aliases="点赞数"),
            C("exposures", "int", aliases=("曝光人数", "直播间曝光人数")),
            C("leaves", "int", aliases=("离开人数", "离开直播间人数")),
            C("product_clicks", "int", aliases="商品点击人数"),
            C("shares", "int", aliases=("分享数", "分享次数")),
        )),
        Table("live_explains", "商品讲解", "fact", ("live_id", "product_id", "started_at"), (
            C("live_id", required=True, aliases=("直播ID", "场次ID")),
            C("product_id", required=True, aliases=("商品ID", "商品id")),
            C("started_at", "timestamp", True, ("讲解开始时间", "开始讲解时间")),
            C("ended_at", "timestamp", True, ("讲解结束时间", "结束讲解时间")),
        ), ordered=(("started_at", "ended_at"),)),
        Table("live_audience", "直播观众画像", "fact", ("live_id", "dimension", "bucket"), (
            C("live_id", required=True, aliases=("直播ID", "场次ID")),
            C("dimension", "enum", True, ("画像维度", "维度"), AUDIENCE_DIMENSIONS),
            C("bucket", required=True, aliases=("分组", "画像分组", "分布")),
            C("viewers", "int", True, ("观看人数",)),
            C("buyers", "int", aliases=("成交人数",)),
            C("gmv", "money", aliases=("成交金额",)),
        )),
        Table("live_traffic", "直播流量来源", "fact", ("live_id", "source"), (
            C("live_id", required=True, aliases=("直播ID", "场次ID")),
            C("source", "enum", True, ("流量来源",), TRAFFIC_SOURCES),
            C("views", "int", True, ("观看人次",)),
            C("gmv", "money", aliases=("该来源成交金额", "成交金额")),
        )),
        Table("short_videos", "短视频", "fact", ("video_id",), (
            C("video_id", required=True, aliases=("视频ID", "短视频ID")),
            C("account_id", required=True, aliases=("账号ID", "快手号")),
            C("published_at", "timestamp", True, ("发布时间",)),
            C("plays", "int", aliases="播放量"),
            C("likes", "int", aliases="点赞数"),
            C("comments", "int", aliases="评论数"),
            C("shares", "int", aliases="分享数"),
            C("new_followers", "int", aliases="涨粉数"),
            C("live_entries", "int", aliases="引流进直播间人次"),
            C("product_clicks", "int", aliases="商品点击人数"),
        )),
        Table("ad_spend", "投放消耗", "fact", ("date", "account_id", "live_id"), (
            C("date", "date", True, ("日期",)),
            C("account_id", required=True, aliases=("账号ID", "快手号")),
            C("live_id", aliases=("直播ID",)),
            C("spend", "money", True, ("消耗", "花费")),
            C("attributed_gmv", "money", aliases="投放成交金额"),
        )),
        Table("follower_daily", "粉丝日数据", "fact", ("date", "account_id"), (
            C("date", "date", True, ("日期",)),
            C("account_id", required=True, aliases=("账号ID", "快手号")),
            C("followers", "int", True, ("粉丝总数", "粉丝数")),
            C("new_followers", "int", aliases="新增粉丝"),
            C("lost_followers", "int", aliases="取关数"),
        )),
        Table("scores_daily", "店号评分", "fact", ("date", "entity_id", "score_type"), (
            C("date", "date", True, ("日期",)),
            C("entity_id", required=True, aliases=("主体ID", "店铺ID", "账号ID", "商品ID")),
            C("score_type", "enum", True, ("评分类型", "分数类型"), SCORE_TYPES),
            C("score", "float", True, ("分数", "评分")),
        )),
        Table("market_daily", "行业大盘", "fact", ("date", "category"), (
            C("date", "date", True, ("日期",)),
            C("category", required=True, aliases=("类目",)),
            C("market_gmv", "money", True, ("行业成交金额",)),
            C("market_orders", "int", aliases="行业订单数"),
            C("active_sellers", "int", aliases="在售商家数"),
            C("active_products", "int", aliases="在售商品数"),
            C("search_volume", "int", aliases="搜索量"),
        )),
        Table("peer_benchmarks", "同行同级基准", "fact", ("period_start", "category", "tier", "metric"), (
            C("period_start", "date", True, ("统计开始日期", "开始日期")),
            C("period_end", "date", True, ("统计结束日期", "结束日期")),
            C("category", required=True, aliases=("类目", "行业类目")),
            C("tier", "enum", True, ("同行同级分层", "分层", "层级"), PEER_TIERS),
            C("metric", "enum", True, ("指标", "指标名称"), BENCHMARK_METRICS),
            C("median", "float", True, ("同行同级均值", "同行同级中位数", "同行均值"), parser="figure"),
            C("excellent", "float", aliases=("同行同级优秀值", "优秀值"), parser="figure"),
        ), ordered=(("period_start", "period_end"),)),
        Table("campaigns", "营销活动", "dimension", ("campaign_id",), (
            C("campaign_id", required=True, aliases=("活动ID",)),
            C("name", required=True, aliases=("活动名称",)),
            C("presale_start", "date", aliases="预售开始"),
            C("presale_end", "date", aliases="预售结束"),
            C("start_date", "date", True, ("活动开始", "开始日期")),
            C("end_date", "date", True, ("活动结束", "结束日期")),
        )),
    ]
}


def table(name: str) -> Table:
    try:
        return TABLES[name]
    except KeyError:
        known = ", ".join(TABLES)
        raise KeyError(f"unknown table {name!r}; known tables: {known}") from None


def ddl(t: Table) -> str:
    """CREATE TABLE for one canonical table, enum checks included.

    No PRIMARY KEY: ad_spend's key has a nullable live_id, and the importer upserts by
    key itself (delete-then-insert inside one transaction), which also lets undo restore
    the rows a batch replaced.
    """
    cols = []
    for c in t.columns:
        line = f'"{c.name}" {c.sql_type}'
        if c.required:
            line += " NOT NULL"
        if c.kind == "enum":
            allowed = ", ".join(f"'{v}'" for v in c.values)
            line += f' CHECK ("{c.name}" IN ({allowed}))'
        cols.append(line)
    cols.append(f'"{BATCH_COLUMN}" BIGINT')
    cols += [f'"{n}" {sql_type}' for n, sql_type in t.derived]
    return f'CREATE TABLE IF NOT EXISTS "{t.name}" (\n  ' + ",\n  ".join(cols) + "\n)"


def frame(table_name: str, rows: list[dict]):
    """A canonical Polars frame from plain Python rows (tests, demo pieces, the feed).

    Missing columns are null; money is given as Decimal, str or float and kept exact.
    """
    import decimal

    import polars as pl

    t = table(table_name)
    data = {}
    for c in t.columns:
        vals = [r.get(c.name) for r in rows]
        if c.kind == "money":
            vals = [None if v is None else decimal.Decimal(str(v)).quantize(decimal.Decimal("0.01")) for v in vals]
        data[c.name] = pl.Series(c.name, vals, dtype=polars_type(c.kind))
    unknown = {k for r in rows for k in r} - set(t.column_names)
    if unknown:
        raise KeyError(f"{table_name} has no column(s) {', '.join(sorted(unknown))}")
    return pl.DataFrame(data)


def contract_markdown() -> str:
    """The README's data-contract section, generated from the declaration above."""
    out = []
    for t in TABLES.values():
        out.append(f"### `{t.name}` ({t.zh}) — key: {', '.join(t.key)}\n")
        out.append("| column | type | required | Chinese headers | values |")
        out.append("| --- | --- | --- | --- | --- |")
        for c in t.columns:
            vals = ", ".join(f"`{k}` ({'/'.join(v)})" for k, v in c.values.items())
            out.append(
                f"| {c.name} | {c.kind} | {'yes' if c.required else ''} | "
                f"{' / '.join(c.aliases)} | {vals} |"
            )
        out.append("")
    return "\n".join(out)
