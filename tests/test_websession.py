"""Browser sessions behind the HttpOnly cookie, on a real database file."""

import datetime as dt
from unittest import mock

import pytest

from cockpit import auth, store, websession

pytestmark = pytest.mark.engines  # users, sessions, tokens and the audit log on DuckDB and on chDB

PW = "correct horse 1"


@pytest.fixture
def users(tiny_con):
    auth.create_user(tiny_con, "boss", PW, "admin")
    auth.create_user(tiny_con, "dealer_b", PW, "store_operator", ["S3"])
    return tiny_con


def test_a_session_resolves_to_its_user_with_their_scope(users):
    value = websession.issue(users, "dealer_b")
    user = websession.resolve(users, value)
    assert (user.username, user.scope) == ("dealer_b", (("store", ("S3",)),))
    # the database keeps only a hash of the token, never the cookie itself
    token = value.split(".")[0]
    stored = store.fetchall(users, "SELECT token_hash FROM web_sessions")
    assert len(stored) == 1 and token not in stored[0][0] and value not in stored[0][0]


@pytest.mark.parametrize("tamper", [
    lambda v: v[:-1] + ("0" if v[-1] != "0" else "1"),   # signature changed
    lambda v: "x" + v,                                    # token changed, old signature
    lambda v: v.split(".")[0],                            # no signature
    lambda v: "",
    lambda v: None,
    lambda v: v + ".extra",
])
def test_a_forged_or_altered_cookie_is_nobody(users, tamper):
    value = websession.issue(users, "boss")
    assert websession.resolve(users, tamper(value)) is None


def test_sixty_idle_minutes_end_a_session_but_use_keeps_it(users):
    t0 = dt.datetime(2026, 3, 1, 9, 0)
    with mock.patch("cockpit.clock.now", return_value=t0):
        value = websession.issue(users, "boss")
    # used every 50 minutes for three hours: still signed in
    for k in range(1, 4):
        assert websession.resolve(users, value, now=t0 + dt.timedelta(minutes=50 * k)) is not None
    # then 61 minutes without use: over
    assert websession.resolve(users, value, now=t0 + dt.timedelta(minutes=150 + 61)) is None
    assert store.scalar(users, "SELECT count(*) FROM web_sessions") == 0


def test_a_machine_session_has_a_hard_end(users):
    t0 = dt.datetime(2026, 3, 1, 9, 0)
    with mock.patch("cockpit.clock.now", return_value=t0):
        value = websession.issue(users, "boss", minutes=5)
    assert websession.resolve(users, value, now=t0 + dt.timedelta(minutes=4)) is not None
    assert websession.resolve(users, value, now=t0 + dt.timedelta(minutes=5)) is None


def test_sign_out_password_reset_disable_and_removal_end_sessions(users):
    a, b = websession.issue(users, "dealer_b"), websession.issue(users, "dealer_b")
    assert websession.end(users, a) == "dealer_b"
    assert websession.resolve(users, a) is None and websession.resolve(users, b) is not None
    auth.set_password(users, "dealer_b", "new password 9")
    assert websession.resolve(users, b) is None
    c = websession.issue(users, "dealer_b")
    auth.update_user(users, "dealer_b", "store_operator", ["S3"], disabled=True)
    assert websession.resolve(users, c) is None
    d = websession.issue(users, "boss")
    auth.create_user(users, "boss2", PW, "admin")
    auth.delete_user(users, "boss")
    assert websession.resolve(users, d) is None


def test_prune_drops_ended_sessions_only(users):
    t0 = dt.datetime(2026, 3, 1, 9, 0)
    with mock.patch("cockpit.clock.now", return_value=t0):
        websession.issue(users, "boss")
        websession.issue(users, "boss", minutes=5)
    with mock.patch("cockpit.clock.now", return_value=t0 + dt.timedelta(minutes=30)):
        fresh = websession.issue(users, "boss")
    assert websession.prune(users, now=t0 + dt.timedelta(minutes=70)) == 2
    assert websession.resolve(users, fresh, now=t0 + dt.timedelta(minutes=70)) is not None
