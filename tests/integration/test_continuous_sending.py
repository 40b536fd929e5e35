"""The continuous sender: no attempt waits for another, the in-flight cap holds across
workers, an attempt that raises fails alone, the relay's wake-up starts sending at once, and
stopping leaves unfinished attempts to their leases. Real HTTP to receivers on 127.0.0.1, on
SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from order_completion.bootstrap import DERIVATIONS, Services
from order_completion.clock import FixedClock
from order_completion.database import Database
from order_completion.events.continuous import ContinuousSender
from order_completion.events.deliveries import Delivery, DeliveryAttempt
from order_completion.events.relay import relay_due
from order_completion.events.sender import ReceiverClients, Sender
from order_completion.events.subscriptions import Subscription
from tests.integration.test_delivery import subscribe
from tests.orders import product_order
from tests.receiver import Received, Receiver
from tests.support import open_case

# Generous bounds for things that take milliseconds: they only stop a broken run from hanging.
PATIENCE = 30.0


class Holding(Receiver):
    """Records each request as it arrives, then keeps it open until released (or for
    ``hold`` seconds), counting how many are open at once."""

    def __init__(self, *, hold: float | None = None) -> None:
        super().__init__()
        self.hold = hold
        self.released = asyncio.Event()
        self.open = 0
        self.most_open = 0
        self.answered = 0

    def release(self) -> None:
        self.released.set()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = bool(message.get("more_body"))
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        self.received.append(Received(scope["path"], headers, body))
        self.open += 1
        self.most_open = max(self.most_open, self.open)
        try:
            if self.hold is None:
                await self.released.wait()
            else:
                await asyncio.sleep(self.hold)
        finally:
            self.open -= 1
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})
        self.answered += 1


class Trickling(Receiver):
    """Answers at once, then sends its body a byte at a time, each well within the timeout."""

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        await receive()
        self.received.append(Received(scope["path"], {}, b""))
        await send({"type": "http.response.start", "status": 200, "headers": []})
        for _ in range(40):
            await send({"type": "http.response.body", "body": b" ", "more_body": True})
            await asyncio.sleep(0.1)
        await send({"type": "http.response.body", "body": b""})


@contextlib.asynccontextmanager
async def running(receiver: Receiver) -> AsyncIterator[Receiver]:
    await receiver.start()
    try:
        yield receiver
    finally:
        if isinstance(receiver, Holding):
            receiver.release()
        await receiver.stop()


@contextlib.asynccontextmanager
async def sending(loop: Callable[[asyncio.Event], Awaitable[None]]) -> AsyncIterator[None]:
    """Run a sender (or the whole worker) in the background while the block runs."""
    stop = asyncio.Event()
    task = asyncio.create_task(loop(stop))
    try:
        yield
    finally:
        stop.set()
        await task


async def eventually(check: Callable[[], Awaitable[bool]], what: str) -> None:
    deadline = time.monotonic() + PATIENCE
    while not await check():
        assert time.monotonic() < deadline, f"still waiting for {what}"
        await asyncio.sleep(0.05)


async def statuses(services: Services, subscription_id: str) -> list[str]:
    async with services.db.read() as session:
        rows = await session.scalars(
            select(Delivery.status).where(Delivery.subscription_id == subscription_id)
        )
        return list(rows)


def all_delivered(
    services: Services, subscription_id: str, count: int
) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        found = await statuses(services, subscription_id)
        return len(found) == count and set(found) == {"delivered"}

    return check


def arrived(receiver: Receiver, count: int) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return len(receiver.received) >= count

    return check


async def cap(services: Services, subscription_id: str, max_in_flight: int) -> None:
    async with services.db.transaction() as session:
        row = await session.get(Subscription, subscription_id)
        assert row is not None
        row.max_in_flight = max_in_flight


@contextlib.asynccontextmanager
async def other_worker(services: Services) -> AsyncIterator[Sender]:
    """A second worker's sender: its own engine and HTTP client on the same database."""
    db = Database(services.db.url)
    clients = ReceiverClients(httpx.AsyncClient)
    sender = Sender(
        db=db,
        clock=services.clock,
        clients=clients,
        guard=services.guard,
        derivations=DERIVATIONS,
        box=services.secret_box,
    )
    try:
        yield sender
    finally:
        await sender.clients.aclose()
        await db.dispose()


async def test_a_hanging_receiver_does_not_delay_another_subscription(
    services: Services,
) -> None:
    services.sender.timeout_seconds = 120  # it would hang far longer than this test takes
    async with running(Holding()) as hanging, running(Receiver()) as healthy:
        await subscribe(services, hanging.url)
        steady = await subscribe(services, healthy.url)
        await open_case(services, product_order())
        async with sending(services.worker.run):
            await eventually(all_delivered(services, steady.id, 10), "the healthy deliveries")
            assert len(hanging.received) == 10
            assert hanging.answered == 0
            assert isinstance(hanging, Holding)
            hanging.release()


async def test_the_cap_holds_across_two_workers(services: Services) -> None:
    async with running(Holding(hold=0.05)) as receiver, other_worker(services) as second:
        assert isinstance(receiver, Holding)
        subscription = await subscribe(services, receiver.url)
        await cap(services, subscription.id, 3)
        for _ in range(3):
            await open_case(services, product_order())
        await relay_due(services.db, services.clock.now(), DERIVATIONS)
        workers = [ContinuousSender(services.sender), ContinuousSender(second)]
        async with sending(workers[0].run), sending(workers[1].run):
            await eventually(all_delivered(services, subscription.id, 30), "every delivery")
        assert receiver.most_open <= 3
        ids = [request.headers["webhook-id"] for request in receiver.received]
        assert len(ids) == len(set(ids)) == 30


async def test_two_workers_claiming_at_once_share_the_free_room(services: Services) -> None:
    subscription = await subscribe(services, "http://127.0.0.1:9/never-called")
    await cap(services, subscription.id, 3)
    await open_case(services, product_order())
    await relay_due(services.db, services.clock.now(), DERIVATIONS)
    async with other_worker(services) as second:
        first, other = await asyncio.gather(services.sender.claim(10), second.claim(10))
        assert len(first) + len(other) == 3
        assert await second.claim(10) == []


async def test_an_attempt_that_raises_fails_alone(services: Services) -> None:
    async with running(Receiver()) as receiver:
        # A callback stored before registration refused control characters: the guard
        # refuses it before every attempt, and those attempts fail alone.
        broken = await subscribe(services, f"{receiver.url}/bad")
        async with services.db.transaction() as session:
            await session.execute(
                update(Subscription)
                .where(Subscription.id == broken.id)
                .values(callback=f"{receiver.url}/bad\x01path")
            )
        fine = await subscribe(services, receiver.url)
        await open_case(services, product_order())
        async with sending(services.worker.run):
            await eventually(all_delivered(services, fine.id, 10), "the good deliveries")

            async def broken_attempts_recorded() -> bool:
                async with services.db.read() as session:
                    rows = list(
                        await session.scalars(
                            select(Delivery).where(Delivery.subscription_id == broken.id)
                        )
                    )
                    return len(rows) == 10 and all(row.last_error for row in rows)

            await eventually(broken_attempts_recorded, "the failed attempts")
    async with services.db.read() as session:
        failed = list(
            await session.scalars(
                select(DeliveryAttempt)
                .join(Delivery, Delivery.id == DeliveryAttempt.delivery_id)
                .where(Delivery.subscription_id == broken.id)
            )
        )
    assert len(failed) == 10
    assert {(a.number, a.status_code, a.verdict) for a in failed} == {(1, None, "retry")}
    assert {a.error for a in failed} == {
        "refused by the callback guard: must not contain whitespace or control characters"
    }
    assert set(await statuses(services, broken.id)) == {"pending"}
    assert {r.path for r in receiver.received} == {"/"}


async def test_the_relay_wakes_the_sender(services: Services) -> None:
    async with running(Receiver()) as receiver:
        subscription = await subscribe(services, receiver.url)
        sender = ContinuousSender(services.sender, poll_seconds=3600)  # never polls again
        async with sending(sender.run):
            await asyncio.sleep(0.1)  # it looked once, found nothing, and sleeps
            await open_case(services, product_order())
            await relay_due(services.db, services.clock.now(), DERIVATIONS)
            sender.wake()
            await eventually(all_delivered(services, subscription.id, 10), "the deliveries")


async def test_stopping_abandons_unfinished_attempts_to_their_leases(
    services: Services, clock: FixedClock
) -> None:
    services.sender.timeout_seconds = 120
    async with running(Holding()) as receiver:
        assert isinstance(receiver, Holding)
        only_creation = "eventType=completionCaseCreateEvent"
        subscription = await subscribe(services, receiver.url, only_creation)
        await open_case(services, product_order())
        await relay_due(services.db, services.clock.now(), DERIVATIONS)
        sender = ContinuousSender(services.sender, shutdown_grace_seconds=0.1)
        async with sending(sender.run):
            await eventually(arrived(receiver, 1), "the attempt")
        async with services.db.read() as session:
            (delivery,) = await session.scalars(select(Delivery))
        assert (delivery.status, delivery.attempts) == ("pending", 1)
        assert delivery.claimed_until is not None  # still leased: nobody takes it yet
        assert await services.sender.send_due() == 0
        receiver.release()
        clock.advance(services.sender.lease + timedelta(seconds=1))
        assert await services.sender.send_due() == 1
        assert set(await statuses(services, subscription.id)) == {"delivered"}


async def test_an_attempt_lasts_no_longer_than_the_timeout(services: Services) -> None:
    """httpx's timeout bounds each read; an answer trickling in must still end at the
    timeout, well within the lease, or another worker would send the delivery again."""
    services.sender.timeout_seconds = 0.5
    async with running(Trickling()) as receiver:
        await subscribe(services, receiver.url, "eventType=completionCaseCreateEvent")
        await open_case(services, product_order())
        await relay_due(services.db, services.clock.now(), DERIVATIONS)
        assert await services.sender.send_due() == 1
    async with services.db.read() as session:
        (attempt,) = await session.scalars(select(DeliveryAttempt))
    assert attempt.status_code is None
    assert (attempt.error or "").startswith("TimeoutError: ")
    assert attempt.duration_ms < 4000  # the trickle lasts 4 s


@pytest.fixture(autouse=True)
def _quick_worker(services: Services) -> None:
    """The worker's relay rounds look again quickly, as a busy one would."""
    services.worker.poll_seconds = 0.05


class _Broken(httpx.AsyncBaseTransport):
    """A client that fails with an error that is no ``httpx.HTTPError``."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        raise RuntimeError("the client broke")


async def test_any_error_while_sending_is_that_attempt_s_failure(services: Services) -> None:
    await subscribe(services, "http://127.0.0.1:9/hook", "eventType=completionCaseCreateEvent")
    await open_case(services, product_order())
    await relay_due(services.db, services.clock.now(), DERIVATIONS)
    sender = Sender(
        db=services.db,
        clock=services.clock,
        clients=ReceiverClients(lambda: httpx.AsyncClient(transport=_Broken())),
        guard=services.guard,
        derivations=DERIVATIONS,
        box=services.secret_box,
    )
    try:
        assert await sender.send_due() == 1
    finally:
        await sender.clients.aclose()
    async with services.db.read() as session:
        (attempt,) = list(await session.scalars(select(DeliveryAttempt)))
        (delivery,) = list(await session.scalars(select(Delivery)))
    assert (attempt.verdict, attempt.error) == ("retry", "RuntimeError: the client broke")
    assert (delivery.status, delivery.attempts) == ("pending", 1)
