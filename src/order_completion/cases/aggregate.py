"""The completion case aggregate: a case with its steps, items and milestones as plain
objects, the intents that change them, and the domain events those changes raise.

Every change to a case goes through an intent here; features never assign a step's fields.
Intents enforce the invariants with the pure ``rules`` and collect events in ``events``; the
unit of work turns them into rows when it commits. Nothing here touches a database, so the
aggregate is tested on its own.

Kind-specific behaviour (what a notice does when it starts, what a timer's job does) is
handed in as ``CaseBehaviour``, so this module depends on no step feature.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from order_completion.cases import rules
from order_completion.cases.entities import (
    CaseBehaviour,
    OrderItem,
    Step,
    StepStarter,
    TimerJob,
    round_of,
)
from order_completion.cases.events import (
    CallsRequested,
    CaseEventRaised,
    CaseEventType,
    CaseSnapshot,
    ContactLearned,
    Direction,
    DomainEvent,
    HistoryAction,
    InformationReason,
    InteractionLogged,
    ItemState,
    Published,
    Reached,
    Recorded,
    RequestedCall,
    StepDueChanged,
    StepStateChanged,
    TimerResult,
    TimersCancelled,
    TimerScheduled,
    TimersPaused,
    TimersResumed,
)
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
from order_completion.clock import iso
from order_completion.errors import Conflict, NotFound
from order_completion.timers.rules import DueTimer, TimerKind

__all__ = [
    "CaseBehaviour",
    "CompletionCase",
    "OrderItem",
    "Step",
    "StepStarter",
    "TimerJob",
]


def timer_actor(kind: TimerKind) -> str:
    """Who a timer's changes are by, in history: ``timer:`` and its kind."""
    return f"timer:{kind.value}"


@dataclass(eq=False)
class CompletionCase:
    """One case, loaded for change (or just opened) inside one unit of work."""

    id: str
    product_order_id: str
    order_fingerprint: str
    order_category: str | None
    customer_id: str
    customer_name: str | None
    product_order: dict[str, Any]
    policy_id: str
    policy_version: int
    policy_name: str
    state: CaseState
    jeopardy: Jeopardy
    created_at: datetime
    updated_at: datetime
    steps: list[Step]
    items: list[OrderItem]
    milestones: list[Reached] = field(default_factory=list)
    state_reason: str | None = None
    target_completion_date: datetime | None = None
    start_of_service_date: datetime | None = None
    held_since: datetime | None = None
    completed_at: datetime | None = None
    learned_contacts: list[dict[str, Any]] = field(default_factory=list)
    # A system the customer update must reach refused it, or every retry failed.
    in_fallout: bool = False
    # The SHA-256 of the acceptance certificate, once it was issued.
    certificate_sha256: str | None = None
    version: int = 0
    # The change under way: when, by whom, and with which behaviour.
    now: datetime = field(default=datetime.min, repr=False)
    by: str | None = field(default=None, repr=False)
    via: str | None = field(default=None, repr=False)  # the caller's channel, if not the API
    behaviour: CaseBehaviour | None = field(default=None, repr=False)
    events: list[DomainEvent] = field(default_factory=list, repr=False)
    _advancing: bool = field(default=False, repr=False)

    def begin(
        self, now: datetime, by: str | None, behaviour: CaseBehaviour, via: str | None = None
    ) -> None:
        """Start a change: every event and date of it carries this time and caller, and
        the interactions it logs the channel the caller came through (``via``), if any."""
        self.now, self.by, self.behaviour, self.via = now, by, behaviour, via

    # -- looking up -------------------------------------------------------------------

    def step(self, step_id: str) -> Step:
        for step in self.steps:
            if step.id == step_id:
                return step
        raise NotFound(f"case {self.id} has no step {step_id}")

    def step_of_kind(self, kind: StepKind) -> Step | None:
        return next((step for step in self.steps if step.kind is kind), None)

    def waiting_step(self, kind: StepKind) -> Step:
        """The active step of ``kind``, or 409 saying why the case is not waiting for it."""
        self.require_active()
        step = self.step_of_kind(kind)
        if step is None:
            raise Conflict(f"the policy {self.policy_id!r} of this case has no {kind} step")
        if step.state is not StepState.ACTIVE:
            raise Conflict(f"the {kind} step is {step.state}, not waiting for this")
        return step

    def require_active(self) -> None:
        if self.state is not CaseState.ACTIVE:
            raise Conflict(f"the case is {self.state}; only an active case takes step actions")

    def milestone_date(self, name: Milestone) -> datetime | None:
        dates = [m.date for m in self.milestones if m.name is name]
        return max(dates) if dates else None

    def first_reached(self, name: Milestone) -> datetime | None:
        """When ``name`` was first reached (a retest sends the ready-for-service notice
        again; the report measures from the first one)."""
        return min((m.date for m in self.milestones if m.name is name), default=None)

    def snapshot(self) -> CaseSnapshot:
        return CaseSnapshot(
            self.state, self.jeopardy, self.start_of_service_date, tuple(self.milestones)
        )

    def waiting_for(self) -> rules.Waiter:
        """Who the case waits for now (stored with the case, so lists filter on it)."""
        return rules.waiting_for(self.state, self._views())

    def blocking_work_done(self) -> bool:
        """Every blocking step has finished: only non-blocking work, if any, is left."""
        return rules.blocking_steps_done(self._views())

    def _views(self) -> list[StepView]:
        return [step.view() for step in self.steps]

    # -- recording ----------------------------------------------------------------------

    def record(
        self,
        action: HistoryAction,
        *,
        step: Step | None = None,
        actor: str | None = None,
        **detail: Any,
    ) -> None:
        """Add a history entry; every change touches the case, so the version check
        refuses a concurrent writer."""
        self.updated_at = self.now
        self.events.append(
            Recorded(action, self.now, step.id if step else None, actor, self.by, detail)
        )

    def _emit(self, event_type: CaseEventType, about: Step | None = None, **extra: Any) -> None:
        snapshot = about.snapshot() if about is not None else None
        self.events.append(CaseEventRaised(event_type, self.now, self.snapshot(), extra, snapshot))

    def announce(self, event_type: CaseEventType) -> None:
        """Tell subscribers about the case as it stands (its creation, for one)."""
        self._emit(event_type)

    def publish(self, event_type: str, body: dict[str, Any]) -> None:
        """Write another feature's event about this case, in the case's event order."""
        self.events.append(Published(event_type, self.now, body))

    def log_interaction(
        self,
        reason: str,
        direction: Direction,
        *,
        step: Step | None = None,
        description: str | None = None,
        party: dict[str, Any] | None = None,
        status: str = "completed",
    ) -> None:
        """Log a contact with the customer in the completion-phase interaction log."""
        snapshot = step.snapshot() if step is not None else None
        self.events.append(
            InteractionLogged(
                self.now, reason, direction, snapshot, description, party, status, self.via
            )
        )

    def _step_changed(self, step: Step, previous: StepState) -> None:
        if step.state is not previous:
            self.events.append(
                StepStateChanged(self.now, step.snapshot(), previous, self.snapshot())
            )

    def reach_milestone(self, name: Milestone, date: datetime | None = None) -> None:
        when = date or self.now
        self.milestones.append(Reached(name, when))
        self.record(HistoryAction.MILESTONE_REACHED, milestone=name.value)
        self._emit(CaseEventType.MILESTONE, milestone={"name": name.value, "date": iso(when)})

    def learn_contact(self, contact: dict[str, Any]) -> None:
        """Remember a person met during completion, for the customer update."""
        key = (contact.get("name"), contact.get("email"))
        known = {(c.get("name"), c.get("email")) for c in self.learned_contacts}
        if key not in known:
            self.learned_contacts = [*self.learned_contacts, contact]
            self.events.append(ContactLearned(dict(contact)))

    def annotate(self, step: Step, **values: Any) -> None:
        """Keep kind-specific facts on a step (its window, its attempts)."""
        step.data = {**step.data, **values}

    def set_due(self, step: Step, due_at: datetime | None) -> None:
        if step.due_at != due_at:
            step.due_at = due_at
            self.events.append(StepDueChanged(self.now, step.snapshot()))

    # -- timers -------------------------------------------------------------------------

    def schedule_timer(
        self, kind: TimerKind, due_at: datetime, *, step: Step | None = None, **payload: Any
    ) -> None:
        on_hold = self.state is CaseState.HOLD
        self.events.append(
            TimerScheduled(kind, due_at, step.id if step else None, payload, on_hold)
        )

    def cancel_timers(self, step: Step | None = None) -> None:
        self.events.append(TimersCancelled(step.id if step else None))

    def on_timer(self, timer: DueTimer) -> TimerResult:
        """Run the job of a timer that fell due; what it records names the timer."""
        assert self.behaviour is not None, "begin() first"
        self.by = timer_actor(timer.kind)
        return self.behaviour.jobs[timer.kind](self, timer)

    def timer_failed(self, timer: DueTimer, error: str) -> None:
        """A timer's job kept failing: record it and alert subscribers, so an operator
        looks at the case (``give_up_timer`` marks the timer itself failed)."""
        self.by = timer_actor(timer.kind)
        step = self.step(timer.step_id) if timer.step_id else None
        self.record(
            HistoryAction.TIMER_FAILED,
            step=step,
            timer=timer.kind.value,
            timerId=timer.id,
            attempts=timer.attempts,
            error=error,
        )
        self._emit(
            CaseEventType.JEOPARDY_ALERT,
            jeopardyAlert={
                "jeopardyType": "timerFailed",
                "alertDate": iso(self.now),
                "targetDate": iso(timer.due_at),
                "timer": {"id": timer.id, "kind": timer.kind.value, "attempts": timer.attempts},
                "message": error,
            },
        )

    # -- steps --------------------------------------------------------------------------

    def advance(self) -> None:
        """Start every step whose predecessors are done, then check milestones and the end."""
        if self._advancing:
            return
        self._advancing = True
        try:
            while self.state is CaseState.ACTIVE:
                ready = rules.ready_to_start(self._views())
                if not ready:
                    break
                for view in ready:
                    self._start(self.step(view.id))
            self._check_progress()
        finally:
            self._advancing = False

    def _start(self, step: Step) -> None:
        assert self.behaviour is not None, "begin() first"
        previous = step.state
        step.state = StepState.ACTIVE
        step.started_at = self.now
        step.completed_at = None
        step.outcome = None
        self.record(HistoryAction.STEP_STARTED, step=step, kind=step.kind.value, round=step.round)
        self._step_changed(step, previous)
        if step.kind in WAITS_ON_CUSTOMER:
            self.ask_customer(step)
        self.behaviour.starters[step.kind](self, step)

    def ask_customer(
        self, step: Step, reason: InformationReason = InformationReason.STEP_STARTED
    ) -> None:
        """Tell subscribers the case waits on the customer for this step, and why now."""
        wanted = rules.AWAITED_INPUT.get(step.kind)
        self._emit(
            CaseEventType.INFORMATION_REQUIRED,
            step,
            step={
                "id": step.id,
                "kind": step.kind.value,
                "waitingFor": wanted.value if wanted else None,
            },
            reason=reason.value,
        )

    def note_attempt(self, step: Step, outcome: Outcome) -> None:
        """An attempt of a step that keeps it waiting (a failed test awaiting a retest)."""
        step.outcome = outcome

    def finish_step(
        self,
        step: Step,
        outcome: Outcome,
        *,
        state: StepState = StepState.COMPLETED,
        **detail: Any,
    ) -> None:
        previous = step.state
        step.state = state
        step.outcome = outcome
        step.completed_at = self.now
        self._step_changed(step, previous)
        self.cancel_timers(step)
        self.record(
            HistoryAction.STEP_FINISHED,
            step=step,
            kind=step.kind.value,
            state=state.value,
            outcome=outcome.value,
            **detail,
        )
        self.advance()

    def reopen_for_retest(self, acceptance: Step) -> None:
        """Apply a rejection's remediation: reopen commissioning, re-send the notice, and
        restart acceptance after them. Each reopened step keeps its finished round."""
        plan = rules.plan_remediation(self._views(), acceptance.id)
        for step_id, change in plan.changes.items():
            step = self.step(step_id)
            self.cancel_timers(step)
            previous = step.state
            step.rounds = [*step.rounds, round_of(step, self.now)]
            step.state = change.state
            step.outcome = None
            step.completed_at = None
            step.round += 1
            step.due_at = None
            if change.after is not None:
                step.after = tuple(change.after)
            if change.state is StepState.ACTIVE:
                step.started_at = self.now
            self.record(
                HistoryAction.STEP_REOPENED, step=step, kind=step.kind.value, round=step.round
            )
            self._step_changed(step, previous)
        self.advance()

    def _check_progress(self) -> None:
        if self.state is not CaseState.ACTIVE:
            return
        views = self._views()
        if (
            rules.blocking_steps_done(views)
            and self.milestone_date(Milestone.READY_FOR_CLOSURE) is None
        ):
            self.reach_milestone(Milestone.READY_FOR_CLOSURE)
        if rules.all_steps_done(views):
            self._set_state(CaseState.COMPLETED, reason=None)

    # -- acceptance ---------------------------------------------------------------------

    def accept(self, step: Step, outcome: Outcome, *, start_of_service: datetime) -> None:
        """The customer accepted (or was deemed to): service starts, the step finishes."""
        self.start_of_service_date = start_of_service
        for item in self.items:
            item.state = ItemState.ACCEPTED
        self.reach_milestone(Milestone.CUSTOMER_ACCEPTED, start_of_service)
        self.finish_step(step, outcome, startOfServiceDate=iso(start_of_service))

    def deem(self, step: Step, window_end: datetime) -> None:
        """The acceptance window passed in silence: accepted as of its end."""
        self.record(HistoryAction.ACCEPTANCE_DEEMED, step=step, windowEnd=iso(window_end))
        self.accept(step, Outcome.DEEMED_ACCEPTED, start_of_service=window_end)

    def reject(self, step: Step) -> None:
        """The customer rejected: the round ends rejected and remediation reopens the cycle."""
        step.outcome = Outcome.REJECTED
        step.completed_at = self.now
        self.reopen_for_retest(step)

    # -- customer records ---------------------------------------------------------------

    def settle_items(self, states: Mapping[str, ItemState], start_of_service: datetime) -> None:
        """Move each order item (by action) to its state in the product inventory."""
        for item in self.items:
            state = states.get(item.action)
            if state is not None:
                item.state = state
                item.active_from = start_of_service if state is ItemState.ACTIVE else None

    def publish_customer_update(self, update: dict[str, Any]) -> None:
        self._emit(CaseEventType.CUSTOMER_UPDATE, customerUpdate=update)

    def note_product(self, item_id: str, product_id: str) -> None:
        """The product inventory's id of the product an order item created or changed."""
        for item in self.items:
            if item.item_id == item_id:
                item.product_id = product_id

    def fall_out(self, step: Step, failed: list[str], error: str | None) -> None:
        """A system the customer update needs failed for good: an operator must retry it
        or settle it by hand, so alert subscribers and ask for the information."""
        self.in_fallout = True
        self.record(HistoryAction.CUSTOMER_UPDATE_FAILED, step=step, targets=failed, error=error)
        self._emit(
            CaseEventType.JEOPARDY_ALERT,
            jeopardyAlert={
                "jeopardyType": "customerUpdateFailed",
                "alertDate": iso(self.now),
                "targetDate": iso(self.target_completion_date),
                "message": error,
                "target": failed,
            },
        )
        self.ask_customer(step, InformationReason.CUSTOMER_UPDATE_FAILED)

    def note_certificate(self, sha256: str) -> None:
        """The acceptance certificate was rendered; its hash lets anyone check a copy."""
        if self.certificate_sha256 != sha256:
            self.certificate_sha256 = sha256
            self.record(HistoryAction.CERTIFICATE_ISSUED, sha256=sha256)

    def message_failed(self, kind: str, error: str | None) -> None:
        """A message to the customer could not be sent (no address, refused, every retry
        failed): the case asks for what is missing, in words that name the message and the
        order, since whoever reads them may see many cases' failures side by side."""
        text = (
            f"the {kind} message about product order {self.product_order_id} was not sent: "
            f"{error or 'no reason given'}"
        )
        self.record(HistoryAction.MESSAGE_FAILED, message=kind, error=text)
        self._emit(
            CaseEventType.INFORMATION_REQUIRED,
            reason=InformationReason.MESSAGE_FAILED.value,
            message={"kind": kind, "error": text},
        )

    def recover(self) -> None:
        """The fallout is being dealt with (retried or settled)."""
        self.in_fallout = False

    def request_calls(self, calls: Sequence[RequestedCall]) -> None:
        """Owe other systems these calls; the worker makes them after the commit."""
        if calls:
            self.events.append(CallsRequested(tuple(calls)))

    # -- case state ---------------------------------------------------------------------

    def request_state(self, requested: CaseState, reason: str | None) -> None:
        """Hold, resume or cancel, as a caller asked."""
        if requested not in rules.REQUESTABLE_CASE_STATES or not rules.case_transition_allowed(
            self.state, requested
        ):
            article = "an" if self.state.value[0] in "aeiou" else "a"
            raise Conflict(f"{article} {self.state} case cannot become {requested}")
        self._set_state(requested, reason=reason)

    def hold(self, reason: str | None) -> None:
        self.request_state(CaseState.HOLD, reason)

    def resume(self, reason: str | None = None) -> None:
        self.request_state(CaseState.ACTIVE, reason)

    def cancel(self, reason: str | None) -> None:
        self.request_state(CaseState.CANCELLED, reason)

    def _set_state(self, new: CaseState, *, reason: str | None) -> None:
        old = self.state
        self.state = new
        self.state_reason = reason
        if new is CaseState.HOLD:
            self.held_since = self.now
            self.events.append(TimersPaused())
        elif old is CaseState.HOLD and new is CaseState.ACTIVE:
            self.events.append(TimersResumed(self.now - (self.held_since or self.now)))
            self.held_since = None
        if new in rules.FINISHED_CASE_STATES:
            self.completed_at = self.now
            self.held_since = None
            self.cancel_timers()
        if new is CaseState.CANCELLED:
            for step in self.steps:
                if not step.finished:
                    previous = step.state
                    step.state = StepState.CANCELLED
                    step.outcome = Outcome.CANCELLED
                    step.completed_at = self.now
                    self._step_changed(step, previous)
        self.record(
            HistoryAction.STATE_CHANGED, previousState=old.value, state=new.value, reason=reason
        )
        self._emit(CaseEventType.STATE_CHANGE, previousState=old.value)
        if old is CaseState.HOLD and new is CaseState.ACTIVE:
            self.advance()

    def raise_jeopardy(self, level: Jeopardy) -> None:
        self.jeopardy = level
        self.record(HistoryAction.JEOPARDY_RAISED, level=level.value)
        self._emit(
            CaseEventType.JEOPARDY_ALERT,
            jeopardyAlert={
                "jeopardyType": level.value,
                "alertDate": iso(self.now),
                "targetDate": iso(self.target_completion_date),
            },
        )
