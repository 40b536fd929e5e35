"""Benchmark: consumer orders end to end (ingest → automatic completion → events recorded),
through the service layer and through HTTP, against the raw insert rate of the very same rows
in the same run."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson
from sqlalchemy import Table, insert, select, text
from sqlalchemy.engine import make_url

from order_completion import migrate
from order_completion.audit import Actor
from order_completion.bench import loopback
from order_completion.bench.measure import Result, run_concurrently
from order_completion.bootstrap import Services, build_services
from order_completion.database import Database
from order_completion.orders.handlers import OpenCase
from order_completion.orders.schemas import ProductOrder
from order_completion.settings import Settings
from order_completion.tables import metadata

BENCH = Actor("bench")
CASES_PATH = "/tmf-api/orderCompletion/v1/completionCase"


def consumer_order(run: str, index: int) -> dict[str, Any]:
    return {
        "id": f"BENCH-{run}-{index}",
        "category": "B2C",
        "state": "completed",
        "productOrderItem": [
            {
                "id": "1",
                "action": "add",
                "productOffering": {"id": "FIBRE-500", "name": "Fibre broadband 500"},
            },
            {"id": "2", "action": "add", "productOffering": {"id": "TV-BASIC", "name": "TV"}},
        ],
        "relatedParty": [{"id": f"CUST-{index}", "name": "Bench Customer", "role": "customer"}],
        "billingAccount": {"id": f"BA-{index}"},
    }


@dataclass
class Target:
    """A database to measure on: a name and a way to make fresh, migrated databases."""

    name: str
    make: Callable[[str], Awaitable[str]]
    drop: Callable[[str], Awaitable[None]]


def sqlite_target(folder: Path) -> Target:
    async def make(label: str) -> str:
        url = f"sqlite:///{folder / f'{label}.db'}"
        await migrate.upgrade_async(url)
        return url

    async def drop(_url: str) -> None:
        return None

    return Target("sqlite", make, drop)


def postgres_target(admin_url: str) -> Target:
    import asyncpg

    dsn = make_url(admin_url).set(drivername="postgresql").render_as_string(hide_password=False)

    async def execute(sql: str) -> None:
        connection = await asyncpg.connect(dsn)
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    async def make(label: str) -> str:
        name = f"order_completion_bench_{label}_{uuid.uuid4().hex[:8]}"
        await execute(f'CREATE DATABASE "{name}"')
        url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
        await migrate.upgrade_async(url)
        return url

    async def drop(url: str) -> None:
        await execute(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')

    return Target("postgresql", make, drop)


@asynccontextmanager
async def fresh_services(target: Target, label: str) -> AsyncIterator[Services]:
    url = await target.make(label)
    services = build_services(Settings(database_url=url))
    try:
        yield services
    finally:
        await services.close()
        await target.drop(url)


async def service_layer(services: Services, database: str, count: int, concurrency: int) -> Result:
    run = uuid.uuid4().hex[:6]

    def job(index: int) -> Callable[[], Awaitable[object]]:
        order = ProductOrder.model_validate(consumer_order(run, index))

        return lambda: services.intake.open_case(services.uow(), OpenCase(order, BENCH))

    return await run_concurrently(
        "service layer", database, [job(i) for i in range(count)], concurrency
    )


async def captured_rows(services: Services) -> dict[str, list[tuple[Table, list[dict[str, Any]]]]]:
    """Every row the run wrote, grouped by case, table by table in insert order."""
    by_case: dict[str, list[tuple[Table, list[dict[str, Any]]]]] = defaultdict(list)
    async with services.db.read() as session:
        for table in metadata.sorted_tables:
            key = "id" if table.name == "completion_case" else "case_id"
            if key not in table.c:
                continue
            rows = (await session.execute(select(table))).mappings().all()
            grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
            for row in rows:
                grouped[str(row[key])].append(dict(row))
            for case_id, case_rows in grouped.items():
                by_case[case_id].append((table, case_rows))
    return by_case


async def raw_inserts(
    target: Target,
    name: str,
    rows: dict[str, list[tuple[Table, list[dict[str, Any]]]]],
    concurrency: int,
) -> Result:
    """Insert the same rows with Core statements, one transaction per case."""
    url = await target.make("raw")
    database = Database(url)
    try:

        def job(
            case_rows: list[tuple[Table, list[dict[str, Any]]]],
        ) -> Callable[[], Awaitable[object]]:
            async def work() -> None:
                async with database.transaction() as session:
                    for table, values in case_rows:
                        await session.execute(insert(table), values)

            return work

        return await run_concurrently(
            "raw insert of the same rows",
            name,
            [job(case_rows) for case_rows in rows.values()],
            concurrency,
        )
    finally:
        await database.dispose()
        await target.drop(url)


def _start_serve(env: dict[str, str], log: Any) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "order_completion", "serve"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def through_http(target: Target, database: str, count: int, concurrency: int) -> Result:
    """POST orders to a real ``serve`` process over loopback, with the lean client of
    ``loopback.py``: the measure is the server's, not the client's."""
    url = await target.make("http")
    port = free_port()
    token = secrets.token_urlsafe(24)  # this run's own admin token, never stored
    env = {
        **os.environ,
        "ORDER_COMPLETION_DATABASE_URL": url,
        "ORDER_COMPLETION_PORT": str(port),
        "ORDER_COMPLETION_LOG_LEVEL": "warning",
        "ORDER_COMPLETION_BOOTSTRAP_TOKEN": token,
    }
    with tempfile.TemporaryFile() as log:
        process = _start_serve(env, log)
        try:
            base = f"http://127.0.0.1:{port}"
            await wait_healthy(base, process)
            run = uuid.uuid4().hex[:6]
            bodies = [orjson.dumps({"productOrder": consumer_order(run, i)}) for i in range(count)]
            headers = {"authorization": f"Bearer {token}", "content-type": "application/json"}
            result, answers = await loopback.post_all(
                base, CASES_PATH, bodies, headers, concurrency, "HTTP (serve process)", database
            )
            refused = [answer.status for answer in answers if answer.status != 201]
            if refused:
                raise RuntimeError(f"{len(refused)} orders refused over HTTP: {refused[:5]}")
            return result
        finally:
            process.terminate()
            await asyncio.to_thread(process.wait, 15)
            await target.drop(url)


async def wait_healthy(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    async with httpx.AsyncClient() as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError("serve exited before it became healthy")
            with contextlib.suppress(httpx.TransportError):
                if (await client.get(f"{base}/health", timeout=1)).status_code == 200:
                    return
            await asyncio.sleep(0.2)
    raise RuntimeError("serve did not become healthy in 30 s")


async def check_completed(services: Services) -> int:
    async with services.db.engine.connect() as connection:
        value = await connection.scalar(
            text("SELECT count(*) FROM completion_case WHERE state = 'completed'")
        )
        return int(value or 0)


async def bench_target(
    target: Target, count: int, concurrency: int, progress: Callable[[str], None]
) -> list[Result]:
    """Service layer, then raw inserts of its rows, then HTTP; all on fresh databases."""
    progress(f"{target.name}: service layer, {count} orders")
    async with fresh_services(target, "service") as services:
        service = await service_layer(services, target.name, count, concurrency)
        completed = await check_completed(services)
        if completed != count:
            raise RuntimeError(f"only {completed} of {count} cases completed")
        rows = await captured_rows(services)
    progress(f"{target.name}: raw inserts of the same rows")
    raw = await raw_inserts(target, target.name, rows, concurrency)
    progress(f"{target.name}: HTTP, {count} orders")
    http = await through_http(target, target.name, count, concurrency)
    return [service, http, raw]


async def server_version(admin_url: str) -> str:
    import asyncpg

    dsn = make_url(admin_url).set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(dsn, timeout=5)
    try:
        return str(await connection.fetchval("SHOW server_version"))
    finally:
        await connection.close()
