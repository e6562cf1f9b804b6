"""Users, roles, data scopes, sign-in and the audit log.

A group's sales are business secrets: a store operator sees only their stores, one
dealer never sees another's.  Scopes become the ``scope`` of every Query (see
cockpit.query), so pages, drill-downs, exports and the CLI are all limited below the UI.

Passwords are hashed with argon2id (argon2-cffi).  Repeated failures lock the account
for a while, doubling each time.  A fresh install has no users and runs in single-user
local mode; creating the first admin switches sign-in on for every page.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from cockpit import clock, store

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
MAX_FAILURES = 5  # failures before the account locks
LOCK_MINUTES = 15  # first lock; each further failure while counting doubles it
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
    """CREATE TABLE IF NOT EXISTS audit_log (
        "at" TIMESTAMP NOT NULL,
        username VARCHAR,
        action VARCHAR NOT NULL,
        detail VARCHAR
    )""",
]

_hasher = PasswordHasher()


class AuthError(Exception):
    """Sign-in or user-management failure; the message is safe to show."""


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


def init(con: duckdb.DuckDBPyConnection) -> None:
    for stmt in AUTH_DDL:
        con.execute(stmt)


def audit(con, username: str | None, action: str, detail: str = "") -> None:
    con.execute("INSERT INTO audit_log VALUES (?, ?, ?, ?)", [clock.now(), username, action, detail])


def sign_in_required(con) -> bool:
    """Sign-in is on once any admin exists (the first admin switches it on)."""
    return bool(store.scalar(con, "SELECT EXISTS (SELECT 1 FROM users WHERE role = 'admin' AND NOT disabled)"))


def _check_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise AuthError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")


def _check_role(role: str, grants) -> None:
    if role not in ROLES:
        raise AuthError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    if ROLES[role] is not None and not grants:
        raise AuthError(f"a {role} needs at least one {ROLES[role]} to see")


def create_user(con, username: str, password: str, role: str, grants=(), display_name=None, by="local") -> User:
    username = (username or "").strip()
    if not username:
        raise AuthError("a user needs a name")
    _check_role(role, grants)
    _check_password(password)
    if store.scalar(con, "SELECT count(*) FROM users WHERE username = ?", [username]):
        raise AuthError(f"user {username!r} already exists")
    with store.transaction(con):
        con.execute(
            "INSERT INTO users (username, display_name, role, password_hash, created_at) VALUES (?, ?, ?, ?, ?)",
            [username, display_name, role, _hasher.hash(password), clock.now()],
        )
        _write_grants(con, username, role, grants)
        audit(con, by, "user.create", f"{username}: {role}" + (f" ({', '.join(grants)})" if grants else ""))
    return get_user(con, username)


def _write_grants(con, username: str, role: str, grants) -> None:
    con.execute("DELETE FROM user_scopes WHERE username = ?", [username])
    dim = ROLES[role]
    if dim is not None:
        for v in dict.fromkeys(grants):
            con.execute("INSERT INTO user_scopes VALUES (?, ?, ?)", [username, dim, v])


def update_user(con, username: str, role: str, grants=(), display_name=None, disabled=False, by="local") -> User:
    _check_role(role, grants)
    if get_user(con, username) is None:
        raise AuthError(f"there is no user {username!r}")
    if not disabled and role == "admin":
        pass
    elif _is_last_admin(con, username):
        raise AuthError("this is the last admin: make another admin first")
    with store.transaction(con):
        con.execute("UPDATE users SET role = ?, display_name = ?, disabled = ? WHERE username = ?",
                    [role, display_name, disabled, username])
        _write_grants(con, username, role, grants)
        audit(con, by, "scope.change", f"{username}: {role}" + (f" ({', '.join(grants)})" if grants else "")
              + (" disabled" if disabled else ""))
    return get_user(con, username)


def _is_last_admin(con, username: str) -> bool:
    admins = [r[0] for r in store.fetchall(con, "SELECT username FROM users WHERE role = 'admin' AND NOT disabled")]
    return admins == [username]


def delete_user(con, username: str, by="local") -> None:
    if _is_last_admin(con, username):
        raise AuthError("this is the last admin: make another admin first")
    con.execute("DELETE FROM user_scopes WHERE username = ?", [username])
    con.execute("DELETE FROM users WHERE username = ?", [username])
    audit(con, by, "user.delete", username)


def set_password(con, username: str, password: str, by="local") -> None:
    _check_password(password)
    if get_user(con, username) is None:
        raise AuthError(f"there is no user {username!r}")
    con.execute("UPDATE users SET password_hash = ?, failed_attempts = 0, locked_until = NULL WHERE username = ?",
                [_hasher.hash(password), username])
    audit(con, by, "user.password", username)


def get_user(con, username: str) -> User | None:
    rows = store.fetchall(con, "SELECT username, role, display_name FROM users WHERE username = ? AND NOT disabled",
                          [username])
    if not rows:
        return None
    grants = tuple(r[0] for r in store.fetchall(
        con, "SELECT value FROM user_scopes WHERE username = ? ORDER BY value", [username]))
    u, role, name = rows[0]
    return User(u, role, name, grants)


def list_users(con) -> list[tuple]:
    return store.fetchall(
        con,
        "SELECT u.username, u.display_name, u.role, u.disabled, u.last_login, u.locked_until, "
        "string_agg(s.value, ', ' ORDER BY s.value) FROM users u LEFT JOIN user_scopes s USING (username) "
        "GROUP BY ALL ORDER BY u.username",
    )


def sign_in(con, username: str, password: str, now: dt.datetime | None = None) -> User:
    """Check a password; count failures and lock after MAX_FAILURES.

    The message never says whether the user exists.
    """
    now = now or clock.now()
    rows = store.fetchall(
        con, "SELECT password_hash, failed_attempts, locked_until, disabled FROM users WHERE username = ?",
        [username],
    )
    if not rows or rows[0][3]:
        _hasher.hash(password or "x")  # same work as a real check: no user-name probing by timing
        audit(con, username, "signin.fail", "unknown user")
        raise AuthError("wrong user name or password")
    pw_hash, failures, locked_until, _ = rows[0]
    if locked_until is not None and locked_until > now:
        minutes = max(1, int((locked_until - now).total_seconds() // 60) + 1)
        audit(con, username, "signin.locked", "")
        raise AuthError(f"too many failed sign-ins: try again in {minutes} min or ask an admin to reset the password")
    try:
        _hasher.verify(pw_hash, password or "")
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        failures = (failures or 0) + 1
        lock = None
        if failures >= MAX_FAILURES:
            lock = now + dt.timedelta(minutes=LOCK_MINUTES * 2 ** (failures - MAX_FAILURES))
        con.execute("UPDATE users SET failed_attempts = ?, locked_until = ? WHERE username = ?",
                    [failures, lock, username])
        audit(con, username, "signin.fail", f"attempt {failures}")
        if lock is not None:
            raise AuthError(f"too many failed sign-ins: locked for {int((lock - now).total_seconds() // 60)} min")
        raise AuthError("wrong user name or password")
    con.execute("UPDATE users SET failed_attempts = 0, locked_until = NULL, last_login = ? WHERE username = ?",
                [now, username])
    audit(con, username, "signin.ok", "")
    return get_user(con, username)


def session_expired(last_seen: dt.datetime | None, now: dt.datetime | None = None,
                    timeout_minutes: int = SESSION_TIMEOUT_MINUTES) -> bool:
    if last_seen is None:
        return True
    return (now or clock.now()) - last_seen > dt.timedelta(minutes=timeout_minutes)


def is_local_address(address: str) -> bool:
    return address in ("localhost", "127.0.0.1", "::1")
