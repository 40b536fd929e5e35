"""An appointment row as an iCalendar invitation (RFC 5545), for the customer's calendar."""

from __future__ import annotations

from typing import Any

from order_completion.appointments.tables import Appointment
from order_completion.integrations.messages.calendar import invitation as calendar_invitation
from order_completion.integrations.messages.model import (
    AppointmentChange,
    AppointmentDetails,
    Person,
)

STATUS = {
    "initialized": "TENTATIVE",
    "confirmed": "CONFIRMED",
    "completed": "CONFIRMED",
    "cancelled": "CANCELLED",
    "failed": "CANCELLED",
}


def details(row: Appointment, *, sequence: int = 0) -> AppointmentDetails:
    """The plain facts of ``row`` that invitations and messages show."""
    cancelled = row.status == "cancelled"
    return AppointmentDetails(
        uid=f"{row.id}@order-completion",
        start=row.start,
        end=row.end,
        place=(row.related_place or {}).get("name") or None,
        trainer=_person(row.trainer) if row.trainer else None,
        topics=tuple(row.topics or ()),
        attendees=tuple(_person(person) for person in row.attendees),
        change=AppointmentChange.CANCELLED if cancelled else AppointmentChange.SCHEDULED,
        sequence=sequence,
        stamp=row.last_update,
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
        status=STATUS.get(row.status, "TENTATIVE"),
    )


def _person(entry: dict[str, Any]) -> Person:
    return Person(name=entry.get("name"), email=entry.get("email"), phone=entry.get("phone"))
