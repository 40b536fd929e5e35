"""Request bodies of the customer link and of the portal's actions, and the shape of what
the portal answers (for the OpenAPI document)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator, model_validator

from order_completion.acceptance.schemas import LONGEST_PUNCH_ITEM
from order_completion.portal.rules import LONGEST_DAYS, SHORTEST_DAYS, name_problem
from order_completion.tmf.schemas import OneLine, Prose, UtcDateTime


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class CustomerLinkRequest(_Body):
    """Optional settings of a new link; an empty body (or none) takes the defaults."""

    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
        json_schema_extra={"examples": [{"revokeOthers": True, "validForDays": 14}]},
    )

    revoke_others: bool = Field(
        default=False,
        alias="revokeOthers",
        description="Links issued before this one stop working",
    )
    valid_for_days: int | None = Field(
        default=None,
        alias="validForDays",
        ge=SHORTEST_DAYS,
        le=LONGEST_DAYS,
        description="Days the link works; default ORDER_COMPLETION_PORTAL_LINK_DAYS",
    )


class CustomerLinkOut(BaseModel):
    url: str
    expires: str


class _Signed(_Body):
    # One line as the API's PersonName is (the decision's ``decidedBy.name`` is made of it),
    # so a name the decision would refuse is refused here, naming ``fullName``.
    full_name: OneLine[str] = Field(
        alias="fullName", description="The customer's full name, typed as a signature"
    )

    @field_validator("full_name")
    @classmethod
    def _one_line(cls, value: str) -> str:
        problem = name_problem(value)
        if problem:
            raise ValueError(problem)
        return value.strip()


class PortalAcceptance(_Signed):
    """The customer accepts the delivery: their typed name and their consent."""

    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
        json_schema_extra={"examples": [{"fullName": "Dana Smith", "consent": True}]},
    )

    consent: bool = Field(description="Must be true: the customer agrees the service is ready")

    @field_validator("consent")
    @classmethod
    def _consented(cls, value: bool) -> bool:
        if value is not True:
            raise ValueError("accepting needs consent: true")
        return value


class PortalRejection(_Signed):
    """The customer rejects the delivery with what must be put right."""

    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
        json_schema_extra={
            "examples": [{"fullName": "Dana Smith", "punchList": ["Failover under 5 s"]}]
        },
    )

    punch_list: list[Prose[Annotated[str, Field(max_length=LONGEST_PUNCH_ITEM)]]] = Field(
        alias="punchList", min_length=1, max_length=100
    )
    reason: Prose[Annotated[str, Field(max_length=2000)]] | None = None

    @field_validator("punch_list")
    @classmethod
    def _items_say_something(cls, items: list[str]) -> list[str]:
        if any(not item.strip() for item in items):
            raise ValueError("every punch list item must say what to put right")
        return [item.strip() for item in items]


class PortalAttendee(_Body):
    # One line: the name reaches the invitation's ATTENDEE line and the e-mail's greeting.
    name: OneLine[Annotated[str, Field(min_length=1, max_length=200)]]
    email: EmailStr | None = None


class PortalBooking(_Body):
    """A training session the customer books on the step's topics."""

    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
        json_schema_extra={
            "examples": [
                {
                    "topic": ["Portal administration"],
                    "scheduledStart": "2026-12-01T09:00:00Z",
                    "scheduledEnd": "2026-12-01T11:00:00Z",
                    "attendee": [{"name": "Dana Smith", "email": "dana@example.com"}],
                }
            ]
        },
    )

    topic: list[OneLine[Annotated[str, Field(min_length=1, max_length=200)]]] = Field(
        default_factory=list, description="None: the mandatory topics"
    )
    scheduled_start: UtcDateTime = Field(alias="scheduledStart")
    scheduled_end: UtcDateTime = Field(alias="scheduledEnd")
    attendee: list[PortalAttendee] = Field(default_factory=list, max_length=50)

    @model_validator(mode="after")
    def _end_after_start(self) -> PortalBooking:
        if self.scheduled_end <= self.scheduled_start:
            raise ValueError("scheduledEnd must be after scheduledStart")
        return self


class PortalMoveRequest(_Body):
    """The customer asks the trainer to move a session; the trainer moves it."""

    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
        json_schema_extra={
            "examples": [
                {
                    "preferredStart": "2026-12-03T09:00:00Z",
                    "preferredEnd": "2026-12-03T11:00:00Z",
                    "note": "Our admin is away on the 1st",
                }
            ]
        },
    )

    preferred_start: UtcDateTime = Field(alias="preferredStart")
    preferred_end: UtcDateTime = Field(alias="preferredEnd")
    note: Prose[Annotated[str, Field(max_length=2000)]] | None = None

    @model_validator(mode="after")
    def _end_after_start(self) -> PortalMoveRequest:
        if self.preferred_end <= self.preferred_start:
            raise ValueError("preferredEnd must be after preferredStart")
        return self


class PortalCaseOut(BaseModel):
    """The case as its customer sees it."""

    model_config = ConfigDict(populate_by_name=True)

    id: str
    type_: str = Field(alias="@type")
    productOrder: dict[str, Any]
    customer: dict[str, Any]
    state: str
    waitingFor: list[str]
    startOfServiceDate: str | None
    item: list[dict[str, Any]]
    test: list[dict[str, Any]]
    document: list[dict[str, Any]]
    trainingSession: list[dict[str, Any]]
    trainingTopic: list[dict[str, Any]]
    certificate: dict[str, Any] | None
    linkExpires: str


class PortalDecisionOut(BaseModel):
    """The decision the customer made, with the case as they now see it."""

    model_config = ConfigDict(populate_by_name=True)

    id: str
    type_: str = Field(alias="@type")
    decision: str
    decidedBy: dict[str, Any]
    reason: str | None
    punchList: list[dict[str, Any]]
    decisionDate: str
    case: PortalCaseOut


class PortalSessionOut(BaseModel):
    """A training session as the customer sees it."""

    id: str
    topic: list[str]
    scheduledStart: str
    scheduledEnd: str | None
    status: str
    trainer: str | None
    attendee: list[str | None]


class MoveRequestOut(BaseModel):
    sessionId: str
    status: str


class PortalSurveyOut(BaseModel):
    """The customer's survey answer, with their case as they now see it."""

    model_config = ConfigDict(populate_by_name=True)

    type_: str = Field(alias="@type")
    score: int
    comment: str | None = None
    case: PortalCaseOut
