"""The baseline of the inbound benchmark: a minimal ASGI app that reads each request and
answers 201 with a listener-sized JSON body (200 to ``GET /health``), under the same uvicorn
settings as ``serve``.

Run as ``python -m order_completion.bench.listener_baseline PORT`` in its own process, so
it has a process to itself as the service does."""

from __future__ import annotations

import sys
from typing import Any

import uvicorn

# What the listener answers when an event opens a case, with an id and href of real length.
BODY = (
    b'{"eventId":"EV-000000-0","result":"caseCreated","completionCase":'
    b'{"id":"00000000-0000-0000-0000-000000000000","href":"http://127.0.0.1:8000/tmf-api/'
    b'orderCompletion/v1/completionCase/00000000-0000-0000-0000-000000000000"}}'
)
HEADERS = [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())]


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    more = True
    while more:  # read the whole body before answering, as the service does
        more = bool((await receive()).get("more_body"))
    status = 201 if scope["method"] == "POST" else 200
    await send({"type": "http.response.start", "status": status, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})


if __name__ == "__main__":
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=int(sys.argv[1]),
        log_level="warning",
        access_log=False,
        lifespan="off",
    )
