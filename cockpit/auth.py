"""Users, roles, data scopes, sign-in and the audit log.

A group's sales are business secrets: a store operator sees only their stores, one
dealer never sees another's.  Scopes become the ``scope`` of every Query (see
cockpit.query), so pages, drill-downs, exports and the CLI are all limited below the UI.

Passwords are hashed with argon2id (argon2-cffi).  Repeated failed sign-ins are throttled
per client address, not per account: a lock on a named account would tell a stranger
which names exist and let anyone lock out the only admin.  User names are unique
regardless of case and width (``Admin``, ``admin`` and ``ａｄｍｉｎ`` are one user).  A
fresh install has no users and runs in single-user local mode; creating the first admin
switches sign-in on for every page.
"""

from __future__ import annotations

import datetime as dt
import math
import unicodedata
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from cockpit import clock, i18n, store
from cockpit.engine import Database

ROLES = {
    # role -> the scope dimension it is granted on (None: everything)
    "admin": None,
    "brand_manager": "brand",
    "store_operator": "store",
    "agency_operator": "agency",
}
ROLE_LABELS = {
    "admin": ("管理员", "Admin"),
    "brand_manager": ("品牌经理", "Brand manager"),
    "store_operator": ("店铺运营", "Store operator"),
    "agency_operator": ("机构运营", "Agency operator"),
}
MAX_FAILURES = 5  # failed sign-ins from one client address before it must wait
LOCK_MINUTES = 15  # first wait; each further failure while counting doubles it
FAILURE_MEMORY_HOURS = 24  # a client's failures are forgotten after this long without one
SESSION_TIMEOUT_MINUTES = 60
MIN_PASSWORD_LENGTH = 8

AUTH_DDL = [
    """CREATE TABLE IF NOT EXISTS users (
        username VARCHAR PRIMARY KEY,
        display_name VARCHAR,
        role VARCHAR NOT NULL CHECK (role IN ('admin', 'brand_manager', 'store_operator', 'agency_operator')),
        password_hash VARCHAR,
        created_at TIMESTAMP,
        disabled BOOLEAN DEFAULT false,
        failed_attempts INTEGER DEFAULT 0,
        locked_until TIMESTAMP,
        last_login TIMESTAMP
    )""",
    """CREATE TABLE IF NOT EXISTS user_scopes (
        username VARCHAR NOT NULL,
        dim VARCHAR NOT NULL CHECK (dim IN ('brand', 'store', 'agency')),
        value VARCHAR NOT NULL
    )""",
    # failed sign-ins per client address (the throttle), never per account
    """CREATE TABLE IF NOT EXISTS signin_throttle (
        client VARCHAR PRIMARY KEY,
        failures INTEGER NOT NULL,
        last_failure TIMESTAMP NOT NULL,
        blocked_until TIMESTAMP
    )""",
    # browser sessions behind the HttpOnly cookie (cockpit.websession); the token is kept hashed
    """CREATE TABLE IF NOT EXISTS web_sessions (
        token_hash VARCHAR PRIMARY KEY,
        username VARCHAR NOT NULL,
        created_at TIMESTAMP NOT NULL,
        last_seen TIMESTAMP NOT NULL,
        expires_at TIMESTAMP,
        client VARCHAR
    )""",
    # HTTP API tokens (cockpit.tokens); the secret is kept hashed and shown once
    """CREATE TABLE IF NOT EXISTS api_tokens (
        token_id VARCHAR PRIMARY KEY,
        username VARCHAR NOT NULL,
        secret_hash VARCHAR NOT NULL,
        label VARCHAR,
        created_at TIMESTAMP NOT NULL,
        last_used TIMESTAMP,
        revoked_at TIMESTAMP
    )""",
    """CREATE TABLE IF NOT EXISTS audit_log (
        "at" TIMESTAMP NOT NULL,
        username VARCHAR,
        action VARCHAR NOT NULL,
        detail VARCHAR
    )""",
]

_hasher = PasswordHasher()


class AuthError(Exception):
    """Sign-in or user-management failure; the message is safe to show.

    Raised with a catalogue key (``auth.err.*`` in cockpit.i18n) so each face says it in
    its user's language: ``message(lang)``; ``str()`` is the English text (CLI, logs).
    """

    def __init__(self, key: str, **kw):
        self.key, self.kw = key, kw
        super().__init__(self.message("en"))

    def message(self, lang: str = "zh") -> str:
        return i18n.t(self.key, lang, **self.kw)


def name_key(username: str) -> str:
    """The identity of a user name: width and case folded (NFKC, casefold), spaces trimmed."""
    return unicodedata.normalize("NFKC", username or "").strip().casefold()


@dataclass(frozen=True)
class User:
    username: str
    role: str
    display_name: str | None = None
    grants: tuple[str, ...] = ()  # values on the role's scope dimension

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def scope(self):
        """The Query.scope for this user: None (everything) or ((dim, values),)."""
        dim = ROLES[self.role]
        if dim is None:
            return None
        return ((dim, tuple(self.grants)),)


LOCAL_USER = User("local", "admin", "本机 / local")


def init(con: Database) -> None:
    for stmt in AUTH_DDL:
        con.execute(stmt)
    _upgrade(con)


def _upgrade(con: Database) -> None:
    # user names became unique regardless of case and width: a key column, filled for
    # files written before it (names that collide after folding keep working by exact name)
    con.execute("ALTER TABLE users ADD COLUMN IF NOT EXISTS username_key VARCHAR")
    for (name,) in store.fetchall(con, "SELECT username FROM users WHERE username_key IS NULL"):
        con.execute("UPDATE users SET username_key = ? WHERE username = ?", [name_key(name), name])


# users, scopes, sessions, tokens and the audit log live in the cockpit's database
store.register(store.Part("auth", ddl=tuple(AUTH_DDL), ensure=_upgrade, order=5))


def audit(con, username: str | None, action: str, detail: str = "") -> None:
    con.execute("INSERT INTO audit_log VALUES (?, ?, ?, ?)", [clock.now(), username, action, detail])


def sign_in_required(con) -> bool:
    """Sign-in is on once any admin exists (the first admin switches it on)."""
    return bool(store.scalar(con, "SELECT EXISTS (SELECT 1 FROM users WHERE role = 'admin' AND NOT disabled)"))


def _check_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise AuthError("auth.err.short_password", n=MIN_PASSWORD_LENGTH)


def _check_role(role: str, grants) -> None:
    if role not in ROLES:
        raise AuthError("auth.err.unknown_role", role=role, roles=", ".join(ROLES))
    if ROLES[role] is not None and not grants:
        raise AuthError(f"auth.err.needs_{ROLES[role]}", role=role)


def create_user(con, username: str, password: str, role: str, grants=(), display_name=None, by="local") -> User:
    username = unicodedata.normalize("NFKC", username or "").strip()
    if not username:
        raise AuthError("auth.err.no_name")
    _check_role(role, grants)
    _check_password(password)
    taken = store.scalar(con, "SELECT username FROM users WHERE username_key = ?", [name_key(username)])
    if taken is not None:
        raise AuthError("auth.err.exists", name=username, other=taken)
    with store.transaction(con):
        con.execute(
            "INSERT INTO users (username, username_key, display_name, role, password_hash, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [username, name_key(username), display_name, role, _hasher.hash(password), clock.now()],
        )
        _write_grants(con, username, role, grants)
        audit(con, by, "user.create", f"{username} as {role}{_grants_text(grants)}")
    return get_user(con, username)


def _grants_text(grants) -> str:
    return f": {', '.join(dict.fromkeys(grants))}" if grants else ""


def _write_grants(con, username: str, role: str, grants) -> None:
    con.execute("DELETE FROM user_scopes WHERE username = ?", [username])
    dim = ROLES[role]
    if dim is not None:
        for v in dict.fromkeys(grants):
            con.execute("INSERT INTO user_scopes VALUES (?, ?, ?)", [username, dim, v])


def update_user(con, username: str, role: str, grants=(), display_name=None, disabled=False, by="local") -> User:
    _check_role(role, grants)
    username = _existing_name(con, username)
    if not disabled and role == "admin":
        pass
    elif _is_last_admin(con, username):
        raise AuthError("auth.err.last_admin")
    with store.transaction(con):
        con.execute("UPDATE users SET role = ?, display_name = ?, disabled = ? WHERE username = ?",
                    [role, display_name, disabled, username])
        _write_grants(con, username, role, grants)
        if disabled:
            con.execute("DELETE FROM web_sessions WHERE username = ?", [username])
        audit(con, by, "scope.change", f"{username}: {role}{_grants_text(grants)}{' (disabled)' if disabled else ''}")
    return get_user(con, username)


def _existing_name(con, username: str) -> str:
    """The stored spelling of a user name given in any case or width; AuthError if none."""
    rows = store.fetchall(con, "SELECT username FROM users WHERE username = ? OR username_key = ? "
                               "ORDER BY username = ? DESC LIMIT 1", [username, name_key(username), username])
    if not rows:
        raise AuthError("auth.err.no_user", name=username)
    return rows[0][0]


def _is_last_admin(con, username: str) -> bool:
    admins = [r[0] for r in store.fetchall(con, "SELECT username FROM users WHERE role = 'admin' AND NOT disabled")]
    return admins == [username]


def delete_user(con, username: str, by="local") -> None:
    username = _existing_name(con, username)
    if _is_last_admin(con, username):
        raise AuthError("auth.err.last_admin")
    with store.transaction(con):
        for table in ("user_scopes", "web_sessions", "api_tokens", "users"):
            con.execute(f"DELETE FROM {table} WHERE username = ?", [username])
        audit(con, by, "user.delete", username)


def set_password(con, username: str, password: str, by="local") -> None:
    """New password; the user's browser sessions end (a reset is what one does after a leak)."""
    _check_password(password)
    username = _existing_name(con, username)
    with store.transaction(con):
        con.execute("UPDATE users SET password_hash = ? WHERE username = ?", [_hasher.hash(password), username])
        con.execute("DELETE FROM web_sessions WHERE username = ?", [username])
        audit(con, by, "user.password", username)


def get_user(con, username: str) -> User | None:
    """An enabled user by name (any case or width), or None."""
    rows = store.fetchall(con, "SELECT username, role, display_name FROM users "
                               "WHERE (username = ? OR username_key = ?) AND NOT disabled "
                               "ORDER BY username = ? DESC LIMIT 1",
                          [username, name_key(username), username])
    if not rows:
        return None
    u, role, name = rows[0]
    grants = tuple(r[0] for r in store.fetchall(
        con, "SELECT value FROM user_scopes WHERE username = ? ORDER BY value", [u]))
    return User(u, role, name, grants)


def list_users(con) -> list[tuple]:
    """(username, display name, role, disabled, last login, locked until, scopes "a, b")."""
    scopes: dict[str, list[str]] = {}
    for name, value in store.fetchall(con, "SELECT username, value FROM user_scopes ORDER BY username, value"):
        scopes.setdefault(name, []).append(value)
    users = store.fetchall(con, "SELECT username, display_name, role, disabled, last_login, locked_until FROM users "
                                "ORDER BY username")
    return [(*u, ", ".join(scopes[u[0]]) if u[0] in scopes else None) for u in users]


def sign_in(con, username: str, password: str, client: str = "", now: dt.datetime | None = None) -> User:
    """Check a password; throttle the client address after MAX_FAILURES failures.

    Unknown and existing users get the same answer, the same work (an argon2 hash either
    way) and the same throttle, so the form tells nobody which names exist, and no
    stranger can lock a named account: only their own address waits.
    """
    now = now or clock.now()
    client = client or "?"
    wait = _blocked_minutes(con, client, now)
    if wait:
        audit(con, None, "signin.throttled", f"client {client}")
        raise AuthError("auth.err.throttled", minutes=wait)
    rows = store.fetchall(
        con, "SELECT username, password_hash FROM users WHERE (username = ? OR username_key = ?) AND NOT disabled "
             "ORDER BY username = ? DESC LIMIT 1",
        [username or "", name_key(username), username or ""],
    )
    ok = False
    if rows:
        try:
            ok = _hasher.verify(rows[0][1], password or "")
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            ok = False
    else:
        _hasher.hash(password or "x")  # same work as a real check: no user-name probing by timing
    if not ok:
        wait = _count_failure(con, client, now)
        audit(con, None, "signin.fail", f"client {client}")  # the typed name is not a user: not logged as one
        if wait:
            raise AuthError("auth.err.throttled", minutes=wait)
        raise AuthError("auth.err.wrong")
    name = rows[0][0]
    con.execute("DELETE FROM signin_throttle WHERE client = ?", [client])
    con.execute("UPDATE users SET last_login = ? WHERE username = ?", [now, name])
    audit(con, name, "signin.ok", f"client {client}")
    return get_user(con, name)


def _blocked_minutes(con, client: str, now: dt.datetime) -> int:
    until = store.scalar(con, "SELECT blocked_until FROM signin_throttle WHERE client = ?", [client])
    if until is None or until <= now:
        return 0
    return max(1, math.ceil((until - now).total_seconds() / 60))


def _count_failure(con, client: str, now: dt.datetime) -> int:
    """Record a failure; return the minutes the client must now wait (0: not yet)."""
    rows = store.fetchall(con, "SELECT failures, last_failure FROM signin_throttle WHERE client = ?", [client])
    failures = 1
    if rows and now - rows[0][1] < dt.timedelta(hours=FAILURE_MEMORY_HOURS):
        failures = rows[0][0] + 1
    until = None
    if failures >= MAX_FAILURES:
        until = now + dt.timedelta(minutes=LOCK_MINUTES * 2 ** (failures - MAX_FAILURES))
    con.execute("DELETE FROM signin_throttle WHERE client = ?", [client])  # one row per client, on every engine
    con.execute("INSERT INTO signin_throttle VALUES (?, ?, ?, ?)", [client, failures, now, until])
    return _blocked_minutes(con, client, now) if until else 0


def unblock(con, client: str | None = None, by: str = "local") -> int:
    """Admin: clear the sign-in throttle of one client address (or all); returns how many."""
    n = store.scalar(con, "SELECT count(*) FROM signin_throttle WHERE blocked_until IS NOT NULL "
                          "AND (? IS NULL OR client = ?)", [client, client])
    con.execute("DELETE FROM signin_throttle WHERE ? IS NULL OR client = ?", [client, client])
    audit(con, by, "signin.unblock", client or "all")
    return n


def session_expired(last_seen: dt.datetime | None, now: dt.datetime | None = None,
                    timeout_minutes: int = SESSION_TIMEOUT_MINUTES) -> bool:
    if last_seen is None:
        return True
    return (now or clock.now()) - last_seen > dt.timedelta(minutes=timeout_minutes)


def is_local_address(address: str) -> bool:
    return address in ("localhost", "127.0.0.1", "::1")
