"""The composition root: builds every service from settings, and nothing else does.

Step starters and timer jobs of each feature are wired here, so features stay unaware of
each other and tests can build the same graph with a fixed clock.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

import httpx
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from order_completion.acceptance import service as acceptance_service
from order_completion.auth.service import Authenticator, JwtConfig
from order_completion.cases import jobs as case_jobs
from order_completion.cases.rules import StepKind
from order_completion.cases.service import CaseEngine, StepStarter
from order_completion.clock import Clock, SystemClock
from order_completion.commissioning import service as commissioning_service
from order_completion.customer_records import service as customer_records_service
from order_completion.database import Database
from order_completion.events import ledger
from order_completion.events.guard import CallbackGuard, parse_allowlist
from order_completion.events.relay import relay_due
from order_completion.events.retry import parse_schedule
from order_completion.events.sender import Sender
from order_completion.events.stream import StreamPublisher
from order_completion.interactions import service as interactions_service
from order_completion.orders.service import Intake, prune_inbound
from order_completion.policies.loader import load_policies
from order_completion.policies.service import PolicyBook
from order_completion.processflow.events import ProcessFlowEvents
from order_completion.settings import Settings
from order_completion.surveys import service as surveys_service
from order_completion.timers.tables import TimerKind
from order_completion.timers.worker import TimerJob, TimerWorker
from order_completion.training import service as training_service
from order_completion.worker import Worker

T = TypeVar("T")

STEP_STARTERS: dict[StepKind, StepStarter] = {
    StepKind.READY_FOR_SERVICE_NOTICE: interactions_service.send_ready_for_service_notice,
    StepKind.COMMISSIONING_TEST: commissioning_service.start,
    StepKind.ACCEPTANCE: acceptance_service.start,
    StepKind.CUSTOMER_UPDATE: customer_records_service.update_customer_records,
    StepKind.TRAINING: training_service.start,
    StepKind.SATISFACTION_SURVEY: surveys_service.start,
}

TIMER_JOBS: dict[TimerKind, TimerJob] = {
    TimerKind.ACCEPTANCE_WINDOW_END: acceptance_service.on_window_end,
    TimerKind.ACCEPTANCE_REMINDER: acceptance_service.on_reminder,
    TimerKind.JEOPARDY_WARNING: case_jobs.on_jeopardy_warning,
    TimerKind.JEOPARDY_BREACH: case_jobs.on_jeopardy_breach,
    TimerKind.TRAINING_DUE: training_service.on_due,
    TimerKind.SURVEY_AUTO_CLOSE: surveys_service.on_auto_close,
}


@dataclass
class Services:
    settings: Settings
    db: Database
    clock: Clock
    policies: PolicyBook
    cases: CaseEngine
    intake: Intake
    timers: TimerWorker
    guard: CallbackGuard
    sender: Sender
    worker: Worker
    auth: Authenticator
    stream: StreamPublisher | None = None

    async def write(
        self, work: Callable[[AsyncSession, datetime], Awaitable[T]], *, retries: int = 1
    ) -> T:
        """Run ``work`` in one transaction; retry once when a unique key was taken
        concurrently (the retry then finds the row the other writer committed)."""
        for attempt in range(retries + 1):
            try:
                async with self.db.transaction() as session:
                    return await work(session, self.clock.now())
            except IntegrityError:
                if attempt == retries:
                    raise
        raise AssertionError("unreachable")

    async def close(self) -> None:
        if self.stream is not None:
            await self.stream.close()
        await self.sender.client.aclose()
        await self.db.dispose()


def build_services(settings: Settings, *, clock: Clock | None = None) -> Services:
    """Everything the API, the worker and the CLI need, built from ``settings``."""
    db = Database(settings.database_url)
    clock = clock or SystemClock()
    policies = PolicyBook(load_policies(settings.policy_dir))
    cases = CaseEngine(
        STEP_STARTERS,
        base_url=settings.public_url.rstrip("/"),
        observers=[ProcessFlowEvents()],
    )
    timer_worker = TimerWorker(db=db, cases=cases, jobs=TIMER_JOBS, clock=clock)
    guard = CallbackGuard(parse_allowlist(settings.callback_allowlist))
    sender = Sender(
        db=db,
        clock=clock,
        # Redirects are failures: a receiver that moved must be registered again.
        client=httpx.AsyncClient(follow_redirects=False),
        guard=guard,
        schedule=parse_schedule(settings.retry_schedule),
        timeout_seconds=settings.delivery_timeout_seconds,
    )

    async def relay() -> int:
        return await relay_due(db, clock.now())

    retention = Retention(db, clock, timedelta(days=settings.delivery_retention_days))
    stream = (
        StreamPublisher(db, clock, settings.nats_url, stream=settings.nats_stream)
        if settings.nats_url
        else None
    )
    worker = Worker(
        jobs=[
            ("relay", relay),
            ("send", sender.send_due),
            ("timers", timer_worker.fire_due),
            ("retention", retention.prune_hourly),
            *([("stream", stream.publish_due)] if stream else []),
        ],
        poll_seconds=settings.worker_poll_seconds,
    )
    auth = Authenticator(
        db,
        bootstrap_token=settings.bootstrap_token,
        jwt_config=jwt_config(settings),
        cache_seconds=settings.token_cache_seconds,
    )
    return Services(
        settings=settings,
        db=db,
        clock=clock,
        policies=policies,
        cases=cases,
        intake=Intake(cases=cases, policies=policies),
        timers=timer_worker,
        guard=guard,
        sender=sender,
        worker=worker,
        auth=auth,
        stream=stream,
    )


@dataclass
class Retention:
    """Prunes the delivery ledger at most once an hour (it counts as no work done)."""

    db: Database
    clock: Clock
    keep: timedelta
    last_run: datetime | None = None

    async def prune_hourly(self) -> int:
        now = self.clock.now()
        if self.last_run is None or now - self.last_run >= timedelta(hours=1):
            self.last_run = now
            await ledger.prune(self.db, now, self.keep)
            await prune_inbound(self.db, now, self.keep)
        return 0


def jwt_config(settings: Settings) -> JwtConfig | None:
    """Trust JWTs only when a key is configured; pick safe algorithms for the key's kind."""
    if not settings.jwt_key:
        return None
    asymmetric = settings.jwt_key.lstrip().startswith("-----BEGIN")
    algorithms = settings.jwt_algorithms or (["RS256", "ES256"] if asymmetric else ["HS256"])
    return JwtConfig(
        key=settings.jwt_key,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        algorithms=tuple(algorithms),
        role_claim=settings.jwt_role_claim,
    )
