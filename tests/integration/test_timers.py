"""Timers fire from the worker at their due time, once, and only while they still matter."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

from order_completion.acceptance.schemas import AcceptanceDecisionRequest
from order_completion.bootstrap import Services
from order_completion.cases.rules import CaseState
from order_completion.clock import FixedClock
from order_completion.errors import Conflict
from order_completion.timers.tables import Timer
from order_completion.timers.worker import TimerWorker
from tests.orders import business_order, product_order, quick_policy_dir  # noqa: F401 (the policy_dir fixture)
from tests.support import (
    actions,
    case_json,
    change_state,
    decide,
    event_types,
    open_case,
    step_of,
    timers_of,
)


def quick_order(order_id: str | None = None) -> dict[str, object]:
    return product_order(order_id, category="QUICK")


ACCEPT = AcceptanceDecisionRequest.model_validate(
    {"decision": "accepted", "decidedBy": {"name": "Dana Smith"}}
)


async def test_silence_through_the_window_is_deemed_acceptance_at_the_window_end(
    services: Services, clock: FixedClock
) -> None:
    case_id = await open_case(services, quick_order())
    window_end = step_of(await case_json(services, case_id), "acceptance")["dueDate"]
    clock.advance(timedelta(days=1))
    assert await services.timers.fire_due() == 1  # the reminder at half the window
    clock.advance(timedelta(days=1, seconds=5))
    await services.timers.fire_due()
    case = await case_json(services, case_id)
    assert step_of(case, "acceptance")["outcome"] == "deemedAccepted"
    assert case["startOfServiceDate"] == window_end
    assert "acceptanceReminderSent" in actions(case)
    types = await event_types(services, case_id)
    assert types.count("completionCaseInformationRequiredEvent") >= 2


async def test_jeopardy_warns_then_breaches_while_blocking_work_is_open(
    services: Services, clock: FixedClock
) -> None:
    case_id = await open_case(services, business_order())  # waits for its commissioning test
    clock.advance(timedelta(days=12))  # past 0.8 of its 10 business days
    await services.timers.fire_due()
    assert (await case_json(services, case_id))["jeopardy"] == "warning"
    clock.advance(timedelta(days=3))  # past all 10
    await services.timers.fire_due()
    case = await case_json(services, case_id)
    assert case["jeopardy"] == "breach"
    assert (await event_types(services, case_id)).count("completionCaseJeopardyAlertEvent") == 2


async def test_training_expires_and_the_survey_closes_by_itself(
    services: Services, clock: FixedClock
) -> None:
    case_id = await open_case(services, quick_order())
    await decide(services, case_id, ACCEPT)
    clock.advance(timedelta(days=11))
    await services.timers.fire_due()
    case = await case_json(services, case_id)
    assert step_of(case, "training")["outcome"] == "expired"
    assert step_of(case, "satisfactionSurvey")["outcome"] == "autoClosed"
    assert case["state"] == "completed"
    assert all(
        timer.state in {"fired", "cancelled"} for timer in await timers_of(services, case_id)
    )


async def test_hold_pauses_timers_and_resume_shifts_them_by_the_hold(
    services: Services, clock: FixedClock
) -> None:
    case_id = await open_case(services, quick_order())
    before = {t.kind: t.due_at for t in await timers_of(services, case_id)}
    clock.advance(timedelta(hours=6))
    await change_state(services, case_id, CaseState.HOLD, "site closed")
    clock.advance(timedelta(days=3))
    assert await services.timers.fire_due() == 0  # the window passed, but the case is on hold
    await change_state(services, case_id, CaseState.ACTIVE, None)
    after = {t.kind: t.due_at for t in await timers_of(services, case_id) if t.state == "pending"}
    assert after["acceptanceWindowEnd"] == before["acceptanceWindowEnd"] + timedelta(days=3)
    case = await case_json(services, case_id)
    assert step_of(case, "acceptance")["state"] == "active"


async def test_an_explicit_decision_cancels_the_deemed_acceptance_timer(
    services: Services, clock: FixedClock
) -> None:
    case_id = await open_case(services, quick_order())
    await decide(services, case_id, ACCEPT)
    clock.advance(timedelta(days=3))
    await services.timers.fire_due()
    case = await case_json(services, case_id)
    assert step_of(case, "acceptance")["outcome"] == "accepted"
    assert "acceptanceDeemed" not in actions(case)


async def test_a_late_decision_after_deemed_acceptance_is_refused(
    services: Services, clock: FixedClock
) -> None:
    case_id = await open_case(services, quick_order())
    clock.advance(timedelta(days=2, seconds=1))
    await services.timers.fire_due()
    with pytest.raises(Conflict, match="acceptance step is completed"):
        await decide(services, case_id, ACCEPT)


async def test_deemed_acceptance_racing_a_decision_has_exactly_one_winner(
    services: Services, clock: FixedClock
) -> None:
    """Both run at once on separate connections; one wins, the other sees it and yields."""
    case_ids = [await open_case(services, quick_order()) for _ in range(6)]
    clock.advance(timedelta(days=2, seconds=1))

    async def decide_now(case_id: str) -> str:
        try:
            await decide(services, case_id, ACCEPT)
        except Conflict:
            return "refused"
        return "accepted"

    results = await asyncio.gather(
        services.timers.fire_due(), *(decide_now(case_id) for case_id in case_ids)
    )
    for case_id, decided in zip(case_ids, results[1:], strict=True):
        case = await case_json(services, case_id)
        outcome = step_of(case, "acceptance")["outcome"]
        winners = actions(case).count("acceptanceDeemed") + actions(case).count(
            "acceptanceDecisionRecorded"
        )
        assert winners == 1
        assert outcome == ("accepted" if decided == "accepted" else "deemedAccepted")
        assert [m["name"] for m in case["milestone"]].count("customerAccepted") == 1


async def test_several_workers_never_fire_a_timer_twice(
    services: Services, clock: FixedClock
) -> None:
    case_ids = [await open_case(services, quick_order()) for _ in range(12)]
    clock.advance(timedelta(days=2, seconds=1))
    workers = [
        TimerWorker(
            db=services.db, clock=clock, fire=services.fire_timer, give_up=services.give_up_timer
        )
        for _ in range(3)
    ]
    for _ in range(3):  # a worker that found a case locked comes back next round
        await asyncio.gather(*(worker.fire_due() for worker in workers))
    for case_id in case_ids:
        case = await case_json(services, case_id)
        assert actions(case).count("acceptanceDeemed") == 1
        assert actions(case).count("acceptanceReminderSent") == 1
        # The warning raises jeopardy only when it fires before the window's end settles
        # the blocking work (workers race for the order); it never raises it twice.
        assert actions(case).count("jeopardyRaised") <= 1
    async with services.db.read() as session:
        fired = await session.scalars(select(Timer).where(Timer.state == "fired"))
        assert len(list(fired)) == 3 * len(case_ids)  # reminder, window end, jeopardy warning
