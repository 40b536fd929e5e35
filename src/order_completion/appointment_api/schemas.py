"""TMF646 v4 Appointment request bodies and documented shape."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from order_completion.errors import InvalidInput
from order_completion.tmf.schemas import OneLine, PersonName, SingleLineText, UtcDateTime


class TimePeriod(BaseModel):
    """When an appointment is: its start, and its end when known (TMF646 makes both ends
    optional; we need the start to place it, and our own steps need the end too)."""

    model_config = ConfigDict(extra="forbid")

    startDateTime: UtcDateTime
    endDateTime: UtcDateTime | None = None


class PeriodChange(BaseModel):
    """A merge patch of ``validFor``: what it names replaces, ``endDateTime: null`` removes
    the end, what it leaves out stays."""

    model_config = ConfigDict(extra="forbid")

    startDateTime: UtcDateTime | None = None
    endDateTime: UtcDateTime | None = None

    def applied_to(self, start: datetime, end: datetime | None) -> tuple[datetime, datetime | None]:
        given = self.model_fields_set
        return (
            self.startDateTime or start,
            self.endDateTime if "endDateTime" in given else end,
        )


class Person(BaseModel):
    """A trainer or an attendee, invited by name in the calendar invitation."""

    model_config = ConfigDict(extra="forbid")

    name: PersonName
    email: EmailStr | None = None


def required_end(end: datetime | None) -> datetime:
    """Our commissioning visits and training sessions take time to plan and to invite to:
    they need their end, where TMF646 lets a plain appointment leave it out."""
    if end is None:
        raise InvalidInput(
            "is required for commissioning and training appointments",
            field="validFor.endDateTime",
        )
    return end


class RelatedEntity(BaseModel):
    """The completion case, or another system's entity (TMF646 then requires its ``role``
    and ``@referredType``, checked where it is kept)."""

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
    name: SingleLineText | None = None
    role: str | None = None


class RelatedPlace(BaseModel):
    """Where the appointment is: its ``name`` is the invitation's location, so one line;
    everything else is kept as sent."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    name: SingleLineText | None = None


class _Details(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    description: str | None = None
    externalId: str | None = Field(default=None, max_length=200)
    relatedParty: list[RelatedParty] | None = None
    relatedPlace: RelatedPlace | None = None
    contactMedium: list[dict[str, Any]] | None = None
    note: list[dict[str, Any]] | None = None
    attachment: list[dict[str, Any]] | None = None
    calendarEvent: dict[str, Any] | None = None
    type_: str | None = Field(default=None, alias="@type")
    baseType: str | None = Field(default=None, alias="@baseType")
    schemaLocation: str | None = Field(default=None, alias="@schemaLocation")


def is_case(entity: RelatedEntity) -> bool:
    return "completioncase" in ((entity.referredType or "").lower(), (entity.role or "").lower())


def other_entities(entities: list[RelatedEntity]) -> list[dict[str, Any]]:
    """The entities of other systems a plain appointment keeps, as sent; a completion case
    cannot be among them (an appointment becomes no case's after it is booked)."""
    kept = []
    for index, entity in enumerate(entities):
        if is_case(entity):
            raise InvalidInput(
                "a plain appointment cannot be related to a completion case",
                field="relatedEntity",
            )
        for name in ("role", "@referredType"):
            if not entity.model_dump(by_alias=True).get(name):
                raise InvalidInput("is required", field=f"relatedEntity[{index}].{name}")
        kept.append(entity.model_dump(by_alias=True, exclude_none=True))
    return kept


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

    # The invitation's title for a plain appointment.
    category: OneLine[Annotated[str, Field(max_length=40)]] | None = None
    validFor: TimePeriod
    relatedEntity: list[RelatedEntity] | None = None
    topic: list[SingleLineText] | None = None
    trainer: Person | None = None
    attendee: list[Person] | None = None


class AppointmentUpdate(_Details):
    """Confirm, complete, fail or cancel (``status``, along the TMF646 life cycle), move
    (``validFor``) or annotate an appointment; a plain one may also change the entities it
    relates to (``relatedEntity``)."""

    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
        json_schema_extra={"examples": [{"status": "confirmed"}]},
    )

    status: Literal["initialized", "confirmed", "cancelled", "completed", "failed"] | None = None
    validFor: PeriodChange | None = None
    relatedEntity: list[RelatedEntity] | None = None
    attended: list[SingleLineText] | None = None
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
