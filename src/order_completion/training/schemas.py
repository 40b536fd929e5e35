"""Request bodies and the shape of a training session."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, model_validator

from order_completion.appointments.tables import Appointment
from order_completion.clock import iso
from order_completion.tmf.schemas import PersonName, SingleLineText, UtcDateTime


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Trainer(_Body):
    name: PersonName
    email: EmailStr | None = None


class Attendee(_Body):
    """Invited by name in the calendar invitation, and written to by it."""

    name: PersonName
    email: EmailStr | None = None


class TrainingSessionCreate(_Body):
    """Book a session on some of the policy's topics."""

    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
        json_schema_extra={
            "examples": [
                {
                    "topic": ["Portal administration"],
                    "scheduledStart": "2026-12-01T09:00:00Z",
                    "scheduledEnd": "2026-12-01T11:00:00Z",
                    "trainer": {"name": "Sam Lee"},
                    "attendee": [{"name": "Dana Smith", "email": "dana@example.com"}],
                }
            ]
        },
    )

    topic: list[SingleLineText] = Field(min_length=1)
    scheduled_start: UtcDateTime = Field(alias="scheduledStart")
    scheduled_end: UtcDateTime = Field(alias="scheduledEnd")
    trainer: Trainer | None = None
    attendee: list[Attendee] = Field(default_factory=list)

    @model_validator(mode="after")
    def _end_after_start(self) -> TrainingSessionCreate:
        if self.scheduled_end <= self.scheduled_start:
            raise ValueError("scheduledEnd must be after scheduledStart")
        return self


class TrainingSessionUpdate(_Body):
    """Close a session: completed (with who attended and a score) or cancelled."""

    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
        json_schema_extra={
            "examples": [{"state": "completed", "attended": ["Dana Smith"], "feedbackScore": 5}]
        },
    )

    state: Literal["completed", "cancelled"]
    attended: list[SingleLineText] = Field(default_factory=list)
    feedback_score: int | None = Field(default=None, ge=1, le=5, alias="feedbackScore")


SESSION_STATES = {"initialized": "scheduled", "confirmed": "scheduled"}


def session_resource(appointment: Appointment, case_href: str) -> dict[str, Any]:
    """A training session as the case API shows it; ``appointment`` is the same session in
    TMF646."""
    return {
        "id": appointment.id,
        "href": f"{case_href}/trainingSession/{appointment.id}",
        "@type": "TrainingSession",
        "completionCase": {"id": appointment.case_id, "href": case_href},
        "state": SESSION_STATES.get(appointment.status, appointment.status),
        "topic": appointment.topics,
        "scheduledStart": iso(appointment.start),
        "scheduledEnd": iso(appointment.end),
        "trainer": appointment.trainer,
        "attendee": appointment.attendees,
        "attended": appointment.attended,
        "feedbackScore": appointment.feedback_score,
        "creationDate": iso(appointment.creation_date),
        "lastUpdate": iso(appointment.last_update),
        "appointment": {
            "id": appointment.id,
            "status": appointment.status,
            "href": f"/tmf-api/appointment/v4/appointment/{appointment.id}",
        },
    }


class TrainingSessionOut(BaseModel):
    """A training session of a case (the same row as its TMF646 appointment)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "6f0c…",
                    "href": "/tmf-api/orderCompletion/v1/completionCase/1/trainingSession/6f0c…",
                    "@type": "TrainingSession",
                    "state": "scheduled",
                    "topic": ["Portal administration"],
                    "scheduledStart": "2026-12-01T09:00:00Z",
                    "scheduledEnd": "2026-12-01T11:00:00Z",
                    "attendee": [{"name": "Dana Smith", "email": "dana@example.com"}],
                }
            ]
        }
    )

    id: str
    href: str
    type_: str = Field(alias="@type")
    completionCase: dict[str, Any] | None = None
    state: Literal["scheduled", "completed", "cancelled", "failed"] | None = None
    topic: list[str] | None = None
    scheduledStart: str | None = None
    scheduledEnd: str | None = None
    trainer: dict[str, Any] | None = None
    attendee: list[dict[str, Any]] | None = None
    attended: list[str] | None = None
    feedbackScore: int | None = None
    creationDate: str | None = None
    lastUpdate: str | None = None
    appointment: dict[str, Any] | None = None
