"""Refuse request bodies over the size limit before reading them (413, TMF error body)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from starlette.types import ASGIApp, Receive, Scope, Send

from order_completion.tmf.errors import error_body, send_error


class BodySizeLimit:
    """ASGI middleware: a declared ``Content-Length`` above ``limit`` bytes is refused, and a
    body that grows past it while streaming is cut off with the same answer. Paths matching
    one of ``larger`` (an attachment upload) have that limit instead."""

    def __init__(self, app: ASGIApp, *, limit: int, larger: Sequence[tuple[str, int]] = ()) -> None:
        self.app = app
        self.limit = limit
        self.larger = [(re.compile(pattern), bytes_) for pattern, bytes_ in larger]

    def _limit_for(self, path: str) -> int:
        return next((size for pattern, size in self.larger if pattern.search(path)), self.limit)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit_for(scope.get("path", ""))
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._refuse(send, limit)
            return
        received = 0

        async def counted() -> dict[str, object]:
            nonlocal received
            message = dict(await receive())
            if message.get("type") == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _TooLarge
            return message

        try:
            await self.app(scope, counted, send)
        except _TooLarge:
            await self._refuse(send, limit)

    async def _refuse(self, send: Send, limit: int) -> None:
        message = f"the body exceeds {limit} bytes"
        await send_error(send, error_body(413, "Payload too large", message))


class _TooLarge(BaseException):
    """Raised inside the app when the streamed body passes the limit.

    A ``BaseException`` on purpose: the framework turns any ``Exception`` raised while it
    reads a body into a 400 "error parsing the body", and this must reach the middleware
    to become the 413 it is.
    """
