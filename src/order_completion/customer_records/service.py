"""The customer update step: records, as events, what other CRM processes must learn.

Per order item the product becomes active in inventory from the start-of-service date (or
terminated for a delete); contacts met during completion; billing start; and the order's
own acceptance milestone for order management. Adapters that push these to TMF637, TMF629
and TMF622 consume the same events.
"""

from __future__ import annotations

from typing import Any

from order_completion.cases.events import CaseEventType
from order_completion.cases.representation import iso
from order_completion.cases.rules import Milestone, Outcome
from order_completion.cases.service import CaseUnit
from order_completion.cases.tables import CaseStep

PRODUCT_STATUS_BY_ACTION = {"add": "active", "modify": "active", "delete": "terminated"}


def product_updates(unit: CaseUnit) -> list[dict[str, Any]]:
    start = iso(unit.case.start_of_service_date or unit.now)
    updates = []
    for item in unit.case.items:
        status = PRODUCT_STATUS_BY_ACTION.get(item.action)
        if status is None:
            continue
        updates.append(
            {
                "productOrderItem": {
                    "orderItemId": item.item_id,
                    "productOrderId": unit.case.product_order_id,
                },
                "productOffering": {"id": item.offering_id, "name": item.offering_name},
                "status": status,
                "startDate" if status == "active" else "terminationDate": start,
            }
        )
    return updates


async def update_customer_records(unit: CaseUnit, step: CaseStep) -> None:
    case = unit.case
    start_of_service = case.start_of_service_date or unit.now
    customer = {"id": case.customer_id, "name": case.customer_name}
    updates: list[dict[str, Any]] = [
        {"target": "productInventory", "customer": customer, "product": product_updates(unit)},
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
        unit.emit(CaseEventType.CUSTOMER_UPDATE, customerUpdate=update)
    for item in case.items:
        if item.action in PRODUCT_STATUS_BY_ACTION:
            item.state = PRODUCT_STATUS_BY_ACTION[item.action]
            item.active_from = start_of_service if item.state == "active" else None
    unit.record(
        "customerRecordsUpdated", step=step, targets=[update["target"] for update in updates]
    )
    unit.add_milestone(Milestone.CUSTOMER_RECORDS_UPDATED)
    await unit.finish_step(step, Outcome.RECORDED)
