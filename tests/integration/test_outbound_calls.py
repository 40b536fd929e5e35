"""Outbound calls: owed work survives as rows, is tried on a schedule until done, fails for
good on a refusal, and is taken again when a worker died holding it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest

from order_completion.bootstrap import Services
from order_completion.cases.queries import ended_case_ids
from order_completion.clock import FixedClock
from order_completion.integrations.errors import PermanentFailure, TransientFailure
from order_completion.outbound import store
from order_completion.outbound.rules import AttemptOutcome, CallKind, CallState, Verdict
from order_completion.outbound.runner import OutboundRunner
from order_completion.outbound.store import ClaimedCall
from tests.orders import BASE, business_order, open_over_api

SCHEDULE = (timedelta(0), timedelta(seconds=10), timedelta(minutes=1))
CASE = "00000000-0000-0000-0000-0000000000c1"


async def owe(
    services: Services,
    purpose: str,
    kind: CallKind = CallKind.PRODUCT_INVENTORY,
    *,
    case_id: str = CASE,
) -> None:
    await owe_rows(services, [call_row(services, purpose, kind, case_id=case_id)])


def call_row(
    services: Services, purpose: str, kind: CallKind, *, case_id: str = CASE
) -> dict[str, Any]:
    now = services.clock.now()
    return store.new_call(
        case_id=case_id, kind=kind, purpose=purpose, payload={"item": purpose}, now=now
    )


async def owe_rows(services: Services, rows: list[dict[str, Any]]) -> None:
    async with services.db.transaction() as session:
        await store.enqueue(session, rows)


async def calls(services: Services, case_id: str = CASE) -> dict[str, Any]:
    async with services.db.read() as session:
        return {call.purpose: call for call in await store.calls_of(session, case_id)}


def runner(services: Services, perform: Callable[[ClaimedCall], Any]) -> OutboundRunner:
    async def performer(call: ClaimedCall) -> dict[str, Any]:
        return perform(call)  # type: ignore[no-any-return]

    return OutboundRunner(
        db=services.db,
        clock=services.clock,
        performers={CallKind.PRODUCT_INVENTORY: performer},
        recorders={},
        schedule=SCHEDULE,
    )


async def test_owing_the_same_work_twice_enqueues_it_once(services: Services) -> None:
    await owe(services, "item-1")
    await owe(services, "item-1")
    assert list(await calls(services)) == ["item-1"]


async def test_a_call_is_retried_on_the_schedule_until_the_peer_takes_it(
    services: Services, clock: FixedClock
) -> None:
    answers: list[Any] = [TransientFailure("503 from inventory"), {"productId": "P-1"}]

    def perform(call: ClaimedCall) -> dict[str, Any]:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer  # type: ignore[no-any-return]

    await owe(services, "item-1")
    work = runner(services, perform)
    assert await work.run_once() == 1
    call = (await calls(services))["item-1"]
    assert (call.state, call.attempts, call.last_error) == ("pending", 1, "503 from inventory")
    assert await work.run_once() == 0  # not due before its next slot
    clock.advance(timedelta(seconds=12))
    assert await work.run_once() == 1
    call = (await calls(services))["item-1"]
    assert (call.state, call.attempts, call.result) == ("done", 2, {"productId": "P-1"})
    assert call.last_error is None


async def state_once_settled(services: Services, purpose: str, polls: int = 500) -> str:
    """The call's state once it left ``pending``, or ``pending`` after ``polls`` short
    looks (a bound against hanging, not a measure of speed)."""
    for _ in range(polls):
        state = (await calls(services))[purpose].state
        if state != CallState.PENDING:
            return str(state)
        await asyncio.sleep(0.01)
    return CallState.PENDING.value


async def test_each_call_is_recorded_as_soon_as_its_attempt_ends(services: Services) -> None:
    """A worker killed while a slow call is still out has already recorded the calls that
    ended before it, so they are not made again (no second e-mail)."""
    slow_started, release = asyncio.Event(), asyncio.Event()

    async def performer(call: ClaimedCall) -> dict[str, Any]:
        if call.purpose == "slow":
            slow_started.set()
            await release.wait()
        return {"answered": call.purpose}

    await owe(services, "quick")
    await owe(services, "slow")
    work = OutboundRunner(
        db=services.db,
        clock=services.clock,
        performers={CallKind.PRODUCT_INVENTORY: performer},
        recorders={},
        schedule=SCHEDULE,
    )
    round_of_calls = asyncio.create_task(work.run_once())
    try:
        await asyncio.wait_for(slow_started.wait(), timeout=10)
        assert await state_once_settled(services, "quick") == CallState.DONE
        assert (await calls(services))["slow"].state == CallState.PENDING
    finally:
        release.set()
        assert await round_of_calls == 2
    assert (await calls(services))["slow"].state == CallState.DONE


async def test_a_refusal_fails_the_call_at_once_and_the_last_retry_fails_it(
    services: Services, clock: FixedClock
) -> None:
    def perform(call: ClaimedCall) -> dict[str, Any]:
        if call.purpose == "refused":
            raise PermanentFailure("400: productOffering.id is unknown")
        raise RuntimeError("connection reset")

    await owe(services, "refused")
    await owe(services, "flaky")
    work = runner(services, perform)
    for _ in range(len(SCHEDULE)):
        await work.run_once()
        clock.advance(timedelta(minutes=2))
    assert await work.run_once() == 0
    found = await calls(services)
    assert (found["refused"].state, found["refused"].attempts) == ("failed", 1)
    assert found["refused"].last_error == "400: productOffering.id is unknown"
    assert (found["flaky"].state, found["flaky"].attempts) == ("failed", len(SCHEDULE))
    assert found["flaky"].last_error == "RuntimeError: connection reset"


async def test_a_call_held_by_a_dead_worker_is_taken_again_after_its_lease(
    services: Services, clock: FixedClock
) -> None:
    await owe(services, "item-1")
    async with services.db.transaction() as session:
        held = await store.claim(session, clock.now(), lease=timedelta(minutes=2), limit=10)
    assert [call.purpose for call in held] == ["item-1"]
    work = runner(services, lambda call: {"productId": "P-1"})
    assert await work.run_once() == 0  # still leased to the worker that died
    clock.advance(timedelta(minutes=3))
    assert await work.run_once() == 1
    found = (await calls(services))["item-1"]
    assert (found.state, found.attempts) == ("done", 2)
    # The dead worker's late answer no longer counts.
    async with services.db.transaction() as session:
        late = await store.record(session, held[0], *_failed_outcome(), now=clock.now())
    assert late is False
    assert (await calls(services))["item-1"].state == "done"


def _failed_outcome() -> tuple[Any, Any]:
    return AttemptOutcome(error="late"), Verdict(CallState.FAILED, None)


async def test_a_stale_answer_does_not_overwrite_the_claim_after_an_operators_retry(
    services: Services, clock: FixedClock
) -> None:
    """A retry starts the attempts over: the late answer of the first claim's attempt 1
    must not pass for the new claim's attempt 1."""
    await owe(services, "item-1")
    lease = timedelta(minutes=2)
    async with services.db.transaction() as session:
        [stale] = await store.claim(session, clock.now(), lease=lease, limit=10)
    clock.advance(timedelta(minutes=3))

    def refuse(call: ClaimedCall) -> dict[str, Any]:
        raise PermanentFailure("422: unknown offering")

    assert await runner(services, refuse).run_once() == 1
    assert (await calls(services))["item-1"].state == CallState.FAILED
    async with services.db.transaction() as session:
        assert await store.retry(session, CASE, clock.now()) == 1
        [fresh] = await store.claim(session, clock.now(), lease=lease, limit=10)
    assert fresh.attempt == stale.attempt == 1

    done = AttemptOutcome(result={"productId": "P-1"}), Verdict(CallState.DONE, None)
    async with services.db.transaction() as session:
        assert await store.record(session, stale, *done, now=clock.now()) is False
    call = (await calls(services))["item-1"]
    assert (call.state, call.result) == (CallState.PENDING, None)
    async with services.db.transaction() as session:
        assert await store.record(session, fresh, *done, now=clock.now()) is True
    assert (await calls(services))["item-1"].state == CallState.DONE


async def test_an_operator_retries_failed_calls_and_settles_the_rest(
    services: Services, clock: FixedClock
) -> None:
    def refuse(call: ClaimedCall) -> dict[str, Any]:
        raise PermanentFailure("422")

    await owe(services, "item-1")
    await owe(services, "message-1", kind=CallKind.MESSAGE)
    await runner(services, refuse).run_once()
    async with services.db.transaction() as session:
        retried = await store.retry(session, CASE, clock.now(), kinds={CallKind.PRODUCT_INVENTORY})
    assert retried == 1
    call = (await calls(services))["item-1"]
    assert (call.state, call.attempts) == ("pending", 0)
    async with services.db.transaction() as session:
        assert await store.settle(session, CASE, "entered by hand in inventory", clock.now()) == 2
    found = await calls(services)
    assert {call.state for call in found.values()} == {"settled"}
    assert found["item-1"].result == {
        "settledBy": "operator",
        "reason": "entered by hand in inventory",
    }


@pytest.mark.parametrize("kind", ["nobody-performs-this"])
async def test_a_call_nothing_performs_fails_on_its_schedule(
    services: Services, clock: FixedClock, kind: str
) -> None:
    # A row of a kind this version does not know (written by a newer one, say).
    await owe_rows(services, [{**call_row(services, "odd", CallKind.BILLING), "kind": kind}])
    await runner(services, lambda call: {}).run_once()
    call = (await calls(services))["odd"]
    assert call.state == "failed"
    assert call.last_error == f"nothing is configured to perform {kind} calls"


async def opened_case(client: httpx.AsyncClient, *, cancelled: bool = False) -> str:
    case_id = str((await open_over_api(client, business_order()))["id"])
    if cancelled:
        url = f"{BASE}/completionCase/{case_id}"
        ended = await client.patch(url, json={"state": "cancelled", "reason": "withdrawn"})
        assert ended.status_code == 200, ended.text
    return case_id


async def test_calls_of_ended_cases_are_forgotten_after_retention_and_failed_ones_kept(
    services: Services, client: httpx.AsyncClient, clock: FixedClock
) -> None:
    """An open case keeps its ended calls: the same work owed again (a late event) finds
    its row and is not made a second time."""

    def perform(call: ClaimedCall) -> dict[str, Any]:
        if call.purpose == "refused":
            raise PermanentFailure("400")
        return {"ok": True}

    ended, still_open = await opened_case(client, cancelled=True), await opened_case(client)
    for case_id in (ended, still_open):
        await owe(services, "done", case_id=case_id)
        await owe(services, "refused", case_id=case_id)
    await runner(services, perform).run_once()
    clock.advance(timedelta(days=2))
    async with services.db.transaction() as session:
        for days, forgotten in ((3, 0), (1, 1)):
            cutoff = clock.now() - timedelta(days=days)
            assert await store.prune(session, cutoff, ended_cases=ended_case_ids()) == forgotten
    assert list(await calls(services, ended)) == ["refused"]
    assert list(await calls(services, still_open)) == ["done", "refused"]
    await owe(services, "done", case_id=still_open)
    assert (await calls(services, still_open))["done"].state == CallState.DONE


async def test_settling_the_customer_update_leaves_the_cases_other_calls_alone(
    services: Services,
) -> None:
    """A pending message (or certificate) of the case is not settled with its fallout."""
    from order_completion.customer_records import calls as customer_update

    assert {"productInventory", "productOrder", "customer"} <= customer_update.TARGET_KINDS
    assert CallKind.MESSAGE not in customer_update.TARGET_KINDS
    assert CallKind.CERTIFICATE not in customer_update.TARGET_KINDS
    await owe(services, "productInventory:1")
    await owe(services, "message:welcome", kind=CallKind.MESSAGE)
    async with services.db.transaction() as session:
        settled = await store.settle(
            session, CASE, "by hand", services.clock.now(), kinds=customer_update.TARGET_KINDS
        )
    assert settled == 1
    found = await calls(services)
    assert (found["productInventory:1"].state, found["message:welcome"].state) == (
        "settled",
        "pending",
    )
