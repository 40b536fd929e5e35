"""Scheduling, cancelling, pausing and claiming timers, always inside the caller's transaction."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from order_completion.timers.tables import Timer, TimerKind, TimerState


def schedule(
    session: AsyncSession,
    *,
    case_id: str,
    kind: TimerKind,
    due_at: datetime,
    now: datetime,
    step_id: str | None = None,
    payload: dict[str, Any] | None = None,
) -> Timer:
    timer = Timer(
        id=str(uuid.uuid4()),
        case_id=case_id,
        step_id=step_id,
        kind=kind.value,
        due_at=due_at,
        state=TimerState.PENDING.value,
        payload=payload or {},
        created_at=now,
    )
    session.add(timer)
    return timer


async def cancel(
    session: AsyncSession,
    *,
    case_id: str,
    step_id: str | None = None,
    kinds: tuple[TimerKind, ...] = (),
) -> None:
    """Cancel the open timers of a case, of one of its steps, or of some kinds."""
    statement = update(Timer).where(
        Timer.case_id == case_id,
        Timer.state.in_([TimerState.PENDING.value, TimerState.PAUSED.value]),
    )
    if step_id is not None:
        statement = statement.where(Timer.step_id == step_id)
    if kinds:
        statement = statement.where(Timer.kind.in_([kind.value for kind in kinds]))
    await session.execute(statement.values(state=TimerState.CANCELLED.value))


async def pause(session: AsyncSession, *, case_id: str) -> None:
    await session.execute(
        update(Timer)
        .where(Timer.case_id == case_id, Timer.state == TimerState.PENDING.value)
        .values(state=TimerState.PAUSED.value)
    )


async def resume(
    session: AsyncSession, *, case_id: str, held_since: datetime, now: datetime
) -> None:
    """Re-arm paused timers, moved later by the time the case spent on hold."""
    held_for = now - held_since
    paused = await session.scalars(
        select(Timer).where(Timer.case_id == case_id, Timer.state == TimerState.PAUSED.value)
    )
    for timer in paused:
        timer.due_at = timer.due_at + held_for
        timer.state = TimerState.PENDING.value


async def claim_due(session: AsyncSession, *, now: datetime, limit: int) -> list[Timer]:
    """Lock up to ``limit`` due timers for this transaction.

    On PostgreSQL other workers skip the locked rows (``SKIP LOCKED``), so several workers
    share the due timers without waiting on each other; on SQLite the immediate transaction
    already makes this worker the only writer.
    """
    statement = (
        select(Timer)
        .where(Timer.state == TimerState.PENDING.value, Timer.due_at <= now)
        .order_by(Timer.due_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(await session.scalars(statement))


def mark_fired(timer: Timer, *, now: datetime, result: str) -> None:
    timer.state = TimerState.FIRED.value
    timer.fired_at = now
    timer.result = result


async def pending_for_case(session: AsyncSession, case_id: str) -> list[Timer]:
    rows = await session.scalars(
        select(Timer)
        .where(
            Timer.case_id == case_id,
            Timer.state.in_([TimerState.PENDING.value, TimerState.PAUSED.value]),
        )
        .order_by(Timer.due_at)
    )
    return list(rows)
