"""Firing due timers, each in its own transaction, each failing alone.

The worker knows nothing of what a timer does: it is handed ``fire`` (run the job of one
timer, in its own unit of work) and ``give_up`` (record a timer that failed for good). An
exception from one timer is recorded on that timer (attempts, last error) and the timer is
tried again later with backoff; the other due timers keep firing. After ``max_attempts``
the timer is marked failed and ``give_up`` tells its case.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import structlog
from sqlalchemy import or_, select

from order_completion.clock import Clock
from order_completion.database import Database
from order_completion.timers.rules import MAX_ATTEMPTS, DueTimer, TimerState, gives_up, retry_delay
from order_completion.timers.service import TimerStore, due_timer
from order_completion.timers.tables import Timer

FireTimer = Callable[[DueTimer], Awaitable[bool]]
GiveUp = Callable[[DueTimer, str], Awaitable[None]]
log = structlog.get_logger(__name__)


@dataclass
class TimerWorker:
    db: Database
    clock: Clock
    fire: FireTimer
    give_up: GiveUp
    batch: int = 200
    max_attempts: int = MAX_ATTEMPTS

    async def fire_due(self) -> int:
        """Fire the timers due now; returns how many fired."""
        now = self.clock.now()
        async with self.db.read() as session:
            due = [
                due_timer(row)
                for row in await session.scalars(
                    select(Timer)
                    .where(
                        Timer.state == TimerState.PENDING.value,
                        Timer.due_at <= now,
                        or_(Timer.retry_at.is_(None), Timer.retry_at <= now),
                    )
                    .order_by(Timer.due_at)
                    .limit(self.batch)
                )
            ]
            await session.rollback()
        fired = 0
        for timer in due:
            if await self._fire_one(timer):
                fired += 1
        return fired

    async def _fire_one(self, timer: DueTimer) -> bool:
        try:
            return await self.fire(timer)
        except Exception as error:  # one timer's failure must not stop the others
            await self._failed(timer, error)
            return False

    async def _failed(self, timer: DueTimer, error: Exception) -> None:
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
                return
            async with self.db.transaction() as session:
                await TimerStore(session).record_failure(
                    timer.id,
                    attempts=attempts,
                    error=message,
                    retry_at=self.clock.now() + retry_delay(attempts),
                )
        except Exception as second:  # the database itself may be what fails
            log.error("timer.failure_not_recorded", timer_id=timer.id, error=repr(second)[:300])
