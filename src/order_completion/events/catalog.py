"""Every event type the service publishes, by the API whose hub carries it."""

from __future__ import annotations

from enum import StrEnum


class Api(StrEnum):
    """The APIs with a hub, by the name in their base path."""

    ORDER_COMPLETION = "orderCompletion"
    PROCESS_FLOW = "processFlowManagement"
    PARTY_INTERACTION = "partyInteraction"
    APPOINTMENT = "appointment"


BASE_PATHS: dict[Api, str] = {
    Api.ORDER_COMPLETION: "/tmf-api/orderCompletion/v1",
    Api.PROCESS_FLOW: "/tmf-api/processFlowManagement/v4",
    Api.PARTY_INTERACTION: "/tmf-api/partyInteraction/v4",
    Api.APPOINTMENT: "/tmf-api/appointment/v4",
}

EVENT_TYPES: dict[Api, frozenset[str]] = {
    Api.ORDER_COMPLETION: frozenset(
        {
            "completionCaseCreateEvent",
            "completionCaseStateChangeEvent",
            "completionCaseMilestoneEvent",
            "completionCaseJeopardyAlertEvent",
            "completionCaseInformationRequiredEvent",
            "completionCaseCustomerUpdateEvent",
            # Operational: a listener of any hub was disabled (410, or failing for days).
            "hubSubscriptionDisabledEvent",
        }
    ),
    Api.PROCESS_FLOW: frozenset(
        {
            "processFlowCreateEvent",
            "processFlowStateChangeEvent",
            "processFlowAttributeValueChangeEvent",
            "processFlowDeleteEvent",
            "taskFlowCreateEvent",
            "taskFlowStateChangeEvent",
            "taskFlowAttributeValueChangeEvent",
            "taskFlowDeleteEvent",
            "taskFlowInformationRequiredEvent",
        }
    ),
    Api.PARTY_INTERACTION: frozenset(
        {
            "partyInteractionCreateEvent",
            "partyInteractionAttributeValueChangeEvent",
            "partyInteractionStatusChangeEvent",
            "partyInteractionDeleteEvent",
        }
    ),
    Api.APPOINTMENT: frozenset(
        {
            "appointmentCreateEvent",
            "appointmentAttributeValueChangeEvent",
            "appointmentStateChangeEvent",
            "appointmentDeleteEvent",
        }
    ),
}


def api_of(event_type: str) -> Api | None:
    """The API whose hub carries ``event_type``."""
    for api, types in EVENT_TYPES.items():
        if event_type in types:
            return api
    return None
