"""直播复盘 diagnosis: the rules, declared once as data.

A rule fires when a session's figure for its metric is below a threshold.  The threshold
is either a plain value (人均观看时长 under 45 s) or a share of a benchmark: the imported
同行同级 median of the session's category and tier, or P25 of the group's own comparable
sessions (cockpit.reports.review).  A rule whose figure or benchmark is missing stays
silent: the review never guesses.  Every metric here is "higher is better".

The README's rule table is generated from :data:`RULES` (``python -m cockpit.docs``).
"""

from __future__ import annotations

from dataclasses import dataclass

from cockpit import fmt
from cockpit import metrics as reg

# what a threshold is measured against
BASES = {
    "value": ("阈值", "threshold"),
    "peer_median": ("同行同级均值", "peer median"),
    "group_p25": ("集团同类场次 P25", "P25 of the group's comparable sessions"),
}


@dataclass(frozen=True)
class Rule:
    id: str
    metric: str
    basis: str  # a key of BASES
    threshold: float  # value: the figure itself; otherwise a share of the benchmark
    zh: str
    en: str

    def limit(self, benchmark: float | None) -> float | None:
        """The figure below which the rule fires (None: cannot be judged)."""
        if self.basis == "value":
            return self.threshold
        return None if benchmark is None else benchmark * self.threshold

    def condition(self, lang: str = "zh") -> str:
        """The rule as people read it: "人均观看时长 < 45秒", "曝光进入率 < 80% × 同行同级均值"."""
        lab = reg.label(self.metric, lang)
        if self.basis == "value":
            return f"{lab} < {fmt.value(self.threshold, reg.metric(self.metric).unit, lang)}"
        base = BASES[self.basis][0 if lang == "zh" else 1]
        share = "" if self.threshold == 1 else f"{self.threshold * 100:.0f}% × "
        return f"{lab} < {share}{base}"


RULES: tuple[Rule, ...] = (
    Rule("opening_hold", "avg_watch_seconds", "value", 45,
         "开场留不住人：人均观看时长不到 45 秒，进来的观众很快就走。重做开场话术、福利预告和前 5 分钟的节奏。",
         "The opening does not hold viewers: under 45 s average watch time. Rework the opening pitch, the "
         "giveaway teaser and the first five minutes."),
    Rule("watch_vs_peers", "avg_watch_seconds", "peer_median", 0.8,
         "停留时长明显低于同行同级：内容节奏和互动不足以留人，穿插福利、问答和场景展示。",
         "Viewers stay much shorter than in peer rooms: pace and interaction do not keep them; mix in "
         "giveaways, Q&A and product scenes."),
    Rule("entry_vs_peers", "exposure_entry_rate", "peer_median", 0.8,
         "曝光进入率明显低于同行同级：直播间封面、标题和开场画面不够吸引人点进来。",
         "Far fewer of the people shown the room come in than in peer rooms: cover, title and the opening "
         "scene do not draw them in."),
    Rule("low_interaction", "interaction_rate", "value", 0.05,
         "互动率不到 5%：缺少评论、点赞和关注的引导，互动少会让平台推荐的流量变少。",
         "Under 5 % of viewers interact: prompt them to comment, like and follow; little interaction "
         "shrinks the platform's recommended traffic."),
    Rule("products_unseen", "product_exposure_rate", "value", 0.4,
         "商品曝光率不到 40%：多数观众没看到商品，弹购物车和上链接的频率不够。",
         "Under 40 % of viewers saw a product: pop the cart and pin links more often."),
    Rule("clicks_vs_peers", "product_click_rate", "peer_median", 0.8,
         "商品曝光点击率明显低于同行同级：卖点和价格锚点没有激起点击的兴趣。",
         "Product exposures turn into clicks far less than in peer rooms: selling points and price "
         "anchors do not spark interest."),
    Rule("clicks_not_buying", "click_conversion", "group_p25", 1.0,
         "点击成交转化率低于集团同类场次的 P25：点进来却没下单，检查价格、优惠力度、库存和评价。",
         "Clicks turn into orders less than in three quarters of the group's comparable sessions: check "
         "price, offer, stock and reviews."),
    Rule("conversion_vs_peers", "watch_conversion", "peer_median", 0.8,
         "观看成交率明显低于同行同级：整场转化偏弱，调整货品组合和讲解顺序。",
         "Far fewer viewers buy than in peer rooms: rework the product line-up and the order of explanations."),
    Rule("few_follows", "follow_rate", "value", 0.01,
         "转粉率不到 1%：关注引导和粉丝专属福利不足，下一场的老粉基础会变薄。",
         "Under 1 % of viewers follow: add follow prompts and fan-only perks, or the next session starts "
         "with fewer fans."),
    Rule("uv_value_low", "uv_value", "group_p25", 1.0,
         "UV价值低于集团同类场次的 P25：每位观众带来的成交偏低，提高客单价（组合装、满减）或转化。",
         "Each viewer brings less GMV than in three quarters of the group's comparable sessions: lift the "
         "order value (bundles, tiered discounts) or the conversion."),
)


@dataclass(frozen=True)
class Finding:
    rule: Rule
    figure: float
    benchmark: float | None  # the peer median or group P25 it was measured against (None: plain value)
    limit: float

    def text(self, lang: str = "zh") -> str:
        return self.rule.zh if lang == "zh" else self.rule.en


def diagnose(figures: dict, peer_median: dict, group_p25: dict) -> list[Finding]:
    """The rules that fire for one session, in rule order.

    ``figures``: metric -> the session's value; ``peer_median``/``group_p25``: metric ->
    benchmark (missing or None when there is none)."""
    out = []
    for r in RULES:
        figure = figures.get(r.metric)
        bench = {"value": None, "peer_median": peer_median.get(r.metric),
                 "group_p25": group_p25.get(r.metric)}[r.basis]
        limit = r.limit(bench)
        if fmt.is_missing(figure) or fmt.is_missing(limit):
            continue
        if float(figure) < limit - abs(limit) * 1e-9:  # at the threshold is not below it (0.8 x 0.2 = 0.16000000000000003)
            out.append(Finding(r, float(figure), bench, limit))
    return out


def rules_markdown() -> str:
    """The README's rule table, generated from RULES."""
    rows = ["| rule | metric | fires when | finding (中文) | finding (English) |", "| --- | --- | --- | --- | --- |"]
    for r in RULES:
        rows.append(f"| `{r.id}` | `{r.metric}` {reg.label(r.metric)} | {r.condition('zh')} | {r.zh} | {r.en} |")
    return "\n".join(rows)
