"""A completion case being changed: start and finish steps, reach milestones, change its
state. Each change happens inside the caller's transaction, which commits state, history,
outbox events and timers together.

Kind-specific work (what a notice, an acceptance or a training step does when it starts)
lives in the feature of that kind and is handed in as ``StepStarter`` callables, so this
module depends on no other business feature.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from order_completion import audit
from order_completion.cases import rules
from order_completion.cases.events import CaseEventType
from order_completion.cases.representation import case_summary, iso
from order_completion.cases.rules import (
    WAITS_ON_CUSTOMER,
    CaseState,
    Jeopardy,
    Milestone,
    Outcome,
    StepKind,
    StepState,
    StepView,
)
from order_completion.cases.tables import CaseHistory, CaseMilestone, CaseStep, CompletionCase
from order_completion.database import append_row
from order_completion.errors import Conflict, NotFound
from order_completion.events import outbox
from order_completion.timers import service as timers
from order_completion.timers.tables import Timer, TimerKind, TimerState

HISTORY = CaseHistory.__table__
StepStarter = Callable[["CaseUnit", CaseStep], Awaitable[None]]


class CaseObserver(Protocol):
    """Told of every case event and step state change, inside the same transaction; the
    TMF701 view uses it to write its own events beside the case's."""

    def case_event(
        self, unit: CaseUnit, event_type: CaseEventType, extra: dict[str, Any]
    ) -> None: ...

    def step_changed(self, unit: CaseUnit, step: CaseStep, previous: str) -> None: ...


@dataclass
class CaseUnit:
    """A case loaded for change inside one transaction."""

    session: AsyncSession
    case: CompletionCase
    now: datetime
    starters: Mapping[StepKind, StepStarter]
    observers: Sequence[CaseObserver] = ()
    base_url: str = ""
    fresh: bool = False  # the case was created in this unit, so every timer it has is here
    _advancing: bool = field(default=False, repr=False)
    _new_timers: list[Timer] = field(default_factory=list, repr=False)
    recorded: list[dict[str, Any]] = field(default_factory=list, repr=False)

    # -- looking up -------------------------------------------------------------------

    def step(self, step_id: str) -> CaseStep:
        for step in self.case.steps:
            if step.id == step_id:
                return step
        raise NotFound(f"case {self.case.id} has no step {step_id}")

    def step_of_kind(self, kind: StepKind) -> CaseStep | None:
        return next((step for step in self.case.steps if step.kind == kind.value), None)

    def waiting_step(self, kind: StepKind) -> CaseStep:
        """The active step of ``kind``, or 409 saying why the case is not waiting for it."""
        self.require_active()
        step = self.step_of_kind(kind)
        if step is None:
            raise Conflict(f"the policy {self.case.policy_id!r} of this case has no {kind} step")
        if step.state != StepState.ACTIVE.value:
            raise Conflict(f"the {kind} step is {step.state}, not waiting for this")
        return step

    def require_active(self) -> None:
        if self.case.state != CaseState.ACTIVE.value:
            raise Conflict(f"the case is {self.case.state}; only an active case takes step actions")

    def milestone_date(self, name: Milestone) -> datetime | None:
        dates = [m.date for m in self.case.milestones if m.name == name.value]
        return max(dates) if dates else None

    # -- recording ----------------------------------------------------------------------

    def touch(self) -> None:
        """Mark the case changed; the version check then refuses a concurrent writer."""
        self.case.updated_at = self.now

    def _next_history_seq(self) -> int:
        self.case.history_seq = (self.case.history_seq or 0) + 1
        return self.case.history_seq

    def _next_event_seq(self) -> int:
        self.case.event_seq = (self.case.event_seq or 0) + 1
        return self.case.event_seq

    def record(
        self, action: str, *, step: CaseStep | None = None, actor: str | None = None, **detail: Any
    ) -> None:
        row = {
            "case_id": self.case.id,
            "seq": self._next_history_seq(),
            "date": self.now,
            "action": action,
            "step_id": step.id if step else None,
            "actor": actor,
            "detail": {**detail, "by": by} if (by := audit.ACTOR.get()) else detail,
        }
        append_row(self.session, HISTORY, row)
        self.recorded.append(row)
        self.touch()

    def emit(self, event_type: CaseEventType, **extra: Any) -> None:
        """Write an event with the case as it stands now (a summary: subscribers read the
        case itself for steps and history)."""
        body: dict[str, Any] = {"completionCase": case_summary(self.case, self.base_url), **extra}
        self.publish(event_type.value, body)
        for observer in self.observers:
            observer.case_event(self, event_type, extra)

    def _step_changed(self, step: CaseStep, previous: str) -> None:
        if step.state != previous:
            for observer in self.observers:
                observer.step_changed(self, step, previous)

    def publish(self, event_type: str, body: dict[str, Any]) -> None:
        """Write any event about this case to the outbox, in the case's event order."""
        outbox.record(
            self.session,
            event_type=event_type,
            now=self.now,
            body=body,
            case_id=self.case.id,
            sequence=self._next_event_seq(),
        )

    def add_milestone(self, name: Milestone, date: datetime | None = None) -> None:
        when = date or self.now
        self.case.milestones.append(
            CaseMilestone(
                case_id=self.case.id, seq=len(self.case.milestones) + 1, name=name.value, date=when
            )
        )
        self.record("milestoneReached", milestone=name.value)
        self.emit(CaseEventType.MILESTONE, milestone={"name": name.value, "date": iso(when)})

    def learn_contact(self, contact: dict[str, Any]) -> None:
        """Remember a person met during completion, for the customer update."""
        key = (contact.get("name"), contact.get("email"))
        known = {(c.get("name"), c.get("email")) for c in self.case.learned_contacts}
        if key not in known:
            self.case.learned_contacts = [*self.case.learned_contacts, contact]

    # -- timers -------------------------------------------------------------------------

    def schedule_timer(
        self, kind: TimerKind, due_at: datetime, *, step: CaseStep | None = None, **payload: Any
    ) -> None:
        self._new_timers.append(
            timers.schedule(
                self.session,
                case_id=self.case.id,
                kind=kind,
                due_at=due_at,
                now=self.now,
                step_id=step.id if step else None,
                payload=payload,
            )
        )

    async def cancel_timers(self, step: CaseStep | None = None) -> None:
        """Cancel the open timers of the case, or of one step.

        A case opened in this unit has only the timers scheduled here, so they are
        cancelled in memory; that keeps the consumer path, which opens and completes a case
        in one transaction, free of extra statements.
        """
        for timer in self._new_timers:
            if step is None or timer.step_id == step.id:
                timer.state = TimerState.CANCELLED.value
        if not self.fresh:
            await timers.cancel(
                self.session, case_id=self.case.id, step_id=step.id if step else None
            )

    # -- steps --------------------------------------------------------------------------

    async def advance(self) -> None:
        """Start every step whose predecessors are done, then check milestones and the end."""
        if self._advancing:
            return
        self._advancing = True
        try:
            while self.case.state == CaseState.ACTIVE.value:
                ready = rules.ready_to_start(_views(self.case.steps))
                if not ready:
                    break
                for view in ready:
                    await self._start(self.step(view.id))
            await self._check_progress()
        finally:
            self._advancing = False

    async def _start(self, step: CaseStep) -> None:
        previous = step.state
        step.state = StepState.ACTIVE.value
        step.started_at = self.now
        step.completed_at = None
        step.outcome = None
        self.record("stepStarted", step=step, kind=step.kind, round=step.round)
        self._step_changed(step, previous)
        kind = StepKind(step.kind)
        if kind in WAITS_ON_CUSTOMER:
            self.request_information(step)
        await self.starters[kind](self, step)

    def request_information(self, step: CaseStep, *, reason: str = "stepStarted") -> None:
        """Tell subscribers the case waits on the customer for this step, and why now
        (``stepStarted``, ``reminder``, ``retestRequired``, ``windowPassed``)."""
        self.emit(
            CaseEventType.INFORMATION_REQUIRED,
            step={"id": step.id, "kind": step.kind, "waitingFor": _waiting(step)},
            reason=reason,
        )

    async def finish_step(
        self,
        step: CaseStep,
        outcome: Outcome,
        *,
        state: StepState = StepState.COMPLETED,
        **detail: Any,
    ) -> None:
        previous = step.state
        step.state = state.value
        step.outcome = outcome.value
        step.completed_at = self.now
        self._step_changed(step, previous)
        await self.cancel_timers(step)
        self.record(
            "stepFinished",
            step=step,
            kind=step.kind,
            state=state.value,
            outcome=outcome.value,
            **detail,
        )
        await self.advance()

    async def reopen(self, acceptance: CaseStep) -> None:
        """Apply a rejection's remediation: reopen commissioning, re-send the notice."""
        plan = rules.plan_remediation(_views(self.case.steps), acceptance.id)
        for step_id, change in plan.changes.items():
            step = self.step(step_id)
            await self.cancel_timers(step)
            previous = step.state
            step.state = change.state.value
            step.outcome = None
            step.completed_at = None
            step.round += 1
            step.due_at = None
            if change.after is not None:
                step.after = list(change.after)
            if change.state is StepState.ACTIVE:
                step.started_at = self.now
            self.record("stepReopened", step=step, kind=step.kind, round=step.round)
            self._step_changed(step, previous)
        await self.advance()

    async def _check_progress(self) -> None:
        if self.case.state != CaseState.ACTIVE.value:
            return
        views = _views(self.case.steps)
        if (
            rules.blocking_steps_done(views)
            and self.milestone_date(Milestone.READY_FOR_CLOSURE) is None
        ):
            self.add_milestone(Milestone.READY_FOR_CLOSURE)
        if rules.all_steps_done(views):
            await self._set_state(CaseState.COMPLETED, reason=None)

    # -- case state ---------------------------------------------------------------------

    async def change_state(self, requested: CaseState, reason: str | None) -> None:
        current = CaseState(self.case.state)
        if requested not in rules.REQUESTABLE_CASE_STATES or not rules.case_transition_allowed(
            current, requested
        ):
            raise Conflict(f"a {current} case cannot become {requested}")
        await self._set_state(requested, reason=reason)

    async def _set_state(self, new: CaseState, *, reason: str | None) -> None:
        old = CaseState(self.case.state)
        self.case.state = new.value
        self.case.state_reason = reason
        if new is CaseState.HOLD:
            self.case.held_since = self.now
            await timers.pause(self.session, case_id=self.case.id)
        elif old is CaseState.HOLD and new is CaseState.ACTIVE:
            held_since = self.case.held_since or self.now
            await timers.resume(
                self.session, case_id=self.case.id, held_since=held_since, now=self.now
            )
            self.case.held_since = None
        if new in rules.FINISHED_CASE_STATES:
            self.case.completed_at = self.now
            self.case.held_since = None
            await self.cancel_timers()
        if new is CaseState.CANCELLED:
            for step in self.case.steps:
                if step.state not in rules.FINISHED_STEP_STATES:
                    previous = step.state
                    step.state = StepState.CANCELLED.value
                    step.outcome = Outcome.CANCELLED.value
                    step.completed_at = self.now
                    self._step_changed(step, previous)
        self.record("stateChanged", previousState=old.value, state=new.value, reason=reason)
        self.emit(CaseEventType.STATE_CHANGE, previousState=old.value)
        if old is CaseState.HOLD and new is CaseState.ACTIVE:
            await self.advance()

    def raise_jeopardy(self, level: Jeopardy) -> None:
        self.case.jeopardy = level.value
        self.record("jeopardyRaised", level=level.value)
        self.emit(
            CaseEventType.JEOPARDY_ALERT,
            jeopardyAlert={
                "jeopardyType": level.value,
                "alertDate": iso(self.now),
                "targetDate": iso(self.case.target_completion_date),
            },
        )


def _waiting(step: CaseStep) -> str | None:
    wanted = rules.WAITS_FOR.get(StepKind(step.kind))
    return wanted.value if wanted else None


def _views(steps: Sequence[CaseStep]) -> list[StepView]:
    return [
        StepView(
            id=step.id,
            kind=StepKind(step.kind),
            state=StepState(step.state),
            blocking=step.blocking,
            after=tuple(step.after),
        )
        for step in steps
    ]
