"""A local webhook receiver for the delivery benchmark: answers 204 to every POST.

Run as ``python -m order_completion.bench.receiver PORT`` in its own process, so the
benchmark measures the sender, not a receiver sharing its event loop."""

from __future__ import annotations

import sys
from typing import Any

import uvicorn


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    more = True
    while more:  # read the whole body before answering
        more = bool((await receive()).get("more_body"))
    await send({"type": "http.response.start", "status": 204, "headers": []})
    await send({"type": "http.response.body", "body": b""})


if __name__ == "__main__":
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=int(sys.argv[1]),
        log_level="warning",
        access_log=False,
        lifespan="off",
    )
