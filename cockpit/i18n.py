"""Every UI string, in Chinese and English, in one catalogue.

Metric and dimension labels live in the metric registry and enum words in the schema;
:func:`label` and :func:`enum_label` reach them so pages never spell a label twice.
Keys are grouped by page; add new strings to the section of the page that shows them.
"""

from __future__ import annotations

from cockpit import metrics, schema

STRINGS: dict[str, tuple[str, str]] = {
    # --- app shell and shared sidebar -------------------------------------------------
    "app.title": ("品牌驾驶舱", "Brand Cockpit"),
    "app.lang": ("语言 / Language", "Language / 语言"),
    "nav.overview": ("生意总览", "Business overview"),
    "nav.live": ("直播追踪", "Live tracking"),
    "nav.sessions": ("直播明细", "Live detail"),
    "nav.entities": ("店号明细", "Stores & accounts"),
    "nav.workbench": ("企业工作台", "Enterprise workbench"),
    "nav.growth": ("增长抓手", "Growth levers"),
    "filter.header": ("筛选", "Filters"),
    "filter.period": ("时间范围", "Period"),
    "filter.range": ("自定义日期", "Custom dates"),
    "filter.compare": ("对比", "Compare with"),
    "filter.grain": ("趋势粒度", "Trend by"),
    "filter.all": ("全部", "All"),
    "filter.reset": ("重置筛选", "Reset filters"),
    "period.today": ("今天", "Today"),
    "period.yesterday": ("昨天", "Yesterday"),
    "period.last_7": ("近7天", "Last 7 days"),
    "period.last_30": ("近30天", "Last 30 days"),
    "period.this_month": ("本月", "This month"),
    "period.last_month": ("上月", "Last month"),
    "period.this_year": ("今年", "This year"),
    "period.custom": ("自定义", "Custom"),
    "compare.prev": ("环比", "Previous period"),
    "compare.yoy": ("同比", "Same period last year"),
    "compare.none": ("不对比", "No comparison"),
    "grain.day": ("按日", "Day"),
    "grain.week": ("按周", "Week"),
    "grain.month": ("按月", "Month"),
    "common.period_caption": ("{period}，对比 {cmp}", "{period}, compared with {cmp}"),
    "common.period_only": ("{period}", "{period}"),
    "common.download": ("下载 CSV", "Download CSV"),
    "common.empty": ("所选范围内没有数据。试试放宽时间范围或筛选条件。", "No data in this selection. Try a longer period or fewer filters."),
    "common.empty_db": (
        "数据库里还没有数据。运行 `cockpit demo` 生成演示数据，或在企业工作台导入文件。",
        "The database has no data yet. Run `cockpit demo` for demo data, or import files in the workbench.",
    ),
    "common.none": ("（无）", "(none)"),
    "common.shelf_no_account": ("货架（无账号）", "Shelf (no account)"),
    "common.current": ("本期", "This period"),
    "common.comparison": ("对比期", "Comparison"),
    "common.vs": ("较{cmp}", "vs {cmp}"),
    "common.error": ("出错了：{msg}", "Something went wrong: {msg}"),
    "common.open": ("查看详情", "Open"),
    "common.select_hint": ("点选表格中的一行查看详情", "Select a row to open its detail"),
    "common.back": ("返回列表", "Back to list"),
    "auth.user": ("用户名", "User name"),
    "auth.password": ("密码", "Password"),
    "auth.sign_in": ("登录", "Sign in"),
    "auth.sign_out": ("退出登录", "Sign out"),
    "auth.sso": ("使用企业账号登录 (SSO)", "Sign in with SSO"),
    "auth.sso_no_access": ("{email} 还没有驾驶舱账号，请联系管理员。", "{email} has no cockpit account yet; ask an admin."),
    "auth.expired": ("登录已超时，请重新登录。", "Your session timed out; please sign in again."),
    "auth.signed_in_as": ("当前用户：{name}", "Signed in as {name}"),
    # --- 生意总览 overview ----------------------------------------------------------------
    # --- 直播追踪 live tracking -----------------------------------------------------------
    # --- 直播明细 live detail -------------------------------------------------------------
    # --- 店号明细 stores & accounts -------------------------------------------------------
    # --- 企业工作台 workbench --------------------------------------------------------------
    # --- 增长抓手 growth levers -----------------------------------------------------------
}

# English words for enum values; the Chinese word is the first alias in the schema.
ENUM_EN = {
    "direct": "Direct", "authorized": "Authorized", "own": "Own", "distributor": "Distributor",
    "live": "Live", "short_video": "Short video", "mall": "Mall", "store_page": "Store page",
    "search": "Search", "recommend": "Recommend", "other": "Other", "follow": "Follow",
    "paid": "Paid", "distribution": "Distribution (川流)",
    "store_experience": "Store experience", "creator_reputation": "Creator reputation", "product": "Product",
}
_ENUM_ZH = {
    "store_type": schema.STORE_TYPES,
    "account_type": {"own": ("直营账号",), "authorized": ("授权账号",), "distributor": ("分销达人",)},
    "channel": schema.CHANNELS,
    "traffic_source": schema.TRAFFIC_SOURCES,
    "score_type": schema.SCORE_TYPES,
}


def t(key: str, lang: str = "zh", **kw) -> str:
    zh, en = STRINGS[key]
    text = zh if lang == "zh" else en
    return text.format(**kw) if kw else text


def label(metric_or_dim: str, lang: str = "zh") -> str:
    """Label of a metric or a dimension from the registry."""
    if metric_or_dim in metrics.METRICS:
        return metrics.label(metric_or_dim, lang)
    d = metrics.dimension(metric_or_dim)
    return d.zh if lang == "zh" else d.en


def enum_label(kind: str, value: str | None, lang: str = "zh") -> str:
    """store_type/account_type/channel/traffic_source/score_type value -> display word."""
    if value is None:
        return t("common.none", lang)
    words = _ENUM_ZH.get(kind, {}).get(value)
    if lang == "zh" and words:
        return words[0]
    return ENUM_EN.get(value, value)
