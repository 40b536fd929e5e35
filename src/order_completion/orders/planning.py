"""What opening a case for an order needs, decided before the case exists: the order's
fingerprint (what makes two submissions the same order), the facts the policies select on,
and the case plan under the chosen policy."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from order_completion.cases.plan import CasePlan, PlannedItem, PlannedStep
from order_completion.orders.schemas import ProductOrder
from order_completion.policies.rules import fraction_of, period_end
from order_completion.policies.schema import Policy
from order_completion.policies.service import OrderFacts


def fingerprint(order: ProductOrder) -> str:
    """What makes two submissions the same order: its items (id, action, offering)."""
    items = sorted(
        (item.id, item.action, item.product_offering.id if item.product_offering else None)
        for item in order.product_order_item
    )
    return hashlib.sha256(json.dumps(items).encode()).hexdigest()


def order_facts(order: ProductOrder) -> OrderFacts:
    customer = order.customer()
    offerings: list[str] = []
    for item in order.product_order_item:
        if item.product_offering is not None:
            offerings += [v for v in (item.product_offering.id, item.product_offering.name) if v]
    return OrderFacts(
        category=order.category,
        customer_segment=customer.customer_segment or order.customer_segment,
        product_offerings=offerings,
    )


def plan_case(order: ProductOrder, raw: dict[str, Any], policy: Policy, now: datetime) -> CasePlan:
    positions = {step.kind: index for index, step in enumerate(policy.steps)}
    steps = [
        PlannedStep(
            kind=step.kind,
            blocking=step.blocking,
            after=tuple(positions[kind] for kind in policy.predecessor_kinds[step.kind]),
            config=policy.step_config(step),
        )
        for step in policy.steps
    ]
    warning_at = breach_at = None
    if policy.jeopardy is not None:
        target = policy.jeopardy.target
        breach_at = period_end(now, target.spec(), target.holiday_checker())
        warning_at = fraction_of(now, breach_at, policy.jeopardy.warn_at)
    customer = order.customer()
    return CasePlan(
        product_order_id=order.id,
        fingerprint=fingerprint(order),
        category=order.category,
        customer_id=customer.id or "",
        customer_name=customer.name,
        product_order=raw,
        policy_id=policy.id,
        policy_version=policy.version,
        policy_name=policy.name,
        steps=steps,
        items=[
            PlannedItem(
                id=item.id,
                action=item.action,
                offering_id=item.product_offering.id if item.product_offering else None,
                offering_name=item.product_offering.name if item.product_offering else None,
            )
            for item in order.product_order_item
        ],
        jeopardy_warning_at=warning_at,
        jeopardy_breach_at=breach_at,
    )
