"""Reading and acting on the delivery ledger: deliveries and attempts of a subscription,
replay, re-enabling, secret rotation, and pruning old rows."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from order_completion.clock import iso
from order_completion.database import Database
from order_completion.errors import InvalidInput, NotFound
from order_completion.events import signing
from order_completion.events.deliveries import Delivery, DeliveryAttempt, DeliveryStatus
from order_completion.events.outbox import OutboxBatch
from order_completion.events.rules import redacted_url
from order_completion.events.sealing import SecretBox
from order_completion.events.subscriptions import Subscription


def attempt_resource(row: DeliveryAttempt, *, with_credentials: bool) -> dict[str, Any]:
    """One attempt; without credentials, the URL's credentials are masked and the
    receiver's answer (which may echo anything) is left out."""
    return {
        "number": row.number,
        "startDate": iso(row.started_at),
        "durationMs": row.duration_ms,
        "url": row.url if with_credentials else redacted_url(row.url),
        "statusCode": row.status_code,
        "responseBody": row.response_body if with_credentials else None,
        "error": row.error,
        "verdict": row.verdict,
    }


def delivery_resource(
    row: Delivery,
    href: str,
    attempts: list[DeliveryAttempt] | None = None,
    *,
    with_credentials: bool = False,
) -> dict[str, Any]:
    result: dict[str, Any] = {
        "id": row.id,
        "href": href,
        "@type": "Delivery",
        "eventId": row.event_id,
        "eventType": row.event_type,
        "status": row.status,
        "attempts": row.attempts,
        "nextAttemptDate": iso(row.next_attempt_at),
        "lastStatusCode": row.last_status_code,
        "lastError": row.last_error,
        "creationDate": iso(row.created_at),
        "deliveredDate": iso(row.delivered_at),
    }
    if attempts is not None:
        result["attempt"] = [
            attempt_resource(attempt, with_credentials=with_credentials) for attempt in attempts
        ]
    return result


async def get_delivery(session: AsyncSession, subscription_id: str, delivery_id: str) -> Delivery:
    row = await session.get(Delivery, delivery_id)
    if row is None or row.subscription_id != subscription_id:
        raise NotFound(f"subscription {subscription_id} has no delivery {delivery_id}")
    return row


async def attempts_of(session: AsyncSession, delivery_id: str) -> list[DeliveryAttempt]:
    rows = await session.scalars(
        select(DeliveryAttempt)
        .where(DeliveryAttempt.delivery_id == delivery_id)
        .order_by(DeliveryAttempt.number)
    )
    return list(rows)


def _again(row: Delivery, now: datetime) -> None:
    row.status = DeliveryStatus.PENDING.value
    row.next_attempt_at = now
    row.claimed_until = None


async def replay_one(
    session: AsyncSession, subscription_id: str, delivery_id: str, now: datetime
) -> Delivery:
    """Send a delivery again, whatever became of it; its attempts so far are kept."""
    row = await get_delivery(session, subscription_id, delivery_id)
    _again(row, now)
    return row


async def replay_range(
    session: AsyncSession, subscription_id: str, start: datetime, end: datetime, now: datetime
) -> int:
    """Send again every delivery of events committed in ``[start, end)``."""
    if end <= start:
        raise InvalidInput("'to' must be after 'from'", field="to")
    result = await session.execute(
        update(Delivery)
        .where(
            Delivery.subscription_id == subscription_id,
            Delivery.created_at >= start,
            Delivery.created_at < end,
        )
        .values(status=DeliveryStatus.PENDING.value, next_attempt_at=now, claimed_until=None)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def enable(subscription: Subscription) -> None:
    subscription.disabled_at = None
    subscription.disabled_reason = None
    subscription.failing_since = None


def rotate_secret(
    subscription: Subscription, now: datetime, keep_previous: timedelta, box: SecretBox
) -> str:
    """A new secret signs from now on; the old one also signs for ``keep_previous``.
    Returns the new secret as the receiver needs it (stored only sealed)."""
    secret = signing.new_secret()
    subscription.previous_sealed_secret = subscription.sealed_secret
    subscription.previous_secret_until = now + keep_previous
    subscription.sealed_secret = box.seal(secret)
    return secret


async def prune(db: Database, now: datetime, keep: timedelta) -> int:
    """Delete finished deliveries, their attempts and relayed outbox rows older than
    ``keep`` (the events of a completed case are its largest part at rest)."""
    cutoff = now - keep
    async with db.transaction() as session:
        old = select(Delivery.id).where(
            Delivery.status.in_([DeliveryStatus.DELIVERED.value, DeliveryStatus.FAILED.value]),
            Delivery.created_at < cutoff,
        )
        await session.execute(delete(DeliveryAttempt).where(DeliveryAttempt.delivery_id.in_(old)))
        gone = await session.execute(delete(Delivery).where(Delivery.id.in_(old)))
        pending = select(Delivery.batch_id).where(Delivery.status == DeliveryStatus.PENDING.value)
        await session.execute(
            delete(OutboxBatch).where(
                OutboxBatch.published_at.is_not(None),
                OutboxBatch.published_at < cutoff,
                OutboxBatch.id.not_in(pending),
            )
        )
        return int(getattr(gone, "rowcount", 0) or 0)
