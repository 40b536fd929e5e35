"""A completion case as a TMF701 ``processFlow`` and its steps as ``taskFlow``s.

Facts with no TMF701 attribute of their own (policy version, milestones, start of service,
jeopardy, a step's outcome and what it waits for) travel as ``characteristic``s.

Each view is built in two stages: the *facts* (a small JSON-ready dict of what the view
shows) and the *body* built from them. The API builds both at once; the outbox stores only
the facts of a TMF701 event and the relay builds its body when a subscriber or the stream
wants it (``DERIVATIONS``), so the flows are not written a second time beside the case's
own events.
"""

from __future__ import annotations

from typing import Any

from order_completion.cases.aggregate import CompletionCase, Step
from order_completion.cases.events import CaseSnapshot, StepSnapshot
from order_completion.cases.representation import case_href, waiting_for
from order_completion.cases.rules import AWAITED_INPUT, StepKind
from order_completion.clock import iso
from order_completion.events.outbox import Derivation

BASE = "/tmf-api/processFlowManagement/v4"
AUTOMATIC = "completeCustomerOrder"  # processFlowSpecification that lets the policy be chosen
PROCESS_FLOW = "processFlow"
TASK_FLOW = "taskFlow"
# The names TMF701 events are stored with, by the version of their facts (see
# ``outbox.Derivations``): a change to the facts below gets a new version.
PROCESS_FLOW_EVENT = "processFlow/1"
TASK_FLOW_EVENT = "taskFlow/1"

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


def process_flow_facts(
    case: CompletionCase, base_url: str = "", at: CaseSnapshot | None = None
) -> dict[str, Any]:
    """What a process flow shows of the case; ``at`` is the case as an event saw it."""
    now = at or case.snapshot()
    return {
        "base": base_url,
        "id": case.id,
        "created": iso(case.created_at),
        "policy": case.policy_id,
        "version": case.policy_version,
        "order": case.product_order_id,
        "customer": case.customer_id,
        "customerName": case.customer_name,
        "steps": [step.id for step in case.steps],
        "state": now.state.value,
        "jeopardy": now.jeopardy.value,
        "startOfService": iso(now.start_of_service_date),
        "milestones": [[m.name.value, iso(m.date)] for m in now.milestones],
    }


def process_flow_body(facts: dict[str, Any]) -> dict[str, Any]:
    """The ``ProcessFlow`` resource the facts describe."""
    base, case_id = facts["base"], facts["id"]
    characteristics = [
        _characteristic("policyVersion", facts["version"], "integer"),
        _characteristic("jeopardy", facts["jeopardy"]),
    ]
    if facts["startOfService"] is not None:
        characteristics.append(
            _characteristic("startOfServiceDate", facts["startOfService"], "dateTime")
        )
    characteristics += [
        _characteristic(f"milestone.{name}", date, "dateTime") for name, date in facts["milestones"]
    ]
    return {
        "id": case_id,
        "href": flow_href(base, case_id),
        "@type": "ProcessFlow",
        "processFlowDate": facts["created"],
        "processFlowSpecification": facts["policy"],
        "state": facts["state"],
        "channel": [],
        "characteristic": characteristics,
        "relatedEntity": [
            {"id": facts["order"], "role": "productOrder", "@referredType": "ProductOrder"},
            {
                "id": case_id,
                "href": case_href(base, case_id),
                "role": "completionCase",
                "@referredType": "CompletionCase",
            },
        ],
        "relatedParty": [
            {
                "id": facts["customer"],
                "name": facts["customerName"],
                "role": "customer",
                "@referredType": "Customer",
            }
        ],
        "taskFlow": [
            {"id": step_id, "href": task_href(base, case_id, step_id), "@referredType": "TaskFlow"}
            for step_id in facts["steps"]
        ],
    }


def process_flow(
    case: CompletionCase, base_url: str = "", at: CaseSnapshot | None = None
) -> dict[str, Any]:
    """The case as a process flow; ``at`` is the case as an event saw it."""
    return process_flow_body(process_flow_facts(case, base_url, at))


def task_flow_facts(
    case: CompletionCase, step: Step | StepSnapshot, base_url: str = ""
) -> dict[str, Any]:
    """What a task flow shows of a step (as it stands, or as an event saw it)."""
    return {
        "base": base_url,
        "case": case.id,
        "customer": case.customer_id,
        "id": step.id,
        "kind": step.kind.value,
        "state": step.state.value,
        "outcome": step.outcome.value if step.outcome else None,
        "round": step.round,
        "waitingFor": waiting_for(step),
        "started": iso(step.started_at),
        "due": iso(step.due_at),
        "completed": iso(step.completed_at),
        "blocking": step.blocking,
        "position": step.position,
        "manual": step.kind in AWAITED_INPUT,
        "after": list(step.after),
    }


def task_flow_body(facts: dict[str, Any]) -> dict[str, Any]:
    """The ``TaskFlow`` resource the facts describe."""
    base, case_id = facts["base"], facts["case"]
    return {
        "id": facts["id"],
        "href": task_href(base, case_id, facts["id"]),
        "@type": "TaskFlow",
        "taskFlowSpecification": facts["kind"],
        "state": facts["state"],
        "isMandatory": facts["blocking"],
        "priority": facts["position"],
        "completionMethod": "manual" if facts["manual"] else "automatic",
        "channel": [],
        "characteristic": [
            _characteristic("outcome", facts["outcome"]),
            _characteristic("round", facts["round"], "integer"),
            _characteristic("waitingFor", facts["waitingFor"]),
            _characteristic("startDate", facts["started"], "dateTime"),
            _characteristic("dueDate", facts["due"], "dateTime"),
            _characteristic("completionDate", facts["completed"], "dateTime"),
        ],
        "relatedEntity": [
            {
                "id": case_id,
                "href": flow_href(base, case_id),
                "role": "processFlow",
                "@referredType": "ProcessFlow",
            }
        ],
        "relatedParty": [
            {"id": facts["customer"], "role": "customer", "@referredType": "Customer"}
        ],
        "taskFlowRelationship": [
            {
                "relationshipType": "dependsOn",
                "taskFlow": {"id": other, "href": task_href(base, case_id, other)},
            }
            for other in facts["after"]
        ],
    }


def task_flow(
    case: CompletionCase, step: Step | StepSnapshot, base_url: str = ""
) -> dict[str, Any]:
    return task_flow_body(task_flow_facts(case, step, base_url))


def _event_body(resource: str, build: Derivation) -> Derivation:
    """An event body from stored facts: the resource built from its facts, every other
    field of the body (``previousState``, ``fieldPath``, ``reason``) as stored."""

    def derive(facts: dict[str, Any]) -> dict[str, Any]:
        return {name: build(value) if name == resource else value for name, value in facts.items()}

    return derive


DERIVATIONS: dict[str, Derivation] = {
    PROCESS_FLOW_EVENT: _event_body(PROCESS_FLOW, process_flow_body),
    TASK_FLOW_EVENT: _event_body(TASK_FLOW, task_flow_body),
}
"""How the relay builds the body of a TMF701 event from the facts the outbox holds."""
