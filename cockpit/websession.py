"""Browser sessions: the signed, HttpOnly cookie that keeps a user signed in.

Sign-in used to live in one browser tab's Streamlit session state, so a reload, a second
tab or a shared link asked for the password again.  A session is now a random token in
an HttpOnly cookie (scripts cannot read it), signed with a key kept in the database (a
forged or altered cookie is refused before any lookup), and looked up server-side (kept
hashed), so signing out, a password reset or removing the user ends it at once, in
every tab.  It ends after SESSION_TIMEOUT_MINUTES without use; a session issued for a
machine (a scheduled report's browser) also has a hard end.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from cockpit import auth, clock, store

COOKIE = "cockpit_session"
_KEY_META = "session_signing_key"
TOUCH_EVERY = dt.timedelta(seconds=60)  # last_seen is written at most this often per session


def _key(con) -> bytes:
    key = store.meta(con, _KEY_META)
    if key is None:
        key = store.meta_once(con, _KEY_META, secrets.token_hex(32))  # the first process's key, for every process
    return bytes.fromhex(key)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _sign(con, token: str) -> str:
    return hmac.new(_key(con), token.encode(), hashlib.sha256).hexdigest()[:32]


def issue(con, username: str, minutes: int | None = None, client: str = "") -> str:
    """Start a session for ``username``; return the cookie value.

    ``minutes`` gives the session a hard end (a report renderer's short-lived session);
    without it the session lives until SESSION_TIMEOUT_MINUTES without use or sign-out.
    """
    user = auth.get_user(con, username)
    if user is None:
        raise auth.AuthError("auth.err.no_user", name=username)
    token = secrets.token_urlsafe(32)
    now = clock.now()
    expires = now + dt.timedelta(minutes=minutes) if minutes else None
    con.execute("INSERT INTO web_sessions VALUES (?, ?, ?, ?, ?, ?)",
                [_hash(token), user.username, now, now, expires, client or None])
    return f"{token}.{_sign(con, token)}"


def _token(con, value: str | None) -> str | None:
    """The token of a well-signed cookie value, else None."""
    if not value or value.count(".") != 1:
        return None
    token, sig = value.split(".")
    if not token or not hmac.compare_digest(sig, _sign(con, token)):
        return None
    return token


def resolve(con, value: str | None, now: dt.datetime | None = None) -> auth.User | None:
    """The signed-in user behind a cookie value, or None (bad, ended, idle too long)."""
    token = _token(con, value)
    if token is None:
        return None
    now = now or clock.now()
    rows = store.fetchall(con, "SELECT username, last_seen, expires_at FROM web_sessions WHERE token_hash = ?",
                          [_hash(token)])
    if not rows:
        return None
    username, last_seen, expires = rows[0]
    idle = dt.timedelta(minutes=auth.SESSION_TIMEOUT_MINUTES)
    if (expires is not None and now >= expires) or now - last_seen > idle:
        con.execute("DELETE FROM web_sessions WHERE token_hash = ?", [_hash(token)])
        auth.audit(con, username, "signout.timeout", "")
        return None
    user = auth.get_user(con, username)
    if user is None:  # removed or disabled meanwhile
        con.execute("DELETE FROM web_sessions WHERE token_hash = ?", [_hash(token)])
        return None
    if now - last_seen >= TOUCH_EVERY:
        con.execute("UPDATE web_sessions SET last_seen = ? WHERE token_hash = ?", [now, _hash(token)])
    return user


def end(con, value: str | None) -> str | None:
    """Sign out: the session ends everywhere its cookie is (every tab); returns who it was."""
    token = _token(con, value)
    if token is None:
        return None
    rows = store.fetchall(con, "SELECT username FROM web_sessions WHERE token_hash = ?", [_hash(token)])
    con.execute("DELETE FROM web_sessions WHERE token_hash = ?", [_hash(token)])
    if rows:
        auth.audit(con, rows[0][0], "signout", "")
        return rows[0][0]
    return None


def prune(con, now: dt.datetime | None = None) -> int:
    """Drop sessions past their end or idle too long (the server's upkeep calls this)."""
    now = now or clock.now()
    idle_since = now - dt.timedelta(minutes=auth.SESSION_TIMEOUT_MINUTES)
    n = store.scalar(con, "SELECT count(*) FROM web_sessions WHERE last_seen < ? OR expires_at <= ?",
                     [idle_since, now])
    if n:
        con.execute("DELETE FROM web_sessions WHERE last_seen < ? OR expires_at <= ?", [idle_since, now])
    return int(n or 0)
