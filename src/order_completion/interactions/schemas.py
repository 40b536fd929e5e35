"""TMF683 v4 PartyInteraction: request bodies and the resource as the API shows it."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field

from order_completion.clock import iso
from order_completion.interactions.tables import PartyInteraction
from order_completion.tmf.schemas import UtcDateTime

BASE = "/tmf-api/partyInteraction/v4"


class _Part(BaseModel):
    """A TMF sub-resource: known attributes checked, polymorphic extensions kept."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)


class TimePeriod(BaseModel):
    model_config = ConfigDict(extra="forbid")

    startDateTime: UtcDateTime | None = None
    endDateTime: UtcDateTime | None = None


class Ref(_Part):
    """The entity an item is about; TMF683 requires its ``role``."""

    id: str | None = None
    href: str | None = None
    name: str | None = None
    role: str


class RelatedChannel(_Part):
    """A channel reference; one sent without the ``href`` TMF683 requires is shown with a
    name for it (``reference_href``)."""

    id: str = Field(min_length=1)
    href: str | None = None
    name: str | None = None
    role: str | None = None


class RelatedParty(_Part):
    """A party reference; one sent without the ``href`` or ``@referredType`` TMF683
    requires is shown with them filled in (``_party``)."""

    id: str = Field(min_length=1, max_length=200)  # the customer's is a column
    href: str | None = None
    name: str | None = None
    role: str | None = None


class Note(_Part):
    text: str | None = None
    author: str | None = None
    date: UtcDateTime | None = None


class InteractionItem(_Part):
    item: Ref | None = None
    reason: str | None = None
    resolution: str | None = None
    itemDate: TimePeriod | None = None


class _Writable(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    description: str | None = None
    channel: list[RelatedChannel] | None = None
    interactionDate: TimePeriod | None = None
    interactionItem: list[InteractionItem] | None = None
    interactionRelationship: list[dict[str, Any]] | None = None
    note: list[Note] | None = None
    relatedParty: list[RelatedParty] | None = None
    attachment: list[dict[str, Any]] | None = None
    type_: str | None = Field(default=None, alias="@type")
    baseType: str | None = Field(default=None, alias="@baseType")
    schemaLocation: str | None = Field(default=None, alias="@schemaLocation")


class PartyInteractionCreate(_Writable):
    """A call, visit or message with the customer; ``status`` and ``interactionDate``
    default to ``open`` and now when left out."""

    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
        json_schema_extra={
            "examples": [
                {
                    "direction": "inbound",
                    "reason": "Customer called about the acceptance test date",
                    "channel": [{"id": "phone", "name": "Phone"}],
                    "relatedParty": [
                        {"id": "CUST-42", "role": "customer", "@referredType": "Customer"}
                    ],
                }
            ]
        },
    )

    # A free string in TMF683; the column holds 20 characters.
    direction: str = Field(max_length=20)
    reason: str = Field(min_length=1)
    status: str = Field(default="open", min_length=1, max_length=40)
    channel: list[RelatedChannel] = Field(min_length=1)


class PartyInteractionUpdate(_Writable):
    """Change an interaction (JSON merge patch); ``direction`` cannot change."""

    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
        json_schema_extra={"examples": [{"status": "completed"}]},
    )

    reason: str | None = Field(default=None, min_length=1)
    status: str | None = Field(default=None, min_length=1, max_length=40)


class PartyInteractionOut(BaseModel):
    """The TMF683 resource."""

    id: str
    href: str
    type_: str = Field(alias="@type")
    baseType: str | None = Field(default=None, alias="@baseType")
    schemaLocation: str | None = Field(default=None, alias="@schemaLocation")
    creationDate: str | None = None
    statusChangeDate: str | None = None
    status: str | None = None
    direction: str | None = None
    reason: str | None = None
    description: str | None = None
    channel: list[dict[str, Any]] | None = None
    interactionDate: dict[str, Any] | None = None
    interactionItem: list[dict[str, Any]] | None = None
    interactionRelationship: list[dict[str, Any]] | None = None
    note: list[dict[str, Any]] | None = None
    relatedParty: list[dict[str, Any]] | None = None
    attachment: list[dict[str, Any]] | None = None


def reference_href(kind: str, entity_id: str) -> str:
    """A name for an entity this service does not serve (the customer, a contact, its own
    channel): TMF683 requires an ``href`` on channel and party references."""
    return f"urn:order-completion:{kind}:{quote(entity_id, safe='')}"


def _referable(entry: dict[str, Any], kind: str) -> dict[str, Any]:
    if entry.get("href"):
        return entry
    return {**entry, "href": reference_href(kind, str(entry["id"]))}


def _party(entry: dict[str, Any]) -> dict[str, Any]:
    """A party reference as TMF683 requires it; a contact the service logged by name (a
    witness, whoever decided) is known by that name."""
    referred = entry.get("@referredType") or (
        "Customer" if entry.get("role") == "customer" else "Individual"
    )
    party = {**entry, "id": entry.get("id") or entry.get("name", ""), "@referredType": referred}
    return _referable(party, referred.lower())


def interaction_resource(row: PartyInteraction, base_url: str = "") -> dict[str, Any]:
    """The resource; attributes the interaction does not have are left out, as TMF683 types
    them as strings and objects, never null."""
    period = {"startDateTime": iso(row.interaction_start), "endDateTime": iso(row.interaction_end)}
    resource: dict[str, Any] = {
        "id": row.id,
        "href": f"{base_url}{BASE}/partyInteraction/{row.id}",
        "@type": "PartyInteraction",
        **row.extension,
        "creationDate": iso(row.creation_date),
        "statusChangeDate": iso(row.status_change_date),
        "status": row.status,
        "direction": row.direction,
        "reason": row.reason,
        "description": row.description,
        "channel": [_referable(channel, "channel") for channel in row.channel],
        "interactionDate": {name: value for name, value in period.items() if value is not None},
        "interactionItem": row.interaction_item,
        "interactionRelationship": row.interaction_relationship,
        "note": row.note,
        "relatedParty": [_party(party) for party in row.related_party],
        "attachment": row.attachment,
    }
    return {name: value for name, value in resource.items() if value is not None}
