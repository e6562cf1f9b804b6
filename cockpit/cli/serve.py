"""`cockpit serve`: the web app."""

from __future__ import annotations

from cockpit import store
from cockpit.cli.common import db_arg


def cmd_serve(args) -> int:
    from cockpit import server

    return server.serve(store.resolve_db_path(args.db), port=args.port, address=args.address)



def register(sub) -> None:
    s = sub.add_parser("serve", help="start the web app (builds the demo database if there is none)")
    db_arg(s)
    s.add_argument("--port", type=int, default=8501)
    s.add_argument("--address", default="localhost")
    s.set_defaults(func=cmd_serve)
