"""What the acceptance step does by itself: open its window when it starts, remind the
customer half-way, and deem the order accepted when the window passes in silence.

The window starts when the acceptance step starts, which is right after the latest
ready-for-service notice; a zero window with deemed acceptance accepts at once, in the same
transaction, which is how consumer orders complete by themselves.
"""

from __future__ import annotations

from order_completion.cases.aggregate import CompletionCase, Step
from order_completion.cases.events import Direction, HistoryAction, InformationReason, TimerResult
from order_completion.cases.rules import StepState
from order_completion.clock import iso
from order_completion.policies.rules import fraction_of, period_end
from order_completion.policies.schema import AcceptanceStep
from order_completion.timers.rules import DueTimer, TimerKind


def config_of(step: Step) -> AcceptanceStep:
    return AcceptanceStep.model_validate(step.config)


def start(case: CompletionCase, step: Step) -> None:
    config = config_of(step)
    window_start = case.now
    window_end = period_end(window_start, config.window.spec(), config.window.holiday_checker())
    case.set_due(step, window_end)
    case.annotate(step, windowStart=iso(window_start), windowEnd=iso(window_end))
    if window_end <= case.now and config.deemed_acceptance:
        case.deem(step, window_end)
        return
    case.schedule_timer(TimerKind.ACCEPTANCE_WINDOW_END, window_end, step=step, round=step.round)
    if config.reminder is not None:
        reminder_at = fraction_of(window_start, window_end, config.reminder.at)
        case.schedule_timer(TimerKind.ACCEPTANCE_REMINDER, reminder_at, step=step, round=step.round)


def _current(case: CompletionCase, timer: DueTimer) -> Step | None:
    """The acceptance step the timer was set for, if it still waits in the same round."""
    if timer.step_id is None:
        return None
    step = case.step(timer.step_id)
    if step.state is not StepState.ACTIVE or step.round != timer.payload.get("round"):
        return None
    return step


def on_window_end(case: CompletionCase, timer: DueTimer) -> TimerResult:
    """Deem the order accepted (or, without deemed acceptance, chase the customer)."""
    step = _current(case, timer)
    if step is None:
        return TimerResult.SUPERSEDED
    if config_of(step).deemed_acceptance:
        case.deem(step, timer.due_at)
        return TimerResult.DEEMED_ACCEPTED
    case.record(HistoryAction.ACCEPTANCE_WINDOW_PASSED, step=step)
    case.ask_customer(step, InformationReason.WINDOW_PASSED)
    return TimerResult.WINDOW_PASSED


def on_reminder(case: CompletionCase, timer: DueTimer) -> TimerResult:
    step = _current(case, timer)
    if step is None:
        return TimerResult.SUPERSEDED
    case.record(HistoryAction.ACCEPTANCE_REMINDER_SENT, step=step)
    case.log_interaction(
        "acceptanceReminder",
        Direction.OUTBOUND,
        step=step,
        description="Reminder: the acceptance window is half over.",
    )
    case.ask_customer(step, InformationReason.REMINDER)
    return TimerResult.REMINDED
