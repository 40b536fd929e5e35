"""Opening a case: a new aggregate from its plan, advanced as far as it goes by itself."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from order_completion.cases.aggregate import CaseBehaviour, CompletionCase, OrderItem, Step
from order_completion.cases.events import CaseEventType, HistoryAction
from order_completion.cases.plan import CasePlan
from order_completion.cases.rules import CaseState, Jeopardy, StepState
from order_completion.timers.rules import TimerKind


def open_case(
    plan: CasePlan,
    *,
    case_id: str,
    step_ids: Sequence[str],
    now: datetime,
    by: str | None,
    behaviour: CaseBehaviour,
) -> CompletionCase:
    """A new case from its plan, opened and advanced as far as it goes by itself (a
    consumer order may complete right here)."""
    steps = [
        Step(
            id=step_ids[position],
            position=position,
            kind=planned.kind,
            state=StepState.NEW,
            outcome=None,
            blocking=planned.blocking,
            after=tuple(step_ids[index] for index in planned.after),
            config=planned.config,
        )
        for position, planned in enumerate(plan.steps)
    ]
    items = [
        OrderItem(
            item_id=item.id,
            position=position,
            action=item.action,
            offering_id=item.offering_id,
            offering_name=item.offering_name,
        )
        for position, item in enumerate(plan.items)
    ]
    case = CompletionCase(
        id=case_id,
        product_order_id=plan.product_order_id,
        order_fingerprint=plan.fingerprint,
        order_category=plan.category,
        customer_id=plan.customer_id,
        customer_name=plan.customer_name,
        product_order=plan.product_order,
        policy_id=plan.policy_id,
        policy_version=plan.policy_version,
        policy_name=plan.policy_name,
        state=CaseState.ACTIVE,
        jeopardy=Jeopardy.NONE,
        created_at=now,
        updated_at=now,
        steps=steps,
        items=items,
        target_completion_date=plan.jeopardy_breach_at,
    )
    case.begin(now, by, behaviour)
    case.record(
        HistoryAction.CASE_OPENED,
        productOrderId=plan.product_order_id,
        policy=plan.policy_id,
        policyVersion=plan.policy_version,
    )
    case.announce(CaseEventType.CREATE)
    for kind, due in (
        (TimerKind.JEOPARDY_WARNING, plan.jeopardy_warning_at),
        (TimerKind.JEOPARDY_BREACH, plan.jeopardy_breach_at),
    ):
        if due is not None:
            case.schedule_timer(kind, due)
    case.advance()
    return case
