"""`cockpit serve`: the web app on a database, building the demo first if there is none."""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "app" / "streamlit_app.py"


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


def serve(db: Path, port: int = 8501, address: str = "localhost") -> int:
    from cockpit.errors import UsageError

    if not APP.exists():
        raise UsageError(f"the web app is not next to the package ({APP}); install with `pip install -e .` from a checkout")
    if not db.exists():
        from cockpit import demo

        print(f"no database at {db}: building the demo group first (about half a minute)…", flush=True)
        demo.build(db, progress=True)
    _refuse_open_binding_without_sign_in(db, address)
    env = dict(os.environ, COCKPIT_DB=str(db.resolve()))
    if os.environ.get("COCKPIT_INBOX"):  # the app runs in another folder: same inbox as the CLI's
        env["COCKPIT_INBOX"] = str(Path(os.environ["COCKPIT_INBOX"]).resolve())
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(APP),
        "--server.port", str(port), "--server.address", address,
        "--server.headless", "true", "--browser.gatherUsageStats", "false",
    ]
    print(f"Brand Cockpit on http://{address}:{port}  (database {db})", flush=True)
    from cockpit import inbox

    print(f"inbox for new data while it runs: {inbox.inbox_dir(db)}  (`cockpit feed` simulates live sessions)",
          flush=True)
    # Become Streamlit rather than wait for a child: whoever stops `cockpit serve`
    # (Ctrl-C, a service manager, a test) then stops the server itself, not an orphan
    # that keeps the database locked.
    os.chdir(APP.parent.parent)
    os.execve(sys.executable, cmd, env)
