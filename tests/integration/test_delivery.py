"""Delivery of committed events to hub subscribers: signed, retried on schedule, recorded
attempt by attempt, at least once across a crash. Real HTTP to a receiver on 127.0.0.1."""

from __future__ import annotations

import time
from datetime import timedelta

from sqlalchemy import select
from standardwebhooks.webhooks import Webhook

from order_completion.bootstrap import DERIVATIONS, Services
from order_completion.clock import FixedClock
from order_completion.events.catalog import Api
from order_completion.events.deliveries import Delivery, DeliveryAttempt
from order_completion.events.handlers import Registered
from order_completion.events.subscriptions import Subscription
from tests.orders import product_order
from tests.receiver import Receiver
from tests.support import open_case, outbox_events


async def subscribe(
    services: Services, callback: str, query: str | None = None, style: str = "callback"
) -> Registered:
    hubs = services.hubs()
    return await hubs.register(Api.ORDER_COMPLETION, callback=callback, query=query, style=style)


async def drain(services: Services, rounds: int = 5) -> None:
    for _ in range(rounds):
        if await services.worker.run_once() == 0:
            return


async def deliveries(services: Services) -> list[Delivery]:
    async with services.db.read() as session:
        return list(await session.scalars(select(Delivery).order_by(Delivery.created_at)))


async def attempts(services: Services) -> list[DeliveryAttempt]:
    async with services.db.read() as session:
        return list(
            await session.scalars(
                select(DeliveryAttempt).order_by(DeliveryAttempt.started_at, DeliveryAttempt.number)
            )
        )


async def test_every_event_reaches_every_matching_subscription_signed(
    services: Services, receiver: Receiver
) -> None:
    everything = await subscribe(services, f"{receiver.url}/all")
    milestones = await subscribe(
        services, f"{receiver.url}/milestones", "eventType=completionCaseMilestoneEvent"
    )
    await open_case(services, product_order())
    await drain(services)
    to_all = [r for r in receiver.received if r.path == "/all"]
    to_milestones = [r for r in receiver.received if r.path == "/milestones"]
    assert {r.event["eventType"] for r in to_milestones} == {"completionCaseMilestoneEvent"}
    assert len(to_milestones) == 4
    assert len(to_all) == 10  # the case's own events; TMF701 and TMF683 go to their hubs
    for request in to_all:
        assert request.headers["webhook-id"] == request.event["eventId"]
        assert Webhook(everything.secret).verify(request.body, request.headers)
    for request in to_milestones:
        assert Webhook(milestones.secret).verify(request.body, request.headers)
    assert {d.status for d in await deliveries(services)} == {"delivered"}


async def test_the_listener_style_posts_to_the_event_name(
    services: Services, receiver: Receiver
) -> None:
    await subscribe(
        services, f"{receiver.url}/hooks", "eventType=completionCaseCreateEvent", style="listener"
    )
    await open_case(services, product_order())
    await drain(services)
    assert [r.path for r in receiver.received] == ["/hooks/listener/completionCaseCreateEvent"]


async def test_failures_are_retried_on_the_schedule_and_recorded(
    services: Services, receiver: Receiver, clock: FixedClock
) -> None:
    await subscribe(services, receiver.url, "eventType=completionCaseCreateEvent")
    receiver.script(500, 503)
    await open_case(services, product_order())
    await drain(services)
    (delivery,) = await deliveries(services)
    assert delivery.status == "pending"
    assert delivery.last_status_code == 500
    wait = delivery.next_attempt_at - clock.now()
    assert timedelta(seconds=4.5) <= wait <= timedelta(seconds=5.5)
    clock.advance(timedelta(seconds=6))
    await drain(services)
    (delivery,) = await deliveries(services)
    wait = delivery.next_attempt_at - clock.now()
    assert timedelta(minutes=4.5) <= wait <= timedelta(minutes=5.5)
    clock.advance(timedelta(minutes=6))
    await drain(services)
    (delivery,) = await deliveries(services)
    assert delivery.status == "delivered"
    assert [(a.number, a.status_code, a.verdict) for a in await attempts(services)] == [
        (1, 500, "retry"),
        (2, 503, "retry"),
        (3, 200, "delivered"),
    ]
    assert len({r.headers["webhook-id"] for r in receiver.received}) == 1


async def test_retry_after_is_honoured(
    services: Services, receiver: Receiver, clock: FixedClock
) -> None:
    await subscribe(services, receiver.url, "eventType=completionCaseCreateEvent")
    receiver.script(429, headers={"retry-after": "600"})
    await open_case(services, product_order())
    await drain(services)
    (delivery,) = await deliveries(services)
    assert delivery.next_attempt_at - clock.now() >= timedelta(seconds=600)


async def test_410_disables_the_subscription(services: Services, receiver: Receiver) -> None:
    subscription = await subscribe(services, receiver.url, "eventType=completionCaseCreateEvent")
    receiver.script(410)
    await open_case(services, product_order())
    await drain(services)
    (delivery,) = await deliveries(services)
    assert delivery.status == "failed"
    async with services.db.read() as session:
        row = await session.get(Subscription, subscription.id)
        assert row is not None
        assert row.disabled_at is not None
        assert "410" in (row.disabled_reason or "")
    told = [
        event
        for event in await outbox_events(services)
        if event["eventType"] == "hubSubscriptionDisabledEvent"
    ]
    (event,) = told
    assert event["event"]["subscription"]["id"] == subscription.id
    await open_case(services, product_order())
    await drain(services)
    assert len(await deliveries(services)) == 1  # a disabled subscription gets nothing new


async def test_the_disabled_event_tells_no_callback_credentials(
    services: Services, receiver: Receiver
) -> None:
    port = receiver.url.rsplit(":", 1)[1]
    await subscribe(services, f"http://crm:hunter2@127.0.0.1:{port}/hook?key=k1")
    receiver.script(410, 410)  # the case's first event, then the disabled event itself
    await open_case(services, product_order())
    await drain(services)
    (event,) = [
        event
        for event in await outbox_events(services)
        if event["eventType"] == "hubSubscriptionDisabledEvent"
    ]
    assert event["event"]["subscription"]["callback"] == (
        f"http://***@127.0.0.1:{port}/hook?key=***"
    )


async def test_redirects_are_failures_and_not_followed(
    services: Services, receiver: Receiver
) -> None:
    await subscribe(services, receiver.url, "eventType=completionCaseCreateEvent")
    receiver.script(302, headers={"location": f"{receiver.url}/elsewhere"})
    await open_case(services, product_order())
    await drain(services)
    assert [r.path for r in receiver.received] == ["/"]
    (delivery,) = await deliveries(services)
    assert (delivery.status, delivery.last_status_code) == ("pending", 302)


async def test_a_crash_mid_send_means_another_attempt_with_the_same_id(
    services: Services, receiver: Receiver, clock: FixedClock
) -> None:
    """The claim commits before the request; a worker that never records its result leaves
    the delivery to be taken again when the lease runs out."""
    await subscribe(services, receiver.url, "eventType=completionCaseCreateEvent")
    await open_case(services, product_order())
    await services.worker.run_once()  # relay only would do; this sends and records too
    receiver.received.clear()
    async with services.db.transaction() as session:
        (delivery,) = list(await session.scalars(select(Delivery)))
        delivery.status, delivery.next_attempt_at = "pending", clock.now()
    jobs = await services.sender.claim(10)  # the worker claims, sends, then dies
    assert len(jobs) == 1
    assert await services.sender.send_due() == 0  # still leased
    clock.advance(timedelta(seconds=61))
    assert await services.sender.send_due() == 1
    (delivery,) = await deliveries(services)
    assert delivery.status == "delivered"
    assert receiver.received[0].headers["webhook-id"] == jobs[0].event_id


async def test_the_schedule_runs_out_into_failed(
    services: Services, receiver: Receiver, clock: FixedClock
) -> None:
    services.sender.schedule = (timedelta(0), timedelta(seconds=5))
    await subscribe(services, receiver.url, "eventType=completionCaseCreateEvent")
    receiver.script(500, 500, 500)
    await open_case(services, product_order())
    await drain(services)
    clock.advance(timedelta(seconds=10))
    await drain(services)
    (delivery,) = await deliveries(services)
    assert delivery.status == "failed"
    assert delivery.attempts == 2


async def test_a_slow_receiver_times_out_and_is_retried(
    services: Services, receiver: Receiver
) -> None:
    services.sender.timeout_seconds = 0.3
    await subscribe(services, receiver.url, "eventType=completionCaseCreateEvent")
    receiver.script(200, delay=1.0)
    began = time.monotonic()
    await open_case(services, product_order())
    await drain(services, rounds=2)
    assert time.monotonic() - began < 5
    (attempt,) = await attempts(services)
    assert attempt.status_code is None
    assert "Timeout" in (attempt.error or "")


async def test_several_workers_deliver_each_event_once(
    services: Services, receiver: Receiver
) -> None:
    import asyncio

    import httpx

    from order_completion.events.relay import relay_due
    from order_completion.events.sender import ReceiverClients, Sender

    await subscribe(services, receiver.url)
    for _ in range(8):
        await open_case(services, product_order())
    senders = [
        Sender(
            db=services.db,
            clock=services.clock,
            clients=ReceiverClients(httpx.AsyncClient),
            guard=services.guard,
            derivations=DERIVATIONS,
            box=services.secret_box,
            batch=7,
        )
        for _ in range(3)
    ]
    try:
        for _ in range(20):
            done = await asyncio.gather(
                *(
                    relay_due(services.db, services.clock.now(), DERIVATIONS, batch=13)
                    for _ in range(3)
                ),
                *(sender.send_due() for sender in senders),
            )
            if not any(done):
                break
    finally:
        for sender in senders:
            await sender.clients.aclose()
    ids = [request.headers["webhook-id"] for request in receiver.received]
    assert len(ids) == 8 * 10
    assert len(set(ids)) == len(ids)
    assert {d.status for d in await deliveries(services)} == {"delivered"}


async def test_a_subscription_failing_for_five_days_is_disabled(
    services: Services, receiver: Receiver, clock: FixedClock
) -> None:
    services.sender.schedule = tuple([timedelta(0)] + [timedelta(hours=12)] * 20)
    subscription = await subscribe(services, receiver.url, "eventType=completionCaseCreateEvent")
    receiver.script(*([500] * 20))
    await open_case(services, product_order())
    for _ in range(11):  # 14 h steps: past every 12 h attempt even with +10 % jitter
        await drain(services)
        clock.advance(timedelta(hours=14))
    async with services.db.read() as session:
        row = await session.get(Subscription, subscription.id)
        assert row is not None
        assert row.disabled_at is not None
        assert "5 days" in (row.disabled_reason or "")


async def test_a_subscription_has_at_most_its_cap_in_flight(
    services: Services, receiver: Receiver
) -> None:
    from order_completion.events.relay import relay_due

    subscription = await subscribe(services, receiver.url)
    async with services.db.transaction() as session:
        row = await session.get(Subscription, subscription.id)
        assert row is not None
        row.max_in_flight = 3
    await open_case(services, product_order())
    await relay_due(services.db, services.clock.now(), DERIVATIONS)
    assert await services.sender.send_due() == 3
    assert await services.sender.send_due() == 3
