"""Hub notifications of the sandbox peers: each event goes, once, over HTTP, to every
listener of its API whose query it matches.

Best effort on purpose: a real order manager retries, but a sandbox that retried would hide
from a test whether its listener answered. A failure is logged and kept in the notification
log (``GET /sandbox/v1/notification``); nothing is tried again. Sending happens after the
change is answered, as a real peer's would, so a listener that calls back into the sandbox
never waits on itself.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import deque
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

import httpx
import structlog

from order_completion.clock import Clock, iso
from order_completion.events.rules import matches, parse_query
from order_completion.sandbox.catalog import PeerApi
from order_completion.sandbox.rules import (
    EventKind,
    canonical_event_type,
    event_type,
    listener_name,
)
from order_completion.sandbox.store import Store

log = structlog.get_logger(__name__)

# How many notifications are in flight at once, and how many outcomes the log keeps.
CONCURRENT_SENDS = 8
KEPT_OUTCOMES = 1000


class DeliveryStyle(StrEnum):
    """Where a notification is POSTed: to the callback as registered, or to the spec's
    listener path under it (``{callback}/listener/productOrderStateChangeEvent``)."""

    CALLBACK = "callback"
    LISTENER = "listener"


@dataclass
class Outcome:
    """What became of one notification to one listener."""

    eventId: str
    eventType: str
    hub: str
    url: str
    status: int | None = None
    error: str | None = None


def criteria_of(text: str | None) -> dict[str, set[str]]:
    """A hub query as criteria, with event types spelled as the events carry them."""
    criteria = parse_query(text)
    if "eventType" in criteria:
        criteria["eventType"] = {canonical_event_type(name) for name in criteria["eventType"]}
    return criteria


class Notifier:
    def __init__(self, store: Store, client: httpx.AsyncClient, clock: Clock) -> None:
        self._store = store
        self._client = client
        self._clock = clock
        self._slots = asyncio.Semaphore(CONCURRENT_SENDS)
        self._pending: set[asyncio.Task[None]] = set()
        self.outcomes: deque[Outcome] = deque(maxlen=KEPT_OUTCOMES)

    def envelope(self, peer: PeerApi, kind: EventKind, document: dict[str, Any]) -> dict[str, Any]:
        return {
            "eventId": uuid.uuid4().hex,
            "eventTime": iso(self._clock.now()),
            "eventType": event_type(peer.resource, kind),
            "event": {peer.resource.name: document},
        }

    async def announce(self, peer: PeerApi, kind: EventKind, document: dict[str, Any]) -> None:
        """Start sending the event to every matching listener, without waiting for them."""
        envelope = self.envelope(peer, kind, document)
        for hub in await self._store.hubs_of(peer.name):
            if matches(criteria_of(hub["query"]), envelope):
                task = asyncio.create_task(self._send(hub, envelope))
                self._pending.add(task)
                task.add_done_callback(self._pending.discard)

    async def _send(self, hub: dict[str, Any], envelope: dict[str, Any]) -> None:
        url = hub["callback"]
        if hub["delivery_style"] == DeliveryStyle.LISTENER:
            url = f"{url.rstrip('/')}/listener/{listener_name(envelope['eventType'])}"
        outcome = Outcome(envelope["eventId"], envelope["eventType"], hub["id"], url)
        self.outcomes.append(outcome)
        async with self._slots:
            try:
                answer = await self._client.post(url, json=envelope, headers=hub["headers"])
                outcome.status = answer.status_code
                if answer.is_success:
                    return
                outcome.error = f"answered {answer.status_code}"
            except httpx.HTTPError as error:
                outcome.error = f"{type(error).__name__}: {error}"
        log.warning("sandbox.notification_failed", **asdict(outcome))

    async def wait(self) -> None:
        """Let the notifications already started finish (their client has a timeout)."""
        if self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)
