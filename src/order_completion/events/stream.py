"""Publishing every outbox event to NATS JetStream, for consumers at scale.

Subject ``orderCompletion.<eventType>``; the ``Nats-Msg-Id`` header is the ``eventId``, so
the stream drops a copy published twice (after a crash between publish and commit) within
its duplicate window. Rows not yet marked ``streamed_at`` are published, then marked:
at least once, through the outbox.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import nats
import structlog
from nats.js.errors import NotFoundError
from sqlalchemy import select, update

from order_completion import json_codec
from order_completion.clock import Clock
from order_completion.database import Database
from order_completion.events.outbox import OUTBOX, Derivations, built

log = structlog.get_logger(__name__)
SUBJECT_PREFIX = "orderCompletion"


@dataclass
class StreamPublisher:
    db: Database
    clock: Clock
    url: str
    derivations: Derivations
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
        many events.

        The rows are read, published, then marked in a short transaction of their own: no
        transaction is open while NATS answers (on SQLite it would hold the one writer,
        and every command waiting to commit with it). Two workers may publish the same
        row; the stream drops the second copy by its ``Nats-Msg-Id``.
        """
        jetstream = await self._connect()
        async with self.db.read() as session:
            rows = (
                await session.execute(
                    select(OUTBOX.c.id, OUTBOX.c.events)
                    .where(OUTBOX.c.streamed_at.is_(None))
                    .order_by(OUTBOX.c.event_time, OUTBOX.c.sequence)
                    .limit(self.batch)
                )
            ).all()
        if not rows:
            return 0
        published = 0
        for row in rows:
            for stored in row.events:
                event = built(stored, self.derivations)
                if event is None:
                    continue
                await jetstream.publish(
                    f"{SUBJECT_PREFIX}.{event['eventType']}",
                    json_codec.dumps(event),
                    headers={"Nats-Msg-Id": event["eventId"]},
                )
                published += 1
        async with self.db.transaction() as session:
            await session.execute(
                update(OUTBOX)
                .where(OUTBOX.c.id.in_([row.id for row in rows]))
                .values(streamed_at=self.clock.now())
            )
        return published

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = self._jetstream = None
