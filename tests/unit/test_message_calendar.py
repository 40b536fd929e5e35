"""Invitation files: one UID per appointment, a growing SEQUENCE for changes, CANCEL to remove."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from icalendar import Calendar

from order_completion.integrations.messages.calendar import invitation, invitation_attachment
from order_completion.integrations.messages.model import (
    AppointmentChange,
    AppointmentDetails,
    MessageKind,
)
from tests.messages import CONTEXT as BASE
from tests.messages import VISIT

CONTEXT = replace(BASE, customer_name="Harbour", recipient_name=None)


def parse(data: bytes) -> tuple[Calendar, object]:
    calendar = Calendar.from_ical(data)
    return calendar, next(iter(calendar.walk("VEVENT")))


def test_a_new_invitation_is_a_request_with_sequence_zero() -> None:
    """The .ics carries the method on its content type and describes the appointment."""
    attachment = invitation_attachment(
        MessageKind.TRAINING_INVITATION, CONTEXT, organizer="orders@op.example"
    )
    assert attachment.filename == "invitation.ics"
    assert attachment.media_type == "text/calendar"
    assert dict(attachment.parameters)["method"] == "REQUEST"
    calendar, event = parse(attachment.data)
    assert str(calendar["method"]) == "REQUEST"
    assert str(event["uid"]) == "visit-7@order-completion"
    assert event["sequence"] == 0
    assert str(event["summary"]) == "Training for order PO-4711"
    assert str(event["location"]) == "Riverside depot, gate 2"
    assert str(event["description"]) == "VPN portal, Fault reporting"
    assert str(event["status"]) == "CONFIRMED"
    assert str(event["organizer"]) == "mailto:orders@op.example"
    assert sorted(str(a) for a in event["attendee"]) == [
        "mailto:mia@harbour.example",
        "mailto:ola@example.net",
    ]


def test_an_update_keeps_the_uid_and_raises_the_sequence() -> None:
    """Calendars replace the earlier event because UID matches and SEQUENCE is higher."""
    moved = replace(
        VISIT,
        start=datetime(2026, 12, 4, 9, 0, tzinfo=UTC),
        end=datetime(2026, 12, 4, 11, 0, tzinfo=UTC),
        change=AppointmentChange.UPDATED,
        sequence=2,
    )
    attachment = invitation_attachment(
        MessageKind.COMMISSIONING_INVITATION, replace(CONTEXT, appointment=moved)
    )
    calendar, event = parse(attachment.data)
    assert str(calendar["method"]) == "REQUEST"
    assert str(event["uid"]) == "visit-7@order-completion"
    assert event["sequence"] == 2
    assert event.decoded("dtstart") == datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
    assert str(event["summary"]) == "Commissioning for order PO-4711"


def test_a_cancellation_uses_method_cancel() -> None:
    """A cancelled appointment sends METHOD:CANCEL and STATUS:CANCELLED for the same UID."""
    cancelled = replace(VISIT, change=AppointmentChange.CANCELLED, sequence=3)
    attachment = invitation_attachment(
        MessageKind.TRAINING_INVITATION, replace(CONTEXT, appointment=cancelled)
    )
    assert dict(attachment.parameters)["method"] == "CANCEL"
    calendar, event = parse(attachment.data)
    assert str(calendar["method"]) == "CANCEL"
    assert str(event["status"]) == "CANCELLED"
    assert event["sequence"] == 3


def test_only_invitations_with_an_appointment_get_a_calendar() -> None:
    """Asking for an .ics on another kind, or without an appointment, is a programming error."""
    with pytest.raises(ValueError, match="carries no appointment"):
        invitation_attachment(MessageKind.COMPLETION_WELCOME, CONTEXT)
    with pytest.raises(ValueError, match="carries no appointment"):
        invitation_attachment(MessageKind.TRAINING_INVITATION, replace(CONTEXT, appointment=None))


def test_an_appointment_with_no_end_is_invited_to_at_its_start_only() -> None:
    """No DTEND and no made-up DURATION: RFC 5545 reads DTSTART alone as an instant."""
    _, event = parse(invitation(replace(VISIT, end=None), summary="Site survey"))
    assert event.decoded("dtstart") == VISIT.start
    assert "dtend" not in event
    assert "duration" not in event


def test_an_appointment_not_yet_confirmed_is_invited_to_as_tentative() -> None:
    """The e-mailed invitation says what ``calendar.ics`` says: booked is tentative."""
    booked = AppointmentDetails(
        uid="a@order-completion",
        start=datetime(2026, 12, 1, 9, tzinfo=UTC),
        end=datetime(2026, 12, 1, 11, tzinfo=UTC),
        tentative=True,
    )
    assert b"STATUS:TENTATIVE" in invitation(booked, summary="Training")
    confirmed = replace(booked, tentative=False)
    assert b"STATUS:CONFIRMED" in invitation(confirmed, summary="Training")
