"""The relay: turn committed outbox events into one delivery per matching subscription.

Each outbox row holds the events of one unit of work; the relay takes rows, and every
event in a row is matched against the subscriptions on its own.

Rows are claimed with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL (never by ``id > last seen``,
which skips rows that commit out of order), so several workers share the work; the
deliveries and the event's ``published_at`` commit together, so an event is fanned out once.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select

from order_completion.database import Database
from order_completion.events import rules
from order_completion.events.catalog import api_of
from order_completion.events.deliveries import Delivery, DeliveryStatus
from order_completion.events.outbox import Derivations, OutboxBatch, built
from order_completion.events.subscriptions import Subscription


async def relay_due(
    db: Database, now: datetime, derivations: Derivations, *, batch: int = 50
) -> int:
    """Fan out the events of up to ``batch`` unpublished outbox rows; returns how many
    events were published. A row holds the events of one change (a dozen or more), so 50
    rows keep the transaction short: a worker killed mid-way loses little work."""
    async with db.transaction() as session:
        rows = list(
            await session.scalars(
                select(OutboxBatch)
                .where(OutboxBatch.published_at.is_(None))
                .order_by(OutboxBatch.event_time, OutboxBatch.sequence)
                .limit(batch)
                .with_for_update(skip_locked=True)
            )
        )
        if not rows:
            return 0
        active = await session.scalars(
            select(Subscription).where(Subscription.disabled_at.is_(None))
        )
        by_api: dict[str, list[tuple[Subscription, dict[str, set[str]]]]] = defaultdict(list)
        for subscription in active:
            by_api[subscription.api].append((subscription, rules.parse_query(subscription.query)))
        deliveries: list[dict[str, Any]] = []
        published = 0
        for row in rows:
            for event in row.events:
                deliveries += _deliveries(row.id, event, by_api, now, derivations)
            published += row.event_count
            row.published_at = now
        if deliveries:
            await session.execute(insert(Delivery), deliveries)
        return published


async def relay_all(
    db: Database, now: datetime, derivations: Derivations, *, batch: int = 50
) -> int:
    """Relay until no unpublished outbox row is left; returns how many events that was
    (for a one-off drain, such as a measurement, rather than the worker's rounds)."""
    total = 0
    while published := await relay_due(db, now, derivations, batch=batch):
        total += published
    return total


def _deliveries(
    batch_id: str,
    event: dict[str, Any],
    by_api: dict[str, list[tuple[Subscription, dict[str, set[str]]]]],
    now: datetime,
    derivations: Derivations,
) -> list[dict[str, Any]]:
    """One pending delivery of ``event`` for every subscription whose query it matches.

    An event stored as facts is built only when a subscription of its API may want it;
    one that cannot be built gets no delivery (and is logged), and the others go on.
    """
    api = api_of(event["eventType"])
    listening = by_api.get(api.value if api else "", [])
    if not listening:
        return []
    envelope = built(event, derivations)
    if envelope is None:
        return []
    return [
        {
            "id": str(uuid.uuid4()),
            "event_id": event["eventId"],
            "batch_id": batch_id,
            "event_type": event["eventType"],
            "subscription_id": subscription.id,
            "status": DeliveryStatus.PENDING.value,
            "attempts": 0,
            "next_attempt_at": now,
            "claimed_until": None,
            "created_at": now,
        }
        for subscription, criteria in listening
        if rules.matches(criteria, envelope)
    ]
