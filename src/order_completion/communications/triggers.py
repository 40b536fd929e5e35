"""Which changes of a case send the customer a message, and what each message tells.

A projector: when a unit of work commits, each change that calls for a message owes one
outbound ``message`` call, with the facts fixed then. The worker renders and sends it,
retrying on the schedule; the case logs the outcome as an interaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from order_completion.appointments.rules import Category
from order_completion.cases.aggregate import CompletionCase
from order_completion.cases.events import (
    CaseEventRaised,
    CaseEventType,
    DomainEvent,
    HistoryAction,
    Recorded,
    StepStateChanged,
)
from order_completion.cases.rules import CaseState, Milestone, StepKind, StepState
from order_completion.cases.unit_of_work import Projection
from order_completion.clock import iso
from order_completion.integrations.messages.model import AppointmentChange, MessageKind
from order_completion.outbound.rules import CallKind

# The invitation each category of a case's appointment is sent with.
INVITATION_OF = {
    Category.COMMISSIONING.value: MessageKind.COMMISSIONING_INVITATION,
    Category.TRAINING.value: MessageKind.TRAINING_INVITATION,
}


@dataclass(frozen=True)
class Wanted:
    """A message a change calls for: its kind, what makes it unique within the case, and
    facts of the change itself (the rest comes from the case)."""

    kind: MessageKind
    key: str
    facts: dict[str, Any]


def _from_history(event: Recorded) -> Wanted | None:
    detail = event.detail
    if event.action is HistoryAction.READY_FOR_SERVICE_NOTICE_SENT:
        return Wanted(
            MessageKind.READY_FOR_SERVICE_NOTICE, f"{event.step_id}:{detail.get('round')}", {}
        )
    if event.action is HistoryAction.ACCEPTANCE_REMINDER_SENT:
        return Wanted(MessageKind.ACCEPTANCE_REMINDER, iso(event.at) or "", {})
    if event.action is HistoryAction.ACCEPTANCE_DECISION_RECORDED:
        if detail.get("decision") != "rejected":
            return None
        punch = [str(item.get("description", "")) for item in detail.get("punchList") or []]
        facts = {"punchList": punch, "rejectionReason": detail.get("reason")}
        return Wanted(MessageKind.REJECTION_RECEIVED, str(detail.get("decisionId")), facts)
    if event.action is HistoryAction.COMMISSIONING_VISIT_SCHEDULED:
        appointment = str(detail.get("appointmentId"))
        facts = {"appointmentId": appointment, "change": AppointmentChange.SCHEDULED.value}
        return Wanted(MessageKind.COMMISSIONING_INVITATION, appointment, facts)
    if event.action in (
        HistoryAction.TRAINING_SESSION_SCHEDULED,
        HistoryAction.TRAINING_SESSION_CANCELLED,
    ):
        session = str(detail.get("sessionId"))
        cancelled = event.action is HistoryAction.TRAINING_SESSION_CANCELLED
        change = AppointmentChange.CANCELLED if cancelled else AppointmentChange.SCHEDULED
        facts = {"appointmentId": session, "change": change.value}
        return Wanted(MessageKind.TRAINING_INVITATION, f"{session}:{change.value}", facts)
    if event.action is HistoryAction.APPOINTMENT_RESCHEDULED:
        return _moved(detail)
    if event.action is HistoryAction.APPOINTMENT_WITHDRAWN:
        return _withdrawn(detail)
    return None


def _withdrawn(detail: dict[str, Any]) -> Wanted | None:
    """A visit called off is sent as a cancellation of the invitation."""
    kind = INVITATION_OF.get(str(detail.get("category")))
    if kind is None:
        return None
    appointment = str(detail.get("appointmentId"))
    change = AppointmentChange.CANCELLED.value
    facts = {"appointmentId": appointment, "change": change}
    return Wanted(kind, f"{appointment}:{change}:{detail.get('sequence')}", facts)


def _moved(detail: dict[str, Any]) -> Wanted | None:
    """A moved visit or session is sent again as a change, once per version (its
    ``sequence``); the worker attaches the appointment as it stands when it sends."""
    kind = INVITATION_OF.get(str(detail.get("category")))
    if kind is None:
        return None
    appointment = str(detail.get("appointmentId"))
    change = AppointmentChange.UPDATED.value
    facts = {"appointmentId": appointment, "change": change}
    return Wanted(kind, f"{appointment}:{change}:{detail.get('sequence')}", facts)


def wanted_message(event: DomainEvent) -> Wanted | None:
    if isinstance(event, Recorded):
        return _from_history(event)
    if isinstance(event, CaseEventRaised):
        if (
            event.type is CaseEventType.MILESTONE
            and event.extra.get("milestone", {}).get("name") == Milestone.CUSTOMER_ACCEPTED.value
        ):
            return Wanted(MessageKind.ACCEPTANCE_CONFIRMATION, event.extra["milestone"]["date"], {})
        if event.type is CaseEventType.STATE_CHANGE and event.case.state is CaseState.COMPLETED:
            return Wanted(MessageKind.COMPLETION_WELCOME, "", {})
    if (
        isinstance(event, StepStateChanged)
        and event.step.kind is StepKind.SATISFACTION_SURVEY
        and event.step.state is StepState.ACTIVE
    ):
        return Wanted(MessageKind.SATISFACTION_SURVEY, f"{event.step.id}:{event.step.round}", {})
    return None


def message_payload(case: CompletionCase, wanted: Wanted) -> dict[str, Any]:
    """Everything the worker needs to render and address the message, fixed now."""
    return {
        "messageKind": wanted.kind.value,
        "customerId": case.customer_id,
        "customerName": case.customer_name,
        "orderId": case.product_order_id,
        "orderParty": list(case.product_order.get("relatedParty") or []),
        "item": [
            {
                "name": item.offering_name or item.offering_id or item.item_id,
                "offering": item.offering_id,
            }
            for item in case.items
        ],
        "startOfService": iso(case.start_of_service_date),
        "acceptanceWindowEnd": _window_end(case),
        **wanted.facts,
    }


def _window_end(case: CompletionCase) -> str | None:
    step = case.step_of_kind(StepKind.ACCEPTANCE)
    if step is None or step.due_at is None:
        return None
    return iso(step.due_at)


class MessageProjector:
    def project(self, projection: Projection, event: DomainEvent) -> None:
        wanted = wanted_message(event)
        if wanted is None:
            return
        purpose = f"{CallKind.MESSAGE.value}:{wanted.kind.value}:{wanted.key}"
        projection.owe(CallKind.MESSAGE, purpose, message_payload(projection.case, wanted))
