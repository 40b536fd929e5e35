"""A bounded fault run: 1,000 events to several receivers on 127.0.0.1 while worker
processes are killed with SIGKILL at random moments and restarted, and receivers answer 500,
time out or say 410. Afterwards nothing is lost for any active subscription, a receiver sees
an event twice only when more than one attempt was made, and every signature verifies with
an independent implementation (the standardwebhooks package).

The retry schedule itself is checked with a controlled clock in
tests/integration/test_delivery.py; here it is shortened so the run ends in bounded time.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import func, select
from standardwebhooks.webhooks import Webhook

from order_completion.bootstrap import Services, build_services
from order_completion.events.catalog import Api
from order_completion.events.deliveries import Delivery
from order_completion.events.handlers import Registered
from order_completion.events.outbox import OutboxBatch
from order_completion.events.subscriptions import Subscription
from tests.conftest import SECRET_KEY, settings_for
from tests.orders import product_order
from tests.receiver import Receiver
from tests.support import open_case, outbox_events

CASES = 100  # ten order-completion events each: 1,000 events
WORKERS = 2
SCHEDULE = "0,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s"


class Flaky(Receiver):
    """Answers 500 or hangs past the timeout on a share of requests, else 200."""

    def __init__(self, *, fail: float = 0.0, hang: float = 0.0, gone: bool = False) -> None:
        super().__init__()
        self.fail, self.hang, self.gone = fail, hang, gone
        self.random = random.Random(7)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            roll = self.random.random()
            if self.gone:
                self.script(410)
            elif roll < self.fail:
                self.script(500)
            elif roll < self.fail + self.hang:
                self.script(200, delay=1.5)
        await super().__call__(scope, receive, send)


@pytest.fixture
async def receivers() -> AsyncIterator[dict[str, Flaky]]:
    running = {
        "steady": Flaky(),
        "failing": Flaky(fail=0.3),
        "slow": Flaky(hang=0.1),
        "gone": Flaky(gone=True),
    }
    for receiver in running.values():
        await receiver.start()
    yield running
    for receiver in running.values():
        await receiver.stop()


def stop_workers(workers: list[subprocess.Popen[bytes]]) -> None:
    """Ask every worker to stop, and kill one that has not within 15 s: a worker left
    running would go on sending into the next tests' database."""
    for worker in workers:
        worker.terminate()
    for worker in workers:
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def start_worker(database_url: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "ORDER_COMPLETION_DATABASE_URL": database_url,
        "ORDER_COMPLETION_CALLBACK_ALLOWLIST": "127.0.0.1",
        "ORDER_COMPLETION_RETRY_SCHEDULE": SCHEDULE,
        "ORDER_COMPLETION_DELIVERY_TIMEOUT_SECONDS": "1",
        "ORDER_COMPLETION_WORKER_POLL_SECONDS": "0.1",
        "ORDER_COMPLETION_LOG_LEVEL": "warning",
        "ORDER_COMPLETION_SECRET_KEYS": SECRET_KEY,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "order_completion", "worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def pending(services: Services) -> int:
    async with services.db.read() as session:
        active = select(Subscription.id).where(Subscription.disabled_at.is_(None))
        count = await session.scalar(
            select(func.count())
            .select_from(Delivery)
            .where(Delivery.status == "pending", Delivery.subscription_id.in_(active))
        )
        unrelayed = await session.scalar(
            select(func.count()).select_from(OutboxBatch).where(OutboxBatch.published_at.is_(None))
        )
        return int(count or 0) + int(unrelayed or 0)


@pytest.mark.postgres
async def test_no_event_is_lost_when_workers_die_and_receivers_misbehave(
    postgres_url: str, empty_postgres: None, receivers: dict[str, Flaky]
) -> None:
    services = build_services(settings_for(postgres_url, callback_allowlist="127.0.0.1"))
    workers: list[subprocess.Popen[bytes]] = []
    try:
        hubs: dict[str, Registered] = {}
        for name, receiver in receivers.items():
            hubs[name] = await services.hubs().register(
                Api.ORDER_COMPLETION, callback=f"{receiver.url}/hook", query=None, style="callback"
            )

        workers += [start_worker(postgres_url) for _ in range(WORKERS)]
        kills = 0
        chaos = random.Random(11)

        async def kill_now_and_then(stop: asyncio.Event) -> None:
            nonlocal kills
            while not stop.is_set():
                await asyncio.sleep(chaos.uniform(0.5, 2.0))
                victim = chaos.randrange(len(workers))
                workers[victim].send_signal(signal.SIGKILL)
                workers[victim].wait()
                kills += 1
                workers[victim] = start_worker(postgres_url)

        stop = asyncio.Event()
        killer = asyncio.create_task(kill_now_and_then(stop))
        for _ in range(CASES):
            await open_case(services, product_order())
            await asyncio.sleep(0.05)
        await asyncio.sleep(3)
        stop.set()
        await killer
        deadline = time.monotonic() + 90
        while await pending(services) and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.5)
        stop_workers(workers)
        assert kills >= 3
        assert await pending(services) == 0, "deliveries left pending after the run"

        event_ids = {
            event["eventId"]
            for event in await outbox_events(services)
            if event["eventType"].startswith("completionCase")
        }
        async with services.db.read() as session:
            rows = await session.execute(
                select(Delivery.subscription_id, Delivery.event_id, Delivery.attempts)
            )
            tries = {(subscription, event): count for subscription, event, count in rows}
            gone = await session.get(Subscription, hubs["gone"].id)
        assert len(event_ids) == CASES * 10
        assert gone is not None
        assert gone.disabled_at is not None

        for name in ("steady", "failing", "slow"):
            received = receivers[name].received
            seen = Counter(request.headers["webhook-id"] for request in received)
            missing = event_ids - {eid for eid, _ in seen.items()}
            assert not missing, f"{name} lost {len(missing)} events"
            verifier = Webhook(hubs[name].secret)
            for request in received:
                verifier.verify(request.body, request.headers)
            for event_id, times in seen.items():
                if times > 1:  # a second copy only after a second attempt was made
                    assert tries[(hubs[name].id, event_id)] >= times
    finally:
        stop_workers(workers)  # never leave one running, whatever failed
        await services.close()
