"""What the satisfaction survey does by itself: wait for the customer's answer, and close
itself after a quiet period."""

from __future__ import annotations

from order_completion.cases.aggregate import CompletionCase, Step
from order_completion.cases.events import TimerResult
from order_completion.cases.rules import Outcome, StepState
from order_completion.policies.rules import period_end
from order_completion.policies.schema import SatisfactionSurveyStep
from order_completion.timers.rules import DueTimer, TimerKind


def start(case: CompletionCase, step: Step) -> None:
    period = SatisfactionSurveyStep.model_validate(step.config).auto_close_after
    due = period_end(case.now, period.spec(), period.holiday_checker())
    case.set_due(step, due)
    case.schedule_timer(TimerKind.SURVEY_AUTO_CLOSE, due, step=step)


def on_auto_close(case: CompletionCase, timer: DueTimer) -> TimerResult:
    if timer.step_id is None or case.step(timer.step_id).state is not StepState.ACTIVE:
        return TimerResult.SUPERSEDED
    case.finish_step(case.step(timer.step_id), Outcome.AUTO_CLOSED)
    return TimerResult.AUTO_CLOSED
