"""The case aggregate on its own: intents change plain objects and collect domain events;
no database is involved."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, TypeVar

import pytest

from order_completion.bootstrap import BEHAVIOUR
from order_completion.cases.aggregate import CompletionCase, Step
from order_completion.cases.events import (
    CaseEventRaised,
    CaseEventType,
    DomainEvent,
    HistoryAction,
    ItemState,
    Recorded,
    StepStateChanged,
    TimersCancelled,
    TimerScheduled,
    TimersPaused,
    TimersResumed,
)
from order_completion.cases.opening import open_case
from order_completion.cases.rules import (
    CaseState,
    Jeopardy,
    Milestone,
    Outcome,
    StepKind,
    StepState,
)
from order_completion.errors import Conflict
from order_completion.orders.planning import plan_case
from order_completion.orders.schemas import ProductOrder
from order_completion.policies.loader import load_policies
from order_completion.policies.service import PolicyBook
from order_completion.timers.rules import DueTimer, TimerKind
from tests.conftest import START
from tests.orders import business_order, product_order

POLICIES = PolicyBook(load_policies(None))
T = TypeVar("T", bound=DomainEvent)
CASE_ID = "case-1"


def opened(raw: dict[str, Any], policy_id: str) -> CompletionCase:
    """A case opened from a test order under a bundled policy, at START, by "tester"."""
    plan = plan_case(ProductOrder.model_validate(raw), raw, POLICIES.get(policy_id), START)
    return open_case(
        plan,
        case_id=CASE_ID,
        step_ids=[f"step-{position}" for position in range(len(plan.steps))],
        now=START,
        by="tester",
        behaviour=BEHAVIOUR,
    )


def business_case() -> CompletionCase:
    return opened(business_order("PO-B2B"), "business-managed")


def kind(case: CompletionCase, step_kind: StepKind) -> Step:
    step = case.step_of_kind(step_kind)
    assert step is not None
    return step


def recorded(case: CompletionCase) -> list[Recorded]:
    return [event for event in case.events if isinstance(event, Recorded)]


def raised(case: CompletionCase) -> list[CaseEventRaised]:
    return [event for event in case.events if isinstance(event, CaseEventRaised)]


def of_type(case: CompletionCase, event_type: type[T]) -> list[T]:
    return [event for event in case.events if isinstance(event, event_type)]


def pass_commissioning(case: CompletionCase, at: datetime) -> None:
    """What a passed test run does to the case (the handler's intents, minus the run row)."""
    case.begin(at, "tester", BEHAVIOUR)
    case.reach_milestone(Milestone.COMMISSIONING_PASSED)
    case.finish_step(kind(case, StepKind.COMMISSIONING_TEST), Outcome.PASSED)


# -- opening --------------------------------------------------------------------------------


def test_a_consumer_order_completes_inside_open_case() -> None:
    case = opened(product_order("PO-B2C"), "consumer-standard")

    assert case.state is CaseState.COMPLETED
    assert case.completed_at == START
    assert case.start_of_service_date == START  # a zero window is deemed at its end
    assert [(s.kind, s.state, s.outcome) for s in case.steps] == [
        (StepKind.READY_FOR_SERVICE_NOTICE, StepState.COMPLETED, Outcome.NOTIFIED),
        (StepKind.ACCEPTANCE, StepState.COMPLETED, Outcome.DEEMED_ACCEPTED),
        (StepKind.CUSTOMER_UPDATE, StepState.COMPLETED, Outcome.RECORDED),
    ]
    assert [(m.name, m.date) for m in case.milestones] == [
        (Milestone.READY_FOR_SERVICE_NOTIFIED, START),
        (Milestone.CUSTOMER_ACCEPTED, START),
        (Milestone.CUSTOMER_RECORDS_UPDATED, START),
        (Milestone.READY_FOR_CLOSURE, START),
    ]
    assert [(item.state, item.active_from) for item in case.items] == [(ItemState.ACTIVE, START)]


def test_a_consumer_case_records_one_history_entry_per_change() -> None:
    case = opened(product_order("PO-B2C"), "consumer-standard")
    notice, acceptance, update = (step.id for step in case.steps)

    entries = recorded(case)
    assert [(entry.action, entry.step_id) for entry in entries] == [
        (HistoryAction.CASE_OPENED, None),
        (HistoryAction.STEP_STARTED, notice),
        (HistoryAction.READY_FOR_SERVICE_NOTICE_SENT, notice),
        (HistoryAction.MILESTONE_REACHED, None),
        (HistoryAction.STEP_FINISHED, notice),
        (HistoryAction.STEP_STARTED, acceptance),
        (HistoryAction.ACCEPTANCE_DEEMED, acceptance),
        (HistoryAction.MILESTONE_REACHED, None),
        (HistoryAction.STEP_FINISHED, acceptance),
        (HistoryAction.STEP_STARTED, update),
        (HistoryAction.CUSTOMER_RECORDS_UPDATED, update),
        (HistoryAction.MILESTONE_REACHED, None),
        (HistoryAction.STEP_FINISHED, update),
        (HistoryAction.MILESTONE_REACHED, None),
        (HistoryAction.STATE_CHANGED, None),
    ]
    assert all(entry.at == START and entry.by == "tester" for entry in entries)
    assert entries[0].detail == {
        "productOrderId": "PO-B2C",
        "policy": "consumer-standard",
        "policyVersion": 1,
    }
    # One milestoneReached entry per milestone, in the order they were reached.
    reached = [
        entry.detail["milestone"]
        for entry in entries
        if entry.action is HistoryAction.MILESTONE_REACHED
    ]
    assert reached == [m.name.value for m in case.milestones]
    assert entries[-1].detail == {
        "previousState": "active",
        "state": "completed",
        "reason": None,
    }

    events = raised(case)
    assert events[0].type is CaseEventType.CREATE
    assert events[0].case.state is CaseState.ACTIVE  # the snapshot is the case as it was
    assert events[-1].type is CaseEventType.STATE_CHANGE
    assert events[-1].case.state is CaseState.COMPLETED
    assert events[-1].extra == {"previousState": "active"}


def test_a_consumer_case_schedules_nothing_and_cancels_every_timer_as_it_finishes() -> None:
    """No jeopardy target and a zero window: nothing is left to wait for."""
    case = opened(product_order("PO-B2C"), "consumer-standard")

    assert of_type(case, TimerScheduled) == []
    cancelled = [event.step_id for event in of_type(case, TimersCancelled)]
    assert cancelled == [*(step.id for step in case.steps), None]  # each step, then the case


def test_a_business_case_schedules_its_jeopardy_timers_and_waits_for_the_test() -> None:
    raw = business_order("PO-B2B")
    plan = plan_case(ProductOrder.model_validate(raw), raw, POLICIES.get("business-managed"), START)
    case = business_case()

    assert plan.jeopardy_warning_at is not None
    assert plan.jeopardy_breach_at is not None
    assert START < plan.jeopardy_warning_at < plan.jeopardy_breach_at
    assert [(e.kind, e.due_at, e.step_id) for e in of_type(case, TimerScheduled)] == [
        (TimerKind.JEOPARDY_WARNING, plan.jeopardy_warning_at, None),
        (TimerKind.JEOPARDY_BREACH, plan.jeopardy_breach_at, None),
    ]
    assert case.target_completion_date == plan.jeopardy_breach_at
    assert case.state is CaseState.ACTIVE
    assert kind(case, StepKind.READY_FOR_SERVICE_NOTICE).state is StepState.COMPLETED
    assert kind(case, StepKind.COMMISSIONING_TEST).state is StepState.ACTIVE
    assert kind(case, StepKind.ACCEPTANCE).state is StepState.NEW
    assert [m.name for m in case.milestones] == [Milestone.READY_FOR_SERVICE_NOTIFIED]
    # Only the notice finished; no case-wide cancel.
    notice = kind(case, StepKind.READY_FOR_SERVICE_NOTICE)
    assert [e.step_id for e in of_type(case, TimersCancelled)] == [notice.id]


# -- rejection and rounds -------------------------------------------------------------------

PASSED_AT = START + timedelta(hours=2)
REJECTED_AT = START + timedelta(hours=5)


def rejected_case() -> CompletionCase:
    """A business case whose acceptance (started by a passed test) the customer rejected."""
    case = business_case()
    pass_commissioning(case, PASSED_AT)
    acceptance = kind(case, StepKind.ACCEPTANCE)
    assert acceptance.state is StepState.ACTIVE
    assert acceptance.round == 1
    assert acceptance.started_at == PASSED_AT
    case.begin(REJECTED_AT, "tester", BEHAVIOUR)
    case.events.clear()
    case.reject(acceptance)
    return case


def test_a_rejected_acceptance_goes_back_to_new_in_round_2_keeping_round_1() -> None:
    case = rejected_case()
    acceptance = kind(case, StepKind.ACCEPTANCE)
    notice = kind(case, StepKind.READY_FOR_SERVICE_NOTICE)
    commissioning = kind(case, StepKind.COMMISSIONING_TEST)

    assert acceptance.state is StepState.NEW
    assert acceptance.round == 2
    assert acceptance.outcome is None
    assert acceptance.completed_at is None
    assert acceptance.due_at is None
    # It now waits for the retest and the new notice.
    assert set(acceptance.after) == {notice.id, commissioning.id}
    assert len(acceptance.rounds) == 1
    (past,) = acceptance.rounds
    assert past["round"] == 1
    assert past["outcome"] == "rejected"
    assert past["state"] == "completed"  # the rejected round finished
    assert past["startDate"] == "2026-11-23T11:00:00Z"  # PASSED_AT
    assert past["completionDate"] == "2026-11-23T14:00:00Z"  # REJECTED_AT

    assert StepState.ACTIVE in [
        e.previous for e in of_type(case, StepStateChanged) if e.step.id == acceptance.id
    ]
    # The window and reminder of round 1 are cancelled with the round.
    assert acceptance.id in [e.step_id for e in of_type(case, TimersCancelled)]
    assert not [e for e in of_type(case, TimerScheduled) if e.step_id == acceptance.id]
    assert case.state is CaseState.ACTIVE
    assert kind(case, StepKind.CUSTOMER_UPDATE).state is StepState.NEW
    assert kind(case, StepKind.CUSTOMER_UPDATE).round == 1


def test_a_rejection_reopens_commissioning_active_in_round_2_keeping_the_passed_round() -> None:
    case = rejected_case()
    commissioning = kind(case, StepKind.COMMISSIONING_TEST)
    notice = kind(case, StepKind.READY_FOR_SERVICE_NOTICE)

    assert commissioning.state is StepState.ACTIVE
    assert commissioning.round == 2
    assert commissioning.outcome is None
    assert commissioning.started_at == REJECTED_AT
    assert commissioning.completed_at is None
    assert [(r["round"], r["outcome"], r["state"]) for r in commissioning.rounds] == [
        (1, "passed", "completed")
    ]
    assert commissioning.rounds[0]["completionDate"] == "2026-11-23T11:00:00Z"  # PASSED_AT
    assert case.waiting_step(StepKind.COMMISSIONING_TEST) is commissioning

    # The notice is sent again after the retest.
    assert notice.state is StepState.NEW
    assert notice.round == 2
    assert notice.after == (commissioning.id,)
    assert [r["outcome"] for r in notice.rounds] == ["notified"]

    reopened = [
        (e.step_id, e.detail["round"])
        for e in recorded(case)
        if e.action is HistoryAction.STEP_REOPENED
    ]
    assert sorted(reopened) == sorted(
        [(commissioning.id, 2), (notice.id, 2), (kind(case, StepKind.ACCEPTANCE).id, 2)]
    )
    assert all(e.at == REJECTED_AT for e in recorded(case))


# -- case state -----------------------------------------------------------------------------


def test_a_cancelled_case_refuses_to_become_active_and_raises_no_event() -> None:
    case = business_case()
    case.begin(START + timedelta(hours=1), "tester", BEHAVIOUR)
    case.cancel("customer withdrew")
    assert case.state is CaseState.CANCELLED
    assert kind(case, StepKind.COMMISSIONING_TEST).state is StepState.CANCELLED
    assert kind(case, StepKind.READY_FOR_SERVICE_NOTICE).state is StepState.COMPLETED
    before = list(case.events)

    with pytest.raises(Conflict, match="a cancelled case cannot become active"):
        case.request_state(CaseState.ACTIVE, "changed their mind")

    assert case.events == before
    assert case.state is CaseState.CANCELLED
    assert case.state_reason == "customer withdrew"


def test_completed_is_not_a_state_a_caller_may_request() -> None:
    case = business_case()
    case.events.clear()
    with pytest.raises(Conflict):
        case.request_state(CaseState.COMPLETED, None)
    assert case.events == []
    assert case.state is CaseState.ACTIVE


def test_hold_pauses_timers_and_resume_resumes_them_by_the_time_held() -> None:
    case = business_case()
    held_at = START + timedelta(hours=1)
    resumed_at = held_at + timedelta(days=3, hours=2)
    case.begin(held_at, "tester", BEHAVIOUR)
    case.events.clear()

    case.hold("site closed")
    assert case.snapshot().state is CaseState.HOLD
    assert case.held_since == held_at
    with pytest.raises(Conflict, match="only an active case"):
        case.waiting_step(StepKind.COMMISSIONING_TEST)

    case.begin(resumed_at, "tester", BEHAVIOUR)
    case.resume()

    timer_events = [e for e in case.events if isinstance(e, TimersPaused | TimersResumed)]
    assert timer_events == [TimersPaused(), TimersResumed(timedelta(days=3, hours=2))]
    assert case.state is CaseState.ACTIVE
    assert case.held_since is None
    assert case.state_reason is None
    changes = [
        (e.at, e.detail["previousState"], e.detail["state"])
        for e in recorded(case)
        if e.action is HistoryAction.STATE_CHANGED
    ]
    assert changes == [(held_at, "active", "hold"), (resumed_at, "hold", "active")]
    # The steps did not move while on hold.
    assert kind(case, StepKind.COMMISSIONING_TEST).state is StepState.ACTIVE


# -- looking up -----------------------------------------------------------------------------


def test_waiting_step_is_a_conflict_unless_the_step_is_active() -> None:
    case = business_case()
    commissioning = kind(case, StepKind.COMMISSIONING_TEST)
    assert case.waiting_step(StepKind.COMMISSIONING_TEST) is commissioning

    with pytest.raises(Conflict, match="the acceptance step is new"):
        case.waiting_step(StepKind.ACCEPTANCE)
    with pytest.raises(Conflict, match="readyForServiceNotice step is completed"):
        case.waiting_step(StepKind.READY_FOR_SERVICE_NOTICE)

    pass_commissioning(case, PASSED_AT)
    with pytest.raises(Conflict, match="commissioningTest step is completed"):
        case.waiting_step(StepKind.COMMISSIONING_TEST)
    assert case.waiting_step(StepKind.ACCEPTANCE) is kind(case, StepKind.ACCEPTANCE)


def test_waiting_step_names_a_kind_the_policy_lacks() -> None:
    case = opened(product_order("PO-DEF", category="OTHER"), "default")
    assert case.state is CaseState.ACTIVE
    with pytest.raises(Conflict, match="has no commissioningTest step"):
        case.waiting_step(StepKind.COMMISSIONING_TEST)


# -- timers ---------------------------------------------------------------------------------


def test_timer_failed_records_it_and_raises_a_jeopardy_alert() -> None:
    case = business_case()
    pass_commissioning(case, PASSED_AT)
    acceptance = kind(case, StepKind.ACCEPTANCE)
    assert acceptance.due_at is not None
    timer = DueTimer(
        id="timer-1",
        case_id=case.id,
        kind=TimerKind.ACCEPTANCE_REMINDER,
        due_at=acceptance.due_at - timedelta(days=1),
        step_id=acceptance.id,
        payload={"round": 1},
        attempts=6,
    )
    failed_at = PASSED_AT + timedelta(days=3)
    case.begin(failed_at, None, BEHAVIOUR)
    case.events.clear()

    case.timer_failed(timer, "RuntimeError: boom")

    entry, alert = case.events
    assert isinstance(entry, Recorded)
    assert entry.action is HistoryAction.TIMER_FAILED
    assert entry.step_id == acceptance.id
    assert entry.at == failed_at
    assert entry.detail == {
        "timer": "acceptanceReminder",
        "timerId": "timer-1",
        "attempts": 6,
        "error": "RuntimeError: boom",
    }
    assert isinstance(alert, CaseEventRaised)
    assert alert.type is CaseEventType.JEOPARDY_ALERT
    assert alert.extra["jeopardyAlert"] == {
        "jeopardyType": "timerFailed",
        "alertDate": "2026-11-26T11:00:00Z",
        "targetDate": "2026-11-29T11:00:00Z",
        "timer": {"id": "timer-1", "kind": "acceptanceReminder", "attempts": 6},
        "message": "RuntimeError: boom",
    }
    assert case.updated_at == failed_at
    # The case carries on: nothing else about it moved.
    assert case.state is CaseState.ACTIVE
    assert case.jeopardy is Jeopardy.NONE
    assert acceptance.state is StepState.ACTIVE


def test_a_case_wide_timer_failure_names_no_step() -> None:
    case = business_case()
    timer = DueTimer(
        id="timer-2",
        case_id=case.id,
        kind=TimerKind.JEOPARDY_WARNING,
        due_at=START + timedelta(days=8),
        attempts=6,
    )
    case.events.clear()
    case.timer_failed(timer, "ValueError: bad")
    (entry,) = recorded(case)
    assert entry.action is HistoryAction.TIMER_FAILED
    assert entry.step_id is None
    (alert,) = raised(case)
    assert alert.extra["jeopardyAlert"]["jeopardyType"] == "timerFailed"
    assert alert.extra["jeopardyAlert"]["timer"]["kind"] == "jeopardyWarning"


def test_on_timer_runs_the_job_of_the_timer_kind() -> None:
    case = business_case()
    case.begin(START + timedelta(days=8), None, BEHAVIOUR)
    case.events.clear()
    timer = DueTimer(
        id="timer-3",
        case_id=case.id,
        kind=TimerKind.JEOPARDY_WARNING,
        due_at=START + timedelta(days=8),
    )
    assert case.on_timer(timer).value == "warned"
    assert case.jeopardy is Jeopardy.WARNING
    assert [e.action for e in recorded(case)] == [HistoryAction.JEOPARDY_RAISED]
    (alert,) = raised(case)
    assert alert.extra["jeopardyAlert"]["jeopardyType"] == "warning"
    # A second warning is superseded and raises nothing.
    case.events.clear()
    assert case.on_timer(timer).value == "superseded"
    assert case.events == []
