"""Billing start: the customer's acceptance, with the start-of-service date and the items,
POSTed to a billing endpoint. The request carries an ``Idempotency-Key`` (the same on every
attempt) so a billing system that honours it starts billing once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from order_completion.integrations.peer import Peer


@dataclass
class Billing:
    peer: Peer

    async def start(self, key: str, event: dict[str, Any]) -> dict[str, Any]:
        answer = await self.peer.request("POST", "", json=event, headers={"Idempotency-Key": key})
        reference = answer.get("id") if isinstance(answer, dict) else None
        return {"billing": reference or key}
