"""The customer update step: records, as events, what other CRM processes must learn.

Per order item the product becomes active in inventory from the start-of-service date (or
terminated for a delete); contacts met during completion; billing start; and the order's
own acceptance milestone for order management. Adapters that push these to TMF637, TMF629
and TMF622 consume the same events.
"""

from __future__ import annotations

from typing import Any

from order_completion.cases.aggregate import CompletionCase, Step
from order_completion.cases.events import HistoryAction, ItemState
from order_completion.cases.rules import Milestone, Outcome
from order_completion.clock import iso

PRODUCT_STATE_BY_ACTION = {
    "add": ItemState.ACTIVE,
    "modify": ItemState.ACTIVE,
    "delete": ItemState.TERMINATED,
}


def product_updates(case: CompletionCase) -> list[dict[str, Any]]:
    start = iso(case.start_of_service_date or case.now)
    updates = []
    for item in case.items:
        state = PRODUCT_STATE_BY_ACTION.get(item.action)
        if state is None:
            continue
        updates.append(
            {
                "productOrderItem": {
                    "orderItemId": item.item_id,
                    "productOrderId": case.product_order_id,
                },
                "productOffering": {"id": item.offering_id, "name": item.offering_name},
                "status": state.value,
                "startDate" if state is ItemState.ACTIVE else "terminationDate": start,
            }
        )
    return updates


def update_customer_records(case: CompletionCase, step: Step) -> None:
    start_of_service = case.start_of_service_date or case.now
    customer = {"id": case.customer_id, "name": case.customer_name}
    updates: list[dict[str, Any]] = [
        {"target": "productInventory", "customer": customer, "product": product_updates(case)},
        {
            "target": "billing",
            "customer": customer,
            "billingStartDate": iso(start_of_service),
            "billingAccount": case.product_order.get("billingAccount"),
        },
        {
            "target": "productOrder",
            "productOrder": {"id": case.product_order_id},
            "milestone": Milestone.CUSTOMER_ACCEPTED.value,
            "startOfServiceDate": iso(start_of_service),
        },
    ]
    if case.learned_contacts:
        updates.append(
            {"target": "customerContact", "customer": customer, "contact": case.learned_contacts}
        )
    for update in updates:
        case.publish_customer_update(update)
    case.settle_items(PRODUCT_STATE_BY_ACTION, start_of_service)
    case.record(
        HistoryAction.CUSTOMER_RECORDS_UPDATED,
        step=step,
        targets=[update["target"] for update in updates],
    )
    case.reach_milestone(Milestone.CUSTOMER_RECORDS_UPDATED)
    case.finish_step(step, Outcome.RECORDED)
