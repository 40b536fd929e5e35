"""A timer whose job raises fails alone: its transaction rolls back, the failure is kept on
the timer and retried with backoff, the other timers keep firing, and after MAX_ATTEMPTS
the timer is marked failed and its case says so."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from order_completion.acceptance import behaviour as acceptance
from order_completion.bootstrap import BEHAVIOUR, Services
from order_completion.cases.aggregate import CaseBehaviour, CompletionCase
from order_completion.cases.events import TimerResult
from order_completion.clock import FixedClock
from order_completion.interactions.tables import PartyInteraction
from order_completion.timers.rules import MAX_ATTEMPTS, DueTimer, TimerKind, retry_delay
from order_completion.timers.tables import Timer
from tests.orders import product_order, quick_policy_dir  # noqa: F401 (the policy_dir fixture)
from tests.support import actions, case_json, events, open_case, step_of, timers_of

REMINDER = TimerKind.ACCEPTANCE_REMINDER.value


def half_done_reminder(case: CompletionCase, timer: DueTimer) -> TimerResult:
    """Does what the reminder does (history, interaction, event), then raises."""
    acceptance.on_reminder(case, timer)
    raise RuntimeError("boom")


@pytest.fixture
def failing(services: Services) -> Services:
    """The services with a reminder job that always raises after changing the case."""
    jobs = {**BEHAVIOUR.jobs, TimerKind.ACCEPTANCE_REMINDER: half_done_reminder}
    services.behaviour = dataclasses.replace(BEHAVIOUR, jobs=jobs)
    assert isinstance(services.behaviour, CaseBehaviour)
    return services


async def open_quick(services: Services) -> str:
    return await open_case(services, product_order(category="QUICK"))


async def timer_of(services: Services, case_id: str, kind: str) -> Timer:
    (timer,) = [t for t in await timers_of(services, case_id) if t.kind == kind]
    return timer


async def interactions_of(services: Services, case_id: str) -> int:
    async with services.db.read() as session:
        statement = select(func.count()).where(PartyInteraction.case_id == case_id)
        return int(await session.scalar(statement) or 0)


async def past_the_reminder(services: Services, clock: FixedClock, case_id: str) -> Timer:
    """Move the clock just past the reminder (half the window), before the window end."""
    reminder = await timer_of(services, case_id, REMINDER)
    clock.set(reminder.due_at + timedelta(minutes=1))
    return reminder


async def test_the_other_timers_fire_while_the_reminder_job_fails(
    failing: Services, clock: FixedClock
) -> None:
    case_id = await open_quick(failing)
    window_end = await timer_of(failing, case_id, TimerKind.ACCEPTANCE_WINDOW_END.value)
    clock.set(window_end.due_at + timedelta(seconds=5))

    for _ in range(3):
        await failing.timers.fire_due()
        case = await case_json(failing, case_id)
        if step_of(case, "acceptance")["outcome"] == "deemedAccepted":
            break

    case = await case_json(failing, case_id)
    assert step_of(case, "acceptance")["outcome"] == "deemedAccepted"
    assert case["startOfServiceDate"] == step_of(case, "acceptance")["dueDate"]
    assert case["jeopardy"] == "warning"  # the jeopardy warning fired too
    assert "acceptanceDeemed" in actions(case)
    assert "acceptanceReminderSent" not in actions(case)
    reminder = await timer_of(failing, case_id, REMINDER)
    assert reminder.attempts == 1  # it failed first (earliest due), then was cancelled
    assert reminder.last_error == "RuntimeError: boom"
    # The deemed acceptance finished the step and with it cancelled its reminder.
    assert reminder.state == "cancelled"
    fired = {t.kind: t.result for t in await timers_of(failing, case_id) if t.state == "fired"}
    assert fired == {
        TimerKind.ACCEPTANCE_WINDOW_END.value: "deemedAccepted",
        TimerKind.JEOPARDY_WARNING.value: "warned",
    }


async def test_a_failed_try_is_recorded_on_the_timer_and_retried_later(
    failing: Services, clock: FixedClock
) -> None:
    case_id = await open_quick(failing)
    before = await past_the_reminder(failing, clock, case_id)
    assert before.attempts == 0
    assert before.last_error is None

    assert await failing.timers.fire_due() == 0

    after = await timer_of(failing, case_id, REMINDER)
    assert after.id == before.id
    assert after.state == "pending"
    assert after.attempts == 1
    assert after.last_error == "RuntimeError: boom"
    assert after.due_at == before.due_at  # the time it stands for is kept
    assert after.retry_at == clock.now() + retry_delay(1)
    assert after.fired_at is None
    # Not due again until then.
    assert await failing.timers.fire_due() == 0
    assert (await timer_of(failing, case_id, REMINDER)).attempts == 1


async def test_after_max_attempts_the_timer_fails_and_the_case_raises_an_alert(
    failing: Services, clock: FixedClock
) -> None:
    case_id = await open_quick(failing)
    await past_the_reminder(failing, clock, case_id)

    for attempt in range(1, MAX_ATTEMPTS + 1):
        assert await failing.timers.fire_due() == 0
        timer = await timer_of(failing, case_id, REMINDER)
        assert timer.attempts == attempt
        if attempt < MAX_ATTEMPTS:
            assert timer.state == "pending"
            assert timer.retry_at == clock.now() + retry_delay(attempt)
            clock.set(timer.retry_at + timedelta(seconds=1))

    assert timer.state == "failed"
    assert timer.result == "failed"
    assert timer.last_error == "RuntimeError: boom"
    assert await failing.timers.fire_due() == 0  # a failed timer is not tried again

    case = await case_json(failing, case_id)
    assert actions(case).count("timerFailed") == 1
    (entry,) = [e for e in case["history"] if e["action"] == "timerFailed"]
    assert entry["stepId"] == step_of(case, "acceptance")["id"]
    assert entry["detail"]["timer"] == REMINDER
    assert entry["detail"]["timerId"] == timer.id
    assert entry["detail"]["attempts"] == MAX_ATTEMPTS
    assert "boom" in entry["detail"]["error"]
    alerts = [
        e["event"]["jeopardyAlert"]
        for e in await events(failing, case_id)
        if e["eventType"] == "completionCaseJeopardyAlertEvent"
    ]
    assert [alert["jeopardyType"] for alert in alerts] == ["timerFailed"]
    assert alerts[0]["timer"] == {"id": timer.id, "kind": REMINDER, "attempts": MAX_ATTEMPTS}
    # The case itself carries on, still waiting for the decision.
    assert case["state"] == "active"
    assert step_of(case, "acceptance")["state"] == "active"
    assert "acceptanceReminderSent" not in actions(case)


async def test_a_job_that_raises_changes_nothing_about_the_case(
    failing: Services, clock: FixedClock
) -> None:
    case_id = await open_quick(failing)
    await past_the_reminder(failing, clock, case_id)
    case_before = await case_json(failing, case_id)
    events_before = await events(failing, case_id)
    interactions_before = await interactions_of(failing, case_id)
    other_timers_before = _others(await timers_of(failing, case_id))

    assert await failing.timers.fire_due() == 0

    case_after = await case_json(failing, case_id)
    assert case_after == case_before  # steps, history, lastUpdate: all as they were
    assert "acceptanceReminderSent" not in actions(case_after)
    assert await events(failing, case_id) == events_before
    assert await interactions_of(failing, case_id) == interactions_before
    assert _others(await timers_of(failing, case_id)) == other_timers_before
    assert (await timer_of(failing, case_id, REMINDER)).attempts == 1


async def test_the_unchanged_reminder_job_does_change_the_case(
    services: Services, clock: FixedClock
) -> None:
    """The control for the test above: the same round with the real job sends a reminder."""
    case_id = await open_quick(services)
    await past_the_reminder(services, clock, case_id)
    interactions_before = await interactions_of(services, case_id)

    assert await services.timers.fire_due() == 1

    assert "acceptanceReminderSent" in actions(await case_json(services, case_id))
    assert await interactions_of(services, case_id) == interactions_before + 1
    assert (await timer_of(services, case_id, REMINDER)).state == "fired"


def _others(timers: list[Timer]) -> list[dict[str, Any]]:
    return [
        {"id": t.id, "state": t.state, "due_at": t.due_at, "attempts": t.attempts}
        for t in timers
        if t.kind != REMINDER
    ]


async def test_a_deemed_acceptance_retried_after_a_failure_is_dated_at_the_window_end(
    services: Services, clock: FixedClock
) -> None:
    """The retry happens later, but the start of service is the window's end."""
    calls = {"count": 0}

    def flaky_window_end(case: CompletionCase, timer: DueTimer) -> TimerResult:
        calls["count"] += 1
        if calls["count"] == 1:
            raise RuntimeError("database hiccup")
        return acceptance.on_window_end(case, timer)

    jobs = {**BEHAVIOUR.jobs, TimerKind.ACCEPTANCE_WINDOW_END: flaky_window_end}
    services.behaviour = dataclasses.replace(BEHAVIOUR, jobs=jobs)
    case_id = await open_quick(services)
    window_end = await timer_of(services, case_id, TimerKind.ACCEPTANCE_WINDOW_END.value)
    clock.set(window_end.due_at + timedelta(seconds=5))
    await services.timers.fire_due()
    assert step_of(await case_json(services, case_id), "acceptance")["state"] == "active"
    clock.advance(timedelta(minutes=5))
    await services.timers.fire_due()
    case = await case_json(services, case_id)
    assert step_of(case, "acceptance")["outcome"] == "deemedAccepted"
    expected = window_end.due_at.isoformat().replace("+00:00", "Z")
    assert case["startOfServiceDate"] == expected
