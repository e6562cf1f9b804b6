"""Page data: what each page shows, computed once for the page and for `cockpit export`.

Each module exposes ``tables(view) -> list[DisplayTable]`` (every table the page shows,
in page order) plus the functions its page calls for cards and charts.
"""

from __future__ import annotations

import importlib

from cockpit.tables import DisplayTable
from cockpit.view import View

# page id -> (i18n key of its title, module)
PAGES = {
    "overview": ("nav.overview", "cockpit.reports.overview"),
    "live": ("nav.live", "cockpit.reports.live"),
    "sessions": ("nav.sessions", "cockpit.reports.sessions"),
    "review": ("nav.review", "cockpit.reports.review"),
    "entities": ("nav.entities", "cockpit.reports.entities"),
    "growth": ("nav.growth", "cockpit.reports.growth"),
}


def page_tables(page: str, view: View) -> list[DisplayTable]:
    if page not in PAGES:
        raise ValueError(f"unknown page {page!r}; choose one of {', '.join(PAGES)}")
    module = importlib.import_module(PAGES[page][1])
    return module.tables(view)
