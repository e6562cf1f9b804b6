"""A built wheel, not the checkout, serves the app (`pip install .` used to lose app/)."""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.request
from pathlib import Path

from cockpit import store
from tests.conftest import load_tiny
from tests.serving import serving

ROOT = Path(__file__).resolve().parents[1]


def test_a_built_wheel_serves_the_app_from_anywhere(tmp_path):
    wheels, site, work = tmp_path / "wheels", tmp_path / "site", tmp_path / "elsewhere"
    work.mkdir()
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels), str(ROOT)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    wheel = next(wheels.glob("brand_cockpit-*.whl"))
    r = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site), str(wheel)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert (site / "cockpit_app" / "asgi.py").exists() and (site / "cockpit_app" / "views" / "overview.py").exists()
    env = dict(os.environ, PYTHONPATH=str(site))  # the wheel's files come before the checkout's editable install
    where = subprocess.run([sys.executable, "-c", "import cockpit, cockpit.server as s; print(cockpit.__file__); "
                            "print(s.app_dir())"], capture_output=True, text=True, cwd=work, env=env, timeout=60)
    pkg, app = where.stdout.split()
    assert pkg.startswith(str(site)) and app.startswith(str(site)), where.stdout
    version = subprocess.run([sys.executable, "-m", "cockpit.cli", "--version"], capture_output=True, text=True,
                             cwd=work, env=env, timeout=60)
    assert version.stdout.strip().startswith("cockpit 0.")
    db = work / "tiny.duckdb"
    con = store.connect(db)
    load_tiny(con)
    con.close()
    with serving(db, env={**env, "COCKPIT_WARMUP": "0"}, cwd=work) as (url, proc):
        with urllib.request.urlopen(f"{url}/api/v1/query?metrics=orders", timeout=10) as resp:
            assert resp.status == 200 and b'"orders": 11' in resp.read()  # all 11 orders of the tiny group
        with urllib.request.urlopen(f"{url}/", timeout=10) as resp:
            assert resp.status == 200 and b"<html" in resp.read().lower()
        cmdline = Path(f"/proc/{proc.pid}/cmdline").read_bytes().decode().split("\0")
        assert str(site / "cockpit_app" / "asgi.py") in cmdline  # served from the wheel, not the checkout
