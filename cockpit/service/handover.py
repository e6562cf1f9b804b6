"""`cockpit` commands while the app runs: handed to the running app, answered there.

DuckDB lets one process hold the file, so with `cockpit serve` up a second process
cannot even read it.  Rather than fail ("database is in use"), a command that finds the
file held looks for the app's server file beside the database (cockpit.service.runtime:
URL, pid and a secret readable by the file's owner only), sends its arguments to the
app over loopback, and prints what the app's run of the very same command printed, with
its exit code.  Reads are answered through the app's connection and writes go through it,
so the output is the same as without the app.
"""

from __future__ import annotations

import contextlib
import hmac
import io
import json
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path

from cockpit.errors import UsageError

PATH = "/api/internal/cli"
SECRET_HEADER = "X-Cockpit-Secret"
PATH_OPTIONS = ("--out", "--db", "--inbox")  # resolved against the caller's folder, not the server's
TIMEOUT_SECONDS = 3600.0


def secret_matches(given: str | None, expected: str) -> bool:
    return bool(given) and hmac.compare_digest(given.encode(), expected.encode())


# ------------------------------------------------------------------ caller's side

def _absolute(value: str) -> str:
    """A path option's value from the caller's folder (a database URL: its path)."""
    if "://" in value:
        from cockpit import store

        return store.url_of(value).dsn
    return str(Path(value).expanduser().resolve())


def _absolute_paths(argv: list[str]) -> list[str]:
    out = []
    take = False
    for a in argv:
        if take:
            out.append(_absolute(a))
            take = False
            continue
        opt, eq, value = a.partition("=")
        if opt in PATH_OPTIONS and eq:
            out.append(f"{opt}={_absolute(value)}")
            continue
        take = a in PATH_OPTIONS
        out.append(a)
    return out


def forward(argv: list[str], db, stdin_text: str = "") -> int | None:
    """Run ``argv`` in the app serving ``db``; None when no app serves it."""
    from cockpit.service import runtime

    info = runtime.running_server(db)
    if info is None or not info.get("url"):
        return None
    argv = _absolute_paths(argv)
    if not any(a == "--db" or a.startswith("--db=") for a in argv):
        from cockpit import store

        argv = [argv[0], "--db", store.url_of(db).dsn, *argv[1:]]
    body = json.dumps({"argv": argv, "stdin": stdin_text}).encode()
    req = urllib.request.Request(info["url"].rstrip("/") + PATH, data=body, method="POST", headers={
        "Content-Type": "application/json", SECRET_HEADER: info["secret"]})
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT_SECONDS) as resp:
            result = json.loads(resp.read())
    except (urllib.error.URLError, OSError, ValueError) as e:
        raise UsageError(f"database {db} is held by the running app at {info['url']}, "
                         f"which did not answer ({getattr(e, 'reason', e)}); is it still starting?") from None
    sys.stdout.write(result.get("stdout", ""))
    sys.stderr.write(result.get("stderr", ""))
    sys.stdout.flush()
    return int(result.get("code", 2))


# ------------------------------------------------------------------ the app's side

class _PerThread(io.TextIOBase):
    """sys.stdout/stderr/stdin that a handed-over command's thread sees as its own buffer,
    while every other thread keeps the real stream."""

    def __init__(self, real):
        self.real = real
        self.local = threading.local()

    def _target(self):
        return getattr(self.local, "buf", None) or self.real

    def write(self, s):
        return self._target().write(s)

    def flush(self):
        return self._target().flush()

    def readline(self, *a):
        return self._target().readline(*a)

    def read(self, *a):
        return self._target().read(*a)

    def isatty(self):
        return False if getattr(self.local, "buf", None) else self.real.isatty()

    @property
    def encoding(self):
        return "utf-8"

    def fileno(self):
        return self.real.fileno()


_INSTALL = threading.Lock()


def _streams() -> tuple[_PerThread, _PerThread, _PerThread]:
    with _INSTALL:
        if not isinstance(sys.stdout, _PerThread):
            sys.stdout = _PerThread(sys.stdout)
        if not isinstance(sys.stderr, _PerThread):
            sys.stderr = _PerThread(sys.stderr)
        if not isinstance(sys.stdin, _PerThread):
            sys.stdin = _PerThread(sys.stdin)
    return sys.stdout, sys.stderr, sys.stdin


@contextlib.contextmanager
def _captured(stdin_text: str):
    out, err, inp = _streams()
    bufs = io.StringIO(), io.StringIO(), io.StringIO(stdin_text)
    for stream, buf in zip((out, err, inp), bufs):
        stream.local.buf = buf
    try:
        yield bufs[0], bufs[1]
    finally:
        for stream in (out, err, inp):
            stream.local.buf = None


def run_here(argv: list[str], stdin_text: str, rt) -> dict:
    """Run a `cockpit` command in this (the server's) process; what it printed and its code."""
    from cockpit import cli, store

    if argv and argv[0] in ("serve", "demo"):
        return {"code": 2, "stdout": "", "stderr": f"cockpit {argv[0]}: not handed over (the app is running)\n"}
    db_given = _db_of(argv)
    if db_given is not None and store.url_of(db_given).key != rt.db.key:
        return {"code": 2, "stdout": "", "stderr": f"cockpit: this app serves {rt.db}, not {db_given}\n"}
    with _captured(stdin_text) as (out, err):
        try:
            code = cli.main(argv, handed_over=True)
        except SystemExit as e:  # argparse's own exit
            code = e.code if isinstance(e.code, int) else 2
        except store.StoreError as e:
            print(f"cockpit: {e}", file=sys.stderr)
            code = 2
        return {"code": code, "stdout": out.getvalue(), "stderr": err.getvalue()}


def _db_of(argv: list[str]) -> str | None:
    for i, a in enumerate(argv):
        if a == "--db" and i + 1 < len(argv):
            return argv[i + 1]
        if a.startswith("--db="):
            return a.split("=", 1)[1]
    return None

