"""The parts of a TMF622 v4 ProductOrder this service reads; everything else is kept as is."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from order_completion.tmf.schemas import OneLine


class _Open(BaseModel):
    """TMF resources may carry any extension attribute; we keep them."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)


# Lengths are the columns' (cases/tables.py) that keep these values: a longer value is a
# 400 naming it here, never a database error later. The ids and names are shown in e-mails
# (their headers among them), invitations and on the certificate, so each is one line.
Identifier = OneLine[Annotated[str, Field(min_length=1, max_length=200)]]
OptionalIdentifier = OneLine[Annotated[str, Field(max_length=200)]] | None
DisplayName = OneLine[Annotated[str, Field(max_length=400)]] | None


class ProductOfferingRef(_Open):
    id: OptionalIdentifier = None
    name: DisplayName = None


class ProductOrderItem(_Open):
    id: Identifier
    action: Literal["add", "modify", "delete", "noChange"]
    product_offering: ProductOfferingRef | None = Field(default=None, alias="productOffering")


class RelatedParty(_Open):
    id: OptionalIdentifier = None
    name: DisplayName = None
    role: str | None = None
    customer_segment: str | None = Field(default=None, alias="customerSegment")


class ProductOrder(_Open):
    """A TMF622 product order: ``id``, items and a customer party are required here."""

    id: Identifier
    state: str | None = None
    category: str | None = Field(default=None, max_length=100)
    customer_segment: str | None = Field(default=None, alias="customerSegment")
    product_order_item: list[ProductOrderItem] = Field(min_length=1, alias="productOrderItem")
    related_party: list[RelatedParty] = Field(alias="relatedParty")

    @field_validator("product_order_item")
    @classmethod
    def _unique_item_ids(cls, items: list[ProductOrderItem]) -> list[ProductOrderItem]:
        ids = [item.id for item in items]
        repeated = sorted({item_id for item_id in ids if ids.count(item_id) > 1})
        if repeated:
            raise ValueError(f"item id used more than once: {', '.join(repeated)}")
        return items

    @field_validator("related_party")
    @classmethod
    def _has_customer(cls, parties: list[RelatedParty]) -> list[RelatedParty]:
        customers = [party for party in parties if (party.role or "").lower() == "customer"]
        if not customers:
            raise ValueError("needs a party with role 'customer'")
        if not customers[0].id:
            raise ValueError("the customer party needs an id")
        return parties

    def customer(self) -> RelatedParty:
        return next(p for p in self.related_party if (p.role or "").lower() == "customer")


EXAMPLE_ORDER: dict[str, Any] = {
    "id": "PO-1001",
    "category": "B2B",
    "state": "completed",
    "productOrderItem": [
        {
            "id": "1",
            "action": "add",
            "productOffering": {"id": "ETH-1G", "name": "Managed Ethernet 1 Gbit/s"},
        }
    ],
    "relatedParty": [
        {"id": "CUST-42", "name": "Acme Ltd", "role": "customer", "@referredType": "Customer"}
    ],
}


class CompletionCaseCreate(BaseModel):
    """Open a completion case for a delivered product order."""

    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
        json_schema_extra={"examples": [{"productOrder": EXAMPLE_ORDER}]},
    )

    product_order: ProductOrder = Field(alias="productOrder")
    policy: str | None = Field(default=None, description="Policy id; chosen by the order if absent")


class ProductOrderEventBody(_Open):
    product_order: ProductOrder = Field(alias="productOrder")


class ProductOrderStateChangeEvent(_Open):
    """The TMF622 event envelope as order management sends it."""

    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
        json_schema_extra={
            "examples": [
                {
                    "eventId": "EV-9001",
                    "eventTime": "2026-11-27T10:00:00Z",
                    "eventType": "productOrderStateChangeEvent",
                    "event": {"productOrder": EXAMPLE_ORDER},
                }
            ]
        },
    )

    event_id: str = Field(min_length=1, max_length=200, alias="eventId")
    event_time: str | None = Field(default=None, alias="eventTime")
    event_type: Literal["productOrderStateChangeEvent", "ProductOrderStateChangeEvent"] = Field(
        alias="eventType"
    )
    event: ProductOrderEventBody


class ListenerResult(BaseModel):
    """What an inbound event did: ``caseCreated``, ``existingCase``, ``ignored`` (not a
    trigger state) or ``duplicate`` (this eventId was seen before)."""

    eventId: str
    result: Literal["caseCreated", "existingCase", "ignored", "duplicate"]
    completionCase: dict[str, Any] | None = None
