"""Publishing every outbox event to NATS JetStream, for consumers at scale.

Subject ``orderCompletion.<eventType>``; the ``Nats-Msg-Id`` header is the ``eventId``, so
the stream drops a copy published twice (after a crash between publish and commit) within
its duplicate window. Rows are claimed like the relay's, with ``streamed_at`` as their mark:
at least once, through the outbox.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import nats
import structlog
from nats.js.errors import NotFoundError
from sqlalchemy import select

from order_completion.clock import Clock
from order_completion.database import Database
from order_completion.events.outbox import OutboxEvent

log = structlog.get_logger(__name__)
SUBJECT_PREFIX = "orderCompletion"


@dataclass
class StreamPublisher:
    db: Database
    clock: Clock
    url: str
    stream: str = "ORDER_COMPLETION"
    batch: int = 500
    _client: Any = field(default=None, repr=False)
    _jetstream: Any = field(default=None, repr=False)

    async def _connect(self) -> Any:
        if self._jetstream is None:
            self._client = await nats.connect(self.url, connect_timeout=5, allow_reconnect=True)
            jetstream = self._client.jetstream()
            try:
                await jetstream.stream_info(self.stream)
            except NotFoundError:
                await jetstream.add_stream(name=self.stream, subjects=[f"{SUBJECT_PREFIX}.>"])
            self._jetstream = jetstream
        return self._jetstream

    async def publish_due(self) -> int:
        """Publish up to ``batch`` events not yet streamed; returns how many."""
        jetstream = await self._connect()
        async with self.db.transaction() as session:
            events = list(
                await session.scalars(
                    select(OutboxEvent)
                    .where(OutboxEvent.streamed_at.is_(None))
                    .order_by(OutboxEvent.event_time, OutboxEvent.sequence)
                    .limit(self.batch)
                    .with_for_update(skip_locked=True)
                )
            )
            now = self.clock.now()
            for event in events:
                await jetstream.publish(
                    f"{SUBJECT_PREFIX}.{event.event_type}",
                    json.dumps(event.payload, separators=(",", ":")).encode(),
                    headers={"Nats-Msg-Id": event.event_id},
                )
                event.streamed_at = now
            return len(events)

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = self._jetstream = None
