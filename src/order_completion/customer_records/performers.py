"""How each customer-update call is made: its payload (fixed when the step started) turned
into the adapter's request. Built by the composition root for the systems configured."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from order_completion.integrations.billing import Billing
from order_completion.integrations.customer import Contact, CustomerRecords
from order_completion.integrations.product_inventory import ProductActivation, ProductInventory
from order_completion.integrations.product_order import OrderAccepted, ProductOrdering
from order_completion.outbound.rules import CallKind
from order_completion.outbound.runner import Performer
from order_completion.outbound.store import ClaimedCall


@dataclass(frozen=True)
class Peers:
    """The adapters configured; ``None`` for a system not configured."""

    product_order: ProductOrdering | None = None
    product_inventory: ProductInventory | None = None
    customer: CustomerRecords | None = None
    billing: Billing | None = None

    @property
    def targets(self) -> frozenset[CallKind]:
        configured = {
            CallKind.PRODUCT_ORDER: self.product_order,
            CallKind.PRODUCT_INVENTORY: self.product_inventory,
            CallKind.CUSTOMER: self.customer,
            CallKind.BILLING: self.billing,
        }
        return frozenset(target for target, peer in configured.items() if peer is not None)


def _contact(value: Mapping[str, Any]) -> Contact:
    return Contact(
        name=str(value.get("name") or ""),
        role=value.get("role") or value.get("source"),
        email=value.get("email"),
        phone=value.get("phone"),
        party_id=value.get("id"),
    )


def performers(peers: Peers) -> dict[str, Performer]:
    made: dict[str, Performer] = {}
    if (ordering := peers.product_order) is not None:

        async def patch_order(call: ClaimedCall) -> dict[str, Any]:
            p = call.payload
            return await ordering.accepted(
                OrderAccepted(
                    p["orderId"], p["milestone"], p["startOfService"], p["noteId"], p["text"]
                )
            )

        made[CallKind.PRODUCT_ORDER] = patch_order
    if (inventory := peers.product_inventory) is not None:

        async def settle_product(call: ClaimedCall) -> dict[str, Any]:
            p = call.payload
            return await inventory.settle(
                ProductActivation(
                    order_id=p["orderId"],
                    item_id=p["itemId"],
                    action=p["action"],
                    status=p["status"],
                    date=p["date"],
                    customer_id=p["customerId"],
                    customer_name=p.get("customerName"),
                    offering_id=p.get("offeringId"),
                    offering_name=p.get("offeringName"),
                    product_id=p.get("productId"),
                )
            )

        made[CallKind.PRODUCT_INVENTORY] = settle_product
    if (records := peers.customer) is not None:

        async def add_contacts(call: ClaimedCall) -> dict[str, Any]:
            contacts = [_contact(value) for value in call.payload["contacts"]]
            return await records.add_contacts(call.payload["customerId"], contacts)

        made[CallKind.CUSTOMER] = add_contacts
    if (billing := peers.billing) is not None:

        async def start_billing(call: ClaimedCall) -> dict[str, Any]:
            return await billing.start(f"{call.case_id}:{call.purpose}", call.payload)

        made[CallKind.BILLING] = start_billing
    return made
