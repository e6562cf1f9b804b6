"""`cockpit ARGS` as a user runs it, for tests: a real process.

A chDB folder is one process's at a time, and the test process hosts the chDB folder of
its in-process tests: a command on a database there runs through the same entry
(cockpit.cli.main) inside this process instead, output captured the same way."""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys
from types import SimpleNamespace


def _hosted_here(args) -> bool:
    from cockpit.engine import clickhouse_engine

    db = next((a for a in (args[i + 1] for i, x in enumerate(args[:-1]) if x == "--db")), None)
    if db is None or not str(db).startswith("chdb://"):
        return False
    from cockpit import store

    path = store.url_of(str(db)).path
    return path is not None and str(path.resolve()) in clickhouse_engine._chdb_open


def cockpit(*args, stdin: str | None = None, timeout: int = 120):
    args = [str(a) for a in args]
    if not _hosted_here(args):
        return subprocess.run([sys.executable, "-m", "cockpit.cli", *args], input=stdin, capture_output=True,
                              text=True, timeout=timeout)
    from unittest import mock

    from cockpit import cli

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), \
            mock.patch.object(sys, "stdin", io.StringIO(stdin or "")):
        try:
            code = cli.main(args)
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else 2
    return SimpleNamespace(returncode=code, stdout=out.getvalue(), stderr=err.getvalue())
