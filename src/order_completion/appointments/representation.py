"""An appointment as TMF646 shows it."""

from __future__ import annotations

from typing import Any

from order_completion.appointments.rules import Category
from order_completion.appointments.tables import Appointment
from order_completion.cases.representation import case_href
from order_completion.clock import iso

BASE = "/tmf-api/appointment/v4"


def appointment_href(base_url: str, appointment_id: str) -> str:
    return f"{base_url}{BASE}/appointment/{appointment_id}"


def appointment_resource(row: Appointment, base_url: str = "") -> dict[str, Any]:
    """The resource; what the appointment lacks is left out (TMF646 types those attributes
    as strings and objects, never null: a period with only its start shows only that), and
    a plain appointment shows the entities it was sent instead of a case."""
    period = {"startDateTime": iso(row.start), "endDateTime": iso(row.end)}
    result: dict[str, Any] = {
        "id": row.id,
        "href": appointment_href(base_url, row.id),
        "@type": "Appointment",
        "category": row.category,
        "status": row.status,
        "creationDate": iso(row.creation_date),
        "lastUpdate": iso(row.last_update),
        "validFor": {name: value for name, value in period.items() if value is not None},
        "description": row.description,
        "externalId": row.external_id,
        "relatedEntity": (row.related_entity or [])
        if row.case_id is None
        else [
            {
                "id": row.case_id,
                "href": case_href(base_url, row.case_id),
                "role": "completionCase",
                "@referredType": "CompletionCase",
            }
        ],
        "relatedParty": row.related_party,
        "relatedPlace": row.related_place,
        "contactMedium": row.contact_medium,
        "note": row.note,
        "attachment": row.attachment,
        "calendarEvent": row.calendar_event,
    }
    if row.category == Category.TRAINING.value:
        result.update(
            {
                "topic": row.topics,
                "trainer": row.trainer,
                "attendee": row.attendees,
                "attended": row.attended,
                "feedbackScore": row.feedback_score,
            }
        )
    return {name: value for name, value in result.items() if value not in (None, "")}
