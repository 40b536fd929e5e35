"""Pydantic shapes of the case API: the PATCH body and the documented response."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

READ_ONLY_ATTRIBUTES = frozenset(
    {
        "id",
        "href",
        "@type",
        "creationDate",
        "lastUpdate",
        "completionDate",
        "productOrder",
        "relatedParty",
        "policy",
        "jeopardy",
        "targetCompletionDate",
        "startOfServiceDate",
        "step",
        "milestone",
        "orderItem",
        "history",
        "stateReason",
    }
)


class CaseStatePatch(BaseModel):
    """Put a case on hold, resume it, or cancel it."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"state": "hold", "reason": "Customer site closed"}]},
    )

    state: Literal["hold", "active", "cancelled"]
    reason: str | None = Field(default=None, max_length=2000)


class Ref(BaseModel):
    id: str
    href: str | None = None


class StepOut(BaseModel):
    id: str
    type_: str = Field(alias="@type")
    kind: str
    state: str
    outcome: str | None
    blocking: bool
    round: int
    after: list[str]
    waitingFor: str | None
    startDate: str | None
    dueDate: str | None
    completionDate: str | None
    configuration: dict[str, Any]
    detail: dict[str, Any] | None = None


class MilestoneOut(BaseModel):
    name: str
    date: str


class OrderItemOut(BaseModel):
    id: str
    action: str
    productOffering: dict[str, Any]
    state: str
    activeFrom: str | None


class HistoryOut(BaseModel):
    date: str
    action: str
    stepId: str | None = None
    actor: str | None = None
    detail: dict[str, Any] | None = None


class CompletionCaseOut(BaseModel):
    """A completion case: one per product order, with its steps, milestones and history."""

    id: str
    href: str
    type_: Literal["CompletionCase"] = Field(alias="@type")
    state: Literal["active", "hold", "completed", "cancelled"]
    stateReason: str | None
    creationDate: str
    lastUpdate: str
    completionDate: str | None
    productOrder: dict[str, Any]
    relatedParty: list[dict[str, Any]]
    policy: dict[str, Any]
    jeopardy: Literal["none", "warning", "breach"]
    targetCompletionDate: str | None
    startOfServiceDate: str | None
    step: list[StepOut]
    milestone: list[MilestoneOut]
    orderItem: list[OrderItemOut]
    history: list[HistoryOut] | None = None
