"""Plain TMF646 appointments: booked through the API with no completion case, kept as sent
(other systems' entities in ``relatedEntity``, a period perhaps with only its start),
following the TMF646 life cycle and changing no case."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from order_completion.appointments import service as appointments
from order_completion.appointments.service import NoCase
from order_completion.appointments.tables import Appointment
from order_completion.audit import Actor
from order_completion.cases.unit_of_work import UnitOfWork


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
