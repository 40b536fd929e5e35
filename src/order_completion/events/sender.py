"""The sender: POST claimed deliveries, signed, to their receivers, and record every attempt.

Claiming (``claims.py``) commits a lease before the request is sent; an attempt's outcome is
recorded in a later, separate transaction, together with whatever other attempts finished
meanwhile. ``send_due`` does one whole round (claim, send, record) for tests and step-by-step
runs; the worker sends continuously with ``ContinuousSender`` built on the same three steps.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import cast

import httpx
import structlog
from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from order_completion.clock import Clock
from order_completion.database import Database, append_row
from order_completion.errors import InvalidInput
from order_completion.events import outbox, retry, signing
from order_completion.events.claims import Job, claim_due
from order_completion.events.deliveries import Delivery, DeliveryAttempt, DeliveryStatus
from order_completion.events.guard import CallbackGuard
from order_completion.events.rules import redacted_url
from order_completion.events.sealing import SecretBox
from order_completion.events.subscriptions import Subscription

log = structlog.get_logger(__name__)
RESPONSE_KEPT = 2000
ATTEMPTS = cast(Table, DeliveryAttempt.__table__)


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


def storable(text: str) -> str:
    """Text as a column keeps it: at most ``RESPONSE_KEPT`` characters and no NUL, which
    PostgreSQL refuses in text (one odd answer must not fail the others' recording)."""
    return text[:RESPONSE_KEPT].replace("\x00", "")


def failure_text(error: Exception) -> str:
    """What the ledger says about an attempt that raised: the exception's class and message."""
    if isinstance(error, InvalidInput):
        return storable(f"refused by the callback guard: {error.message}")
    if isinstance(error, TimeoutError):
        return "TimeoutError: the attempt took longer than the delivery timeout"
    return storable(f"{type(error).__name__}: {error}")


@dataclass
class ReceiverClients:
    """One HTTP client, so one connection pool, per subscription.

    httpx's pool does work in proportion to its connections on every request, so many small
    pools (at most a subscription's cap each) cost far less than one holding every slot's
    connection, and one receiver's connections never queue behind another's.
    """

    make: Callable[[], httpx.AsyncClient]
    _clients: dict[str, httpx.AsyncClient] = field(default_factory=dict, init=False)

    def of(self, subscription_id: str) -> httpx.AsyncClient:
        client = self._clients.get(subscription_id)
        if client is None:
            client = self._clients[subscription_id] = self.make()
        return client

    async def aclose(self) -> None:
        clients = list(self._clients.values())
        self._clients.clear()
        for client in clients:
            await client.aclose()


@dataclass
class Sender:
    db: Database
    clock: Clock
    clients: ReceiverClients
    guard: CallbackGuard
    derivations: outbox.Derivations
    box: SecretBox
    schedule: Sequence[timedelta] = retry.DEFAULT_SCHEDULE
    timeout_seconds: float = 15.0
    # How long past the request timeout a claim is held: a worker that died mid-send blocks
    # its slots under the in-flight cap no longer than this.
    lease_margin: timedelta = timedelta(seconds=10)
    batch: int = 200
    disable_after: timedelta = timedelta(days=5)
    # Told the verdict of every attempt (the composition root counts them for the metrics).
    on_verdict: Callable[[retry.Verdict], None] = lambda verdict: None

    @property
    def lease(self) -> timedelta:
        """A claim outlives the longest attempt (the timeout) by ``lease_margin``."""
        return timedelta(seconds=self.timeout_seconds) + self.lease_margin

    async def send_due(self) -> int:
        """One round: claim up to ``batch``, send them concurrently, record them all; returns
        how many attempts were made. Every attempt waits for the slowest, so the worker
        sends continuously instead; this is for tests and step-by-step runs."""
        jobs = await self.claim(self.batch)
        if not jobs:
            return 0
        outcomes = await asyncio.gather(*(self.attempt(job) for job in jobs))
        await self.record(outcomes)
        return len(outcomes)

    async def claim(self, limit: int, ended: Mapping[str, int] | None = None) -> list[Job]:
        """Lease up to ``limit`` due deliveries in a committed transaction (see claims.py
        for ``ended``)."""
        async with self.db.transaction() as session:
            return await claim_due(
                session,
                self.clock.now(),
                self.lease,
                limit,
                ended,
                derivations=self.derivations,
                box=self.box,
            )

    async def attempt(self, job: Job) -> Outcome:
        """Send one claimed delivery. Never raises (but for cancellation): whatever goes
        wrong is this attempt's failure, recorded like a refused connection."""
        started = self.clock.now()
        began = time.perf_counter()
        outcome = Outcome(job, started, 0)
        try:
            # httpx's timeout bounds each phase; this bounds the whole attempt (name lookup
            # and an answer trickling in included), so it always ends well within its lease.
            async with asyncio.timeout(self.timeout_seconds):
                response = await self._post(job)
            outcome.status_code = response.status_code
            outcome.response_body = storable(response.text)
            outcome.retry_after = response.headers.get("retry-after")
        except Exception as error:
            outcome.error = failure_text(error)
            _log_failure(job, error)
        outcome.duration_ms = int((time.perf_counter() - began) * 1000)
        outcome.verdict = retry.judge(outcome.status_code)
        self.on_verdict(outcome.verdict)
        if outcome.status_code is not None and outcome.verdict is not retry.Verdict.DELIVERED:
            log.warning(
                "delivery.attempt_refused",
                delivery_id=job.delivery_id,
                subscription_id=job.subscription_id,
                attempt=job.attempt,
                status=outcome.status_code,
                verdict=outcome.verdict.value,
            )
        return outcome

    async def _post(self, job: Job) -> httpx.Response:
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
        return await self.clients.of(job.subscription_id).post(
            target.url,
            content=job.body,
            headers=headers,
            timeout=self.timeout_seconds,
            extensions=extensions,
        )

    async def record(self, outcomes: Sequence[Outcome]) -> None:
        """Record outcomes in one transaction; if that fails, each in its own, so one that
        cannot be stored costs only its own (it is attempted again when its lease ends)."""
        try:
            await self._record_together(outcomes)
        except Exception:
            if len(outcomes) == 1:
                log.exception("delivery.record_failed", delivery_id=outcomes[0].job.delivery_id)
                return
            log.warning("delivery.group_record_failed", outcomes=len(outcomes), exc_info=True)
            for outcome in outcomes:
                await self.record([outcome])

    async def _record_together(self, outcomes: Sequence[Outcome]) -> None:
        now = self.clock.now()
        async with self.db.transaction() as session:
            # One query for the whole group; the identity map does the rest.
            rows = await session.execute(
                select(Delivery, Subscription)
                .join(Subscription, Subscription.id == Delivery.subscription_id)
                .where(Delivery.id.in_([outcome.job.delivery_id for outcome in outcomes]))
            )
            found = {delivery.id: (delivery, subscription) for delivery, subscription in rows}
            for outcome in outcomes:
                if outcome.job.delivery_id not in found:
                    continue  # deleted meanwhile (with its subscription)
                delivery, subscription = found[outcome.job.delivery_id]
                append_row(session, ATTEMPTS, _attempt_row(outcome))
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
                    # Every listener of these events reads it: no credentials.
                    "callback": redacted_url(subscription.callback),
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


def _attempt_row(outcome: Outcome) -> dict[str, object]:
    job = outcome.job
    return {
        "id": str(uuid.uuid4()),
        "delivery_id": job.delivery_id,
        "number": job.attempt,
        "started_at": outcome.started_at,
        "duration_ms": outcome.duration_ms,
        "url": job.url,
        "status_code": outcome.status_code,
        "response_body": outcome.response_body,
        "error": outcome.error,
        "verdict": outcome.verdict.value,
    }


def _log_failure(job: Job, error: Exception) -> None:
    """Name the exception's class; a traceback only for what no receiver should cause."""
    expected = isinstance(error, httpx.HTTPError | InvalidInput | TimeoutError)
    log.warning(
        "delivery.attempt_failed",
        delivery_id=job.delivery_id,
        subscription_id=job.subscription_id,
        attempt=job.attempt,
        error_class=type(error).__name__,
        exc_info=not expected,
    )
