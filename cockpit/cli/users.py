"""`cockpit user` (users, roles and data scopes) and `cockpit token` (HTTP API tokens)."""

from __future__ import annotations

import contextlib
import sys

from cockpit import store
from cockpit.cli.common import csv_list, db_arg
from cockpit.errors import UsageError

ROLE_CHOICES = ["admin", "brand_manager", "store_operator", "agency_operator"]
GRANT_FLAGS = {"brand": "brand_manager", "store": "store_operator", "agency": "agency_operator"}


def _read_password(args, prompt="password: ") -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    import getpass

    try:
        first = getpass.getpass(prompt)
        if getpass.getpass("again: ") != first:
            raise UsageError("the two passwords differ")
    except EOFError:
        raise UsageError("no password given (for scripts: --password-stdin)") from None
    return first


def _password_here(args, argv: list[str]) -> tuple[list[str], str]:
    """Before a hand-over to the running app: ask for the password on this terminal."""
    if args.action not in ("add", "passwd"):
        return argv, ""
    if args.password_stdin:
        return argv, sys.stdin.readline()
    return [*argv, "--password-stdin"], _read_password(args) + "\n"


def _grants(args) -> list[str]:
    """The scope values for the role; a flag that does not fit the role is a mistake, not
    a grant to drop silently (`--store` for a brand manager)."""
    for flag, role in GRANT_FLAGS.items():
        if getattr(args, flag) and args.role != role:
            fits = f"--{flag} is for a {role}" + ("; an admin sees everything" if args.role == "admin" else "")
            raise UsageError(f"--{flag} does not fit the role {args.role}: {fits}")
    flag = next((f for f, r in GRANT_FLAGS.items() if r == args.role), None)
    return csv_list(getattr(args, flag)) if flag else []


@contextlib.contextmanager
def _users_db(args):
    """The database for a user or token command; AuthError becomes a one-line UsageError."""
    from cockpit import auth

    con = store.connect(args.db)
    try:
        yield con
    except auth.AuthError as e:
        raise UsageError(str(e)) from None
    finally:
        con.close()


def cmd_user(args) -> int:
    from cockpit import auth, clock

    if args.action == "add" and not args.role:
        raise UsageError("--role is required: admin, brand_manager (--brand), store_operator (--store) "
                         "or agency_operator (--agency)")
    if args.action == "add":
        grants = _grants(args)
    with _users_db(args) as con:
        if args.action == "list":
            rows = auth.list_users(con)
            if not rows:
                print("no users: the app runs in single-user local mode (localhost only, no sign-in)")
            for name, display, role, disabled, last, locked, grants_text in rows:
                state = "disabled" if disabled else ("locked" if locked and locked > clock.now() else "")
                print(f"{name:20s} {role:16s} {grants_text or '-':30s} {state}")
            return 0
        if args.action == "unblock":
            n = auth.unblock(con, args.name, by="cli")
            print(f"sign-in throttle cleared for {args.name or 'every address'} ({n} address(es) were waiting)")
            return 0
        if not args.name:
            raise UsageError(f"`cockpit user {args.action}` needs a user name")
        if args.action == "add":
            first = not auth.sign_in_required(con)
            user = auth.create_user(con, args.name, _read_password(args), args.role, grants,
                                    display_name=args.display_name, by="cli")
            print(f"user {user.username} created as {user.role}" + (f" seeing {', '.join(user.grants)}" if user.grants else ""))
            if first and user.is_admin:
                print("sign-in is now required for every page and for the HTTP API (tokens: `cockpit token add`)")
        elif args.action == "passwd":
            auth.set_password(con, args.name, _read_password(args, "new password: "), by="cli")
            print(f"password of {args.name} reset; their browser sessions have ended")
        elif args.action == "remove":
            auth.delete_user(con, args.name, by="cli")
            print(f"user {args.name} removed")
    return 0


def cmd_token(args) -> int:
    from cockpit import tokens

    with _users_db(args) as con:
        if args.action == "add":
            if not args.arg:
                raise UsageError("`cockpit token add USER` needs the user the token acts for")
            token_id, token = tokens.add(con, args.arg, label=args.label, by="cli")
            print(f"token {token_id} for {args.arg} (sees what {args.arg} sees). Copy it now, it is not shown again:")
            print(token)
        elif args.action == "list":
            rows = tokens.list_tokens(con, args.arg)
            if not rows:
                print("no API tokens")
            for token_id, user, label, created, used, revoked in rows:
                state = f"revoked {revoked:%Y-%m-%d %H:%M}" if revoked else (
                    f"last used {used:%Y-%m-%d %H:%M}" if used else "never used")
                print(f"{token_id:10s} {user:20s} {label or '-':20s} created {created:%Y-%m-%d %H:%M}  {state}")
        elif args.action == "revoke":
            if not args.arg:
                raise UsageError("`cockpit token revoke ID` needs a token id (see `cockpit token list`)")
            tokens.revoke(con, args.arg, by="cli")
            print(f"token {args.arg} revoked")
    return 0


def register(sub) -> None:
    u = sub.add_parser("user", help="users, roles and data scopes: add, passwd, remove, list; "
                                    "unblock [ADDRESS] clears the failed sign-in throttle")
    db_arg(u)
    u.add_argument("action", choices=["add", "passwd", "remove", "list", "unblock"])
    u.add_argument("name", nargs="?", help="user name (for unblock: a client address; none = all)")
    u.add_argument("--role", choices=ROLE_CHOICES, help="required on add")
    u.add_argument("--brand", action="append", help="brand(s) a brand_manager sees")
    u.add_argument("--store", action="append", help="store id(s) a store_operator sees")
    u.add_argument("--agency", action="append", help="agency an agency_operator sees")
    u.add_argument("--display-name")
    u.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    u.set_defaults(func=cmd_user, before_handover=_password_here)

    t = sub.add_parser("token", help="HTTP API tokens: add USER, list [USER], revoke ID")
    db_arg(t)
    t.add_argument("action", choices=["add", "list", "revoke"])
    t.add_argument("arg", nargs="?", metavar="USER|ID")
    t.add_argument("--label", help="what the token is for, e.g. 'Excel weekly report'")
    t.set_defaults(func=cmd_token)
