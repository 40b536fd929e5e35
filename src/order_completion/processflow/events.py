"""TMF701 events written beside the case's own, in the same transaction."""

from __future__ import annotations

from typing import Any

from order_completion.cases.events import CaseEventType
from order_completion.cases.rules import StepKind
from order_completion.cases.service import CaseUnit
from order_completion.cases.tables import CaseStep
from order_completion.processflow.representation import INPUTS, process_flow, task_flow


class ProcessFlowEvents:
    """Mirrors case changes as processFlow / taskFlow events of the TMF701 hub."""

    def case_event(self, unit: CaseUnit, event_type: CaseEventType, extra: dict[str, Any]) -> None:
        flow = {"processFlow": process_flow(unit.case, unit.base_url)}
        if event_type is CaseEventType.CREATE:
            unit.publish("processFlowCreateEvent", flow)
        elif event_type is CaseEventType.STATE_CHANGE:
            unit.publish("processFlowStateChangeEvent", flow)
        elif event_type in (CaseEventType.MILESTONE, CaseEventType.JEOPARDY_ALERT):
            unit.publish(
                "processFlowAttributeValueChangeEvent", {**flow, "fieldPath": "characteristic"}
            )
        elif event_type is CaseEventType.INFORMATION_REQUIRED:
            step = unit.step(extra["step"]["id"])
            names = INPUTS.get(StepKind(step.kind), ())
            unit.publish(
                "taskFlowInformationRequiredEvent",
                {
                    "taskFlow": task_flow(unit.case, step, unit.base_url),
                    "fieldPath": ",".join(f"characteristic.{name}" for name in names),
                    "reason": extra.get("reason"),
                },
            )

    def step_changed(self, unit: CaseUnit, step: CaseStep, previous: str) -> None:
        unit.publish(
            "taskFlowStateChangeEvent",
            {
                "taskFlow": task_flow(unit.case, step, unit.base_url),
                "previousState": previous,
            },
        )
