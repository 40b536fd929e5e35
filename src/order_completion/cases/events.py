"""The event types a completion case publishes, one registry so names never drift."""

from __future__ import annotations

from enum import StrEnum


class CaseEventType(StrEnum):
    CREATE = "completionCaseCreateEvent"
    STATE_CHANGE = "completionCaseStateChangeEvent"
    MILESTONE = "completionCaseMilestoneEvent"
    JEOPARDY_ALERT = "completionCaseJeopardyAlertEvent"
    INFORMATION_REQUIRED = "completionCaseInformationRequiredEvent"
    CUSTOMER_UPDATE = "completionCaseCustomerUpdateEvent"
