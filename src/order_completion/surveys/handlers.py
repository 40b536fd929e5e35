"""The customer's answer to the satisfaction survey."""

from __future__ import annotations

from dataclasses import dataclass

from order_completion.audit import Actor
from order_completion.cases.aggregate import CompletionCase
from order_completion.cases.events import Direction, HistoryAction
from order_completion.cases.rules import Outcome, StepKind
from order_completion.cases.unit_of_work import UnitOfWork
from order_completion.surveys.schemas import SurveyResponse


@dataclass(frozen=True)
class AnswerSurvey:
    case_id: str
    response: SurveyResponse
    actor: Actor


async def answer_survey(uow: UnitOfWork, cmd: AnswerSurvey) -> None:
    async with uow:
        answer_on(await uow.load(cmd.case_id, cmd.actor), cmd.response)


def answer_on(case: CompletionCase, body: SurveyResponse) -> None:
    """Record the answer on a loaded case (409 unless the survey waits)."""
    step = case.waiting_step(StepKind.SATISFACTION_SURVEY)
    case.annotate(step, score=body.score, comment=body.comment)
    case.record(HistoryAction.SURVEY_ANSWERED, step=step, score=body.score, comment=body.comment)
    # The answer is the customer speaking to us, whichever channel brought it.
    case.log_interaction(
        f"satisfactionSurvey: scored {body.score}",
        Direction.INBOUND,
        step=step,
        description=body.comment,
    )
    case.finish_step(step, Outcome.RESPONDED, score=body.score)
