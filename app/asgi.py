"""The served app: Streamlit's ASGI entry with the cockpit's lifespan, routes and middleware.

`cockpit serve` runs this file (`streamlit run` finds the ``app`` below and serves it with
uvicorn); the pages are streamlit_app.py as before.
"""

import streamlit as st

from cockpit.service import lifespan as service


def _oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # noqa: BLE001 - no secrets.toml at all
        return False


app = st.App(
    "streamlit_app.py",
    lifespan=service.lifespan,
    routes=service.routes(),
    middleware=service.middleware(_oidc_configured),
)
