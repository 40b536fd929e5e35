"""Service-level helpers shared by the integration tests."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from order_completion.acceptance import handlers as acceptance
from order_completion.acceptance.schemas import AcceptanceDecisionRequest
from order_completion.appointments.tables import Appointment
from order_completion.audit import Actor
from order_completion.bootstrap import DERIVATIONS, Services
from order_completion.cases import handlers as cases
from order_completion.cases.ports import read_case
from order_completion.cases.rules import CaseState
from order_completion.commissioning import handlers as commissioning
from order_completion.commissioning.schemas import CommissioningTestResult
from order_completion.events.outbox import OutboxBatch, expand
from order_completion.orders.handlers import OpenCase
from order_completion.orders.schemas import ProductOrder
from order_completion.surveys import handlers as surveys
from order_completion.surveys.schemas import SurveyResponse
from order_completion.timers.tables import Timer
from order_completion.training import handlers as training
from order_completion.training.schemas import TrainingSessionCreate, TrainingSessionUpdate

TESTER = Actor("tester")


async def open_case(services: Services, order: dict[str, Any], policy: str | None = None) -> str:
    command = OpenCase.by_operator(ProductOrder.model_validate(order), TESTER, policy)
    return (await services.intake.open_case(services.uow(), command)).case_id


async def decide(services: Services, case_id: str, body: AcceptanceDecisionRequest) -> None:
    command = acceptance.RecordDecision(case_id, body, TESTER)
    await acceptance.record_decision(services.uow(), command)


async def record_test(services: Services, case_id: str, body: CommissioningTestResult) -> None:
    command = commissioning.RecordTestResult(case_id, body, TESTER)
    await commissioning.record_result(services.uow(), command)


async def book(services: Services, case_id: str, body: TrainingSessionCreate) -> Appointment:
    command = training.booking(case_id, body, TESTER)
    return await training.book_session(services.uow(), command)


async def close(
    services: Services, case_id: str, session_id: str, body: TrainingSessionUpdate
) -> None:
    command = training.CloseSession(
        case_id,
        session_id,
        training.SessionEnd(body.state),
        TESTER,
        attended=tuple(body.attended),
        feedback_score=body.feedback_score,
    )
    await training.close_session(services.uow(), command)


async def answer(services: Services, case_id: str, body: SurveyResponse) -> None:
    await surveys.answer_survey(services.uow(), surveys.AnswerSurvey(case_id, body, TESTER))


async def change_state(
    services: Services, case_id: str, state: CaseState, reason: str | None = None
) -> None:
    await cases.change_state(services.uow(), cases.ChangeState(case_id, state, reason, TESTER))


async def case_json(services: Services, case_id: str) -> dict[str, Any]:
    """The case as the API shows it, with its history inline (``fields=history``)."""
    return await read_case(services, case_id, with_history=True)


async def outbox_events(services: Services, case_id: str | None = None) -> list[dict[str, Any]]:
    """Every event in the outbox (of one case, when given), in order, as envelopes."""
    query = select(OutboxBatch).order_by(OutboxBatch.event_time, OutboxBatch.sequence)
    if case_id is not None:
        query = query.where(OutboxBatch.case_id == case_id)
    async with services.db.read() as session:
        return [
            expand(event, DERIVATIONS)
            for row in await session.scalars(query)
            for event in row.events
        ]


async def events(services: Services, case_id: str) -> list[dict[str, Any]]:
    return await outbox_events(services, case_id)


async def event_types(services: Services, case_id: str) -> list[str]:
    return [event["eventType"] for event in await events(services, case_id)]


async def count(services: Services, model: Any) -> int:
    async with services.db.read() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def timers_of(services: Services, case_id: str) -> list[Timer]:
    async with services.db.read() as session:
        rows = await session.scalars(
            select(Timer).where(Timer.case_id == case_id).order_by(Timer.due_at)
        )
        return list(rows)


def milestones(case: dict[str, Any]) -> list[str]:
    return [milestone["name"] for milestone in case["milestone"]]


def step_of(case: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(step for step in case["step"] if step["kind"] == kind)


def actions(case: dict[str, Any]) -> list[str]:
    return [entry["action"] for entry in case["history"]]
