"""An appointment row as an iCalendar invitation (RFC 5545), for the customer's calendar:
always its current version, numbered by the row's ``sequence``, so a calendar that fetches
it again after a move or a status change replaces what it holds. A cancelled or failed
appointment is withdrawn (``METHOD:CANCEL``): see ``rules.WITHDRAWN``."""

from __future__ import annotations

from typing import Any

from order_completion.appointments.rules import CALENDAR_STATUS, WITHDRAWN, Status
from order_completion.appointments.tables import Appointment
from order_completion.integrations.messages.calendar import invitation as calendar_invitation
from order_completion.integrations.messages.model import (
    AppointmentChange,
    AppointmentDetails,
    Person,
)


def details(row: Appointment) -> AppointmentDetails:
    """The plain facts of ``row`` that invitations and messages show, as they are now."""
    withdrawn = Status(row.status) in WITHDRAWN
    return AppointmentDetails(
        uid=f"{row.id}@order-completion",
        start=row.start,
        end=row.end,
        place=(row.related_place or {}).get("name") or None,
        trainer=_person(row.trainer) if row.trainer else None,
        topics=tuple(row.topics or ()),
        attendees=tuple(_person(person) for person in row.attendees),
        change=AppointmentChange.CANCELLED if withdrawn else AppointmentChange.SCHEDULED,
        sequence=row.sequence,
        stamp=row.last_update,
        tentative=Status(row.status) is Status.INITIALIZED,
    )


def invitation(row: Appointment, *, order_id: str | None, organizer: str | None = None) -> bytes:
    """The invitation; a plain appointment (no case, so no order) is named by its category
    or as an appointment."""
    title = (row.category or "").capitalize() or "Appointment"
    return calendar_invitation(
        details(row),
        summary=f"{title} for order {order_id}" if order_id else title,
        description=row.description,
        organizer=organizer,
        status=CALENDAR_STATUS[Status(row.status)],
    )


def _person(entry: dict[str, Any]) -> Person:
    return Person(name=entry.get("name"), email=entry.get("email"), phone=entry.get("phone"))
