"""Customer acceptance: explicit acceptance, rejection with a punch list (which reopens the
cycle), or deemed acceptance when the window passes in silence.

The window starts when the acceptance step starts, which is right after the latest
ready-for-service notice; a zero window with deemed acceptance accepts at once, in the same
transaction, which is how consumer orders complete by themselves.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from order_completion.acceptance.schemas import AcceptanceDecisionRequest
from order_completion.acceptance.tables import AcceptanceDecision
from order_completion.cases.representation import iso
from order_completion.cases.rules import Milestone, Outcome, StepKind, StepState
from order_completion.cases.service import CaseUnit
from order_completion.cases.tables import CaseStep
from order_completion.interactions import service as interactions
from order_completion.policies.rules import fraction_of, period_end
from order_completion.policies.schema import AcceptanceStep
from order_completion.timers.tables import Timer, TimerKind


def _config(step: CaseStep) -> AcceptanceStep:
    return AcceptanceStep.model_validate(step.config)


async def start(unit: CaseUnit, step: CaseStep) -> None:
    config = _config(step)
    window_start = unit.now
    window_end = period_end(window_start, config.window.spec(), config.window.holiday_checker())
    step.due_at = window_end
    step.data = {**step.data, "windowStart": iso(window_start), "windowEnd": iso(window_end)}
    if window_end <= unit.now and config.deemed_acceptance:
        await _deem(unit, step, window_end)
        return
    unit.schedule_timer(TimerKind.ACCEPTANCE_WINDOW_END, window_end, step=step, round=step.round)
    if config.reminder is not None:
        reminder_at = fraction_of(window_start, window_end, config.reminder.at)
        unit.schedule_timer(TimerKind.ACCEPTANCE_REMINDER, reminder_at, step=step, round=step.round)


async def record_decision(unit: CaseUnit, body: AcceptanceDecisionRequest) -> AcceptanceDecision:
    step = unit.waiting_step(StepKind.ACCEPTANCE)
    decision = AcceptanceDecision(
        id=str(uuid.uuid4()),
        case_id=unit.case.id,
        step_id=step.id,
        round=step.round,
        decision=body.decision,
        decided_by=body.decided_by.model_dump(exclude_none=True),
        reason=body.reason,
        punch_list=[item.model_dump() for item in body.punch_list],
        decided_at=unit.now,
    )
    unit.session.add(decision)
    unit.learn_contact({**body.decided_by.model_dump(exclude_none=True), "source": "acceptance"})
    unit.record(
        "acceptanceDecisionRecorded",
        step=step,
        actor=body.decided_by.name,
        decision=body.decision,
        reason=body.reason,
        punchList=decision.punch_list,
        decisionId=decision.id,
    )
    interactions.log(
        unit,
        reason=f"acceptanceDecision: {body.decision}",
        direction="inbound",
        step=step,
        description=body.reason,
        party=body.decided_by.model_dump(exclude_none=True),
    )
    if body.decision == "accepted":
        await _accept(unit, step, Outcome.ACCEPTED, start_of_service=unit.now)
    else:
        step.outcome = Outcome.REJECTED.value
        await unit.reopen(step)
    return decision


async def _deem(unit: CaseUnit, step: CaseStep, window_end: datetime) -> None:
    unit.record("acceptanceDeemed", step=step, windowEnd=iso(window_end))
    await _accept(unit, step, Outcome.DEEMED_ACCEPTED, start_of_service=window_end)


async def _accept(
    unit: CaseUnit, step: CaseStep, outcome: Outcome, *, start_of_service: datetime
) -> None:
    unit.case.start_of_service_date = start_of_service
    for item in unit.case.items:
        item.state = "accepted"
    unit.add_milestone(Milestone.CUSTOMER_ACCEPTED, start_of_service)
    await unit.finish_step(step, outcome, startOfServiceDate=iso(start_of_service))


def _current(unit: CaseUnit, timer: Timer) -> CaseStep | None:
    """The acceptance step the timer was set for, if it still waits in the same round."""
    if timer.step_id is None:
        return None
    step = unit.step(timer.step_id)
    if step.state != StepState.ACTIVE.value or step.round != timer.payload.get("round"):
        return None
    return step


async def on_window_end(unit: CaseUnit, timer: Timer) -> str:
    """Deem the order accepted (or, without deemed acceptance, chase the customer)."""
    step = _current(unit, timer)
    if step is None:
        return "superseded"
    if _config(step).deemed_acceptance:
        await _deem(unit, step, timer.due_at)
        return "deemedAccepted"
    unit.record("acceptanceWindowPassed", step=step)
    unit.request_information(step, reason="windowPassed")
    return "windowPassed"


async def on_reminder(unit: CaseUnit, timer: Timer) -> str:
    step = _current(unit, timer)
    if step is None:
        return "superseded"
    unit.record("acceptanceReminderSent", step=step)
    interactions.log(
        unit,
        reason="acceptanceReminder",
        direction="outbound",
        step=step,
        description="Reminder: the acceptance window is half over.",
    )
    unit.request_information(step, reason="reminder")
    return "reminded"
