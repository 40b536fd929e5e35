"""Benchmark: webhook delivery by the worker's continuous sender, each figure beside a
baseline from the same run. The receivers run in their own processes.

- one subscription: its backlog sent, in deliveries per second, beside plain POSTs with the
  sender's own HTTP client to the same receiver, as many in flight as the subscription's cap;
- nine subscriptions: their backlog sent alone, then again beside a tenth subscription whose
  receiver hangs until the timeout; the second against the first says what the hanging
  receiver costs the others;
- commit → first attempt: cases opened at a steady rate while the worker runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Collection
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
from sqlalchemy import func, select

from order_completion.bench.b2c import BENCH, Target, consumer_order
from order_completion.bench.measure import NOT_COMPARED, Result, run_concurrently
from order_completion.bootstrap import DERIVATIONS, Services, build_services
from order_completion.events.catalog import Api
from order_completion.events.deliveries import Delivery, DeliveryAttempt
from order_completion.events.outbox import OutboxBatch
from order_completion.events.relay import relay_all
from order_completion.orders.handlers import OpenCase
from order_completion.orders.schemas import ProductOrder
from order_completion.settings import Settings

ONE = "deliveries (backlog drained), 1 subscription"
NINE = "deliveries (backlog drained), 9 subscriptions"
NINE_AND_HANGING = "deliveries (backlog drained), 9 subscriptions + 1 hanging receiver"
PLAIN = "plain POSTs to the receiver (baseline), 10 in flight"
HEALTHY = 9
CAP = 10  # a subscription's in-flight cap, as registered


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start_receiver(port: int, *, hang: bool = False) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "order_completion.bench.receiver", str(port)]
        + (["--hang"] if hang else []),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def _wait_for(port: int) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return
        except OSError:
            await asyncio.sleep(0.1)
    raise RuntimeError("the benchmark receiver did not start")


@dataclass(frozen=True)
class Receivers:
    answering: str
    hanging: str


@asynccontextmanager
async def receivers() -> AsyncIterator[Receivers]:
    """One receiver that answers at once and one that never answers, each in its process."""
    ports = (_free_port(), _free_port())
    processes = [start_receiver(ports[0]), start_receiver(ports[1], hang=True)]
    try:
        for port in ports:
            await _wait_for(port)
        yield Receivers(*(f"http://127.0.0.1:{port}/hook" for port in ports))
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


@asynccontextmanager
async def fresh(target: Target, label: str) -> AsyncIterator[Services]:
    url = await target.make(f"delivery_{label}")
    services = build_services(Settings(database_url=url, callback_allowlist="127.0.0.1"))
    try:
        yield services
    finally:
        await services.close()
        await target.drop(url)


async def _subscribe(services: Services, callback: str, count: int) -> list[str]:
    hubs = services.hubs()
    return [
        (
            await hubs.register(
                Api.ORDER_COMPLETION, callback=f"{callback}/{index}", query=None, style="callback"
            )
        ).id
        for index in range(count)
    ]


async def _open_cases(services: Services, count: int) -> None:
    run = uuid.uuid4().hex[:6]
    for index in range(count):
        order = ProductOrder.model_validate(consumer_order(run, index))
        await services.intake.open_case(services.uow(), OpenCase.by_operator(order, BENCH))


async def _pending(services: Services, owners: Collection[str] | None = None) -> int:
    query = select(func.count()).select_from(Delivery).where(Delivery.status == "pending")
    if owners is not None:
        query = query.where(Delivery.subscription_id.in_(owners))
    async with services.db.read() as session:
        return int(await session.scalar(query) or 0)


async def send_backlog(services: Services, owners: Collection[str]) -> tuple[int, float]:
    """Every event is relayed first; then the worker runs until no delivery of ``owners`` is
    pending: how many there were, and the seconds that took. Whatever else is in flight
    then (a hanging receiver's attempts) is abandoned to its lease."""
    await relay_all(services.db, services.clock.now(), DERIVATIONS)
    count = await _pending(services, owners)
    started = time.perf_counter()
    worker = asyncio.create_task(services.worker.run(asyncio.Event()))
    while await _pending(services, owners):  # noqa: ASYNC110
        await asyncio.sleep(0.02)
    elapsed = time.perf_counter() - started
    worker.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await worker
    return count, elapsed


async def one_subscription(
    target: Target, receiver: str, cases: int, progress: Callable[[str], None]
) -> list[Result]:
    """One subscription's backlog, then plain POSTs with the same client to the same
    receiver, as many in flight as the subscription may have."""
    async with fresh(target, "one") as services:
        progress(f"{target.name}: deliveries, 1 subscription")
        owners = await _subscribe(services, receiver, 1)
        await _open_cases(services, cases)
        count, seconds = await send_backlog(services, owners)
        sent = Result(ONE, target.name, count, seconds, [])
        progress(f"{target.name}: plain POSTs")
        client = services.sender.clients.of(owners[0])  # the one its deliveries went through
        plain = await plain_posts(client, f"{receiver}/0", count, CAP, target.name)
        return [sent, plain]


async def nine_subscriptions(
    target: Target, found: Receivers, cases: int, progress: Callable[[str], None]
) -> list[Result]:
    """Nine subscriptions' backlog alone, then again beside one whose receiver hangs."""
    results = []
    for label, hanging in ((NINE, False), (NINE_AND_HANGING, True)):
        async with fresh(target, "hanging" if hanging else "nine") as services:
            progress(f"{target.name}: {label}")
            owners = await _subscribe(services, found.answering, HEALTHY)
            if hanging:
                await _subscribe(services, found.hanging, 1)
            await _open_cases(services, cases)
            count, seconds = await send_backlog(services, owners)
            results.append(
                Result(label, target.name, count, seconds, [], NINE if hanging else None)
            )
    return results


async def latency(
    target: Target, receiver: str, cases: int, rate: float, progress: Callable[[str], None]
) -> Result:
    """Events committed at ``rate`` cases/s while the worker runs: commit → first attempt."""
    async with fresh(target, "latency") as services:
        progress(f"{target.name}: commit → first attempt")
        await _subscribe(services, receiver, 1)
        stop = asyncio.Event()
        services.worker.poll_seconds = 0.05  # the relay's poll; the relay wakes the sender
        worker = asyncio.create_task(services.worker.run(stop))
        started = time.perf_counter()
        for index in range(cases):
            await _open_cases(services, 1)
            await asyncio.sleep(max(0.0, started + (index + 1) / rate - time.perf_counter()))
        while not await _attempted(services) or await _pending(services):  # noqa: ASYNC110
            await asyncio.sleep(0.1)
        stop.set()
        await worker
        waits = await _first_attempt_waits(services)
        return Result(
            f"commit → first attempt at {rate:g} cases/s",
            target.name,
            len(waits),
            time.perf_counter() - started,
            waits,
            NOT_COMPARED,
        )


async def _attempted(services: Services) -> bool:
    async with services.db.read() as session:
        return bool(await session.scalar(select(func.count()).select_from(DeliveryAttempt)))


async def _first_attempt_waits(services: Services) -> list[float]:
    async with services.db.read() as session:
        rows = (
            await session.execute(
                select(OutboxBatch.event_time, func.min(DeliveryAttempt.started_at))
                .join(Delivery, Delivery.batch_id == OutboxBatch.id)
                .join(DeliveryAttempt, DeliveryAttempt.delivery_id == Delivery.id)
                .group_by(Delivery.event_id, OutboxBatch.event_time)
            )
        ).all()
    return [(first - committed).total_seconds() for committed, first in rows]


async def plain_posts(
    client: httpx.AsyncClient, url: str, count: int, concurrency: int, name: str
) -> Result:
    def job() -> Callable[[], Awaitable[object]]:
        return lambda: client.post(
            url, content=b'{"eventId":"x"}', headers={"content-type": "application/json"}
        )

    return await run_concurrently(PLAIN, name, [job() for _ in range(count)], concurrency)


async def bench_target(target: Target, cases: int, progress: Callable[[str], None]) -> list[Result]:
    async with receivers() as found:
        results = await one_subscription(target, found.answering, cases, progress)
        results += await nine_subscriptions(target, found, max(cases // 5, 2), progress)
        results.append(await latency(target, found.answering, max(cases // 5, 20), 5.0, progress))
    return results
