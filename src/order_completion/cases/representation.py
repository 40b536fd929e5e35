"""The JSON shape of a completion case, used by the API and inside events.

Arrays carry singular TMF-style names (``step``, ``milestone``, ``orderItem``); dates are
ISO 8601 in UTC with a ``Z``. Events pass the snapshot taken when they were raised, so the
summary they carry is the case as it was then.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from order_completion.cases.aggregate import CompletionCase, Step
from order_completion.cases.events import CaseSnapshot, StepSnapshot
from order_completion.cases.rules import AWAITED_INPUT, StepState
from order_completion.clock import iso

API_BASE = "/tmf-api/orderCompletion/v1"
CASE_TYPE = "CompletionCase"


def case_href(base_url: str, case_id: str) -> str:
    return f"{base_url}{API_BASE}/completionCase/{case_id}"


def history_href(base_url: str, case_id: str) -> str:
    return f"{case_href(base_url, case_id)}/history"


def waiting_for(step: Step | StepSnapshot) -> str | None:
    if step.state is not StepState.ACTIVE:
        return None
    wanted = AWAITED_INPUT.get(step.kind)
    return wanted.value if wanted else None


def step_resource(step: Step) -> dict[str, Any]:
    result: dict[str, Any] = {
        "id": step.id,
        "@type": "CompletionStep",
        "kind": step.kind.value,
        "state": step.state.value,
        "outcome": step.outcome.value if step.outcome else None,
        "blocking": step.blocking,
        "round": step.round,
        "after": list(step.after),
        "waitingFor": waiting_for(step),
        "startDate": iso(step.started_at),
        "dueDate": iso(step.due_at),
        "completionDate": iso(step.completed_at),
        "configuration": step.config,
    }
    if step.rounds:
        result["pastRound"] = step.rounds
    if step.data:
        result["detail"] = step.data
    return result


def case_summary(
    case: CompletionCase, base_url: str = "", at: CaseSnapshot | None = None
) -> dict[str, Any]:
    """The case as events carry it: identity, state, dates and milestones, no steps."""
    now = at or case.snapshot()
    return {
        "id": case.id,
        "href": case_href(base_url, case.id),
        "@type": CASE_TYPE,
        "state": now.state.value,
        "productOrder": {"id": case.product_order_id, "@referredType": "ProductOrder"},
        "relatedParty": [{"id": case.customer_id, "role": "customer", "@referredType": "Customer"}],
        "policy": {"id": case.policy_id, "version": case.policy_version},
        "jeopardy": now.jeopardy.value,
        "startOfServiceDate": iso(now.start_of_service_date),
        "milestone": [{"name": m.name.value, "date": iso(m.date)} for m in now.milestones],
    }


def case_resource(
    case: CompletionCase,
    *,
    base_url: str = "",
    history: Sequence[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The case as the API shows it. The history is a paged sub-resource that
    ``historyHref`` points to; ``history`` (entries in API shape) is inlined only when a
    client asked for it with ``fields``."""
    result: dict[str, Any] = {
        "id": case.id,
        "href": case_href(base_url, case.id),
        "@type": CASE_TYPE,
        "state": case.state.value,
        "stateReason": case.state_reason,
        "creationDate": iso(case.created_at),
        "lastUpdate": iso(case.updated_at),
        "completionDate": iso(case.completed_at),
        "productOrder": {
            "id": case.product_order_id,
            "category": case.order_category,
            "@referredType": "ProductOrder",
        },
        "relatedParty": [
            {
                "id": case.customer_id,
                "name": case.customer_name,
                "role": "customer",
                "@referredType": "Customer",
            }
        ],
        "policy": {"id": case.policy_id, "version": case.policy_version, "name": case.policy_name},
        "jeopardy": case.jeopardy.value,
        "fallout": case.in_fallout,
        **(
            {
                "certificate": {
                    "href": f"{case_href(base_url, case.id)}/certificate.pdf",
                    "sha256": case.certificate_sha256,
                }
            }
            if case.certificate_sha256
            else {}
        ),
        "waitingFor": case.waiting_for().value,
        "targetCompletionDate": iso(case.target_completion_date),
        "startOfServiceDate": iso(case.start_of_service_date),
        "step": [step_resource(step) for step in case.steps],
        "milestone": [{"name": m.name.value, "date": iso(m.date)} for m in case.milestones],
        "orderItem": [
            {
                "id": item.item_id,
                "action": item.action,
                "productOffering": {"id": item.offering_id, "name": item.offering_name},
                "state": item.state.value,
                "activeFrom": iso(item.active_from),
                **(
                    {"product": {"id": item.product_id, "@referredType": "Product"}}
                    if item.product_id
                    else {}
                ),
            }
            for item in case.items
        ],
        "historyHref": history_href(base_url, case.id),
    }
    if history is not None:
        result["history"] = list(history)
    return result
