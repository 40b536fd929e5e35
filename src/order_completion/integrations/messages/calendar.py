"""Appointments as iCalendar invitations (RFC 5545 with the iTIP methods of RFC 5546).

One builder for every invitation the service hands out: the appointment API's ``calendar.ics``
and the ``.ics`` attached to commissioning and training invitations. A change is the same
``UID`` with a higher ``SEQUENCE`` under ``METHOD:REQUEST``; a cancellation is ``METHOD:CANCEL``.

An appointment with no known end gets ``DTSTART`` alone: RFC 5545 (3.6.1) reads that as an
event ending when it starts, which calendars show at its start time. No duration is made up.
"""

from __future__ import annotations

from datetime import UTC, datetime

from icalendar import Calendar, Event, vCalAddress, vText

from order_completion import __version__
from order_completion.integrations.messages.model import (
    AppointmentChange,
    AppointmentDetails,
    Attachment,
    MessageContext,
    MessageKind,
)

INVITATION_TOPIC = {
    MessageKind.COMMISSIONING_INVITATION: "Commissioning",
    MessageKind.TRAINING_INVITATION: "Training",
}


def invitation(
    appointment: AppointmentDetails,
    *,
    summary: str,
    description: str | None = None,
    organizer: str | None = None,
    status: str | None = None,
) -> bytes:
    """The calendar for ``appointment``; ``status`` defaults to what its change implies."""
    cancelled = appointment.change is AppointmentChange.CANCELLED
    calendar = Calendar()
    calendar.add("prodid", f"-//Order Completion//{__version__}//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "REQUEST")
    event = Event()
    event.add("uid", appointment.uid)
    event.add("sequence", appointment.sequence)
    event.add("dtstamp", appointment.stamp or datetime.now(UTC))
    event.add("dtstart", appointment.start)
    if appointment.end is not None:
        event.add("dtend", appointment.end)
    event.add("summary", summary)
    if description:
        event.add("description", description)
    implied = "CANCELLED" if cancelled else "TENTATIVE" if appointment.tentative else "CONFIRMED"
    event.add("status", status or implied)
    if appointment.place:
        event.add("location", appointment.place)
    if organizer:
        event.add("organizer", vCalAddress(f"mailto:{organizer}"))
    people = [*appointment.attendees, *([appointment.trainer] if appointment.trainer else [])]
    for person in people:
        if person.email:
            attendee = vCalAddress(f"mailto:{person.email}")
            attendee.params["cn"] = vText(person.name or "")
            event.add("attendee", attendee, encode=False)
    calendar.add_component(event)
    data: bytes = calendar.to_ical()
    return data


def invitation_attachment(
    kind: MessageKind, context: MessageContext, *, organizer: str | None = None
) -> Attachment:
    """The ``.ics`` file for an invitation message, with the iTIP method on its content type."""
    appointment = context.appointment
    if kind not in INVITATION_TOPIC or appointment is None:
        raise ValueError(f"{kind} carries no appointment to invite to")
    method = "CANCEL" if appointment.change is AppointmentChange.CANCELLED else "REQUEST"
    description = ", ".join(appointment.topics) or None
    data = invitation(
        appointment,
        summary=f"{INVITATION_TOPIC[kind]} for order {context.order_id}",
        description=description,
        organizer=organizer,
    )
    return Attachment(
        filename="invitation.ics",
        media_type="text/calendar",
        data=data,
        parameters=(("method", method), ("charset", "utf-8")),
    )
