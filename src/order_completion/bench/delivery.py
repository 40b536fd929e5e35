"""Benchmark: deliveries per second to a local receiver, and the time from an event's
commit to its first delivery attempt, beside the receiver's own capacity (plain POSTs)."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable

import httpx
from sqlalchemy import func, select

from order_completion.bench.b2c import BENCH, Target, consumer_order
from order_completion.bench.measure import Result, run_concurrently
from order_completion.bootstrap import Services, build_services
from order_completion.events.catalog import Api
from order_completion.events.deliveries import Delivery, DeliveryAttempt
from order_completion.events.handlers import HubCommands
from order_completion.events.outbox import OutboxBatch
from order_completion.orders.handlers import OpenCase
from order_completion.orders.schemas import ProductOrder
from order_completion.settings import Settings


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start_receiver(port: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "order_completion.bench.receiver", str(port)],
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


async def _open_cases(services: Services, count: int) -> None:
    run = uuid.uuid4().hex[:6]
    for index in range(count):
        order = ProductOrder.model_validate(consumer_order(run, index))

        await services.intake.open_case(services.uow(), OpenCase(order, BENCH))


async def _count(services: Services, model: type[Delivery]) -> int:
    async with services.db.read() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def backlog(services: Services, cases: int, name: str) -> Result:
    """All events committed first, then the worker drains them: deliveries per second."""
    await _open_cases(services, cases)
    started = time.perf_counter()
    while True:
        if await services.worker.run_once() == 0:
            break
    elapsed = time.perf_counter() - started
    return Result(
        "deliveries (backlog drained)", name, await _count(services, Delivery), elapsed, []
    )


async def latency(services: Services, cases: int, rate: float, name: str) -> Result:
    """Events committed at ``rate`` cases/s while the worker runs: commit → first attempt."""
    stop = asyncio.Event()
    services.worker.poll_seconds = 0.05
    worker = asyncio.create_task(services.worker.run(stop))
    started = time.perf_counter()
    for index in range(cases):
        await _open_cases(services, 1)
        await asyncio.sleep(max(0.0, started + (index + 1) / rate - time.perf_counter()))
    while await _count(services, Delivery) == 0 or await _pending(services):  # noqa: ASYNC110
        await asyncio.sleep(0.1)
    stop.set()
    await worker
    async with services.db.read() as session:
        rows = (
            await session.execute(
                select(OutboxBatch.event_time, func.min(DeliveryAttempt.started_at))
                .join(Delivery, Delivery.batch_id == OutboxBatch.id)
                .join(DeliveryAttempt, DeliveryAttempt.delivery_id == Delivery.id)
                .group_by(Delivery.event_id, OutboxBatch.event_time)
            )
        ).all()
    waits = [(first - committed).total_seconds() for committed, first in rows]
    return Result(
        f"commit → first attempt at {rate:g} cases/s",
        name,
        len(waits),
        time.perf_counter() - started,
        waits,
    )


async def _pending(services: Services) -> bool:
    async with services.db.read() as session:
        count = await session.scalar(
            select(func.count()).select_from(Delivery).where(Delivery.status == "pending")
        )
        return bool(count)


async def plain_posts(url: str, count: int, concurrency: int, name: str) -> Result:
    async with httpx.AsyncClient() as client:

        def job() -> Callable[[], Awaitable[object]]:
            return lambda: client.post(
                url, content=b'{"eventId":"x"}', headers={"content-type": "application/json"}
            )

        return await run_concurrently(
            "plain POSTs to the receiver (baseline)",
            name,
            [job() for _ in range(count)],
            concurrency,
        )


async def bench_target(target: Target, cases: int, progress: Callable[[str], None]) -> list[Result]:
    port = _free_port()
    receiver = start_receiver(port)
    results: list[Result] = []
    try:
        await _wait_for(port)
        for label, run in (("backlog", "backlog"), ("latency", "latency")):
            url = await target.make(f"delivery_{label}")
            services = build_services(Settings(database_url=url, callback_allowlist="127.0.0.1"))
            try:
                await HubCommands(services.db, services.clock).register(
                    Api.ORDER_COMPLETION,
                    callback=f"http://127.0.0.1:{port}/hook",
                    query=None,
                    style="callback",
                )
                progress(f"{target.name}: deliveries, {run}")
                if run == "backlog":
                    results.append(await backlog(services, cases, target.name))
                else:
                    results.append(await latency(services, max(cases // 5, 20), 5.0, target.name))
            finally:
                await services.close()
                await target.drop(url)
        progress(f"{target.name}: plain POSTs")
        results.append(
            await plain_posts(f"http://127.0.0.1:{port}/hook", cases * 10, 10, target.name)
        )
    finally:
        receiver.terminate()
        receiver.wait(timeout=10)
    return results
