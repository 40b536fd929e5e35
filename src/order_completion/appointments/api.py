"""TMF646 Appointment v4: commissioning visits and training sessions of completion cases."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Query, Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from order_completion.appointments import calendar
from order_completion.appointments import service as appointments
from order_completion.appointments.representation import BASE, appointment_resource
from order_completion.appointments.rules import Category, Status
from order_completion.appointments.schemas import (
    AppointmentCreate,
    AppointmentOut,
    AppointmentUpdate,
)
from order_completion.appointments.tables import Appointment
from order_completion.auth.rules import Permission
from order_completion.cases.service import CaseUnit
from order_completion.cases.tables import CompletionCase
from order_completion.commissioning import service as commissioning
from order_completion.dependencies import MergePatch, ServicesDep, allow, merge_patch_openapi
from order_completion.errors import InvalidInput
from order_completion.tmf import query
from order_completion.tmf.errors import READ_ONLY
from order_completion.tmf.listing import ListParamsDep, page_of
from order_completion.tmf.schemas import ERROR_RESPONSES
from order_completion.training import service as training
from order_completion.training.schemas import TrainingSessionCreate, TrainingSessionUpdate

router = APIRouter(prefix=BASE, tags=["appointment"])

FILTERS = {
    "id": query.Attribute(Appointment.id),
    "status": query.Attribute(Appointment.status),
    "category": query.Attribute(Appointment.category),
    "relatedEntity.id": query.Attribute(Appointment.case_id),
    "validFor.startDateTime": query.Attribute(Appointment.start, "date"),
    "creationDate": query.Attribute(Appointment.creation_date, "date"),
    "lastUpdate": query.Attribute(Appointment.last_update, "date"),
}
ONE = {200: {"model": AppointmentOut, "description": "The appointment"}, **ERROR_RESPONSES}
DETAILS = {
    "description": "description",
    "externalId": "external_id",
    "relatedPlace": "related_place",
    "contactMedium": "contact_medium",
    "note": "note",
    "attachment": "attachment",
    "calendarEvent": "calendar_event",
}


def _case_id(body: AppointmentCreate) -> str:
    for entity in body.relatedEntity:
        if (entity.referredType or "").lower() == "completioncase" or (
            entity.role or ""
        ).lower() == "completioncase":
            return entity.id
    raise InvalidInput(
        "needs the completion case (@referredType CompletionCase)", field="relatedEntity"
    )


def _details(body: AppointmentCreate) -> dict[str, Any]:
    data = body.model_dump(exclude_unset=True)
    details = {
        column: data[name]
        for name, column in DETAILS.items()
        if name in data and name != "description"
    }
    details["related_party"] = [
        p for p in body.relatedParty or [] if str(p.get("role", "")).lower() != "customer"
    ]
    return details


async def _book(unit: CaseUnit, body: AppointmentCreate) -> Appointment:
    period = body.validFor
    if body.category == Category.TRAINING.value:
        session = TrainingSessionCreate.model_validate(
            {
                "topic": body.topic or training.default_topics(unit),
                "scheduledStart": period.startDateTime,
                "scheduledEnd": period.endDateTime,
                "trainer": body.trainer.model_dump() if body.trainer else None,
                "attendee": [a.model_dump() for a in body.attendee or []],
            }
        )
        return await training.book_session(
            unit, session, description=body.description, **_details(body)
        )
    if body.topic or body.attendee or body.trainer:
        raise InvalidInput(
            "topic, trainer and attendee are for training appointments",
            field="topic" if body.topic else "attendee",
        )
    return await commissioning.schedule_visit(
        unit,
        start=period.startDateTime,
        end=period.endDateTime,
        description=body.description,
        **_details(body),
    )


@router.post(
    "/appointment",
    summary="Book a commissioning visit or a training session",
    description=(
        "`category` is `commissioning` or `training`; `relatedEntity` names the completion "
        "case. A training appointment is also a training session of the case (and the other "
        "way round); it may carry `topic`, `trainer` and `attendee`. New appointments are "
        "`initialized`. 409 when the case has no commissioning test or training waiting."
    ),
    status_code=201,
    dependencies=allow(Permission.MANAGE_APPOINTMENTS),
    responses={201: {"model": AppointmentOut}, **ERROR_RESPONSES},
)
async def create(
    body: AppointmentCreate, response: Response, services: ServicesDep
) -> dict[str, Any]:
    case_id = _case_id(body)

    async def work(session: AsyncSession, now: datetime) -> Appointment:
        return await _book(await services.cases.require(session, case_id, now), body)

    resource = appointment_resource(await services.write(work), services.cases.base_url)
    response.headers["Location"] = resource["href"]
    return resource


@router.get(
    "/appointment",
    summary="List appointments",
    description=(
        "Filters: `id`, `status`, `category`, `relatedEntity.id` (the completion case), and "
        "`validFor.startDateTime`, `creationDate`, `lastUpdate` with `.gt/.gte/.lt/.lte`. "
        "Soonest first."
    ),
    dependencies=allow(Permission.READ),
    responses={200: {"model": list[AppointmentOut]}, **ERROR_RESPONSES},
)
async def list_appointments(
    params: ListParamsDep, response: Response, services: ServicesDep
) -> list[dict[str, Any]]:
    async with services.db.read() as session:
        return await page_of(
            session,
            select(Appointment),
            FILTERS,
            params,
            response=response,
            order_by=[Appointment.start, Appointment.id],
            render=lambda row: appointment_resource(row, services.cases.base_url),
        )


@router.get(
    "/appointment/{appointment_id}",
    summary="Read one appointment",
    dependencies=allow(Permission.READ),
    responses=ONE,
)
async def get_appointment(
    appointment_id: str,
    services: ServicesDep,
    fields: str | None = Query(default=None, description="Comma-separated attributes to return"),
) -> dict[str, Any]:
    async with services.db.read() as session:
        row = await appointments.get(None, session, appointment_id)
    return query.select_fields(
        appointment_resource(row, services.cases.base_url), query.parse_fields(fields)
    )


async def _apply(unit: CaseUnit, row: Appointment, body: AppointmentUpdate) -> None:
    given = body.model_fields_set
    if body.validFor is not None:
        appointments.reschedule(unit, row, body.validFor.startDateTime, body.validFor.endDateTime)
    data = body.model_dump(exclude_unset=True)
    for name, column in DETAILS.items():
        if name in data:
            setattr(
                row,
                column,
                data[name]
                if data[name] is not None
                else ([] if column in ("contact_medium", "note", "attachment") else None),
            )
    if given - {"status", "attended", "feedbackScore"}:
        appointments.changed(unit, row, ",".join(sorted(given - {"status"})))
    if body.status is None:
        if given & {"attended", "feedbackScore"}:
            raise InvalidInput(
                "attended and feedbackScore go with status completed",
                field="attended" if "attended" in given else "feedbackScore",
            )
        return
    status = Status(body.status)
    if row.category == Category.TRAINING.value and status in (Status.COMPLETED, Status.CANCELLED):
        close = TrainingSessionUpdate.model_validate(
            {
                "state": status.value,
                "attended": body.attended or [],
                "feedbackScore": body.feedbackScore,
            }
        )
        await training.close_session(unit, row.id, close)
        return
    appointments.move_to(unit, row, status)


@router.patch(
    "/appointment/{appointment_id}",
    summary="Confirm, complete, cancel or move an appointment",
    description=(
        "A JSON merge patch. `status` follows the TMF646 life cycle: initialized → confirmed "
        "or cancelled; confirmed → completed or failed (409 otherwise). Completing a training "
        "appointment completes its session (with `attended` and `feedbackScore`) and may "
        "complete the training step. `validFor` moves an appointment that is still open."
    ),
    dependencies=allow(Permission.MANAGE_APPOINTMENTS),
    responses=ONE,
    openapi_extra=merge_patch_openapi(AppointmentUpdate),
)
async def patch_appointment(
    appointment_id: str, patch: MergePatch, services: ServicesDep
) -> dict[str, Any]:
    query.refuse_read_only(
        patch, READ_ONLY | {"category", "relatedEntity", "topic", "trainer", "attendee", "@type"}
    )
    body = AppointmentUpdate.model_validate(patch)

    async def work(session: AsyncSession, now: datetime) -> Appointment:
        row = await appointments.get(None, session, appointment_id)
        unit = await services.cases.require(session, row.case_id, now)
        await _apply(unit, row, body)
        return row

    return appointment_resource(await services.write(work), services.cases.base_url)


@router.get(
    "/appointment/{appointment_id}/calendar.ics",
    summary="The appointment as an iCalendar invitation",
    dependencies=allow(Permission.READ),
    responses={
        200: {"content": {"text/calendar": {}}, "description": "An RFC 5545 calendar"},
        **ERROR_RESPONSES,
    },
    response_class=Response,
)
async def invitation(appointment_id: str, services: ServicesDep) -> Response:
    async with services.db.read() as session:
        row = await appointments.get(None, session, appointment_id)
        order_id = await session.scalar(
            select(CompletionCase.product_order_id).where(CompletionCase.id == row.case_id)
        )
    body = calendar.invitation(row, order_id=str(order_id))
    return Response(
        body,
        media_type="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="{row.id}.ics"'},
    )
