"""Timer rows inside the caller's transaction: scheduling, cancelling, pausing, resuming,
claiming a due timer and recording what became of it."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from order_completion.timers.rules import OPEN_STATES, DueTimer, TimerKind, TimerState
from order_completion.timers.tables import Timer

TIMERS = cast(Table, Timer.__table__)
OPEN = [state.value for state in OPEN_STATES]


def new_row(
    *,
    case_id: str,
    kind: TimerKind,
    due_at: datetime,
    now: datetime,
    step_id: str | None = None,
    payload: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A pending timer row, ready to insert."""
    return {
        "id": str(uuid.uuid4()),
        "case_id": case_id,
        "step_id": step_id,
        "kind": kind.value,
        "due_at": due_at,
        "state": TimerState.PENDING.value,
        "payload": payload or {},
        "created_at": now,
        "fired_at": None,
        "result": None,
        "attempts": 0,
        "last_error": None,
        "retry_at": None,
    }


def due_timer(row: Timer) -> DueTimer:
    return DueTimer(
        id=row.id,
        case_id=row.case_id,
        kind=TimerKind(row.kind),
        due_at=row.due_at,
        step_id=row.step_id,
        payload=dict(row.payload or {}),
        attempts=row.attempts or 0,
    )


class TimerStore:
    """The timers of one transaction."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def cancel(self, *, case_id: str, step_id: str | None = None) -> None:
        """Cancel the open timers of a case, or of one step."""
        statement = update(TIMERS).where(TIMERS.c.case_id == case_id, TIMERS.c.state.in_(OPEN))
        if step_id is not None:
            statement = statement.where(TIMERS.c.step_id == step_id)
        await self.session.execute(statement.values(state=TimerState.CANCELLED.value))

    async def cancel_many(self, targets: Sequence[tuple[str, str | None]]) -> None:
        """``cancel`` for many cases at once: (case id, step id or None for every step)."""
        whole = [{"b_case": case_id} for case_id, step_id in targets if step_id is None]
        steps = [
            {"b_case": case_id, "b_step": step_id}
            for case_id, step_id in targets
            if step_id is not None
        ]
        # The same statement for every case: no expanding IN, which executemany refuses.
        open_of_case = update(TIMERS).where(
            TIMERS.c.case_id == bindparam("b_case"),
            or_(*(TIMERS.c.state == state for state in OPEN)),
        )
        cancelled = {"state": TimerState.CANCELLED.value}
        if steps:
            await self.session.execute(
                open_of_case.where(TIMERS.c.step_id == bindparam("b_step")).values(cancelled),
                steps,
            )
        if whole:
            await self.session.execute(open_of_case.values(cancelled), whole)

    async def pause(self, *, case_id: str) -> None:
        await self.session.execute(
            update(TIMERS)
            .where(TIMERS.c.case_id == case_id, TIMERS.c.state == TimerState.PENDING.value)
            .values(state=TimerState.PAUSED.value)
        )

    async def resume(self, *, case_id: str, held_for: timedelta) -> None:
        """Re-arm paused timers, moved later by the time the case spent on hold."""
        paused = (
            await self.session.execute(
                select(TIMERS.c.id, TIMERS.c.due_at).where(
                    TIMERS.c.case_id == case_id, TIMERS.c.state == TimerState.PAUSED.value
                )
            )
        ).all()
        if paused:
            await self.session.execute(
                update(TIMERS).where(TIMERS.c.id == bindparam("b_id")),
                [
                    {
                        "b_id": row.id,
                        "due_at": row.due_at + held_for,
                        "state": TimerState.PENDING.value,
                    }
                    for row in paused
                ],
            )

    async def claim(self, timer_id: str) -> DueTimer | None:
        """The timer, locked, if it is still pending (other workers skip it)."""
        row = (
            await self.session.scalars(
                select(Timer)
                .where(Timer.id == timer_id, Timer.state == TimerState.PENDING.value)
                .with_for_update(skip_locked=True)
            )
        ).first()
        return due_timer(row) if row is not None else None

    async def claim_many(self, timer_ids: Sequence[str]) -> dict[str, DueTimer]:
        """The timers still pending among ``timer_ids``, locked, by id (other workers skip
        them)."""
        if not timer_ids:
            return {}
        rows = await self.session.scalars(
            select(Timer)
            .where(Timer.id.in_(timer_ids), Timer.state == TimerState.PENDING.value)
            .with_for_update(skip_locked=True)
        )
        return {row.id: due_timer(row) for row in rows}

    async def mark_fired_many(self, results: Mapping[str, str], *, now: datetime) -> None:
        """Mark many timers fired at once, each with its result (timer id → result)."""
        if results:
            await self.session.execute(
                update(TIMERS).where(TIMERS.c.id == bindparam("b_id")),
                [
                    {
                        "b_id": timer_id,
                        "state": TimerState.FIRED.value,
                        "fired_at": now,
                        "result": result,
                    }
                    for timer_id, result in results.items()
                ],
            )

    async def mark_fired(self, timer_id: str, *, now: datetime, result: str) -> None:
        await self.session.execute(
            update(TIMERS)
            .where(TIMERS.c.id == timer_id)
            .values(state=TimerState.FIRED.value, fired_at=now, result=result)
        )

    async def record_failure(
        self, timer_id: str, *, attempts: int, error: str, retry_at: datetime | None
    ) -> bool:
        """A failed try: tried again from ``retry_at``, or ``failed`` for good when None.
        False when the timer is no longer pending (it fired or was cancelled meanwhile)."""
        values: dict[str, Any] = {"attempts": attempts, "last_error": error}
        if retry_at is None:
            values.update(state=TimerState.FAILED.value, result="failed")
        else:
            values.update(retry_at=retry_at)
        result = await self.session.execute(
            update(TIMERS)
            .where(TIMERS.c.id == timer_id, TIMERS.c.state == TimerState.PENDING.value)
            .values(**values)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]
