"""TMF646 v4 Appointment request bodies and documented shape."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from order_completion.tmf.schemas import UtcDateTime


class TimePeriod(BaseModel):
    model_config = ConfigDict(extra="forbid")

    startDateTime: UtcDateTime
    endDateTime: UtcDateTime


class Person(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    email: EmailStr | None = None


class RelatedEntity(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)

    id: str = Field(min_length=1)
    role: str | None = None
    referredType: str | None = Field(default=None, alias="@referredType")
    href: str | None = None


class RelatedParty(BaseModel):
    """A party of the appointment; TMF646 requires its ``id`` and ``@referredType``."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    id: str = Field(min_length=1)
    referredType: str = Field(min_length=1, alias="@referredType")
    href: str | None = None
    name: str | None = None
    role: str | None = None


class _Details(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    description: str | None = None
    externalId: str | None = Field(default=None, max_length=200)
    relatedParty: list[RelatedParty] | None = None
    relatedPlace: dict[str, Any] | None = None
    contactMedium: list[dict[str, Any]] | None = None
    note: list[dict[str, Any]] | None = None
    attachment: list[dict[str, Any]] | None = None
    calendarEvent: dict[str, Any] | None = None
    type_: str | None = Field(default=None, alias="@type")
    baseType: str | None = Field(default=None, alias="@baseType")
    schemaLocation: str | None = Field(default=None, alias="@schemaLocation")


def parties(body: _Details) -> list[dict[str, Any]]:
    """The related parties as sent, in their TMF646 spelling."""
    return [p.model_dump(by_alias=True, exclude_none=True) for p in body.relatedParty or []]


class AppointmentCreate(_Details):
    """A new appointment: only ``validFor`` is required, as in TMF646.

    With a ``relatedEntity`` naming a completion case (``@referredType: CompletionCase``) and
    ``category`` ``commissioning`` or ``training`` it books that step's visit or session;
    training appointments may carry ``topic``, ``trainer`` and ``attendee`` (extension
    attributes), the topics defaulting to the training's mandatory ones. Without a case it is
    a plain appointment, kept as sent, that changes no case."""

    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
        json_schema_extra={
            "examples": [
                {
                    "category": "training",
                    "validFor": {
                        "startDateTime": "2026-12-01T09:00:00Z",
                        "endDateTime": "2026-12-01T11:00:00Z",
                    },
                    "relatedEntity": [
                        {
                            "id": "<completion case id>",
                            "role": "completionCase",
                            "@referredType": "CompletionCase",
                        }
                    ],
                    "topic": ["Portal administration"],
                    "attendee": [{"name": "Dana Smith", "email": "dana@example.com"}],
                }
            ]
        },
    )

    category: str | None = Field(default=None, max_length=40)
    validFor: TimePeriod
    relatedEntity: list[RelatedEntity] | None = None
    topic: list[str] | None = None
    trainer: Person | None = None
    attendee: list[Person] | None = None


class AppointmentUpdate(_Details):
    """Confirm, complete, fail or cancel (``status``, along the TMF646 life cycle), move
    (``validFor``) or annotate an appointment."""

    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
        json_schema_extra={"examples": [{"status": "confirmed"}]},
    )

    status: Literal["initialized", "confirmed", "cancelled", "completed", "failed"] | None = None
    validFor: TimePeriod | None = None
    attended: list[str] | None = None
    feedbackScore: int | None = Field(default=None, ge=1, le=5)


class AppointmentOut(BaseModel):
    """A TMF646 appointment of a completion case."""

    id: str
    href: str
    type_: str = Field(alias="@type")
    category: str | None = None
    status: str | None = None
    creationDate: str | None = None
    lastUpdate: str | None = None
    validFor: dict[str, Any] | None = None
    description: str | None = None
    externalId: str | None = None
    relatedEntity: list[dict[str, Any]] | None = None
    relatedParty: list[dict[str, Any]] | None = None
    relatedPlace: dict[str, Any] | None = None
    contactMedium: list[dict[str, Any]] | None = None
    note: list[dict[str, Any]] | None = None
    attachment: list[dict[str, Any]] | None = None
    calendarEvent: dict[str, Any] | None = None
    topic: list[str] | None = None
    trainer: dict[str, Any] | None = None
    attendee: list[dict[str, Any]] | None = None
    attended: list[str] | None = None
    feedbackScore: int | None = None
