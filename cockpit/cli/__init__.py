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
    "cockpit.cli.users",     # user
    "cockpit.cli.serve",     # serve
    "cockpit.cli.push",      # channel, alert, report
)


def build_parser() -> argparse.ArgumentParser:
    import importlib

    p = argparse.ArgumentParser(
        prog="cockpit", description="Brand Cockpit (品牌驾驶舱): a brand group's stores and accounts as one business"
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (UsageError, store.StoreError, ValueError, KeyError) as e:
        print(f"cockpit {args.command}: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; nothing half-written was kept", file=sys.stderr)
        return 130
