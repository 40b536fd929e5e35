"""TMF701 events written beside the case's own, in the same transaction: every case event
as a processFlow event, every step state change as a taskFlow event."""

from __future__ import annotations

from order_completion.cases.events import (
    CaseEventRaised,
    CaseEventType,
    DomainEvent,
    StepStateChanged,
)
from order_completion.cases.unit_of_work import Projection
from order_completion.processflow.representation import INPUTS, process_flow, task_flow

ATTRIBUTE_CHANGES = (CaseEventType.MILESTONE, CaseEventType.JEOPARDY_ALERT)


class ProcessFlowProjector:
    def project(self, projection: Projection, event: DomainEvent) -> None:
        case, base_url = projection.case, projection.base_url
        if isinstance(event, StepStateChanged):
            projection.publish(
                "taskFlowStateChangeEvent",
                {
                    "taskFlow": task_flow(case, event.step, base_url),
                    "previousState": event.previous.value,
                },
                event.at,
            )
            return
        if not isinstance(event, CaseEventRaised):
            return
        flow = {"processFlow": process_flow(case, base_url, event.case)}
        if event.type is CaseEventType.CREATE:
            projection.publish("processFlowCreateEvent", flow, event.at)
        elif event.type is CaseEventType.STATE_CHANGE:
            projection.publish("processFlowStateChangeEvent", flow, event.at)
        elif event.type in ATTRIBUTE_CHANGES:
            projection.publish(
                "processFlowAttributeValueChangeEvent",
                {**flow, "fieldPath": "characteristic"},
                event.at,
            )
        elif event.type is CaseEventType.INFORMATION_REQUIRED and event.step is not None:
            names = INPUTS.get(event.step.kind, ())
            projection.publish(
                "taskFlowInformationRequiredEvent",
                {
                    "taskFlow": task_flow(case, event.step, base_url),
                    "fieldPath": ",".join(f"characteristic.{name}" for name in names),
                    "reason": event.extra.get("reason"),
                },
                event.at,
            )
