"""TMF622 Product Ordering: telling order management that the customer accepted.

Either the order's ``state`` becomes ``completed``, or (when order management keeps the
state to itself) a ``note`` is added that names the milestone and the start-of-service
date. Both look first, so a call repeated after a timeout changes nothing twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import quote

from order_completion.integrations.peer import Peer

COMPLETED = "completed"
# Merge patch replaces whole arrays, so notes are sent with the ones the order has.
PATCH_HEADERS = {"Content-Type": "application/merge-patch+json"}


class OrderUpdateMode(StrEnum):
    STATE = "state"  # PATCH state=completed
    NOTE = "note"  # add a note with the milestone; order management keeps the state


@dataclass(frozen=True)
class OrderAccepted:
    order_id: str
    milestone: str
    start_of_service: str
    note_id: str  # ours, stable per case and milestone, so a repeat is recognised
    text: str


@dataclass
class ProductOrdering:
    peer: Peer
    mode: OrderUpdateMode = OrderUpdateMode.STATE

    async def orders_since(
        self, states: Sequence[str], since: str, *, offset: int, limit: int
    ) -> list[dict[str, Any]]:
        """A page of orders in ``states`` changed after ``since`` (TMF630 filters), the
        way a lost notification is found again."""
        found = await self.peer.request(
            "GET",
            "productOrder",
            params={
                "state": ",".join(states),
                "lastUpdate.gt": since,
                "offset": str(offset),
                "limit": str(limit),
            },
        )
        return [order for order in found or [] if isinstance(order, dict)]

    async def subscribe(self, callback: str, headers: dict[str, str]) -> str:
        """Register our listener at order management's hub; its registration id."""
        body: dict[str, Any] = {
            "callback": callback,
            "query": "eventType=ProductOrderStateChangeEvent",
        }
        if headers:
            body["headers"] = headers  # for a hub that sends headers with its events
        created = await self.peer.request("POST", "hub", json=body)
        return str(created["id"]) if isinstance(created, dict) and created.get("id") else ""

    async def accepted(self, update: OrderAccepted) -> dict[str, Any]:
        path = f"productOrder/{quote(update.order_id, safe='')}"
        order = await self.peer.request("GET", path)
        if self.mode is OrderUpdateMode.STATE:
            if order.get("state") != COMPLETED:
                await self.peer.request(
                    "PATCH", path, json={"state": COMPLETED}, headers=PATCH_HEADERS
                )
            return {"productOrder": update.order_id, "state": COMPLETED}
        notes = [note for note in order.get("note") or [] if isinstance(note, dict)]
        if not any(note.get("id") == update.note_id for note in notes):
            note = {
                "id": update.note_id,
                "author": "orderCompletion",
                "date": update.start_of_service,
                "text": update.text,
                "@type": "Note",
            }
            await self.peer.request(
                "PATCH", path, json={"note": [*notes, note]}, headers=PATCH_HEADERS
            )
        return {"productOrder": update.order_id, "note": update.note_id}
