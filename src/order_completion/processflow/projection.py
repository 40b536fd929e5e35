"""TMF701 events written beside the case's own, in the same transaction: every case event
as a processFlow event, every step state change as a taskFlow event.

Only their facts are written (the case and step as the event saw them, in a few hundred
bytes); the relay builds the full bodies from them when a subscriber or the stream wants
them (``representation.DERIVATIONS``), so the flows cost almost nothing when nobody
listens to the TMF701 hub.
"""

from __future__ import annotations

from order_completion.cases.events import (
    CaseEventRaised,
    CaseEventType,
    DomainEvent,
    StepDueChanged,
    StepStateChanged,
)
from order_completion.cases.unit_of_work import Projection
from order_completion.processflow.representation import (
    INPUTS,
    PROCESS_FLOW,
    PROCESS_FLOW_EVENT,
    TASK_FLOW,
    TASK_FLOW_EVENT,
    process_flow_facts,
    task_flow_facts,
)

ATTRIBUTE_CHANGES = (CaseEventType.MILESTONE, CaseEventType.JEOPARDY_ALERT)


class ProcessFlowProjector:
    def project(self, projection: Projection, event: DomainEvent) -> None:
        case, base_url = projection.case, projection.base_url
        if isinstance(event, StepStateChanged):
            projection.publish_derived(
                "taskFlowStateChangeEvent",
                TASK_FLOW_EVENT,
                {
                    TASK_FLOW: task_flow_facts(case, event.step, base_url),
                    "previousState": event.previous.value,
                },
                event.at,
            )
            return
        if isinstance(event, StepDueChanged):
            projection.publish_derived(
                "taskFlowAttributeValueChangeEvent",
                TASK_FLOW_EVENT,
                {
                    TASK_FLOW: task_flow_facts(case, event.step, base_url),
                    "fieldPath": "characteristic.dueDate",
                },
                event.at,
            )
            return
        if not isinstance(event, CaseEventRaised):
            return
        flow = {PROCESS_FLOW: process_flow_facts(case, base_url, event.case)}
        if event.type is CaseEventType.CREATE:
            projection.publish_derived("processFlowCreateEvent", PROCESS_FLOW_EVENT, flow, event.at)
        elif event.type is CaseEventType.STATE_CHANGE:
            projection.publish_derived(
                "processFlowStateChangeEvent", PROCESS_FLOW_EVENT, flow, event.at
            )
        elif event.type in ATTRIBUTE_CHANGES:
            projection.publish_derived(
                "processFlowAttributeValueChangeEvent",
                PROCESS_FLOW_EVENT,
                {**flow, "fieldPath": "characteristic"},
                event.at,
            )
        elif event.type is CaseEventType.INFORMATION_REQUIRED and event.step is not None:
            names = INPUTS.get(event.step.kind, ())
            projection.publish_derived(
                "taskFlowInformationRequiredEvent",
                TASK_FLOW_EVENT,
                {
                    TASK_FLOW: task_flow_facts(case, event.step, base_url),
                    "fieldPath": ",".join(f"characteristic.{name}" for name in names),
                    "reason": event.extra.get("reason"),
                },
                event.at,
            )
