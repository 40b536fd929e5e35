"""Changing an appointment through TMF646: move it, change its details, confirm it, or
report its outcome. A training appointment's outcome is its training session's, handled
by the training feature so both APIs have the same effect."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from order_completion.appointment_api import plain
from order_completion.appointment_api.schemas import AppointmentUpdate, required_end
from order_completion.appointments import service as appointments
from order_completion.appointments.rules import Category, Status
from order_completion.appointments.tables import Appointment
from order_completion.audit import Actor
from order_completion.auth.rules import Permission
from order_completion.cases.aggregate import CompletionCase
from order_completion.cases.unit_of_work import UnitOfWork
from order_completion.errors import InvalidInput
from order_completion.training.handlers import CloseSession, SessionEnd, close_on

# TMF646 attribute → column, for the details a PATCH may change.
DETAILS = {
    "description": "description",
    "externalId": "external_id",
    "relatedPlace": "related_place",
    "contactMedium": "contact_medium",
    "note": "note",
    "attachment": "attachment",
    "calendarEvent": "calendar_event",
}
LIST_COLUMNS = ("contact_medium", "note", "attachment")
OUTCOME_FIELDS = {"attended", "feedbackScore"}


def required_permission(category: str | None) -> Permission:
    """What booking or changing an appointment of ``category`` needs: a training
    appointment is a training session, so it needs what the session's own routes need
    (whichever API is used, the same change asks for the same permission)."""
    if category == Category.TRAINING.value:
        return Permission.MANAGE_TRAINING
    return Permission.MANAGE_APPOINTMENTS


@dataclass(frozen=True)
class UpdateAppointment:
    appointment_id: str
    update: AppointmentUpdate
    actor: Actor


async def update_appointment(uow: UnitOfWork, cmd: UpdateAppointment) -> Appointment:
    async with uow:
        # Lock the case first, then read the appointment afresh: two PATCHes of one
        # appointment queue on the case and the second sees what the first did.
        case_id = (await appointments.get(uow.session, cmd.appointment_id)).case_id
        if case_id is None:
            row = await appointments.get(uow.session, cmd.appointment_id, lock=True)
            await plain.change_appointment(uow, row, cmd.update)
            return row
        case = await uow.load(case_id, cmd.actor)
        row = await appointments.get(uow.session, cmd.appointment_id, fresh=True)
        await _apply(uow, case, row, cmd)
        return row


async def _apply(
    uow: UnitOfWork, case: CompletionCase, row: Appointment, cmd: UpdateAppointment
) -> None:
    body = cmd.update
    given = body.model_fields_set
    if "relatedEntity" in given:
        raise InvalidInput(
            "an appointment of a completion case is related to its case", field="relatedEntity"
        )
    if body.validFor is not None:
        start, end = body.validFor.applied_to(row.start, row.end)
        appointments.reschedule(case, row, start, required_end(end))
    data = body.model_dump(exclude_unset=True)
    for name, column in DETAILS.items():
        if name in data:
            empty: list[Any] | None = [] if column in LIST_COLUMNS else None
            setattr(row, column, data[name] if data[name] is not None else empty)
    if given - {"status"} - OUTCOME_FIELDS:
        changed = ",".join(sorted(given - {"status"}))
        appointments.changed(case, row, changed, uow.base_url)
    if body.status is None:
        if given & OUTCOME_FIELDS:
            raise InvalidInput(
                "attended and feedbackScore go with status completed",
                field="attended" if "attended" in given else "feedbackScore",
            )
        return
    status = Status(body.status)
    if row.category == Category.TRAINING.value and status in (Status.COMPLETED, Status.CANCELLED):
        close = CloseSession(
            case.id,
            row.id,
            SessionEnd(status.value),
            cmd.actor,
            attended=tuple(body.attended or ()),
            feedback_score=body.feedbackScore,
        )
        await close_on(uow, case, row, close)
        return
    appointments.move_to(case, row, status, uow.base_url)
