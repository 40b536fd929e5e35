"""TMF646 Appointment v4: commissioning visits and training sessions of completion cases."""

from __future__ import annotations

from fastapi import APIRouter, Query, Response
from sqlalchemy import select

from order_completion.appointment_api import handlers, plain
from order_completion.appointment_api.schemas import (
    AppointmentCreate,
    AppointmentOut,
    AppointmentUpdate,
    is_case,
    other_entities,
    parties,
    required_end,
)
from order_completion.appointments import calendar, rules
from order_completion.appointments import service as appointments
from order_completion.appointments.representation import BASE, appointment_resource
from order_completion.appointments.rules import Category
from order_completion.appointments.tables import Appointment
from order_completion.audit import Actor
from order_completion.auth.rules import Permission
from order_completion.cases.ports import CaseServicesDep
from order_completion.cases.tables import CaseRow
from order_completion.commissioning.handlers import ScheduleVisit, schedule_visit
from order_completion.dependencies import (
    ActorDep,
    CallerDep,
    MergePatch,
    allow,
    merge_patch_openapi,
)
from order_completion.errors import InvalidInput
from order_completion.tmf import query
from order_completion.tmf.counting import COUNTS_DESCRIPTION
from order_completion.tmf.errors import READ_ONLY
from order_completion.tmf.listing import ListParamsDep, page_of
from order_completion.tmf.responses import json_resource
from order_completion.tmf.schemas import ERROR_RESPONSES, JsonObject
from order_completion.training.handlers import BookSession, book_session

router = APIRouter(prefix=BASE, tags=["appointment"])

FILTERS = {
    "id": query.Attribute(Appointment.id),
    "status": query.Attribute(Appointment.status),
    "category": query.Attribute(Appointment.category),
    "relatedEntity.id": query.Attribute(
        Appointment.case_id,
        also=query.Attribute(
            Appointment.related_entity, "element", within=Appointment.case_id.is_(None)
        ),
    ),
    "validFor.startDateTime": query.Attribute(Appointment.start, "date"),
    "validFor.endDateTime": query.Attribute(Appointment.end, "date"),
    "creationDate": query.Attribute(Appointment.creation_date, "date"),
    "lastUpdate": query.Attribute(Appointment.last_update, "date"),
}
ONE = {200: {"model": AppointmentOut, "description": "The appointment"}, **ERROR_RESPONSES}


def _refuse(problem: rules.Problem | None) -> None:
    if problem is not None:
        raise InvalidInput(problem.message, field=problem.field)


def _case_id(body: AppointmentCreate) -> str | None:
    """The completion case the appointment is for, if any. A case's appointment is related
    to its case only: other entities beside it are refused rather than dropped."""
    entities = body.relatedEntity or []
    cases = [entity for entity in entities if is_case(entity)]
    if cases and len(cases) != len(entities):
        raise InvalidInput(
            "an appointment of a completion case is related to that case only",
            field="relatedEntity",
        )
    return cases[0].id if cases else None


def _details(body: AppointmentCreate, *, for_case: bool) -> JsonObject:
    """The details kept as sent; a case's appointment gets the case's customer when it is
    booked, so a customer sent with it is left out."""
    data = body.model_dump(by_alias=True, exclude_unset=True)
    data.pop("description", None)
    data.pop("relatedEntity", None)
    sent = parties(body)
    data["relatedParty"] = rules.case_parties((), sent) if for_case else sent
    return appointments.detail_columns(data)


def _command(
    body: AppointmentCreate, actor: Actor
) -> BookSession | ScheduleVisit | plain.MakeAppointment:
    """The step action a new appointment is (a training session or a commissioning visit of
    a case), or a plain appointment when it names no case."""
    case_id = _case_id(body)
    _refuse(rules.booking_problem(body.category, for_case=case_id is not None))
    given = [name for name in rules.TRAINING_ATTRIBUTES if getattr(body, name)]
    _refuse(rules.training_attributes_problem(body.category, given))
    if case_id is None:
        return _plain(body, actor)
    period = body.validFor
    end = required_end(period.endDateTime)
    if body.category == Category.TRAINING.value:
        return BookSession(
            case_id,
            start=period.startDateTime,
            end=end,
            actor=actor,
            topics=tuple(body.topic or ()),
            trainer=body.trainer.model_dump(exclude_none=True) if body.trainer else None,
            attendees=tuple(a.model_dump(exclude_none=True) for a in body.attendee or []),
            description=body.description,
            details=_details(body, for_case=True),
        )
    return ScheduleVisit(
        case_id,
        start=period.startDateTime,
        end=end,
        actor=actor,
        description=body.description,
        details=_details(body, for_case=True),
    )


def _plain(body: AppointmentCreate, actor: Actor) -> plain.MakeAppointment:
    """An appointment of no case, kept as sent."""
    details = _details(body, for_case=False)
    if body.relatedEntity:
        details["related_entity"] = other_entities(body.relatedEntity)
    return plain.MakeAppointment(
        body.validFor.startDateTime,
        body.validFor.endDateTime,
        actor,
        category=body.category,
        description=body.description,
        details=details,
    )


@router.post(
    "/appointment",
    summary="Book an appointment: a commissioning visit, a training session or a plain one",
    description=(
        "Only `validFor` is required. With `relatedEntity` naming a completion case (and "
        "nothing else), `category` is `commissioning` or `training` and `validFor` needs both "
        "ends: a training appointment is also a training session of the case (and the other "
        "way round) and may carry `topic`, `trainer` and `attendee`; 409 when the case has no "
        "commissioning test or training waiting. Without a case it is a plain appointment, "
        "kept as sent, that changes no case: `validFor` may have only its start, and "
        "`relatedEntity` names other systems' entities (each with `id`, `role` and "
        "`@referredType`). `relatedParty` entries need `id` and `@referredType`. New "
        "appointments are `initialized`."
    ),
    status_code=201,
    dependencies=allow(Permission.MANAGE_APPOINTMENTS),
    response_model=AppointmentOut,
    responses={201: {"model": AppointmentOut}, **ERROR_RESPONSES},
)
async def create(
    body: AppointmentCreate, app: CaseServicesDep, actor: ActorDep, caller: CallerDep
) -> Response:
    caller.require(handlers.required_permission(body.category))
    command = _command(body, actor)
    if isinstance(command, BookSession):
        row = await book_session(app.uow(), command)
    elif isinstance(command, ScheduleVisit):
        row = await schedule_visit(app.uow(), command)
    else:
        row = await plain.make_appointment(app.uow(), command)
    resource = appointment_resource(row, app.base_url)
    return json_resource(resource, status_code=201, headers={"Location": resource["href"]})


@router.get(
    "/appointment",
    summary="List appointments",
    description=(
        "Filters: `id`, `status`, `category`, `relatedEntity.id` (the completion case, or an "
        "entity a plain appointment relates to: an exact match inside its list that scans "
        "the plain appointments the other filters leave), and `validFor.startDateTime`, "
        "`validFor.endDateTime`, `creationDate`, `lastUpdate` with `.gt/.gte/.lt/.lte`. "
        "Soonest first. " + COUNTS_DESCRIPTION
    ),
    dependencies=allow(Permission.READ),
    response_model=list[AppointmentOut],
    responses={200: {"model": list[AppointmentOut]}, **ERROR_RESPONSES},
)
async def list_appointments(params: ListParamsDep, app: CaseServicesDep) -> Response:
    async with app.db.read() as session:
        return await page_of(
            session,
            select(Appointment),
            FILTERS,
            params,
            order_by=[Appointment.start, Appointment.id],
            render=lambda row: appointment_resource(row, app.base_url),
            counts=app.counts,
        )


@router.get(
    "/appointment/{appointment_id}",
    summary="Read one appointment",
    dependencies=allow(Permission.READ),
    response_model=AppointmentOut,
    responses=ONE,
)
async def get_appointment(
    appointment_id: str,
    app: CaseServicesDep,
    fields: str | None = Query(default=None, description="Comma-separated attributes to return"),
) -> Response:
    async with app.db.read() as session:
        row = await appointments.get(session, appointment_id)
    resource = appointment_resource(row, app.base_url)
    return json_resource(query.select_fields(resource, query.parse_fields(fields)))


@router.patch(
    "/appointment/{appointment_id}",
    summary="Confirm, complete, cancel or move an appointment",
    description=(
        "A JSON merge patch. `status` follows the TMF646 life cycle: initialized → confirmed "
        "or cancelled; confirmed → completed or failed (409 otherwise). Completing a training "
        "appointment completes its session (with `attended` and `feedbackScore`) and may "
        "complete the training step. `validFor` moves an appointment that is still open (a "
        "merge patch: `endDateTime: null` removes the end of a plain appointment; ours keep "
        "theirs). A plain appointment may change `relatedEntity`; a case's is its case, and keeps "
        "the case's customer among its `relatedParty`."
    ),
    dependencies=allow(Permission.MANAGE_APPOINTMENTS),
    response_model=AppointmentOut,
    responses=ONE,
    openapi_extra=merge_patch_openapi(AppointmentUpdate),
)
async def patch_appointment(
    appointment_id: str, patch: MergePatch, app: CaseServicesDep, actor: ActorDep, caller: CallerDep
) -> Response:
    query.refuse_read_only(patch, READ_ONLY | {"category", "topic", "trainer", "attendee", "@type"})
    body = AppointmentUpdate.model_validate(patch)
    async with app.db.read() as session:
        category = (await appointments.get(session, appointment_id)).category
    caller.require(handlers.required_permission(category))
    command = handlers.UpdateAppointment(appointment_id, body, actor)
    row = await handlers.update_appointment(app.uow(), command)
    return json_resource(appointment_resource(row, app.base_url))


@router.get(
    "/appointment/{appointment_id}/calendar.ics",
    summary="The appointment as an iCalendar invitation",
    description=(
        "The current version: the same `UID` throughout, a `SEQUENCE` grown by every move "
        "and status change. A cancelled or failed appointment is `METHOD:CANCEL` with "
        "`STATUS:CANCELLED`."
    ),
    dependencies=allow(Permission.READ),
    responses={
        200: {"content": {"text/calendar": {}}, "description": "An RFC 5545 calendar"},
        **ERROR_RESPONSES,
    },
    response_class=Response,
)
async def invitation(appointment_id: str, app: CaseServicesDep) -> Response:
    async with app.db.read() as session:
        row = await appointments.get(session, appointment_id)
        order_id = (
            await session.scalar(select(CaseRow.product_order_id).where(CaseRow.id == row.case_id))
            if row.case_id is not None
            else None
        )
    body = calendar.invitation(row, order_id=str(order_id) if order_id is not None else None)
    return Response(
        body,
        media_type="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="{row.id}.ics"'},
    )
