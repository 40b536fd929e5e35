"""The sender: POST due deliveries, signed, to their receivers, and record every attempt.

A delivery is claimed for a lease and the claim committed before the request is sent, so a
slow receiver holds no database lock; if the worker dies mid-send the lease runs out and
another attempt follows (at-least-once: a receiver may see an event twice after a fault, with
the same ``webhook-id``). Attempts are recorded in one transaction per batch.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx
import structlog
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from order_completion import json_codec
from order_completion.clock import Clock
from order_completion.database import Database
from order_completion.errors import InvalidInput
from order_completion.events import outbox, retry, signing
from order_completion.events.deliveries import Delivery, DeliveryAttempt, DeliveryStatus
from order_completion.events.guard import CallbackGuard
from order_completion.events.subscriptions import Subscription

log = structlog.get_logger(__name__)
RESPONSE_KEPT = 2000


@dataclass(frozen=True)
class Job:
    delivery_id: str
    attempt: int
    url: str
    event_id: str
    body: bytes
    secrets: tuple[str, ...]
    subscription_id: str


@dataclass
class Outcome:
    job: Job
    started_at: datetime
    duration_ms: int
    status_code: int | None = None
    response_body: str | None = None
    error: str | None = None
    retry_after: str | None = None
    verdict: retry.Verdict = field(default=retry.Verdict.RETRY)


def target_url(subscription: Subscription, event_type: str) -> str:
    if subscription.style == "listener":
        return f"{subscription.callback.rstrip('/')}/listener/{event_type}"
    return subscription.callback


def secrets_of(subscription: Subscription, now: datetime) -> tuple[str, ...]:
    if (
        subscription.previous_secret
        and subscription.previous_secret_until
        and subscription.previous_secret_until > now
    ):
        return (subscription.secret, subscription.previous_secret)
    return (subscription.secret,)


@dataclass
class Sender:
    db: Database
    clock: Clock
    client: httpx.AsyncClient
    guard: CallbackGuard
    schedule: Sequence[timedelta] = retry.DEFAULT_SCHEDULE
    timeout_seconds: float = 15.0
    # How long past the request timeout a claim is held: a worker that died mid-send blocks
    # its slots under the in-flight cap no longer than this.
    lease_margin: timedelta = timedelta(seconds=10)
    batch: int = 200
    disable_after: timedelta = timedelta(days=5)

    @property
    def lease(self) -> timedelta:
        """A claim outlives the longest attempt (the timeout) by ``lease_margin``."""
        return timedelta(seconds=self.timeout_seconds) + self.lease_margin

    async def send_due(self) -> int:
        """One round: claim, send concurrently, record. Returns how many attempts were made."""
        jobs = await self._claim()
        if not jobs:
            return 0
        outcomes = await asyncio.gather(*(self._attempt(job) for job in jobs))
        await self._record(outcomes)
        return len(outcomes)

    async def _claim(self) -> list[Job]:
        now = self.clock.now()
        async with self.db.transaction() as session:
            rows = (
                await session.execute(
                    select(Delivery, Subscription)
                    .join(Subscription, Subscription.id == Delivery.subscription_id)
                    .where(
                        Delivery.status == DeliveryStatus.PENDING.value,
                        Delivery.next_attempt_at <= now,
                        or_(Delivery.claimed_until.is_(None), Delivery.claimed_until < now),
                        Subscription.disabled_at.is_(None),
                    )
                    .order_by(Delivery.next_attempt_at)
                    .limit(self.batch)
                    .with_for_update(skip_locked=True, of=Delivery)
                )
            ).all()
            in_flight: Counter[str] = Counter()
            jobs = []
            bodies = await outbox.envelopes_of(
                session, [(delivery.batch_id, delivery.event_id) for delivery, _ in rows]
            )
            for delivery, subscription in rows:
                body = bodies.get(delivery.event_id)
                if body is None:
                    continue  # its outbox row is gone (past retention): nothing to send
                if in_flight[subscription.id] >= subscription.max_in_flight:
                    continue  # the receiver has enough in flight; next round
                in_flight[subscription.id] += 1
                delivery.claimed_until = now + self.lease
                delivery.attempts += 1
                jobs.append(
                    Job(
                        delivery_id=delivery.id,
                        attempt=delivery.attempts,
                        url=target_url(subscription, delivery.event_type),
                        event_id=delivery.event_id,
                        body=json_codec.dumps(body),
                        secrets=secrets_of(subscription, now),
                        subscription_id=subscription.id,
                    )
                )
            return jobs

    async def _attempt(self, job: Job) -> Outcome:
        started = self.clock.now()
        began = time.perf_counter()
        outcome = Outcome(job, started, 0)
        try:
            target = await self.guard.check(job.url)
            timestamp = int(time.time())
            headers = {
                "content-type": "application/json",
                "user-agent": "order-completion-webhooks",
                "host": target.host_header,
                "webhook-id": job.event_id,
                "webhook-timestamp": str(timestamp),
                "webhook-signature": signing.signature_header(
                    list(job.secrets), job.event_id, timestamp, job.body
                ),
            }
            extensions = {"sni_hostname": target.sni_hostname} if target.sni_hostname else {}
            response = await self.client.post(
                target.url,
                content=job.body,
                headers=headers,
                timeout=self.timeout_seconds,
                extensions=extensions,
            )
            outcome.status_code = response.status_code
            outcome.response_body = response.text[:RESPONSE_KEPT]
            outcome.retry_after = response.headers.get("retry-after")
        except InvalidInput as error:
            outcome.error = f"refused by the callback guard: {error.message}"
        except httpx.HTTPError as error:
            outcome.error = f"{type(error).__name__}: {error}"[:RESPONSE_KEPT]
        outcome.duration_ms = int((time.perf_counter() - began) * 1000)
        outcome.verdict = retry.judge(outcome.status_code)
        return outcome

    async def _record(self, outcomes: Sequence[Outcome]) -> None:
        now = self.clock.now()
        async with self.db.transaction() as session:
            # One query per table for the whole batch; the identity map does the rest.
            wanted = [outcome.job.delivery_id for outcome in outcomes]
            deliveries = {
                row.id: row
                for row in await session.scalars(select(Delivery).where(Delivery.id.in_(wanted)))
            }
            owners = {outcome.job.subscription_id for outcome in outcomes}
            listeners = {
                row.id: row
                for row in await session.scalars(
                    select(Subscription).where(Subscription.id.in_(owners))
                )
            }
            for outcome in outcomes:
                delivery = deliveries.get(outcome.job.delivery_id)
                subscription = listeners.get(outcome.job.subscription_id)
                if delivery is None or subscription is None:
                    continue
                session.add(
                    DeliveryAttempt(
                        id=str(uuid.uuid4()),
                        delivery_id=delivery.id,
                        number=outcome.job.attempt,
                        started_at=outcome.started_at,
                        duration_ms=outcome.duration_ms,
                        url=outcome.job.url,
                        status_code=outcome.status_code,
                        response_body=outcome.response_body,
                        error=outcome.error,
                        verdict=outcome.verdict.value,
                    )
                )
                self._apply(session, delivery, subscription, outcome, now)

    def _disable(
        self, session: AsyncSession, subscription: Subscription, now: datetime, reason: str
    ) -> None:
        """Stop delivering to a listener, and tell the operators' own listeners."""
        if subscription.disabled_at is not None:
            return
        subscription.disabled_at = now
        subscription.disabled_reason = reason
        log.warning("subscription.disabled", subscription_id=subscription.id, reason=reason)
        outbox.record(
            session,
            event_type="hubSubscriptionDisabledEvent",
            now=now,
            body={
                "subscription": {
                    "id": subscription.id,
                    "api": subscription.api,
                    "callback": subscription.callback,
                    "reason": reason,
                }
            },
        )

    def _apply(
        self,
        session: AsyncSession,
        delivery: Delivery,
        subscription: Subscription,
        outcome: Outcome,
        now: datetime,
    ) -> None:
        delivery.claimed_until = None
        delivery.last_status_code = outcome.status_code
        delivery.last_error = outcome.error
        verdict = outcome.verdict
        if verdict is retry.Verdict.DELIVERED:
            delivery.status = DeliveryStatus.DELIVERED.value
            delivery.delivered_at = now
            delivery.next_attempt_at = None
            subscription.failing_since = None
            return
        if verdict is retry.Verdict.GONE:
            delivery.status = DeliveryStatus.FAILED.value
            delivery.next_attempt_at = None
            self._disable(session, subscription, now, "the receiver answered 410 Gone")
            return
        if verdict is retry.Verdict.RETRY:
            subscription.failing_since = subscription.failing_since or now
            if now - subscription.failing_since >= self.disable_after:
                self._disable(
                    session,
                    subscription,
                    now,
                    f"every delivery failed for {self.disable_after.days} days",
                )
        wait = retry.retry_after(outcome.retry_after, now)
        following = retry.next_attempt(
            delivery.attempts, now, schedule=self.schedule, wait_at_least=wait
        )
        if following.at is None:
            delivery.status = DeliveryStatus.FAILED.value
            delivery.next_attempt_at = None
        else:
            delivery.next_attempt_at = following.at
