"""Interactions the case logs as it goes (every notice, reminder, decision, witnessed test
and training session): each ``InteractionLogged`` event becomes a TMF683 row and a
``partyInteractionCreateEvent``, in the case's transaction and event order."""

from __future__ import annotations

import uuid
from typing import Any, cast

from sqlalchemy import Table

from order_completion.cases.events import DomainEvent, InteractionLogged
from order_completion.cases.representation import case_href
from order_completion.cases.unit_of_work import Projection
from order_completion.interactions.rules import Origin
from order_completion.interactions.schemas import interaction_resource, reference_href
from order_completion.interactions.service import SYSTEM_CHANNEL
from order_completion.interactions.tables import PartyInteraction

INTERACTIONS = cast(Table, PartyInteraction.__table__)


class InteractionProjector:
    def project(self, projection: Projection, event: DomainEvent) -> None:
        if not isinstance(event, InteractionLogged):
            return
        row = _row(projection, event)
        projection.add_row(INTERACTIONS, row)
        resource = interaction_resource(PartyInteraction(**row), projection.base_url)
        projection.publish("partyInteractionCreateEvent", {"partyInteraction": resource}, event.at)


def _row(projection: Projection, event: InteractionLogged) -> dict[str, Any]:
    case = projection.case
    customer = {
        "id": case.customer_id,
        "name": case.customer_name,
        "href": reference_href("customer", case.customer_id),
        "role": "customer",
        "@referredType": "Customer",
    }
    party = event.party
    parties = [customer] + ([{**party, "role": party.get("role") or "contact"}] if party else [])
    item: dict[str, Any] = {
        "item": {
            "id": case.id,
            "href": case_href(projection.base_url, case.id),
            "role": "completionCase",
            "@referredType": "CompletionCase",
        },
        "reason": event.reason,
    }
    if event.step is not None:
        item["resolution"] = f"{event.step.kind.value} step, round {event.step.round}"
    return {
        "id": str(uuid.uuid4()),
        "case_id": case.id,
        "customer_id": case.customer_id,
        "origin": Origin.AUTOMATIC.value,
        "status": event.status,
        "direction": event.direction.value,
        "reason": event.reason,
        "description": event.description,
        "channel": [SYSTEM_CHANNEL, *_channel_of(event)],
        "interaction_start": event.at,
        "interaction_end": event.at,
        "interaction_item": [item],
        "interaction_relationship": [],
        "related_party": parties,
        "note": [],
        "attachment": [],
        "extension": {},
        "creation_date": event.at,
        "status_change_date": event.at,
        "last_update": event.at,
    }


def _channel_of(event: InteractionLogged) -> list[dict[str, Any]]:
    """The channel the customer used (the portal), named beside the service's own, which
    still marks the record as one the service logged."""
    if event.channel is None:
        return []
    return [
        {
            "id": event.channel,
            "href": reference_href("channel", event.channel),
            "name": event.channel,
        }
    ]
