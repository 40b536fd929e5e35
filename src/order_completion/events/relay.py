"""The relay: turn committed outbox events into one delivery per matching subscription.

Rows are claimed with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL (never by ``id > last seen``,
which skips rows that commit out of order), so several workers share the work; the
deliveries and the event's ``published_at`` commit together, so an event is fanned out once.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime

from sqlalchemy import select

from order_completion.database import Database
from order_completion.events import rules
from order_completion.events.catalog import api_of
from order_completion.events.deliveries import Delivery, DeliveryStatus
from order_completion.events.outbox import OutboxEvent
from order_completion.events.subscriptions import Subscription


async def relay_due(db: Database, now: datetime, *, batch: int = 500) -> int:
    """Fan out up to ``batch`` unpublished events; returns how many were published."""
    async with db.transaction() as session:
        events = list(
            await session.scalars(
                select(OutboxEvent)
                .where(OutboxEvent.published_at.is_(None))
                .order_by(OutboxEvent.event_time, OutboxEvent.sequence)
                .limit(batch)
                .with_for_update(skip_locked=True)
            )
        )
        if not events:
            return 0
        active = await session.scalars(
            select(Subscription).where(Subscription.disabled_at.is_(None))
        )
        by_api: dict[str, list[tuple[Subscription, dict[str, set[str]]]]] = defaultdict(list)
        for subscription in active:
            by_api[subscription.api].append((subscription, rules.parse_query(subscription.query)))
        for event in events:
            api = api_of(event.event_type)
            for subscription, criteria in by_api.get(api.value if api else "", []):
                if rules.matches(criteria, event.payload):
                    session.add(
                        Delivery(
                            id=str(uuid.uuid4()),
                            event_id=event.event_id,
                            event_type=event.event_type,
                            subscription_id=subscription.id,
                            status=DeliveryStatus.PENDING.value,
                            attempts=0,
                            next_attempt_at=now,
                            claimed_until=None,
                            created_at=now,
                        )
                    )
            event.published_at = now
        return len(events)
