"""Failing on command and remembering what was asked: the two things a test needs from a
peer beyond the API itself.

A fault armed for an API answers its next calls with an error status (a TMF error body),
after an optional delay; a fault with only a delay serves the calls normally but late, which
is how a client's timeout is tried while the peer still does the work. Every call to the
three APIs is kept in a bounded log, newest last, with the status it got.

Both live in memory: they belong to a test run, not to the peers' data.
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from order_completion.clock import Clock, iso
from order_completion.sandbox.catalog import peer_of
from order_completion.tmf.bodies import read_body, replaying
from order_completion.tmf.errors import error_body, send_error

KEPT_REQUESTS = 1000
# Bodies longer than this are kept cut, so one large upload cannot fill the log.
KEPT_BODY_BYTES = 64 * 1024


@dataclass
class Fault:
    api: str
    status: int | None
    times: int
    delay_seconds: float

    def resource(self) -> dict[str, Any]:
        return {
            "api": self.api,
            "status": self.status,
            "times": self.times,
            "delaySeconds": self.delay_seconds,
        }


class Faults:
    """At most one armed fault per API; each call under the API uses one of its ``times``."""

    def __init__(self) -> None:
        self._armed: dict[str, Fault] = {}

    def arm(self, fault: Fault) -> None:
        self._armed[fault.api] = fault

    def clear(self, api: str | None = None) -> None:
        if api is None:
            self._armed.clear()
        else:
            self._armed.pop(api, None)

    def armed(self) -> list[Fault]:
        return list(self._armed.values())

    def take(self, api: str) -> Fault | None:
        fault = self._armed.get(api)
        if fault is None:
            return None
        fault.times -= 1
        if fault.times <= 0:
            del self._armed[api]
        return fault


@dataclass
class Recorded:
    api: str
    method: str
    path: str
    query: str
    body: Any
    received_at: str
    status: int | None = None

    def resource(self) -> dict[str, Any]:
        return {
            "api": self.api,
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "body": self.body,
            "status": self.status,
            "receivedAt": self.received_at,
        }


@dataclass
class ReceivedCalls:
    """The latest calls the peers received, for ``/sandbox/v1`` to show (the oldest go)."""

    entries: deque[Recorded] = field(default_factory=lambda: deque(maxlen=KEPT_REQUESTS))

    def listing(self, api: str | None = None) -> list[dict[str, Any]]:
        return [entry.resource() for entry in self.entries if api in (None, entry.api)]


def _readable(body: bytes) -> Any:
    """The body as JSON when it is JSON, else as text (cut), else None when empty."""
    if not body:
        return None
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return body[:KEPT_BODY_BYTES].decode(errors="replace")


class PeerControl:
    """ASGI middleware in front of the peers: records each call, applies an armed fault."""

    def __init__(
        self, app: ASGIApp, *, faults: Faults, requests: ReceivedCalls, clock: Clock
    ) -> None:
        self.app = app
        self.faults = faults
        self.requests = requests
        self.clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        peer = peer_of(scope["path"]) if scope["type"] == "http" else None
        if peer is None:
            await self.app(scope, receive, send)
            return
        body = await read_body(receive)
        entry = Recorded(
            api=peer.name,
            method=scope["method"],
            path=scope["path"],
            query=scope.get("query_string", b"").decode(errors="replace"),
            body=_readable(body),
            received_at=iso(self.clock.now()) or "",
        )
        self.requests.entries.append(entry)
        fault = self.faults.take(peer.name)
        if fault is not None and fault.delay_seconds:
            await asyncio.sleep(fault.delay_seconds)
        if fault is not None and fault.status is not None:
            entry.status = fault.status
            message = f"the sandbox was told to fail calls to {peer.name}"
            await send_error(send, error_body(fault.status, "Injected fault", message))
            return

        async def noted(message: Message) -> None:
            if message["type"] == "http.response.start":
                entry.status = message["status"]
            await send(message)

        await self.app(scope, replaying(body, receive), noted)
