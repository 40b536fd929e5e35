"""Due timers fire in batches, one transaction for many cases, with the guarantees of firing
them one by one: each fires once, a failing job fails alone, and several workers on one
database never fire a timer twice."""

from __future__ import annotations

import asyncio
import dataclasses
from collections import Counter
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import func, select

from order_completion.acceptance import behaviour as acceptance
from order_completion.bootstrap import BEHAVIOUR, Services
from order_completion.cases.aggregate import CompletionCase
from order_completion.cases.events import TimerResult
from order_completion.cases.tables import HistoryRow
from order_completion.clock import FixedClock
from order_completion.timers.rules import DueTimer, TimerKind, retry_delay
from order_completion.timers.tables import Timer
from order_completion.timers.worker import Outcome, TimerWorker
from tests.orders import product_order, quick_policy_dir  # noqa: F401 (the policy_dir fixture)
from tests.support import actions, case_json, open_case, timers_of

WINDOW_END = TimerKind.ACCEPTANCE_WINDOW_END.value
REMINDER = TimerKind.ACCEPTANCE_REMINDER.value


async def open_quick_cases(services: Services, count: int) -> list[str]:
    return [await open_case(services, product_order(category="QUICK")) for _ in range(count)]


async def past_the_window(services: Services, clock: FixedClock, case_id: str) -> None:
    """Every timer of the quick policy up to the window end and jeopardy warning is due."""
    (window_end,) = [t for t in await timers_of(services, case_id) if t.kind == WINDOW_END]
    clock.set(window_end.due_at + timedelta(seconds=5))


async def one_by_one_refused(timer: DueTimer) -> bool:
    raise AssertionError(f"timer {timer.id} was fired alone, not in its batch")


def batch_only(services: Services, *, batch: int = 200) -> TimerWorker:
    """A worker that can fire only through the batch command."""
    return TimerWorker(
        db=services.db,
        clock=services.clock,
        fire=one_by_one_refused,
        fire_many=services.fire_timers,
        give_up=services.give_up_timer,
        batch=batch,
    )


async def count_fired(services: Services) -> int:
    async with services.db.read() as session:
        statement = select(func.count()).where(Timer.state == "fired")
        return int(await session.scalar(statement) or 0)


async def test_a_batch_fires_every_case_and_each_case_in_due_order(
    services: Services, clock: FixedClock
) -> None:
    case_ids = await open_quick_cases(services, 8)
    await past_the_window(services, clock, case_ids[-1])

    # Reminder, window end and jeopardy warning of every case: three rounds of eight.
    assert await batch_only(services).fire_due() == 3 * len(case_ids)

    for case_id in case_ids:
        case = await case_json(services, case_id)
        assert actions(case).count("acceptanceReminderSent") == 1
        assert actions(case).count("acceptanceDeemed") == 1
        assert case["jeopardy"] == "warning"
        fired = {t.kind: t.result for t in await timers_of(services, case_id) if t.fired_at}
        assert fired[REMINDER] == "reminded"
        assert fired[WINDOW_END] == "deemedAccepted"


async def test_a_job_that_raises_fails_alone_and_the_rest_of_its_batch_commits(
    services: Services, clock: FixedClock
) -> None:
    case_ids = await open_quick_cases(services, 5)
    broken = case_ids[2]

    def reminder_failing_on_one_case(case: CompletionCase, timer: DueTimer) -> TimerResult:
        result = acceptance.on_reminder(case, timer)  # changes the case, then raises
        if case.id == broken:
            raise RuntimeError("boom")
        return result

    jobs = {**BEHAVIOUR.jobs, TimerKind.ACCEPTANCE_REMINDER: reminder_failing_on_one_case}
    services.behaviour = dataclasses.replace(BEHAVIOUR, jobs=jobs)
    (reminder,) = [t for t in await timers_of(services, broken) if t.kind == REMINDER]
    clock.set(reminder.due_at + timedelta(minutes=1))
    broken_before = await case_json(services, broken)

    assert await batch_only(services).fire_due() == len(case_ids) - 1

    for case_id in case_ids:
        if case_id != broken:
            assert "acceptanceReminderSent" in actions(await case_json(services, case_id))
    assert await case_json(services, broken) == broken_before  # nothing of its job was kept
    (after,) = [t for t in await timers_of(services, broken) if t.kind == REMINDER]
    assert (after.state, after.attempts, after.last_error) == ("pending", 1, "RuntimeError: boom")
    assert after.retry_at == clock.now() + retry_delay(1)


async def test_a_batch_the_database_refuses_is_fired_again_timer_by_timer(
    services: Services, clock: FixedClock
) -> None:
    case_ids = await open_quick_cases(services, 4)
    await past_the_window(services, clock, case_ids[-1])

    async def refused(timers: Sequence[DueTimer]) -> Sequence[Outcome]:
        raise ConnectionError("the database went away")

    worker = TimerWorker(
        db=services.db,
        clock=clock,
        fire=services.fire_timer,
        fire_many=refused,
        give_up=services.give_up_timer,
    )
    assert await worker.fire_due() == 3 * len(case_ids)
    for case_id in case_ids:
        assert actions(await case_json(services, case_id)).count("acceptanceDeemed") == 1


async def test_two_workers_on_one_database_fire_each_timer_exactly_once(
    services: Services, clock: FixedClock
) -> None:
    case_ids = await open_quick_cases(services, 40)
    await past_the_window(services, clock, case_ids[-1])
    # Small batches, so the two workers' batches overlap on the same cases and timers.
    workers = [batch_only(services, batch=7), batch_only(services, batch=7)]

    fired = 0
    for _ in range(20):  # a worker that found a case busy comes back on its next poll
        fired += sum(await asyncio.gather(*(worker.fire_due() for worker in workers)))
        if await count_fired(services) == 3 * len(case_ids):
            break

    assert fired == 3 * len(case_ids)  # no timer counted by both workers
    async with services.db.read() as session:
        rows = await session.execute(select(HistoryRow.case_id, HistoryRow.entries))
        deemed = Counter(
            case_id
            for case_id, entries in rows
            for entry in entries
            if entry["action"] == "acceptanceDeemed"
        )
    assert deemed == dict.fromkeys(case_ids, 1)
    for case_id in case_ids:
        case = await case_json(services, case_id)
        assert actions(case).count("acceptanceReminderSent") == 1
        assert actions(case).count("jeopardyRaised") == 1
        assert [m["name"] for m in case["milestone"]].count("customerAccepted") == 1


async def test_a_bounded_round_fires_one_batch_and_leaves_the_backlog_for_the_next(
    services: Services, clock: FixedClock
) -> None:
    """The worker fires a backlog in bounded rounds, so its relay and a stop request are
    not held until every due timer has fired."""
    case_ids = await open_quick_cases(services, 5)
    await past_the_window(services, clock, case_ids[-1])
    worker = batch_only(services, batch=2)

    assert await worker.fire_due(for_seconds=0) == 2  # one round: one batch of two cases
    assert await count_fired(services) == 2
    assert await worker.fire_due() == 3 * len(case_ids) - 2  # unbounded: the rest
