"""`cockpit`: the one command (SPEC section 5).

Each group of sub-commands lives in its own module with a ``register(sub)`` that adds
its parsers; this module only assembles them and turns user mistakes into one line on
stderr and exit code 2, never a stack dump.
"""

from __future__ import annotations

import argparse
import sys

from cockpit import store
from cockpit.errors import UsageError  # noqa: F401  (re-exported: cockpit.cli.UsageError)

# One line per module: each adds its own sub-commands.
COMMAND_MODULES = (
    "cockpit.cli.data",      # demo, import, feed
    "cockpit.cli.read",      # query, export
    "cockpit.cli.users",     # user, token
    "cockpit.cli.serve",     # serve
    "cockpit.cli.push",      # channel, alert, report
    "cockpit.cli.copy",      # copy
)


def version() -> str:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as dist_version

    try:
        return dist_version("brand-cockpit")
    except PackageNotFoundError:  # run from a checkout without installing
        return "0+unknown"


def build_parser() -> argparse.ArgumentParser:
    import importlib

    p = argparse.ArgumentParser(
        prog="cockpit", description="Brand Cockpit (品牌驾驶舱): a brand group's stores and accounts as one business"
    )
    p.add_argument("--version", action="version", version=f"cockpit {version()}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return p


def main(argv: list[str] | None = None, handed_over: bool = False) -> int:
    """Run one command.  A command that finds the database held by the running app is
    handed to that app and prints what it answered (cockpit.service.handover), unless
    this already is the app's run of a handed-over command."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        try:
            return args.func(args)
        except store.DatabaseInUse:
            if handed_over:
                raise
            return _hand_over(argv, args)
    except (UsageError, store.StoreError, ValueError, KeyError) as e:
        print(f"cockpit {args.command}: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; nothing half-written was kept", file=sys.stderr)
        return 130


def _hand_over(argv: list[str], args) -> int:
    from cockpit.service import handover

    db = store.resolve_db_path(getattr(args, "db", None))
    stdin_text = ""
    prepare = getattr(args, "before_handover", None)
    if prepare is not None:  # e.g. ask for a password here, where the terminal is
        argv, stdin_text = prepare(args, argv)
    elif not sys.stdin.isatty() and "--password-stdin" in argv:
        stdin_text = sys.stdin.read()
    code = handover.forward(argv, db, stdin_text)
    if code is None:
        raise store.StoreError(f"database {db} is in use by another process, and no running cockpit app "
                               "serves it: close that process and retry")
    return code
