"""What a completion case says happened: its vocabularies and its domain events.

The aggregate collects these events as it changes; the unit of work turns them into history
rows, outbox events, timers and interaction log entries when it commits. Events are frozen
and carry a snapshot of what subscribers see, so an event written at commit describes the
case as it was when the event was raised, not as it ended the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from order_completion.cases.rules import (
    CaseState,
    Jeopardy,
    Milestone,
    Outcome,
    StepKind,
    StepState,
)
from order_completion.outbound.rules import CallKind
from order_completion.timers.rules import TimerKind


class CaseEventType(StrEnum):
    """The event types a completion case publishes, one registry so names never drift."""

    CREATE = "completionCaseCreateEvent"
    STATE_CHANGE = "completionCaseStateChangeEvent"
    MILESTONE = "completionCaseMilestoneEvent"
    JEOPARDY_ALERT = "completionCaseJeopardyAlertEvent"
    INFORMATION_REQUIRED = "completionCaseInformationRequiredEvent"
    CUSTOMER_UPDATE = "completionCaseCustomerUpdateEvent"


class HistoryAction(StrEnum):
    """Every entry a case's history can hold."""

    CASE_OPENED = "caseOpened"
    STEP_STARTED = "stepStarted"
    STEP_FINISHED = "stepFinished"
    STEP_REOPENED = "stepReopened"
    MILESTONE_REACHED = "milestoneReached"
    STATE_CHANGED = "stateChanged"
    JEOPARDY_RAISED = "jeopardyRaised"
    TIMER_FAILED = "timerFailed"
    READY_FOR_SERVICE_NOTICE_SENT = "readyForServiceNoticeSent"
    COMMISSIONING_TEST_RECORDED = "commissioningTestRecorded"
    COMMISSIONING_VISIT_SCHEDULED = "commissioningVisitScheduled"
    APPOINTMENT_RESCHEDULED = "appointmentRescheduled"
    APPOINTMENT_WITHDRAWN = "appointmentWithdrawn"
    ACCEPTANCE_DECISION_RECORDED = "acceptanceDecisionRecorded"
    ACCEPTANCE_DEEMED = "acceptanceDeemed"
    ACCEPTANCE_WINDOW_PASSED = "acceptanceWindowPassed"
    ACCEPTANCE_REMINDER_SENT = "acceptanceReminderSent"
    TRAINING_SESSION_SCHEDULED = "trainingSessionScheduled"
    TRAINING_SESSION_COMPLETED = "trainingSessionCompleted"
    TRAINING_SESSION_CANCELLED = "trainingSessionCancelled"
    CUSTOMER_RECORDS_UPDATED = "customerRecordsUpdated"
    CUSTOMER_UPDATE_REQUESTED = "customerUpdateRequested"
    CUSTOMER_UPDATE_ATTEMPTED = "customerUpdateAttempted"
    CUSTOMER_UPDATE_FAILED = "customerUpdateFailed"
    CUSTOMER_UPDATE_RETRIED = "customerUpdateRetried"
    CUSTOMER_UPDATE_SETTLED = "customerUpdateSettled"
    CERTIFICATE_ISSUED = "certificateIssued"
    ATTACHMENT_ADDED = "attachmentAdded"
    MESSAGE_FAILED = "messageFailed"
    MESSAGE_RESENT = "messageResent"
    SURVEY_ANSWERED = "surveyAnswered"
    CUSTOMER_LINK_ISSUED = "customerLinkIssued"
    CUSTOMER_PORTAL_USED = "customerPortalUsed"


class InformationReason(StrEnum):
    """Why the case asks the customer for something now."""

    STEP_STARTED = "stepStarted"
    REMINDER = "reminder"
    RETEST_REQUIRED = "retestRequired"
    WINDOW_PASSED = "windowPassed"
    CUSTOMER_UPDATE_FAILED = "customerUpdateFailed"
    MESSAGE_FAILED = "messageFailed"
    MESSAGE_RESENT = "messageResent"


class ItemState(StrEnum):
    """An order item from delivery to the product inventory."""

    DELIVERED = "delivered"
    ACCEPTED = "accepted"
    ACTIVE = "active"
    TERMINATED = "terminated"


class TimerResult(StrEnum):
    """What a timer's job did when it fired (kept on the timer row)."""

    SUPERSEDED = "superseded"
    BLOCKING_WORK_DONE = "blockingWorkDone"  # a jeopardy timer after readyForClosure
    DEEMED_ACCEPTED = "deemedAccepted"
    WINDOW_PASSED = "windowPassed"
    REMINDED = "reminded"
    WARNED = "warned"
    BREACHED = "breached"
    EXPIRED = "expired"
    AUTO_CLOSED = "autoClosed"


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


@dataclass(frozen=True)
class Reached:
    """A milestone with its date."""

    name: Milestone
    date: datetime


@dataclass(frozen=True)
class CaseSnapshot:
    """The parts of a case that change, as they stood when an event was raised."""

    state: CaseState
    jeopardy: Jeopardy
    start_of_service_date: datetime | None
    milestones: tuple[Reached, ...]


@dataclass(frozen=True)
class StepSnapshot:
    """A step as it stood when an event was raised."""

    id: str
    position: int
    kind: StepKind
    state: StepState
    outcome: Outcome | None
    blocking: bool
    round: int
    after: tuple[str, ...]
    started_at: datetime | None
    due_at: datetime | None
    completed_at: datetime | None


class DomainEvent:
    """Base of everything the aggregate raises."""


@dataclass(frozen=True)
class Recorded(DomainEvent):
    """One history entry."""

    action: HistoryAction
    at: datetime
    step_id: str | None = None
    actor: str | None = None  # the person named in the request (a witness, a decider)
    by: str | None = None  # the authenticated caller
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CaseEventRaised(DomainEvent):
    """A case event for subscribers, with the case as it stood."""

    type: CaseEventType
    at: datetime
    case: CaseSnapshot
    extra: dict[str, Any] = field(default_factory=dict)
    step: StepSnapshot | None = None


@dataclass(frozen=True)
class StepStateChanged(DomainEvent):
    at: datetime
    step: StepSnapshot
    previous: StepState
    case: CaseSnapshot


@dataclass(frozen=True)
class StepDueChanged(DomainEvent):
    """A step got (or lost) its due date, after the state change that started it: the
    step's starter sets it, so subscribers learn the deadline from this event."""

    at: datetime
    step: StepSnapshot


@dataclass(frozen=True)
class Published(DomainEvent):
    """An event another feature wrote about this case (an appointment, an interaction),
    kept in the case's event order."""

    event_type: str
    at: datetime
    body: dict[str, Any]


@dataclass(frozen=True)
class InteractionLogged(DomainEvent):
    """A contact with the customer during completion, for the TMF683 log."""

    at: datetime
    reason: str
    direction: Direction
    step: StepSnapshot | None = None
    description: str | None = None
    party: dict[str, Any] | None = None
    status: str = "completed"
    channel: str | None = None  # where the contact took place, beside the service's own


@dataclass(frozen=True)
class TimerScheduled(DomainEvent):
    kind: TimerKind
    due_at: datetime
    step_id: str | None = None
    payload: dict[str, Any] = field(default_factory=dict)
    on_hold: bool = False  # scheduled while the case is on hold: paused until it resumes


@dataclass(frozen=True)
class TimersCancelled(DomainEvent):
    """The open timers of the case, or of one step, are no longer wanted."""

    step_id: str | None = None


@dataclass(frozen=True)
class TimersPaused(DomainEvent):
    """The case went on hold: its open timers wait until it resumes."""


@dataclass(frozen=True)
class TimersResumed(DomainEvent):
    """The case resumed: paused timers fall due later by the time it was on hold."""

    held_for: timedelta


@dataclass(frozen=True)
class ContactLearned(DomainEvent):
    """A person met during completion, new to the case (a witness, an attendee)."""

    contact: dict[str, Any]


@dataclass(frozen=True)
class RequestedCall:
    """Work owed to a system we do not own: which adapter (``kind``), what for (unique
    within the case), and the plain data it sends."""

    kind: CallKind
    purpose: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class CallsRequested(DomainEvent):
    """Outbound calls the case owes, written as rows in the transaction of the change."""

    calls: tuple[RequestedCall, ...]
