"""Viewers without a browser: N clients speak Streamlit's own websocket protocol to one
`cockpit serve` and open the overview together, again and again.

Used by ``bench/bench_pages.py --browser`` beside the browser crowd.  On this 2-core
machine the N Chromiums of the browser crowd draw on the same cores as the server, so
their p95 mostly measures the browsers (their CPU per view is reported too).  These
clients only read the server's answer (every element of the page, to the end of the
script run), so their p95 is the wait the server itself imposes when N people, each on
their own computer, open the page at once.  Each view is a new session, as a reload is.
"""

from __future__ import annotations

import asyncio
import time

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg


async def view(url: str, query: str = "", timeout: float = 300) -> tuple[float, int]:
    """Open the page at ``url`` (the app's root) in a new session; seconds until the
    script run has finished and every element has arrived, and the elements' count."""
    ws_url = url.replace("http://", "ws://", 1) + "/_stcore/stream"
    async with websockets.connect(ws_url, subprotocols=["streamlit"], max_size=None) as ws:
        t0 = time.monotonic()
        msg = BackMsg()
        msg.rerun_script.query_string = query
        await ws.send(msg.SerializeToString())
        elements = 0
        async with asyncio.timeout(timeout):
            while True:
                fwd = ForwardMsg()
                fwd.ParseFromString(await ws.recv())
                kind = fwd.WhichOneof("type")
                elements += kind == "delta"
                if kind == "script_finished":
                    if fwd.script_finished != ForwardMsg.FINISHED_SUCCESSFULLY:
                        raise RuntimeError(f"script ended {ForwardMsg.ScriptFinishedStatus.Name(fwd.script_finished)}")
                    return time.monotonic() - t0, elements


async def crowd(url: str, n: int, views: int) -> tuple[list[float], list[str]]:
    """``n`` clients open the overview at ``url`` ``views`` times each, all at once: the
    seconds of every view, and the errors."""
    errors: list[str] = []

    async def one() -> list[float]:
        got = []
        for _ in range(views):
            try:
                seconds, _ = await view(url)
                got.append(seconds)
            except Exception as e:  # noqa: BLE001 - counted, reported
                errors.append(f"{type(e).__name__}: {e}"[:200])
        return got

    results = await asyncio.gather(*(one() for _ in range(n)))
    return [x for r in results for x in r], errors
