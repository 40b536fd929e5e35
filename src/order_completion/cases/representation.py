"""The JSON shape of a completion case, used by the API and inside events.

Arrays carry singular TMF-style names (``step``, ``milestone``, ``orderItem``); dates are
ISO 8601 in UTC with a ``Z``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from order_completion.cases.rules import WAITS_FOR, StepKind, StepState
from order_completion.cases.tables import CaseHistory, CaseStep, CompletionCase

API_BASE = "/tmf-api/orderCompletion/v1"
CASE_TYPE = "CompletionCase"


def iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.isoformat().replace("+00:00", "Z")


def case_href(base_url: str, case_id: str) -> str:
    return f"{base_url}{API_BASE}/completionCase/{case_id}"


def waiting_for(step: CaseStep) -> str | None:
    if step.state != StepState.ACTIVE.value:
        return None
    wanted = WAITS_FOR.get(StepKind(step.kind))
    return wanted.value if wanted else None


def step_resource(step: CaseStep) -> dict[str, Any]:
    result: dict[str, Any] = {
        "id": step.id,
        "@type": "CompletionStep",
        "kind": step.kind,
        "state": step.state,
        "outcome": step.outcome,
        "blocking": step.blocking,
        "round": step.round,
        "after": list(step.after),
        "waitingFor": waiting_for(step),
        "startDate": iso(step.started_at),
        "dueDate": iso(step.due_at),
        "completionDate": iso(step.completed_at),
        "configuration": step.config,
    }
    if step.data:
        result["detail"] = step.data
    return result


def history_resource(entry: Mapping[str, Any]) -> dict[str, Any]:
    """One history entry from its row values (``date``, ``action``, ``step_id``, ...)."""
    result: dict[str, Any] = {"date": iso(entry["date"]), "action": entry["action"]}
    if entry.get("step_id"):
        result["stepId"] = entry["step_id"]
    if entry.get("actor"):
        result["actor"] = entry["actor"]
    if entry.get("detail"):
        result["detail"] = entry["detail"]
    return result


def _row_values(entry: CaseHistory) -> dict[str, Any]:
    return {
        "date": entry.date,
        "action": entry.action,
        "step_id": entry.step_id,
        "actor": entry.actor,
        "detail": entry.detail,
    }


def case_summary(case: CompletionCase, base_url: str = "") -> dict[str, Any]:
    """The case as events carry it: identity, state, dates and milestones, no steps."""
    return {
        "id": case.id,
        "href": case_href(base_url, case.id),
        "@type": CASE_TYPE,
        "state": case.state,
        "productOrder": {"id": case.product_order_id, "@referredType": "ProductOrder"},
        "relatedParty": [{"id": case.customer_id, "role": "customer", "@referredType": "Customer"}],
        "policy": {"id": case.policy_id, "version": case.policy_version},
        "jeopardy": case.jeopardy,
        "startOfServiceDate": iso(case.start_of_service_date),
        "milestone": [{"name": m.name, "date": iso(m.date)} for m in case.milestones],
    }


def case_resource(
    case: CompletionCase,
    *,
    base_url: str = "",
    include_history: bool = True,
    history: Sequence[Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """The full case as the API shows it."""
    result: dict[str, Any] = {
        "id": case.id,
        "href": case_href(base_url, case.id),
        "@type": CASE_TYPE,
        "state": case.state,
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
        "jeopardy": case.jeopardy,
        "targetCompletionDate": iso(case.target_completion_date),
        "startOfServiceDate": iso(case.start_of_service_date),
        "step": [step_resource(step) for step in case.steps],
        "milestone": [{"name": m.name, "date": iso(m.date)} for m in case.milestones],
        "orderItem": [
            {
                "id": item.item_id,
                "action": item.action,
                "productOffering": {"id": item.offering_id, "name": item.offering_name},
                "state": item.state,
                "activeFrom": iso(item.active_from),
            }
            for item in case.items
        ],
    }
    if include_history:
        rows = history if history is not None else [_row_values(e) for e in case.history]
        result["history"] = [history_resource(entry) for entry in rows]
    return result
