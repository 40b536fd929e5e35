"""Intake: turn a delivered product order into a completion case under the right policy.

The same order again gives back its case; the same order id with other items is a conflict.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from order_completion.cases.service import (
    CaseEngine,
    CasePlan,
    CaseUnit,
    PlannedItem,
    PlannedStep,
)
from order_completion.cases.tables import CompletionCase
from order_completion.database import Database
from order_completion.errors import Conflict
from order_completion.orders.schemas import ProductOrder, ProductOrderStateChangeEvent
from order_completion.orders.tables import InboundEvent
from order_completion.policies.rules import fraction_of, period_end
from order_completion.policies.schema import Policy
from order_completion.policies.service import OrderFacts, PolicyBook

MIN_DEDUP = timedelta(days=7)


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


@dataclass(frozen=True)
class IntakeResult:
    """The case for the order; ``opened`` is the new case when this call created it."""

    case_id: str
    opened: CaseUnit | None = None

    @property
    def created(self) -> bool:
        return self.opened is not None


class Intake:
    """Opens cases from orders; shared by the API, the listener and ``import-orders``."""

    def __init__(self, *, cases: CaseEngine, policies: PolicyBook) -> None:
        self.cases = cases
        self.policies = policies

    async def open_case(
        self,
        session: AsyncSession,
        order: ProductOrder,
        now: datetime,
        *,
        policy_id: str | None = None,
    ) -> IntakeResult:
        existing = await self.cases.find_by_order(session, order.id)
        if existing is not None:
            return IntakeResult(self._same_order(existing, order))
        policy = (
            self.policies.get(policy_id) if policy_id else self.policies.select(order_facts(order))
        )
        raw = order.model_dump(by_alias=True, mode="json", exclude_none=True)
        unit = await self.cases.open(session, plan_case(order, raw, policy, now), now)
        return IntakeResult(unit.case.id, opened=unit)

    @staticmethod
    def _same_order(existing: CompletionCase, order: ProductOrder) -> str:
        if existing.order_fingerprint != fingerprint(order):
            raise Conflict(
                f"product order {order.id} already has completion case {existing.id} "
                "with different items"
            )
        return existing.id

    async def handle_event(
        self,
        session: AsyncSession,
        event: ProductOrderStateChangeEvent,
        now: datetime,
        *,
        trigger_states: list[str],
        sender: str = "anonymous",
    ) -> tuple[str, str | None]:
        """Open a case for an order in a trigger state; a repeated event id does nothing.

        Returns what happened (``caseCreated``, ``existingCase``, ``ignored``,
        ``duplicate``) and the case id.
        """
        # Event ids are unique per sender, not across senders.
        source = f"{sender}/productOrderStateChangeEvent"[:80]
        seen = await session.get(InboundEvent, (source, event.event_id))
        if seen is not None:
            return "duplicate", seen.case_id
        order = event.event.product_order
        case_id: str | None = None
        if (order.state or "").lower() in {state.lower() for state in trigger_states}:
            result = await self.open_case(session, order, now)
            outcome, case_id = ("caseCreated" if result.created else "existingCase"), result.case_id
        else:
            outcome = "ignored"
        session.add(
            InboundEvent(
                source=source,
                event_id=event.event_id,
                received_at=now,
                result=outcome,
                case_id=case_id,
            )
        )
        return outcome, case_id


async def prune_inbound(db: Database, now: datetime, keep: timedelta) -> int:
    """Forget inbound event ids older than ``keep`` (at least 7 days are always kept)."""
    cutoff = now - max(keep, MIN_DEDUP)
    async with db.transaction() as session:
        result = await session.execute(
            delete(InboundEvent).where(InboundEvent.received_at < cutoff)
        )
        return int(getattr(result, "rowcount", 0) or 0)
