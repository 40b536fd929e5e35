"""The satisfaction survey: answered by the customer, or closed after a quiet period."""

from __future__ import annotations

from order_completion.cases.rules import Outcome, StepKind, StepState
from order_completion.cases.service import CaseUnit
from order_completion.cases.tables import CaseStep
from order_completion.policies.rules import period_end
from order_completion.policies.schema import SatisfactionSurveyStep
from order_completion.surveys.schemas import SurveyResponse
from order_completion.timers.tables import Timer, TimerKind


async def start(unit: CaseUnit, step: CaseStep) -> None:
    config = SatisfactionSurveyStep.model_validate(step.config)
    period = config.auto_close_after
    due = period_end(unit.now, period.spec(), period.holiday_checker())
    step.due_at = due
    unit.schedule_timer(TimerKind.SURVEY_AUTO_CLOSE, due, step=step)


async def record_response(unit: CaseUnit, body: SurveyResponse) -> None:
    step = unit.waiting_step(StepKind.SATISFACTION_SURVEY)
    step.data = {**step.data, "score": body.score, "comment": body.comment}
    unit.record("surveyAnswered", step=step, score=body.score, comment=body.comment)
    await unit.finish_step(step, Outcome.RESPONDED, score=body.score)


async def on_auto_close(unit: CaseUnit, timer: Timer) -> str:
    if timer.step_id is None or unit.step(timer.step_id).state != StepState.ACTIVE.value:
        return "superseded"
    await unit.finish_step(unit.step(timer.step_id), Outcome.AUTO_CLOSED)
    return "autoClosed"
