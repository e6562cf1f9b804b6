"""`cockpit serve`: the web app on a database, building the demo first if there is none."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import sys
from pathlib import Path

# Streamlit settings the app relies on, passed as flags so they hold wherever the command
# runs from (an installed wheel has no .streamlit/ folder beside it).
STREAMLIT_FLAGS = {
    "server.headless": "true",
    "server.runOnSave": "false",
    # No source watching: it scanned every loaded module for each new browser session and
    # polled their files, about 40 % of the server's CPU per page view (bench/bench_pages.py).
    "server.fileWatcherType": "none",
    # No full garbage collection after every script run: with the decoded buyer sets and
    # cached results in memory it cost ~13 % of the server's CPU per page view; Python's
    # own collector still runs.
    "runner.postScriptGC": "false",
    "server.maxUploadSize": "200",
    "browser.gatherUsageStats": "false",
    "client.toolbarMode": "minimal",
    "client.showErrorDetails": "none",
    "theme.primaryColor": "#E8483B",
}


def app_dir() -> Path:
    """The Streamlit entry and pages: app/ in a checkout, the cockpit_app package when installed."""
    spec = importlib.util.find_spec("cockpit_app")
    if spec is not None and spec.submodule_search_locations:
        return Path(list(spec.submodule_search_locations)[0])
    return Path(__file__).resolve().parent.parent / "app"


def _refuse_open_binding_without_sign_in(db: Path, address: str) -> None:
    """Single-user local mode has no sign-in, so it must not be reachable from the network."""
    from cockpit import auth, store
    from cockpit.errors import UsageError

    if auth.is_local_address(address):
        return
    con = store.connect(db)
    try:
        if not auth.sign_in_required(con):
            raise UsageError(
                f"refusing to listen on {address} without sign-in: anyone on the network could read the "
                "group's sales. Create the first admin with `cockpit user add NAME --role admin`, "
                "or serve on localhost."
            )
    finally:
        con.close()


def local_url(address: str, port: int) -> str:
    """How this machine reaches the server (the CLI's hand-over, report rendering)."""
    host = "localhost" if address in ("", "0.0.0.0", "::", "localhost") else address
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def serve(db: Path, port: int = 8501, address: str = "localhost") -> int:
    from cockpit.errors import UsageError
    from cockpit.service import runtime

    entry = app_dir() / "asgi.py"
    if not entry.exists():
        raise UsageError(f"the web app is not installed beside the package ({entry}); reinstall brand-cockpit")
    running = runtime.running_server(db)
    if running is not None:
        print(f"Brand Cockpit already serves {db} at {running.get('url')} (pid {running.get('pid')})", flush=True)
        return 0
    if not db.exists():
        from cockpit import demo

        print(f"no database at {db}: building the demo group first (about half a minute)…", flush=True)
        demo.build(db, progress=True)
    _refuse_open_binding_without_sign_in(db, address)
    url = local_url(address, port)
    env = dict(os.environ, COCKPIT_DB=str(db.resolve()), COCKPIT_BASE_URL=url)
    if os.environ.get("COCKPIT_INBOX"):  # same inbox as the CLI's, whatever folder the app runs in
        env["COCKPIT_INBOX"] = str(Path(os.environ["COCKPIT_INBOX"]).resolve())
    cmd = [sys.executable, "-m", "streamlit", "run", str(entry),
           "--server.port", str(port), "--server.address", address]
    for key, value in STREAMLIT_FLAGS.items():
        cmd += [f"--{key}", value]
    print(f"Brand Cockpit on http://{address}:{port}  (database {db})", flush=True)
    from cockpit import inbox

    print(f"inbox for new data while it runs: {inbox.inbox_dir(db)}  (`cockpit feed` simulates live sessions)",
          flush=True)
    print(f"HTTP API: {url}/api/v1/query  (description: {url}/api/v1/openapi.json)", flush=True)
    # Become Streamlit rather than wait for a child: whoever stops `cockpit serve`
    # (Ctrl-C, a service manager, a test) then stops the server itself, not an orphan
    # that keeps the database locked.
    os.execve(sys.executable, cmd, env)


class ServerError(Exception):
    """A temporary server that would not start or answer."""


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def temporary(db, *, env: dict | None = None, cwd=None, out=None, seconds: float = 90):
    """`cockpit serve` on a free localhost port for the time of the block; yields (url,
    process).  For work that needs the real page when no app runs (a report's picture
    from the command line) and for tests."""
    import subprocess
    import time
    import urllib.request

    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "cockpit.cli", "serve", "--db", str(db), "--port", str(port)],
                            stdout=out if out is not None else subprocess.DEVNULL, stderr=subprocess.STDOUT,
                            env={**os.environ, **(env or {})}, cwd=cwd)
    url = f"http://localhost:{port}"
    try:
        deadline = time.monotonic() + seconds
        while True:
            if proc.poll() is not None:
                raise ServerError(f"the temporary cockpit serve exited with {proc.returncode}")
            try:
                with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise ServerError(f"the temporary cockpit serve did not answer within {seconds:g} s")
            time.sleep(0.3)
        yield url, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
