"""Plain TMF646 appointments: booked through the API with no completion case, kept as sent
(other systems' entities in ``relatedEntity``, a period perhaps with only its start),
following the TMF646 life cycle and changing no case."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from order_completion.appointment_api.schemas import AppointmentUpdate, other_entities, parties
from order_completion.appointments import service as appointments
from order_completion.appointments.rules import Status
from order_completion.appointments.service import NoCase
from order_completion.appointments.tables import Appointment
from order_completion.audit import Actor
from order_completion.cases.unit_of_work import UnitOfWork
from order_completion.errors import InvalidInput

# TMF646 attribute → column, for the details a plain appointment keeps.
DETAILS = {
    "externalId": "external_id",
    "relatedParty": "related_party",
    "relatedEntity": "related_entity",
    "relatedPlace": "related_place",
    "contactMedium": "contact_medium",
    "note": "note",
    "attachment": "attachment",
    "calendarEvent": "calendar_event",
}
LIST_COLUMNS = ("related_party", "contact_medium", "note", "attachment")
OUTCOME_FIELDS = ("attended", "feedbackScore")


@dataclass(frozen=True)
class MakeAppointment:
    start: datetime
    end: datetime | None
    actor: Actor
    category: str | None = None
    description: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


async def make_appointment(uow: UnitOfWork, cmd: MakeAppointment) -> Appointment:
    async with uow:
        return appointments.make_plain(
            NoCase(uow.session, uow.now),
            category=cmd.category,
            start=cmd.start,
            end=cmd.end,
            base_url=uow.base_url,
            description=cmd.description,
            **cmd.details,
        )


async def change_appointment(uow: UnitOfWork, row: Appointment, body: AppointmentUpdate) -> None:
    """Apply a merge patch to a plain appointment inside the caller's unit of work."""
    given = body.model_fields_set
    outcome = [name for name in OUTCOME_FIELDS if name in given]
    if outcome:
        raise InvalidInput("is for training appointments of a completion case", field=outcome[0])
    owner = NoCase(uow.session, uow.now)
    if body.validFor is not None:
        appointments.reschedule(owner, row, *body.validFor.applied_to(row.start, row.end))
    data = body.model_dump(by_alias=True, exclude_unset=True)
    if body.relatedParty is not None:
        data["relatedParty"] = parties(body)
    if body.relatedEntity is not None:
        data["relatedEntity"] = other_entities(body.relatedEntity)
    if "description" in data:
        row.description = data["description"]
    for name, column in DETAILS.items():
        if name in data:
            empty: list[Any] | None = [] if column in LIST_COLUMNS else None
            setattr(row, column, data[name] if data[name] is not None else empty)
    if given - {"status"}:
        appointments.changed(owner, row, ",".join(sorted(given - {"status"})), uow.base_url)
    if body.status is not None:
        appointments.move_to(owner, row, Status(body.status), uow.base_url)
