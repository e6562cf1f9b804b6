"""What the user is looking at: the shared sidebar's state, and its URL form.

One Selection drives every page, export and command.  It round-trips through URL query
parameters (a copied link reproduces the view).  A link is outside input: every
parameter is checked here before any widget sees it (:meth:`Selection.parse`), and what
cannot be used falls back or is clamped with a :class:`Notice` that names it, so a
tampered or stale link never breaks a page and never silently shows something else.
Whether filter values exist and lie in the viewer's data scope is checked against the
sidebar's choices (cockpit.ui), which know the database.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace

from cockpit import clock, periods
from cockpit.metrics import FILTER_DIMS
from cockpit.periods import Period

GRAINS = ("day", "week", "month")
LANGS = ("zh", "en")
ENTITY_KINDS = ("store", "account")
MAX_VALUES = 100  # values of one filter a link may carry
MAX_CHARS = 200  # characters of one value (an id, a name)


@dataclass(frozen=True)
class Notice:
    """Something a link asked for that was ignored or changed: an i18n key (section
    "links" of cockpit.i18n) and its values, which are shown as text."""

    key: str
    values: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Selection:
    period: str = "last_30"
    start: dt.date | None = None  # custom period only
    end: dt.date | None = None
    compare: str = "prev"
    grain: str = "day"
    brand: tuple[str, ...] = ()
    store_type: tuple[str, ...] = ()
    store: tuple[str, ...] = ()
    account_type: tuple[str, ...] = ()
    account: tuple[str, ...] = ()
    agency: tuple[str, ...] = ()
    channel: tuple[str, ...] = ()
    lang: str | None = None
    # page-level picks kept in the URL so a link opens the same drill-down
    live: str | None = None
    entity: str | None = None
    wall: bool = False  # 直播追踪 as a wall screen

    def resolved_period(self, today: dt.date, now: dt.datetime | None = None) -> Period:
        """The period's dates; with ``now`` a period containing today stops at now."""
        if now is not None and now.date() != today:
            now = None
        if self.period == "custom" and self.start and self.end:
            start, end = sorted((self.start, self.end))
            return periods.resolve("custom", today, start, end, now=now)
        preset = self.period if self.period in periods.PRESETS and self.period != "custom" else "last_30"
        return periods.resolve(preset, today, now=now)

    def comparison_period(self, today: dt.date, now: dt.datetime | None = None) -> Period | None:
        return periods.comparison(self.resolved_period(today, now), self.compare)

    def filters(self) -> dict[str, tuple[str, ...]]:
        return {d: getattr(self, d) for d in FILTER_DIMS if getattr(self, d)}

    def to_params(self) -> dict[str, str | list[str]]:
        """Only what differs from the defaults, so links stay short."""
        default = Selection()
        out: dict[str, str | list[str]] = {}
        for f in fields(self):
            v = getattr(self, f.name)
            if v == getattr(default, f.name):
                continue
            if isinstance(v, tuple):
                out[f.name] = list(v)
            elif isinstance(v, bool):
                out[f.name] = "1" if v else "0"
            elif isinstance(v, dt.date):
                out[f.name] = v.isoformat()
            else:
                out[f.name] = str(v)
        return out

    @classmethod
    def from_params(cls, params: Mapping[str, str | list[str]], today: dt.date | None = None) -> "Selection":
        return cls.parse(params, today)[0]

    @classmethod
    def parse(cls, params: Mapping[str, str | list[str]],
              today: dt.date | None = None) -> tuple["Selection", list[Notice]]:
        """The Selection a link asks for, and a Notice for everything it could not use.

        Never raises: every value is checked (known words, real dates in the plausible
        window and not after today, sane ids) before a widget or a query sees it."""
        today = today or clock.today()
        notices: list[Notice] = []
        default = cls()

        def one(key) -> str | None:
            v = params.get(key)
            if isinstance(v, (list, tuple)):
                v = v[-1] if v else None
            if v is None:
                return None
            v = str(v).strip()
            return v or None

        def word(key, allowed, fallback):
            v = one(key)
            if v is None:
                return fallback
            if v in allowed:
                return v
            notices.append(Notice(f"links.bad_{key}", {"value": _shown(v)}))
            return fallback

        def text(key) -> str | None:
            v = one(key)
            if v is not None and not plain_value(v):
                notices.append(Notice("links.bad_value", {"param": key, "value": _shown(v)}))
                return None
            return v

        def many(key) -> tuple[str, ...]:
            v = params.get(key)
            if v is None:
                return ()
            vals = [str(x).strip() for x in (v if isinstance(v, (list, tuple)) else [v])]
            good = [x for x in dict.fromkeys(vals) if x and plain_value(x)]
            bad = [x for x in vals if x and not plain_value(x)]
            if bad:
                notices.append(Notice("links.bad_value", {"param": key, "value": _shown(bad[0])}))
            if len(good) > MAX_VALUES:
                notices.append(Notice("links.too_many", {"param": key, "n": MAX_VALUES}))
                good = good[:MAX_VALUES]
            return tuple(good)

        def date(key) -> dt.date | None:
            v = one(key)
            if v is None:
                return None
            try:
                return periods.parse_date(v)
            except ValueError:
                notices.append(Notice("links.bad_date", {"param": key, "value": _shown(v)}))
                return None

        period = word("period", periods.PRESETS, default.period)
        start, end = date("start"), date("end")
        if one("period") is None and start and end:
            period = "custom"  # a link with dates only
        if period != "custom":
            start = end = None
        else:
            start, end, period = _custom_dates(start, end, today, notices, default.period)

        entity = text("entity")
        if entity is not None and not _entity_ok(entity):
            notices.append(Notice("links.bad_value", {"param": "entity", "value": _shown(entity)}))
            entity = None
        wall = one("wall")
        lang = one("lang")
        sel = cls(
            period=period, start=start, end=end,
            compare=word("compare", periods.COMPARISONS, default.compare),
            grain=word("grain", GRAINS, default.grain),
            lang=lang if lang in LANGS else None,
            live=text("live"), entity=entity,
            wall=wall in ("1", "true", "yes"),
            **{d: many(d) for d in FILTER_DIMS},
        )
        if lang is not None and lang not in LANGS:
            notices.append(Notice("links.bad_lang", {"value": _shown(lang)}))
        return sel, notices

    def replace(self, **kw) -> "Selection":
        return replace(self, **kw)


def _custom_dates(start, end, today, notices, fallback):
    """A custom range inside [EARLIEST, today]: clamped with a notice, or the default
    period with a notice when nothing of it is usable."""
    if not (start and end):
        notices.append(Notice("links.custom_incomplete", {}))
        return None, None, fallback
    start, end = sorted((start, end))
    if start > today:
        notices.append(Notice("links.future", {"start": start.isoformat(), "end": end.isoformat()}))
        return None, None, fallback
    if end > today:
        notices.append(Notice("links.end_clamped", {"value": end.isoformat(), "to": today.isoformat()}))
        end = today
    if start < periods.EARLIEST:
        notices.append(Notice("links.start_clamped", {"value": start.isoformat(),
                                                      "to": periods.EARLIEST.isoformat()}))
        start = max(periods.EARLIEST, min(end, periods.EARLIEST))
        if end < start:
            end = start
    return start, end, "custom"


def _entity_ok(value: str) -> bool:
    kind, sep, eid = value.partition(":")
    return bool(sep) and kind in ENTITY_KINDS and bool(eid.strip())


def plain_value(v: str) -> bool:
    """An id or a name a link may carry: not too long, no control characters."""
    return len(v) <= MAX_CHARS and not any(unicodedata.category(c) in ("Cc", "Cs") for c in v)


def _shown(v: str, limit: int = 60) -> str:
    """A value from a link as it may appear in a notice: short, one line."""
    v = "".join(c if unicodedata.category(c)[0] != "C" else " " for c in str(v))
    return v if len(v) <= limit else v[: limit - 1] + "…"


def lang_from_locale(locale: str | None) -> str:
    """Browser locale -> UI language: Chinese for zh-*, English otherwise."""
    if locale and locale.lower().startswith("zh"):
        return "zh"
    return "en" if locale else "zh"
