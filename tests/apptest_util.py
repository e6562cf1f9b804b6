"""Helpers for AppTest runs of the real app entry (app/streamlit_app.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import private_tiny

ENTRY = Path(__file__).resolve().parents[1] / "app" / "streamlit_app.py"


def june_params(at: AppTest, **extra) -> AppTest:
    """The tiny group lives in 2025: open the app on June 2025 as a link would."""
    at.query_params.update(period="custom", start="2025-06-01", end="2025-06-30", **extra)
    return at


def open_page(at: AppTest, page: str) -> AppTest:
    """Run the entry (sidebar, sign-in, URL), switch to ``page`` and run it, failing on
    any exception the page raised."""
    at.run()
    at.switch_page(page)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def open_tab(at: AppTest, key: str, label: str) -> AppTest:
    """Switch the lazy tab row ``key`` to ``label`` as a click would, and run."""
    assert label in [t.label for t in at.tabs], (label, [t.label for t in at.tabs])
    at.session_state[key] = label
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def signed_in(at: AppTest, db, username: str) -> AppTest:
    """Present a real session cookie, as the browser would after /signin (AppTest has no cookies)."""
    from cockpit import store, websession

    con = store.connect(db)
    try:
        at.session_state["_session_cookie"] = websession.issue(con, username)
    finally:
        con.close()
    return at


@pytest.fixture
def app_test(monkeypatch):
    def make(db_path: Path) -> AppTest:
        monkeypatch.setenv("COCKPIT_DB", str(db_path))
        return AppTest.from_file(str(ENTRY), default_timeout=30)

    return make


@pytest.fixture
def tiny_copy(tiny_db, tmp_path):
    """The tiny group the app may write (tests.conftest.private_tiny), for ``app_test``."""
    return private_tiny(tiny_db, tmp_path)
