"""The customer update step: what other CRM processes must learn, published as events and,
for every system configured, owed as an outbound call.

Per order item the product becomes active in inventory from the start-of-service date (or
terminated for a delete); contacts met during completion; billing start; and the order's
own acceptance milestone for order management. With no system configured the events are
the whole update and the step completes at once; otherwise it waits until every call is
done (or settled by an operator), tracking each target's state, attempts and last error.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from order_completion.cases.aggregate import CompletionCase, Step, StepStarter
from order_completion.cases.events import HistoryAction, ItemState
from order_completion.cases.rules import Milestone, Outcome, StepKind
from order_completion.clock import iso
from order_completion.customer_records.calls import PRODUCT_STATE_BY_ACTION, planned_calls
from order_completion.outbound.rules import CallKind, CallState


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


def _publish_updates(case: CompletionCase) -> list[str]:
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
    return [update["target"] for update in updates]


def complete_update(case: CompletionCase, step: Step, targets: list[str]) -> None:
    """Every system has what it needs: items settle, the milestone is reached."""
    case.recover()
    case.settle_items(PRODUCT_STATE_BY_ACTION, case.start_of_service_date or case.now)
    case.record(HistoryAction.CUSTOMER_RECORDS_UPDATED, step=step, targets=targets)
    case.reach_milestone(Milestone.CUSTOMER_RECORDS_UPDATED)
    case.finish_step(step, Outcome.RECORDED)


def customer_update_starter(configured: Collection[CallKind] = ()) -> StepStarter:
    """The step's starter, for the systems configured (none: events only)."""

    def start(case: CompletionCase, step: Step) -> None:
        published = _publish_updates(case)
        calls = planned_calls(case, configured)
        if not calls:
            complete_update(case, step, published)
            return
        case.request_calls(calls)
        case.annotate(
            step,
            targets={
                call.purpose: {
                    "target": call.kind.value,
                    "state": CallState.PENDING.value,
                    "attempts": 0,
                }
                for call in calls
            },
        )
        case.record(
            HistoryAction.CUSTOMER_UPDATE_REQUESTED,
            step=step,
            targets=[call.purpose for call in calls],
        )

    return start


update_customer_records = customer_update_starter()


def customer_update_step(case: CompletionCase) -> Step | None:
    return case.step_of_kind(StepKind.CUSTOMER_UPDATE)
