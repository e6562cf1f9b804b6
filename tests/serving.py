"""A real `cockpit serve` for tests: started on a free port, waited for, always stopped."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

import pytest

from cockpit import server
from cockpit.server import free_port  # noqa: F401  (re-exported for tests)


def wait_for(pred, what: str, timeout: float = 30.0, poll: float = 0.2):
    """Poll ``pred`` every ``poll`` s until it returns something truthy; fail the test
    after ``timeout`` s."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        got = pred()
        if got:
            return got
        time.sleep(poll)
    pytest.fail(f"gave up after {timeout:g} s waiting for {what}")


@contextlib.contextmanager
def serving(db: Path, *, env: dict | None = None, cwd: Path | None = None, log: Path | None = None,
            timeout: float = 90.0):
    """`cockpit serve --db DB` on a free port (cockpit.server.temporary), its output in a
    log beside the database; yields (url, process)."""
    with open(log or Path(db).parent / "serve.log", "w") as out:
        try:
            with server.temporary(db, env=env, cwd=cwd, out=out, seconds=timeout) as (url, proc):
                yield url, proc
        except server.ServerError as e:
            pytest.fail(f"{e} (log: {out.name})")
