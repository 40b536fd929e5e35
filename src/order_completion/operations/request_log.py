"""One access log line per request, and the request id that ties a request's lines together.

The id comes from the caller's ``X-Request-ID`` when it is a sane one (a proxy or a client
that already logs it), else a new one; it is echoed in the response and bound into every
log line written while the request runs, by this service's code or a library's.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from order_completion.portal.signing import PORTAL_PATH
from order_completion.tmf.errors import error_body, send_error

HEADER = "x-request-id"
# Printable ASCII without spaces, bounded: the id goes into every log line, so a caller
# cannot make lines huge or forge line breaks with it.
SANE_ID = re.compile(r"[\x21-\x7e]{1,128}")
# Requests that matched no route share one label, so probing random paths cannot add
# series to the metrics without end.
UNMATCHED = "unmatched"
PORTAL_PREFIX = f"{PORTAL_PATH}/"
HIDDEN = "{token}"  # what stands for a portal link's token in a logged path
# The shortest path segment an unmatched path hides: a link's token is far longer (its case
# id alone is 36 characters), while the words of a path are shorter.
TOKEN_LIKE = 32

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

Observe = Callable[[str, str, int, float], None]
ACCESS_LOGGER = "order_completion.access"
access = logging.getLogger(ACCESS_LOGGER)
log = structlog.get_logger(ACCESS_LOGGER)


def request_id_from(scope: Scope) -> str:
    """The caller's id when it is sane, else a fresh one."""
    for name, value in scope.get("headers", ()):
        if name == HEADER.encode():
            text = bytes(value).decode("latin-1")
            if SANE_ID.fullmatch(text):
                return text
            break
    return uuid.uuid4().hex


def route_of(scope: Scope) -> str:
    """The route template that served the request (``/completionCase/{id}``), never the raw
    path, so a log or a metric groups requests by what they asked for."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else UNMATCHED


class RequestLog:
    """ASGI middleware: request id, access log line and request metrics.

    An exception that escapes the app is logged here with its traceback and the request's
    id, and answered with a TMF error body carrying the same id, so a caller reporting the
    failure can quote the id that finds the traceback.
    """

    def __init__(self, app: ASGIApp, observe: Observe) -> None:
        self.app = app
        self.observe = observe

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_from(scope)
        began = time.perf_counter()
        status = 500
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                status = int(message["status"])
                started = True
                message["headers"] = [
                    *message.get("headers", ()),
                    (HEADER.encode(), request_id.encode()),
                ]
            await send(message)

        # Bound for this request's task only, and put back as it was when it ends.
        tokens = structlog.contextvars.bind_contextvars(request_id=request_id)
        failure: BaseException | None = None
        try:
            await self.app(scope, receive, send_with_id)
        except Exception as error:
            failure = error
            if not started:
                body = error_body(
                    500,
                    "Internal error",
                    f"an unexpected error occurred; the log has it under {request_id}",
                )
                await send_error(send_with_id, body)
        try:
            self._finish(scope, status, time.perf_counter() - began, failure)
        finally:
            structlog.contextvars.reset_contextvars(**tokens)

    def _finish(
        self, scope: Scope, status: int, seconds: float, failure: BaseException | None
    ) -> None:
        route = route_of(scope)
        method = str(scope.get("method", ""))
        if method not in METHODS:
            method = "other"  # any token is a method to HTTP: keep the label set bounded
        self.observe(method, route, status, seconds)
        level = _level(status, failure)
        if not access.isEnabledFor(level):
            return  # the common case under a production log level: build nothing
        fields = {
            "method": method,
            "route": route,
            "path": logged_path(str(scope.get("path", "")), route),
            "status": status,
            "duration_ms": round(seconds * 1000, 3),
        }
        if failure is not None:
            log.error("request.failed", **fields, exc_info=failure)
        elif status >= 500:
            log.warning("request", **fields)
        else:
            log.info("request", **fields)


def logged_path(path: str, route: str) -> str:
    """The path as the access log keeps it: a customer portal link's token is the customer's
    only credential (it accepts their delivery for weeks), so it is never written to a log;
    the rest of the path is kept. A path no route took (a mangled link, a scanner) may hold
    a token anywhere, so each of its segments long enough to be one is hidden."""
    if route == UNMATCHED:
        return "/".join(HIDDEN if len(part) >= TOKEN_LIKE else part for part in path.split("/"))
    if not path.startswith(PORTAL_PREFIX):
        return path
    _, _, rest = path[len(PORTAL_PREFIX) :].partition("/")
    return f"{PORTAL_PREFIX}{HIDDEN}" + (f"/{rest}" if rest else "")


def _level(status: int, failure: BaseException | None) -> int:
    """The level of the access line: a crash is an error, so no log level hides it."""
    if failure is not None:
        return logging.ERROR
    return logging.WARNING if status >= 500 else logging.INFO
