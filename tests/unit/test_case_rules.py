"""The pure rules of a case: transitions, readiness, milestones and remediation."""

from __future__ import annotations

import pytest

from order_completion.cases.rules import (
    CaseState,
    StepKind,
    StepState,
    StepView,
    Waiter,
    all_steps_done,
    blocking_steps_done,
    case_transition_allowed,
    plan_remediation,
    ready_to_start,
    waiting_for,
)


def step(
    step_id: str,
    kind: StepKind,
    state: StepState = StepState.NEW,
    *,
    blocking: bool = True,
    after: tuple[str, ...] = (),
) -> StepView:
    return StepView(id=step_id, kind=kind, state=state, blocking=blocking, after=after)


@pytest.mark.parametrize(
    ("current", "requested", "allowed"),
    [
        (CaseState.ACTIVE, CaseState.HOLD, True),
        (CaseState.HOLD, CaseState.ACTIVE, True),
        (CaseState.ACTIVE, CaseState.CANCELLED, True),
        (CaseState.HOLD, CaseState.CANCELLED, True),
        (CaseState.ACTIVE, CaseState.ACTIVE, False),
        (CaseState.COMPLETED, CaseState.ACTIVE, False),
        (CaseState.CANCELLED, CaseState.ACTIVE, False),
        (CaseState.HOLD, CaseState.COMPLETED, False),
    ],
)
def test_case_transitions_follow_the_process_flow_life_cycle(
    current: CaseState, requested: CaseState, allowed: bool
) -> None:
    """Only the TMF701 ProcessFlow edges are allowed."""
    assert case_transition_allowed(current, requested) is allowed


def test_a_step_starts_only_when_every_predecessor_has_finished() -> None:
    """Readiness waits on all named predecessors, finished meaning completed or cancelled."""
    steps = [
        step("a", StepKind.READY_FOR_SERVICE_NOTICE, StepState.COMPLETED),
        step("b", StepKind.COMMISSIONING_TEST, StepState.CANCELLED),
        step("c", StepKind.ACCEPTANCE, after=("a", "b")),
        step("d", StepKind.CUSTOMER_UPDATE, after=("c",)),
    ]
    assert [view.id for view in ready_to_start(steps)] == ["c"]


def test_ready_for_closure_ignores_non_blocking_steps_but_completion_does_not() -> None:
    steps = [
        step("a", StepKind.ACCEPTANCE, StepState.COMPLETED),
        step("b", StepKind.TRAINING, StepState.ACTIVE, blocking=False),
    ]
    assert blocking_steps_done(steps)
    assert not all_steps_done(steps)


def test_rejection_reopens_commissioning_and_sends_a_new_notice_after_it() -> None:
    """The notice follows the retest, and acceptance waits for the new notice."""
    steps = [
        step("notice", StepKind.READY_FOR_SERVICE_NOTICE, StepState.COMPLETED),
        step("test", StepKind.COMMISSIONING_TEST, StepState.COMPLETED, after=("notice",)),
        step("accept", StepKind.ACCEPTANCE, StepState.ACTIVE, after=("test",)),
        step("update", StepKind.CUSTOMER_UPDATE, after=("accept",)),
    ]
    plan = plan_remediation(steps, "accept").changes
    assert plan["test"].state is StepState.ACTIVE
    assert plan["notice"].state is StepState.NEW
    assert plan["notice"].after == ("test",)
    assert plan["accept"].state is StepState.NEW
    assert plan["accept"].after == ("notice", "test")
    assert "update" not in plan


def test_rejection_without_commissioning_sends_the_notice_again_at_once() -> None:
    steps = [
        step("notice", StepKind.READY_FOR_SERVICE_NOTICE, StepState.COMPLETED),
        step("accept", StepKind.ACCEPTANCE, StepState.ACTIVE, after=("notice",)),
    ]
    plan = plan_remediation(steps, "accept").changes
    assert plan["notice"].after == ()
    assert plan["accept"].after == ("notice",)


@pytest.mark.parametrize(
    ("steps", "state", "waiter"),
    [
        ([step("t", StepKind.COMMISSIONING_TEST, StepState.ACTIVE)], CaseState.ACTIVE, "engineer"),
        ([step("a", StepKind.ACCEPTANCE, StepState.ACTIVE)], CaseState.ACTIVE, "customer"),
        (
            [
                step("tr", StepKind.TRAINING, StepState.ACTIVE, blocking=False),
                step("a", StepKind.ACCEPTANCE, StepState.ACTIVE),
            ],
            CaseState.ACTIVE,
            "customer",  # a blocking step before a non-blocking one
        ),
        (
            [
                step("tr", StepKind.TRAINING, StepState.ACTIVE, blocking=False),
                step("s", StepKind.SATISFACTION_SURVEY, StepState.ACTIVE, blocking=False),
            ],
            CaseState.ACTIVE,
            "trainer",  # then the order of the policy
        ),
        (
            [step("n", StepKind.READY_FOR_SERVICE_NOTICE, StepState.ACTIVE)],
            CaseState.ACTIVE,
            "nobody",
        ),
        ([step("a", StepKind.ACCEPTANCE, StepState.NEW)], CaseState.ACTIVE, "nobody"),
        ([step("a", StepKind.ACCEPTANCE, StepState.ACTIVE)], CaseState.HOLD, "nobody"),
    ],
)
def test_a_case_waits_for_its_first_waiting_step_blocking_first(
    steps: list[StepView], state: CaseState, waiter: str
) -> None:
    assert waiting_for(state, steps) is Waiter(waiter)
