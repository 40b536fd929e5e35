"""What the customer update owes each system, as outbound call payloads: plain data fixed
when the step starts, so a retry sends what the case said then.

Each system (order management, product inventory per item, the customer record, billing)
is one call; the step tracks each call's state and completes once every one is done or
settled by an operator. A call that failed for good puts the case in fallout.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from order_completion.cases.aggregate import CompletionCase
from order_completion.cases.events import ItemState, RequestedCall
from order_completion.cases.rules import Milestone
from order_completion.clock import iso
from order_completion.outbound.rules import CallKind

# The calls of the customer update: an operator's retry or settlement of it leaves the
# case's other calls (messages, the certificate) alone.
TARGET_KINDS = frozenset(
    {CallKind.PRODUCT_ORDER, CallKind.PRODUCT_INVENTORY, CallKind.CUSTOMER, CallKind.BILLING}
)
# What becomes of an order item's product in inventory, by the item's action.
PRODUCT_STATE_BY_ACTION = {
    "add": ItemState.ACTIVE,
    "modify": ItemState.ACTIVE,
    "delete": ItemState.TERMINATED,
}


def purpose_of(kind: CallKind, key: str | None = None) -> str:
    """The call's purpose, unique within the case: one per system, one per item for
    inventory, one per contact met after the update."""
    return f"{kind.value}:{key}" if key is not None else kind.value


def _known_product(case: CompletionCase, item_id: str) -> str | None:
    """The product an item modifies or deletes, as the order names it (``product.id``)."""
    for item in case.product_order.get("productOrderItem") or []:
        if isinstance(item, dict) and str(item.get("id")) == item_id:
            product = item.get("product")
            if isinstance(product, dict) and product.get("id"):
                return str(product["id"])
    return None


def _inventory(case: CompletionCase, start: str) -> list[RequestedCall]:
    calls = []
    for item in case.items:
        state = PRODUCT_STATE_BY_ACTION.get(item.action)
        if state is None:
            continue
        payload = {
            "orderId": case.product_order_id,
            "itemId": item.item_id,
            "action": item.action,
            "status": state.value,
            "date": start,
            "customerId": case.customer_id,
            "customerName": case.customer_name,
            "offeringId": item.offering_id,
            "offeringName": item.offering_name,
            "productId": _known_product(case, item.item_id),
        }
        purpose = purpose_of(CallKind.PRODUCT_INVENTORY, item.item_id)
        calls.append(RequestedCall(CallKind.PRODUCT_INVENTORY, purpose, payload))
    return calls


def planned_calls(case: CompletionCase, configured: Collection[CallKind]) -> list[RequestedCall]:
    """The calls of the targets configured, for the case as it stands."""
    start = iso(case.start_of_service_date or case.now) or ""
    calls: list[RequestedCall] = []
    if CallKind.PRODUCT_ORDER in configured:
        payload: dict[str, Any] = {
            "orderId": case.product_order_id,
            "milestone": Milestone.CUSTOMER_ACCEPTED.value,
            "startOfService": start,
            "noteId": f"orderCompletion-{case.id}-{Milestone.CUSTOMER_ACCEPTED.value}",
            "text": f"Customer accepted; service started {start} (completion case {case.id})",
        }
        calls.append(
            RequestedCall(CallKind.PRODUCT_ORDER, purpose_of(CallKind.PRODUCT_ORDER), payload)
        )
    if CallKind.PRODUCT_INVENTORY in configured:
        calls.extend(_inventory(case, start))
    if CallKind.CUSTOMER in configured and case.learned_contacts:
        payload = {"customerId": case.customer_id, "contacts": list(case.learned_contacts)}
        calls.append(RequestedCall(CallKind.CUSTOMER, purpose_of(CallKind.CUSTOMER), payload))
    if CallKind.BILLING in configured:
        payload = {
            "caseId": case.id,
            "productOrder": {"id": case.product_order_id},
            "customer": {"id": case.customer_id, "name": case.customer_name},
            "billingAccount": case.product_order.get("billingAccount"),
            "startOfServiceDate": start,
            "item": [
                {"id": item.item_id, "action": item.action, "productOffering": item.offering_id}
                for item in case.items
            ],
        }
        calls.append(RequestedCall(CallKind.BILLING, purpose_of(CallKind.BILLING), payload))
    return calls
