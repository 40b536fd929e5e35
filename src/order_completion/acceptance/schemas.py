"""Request body of the acceptance decision action."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from order_completion.attachments.schemas import EvidenceRefs
from order_completion.tmf.schemas import PersonName, Prose, SingleLineText

# How long one punch list item may be: one thing to put right, not a document.
LONGEST_PUNCH_ITEM = 500


class DecidedBy(BaseModel):
    """Who decided, as the certificate and the customer record name them."""

    model_config = ConfigDict(extra="forbid")

    name: PersonName
    id: SingleLineText | None = None
    email: SingleLineText | None = None
    role: SingleLineText | None = None


class PunchListItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: Prose[Annotated[str, Field(min_length=1, max_length=LONGEST_PUNCH_ITEM)]]


class AcceptanceDecisionRequest(BaseModel):
    """The customer's answer; a rejection needs a reason or a punch list."""

    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
        json_schema_extra={
            "examples": [
                {"decision": "accepted", "decidedBy": {"name": "Dana Smith", "id": "C-42"}},
                {
                    "decision": "rejected",
                    "decidedBy": {"name": "Dana Smith"},
                    "reason": "Failover took 40 s",
                    "punchList": [{"description": "Failover under 5 s"}],
                },
            ]
        },
    )

    decision: Literal["accepted", "rejected"]
    decided_by: DecidedBy = Field(alias="decidedBy")
    attachment: EvidenceRefs = Field(
        default_factory=list,
        description="Files of the case that back this decision (a signed document)",
    )
    reason: Prose[Annotated[str, Field(max_length=2000)]] | None = None
    punch_list: list[PunchListItem] = Field(default_factory=list, alias="punchList", max_length=100)

    @model_validator(mode="after")
    def _rejection_says_why(self) -> AcceptanceDecisionRequest:
        if self.decision == "rejected" and not (self.reason or self.punch_list):
            raise ValueError("a rejection needs a reason or a punchList")
        if self.decision == "accepted" and self.punch_list:
            raise ValueError("punchList applies only to a rejection")
        return self


class AcceptanceDecisionOut(BaseModel):
    """A recorded decision, with the case as it stands after it."""

    id: str
    href: str
    type_: str = Field(alias="@type")
    decision: Literal["accepted", "rejected"]
    decidedBy: dict[str, Any]
    reason: str | None = None
    punchList: list[dict[str, Any]]
    round: int
    decisionDate: str
    completionCase: dict[str, Any]
