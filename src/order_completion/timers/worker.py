"""Firing due timers in batches, each timer failing alone.

The worker knows nothing of what a timer does: it is handed ``fire_many`` (run the jobs of
many timers, each on its own case, in one transaction; a job that raises comes back as its
exception while the others commit), ``fire`` (run the job of one timer in its own unit of
work) and ``give_up`` (record a timer that failed for good). An exception from one timer is
recorded on that timer (attempts, last error) and the timer is tried again later with
backoff; the other due timers keep firing. After ``max_attempts`` the timer is marked failed
and ``give_up`` tells its case.

A batch holds at most one timer of each case, so the timers of one case still fire one
after the other in due order; the rest wait for the next round, which follows at once. When
a whole batch fails (the database refused its commit), its timers are fired again one by
one, so a timer that breaks the batch fails alone and the others fire. ``in_flight``
batches of distinct cases commit at once on separate connections (PostgreSQL).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

import structlog
from sqlalchemy import Select, literal_column, or_, select

from order_completion.clock import Clock
from order_completion.database import Database
from order_completion.timers.rules import (
    MAX_ATTEMPTS,
    DueTimer,
    TimerKind,
    gives_up,
    retry_delay,
)
from order_completion.timers.service import TIMERS, TimerStore
from order_completion.timers.tables import PENDING_ONLY

FireTimer = Callable[[DueTimer], Awaitable[bool]]
# One outcome per timer, in order: True fired, False not fired (its case was busy, or the
# timer was no longer pending), or the exception its job raised.
Outcome = bool | Exception
FireTimers = Callable[[Sequence[DueTimer]], Awaitable[Sequence[Outcome]]]
GiveUp = Callable[[DueTimer, str], Awaitable[None]]
log = structlog.get_logger(__name__)


def due_query(now: datetime, limit: int) -> Select[tuple[str, str, str, datetime, str | None, int]]:
    """The earliest due timers: pending, past their due time and, after a failed try,
    past their retry time. Only the columns a job needs (the payload is read when the
    timer is claimed), so the read stays cheap.

    The state is written into the SQL as the partial index ``ix_timer_pending_due_at``
    states it: with a bound parameter instead, SQLite never uses a partial index and
    PostgreSQL stops using it once it caches a generic plan, scanning the whole table."""
    return (
        select(
            TIMERS.c.id,
            TIMERS.c.case_id,
            TIMERS.c.kind,
            TIMERS.c.due_at,
            TIMERS.c.step_id,
            TIMERS.c.attempts,
        )
        .where(
            literal_column(PENDING_ONLY),  # as the partial index says it, not a parameter
            TIMERS.c.due_at <= now,
            or_(TIMERS.c.retry_at.is_(None), TIMERS.c.retry_at <= now),
        )
        .order_by(TIMERS.c.due_at)
        .limit(limit)
    )


def one_per_case(due: Sequence[DueTimer]) -> tuple[list[DueTimer], int]:
    """The earliest due timer of each case, and how many others wait for a later round."""
    batch: dict[str, DueTimer] = {}
    for timer in due:
        batch.setdefault(timer.case_id, timer)
    return list(batch.values()), len(due) - len(batch)


@dataclass
class TimerWorker:
    db: Database
    clock: Clock
    fire: FireTimer
    give_up: GiveUp
    fire_many: FireTimers | None = None
    batch: int = 200
    # Batches committing at once, on separate connections: on PostgreSQL one batch's
    # statements run while the next one's jobs run here. Their cases never overlap.
    in_flight: int = 1
    max_attempts: int = MAX_ATTEMPTS

    async def fire_due(self, *, for_seconds: float | None = None) -> int:
        """Fire the timers due now, round after round while a backlog is left and the
        rounds make progress; returns how many fired.

        With ``for_seconds``, no new round starts once that long has passed (one always
        runs): the worker then gets back to its other jobs and sees a stop request, and
        comes back at once for the rest, since it did work. Without it a backlog of 100,000
        due timers held the relay and a shutdown for minutes.
        """
        deadline = None if for_seconds is None else time.monotonic() + for_seconds
        fired = 0
        while True:
            read = await self._read_due(self.batch * self.in_flight)
            due, waiting = one_per_case(read)
            if not due:
                return fired
            batches = [due[start : start + self.batch] for start in range(0, len(due), self.batch)]
            outcomes = [
                outcome
                for batch_outcomes in await asyncio.gather(*map(self._fire_batch, batches))
                for outcome in batch_outcomes
            ]
            fired_now = sum(outcome is True for outcome in outcomes)
            recorded = [
                await self._failed(timer, outcome)
                for timer, outcome in zip(due, outcomes, strict=True)
                if isinstance(outcome, Exception)
            ]
            fired += fired_now
            backlog = waiting > 0 or len(read) == self.batch * self.in_flight
            # Busy cases come back on the next poll; so does everything when not even a
            # failure could be written (the database is away), rather than spin here.
            if not (backlog and (fired_now or any(recorded))):
                return fired
            if deadline is not None and time.monotonic() >= deadline:
                return fired

    async def _read_due(self, limit: int) -> list[DueTimer]:
        async with self.db.read() as session:
            rows = (await session.execute(due_query(self.clock.now(), limit))).all()
            await session.rollback()
        return [
            DueTimer(
                id=row.id,
                case_id=row.case_id,
                kind=TimerKind(row.kind),
                due_at=row.due_at,
                step_id=row.step_id,
                attempts=row.attempts or 0,
            )
            for row in rows
        ]

    async def _fire_batch(self, due: Sequence[DueTimer]) -> list[Outcome]:
        """Fire ``due`` in one transaction; one by one if there is no batch command or
        the batch as a whole failed."""
        if self.fire_many is not None:
            try:
                return list(await self.fire_many(due))
            except Exception as error:
                log.warning("timer.batch_failed", timers=len(due), error=repr(error)[:300])
        return [await self._fire_one(timer) for timer in due]

    async def _fire_one(self, timer: DueTimer) -> Outcome:
        try:
            return await self.fire(timer)
        except Exception as error:  # one timer's failure must not stop the others
            return error

    async def _failed(self, timer: DueTimer, error: Exception) -> bool:
        """Record a failed try on the timer (or give up on it); False when even that
        could not be written."""
        attempts = timer.attempts + 1
        message = f"{type(error).__name__}: {error}"[:500]
        log.warning(
            "timer.failed",
            timer_id=timer.id,
            kind=timer.kind.value,
            case_id=timer.case_id,
            attempts=attempts,
            error=message,
        )
        try:
            if gives_up(attempts, self.max_attempts):
                failed = DueTimer(**{**timer.__dict__, "attempts": attempts})
                await self.give_up(failed, message)
                return True
            async with self.db.transaction() as session:
                await TimerStore(session).record_failure(
                    timer.id,
                    attempts=attempts,
                    error=message,
                    retry_at=self.clock.now() + retry_delay(attempts),
                )
            return True
        except Exception as second:  # the database itself may be what fails
            log.error("timer.failure_not_recorded", timer_id=timer.id, error=repr(second)[:300])
            return False
