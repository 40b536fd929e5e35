"""HTTP routes for training sessions of a case."""

from __future__ import annotations

from fastapi import APIRouter, Response
from sqlalchemy import select

from order_completion.appointments.rules import Category
from order_completion.appointments.tables import Appointment
from order_completion.auth.rules import Permission
from order_completion.cases import queries
from order_completion.cases.ports import CaseServicesDep
from order_completion.cases.representation import API_BASE, case_href
from order_completion.dependencies import ActorDep, MergePatch, allow, merge_patch_openapi
from order_completion.errors import InvalidInput, NotFound
from order_completion.tmf.responses import json_page, json_resource
from order_completion.tmf.schemas import ERROR_RESPONSES
from order_completion.training import handlers
from order_completion.training.schemas import (
    TrainingSessionCreate,
    TrainingSessionOut,
    TrainingSessionUpdate,
    session_resource,
)

router = APIRouter(prefix=API_BASE, tags=["trainingSession"])
READ_ONLY = {
    "id",
    "href",
    "@type",
    "completionCase",
    "creationDate",
    "lastUpdate",
    "topic",
    "scheduledStart",
    "scheduledEnd",
    "trainer",
    "attendee",
}


@router.post(
    "/completionCase/{case_id}/trainingSession",
    dependencies=allow(Permission.MANAGE_TRAINING),
    summary="Book a training session",
    description=(
        "Topics must be among the training step's topics. The training step completes when "
        "every mandatory topic has a completed session. 409 when no training step waits."
    ),
    status_code=201,
    response_model=TrainingSessionOut,
    responses={201: {"model": TrainingSessionOut}, **ERROR_RESPONSES},
)
async def book(
    case_id: str, body: TrainingSessionCreate, app: CaseServicesDep, actor: ActorDep
) -> Response:
    command = handlers.booking(case_id, body, actor)
    row = await handlers.book_session(app.uow(), command)
    resource = session_resource(row, case_href(app.base_url, case_id))
    return json_resource(resource, status_code=201, headers={"Location": resource["href"]})


@router.get(
    "/completionCase/{case_id}/trainingSession",
    dependencies=allow(Permission.READ),
    summary="List the training sessions of a case",
    response_model=list[TrainingSessionOut],
    responses={200: {"model": list[TrainingSessionOut]}, **ERROR_RESPONSES},
)
async def list_sessions(case_id: str, app: CaseServicesDep) -> Response:
    href = case_href(app.base_url, case_id)
    async with app.db.read() as session:
        await queries.get_case(session, case_id)
        rows = await session.scalars(
            select(Appointment)
            .where(Appointment.case_id == case_id, Appointment.category == Category.TRAINING.value)
            .order_by(Appointment.start)
        )
        items = [session_resource(row, href) for row in rows]
    return json_page(items, total=len(items))


@router.get(
    "/completionCase/{case_id}/trainingSession/{session_id}",
    dependencies=allow(Permission.READ),
    summary="Read one training session",
    response_model=TrainingSessionOut,
    responses={200: {"model": TrainingSessionOut}, **ERROR_RESPONSES},
)
async def get_session(case_id: str, session_id: str, app: CaseServicesDep) -> Response:
    async with app.db.read() as session:
        row = await session.get(Appointment, session_id)
        if row is None or row.case_id != case_id or row.category != Category.TRAINING.value:
            raise NotFound(f"case {case_id} has no training session {session_id}")
        return json_resource(session_resource(row, case_href(app.base_url, case_id)))


@router.patch(
    "/completionCase/{case_id}/trainingSession/{session_id}",
    dependencies=allow(Permission.MANAGE_TRAINING),
    summary="Complete or cancel a training session",
    description=(
        "A merge patch with `state` (`completed` or `cancelled`), `attended` (names of "
        "invited attendees) and `feedbackScore` (1-5)."
    ),
    response_model=TrainingSessionOut,
    responses={200: {"model": TrainingSessionOut}, **ERROR_RESPONSES},
    openapi_extra=merge_patch_openapi(TrainingSessionUpdate),
)
async def close(
    case_id: str, session_id: str, patch: MergePatch, app: CaseServicesDep, actor: ActorDep
) -> Response:
    read_only = sorted(key for key in patch if key in READ_ONLY)
    if read_only:
        raise InvalidInput(f"read-only: {', '.join(read_only)}", field=read_only[0])
    body = TrainingSessionUpdate.model_validate(patch)

    command = handlers.CloseSession(
        case_id,
        session_id,
        handlers.SessionEnd(body.state),
        actor,
        attended=tuple(body.attended),
        feedback_score=body.feedback_score,
    )
    row = await handlers.close_session(app.uow(), command)
    return json_resource(session_resource(row, case_href(app.base_url, case_id)))
