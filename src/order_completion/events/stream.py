"""Publishing every outbox event to NATS JetStream, for consumers at scale.

Subject ``orderCompletion.<eventType>``; the ``Nats-Msg-Id`` header is the ``eventId``, so
the stream drops a copy published twice (after a crash between publish and commit) within
its duplicate window. Rows are claimed like the relay's, with ``streamed_at`` as their mark:
at least once, through the outbox.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import nats
import structlog
from nats.js.errors import NotFoundError
from sqlalchemy import select

from order_completion import json_codec
from order_completion.clock import Clock
from order_completion.database import Database
from order_completion.events.outbox import OutboxBatch, expand

log = structlog.get_logger(__name__)
SUBJECT_PREFIX = "orderCompletion"


@dataclass
class StreamPublisher:
    db: Database
    clock: Clock
    url: str
    stream: str = "ORDER_COMPLETION"
    batch: int = 100
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
        """Publish the events of up to ``batch`` outbox rows not yet streamed; returns how
        many events."""
        jetstream = await self._connect()
        async with self.db.transaction() as session:
            rows = list(
                await session.scalars(
                    select(OutboxBatch)
                    .where(OutboxBatch.streamed_at.is_(None))
                    .order_by(OutboxBatch.event_time, OutboxBatch.sequence)
                    .limit(self.batch)
                    .with_for_update(skip_locked=True)
                )
            )
            now = self.clock.now()
            published = 0
            for row in rows:
                for stored in row.events:
                    event = expand(stored)
                    await jetstream.publish(
                        f"{SUBJECT_PREFIX}.{event['eventType']}",
                        json_codec.dumps(event),
                        headers={"Nats-Msg-Id": event["eventId"]},
                    )
                    published += 1
                row.streamed_at = now
            return published

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = self._jetstream = None
