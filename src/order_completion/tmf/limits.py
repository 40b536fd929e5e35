"""Refuse request bodies over the size limit before reading them (413, TMF error body)."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from order_completion.tmf.errors import error_body, send_error


class BodySizeLimit:
    """ASGI middleware: a declared ``Content-Length`` above ``limit`` bytes is refused, and a
    body that grows past it while streaming is cut off with the same answer."""

    def __init__(self, app: ASGIApp, *, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self._refuse(send)
            return
        received = 0

        async def counted() -> dict[str, object]:
            nonlocal received
            message = dict(await receive())
            if message.get("type") == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise _TooLarge
            return message

        try:
            await self.app(scope, counted, send)
        except _TooLarge:
            await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        message = f"the body exceeds {self.limit} bytes"
        await send_error(send, error_body(413, "Payload too large", message))


class _TooLarge(BaseException):
    """Raised inside the app when the streamed body passes the limit.

    A ``BaseException`` on purpose: the framework turns any ``Exception`` raised while it
    reads a body into a 400 "error parsing the body", and this must reach the middleware
    to become the 413 it is.
    """
