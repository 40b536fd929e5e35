"""An appointment as an iCalendar invitation (RFC 5545), for the customer's calendar."""

from __future__ import annotations

from icalendar import Calendar, Event, vCalAddress, vText

from order_completion import __version__
from order_completion.appointments.tables import Appointment

STATUS = {
    "initialized": "TENTATIVE",
    "confirmed": "CONFIRMED",
    "completed": "CONFIRMED",
    "cancelled": "CANCELLED",
    "failed": "CANCELLED",
}


def invitation(row: Appointment, *, order_id: str | None, organizer: str | None = None) -> bytes:
    """The invitation; a plain appointment (no case, so no order) is named by its category
    or as an appointment."""
    calendar = Calendar()
    calendar.add("prodid", f"-//Order Completion//{__version__}//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if row.status == "cancelled" else "REQUEST")
    event = Event()
    event.add("uid", f"{row.id}@order-completion")
    event.add("dtstamp", row.last_update)
    event.add("dtstart", row.start)
    event.add("dtend", row.end)
    title = row.category.capitalize() or "Appointment"
    event.add("summary", f"{title} for order {order_id}" if order_id else title)
    if row.description:
        event.add("description", row.description)
    event.add("status", STATUS.get(row.status, "TENTATIVE"))
    place = row.related_place or {}
    if place.get("name"):
        event.add("location", place["name"])
    if organizer:
        event.add("organizer", vCalAddress(f"mailto:{organizer}"))
    for person in [*row.attendees, *([row.trainer] if row.trainer else [])]:
        if person.get("email"):
            attendee = vCalAddress(f"mailto:{person['email']}")
            attendee.params["cn"] = vText(person.get("name", ""))
            event.add("attendee", attendee, encode=False)
    calendar.add_component(event)
    data: bytes = calendar.to_ical()
    return data
