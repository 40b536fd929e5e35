"""Firing due timers, each in its own transaction with its effect.

A timer is fired at most once: the case row is locked first (other workers skip a case that
is locked), then the timer row is re-read as still pending under lock, and the job, the
timer's ``fired`` state, history and events commit together.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

import structlog
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm.exc import StaleDataError

from order_completion.cases.service import CaseEngine, CaseUnit
from order_completion.clock import Clock
from order_completion.database import Database
from order_completion.errors import ServiceError
from order_completion.timers import service as timers
from order_completion.timers.tables import Timer, TimerKind, TimerState

TimerJob = Callable[[CaseUnit, Timer], Awaitable[str]]
log = structlog.get_logger(__name__)

RETRY_DELAY_SECONDS = 60


@dataclass
class TimerWorker:
    db: Database
    cases: CaseEngine
    jobs: Mapping[TimerKind, TimerJob]
    clock: Clock
    batch: int = 200

    async def fire_due(self) -> int:
        """Fire the timers due now; returns how many fired."""
        now = self.clock.now()
        async with self.db.read() as session:
            due = (
                await session.execute(
                    select(Timer.id, Timer.case_id)
                    .where(Timer.state == TimerState.PENDING.value, Timer.due_at <= now)
                    .order_by(Timer.due_at)
                    .limit(self.batch)
                )
            ).all()
            await session.rollback()
        fired = 0
        for timer_id, case_id in due:
            if await self._fire_one(timer_id, case_id):
                fired += 1
        return fired

    async def _fire_one(self, timer_id: str, case_id: str) -> bool:
        try:
            async with self.db.transaction() as session:
                now = self.clock.now()
                unit = await self.cases.load(session, case_id, now, skip_locked=True)
                if unit is None:
                    return False  # another transaction holds the case; next round
                timer = (
                    await session.scalars(
                        select(Timer)
                        .where(Timer.id == timer_id, Timer.state == TimerState.PENDING.value)
                        .with_for_update(skip_locked=True)
                    )
                ).first()
                if timer is None:
                    return False  # fired, cancelled or paused meanwhile
                result = await self.jobs[TimerKind(timer.kind)](unit, timer)
                timers.mark_fired(timer, now=now, result=result)
                log.info(
                    "timer.fired",
                    timer_id=timer.id,
                    kind=timer.kind,
                    case_id=case_id,
                    result=result,
                )
                return True
        except (StaleDataError, DBAPIError) as error:
            log.warning("timer.contended", timer_id=timer_id, error=str(error)[:200])
            return False
        except ServiceError as error:
            await self._postpone(timer_id, f"error: {error.message}")
            return False

    async def _postpone(self, timer_id: str, reason: str) -> None:
        from datetime import timedelta

        async with self.db.transaction() as session:
            timer = await session.get(Timer, timer_id)
            if timer is not None and timer.state == TimerState.PENDING.value:
                timer.due_at = self.clock.now() + timedelta(seconds=RETRY_DELAY_SECONDS)
                timer.result = reason[:40]
        log.warning("timer.postponed", timer_id=timer_id, reason=reason)
