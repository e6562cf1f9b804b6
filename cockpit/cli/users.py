"""`cockpit user`: users, roles and data scopes."""

from __future__ import annotations

import sys

from cockpit import clock, store
from cockpit.cli.common import csv_list, db_arg
from cockpit.errors import UsageError


def _read_password(args, prompt="password: ") -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    import getpass

    first = getpass.getpass(prompt)
    if getpass.getpass("again: ") != first:
        raise UsageError("the two passwords differ")
    return first


def cmd_user(args) -> int:
    from cockpit import auth

    con = store.connect(args.db)
    try:
        if args.action == "list":
            rows = auth.list_users(con)
            if not rows:
                print("no users: the app runs in single-user local mode (localhost only, no sign-in)")
            for name, display, role, disabled, last, locked, grants in rows:
                state = "disabled" if disabled else ("locked" if locked and locked > clock.now() else "")
                print(f"{name:20s} {role:16s} {grants or '-':30s} {state}")
            return 0
        if not args.name:
            raise UsageError(f"`cockpit user {args.action}` needs a user name")
        if args.action == "add":
            grants = csv_list(args.brand) + csv_list(args.store) + csv_list(args.agency)
            first = not auth.sign_in_required(con)
            user = auth.create_user(con, args.name, _read_password(args), args.role, grants,
                                    display_name=args.display_name, by="cli")
            print(f"user {user.username} created as {user.role}" + (f" seeing {', '.join(user.grants)}" if user.grants else ""))
            if first and user.is_admin:
                print("sign-in is now required for every page")
        elif args.action == "passwd":
            auth.set_password(con, args.name, _read_password(args, "new password: "), by="cli")
            print(f"password of {args.name} reset; its failed sign-ins are cleared")
        elif args.action == "remove":
            auth.delete_user(con, args.name, by="cli")
            print(f"user {args.name} removed")
    except auth.AuthError as e:
        raise UsageError(str(e)) from None
    finally:
        con.close()
    return 0



def register(sub) -> None:
    u = sub.add_parser("user", help="users, roles and data scopes: add, passwd, remove, list")
    db_arg(u)
    u.add_argument("action", choices=["add", "passwd", "remove", "list"])
    u.add_argument("name", nargs="?")
    u.add_argument("--role", default="admin", choices=["admin", "brand_manager", "store_operator", "agency_operator"])
    u.add_argument("--brand", action="append", help="brand(s) a brand_manager sees")
    u.add_argument("--store", action="append", help="store id(s) a store_operator sees")
    u.add_argument("--agency", action="append", help="agency an agency_operator sees")
    u.add_argument("--display-name")
    u.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    u.set_defaults(func=cmd_user)
