"""Claiming due deliveries: which ones a sender may attempt now, under every subscription's
in-flight cap, and with what body.

A claim sets a lease (``claimed_until``) and counts the attempt, and is committed before
anything is sent, so a slow receiver holds no database lock and a worker that dies mid-send
leaves the delivery to be taken again when the lease runs out.

The cap counts live claims in the database, so it holds however many workers send. On
PostgreSQL the subscriptions are locked (``FOR NO KEY UPDATE``, which lets the relay keep
inserting their deliveries) while their live claims are counted and new ones taken, so two
workers never both fill the same free room; SQLite has one writer at a time, which
serialises claims by itself. A claimer may name claims of its own whose attempts already
ended but are not recorded yet (``ended``): those hold a lease but no request, so they leave
room under the cap. Subscriptions already at their cap are left out before the due
deliveries are read, so a receiver that hangs never hides the others' deliveries behind its
own.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from order_completion import json_codec
from order_completion.events import outbox
from order_completion.events.deliveries import Delivery, DeliveryStatus
from order_completion.events.sealing import SecretBox, SecretUnreadable
from order_completion.events.subscriptions import Subscription

log = structlog.get_logger(__name__)
UNREADABLE_EVENT = "its event could not be read from the outbox"
UNREADABLE_SECRET = (
    "its subscription's secret cannot be opened with any configured key "
    "(ORDER_COMPLETION_SECRET_KEYS); it waits until the key that sealed it is configured"
)
# How long the deliveries of a subscription whose secret no configured key opens wait
# before they are looked at again: the key comes back with a restart, and meanwhile they
# stay out of the oldest due deliveries, so they hide no other subscription's.
SECRET_RETRY = timedelta(minutes=1)

# How many of the oldest due deliveries are read to find the subscriptions to serve, per
# slot asked for: enough that one subscription's backlog rarely hides the others'.
WINDOW_PER_SLOT = 4


@dataclass(frozen=True)
class Job:
    """One claimed attempt: everything needed to send it, fixed when it was claimed."""

    delivery_id: str
    attempt: int
    url: str
    event_id: str
    body: bytes
    secrets: tuple[str, ...]
    subscription_id: str
    leased_until: datetime


def target_url(subscription: Subscription, event_type: str) -> str:
    if subscription.style == "listener":
        return f"{subscription.callback.rstrip('/')}/listener/{event_type}"
    return subscription.callback


def secrets_of(subscription: Subscription, now: datetime, box: SecretBox) -> tuple[str, ...]:
    """The secrets signing now, opened: the current one, and the previous one while its
    rotation's grace lasts."""
    current = box.open(subscription.sealed_secret)
    if (
        subscription.previous_sealed_secret
        and subscription.previous_secret_until
        and subscription.previous_secret_until > now
    ):
        return (current, box.open(subscription.previous_sealed_secret))
    return (current,)


def _opened(subscription: Subscription, now: datetime, box: SecretBox) -> tuple[str, ...] | None:
    """The secrets signing now, or None when no configured key opens them (logged once
    per subscription and claim, however many of its deliveries were due)."""
    try:
        return secrets_of(subscription, now, box)
    except SecretUnreadable:
        log.error(
            "delivery.secret_unreadable",
            subscription_id=subscription.id,
            retry_in_seconds=int(SECRET_RETRY.total_seconds()),
        )
        return None


def claimable(now: datetime) -> ColumnElement[bool]:
    """Pending, due, and not leased by anyone (or the lease ran out)."""
    return and_(
        Delivery.status == DeliveryStatus.PENDING.value,
        Delivery.next_attempt_at <= now,
        or_(Delivery.claimed_until.is_(None), Delivery.claimed_until < now),
    )


def in_flight(now: datetime) -> ColumnElement[bool]:
    """Leased and not yet recorded: an attempt some worker is making (or died making)."""
    return and_(Delivery.status == DeliveryStatus.PENDING.value, Delivery.claimed_until >= now)


async def event_bodies(
    session: AsyncSession, wanted: Collection[tuple[str, str]], derivations: outbox.Derivations
) -> dict[str, bytes]:
    """The JSON body sent for each ``(batch id, event id)``, by event id: the one place that
    knows where events are stored."""
    envelopes = await outbox.envelopes_of(session, wanted, derivations)
    return {event_id: json_codec.dumps(envelope) for event_id, envelope in envelopes.items()}


async def claim_due(
    session: AsyncSession,
    now: datetime,
    lease: timedelta,
    limit: int,
    ended: Mapping[str, int] | None = None,
    *,
    derivations: outbox.Derivations,
    box: SecretBox,
) -> list[Job]:
    """Claim up to ``limit`` due deliveries, oldest first, none past a subscription's cap.

    ``ended`` counts, by subscription, the caller's own live claims whose attempts are over
    but not recorded; the caller must not record any of them until this transaction ends.
    """
    ended = ended or {}
    owners = await _oldest_due_owners(session, now, ended, window=limit * WINDOW_PER_SLOT)
    if not owners:
        return []
    subscriptions = await _lock_for_claiming(session, owners)
    live = await _in_flight_counts(session, now, list(subscriptions))
    chosen: list[tuple[Subscription, Sequence[_Due]]] = []
    left = limit
    for owner in owners:
        subscription = subscriptions.get(owner)
        if left <= 0:
            break
        if subscription is None:
            continue  # disabled since it was read
        room = min(subscription.max_in_flight - live[owner] + ended.get(owner, 0), left)
        if room > 0:
            due = await _claimable_of(session, owner, now, room)
            chosen.append((subscription, due))
            left -= len(due)
    return await _take(session, chosen, now, lease, derivations, box)


@dataclass(frozen=True)
class _Due:
    delivery_id: str
    event_id: str
    batch_id: str
    event_type: str
    attempts: int


async def _oldest_due_owners(
    session: AsyncSession, now: datetime, ended: Mapping[str, int], window: int
) -> list[str]:
    """The subscriptions owning the oldest claimable deliveries, oldest first, leaving out
    the disabled ones and those at their cap (unless some of their attempts ended here)."""
    at_cap = (
        select(Delivery.subscription_id)
        .join(Subscription, Subscription.id == Delivery.subscription_id)
        .where(in_flight(now))
        .group_by(Delivery.subscription_id, Subscription.max_in_flight)
        .having(func.count() >= Subscription.max_in_flight)
    )
    may_have_room: ColumnElement[bool] = Delivery.subscription_id.not_in(at_cap)
    if ended:
        may_have_room = or_(Delivery.subscription_id.in_(list(ended)), may_have_room)
    query = (
        select(Delivery.subscription_id)
        .join(Subscription, Subscription.id == Delivery.subscription_id)
        .where(claimable(now), Subscription.disabled_at.is_(None), may_have_room)
        .order_by(Delivery.next_attempt_at)
        .limit(window)
    )
    return list(dict.fromkeys(await session.scalars(query)))


async def _lock_for_claiming(
    session: AsyncSession, owners: Collection[str]
) -> dict[str, Subscription]:
    """The enabled subscriptions among ``owners``, locked until this claim commits (in id
    order, so two claimers never wait for each other in a circle)."""
    rows = await session.scalars(
        select(Subscription)
        .where(Subscription.id.in_(owners), Subscription.disabled_at.is_(None))
        .order_by(Subscription.id)
        .with_for_update(key_share=True)
    )
    return {row.id: row for row in rows}


async def _in_flight_counts(
    session: AsyncSession, now: datetime, owners: Collection[str]
) -> Counter[str]:
    """Live claims per subscription, read after the lock: other workers' committed claims
    included."""
    rows = await session.execute(
        select(Delivery.subscription_id, func.count())
        .where(in_flight(now), Delivery.subscription_id.in_(owners))
        .group_by(Delivery.subscription_id)
    )
    return Counter({owner: int(count) for owner, count in rows})


async def _claimable_of(session: AsyncSession, owner: str, now: datetime, limit: int) -> list[_Due]:
    rows = await session.execute(
        select(
            Delivery.id,
            Delivery.event_id,
            Delivery.batch_id,
            Delivery.event_type,
            Delivery.attempts,
        )
        .where(Delivery.subscription_id == owner, claimable(now))
        .order_by(Delivery.next_attempt_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return [_Due(*row) for row in rows]


async def _take(
    session: AsyncSession,
    chosen: Sequence[tuple[Subscription, Sequence[_Due]]],
    now: datetime,
    lease: timedelta,
    derivations: outbox.Derivations,
    box: SecretBox,
) -> list[Job]:
    """Lease the chosen deliveries whose event can be read and signed, and describe their
    attempts. A delivery whose event can no longer be read or built fails at once (naming
    why), rather than come back as the oldest due delivery of its subscription for ever.
    Those of a subscription whose secret no configured key opens stay pending, every due
    one of them put off by ``SECRET_RETRY`` (naming why, counting no attempt): configuring
    the key that sealed it sends them."""
    bodies = await event_bodies(
        session, {(due.batch_id, due.event_id) for _, dues in chosen for due in dues}, derivations
    )
    opened = {subscription.id: _opened(subscription, now, box) for subscription, _ in chosen}
    failing: dict[str, list[str]] = {}
    jobs: list[Job] = []
    for subscription, dues in chosen:
        secrets = opened[subscription.id]
        if secrets is None:
            await _put_off(session, subscription.id, now)
            continue
        for due in dues:
            if due.event_id not in bodies:
                failing.setdefault(UNREADABLE_EVENT, []).append(due.delivery_id)
            else:
                jobs.append(
                    Job(
                        delivery_id=due.delivery_id,
                        attempt=due.attempts + 1,
                        url=target_url(subscription, due.event_type),
                        event_id=due.event_id,
                        body=bodies[due.event_id],
                        secrets=secrets,
                        subscription_id=subscription.id,
                        leased_until=now + lease,
                    )
                )
    for reason, delivery_ids in failing.items():
        await session.execute(
            update(Delivery)
            .where(Delivery.id.in_(delivery_ids))
            .values(status=DeliveryStatus.FAILED.value, next_attempt_at=None, last_error=reason)
            .execution_options(synchronize_session=False)
        )
    if jobs:
        await session.execute(
            update(Delivery)
            .where(Delivery.id.in_([job.delivery_id for job in jobs]))
            .values(claimed_until=now + lease, attempts=Delivery.attempts + 1)
            .execution_options(synchronize_session=False)
        )
    return jobs


async def _put_off(session: AsyncSession, subscription_id: str, now: datetime) -> None:
    """Every due delivery of a subscription whose secret cannot be opened waits
    ``SECRET_RETRY``, still pending, saying why."""
    await session.execute(
        update(Delivery)
        .where(Delivery.subscription_id == subscription_id, claimable(now))
        .values(next_attempt_at=now + SECRET_RETRY, last_error=UNREADABLE_SECRET)
        .execution_options(synchronize_session=False)
    )
