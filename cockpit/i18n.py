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
    "overview.kpis": ("核心指标", "Headline figures"),
    "overview.trend": ("成交金额趋势", "GMV trend"),
    "overview.channel_mix": ("渠道构成", "Channel mix"),
    "overview.channel_group": ("场域", "Channel group"),
    "overview.group.content": ("内容场", "Content"),
    "overview.group.shelf": ("货架场", "Shelf"),
    "overview.group.other": ("其他", "Other"),
    "overview.share": ("占比 (%)", "Share (%)"),
    "overview.contribution": ("贡献构成", "Contribution"),
    "overview.by_store": ("店铺贡献", "Contribution by store"),
    "overview.by_account_type": ("账号类型贡献", "Contribution by account type"),
    "overview.leaderboards": ("排行榜", "Leaderboards"),
    "overview.top_stores": ("店铺 TOP10", "Top 10 stores"),
    "overview.top_accounts": ("账号 TOP10", "Top 10 accounts"),
    "overview.top_products": ("商品 TOP10", "Top 10 products"),
    "overview.fans": ("粉丝与粉丝成交", "Followers and fan sales"),
    "overview.fan_table": ("粉丝 vs 非粉丝", "Fans vs non-fans"),
    "overview.gmv_share": ("成交占比 (%)", "GMV share (%)"),
    "overview.fan": ("粉丝", "Fans"),
    "overview.nonfan": ("非粉丝", "Non-fans"),
    "overview.buyer_group": ("人群", "Buyers"),
    "overview.followers_trend": ("粉丝数趋势", "Followers over time"),
    "overview.market": ("行业大盘与市场份额", "Market and market share"),
    "overview.market_table": ("分类目市场份额", "Market share by category"),
    "overview.market_share_trend": ("市场份额趋势", "Market share over time"),
    "overview.demand": ("大盘需求：搜索量与行业成交", "Demand: searches and market GMV"),
    "overview.supply": ("大盘供给：在售商家与商品", "Supply: active sellers and products"),
    "overview.no_market": (
        "所选时间范围内没有行业大盘数据，市场份额不显示。在企业工作台导入 market_daily 后可见。",
        "No market data for this period, so market share is hidden. Import market_daily in the workbench to see it.",
    ),
    "overview.campaigns": ("大促活动", "Campaigns"),
    "overview.campaign_table": ("大促活动对比去年", "Campaigns against last year"),
    "overview.campaign_note": (
        "活动各阶段按活动自身日期统计（不受上方时间范围限制，受筛选条件限制）。去年对照：名称去掉年份后相同的去年活动；没有时取开始日期早一年（±7天）的活动；仍没有时取早一年的相同日期。",
        "Each phase counts its own campaign dates (not the period above; filters apply). Last year: the campaign with the same name once years are removed; else one starting a year earlier (±7 days); else the same dates a year earlier.",
    ),
    "overview.campaign": ("活动", "Campaign"),
    "overview.phase": ("阶段", "Phase"),
    "overview.phase.presale": ("预售期", "Presale"),
    "overview.phase.main": ("正式期", "Main period"),
    "overview.dates": ("日期", "Dates"),
    "overview.last_year_campaign": ("去年对照", "Last year's"),
    "overview.last_year_dates": ("去年日期", "Last year's dates"),
    "overview.same_dates_last_year": ("去年同日期", "Same dates last year"),
    "overview.last_year_gmv": ("去年成交金额", "Last year's GMV"),
    "overview.yoy_pct": ("同比 (%)", "vs last year (%)"),
    "overview.open_hint": ("点选店铺或账号排行中的一行，打开它的店号明细。", "Select a store or account row to open its detail."),
    # --- 直播追踪 live tracking -----------------------------------------------------------
    "live.caption": ("{date} 实时数据，更新于 {time}", "Live data for {date}, updated {time}"),
    "live.refresh": ("自动刷新", "Auto refresh"),
    "live.refresh_off": ("关闭", "Off"),
    "live.refresh_sec": ("每 {n} 秒", "Every {n} s"),
    "live.card_accounts": ("在播账号", "Accounts live now"),
    "live.card_online": ("当前在线合计", "Online now (total)"),
    "live.card_gmv_today": ("今日直播成交金额", "Live GMV today"),
    "live.card_buyers_today": ("今日直播成交人数", "Live buyers today"),
    "live.card_ended": ("今日已下播场次", "Sessions ended today"),
    "live.card_dropping": ("掉量预警场次", "Sessions dropping"),
    "live.none_live": ("当前没有账号在直播。", "No account is live right now."),
    "live.none_today": ("今天还没有直播场次。历史场次请看「直播明细」。", "No live sessions today yet. Past sessions are on the Live detail page."),
    "live.table_now": ("正在直播", "Live now"),
    "live.table_ended": ("今日已结束", "Ended today"),
    "live.col_title": ("直播标题", "Title"),
    "live.col_started": ("开播时间", "Started"),
    "live.col_ended": ("下播时间", "Ended"),
    "live.col_minutes": ("已播分钟", "Minutes live"),
    "live.col_online_now": ("当前在线", "Online now"),
    "live.col_alert": ("掉量预警", "Alert"),
    "live.alert_online": ("在线骤降", "Online dropping"),
    "live.alert_gmv": ("成交放缓", "Sales slowing"),
    "live.badge": ("掉量", "Dropping"),
    "live.card_line": (
        "已播 {minutes} 分钟 · 峰值 {peak} · 成交 {gmv} · 订单 {orders} · 涨粉 {followers} · GPM {gpm}",
        "{minutes} min live · peak {peak} · GMV {gmv} · orders {orders} · followers +{followers} · GPM {gpm}",
    ),
    "live.rule": (
        "掉量预警：当前在线低于近 {window} 分钟最高在线的 {ratio}%（最高在线不少于 {floor} 人），"
        "或近 {gwin} 分钟直播成交不足前 {gwin} 分钟的 {gratio}%（前一段不少于 {orders} 单）。",
        "Drop alert: online now below {ratio}% of the highest online of the last {window} minutes "
        "(that peak at least {floor}), or live GMV of the last {gwin} minutes below {gratio}% of the "
        "{gwin} minutes before (at least {orders} orders then).",
    ),
    # --- 直播明细 live detail -------------------------------------------------------------
    "sessions.search": ("搜索标题或账号", "Search title or account"),
    "sessions.table": ("直播场次", "Live sessions"),
    "sessions.count": ("共 {n} 场", "{n} sessions"),
    "sessions.top_chart": ("直播成交金额前 10 场", "Top 10 sessions by live GMV"),
    "sessions.none": ("所选时间范围和筛选条件内没有直播场次。", "No live sessions in this period and selection."),
    "sessions.detail": ("场次详情：{title}", "Session: {title}"),
    "sessions.not_found": ("找不到场次 {id}：它不在你的数据范围或当前筛选条件内。", "Session {id} is not in your data scope or the current filters."),
    "sessions.close": ("关闭详情", "Close detail"),
    "sessions.meta": ("{account}（{type}）· 开播 {start} · 下播 {end}", "{account} ({type}) · started {start} · ended {end}"),
    "sessions.still_live": ("直播中", "still live"),
    "sessions.minutes": ("分钟曲线", "Minute by minute"),
    "sessions.col_minute": ("时间", "Minute"),
    "sessions.col_online": ("在线人数", "Online"),
    "sessions.col_entries": ("进房人次", "Entries"),
    "sessions.no_minutes": ("这场直播没有分钟数据。", "This session has no minute data."),
    "sessions.funnel": ("转化漏斗", "Funnel"),
    "sessions.col_stage": ("环节", "Stage"),
    "sessions.col_people": ("人数", "People"),
    "sessions.col_step": ("环节转化率 (%)", "Step conversion (%)"),
    "sessions.traffic": ("流量来源", "Traffic sources"),
    "sessions.ads": ("投放消耗与ROI", "Ad spend and ROI"),
    "sessions.products": ("热销商品", "Top products"),
    "sessions.quality": ("退款与发货", "Refunds and shipping"),
    "sessions.history": ("与该账号前 {n} 场对比", "Against the account's previous {n} sessions"),
    "sessions.no_history": ("该账号在这场之前没有直播。", "The account has no earlier session."),
    "sessions.col_session": ("场次", "Session"),
    "sessions.row_this": ("本场", "This session"),
    "sessions.row_avg": ("前 {n} 场平均", "Average of previous {n}"),
    "sessions.vs_avg": ("较前 {n} 场平均", "vs average of previous {n}"),
    # --- 店号明细 stores & accounts -------------------------------------------------------
    "entities.stores": ("店铺", "Stores"),
    "entities.accounts": ("账号", "Accounts"),
    "entities.store_table": ("全部店铺", "All stores"),
    "entities.account_table": ("全部账号", "All accounts"),
    "entities.score_change": ("{score}变化", "{score} change"),
    "entities.score_date": ("评分日期", "Score date"),
    "entities.product_score_avg": ("商品分均值", "Avg. product score"),
    "entities.product_score": ("商品分", "Product score"),
    "entities.store_name": ("所属店铺", "Store"),
    "entities.hint": ("点选一行打开该店铺或账号的详情。", "Select a row to open that store's or account's own overview."),
    "entities.not_found": ("找不到 {entity}，或它不在你的数据权限内。", "{entity} was not found or is outside your data scope."),
    "entities.trend": ("成交金额趋势", "GMV trend"),
    "entities.channel_mix": ("渠道构成", "Channel mix"),
    "entities.products": ("商品 TOP10", "Top 10 products"),
    "entities.sessions": ("直播场次", "Live sessions"),
    "entities.followers": ("粉丝数变化", "Followers over time"),
    "entities.scores": ("评分趋势", "Score trend"),
    "entities.no_scores": ("所选时间范围内没有评分数据。", "No scores in this period."),
    "entities.no_followers": ("所选时间范围内没有粉丝数据。", "No follower data in this period."),
    "entities.started_at": ("开播时间", "Started"),
    "entities.account_name": ("账号", "Account"),
    "entities.kind.store": ("店铺", "Store"),
    "entities.kind.account": ("账号", "Account"),
    "entities.type": ("类型", "Type"),
    "entities.brand": ("品牌", "Brand"),
    "entities.agency": ("机构", "Agency"),
    # --- 企业工作台 workbench --------------------------------------------------------------
    "wb.admin_only": ("企业工作台仅对管理员开放。", "The workbench is for admins only."),
    "wb.data": ("数据管理", "Data management"),
    "wb.users": ("用户与权限", "Users & scopes"),
    "wb.audit": ("审计日志", "Audit log"),
    "wb.upload": ("上传文件", "Upload files"),
    "wb.upload_hint": ("CSV（UTF-8 / GBK）、XLSX 或 Parquet；文件名以表名开头时自动识别，如 orders-6月.csv", "CSV (UTF-8 / GBK), XLSX or Parquet; a file named after its table is recognised, e.g. orders-june.csv"),
    "wb.table": ("导入到", "import into"),
    "wb.pick_table": ("选择数据表", "Choose a table"),
    "wb.import": ("开始导入", "Import"),
    "wb.done": ("完成", "Done"),
    "wb.history": ("导入记录", "Import history"),
    "wb.rejects": ("下载批次 {batch} 的拒绝行", "Download rejected rows of batch {batch}"),
    "wb.no_rejects": ("批次 {batch} 没有拒绝行。", "Batch {batch} has no rejected rows."),
    "wb.undo_confirm": ("确认撤销批次 {batch}", "Yes, undo batch {batch}"),
    "wb.undo": ("撤销批次 {batch}", "Undo batch {batch}"),
    "wb.undone": ("已撤销批次 {batch}：移除 {rows} 行，并恢复了它替换的数据。", "Batch {batch} undone: {rows} rows removed and the rows it replaced restored."),
    "wb.add_user": ("新增用户", "Add a user"),
    "wb.edit_user": ("修改用户", "Edit a user"),
    "wb.display_name": ("显示名", "Display name"),
    "wb.role": ("角色", "Role"),
    "wb.grant_brand": ("可见品牌", "Brands they see"),
    "wb.grant_store": ("可见店铺", "Stores they see"),
    "wb.grant_agency": ("可见机构", "Agencies they see"),
    "wb.create": ("创建", "Create"),
    "wb.created": ("已创建用户 {name}", "User {name} created"),
    "wb.disabled": ("停用", "Disabled"),
    "wb.save": ("保存", "Save"),
    "wb.saved": ("已保存 {name}", "{name} saved"),
    "wb.new_password": ("新密码", "New password"),
    "wb.reset_password": ("重置密码", "Reset password"),
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
