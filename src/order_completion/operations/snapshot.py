"""What the database says about the work in flight, read when Prometheus scrapes.

Each figure is one aggregate query that an index answers, or that only reads rows still
waiting (a backlog), so a scrape stays cheap however many finished cases, fired timers
and delivered events the tables hold.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, func, literal_column, select
from sqlalchemy.ext.asyncio import AsyncSession

from order_completion.cases.rules import FINISHED_CASE_STATES, StepState
from order_completion.cases.tables import CASES, STEPS
from order_completion.database import Database
from order_completion.events.deliveries import Delivery, DeliveryStatus
from order_completion.events.outbox import OutboxBatch
from order_completion.timers.tables import PENDING_ONLY, Timer


@dataclass
class Snapshot:
    """The figures of one scrape; missing keys mean zero."""

    cases_by_state: dict[str, int] = field(default_factory=dict)
    open_cases_by_jeopardy: dict[str, int] = field(default_factory=dict)
    waiting_steps_by_kind: dict[str, int] = field(default_factory=dict)
    timers_pending: int = 0
    timers_overdue: int = 0
    timer_lag_seconds: float = 0.0
    outbox_batches: int = 0
    outbox_events: int = 0
    deliveries_by_status: dict[str, int] = field(default_factory=dict)
    delivery_lag_seconds: float = 0.0


async def read_snapshot(db: Database, now: datetime) -> Snapshot:
    """Every figure, read in one session."""
    snapshot = Snapshot()
    async with db.read() as session:
        await _cases(session, snapshot)
        await _steps(session, snapshot)
        await _timers(session, snapshot, now)
        await _outbox(session, snapshot, now)
    return snapshot


async def _cases(session: AsyncSession, snapshot: Snapshot) -> None:
    # One pass over ix_completion_case_jeopardy_state gives both figures.
    rows = await session.execute(
        select(CASES.c.jeopardy, CASES.c.state, func.count()).group_by(
            CASES.c.jeopardy, CASES.c.state
        )
    )
    finished = {state.value for state in FINISHED_CASE_STATES}
    for jeopardy, state, count in rows:
        snapshot.cases_by_state[state] = snapshot.cases_by_state.get(state, 0) + count
        if state not in finished:
            level = snapshot.open_cases_by_jeopardy
            level[jeopardy] = level.get(jeopardy, 0) + count


async def _steps(session: AsyncSession, snapshot: Snapshot) -> None:
    rows = await session.execute(
        select(STEPS.c.kind, func.count())
        .where(STEPS.c.state == StepState.ACTIVE.value)
        .group_by(STEPS.c.kind)
    )
    snapshot.waiting_steps_by_kind = {kind: count for kind, count in rows}


async def _timers(session: AsyncSession, snapshot: Snapshot, now: datetime) -> None:
    # The state as a literal, as the partial index ix_timer_pending_due_at states it.
    pending: ColumnElement[bool] = literal_column(PENDING_ONLY)
    snapshot.timers_pending = int(
        await session.scalar(select(func.count()).select_from(Timer).where(pending)) or 0
    )
    overdue, oldest = (
        await session.execute(
            select(func.count(), func.min(Timer.due_at)).where(pending, Timer.due_at <= now)
        )
    ).one()
    snapshot.timers_overdue = int(overdue or 0)
    snapshot.timer_lag_seconds = _lag(now, oldest)


async def _outbox(session: AsyncSession, snapshot: Snapshot, now: datetime) -> None:
    batches, events = (
        await session.execute(
            select(func.count(), func.coalesce(func.sum(OutboxBatch.event_count), 0)).where(
                OutboxBatch.published_at.is_(None)
            )
        )
    ).one()
    snapshot.outbox_batches, snapshot.outbox_events = int(batches), int(events)
    # Delivered rows are most of the table: count only those still waiting or given up.
    waiting = (DeliveryStatus.PENDING.value, DeliveryStatus.FAILED.value)
    rows = await session.execute(
        select(Delivery.status, func.count())
        .where(Delivery.status.in_(waiting))
        .group_by(Delivery.status)
    )
    snapshot.deliveries_by_status = {status: count for status, count in rows}
    oldest = await session.scalar(
        select(func.min(Delivery.next_attempt_at)).where(
            Delivery.status == DeliveryStatus.PENDING.value, Delivery.next_attempt_at <= now
        )
    )
    snapshot.delivery_lag_seconds = _lag(now, oldest)


def _lag(now: datetime, oldest_due: datetime | None) -> float:
    """How long the oldest overdue item has waited past its time (0 when none has)."""
    return max((now - oldest_due).total_seconds(), 0.0) if oldest_due is not None else 0.0
