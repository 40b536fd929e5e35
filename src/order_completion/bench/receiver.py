"""A local webhook receiver for the delivery benchmark: answers 204 to every POST, or, with
``--hang``, never answers (it holds each request until the sender gives up on it).

Run as ``python -m order_completion.bench.receiver PORT [--hang]`` in its own process, so the
benchmark measures the sender, not a receiver sharing its event loop."""

from __future__ import annotations

import sys
from typing import Any

import uvicorn


async def _read_body(receive: Any) -> None:
    more = True
    while more:
        more = bool((await receive()).get("more_body"))


async def answering(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    await _read_body(receive)  # read the whole body before answering
    await send({"type": "http.response.start", "status": 204, "headers": []})
    await send({"type": "http.response.body", "body": b""})


async def hanging(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """A receiver that hangs: the request stays open until the client goes away."""
    if scope["type"] != "http":
        return
    await _read_body(receive)
    while (await receive())["type"] != "http.disconnect":
        pass


if __name__ == "__main__":
    uvicorn.run(
        hanging if "--hang" in sys.argv[2:] else answering,
        host="127.0.0.1",
        port=int(sys.argv[1]),
        log_level="warning",
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=1,
    )
