"""A real `cockpit serve` for tests: started on a free port, waited for, always stopped."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(pred, what: str, timeout: float = 30.0):
    """Poll ``pred`` until it returns something truthy; fail the test after ``timeout`` s."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        got = pred()
        if got:
            return got
        time.sleep(0.2)
    pytest.fail(f"gave up after {timeout:g} s waiting for {what}")


def _healthy(url: str, proc: subprocess.Popen) -> bool:
    if proc.poll() is not None:
        raise RuntimeError(f"cockpit serve exited with {proc.returncode}")
    try:
        with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


@contextlib.contextmanager
def serving(db: Path, *, env: dict | None = None, cwd: Path | None = None, log: Path | None = None,
            timeout: float = 90.0):
    """`cockpit serve --db DB` on a free port; yields (url, process)."""
    port = free_port()
    out = open(log or Path(db).parent / "serve.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "cockpit.cli", "serve", "--db", str(db), "--port", str(port)],
                            stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})}, cwd=cwd)
    url = f"http://localhost:{port}"
    try:
        wait_for(lambda: _healthy(url, proc), f"cockpit serve at {url}", timeout)
        yield url, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        out.close()
