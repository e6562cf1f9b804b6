"""API tokens: how a script, Excel's Power Query or another tool signs in to the HTTP API.

A token belongs to a user and sees exactly that user's data scope.  It is shown once
when created (``ck_<id>_<secret>``); only the secret's SHA-256 is kept, so a copy of the
database does not leak working tokens.  (A token's secret is 256 random bits: a slow
password hash would add nothing but latency to every call.)
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from cockpit import auth, clock, store

PREFIX = "ck_"


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def add(con, username: str, label: str | None = None, by: str = "local") -> tuple[str, str]:
    """A new token for ``username``; returns (token id, the whole token to show once)."""
    user = auth.get_user(con, username)
    if user is None:
        raise auth.AuthError("auth.err.no_user", name=username)
    token_id = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    con.execute("INSERT INTO api_tokens (token_id, username, secret_hash, label, created_at) VALUES (?, ?, ?, ?, ?)",
                [token_id, user.username, _hash(secret), label, clock.now()])
    auth.audit(con, by, "token.add", f"{token_id} for {user.username}")
    return token_id, f"{PREFIX}{token_id}_{secret}"


def list_tokens(con, username: str | None = None) -> list[tuple]:
    """(id, user, label, created, last used, revoked) per token, newest first."""
    return store.fetchall(
        con, "SELECT token_id, username, label, created_at, last_used, revoked_at FROM api_tokens "
             "WHERE ? IS NULL OR username = ? ORDER BY created_at DESC", [username, username])


def revoke(con, token_id: str, by: str = "local") -> None:
    rows = store.fetchall(con, "SELECT username FROM api_tokens WHERE token_id = ? AND revoked_at IS NULL", [token_id])
    if rows:
        con.execute("UPDATE api_tokens SET revoked_at = ? WHERE token_id = ? AND revoked_at IS NULL",
                    [clock.now(), token_id])
    if not rows:
        raise auth.AuthError("auth.err.no_token", token=token_id)
    auth.audit(con, by, "token.revoke", f"{token_id} of {rows[0][0]}")


def resolve(con, token: str | None) -> auth.User | None:
    """The user behind a presented token, or None (malformed, unknown, revoked, user gone)."""
    if not token or not token.startswith(PREFIX) or token.count("_") < 2:
        return None
    token_id, _, secret = token[len(PREFIX):].partition("_")
    rows = store.fetchall(con, "SELECT username, secret_hash FROM api_tokens WHERE token_id = ? AND revoked_at IS NULL",
                          [token_id])
    if not rows or not hmac.compare_digest(rows[0][1], _hash(secret)):
        return None
    user = auth.get_user(con, rows[0][0])
    if user is not None:
        con.execute("UPDATE api_tokens SET last_used = ? WHERE token_id = ?", [clock.now(), token_id])
    return user
