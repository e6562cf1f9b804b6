"""What the user is looking at: the shared sidebar's state, and its URL form.

One Selection drives every page, export and command.  It round-trips through URL query
parameters (a copied link reproduces the view) and tolerates hand-edited links: an
unknown value falls back to the default instead of failing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace

from cockpit import periods
from cockpit.metrics import FILTER_DIMS
from cockpit.periods import Period

GRAINS = ("day", "week", "month")
LANGS = ("zh", "en")


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

    def resolved_period(self, today: dt.date) -> Period:
        if self.period == "custom" and self.start and self.end:
            start, end = sorted((self.start, self.end))
            return Period(start, end)
        preset = self.period if self.period != "custom" else "last_30"
        return periods.resolve(preset, today)

    def comparison_period(self, today: dt.date) -> Period | None:
        return periods.comparison(self.resolved_period(today), self.compare)

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
            elif isinstance(v, dt.date):
                out[f.name] = v.isoformat()
            else:
                out[f.name] = str(v)
        return out

    @classmethod
    def from_params(cls, params: Mapping[str, str | list[str]]) -> "Selection":
        def one(key):
            v = params.get(key)
            if isinstance(v, list):
                v = v[-1] if v else None
            return v or None

        def many(key) -> tuple[str, ...]:
            v = params.get(key)
            if v is None:
                return ()
            vals = v if isinstance(v, list) else [v]
            return tuple(dict.fromkeys(x for x in vals if x))

        def date(key):
            v = one(key)
            try:
                return periods.parse_date(v) if v else None
            except ValueError:
                return None

        default = cls()
        period = one("period")
        compare = one("compare")
        grain = one("grain")
        lang = one("lang")
        return cls(
            period=period if period in periods.PRESETS else default.period,
            start=date("start"),
            end=date("end"),
            compare=compare if compare in periods.COMPARISONS else default.compare,
            grain=grain if grain in GRAINS else default.grain,
            lang=lang if lang in LANGS else None,
            live=one("live"),
            entity=one("entity"),
            **{d: many(d) for d in FILTER_DIMS},
        )

    def replace(self, **kw) -> "Selection":
        return replace(self, **kw)


def lang_from_locale(locale: str | None) -> str:
    """Browser locale -> UI language: Chinese for zh-*, English otherwise."""
    if locale and locale.lower().startswith("zh"):
        return "zh"
    return "en" if locale else "zh"
