"""A completion case as a TMF701 ``processFlow`` and its steps as ``taskFlow``s.

Facts with no TMF701 attribute of their own (policy version, milestones, start of service,
jeopardy, a step's outcome and what it waits for) travel as ``characteristic``s.
"""

from __future__ import annotations

from typing import Any

from order_completion.cases.aggregate import CompletionCase, Step
from order_completion.cases.events import CaseSnapshot, StepSnapshot
from order_completion.cases.representation import case_href, waiting_for
from order_completion.cases.rules import WAITS_FOR, StepKind
from order_completion.clock import iso

BASE = "/tmf-api/processFlowManagement/v4"
AUTOMATIC = "completeCustomerOrder"  # processFlowSpecification that lets the policy be chosen

# What a waiting step needs, as the characteristic names a taskFlow PATCH provides.
INPUTS: dict[StepKind, tuple[str, ...]] = {
    StepKind.ACCEPTANCE: ("decision", "decidedBy", "decidedById", "reason", "punchList"),
    StepKind.COMMISSIONING_TEST: ("result", "testItem", "witnessedBy", "note"),
    StepKind.SATISFACTION_SURVEY: ("score", "comment"),
}


def flow_href(base_url: str, case_id: str) -> str:
    return f"{base_url}{BASE}/processFlow/{case_id}"


def task_href(base_url: str, case_id: str, step_id: str) -> str:
    return f"{flow_href(base_url, case_id)}/taskFlow/{step_id}"


def _characteristic(name: str, value: Any, value_type: str = "string") -> dict[str, Any]:
    return {"name": name, "value": value, "valueType": value_type}


def process_flow(
    case: CompletionCase, base_url: str = "", at: CaseSnapshot | None = None
) -> dict[str, Any]:
    """The case as a process flow; ``at`` is the case as an event saw it."""
    now = at or case.snapshot()
    characteristics = [
        _characteristic("policyVersion", case.policy_version, "integer"),
        _characteristic("jeopardy", now.jeopardy.value),
    ]
    if now.start_of_service_date is not None:
        characteristics.append(
            _characteristic("startOfServiceDate", iso(now.start_of_service_date), "dateTime")
        )
    characteristics += [
        _characteristic(f"milestone.{m.name.value}", iso(m.date), "dateTime")
        for m in now.milestones
    ]
    return {
        "id": case.id,
        "href": flow_href(base_url, case.id),
        "@type": "ProcessFlow",
        "processFlowDate": iso(case.created_at),
        "processFlowSpecification": case.policy_id,
        "state": now.state.value,
        "channel": [],
        "characteristic": characteristics,
        "relatedEntity": [
            {"id": case.product_order_id, "role": "productOrder", "@referredType": "ProductOrder"},
            {
                "id": case.id,
                "href": case_href(base_url, case.id),
                "role": "completionCase",
                "@referredType": "CompletionCase",
            },
        ],
        "relatedParty": [
            {
                "id": case.customer_id,
                "name": case.customer_name,
                "role": "customer",
                "@referredType": "Customer",
            }
        ],
        "taskFlow": [
            {
                "id": step.id,
                "href": task_href(base_url, case.id, step.id),
                "@referredType": "TaskFlow",
            }
            for step in case.steps
        ],
    }


def task_flow(
    case: CompletionCase, step: Step | StepSnapshot, base_url: str = ""
) -> dict[str, Any]:
    kind = step.kind
    characteristics = [
        _characteristic("outcome", step.outcome.value if step.outcome else None),
        _characteristic("round", step.round, "integer"),
        _characteristic("waitingFor", waiting_for(step)),
        _characteristic("startDate", iso(step.started_at), "dateTime"),
        _characteristic("dueDate", iso(step.due_at), "dateTime"),
        _characteristic("completionDate", iso(step.completed_at), "dateTime"),
    ]
    return {
        "id": step.id,
        "href": task_href(base_url, case.id, step.id),
        "@type": "TaskFlow",
        "taskFlowSpecification": step.kind.value,
        "state": step.state.value,
        "isMandatory": step.blocking,
        "priority": step.position,
        "completionMethod": "manual" if kind in WAITS_FOR else "automatic",
        "channel": [],
        "characteristic": characteristics,
        "relatedEntity": [
            {
                "id": case.id,
                "href": flow_href(base_url, case.id),
                "role": "processFlow",
                "@referredType": "ProcessFlow",
            }
        ],
        "relatedParty": [{"id": case.customer_id, "role": "customer", "@referredType": "Customer"}],
        "taskFlowRelationship": [
            {
                "relationshipType": "dependsOn",
                "taskFlow": {"id": other, "href": task_href(base_url, case.id, other)},
            }
            for other in step.after
        ],
    }
