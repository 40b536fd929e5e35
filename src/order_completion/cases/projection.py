"""The case's own projectors: history entries, case events in the outbox, and timer rows.

Timers scheduled and cancelled in the same unit of work never reach the database: they are
staged here and only the ones still open are inserted. Cancels, pauses and resumes of
timers the case already had become statements run before the new rows are inserted.
"""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any

from order_completion.cases.events import (
    CallsRequested,
    CaseEventRaised,
    DomainEvent,
    Published,
    Recorded,
    TimersCancelled,
    TimerScheduled,
    TimersPaused,
    TimersResumed,
)
from order_completion.cases.representation import case_summary
from order_completion.cases.unit_of_work import Projection
from order_completion.clock import iso
from order_completion.timers import service as timers
from order_completion.timers.rules import TimerState
from order_completion.timers.service import TIMERS, TimerStore


class CaseProjector:
    """History entries and the case's own events."""

    def project(self, projection: Projection, event: DomainEvent) -> None:
        case = projection.case
        if isinstance(event, Recorded):
            projection.record(history_entry(event))
        elif isinstance(event, CaseEventRaised):
            body = {"completionCase": case_summary(case, projection.base_url, event.case)}
            projection.publish(event.type.value, {**body, **event.extra}, event.at)
        elif isinstance(event, Published):
            projection.publish(event.event_type, event.body, event.at)


def history_entry(event: Recorded) -> dict[str, Any]:
    """A history entry in the shape the API shows and the history row stores."""
    entry: dict[str, Any] = {"date": iso(event.at), "action": event.action.value}
    if event.step_id:
        entry["stepId"] = event.step_id
    if event.actor:
        entry["actor"] = event.actor
    detail = {**event.detail, "by": event.by} if event.by else event.detail
    if detail:
        entry["detail"] = detail
    return entry


@dataclass(frozen=True)
class CancelTimers:
    """The statement cancelling the open timers of a case (or of one step), run at
    commit; a batch of cases runs all of theirs as one statement (``cases/batch.py``)."""

    store: TimerStore
    case_id: str
    step_id: str | None

    def __call__(self) -> Awaitable[None]:
        return self.store.cancel(case_id=self.case_id, step_id=self.step_id)


class TimerProjector:
    """Timer rows: staged in memory, written once at commit."""

    def project(self, projection: Projection, event: DomainEvent) -> None:
        case = projection.case
        staged = projection.rows.setdefault(TIMERS, [])
        store = TimerStore(projection.session)
        if isinstance(event, TimerScheduled):
            row = timers.new_row(
                case_id=case.id,
                kind=event.kind,
                due_at=event.due_at,
                now=case.now,
                step_id=event.step_id,
                payload=event.payload,
            )
            if event.on_hold:
                row["state"] = TimerState.PAUSED.value
            staged.append(row)
        elif isinstance(event, TimersCancelled):
            staged[:] = [
                row
                for row in staged
                if not (event.step_id is None or row["step_id"] == event.step_id)
            ]
            if not projection.new:
                projection.later.append(CancelTimers(store, case.id, event.step_id))
        elif isinstance(event, TimersPaused):
            for row in staged:
                row["state"] = TimerState.PAUSED.value
            if not projection.new:
                projection.later.append(lambda: store.pause(case_id=case.id))
        elif isinstance(event, TimersResumed):
            for row in staged:
                if row["state"] == TimerState.PAUSED.value:
                    row["state"] = TimerState.PENDING.value
                    row["due_at"] = row["due_at"] + event.held_for
            projection.later.append(lambda: store.resume(case_id=case.id, held_for=event.held_for))


class CallProjector:
    """Outbound calls the case asked for, enqueued at commit."""

    def project(self, projection: Projection, event: DomainEvent) -> None:
        if isinstance(event, CallsRequested):
            for call in event.calls:
                projection.owe(call.kind, call.purpose, call.payload)
