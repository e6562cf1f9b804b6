"""Argument helpers the command modules share."""

from __future__ import annotations

import argparse

from cockpit.errors import UsageError


def db_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", help="database file (default: $COCKPIT_DB or data/cockpit.duckdb)")


def csv_list(values: list[str] | None) -> list[str]:
    """Repeatable, comma-separated values as one list (`--by a,b --by c`)."""
    out: list[str] = []
    for v in values or []:
        out += [x.strip() for x in v.split(",") if x.strip()]
    return out


def scope_for(con, username: str | None):
    """--user NAME: answer as that user would see it (their data scope)."""
    if not username:
        return None
    from cockpit import auth

    user = auth.get_user(con, username)
    if user is None:
        raise UsageError(f"there is no user {username!r} (see `cockpit user list`)")
    return user.scope


