"""Pure rules of a completion case: states, allowed transitions, which steps may start,
when milestones are reached, and how a rejection reopens the cycle.

Standard library only: the service loads rows, turns them into ``StepView`` values, asks
these functions what happens, and applies the answer.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum


class CaseState(StrEnum):
    """TMF701 ProcessFlow states."""

    ACTIVE = "active"
    HOLD = "hold"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class StepState(StrEnum):
    """TMF701 TaskFlow states."""

    NEW = "new"
    ACTIVE = "active"
    HOLD = "hold"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class StepKind(StrEnum):
    READY_FOR_SERVICE_NOTICE = "readyForServiceNotice"
    COMMISSIONING_TEST = "commissioningTest"
    ACCEPTANCE = "acceptance"
    TRAINING = "training"
    CUSTOMER_UPDATE = "customerUpdate"
    SATISFACTION_SURVEY = "satisfactionSurvey"


class Outcome(StrEnum):
    """What a finished (or retried) step came to."""

    NOTIFIED = "notified"
    PASSED = "passed"
    FAILED = "failed"
    ACCEPTED = "accepted"
    DEEMED_ACCEPTED = "deemedAccepted"
    REJECTED = "rejected"
    TRAINED = "trained"
    EXPIRED = "expired"
    RECORDED = "recorded"
    RESPONDED = "responded"
    AUTO_CLOSED = "autoClosed"
    CANCELLED = "cancelled"


class Milestone(StrEnum):
    READY_FOR_SERVICE_NOTIFIED = "readyForServiceNotified"
    COMMISSIONING_PASSED = "commissioningPassed"
    CUSTOMER_ACCEPTED = "customerAccepted"
    TRAINING_COMPLETED = "trainingCompleted"
    CUSTOMER_RECORDS_UPDATED = "customerRecordsUpdated"
    READY_FOR_CLOSURE = "readyForClosure"


class Jeopardy(StrEnum):
    NONE = "none"
    WARNING = "warning"
    BREACH = "breach"


class AwaitedInput(StrEnum):
    """The input an active step awaits (a step's ``waitingFor``): the API action that
    provides it. Who provides it is the ``Waiter``."""

    COMMISSIONING_TEST_RESULT = "commissioningTestResult"
    ACCEPTANCE_DECISION = "acceptanceDecision"
    TRAINING_SESSION = "trainingSession"
    SURVEY_RESPONSE = "surveyResponse"


class Waiter(StrEnum):
    """Who a case waits for, as a whole: the person whose move is next."""

    CUSTOMER = "customer"
    ENGINEER = "engineer"
    TRAINER = "trainer"
    NOBODY = "nobody"


FINISHED_STEP_STATES = frozenset({StepState.COMPLETED, StepState.CANCELLED})
FINISHED_CASE_STATES = frozenset({CaseState.COMPLETED, CaseState.CANCELLED})

# Every edge of the ProcessFlow life cycle; the API may ask for the first four.
CASE_TRANSITIONS: frozenset[tuple[CaseState, CaseState]] = frozenset(
    {
        (CaseState.ACTIVE, CaseState.HOLD),  # put on hold, timers paused
        (CaseState.HOLD, CaseState.ACTIVE),  # resumed, timers shifted by the hold
        (CaseState.ACTIVE, CaseState.CANCELLED),
        (CaseState.HOLD, CaseState.CANCELLED),
        (CaseState.ACTIVE, CaseState.COMPLETED),  # only by the engine, when every step is done
    }
)
REQUESTABLE_CASE_STATES = frozenset({CaseState.ACTIVE, CaseState.HOLD, CaseState.CANCELLED})

# What an active step of each kind waits for; kinds absent here run by themselves.
AWAITED_INPUT: dict[StepKind, AwaitedInput] = {
    StepKind.COMMISSIONING_TEST: AwaitedInput.COMMISSIONING_TEST_RESULT,
    StepKind.ACCEPTANCE: AwaitedInput.ACCEPTANCE_DECISION,
    StepKind.TRAINING: AwaitedInput.TRAINING_SESSION,
    StepKind.SATISFACTION_SURVEY: AwaitedInput.SURVEY_RESPONSE,
}

# Kinds whose wait is on the customer: starting them asks the customer for something.
WAITS_ON_CUSTOMER = frozenset(
    {StepKind.ACCEPTANCE, StepKind.TRAINING, StepKind.SATISFACTION_SURVEY}
)


# Who an active step of each kind waits for; kinds absent here run by themselves.
WAITER_OF: dict[StepKind, Waiter] = {
    StepKind.COMMISSIONING_TEST: Waiter.ENGINEER,
    StepKind.ACCEPTANCE: Waiter.CUSTOMER,
    StepKind.TRAINING: Waiter.TRAINER,
    StepKind.SATISFACTION_SURVEY: Waiter.CUSTOMER,
}


def case_transition_allowed(current: CaseState, requested: CaseState) -> bool:
    return (current, requested) in CASE_TRANSITIONS


@dataclass(frozen=True)
class StepView:
    """What the rules need to know of one step."""

    id: str
    kind: StepKind
    state: StepState
    blocking: bool
    after: tuple[str, ...] = ()

    @property
    def finished(self) -> bool:
        return self.state in FINISHED_STEP_STATES


def waiting_for(state: CaseState, steps: Sequence[StepView]) -> Waiter:
    """Who the case waits for: the waiter of its first active step that waits on someone,
    blocking steps before the others (they hold up closure), in the order of the policy.
    A case that is not active (on hold, finished) waits for nobody."""
    if state is not CaseState.ACTIVE:
        return Waiter.NOBODY
    waiting = [step for step in steps if step.state is StepState.ACTIVE and step.kind in WAITER_OF]
    if not waiting:
        return Waiter.NOBODY
    first = min(waiting, key=lambda step: not step.blocking)  # stable: policy order kept
    return WAITER_OF[first.kind]


def ready_to_start(steps: Sequence[StepView]) -> list[StepView]:
    """New steps whose every predecessor has finished, in the order of the policy."""
    finished = {step.id for step in steps if step.finished}
    return [
        step
        for step in steps
        if step.state is StepState.NEW and all(dep in finished for dep in step.after)
    ]


def blocking_steps_done(steps: Iterable[StepView]) -> bool:
    return all(step.finished for step in steps if step.blocking)


def all_steps_done(steps: Iterable[StepView]) -> bool:
    return all(step.finished for step in steps)


@dataclass(frozen=True)
class StepChange:
    """A change the rules ask for on one step: a new state, and optionally new predecessors."""

    state: StepState
    after: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Remediation:
    """The steps a rejection reopens, keyed by step id."""

    changes: dict[str, StepChange] = field(default_factory=dict)


def plan_remediation(steps: Sequence[StepView], acceptance_id: str) -> Remediation:
    """After a rejection: the commissioning test reopens for a retest, a new ready-for-service
    notice follows it, and acceptance waits for that notice (its window restarts from it).

    Without a commissioning step the notice is sent again at once; without a notice step the
    acceptance simply restarts after the retest.
    """
    by_kind = {step.kind: step for step in steps}
    commissioning = by_kind.get(StepKind.COMMISSIONING_TEST)
    notice = by_kind.get(StepKind.READY_FOR_SERVICE_NOTICE)
    acceptance = next(step for step in steps if step.id == acceptance_id)
    changes: dict[str, StepChange] = {}
    acceptance_after = set(acceptance.after)
    if commissioning is not None:
        changes[commissioning.id] = StepChange(StepState.ACTIVE)
        acceptance_after.add(commissioning.id)
    if notice is not None:
        notice_after = (commissioning.id,) if commissioning is not None else ()
        changes[notice.id] = StepChange(StepState.NEW, after=notice_after)
        acceptance_after.add(notice.id)
    changes[acceptance.id] = StepChange(StepState.NEW, after=_in_order(steps, acceptance_after))
    return Remediation(changes)


def _in_order(steps: Sequence[StepView], ids: set[str]) -> tuple[str, ...]:
    return tuple(step.id for step in steps if step.id in ids)
