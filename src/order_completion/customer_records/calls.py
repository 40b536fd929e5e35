"""What the customer update owes each system, as outbound call payloads: plain data fixed
when the step starts, so a retry sends what the case said then."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from order_completion.cases.aggregate import CompletionCase
from order_completion.cases.events import RequestedCall
from order_completion.cases.rules import Milestone
from order_completion.clock import iso
from order_completion.customer_records.rules import Target, purpose_of

PRODUCT_STATUS_BY_ACTION = {"add": "active", "modify": "active", "delete": "terminated"}


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
        status = PRODUCT_STATUS_BY_ACTION.get(item.action)
        if status is None:
            continue
        payload = {
            "orderId": case.product_order_id,
            "itemId": item.item_id,
            "action": item.action,
            "status": status,
            "date": start,
            "customerId": case.customer_id,
            "customerName": case.customer_name,
            "offeringId": item.offering_id,
            "offeringName": item.offering_name,
            "productId": _known_product(case, item.item_id),
        }
        purpose = purpose_of(Target.PRODUCT_INVENTORY, item.item_id)
        calls.append(RequestedCall(Target.PRODUCT_INVENTORY.value, purpose, payload))
    return calls


def planned_calls(case: CompletionCase, configured: Collection[Target]) -> list[RequestedCall]:
    """The calls of the targets configured, for the case as it stands."""
    start = iso(case.start_of_service_date or case.now) or ""
    calls: list[RequestedCall] = []
    if Target.PRODUCT_ORDER in configured:
        payload: dict[str, Any] = {
            "orderId": case.product_order_id,
            "milestone": Milestone.CUSTOMER_ACCEPTED.value,
            "startOfService": start,
            "noteId": f"orderCompletion-{case.id}-{Milestone.CUSTOMER_ACCEPTED.value}",
            "text": f"Customer accepted; service started {start} (completion case {case.id})",
        }
        calls.append(
            RequestedCall(Target.PRODUCT_ORDER.value, purpose_of(Target.PRODUCT_ORDER), payload)
        )
    if Target.PRODUCT_INVENTORY in configured:
        calls.extend(_inventory(case, start))
    if Target.CUSTOMER in configured and case.learned_contacts:
        payload = {"customerId": case.customer_id, "contacts": list(case.learned_contacts)}
        calls.append(RequestedCall(Target.CUSTOMER.value, purpose_of(Target.CUSTOMER), payload))
    if Target.BILLING in configured:
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
        calls.append(RequestedCall(Target.BILLING.value, purpose_of(Target.BILLING), payload))
    return calls
