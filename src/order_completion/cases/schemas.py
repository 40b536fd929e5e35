"""Pydantic shapes of the case API: the PATCH body and the documented response."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from order_completion.cases.rules import Waiter

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
        "fallout",
        "certificate",
        "waitingFor",
        "targetCompletionDate",
        "startOfServiceDate",
        "step",
        "milestone",
        "orderItem",
        "history",
        "historyHref",
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


class PastRoundOut(BaseModel):
    """A finished round of a step: a rejected acceptance, a commissioning test that passed
    before the customer rejected."""

    round: int
    state: str
    outcome: str | None
    startDate: str | None
    completionDate: str | None


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
    pastRound: list[PastRoundOut] | None = None
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
    product: dict[str, Any] | None = Field(
        default=None, description="The product in the product inventory, once created"
    )


class HistoryOut(BaseModel):
    date: str
    action: str
    stepId: str | None = None
    actor: str | None = None
    detail: dict[str, Any] | None = None


class CompletionCaseOut(BaseModel):
    """A completion case: one per product order, with its steps and milestones. Its
    history is the sub-resource at ``historyHref``; ``history`` is inlined only when
    ``fields`` names it."""

    id: str
    href: str
    type_: Literal["CompletionCase"] = Field(alias="@type")
    state: Literal["active", "hold", "completed", "cancelled"] | None = None
    stateReason: str | None = None
    creationDate: str | None = None
    lastUpdate: str | None = None
    completionDate: str | None = None
    productOrder: dict[str, Any] | None = None
    relatedParty: list[dict[str, Any]] | None = None
    policy: dict[str, Any] | None = None
    jeopardy: Literal["none", "warning", "breach"] | None = None
    fallout: bool | None = Field(
        default=None,
        description="The customer update failed for good on some system: retry it or settle "
        "it (`customerUpdate/retry`, `customerUpdate/settle`)",
    )
    certificate: dict[str, Any] | None = Field(
        default=None,
        description="The acceptance certificate once issued: `href` of the PDF and its `sha256`",
    )
    waitingFor: Waiter | None = Field(
        default=None,
        description="Who the case waits for: the person whose move is next (blocking "
        "steps first); `nobody` when it runs by itself, is on hold or is finished",
    )
    targetCompletionDate: str | None = None
    startOfServiceDate: str | None = None
    step: list[StepOut] | None = None
    milestone: list[MilestoneOut] | None = None
    orderItem: list[OrderItemOut] | None = None
    historyHref: str | None = None
    history: list[HistoryOut] | None = None
