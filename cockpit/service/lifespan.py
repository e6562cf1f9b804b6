"""What `cockpit serve` adds to Streamlit's server: lifespan, routes and middleware.

The ASGI entry (app/asgi.py) hands these to ``st.App``.  The lifespan opens the database
and starts the background work when the server starts, whether or not anyone visits,
and stops it with the server.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os

from starlette.middleware import Middleware

from cockpit import store
from cockpit.service import logs, runtime

log = logging.getLogger("cockpit.service")


@contextlib.asynccontextmanager
async def lifespan(app):
    logs.configure()
    db = store.resolve_db_path(None)
    base_url = os.environ.get("COCKPIT_BASE_URL")
    rt = await asyncio.to_thread(runtime.start, db, base_url)
    log.info("serving %s at %s", rt.db, base_url or "?")
    try:
        yield {"runtime": rt}
    finally:
        await asyncio.to_thread(runtime.stop)


def routes():
    from cockpit.service import web

    return web.routes()


def middleware(oidc_configured=lambda: False) -> list[Middleware]:
    from cockpit.service.guard import Guard

    return [Middleware(Guard, oidc_configured=oidc_configured)]
