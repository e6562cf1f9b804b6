"""Users, roles, scopes and sign-in on a real database file."""

import datetime as dt
import subprocess
import sys

import pytest

from cockpit import auth, query, store
from cockpit.periods import Period
from tests import clirun

pytestmark = pytest.mark.engines  # users, sessions, tokens and the audit log on DuckDB and on chDB

JUNE = Period(dt.date(2025, 6, 1), dt.date(2025, 6, 30))
PW = "correct horse 1"


def test_fresh_install_is_local_mode_until_first_admin(tiny_con):
    assert not auth.sign_in_required(tiny_con)
    auth.create_user(tiny_con, "boss", PW, "admin")
    assert auth.sign_in_required(tiny_con)


def test_passwords_are_hashed_with_argon2(tiny_con):
    auth.create_user(tiny_con, "boss", PW, "admin")
    stored = store.scalar(tiny_con, "SELECT password_hash FROM users WHERE username = 'boss'")
    assert stored.startswith("$argon2id$") and PW not in stored
    assert auth.sign_in(tiny_con, "boss", PW).is_admin


def test_failed_sign_ins_throttle_the_client_address_not_the_account(tiny_con):
    auth.create_user(tiny_con, "dealer_a", PW, "store_operator", ["S2"])
    t0 = dt.datetime(2026, 1, 1, 9, 0)
    for i in range(auth.MAX_FAILURES - 1):
        with pytest.raises(auth.AuthError, match="wrong user name or password"):
            auth.sign_in(tiny_con, "dealer_a", "guess", client="10.0.0.9", now=t0)
    with pytest.raises(auth.AuthError, match="try again in 15 min"):
        auth.sign_in(tiny_con, "dealer_a", "guess", client="10.0.0.9", now=t0)
    # that address waits, even with the right password ...
    with pytest.raises(auth.AuthError, match="try again in 10 min"):
        auth.sign_in(tiny_con, "dealer_a", PW, client="10.0.0.9", now=t0 + dt.timedelta(minutes=5))
    # ... but the account is not locked: the real user elsewhere signs in
    assert auth.sign_in(tiny_con, "dealer_a", PW, client="10.0.0.7", now=t0 + dt.timedelta(minutes=5)).grants == ("S2",)
    # after the wait, one more failure from the same address waits twice as long
    with pytest.raises(auth.AuthError, match="try again in 30 min"):
        auth.sign_in(tiny_con, "dealer_a", "guess", client="10.0.0.9", now=t0 + dt.timedelta(minutes=16))
    # an admin can clear an address at once
    assert auth.unblock(tiny_con, "10.0.0.9") == 1
    assert auth.sign_in(tiny_con, "dealer_a", PW, client="10.0.0.9", now=t0 + dt.timedelta(minutes=17))
    actions = [r[0] for r in store.fetchall(tiny_con, "SELECT action FROM audit_log ORDER BY \"at\"")]
    assert actions.count("signin.fail") == 6 and "signin.throttled" in actions and actions[-1] == "signin.ok"


def test_unknown_and_existing_users_get_the_same_answers(tiny_con):
    """Same message, same throttle: the form tells a stranger nothing about which names exist."""
    auth.create_user(tiny_con, "boss", PW, "admin")
    t0 = dt.datetime(2026, 1, 1, 9, 0)

    def answers(name, client):
        out = []
        for _ in range(auth.MAX_FAILURES + 1):
            with pytest.raises(auth.AuthError) as e:
                auth.sign_in(tiny_con, name, "guess", client=client, now=t0)
            out.append(str(e.value))
        return out

    known, unknown = answers("boss", "10.0.0.1"), answers("nobody", "10.0.0.2")
    assert known == unknown
    assert known[0] == "wrong user name or password" and "try again in 15 min" in known[-1]
    assert store.scalar(tiny_con, "SELECT count(*) FROM signin_throttle WHERE blocked_until IS NOT NULL") == 2


def test_user_names_are_unique_regardless_of_case_and_width(tiny_con):
    auth.create_user(tiny_con, "Boss", PW, "admin")
    for twin in ("boss", "BOSS", "ｂｏｓｓ", " Boss "):
        with pytest.raises(auth.AuthError, match="already exists"):
            auth.create_user(tiny_con, twin, PW, "admin")
    assert auth.sign_in(tiny_con, "ＢＯＳＳ", PW, client="x").username == "Boss"
    assert auth.get_user(tiny_con, "boss").username == "Boss"
    auth.set_password(tiny_con, "BOSS", "another pass 2")
    assert auth.sign_in(tiny_con, "boss", "another pass 2", client="x").username == "Boss"


def test_user_messages_speak_the_users_language(tiny_con):
    with pytest.raises(auth.AuthError) as e:
        auth.create_user(tiny_con, "x", "short", "admin")
    assert str(e.value) == "the password must have at least 8 characters"
    assert e.value.message("zh") == "密码至少需要 8 个字符。"


def test_role_needs_its_grants_and_last_admin_stays(tiny_con):
    with pytest.raises(auth.AuthError, match="needs at least one store"):
        auth.create_user(tiny_con, "x", PW, "store_operator", [])
    with pytest.raises(auth.AuthError, match="at least 8 characters"):
        auth.create_user(tiny_con, "x", "short", "admin")
    auth.create_user(tiny_con, "boss", PW, "admin")
    with pytest.raises(auth.AuthError, match="last admin"):
        auth.delete_user(tiny_con, "boss")
    with pytest.raises(auth.AuthError, match="last admin"):
        auth.update_user(tiny_con, "boss", "brand_manager", ["云裳"])


@pytest.mark.parametrize("role,grants,expected", [
    # hand-worked from conftest: S2 = O4 300 + O5 80; S3 = O6 120 + O7 150; 云裳 = S3; 星河 = D1: O5 80 + O8 250
    ("store_operator", ["S2"], {"gmv": 380.0, "live_sessions": 1}),  # L2
    ("store_operator", ["S3"], {"gmv": 270.0, "live_sessions": 1}),  # L3
    ("brand_manager", ["云裳"], {"gmv": 270.0, "live_sessions": 1}),
    ("brand_manager", ["山野茶"], {"gmv": 980.0, "live_sessions": 2}),  # S1+S2; L1, L2 (L4's D1 has no store)
    ("agency_operator", ["星河"], {"gmv": 330.0, "live_sessions": 1}),  # L4
    ("admin", [], {"gmv": 1250.0, "live_sessions": 4}),
])
def test_each_role_sees_only_its_scope(tiny_con, role, grants, expected):
    user = auth.create_user(tiny_con, f"u_{role}", PW, role, grants)
    q = query.Query.make(["gmv", "live_sessions"], period=JUNE, scope=user.scope)
    assert query.run(tiny_con, q).row(0, named=True) == expected


def test_tampered_filters_cannot_widen_a_scope(tiny_con):
    dealer_b = auth.create_user(tiny_con, "dealer_b", PW, "store_operator", ["S3"])
    q = query.Query.make(["gmv"], ["store"], JUNE, filters={"store": ["S2", "S1"]}, scope=dealer_b.scope)
    assert query.run(tiny_con, q).height == 0
    q = query.Query.make(["gmv"], ["store"], JUNE, filters={"store": ["S3' OR '1'='1"]}, scope=dealer_b.scope)
    assert query.run(tiny_con, q).height == 0


def test_cli_user_and_scoped_query(tiny_db):
    def run(*args, stdin=None):
        return clirun.cockpit(*args, stdin=stdin)  # a real process (in this one for its own chDB folder)

    r = run("user", "add", "boss", "--db", tiny_db, "--password-stdin", stdin=PW + "\n")
    assert r.returncode == 2 and "--role is required" in r.stderr  # no silent admin
    r = run("user", "add", "小王", "--db", tiny_db, "--role", "brand_manager", "--store", "S1", "--password-stdin",
            stdin=PW + "\n")
    assert r.returncode == 2 and "--store does not fit the role brand_manager" in r.stderr  # no silent drop
    r = run("user", "add", "boss", "--db", tiny_db, "--role", "admin", "--brand", "山野茶", "--password-stdin",
            stdin=PW + "\n")
    assert r.returncode == 2 and "an admin sees everything" in r.stderr
    assert run("user", "list", "--db", tiny_db).stdout.startswith("no users")
    r = run("user", "add", "boss", "--db", tiny_db, "--role", "admin", "--password-stdin", stdin=PW + "\n")
    assert r.returncode == 0 and "sign-in is now required" in r.stdout
    r = run("user", "add", "dealer_b", "--db", tiny_db, "--role", "store_operator", "--store", "S3",
            "--password-stdin", stdin=PW + "\n")
    assert r.returncode == 0, r.stderr
    r = run("query", "--db", tiny_db, "--metrics", "gmv", "--by", "store", "--from", "2025-06-01",
            "--to", "2025-06-30", "--user", "dealer_b", "--format", "json")
    assert r.returncode == 0 and r.stdout.count('"store"') == 1 and '"S3"' in r.stdout
    r = run("user", "add", "x", "--db", tiny_db, "--role", "store_operator", "--password-stdin", stdin=PW + "\n")
    assert r.returncode == 2 and "needs at least one store" in r.stderr
    r = run("query", "--db", tiny_db, "--metrics", "gmv", "--user", "ghost")
    assert r.returncode == 2 and "no user 'ghost'" in r.stderr


@pytest.mark.engines("duckdb")  # (the same check on chDB: tests/test_service_engines.py serves one)
def test_serve_refuses_network_binding_without_sign_in(tiny_db):
    r = subprocess.run([sys.executable, "-m", "cockpit.cli", "serve", "--db", str(tiny_db), "--address", "0.0.0.0"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "without sign-in" in r.stderr
