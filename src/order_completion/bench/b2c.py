"""Benchmark: consumer orders end to end (ingest → automatic completion → events recorded),
through the service layer and through HTTP, against the raw insert rate of the very same rows
in the same run; and the rows and bytes a case costs, written and at rest."""

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
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
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
from order_completion.bench import footprint, loopback, raw
from order_completion.bench.footprint import Footprint
from order_completion.bench.measure import Result, run_concurrently
from order_completion.bench.report import Grid
from order_completion.bench.summary import Figure, Goal
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
        await migrate.upgrade_async(Settings(database_url=url))
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
        await migrate.upgrade_async(Settings(database_url=url))
        return url

    async def drop(url: str) -> None:
        await execute(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')

    return Target("postgresql", make, drop)


@asynccontextmanager
async def fresh_database(target: Target, label: str) -> AsyncIterator[str]:
    """A fresh, migrated database's URL; dropped on the way out."""
    url = await target.make(label)
    try:
        yield url
    finally:
        await target.drop(url)


@asynccontextmanager
async def fresh_services(target: Target, label: str) -> AsyncIterator[Services]:
    async with fresh_database(target, label) as url:
        services = build_services(Settings(database_url=url))
        try:
            yield services
        finally:
            await services.close()


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


def start_command(
    arguments: Sequence[str], env: dict[str, str], log: Any
) -> subprocess.Popen[bytes]:
    """``order-completion ARGUMENTS`` as a user runs it, its output into ``log``."""
    return subprocess.Popen(
        [sys.executable, "-m", "order_completion", *arguments],
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
        process = start_command(["serve"], env, log)
        try:
            base = f"http://127.0.0.1:{port}"
            await wait_healthy(base, process)
            bodies = order_bodies(count)
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


def order_bodies(count: int) -> list[bytes]:
    """``count`` consumer orders of a run of their own, as a client POSTs them."""
    run = uuid.uuid4().hex[:6]
    return [orjson.dumps({"productOrder": consumer_order(run, i)}) for i in range(count)]


async def wait_healthy(
    base: str, process: subprocess.Popen[bytes], path: str = "/health", name: str = "serve"
) -> None:
    """Wait until the server started as ``process`` answers 200 at ``path`` (30 s)."""
    deadline = time.monotonic() + 30
    async with httpx.AsyncClient() as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited before it answered")
            with contextlib.suppress(httpx.TransportError):
                if (await client.get(f"{base}{path}", timeout=1)).status_code == 200:
                    return
            await asyncio.sleep(0.2)
    raise RuntimeError(f"{name} did not answer in 30 s")


async def check_completed(services: Services) -> int:
    async with services.db.engine.connect() as connection:
        value = await connection.scalar(
            text("SELECT count(*) FROM completion_case WHERE state = 'completed'")
        )
        return int(value or 0)


@dataclass(frozen=True)
class OrdersRun:
    """The timed paths of one database, and what a case costs it (through the service
    and through the raw inserts of the same rows)."""

    results: list[Result]
    footprint: Footprint
    raw_footprint: Footprint


async def bench_target(
    target: Target, count: int, concurrency: int, progress: Callable[[str], None]
) -> OrdersRun:
    """Service layer (measuring the rows and bytes it leaves), then raw inserts of its rows,
    then HTTP; all on fresh databases."""
    progress(f"{target.name}: service layer, {count} orders")
    url = await target.make("service")
    try:
        (service, rows, stored), used = await footprint.measure(
            url, count, lambda: _service_run(url, target.name, count, concurrency)
        )
    finally:
        await target.drop(url)
    progress(f"{target.name}: raw inserts of the same rows")
    core = await raw_inserts(target, target.name, rows, concurrency)
    lean, raw_used = await lean_limits(target, stored, concurrency)
    progress(f"{target.name}: HTTP, {count} orders")
    http = await through_http(target, target.name, count, concurrency)
    return OrdersRun([service, http, core, *lean], used, raw_used)


async def _service_run(
    url: str, database: str, count: int, concurrency: int
) -> tuple[Result, dict[str, list[tuple[Table, list[dict[str, Any]]]]], list[raw.CaseRows]]:
    """The timed run, then the rows it wrote, both as SQLAlchemy reads them and as stored."""
    services = build_services(Settings(database_url=url))
    try:
        service = await service_layer(services, database, count, concurrency)
        completed = await check_completed(services)
        if completed != count:
            raise RuntimeError(f"only {completed} of {count} cases completed")
        rows = await captured_rows(services)
    finally:
        await services.close()
    return service, rows, await raw.capture(url)


async def lean_limits(
    target: Target, cases: list[raw.CaseRows], concurrency: int
) -> tuple[list[Result], Footprint]:
    """The raw limits of these rows, one case and then 100 cases per transaction, each on
    a fresh database; and what the rows cost that database inserted in batches."""
    url = await target.make("lean1")
    try:
        one = await raw.insert(url, cases, 1, concurrency, target.name)
    finally:
        await target.drop(url)
    url = await target.make("lean100")
    try:
        batched, used = await footprint.measure(
            url,
            len(cases),
            lambda: raw.insert(url, cases, raw.BATCH_CASES, concurrency, target.name),
        )
    finally:
        await target.drop(url)
    return [one, batched], used


# Targets of the design brief, cases per second.
THROUGH_HANDLERS = {"sqlite": 1_000.0, "postgresql": 500.0}
OVER_HTTP = {"sqlite": 500.0}
MAX_ROWS_PER_CASE = 10.0
MAX_KB_AT_REST = 5.0


def raw_limit(results: list[Result]) -> Result:
    """The fastest of the raw limits among ``results``: the ceiling the figures face."""
    return max((r for r in results if r.label.endswith(raw.LIMIT)), key=lambda r: r.rate)


def figures(run: OrdersRun, database: str) -> list[Figure]:
    service, http = run.results[0], run.results[1]
    limit = raw_limit(run.results)
    source = limit.label.removesuffix(raw.LIMIT)
    at_rest = f"same rows, {source}"
    goal = THROUGH_HANDLERS.get(database)
    over_http = OVER_HTTP.get(database)
    return [
        Figure(
            "B2C orders through the handlers",
            database,
            service.rate,
            "/s",
            Goal.at_least(goal) if goal else None,
            limit.rate,
            source,
        ),
        Figure(
            "B2C orders over HTTP",
            database,
            http.rate,
            "/s",
            Goal.at_least(over_http) if over_http else None,
            limit.rate,
            source,
        ),
        Figure(
            "rows written per B2C case",
            database,
            run.footprint.rows_per_case,
            goal=Goal.no_more_than(MAX_ROWS_PER_CASE),
            decimals=1,
        ),
        Figure(
            "KB written per B2C case",
            database,
            run.footprint.written_bytes_per_case / 1000,
            " KB",
            raw=run.raw_footprint.written_bytes_per_case / 1000,
            raw_source=at_rest,
            decimals=2,
        ),
        Figure(
            "KB at rest per completed B2C case",
            database,
            run.footprint.at_rest_bytes_per_case / 1000,
            " KB",
            Goal.no_more_than(MAX_KB_AT_REST),
            run.raw_footprint.at_rest_bytes_per_case / 1000,
            at_rest,
            decimals=2,
        ),
    ]


FOOTPRINT_TITLE = (
    "Rows and bytes per B2C case (written; at rest once its events are past retention)"
)
FOOTPRINT_HEADERS = ("database", "table", "rows", "bytes written", "bytes at rest", "of which rows")


def footprint_grid(run: OrdersRun, database: str) -> Grid:
    """Each table's share of a case, then the whole database's, then the raw inserts'; the
    last column is the bytes of the rows themselves, where the database tells them."""

    def line(
        name: str, rows: float, written: float, at_rest: float, payload: float | None
    ) -> list[str]:
        kept = "—" if payload is None else f"{payload:,.0f}"
        return [database, name, f"{rows:.1f}", f"{written:,.0f}", f"{at_rest:,.0f}", kept]

    lines = [
        line(
            share.table,
            share.rows,
            share.written_bytes,
            share.at_rest_bytes,
            share.at_rest_payload,
        )
        for share in run.footprint.by_table()
    ]
    for name, used in (("whole database", run.footprint), ("raw inserts", run.raw_footprint)):
        lines.append(
            line(
                name,
                used.rows_per_case,
                used.written_bytes_per_case,
                used.at_rest_bytes_per_case,
                used.at_rest_payload_per_case,
            )
        )
    return Grid(FOOTPRINT_TITLE, FOOTPRINT_HEADERS, lines)


async def server_version(admin_url: str) -> str:
    import asyncpg

    dsn = make_url(admin_url).set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(dsn, timeout=5)
    try:
        return str(await connection.fetchval("SHOW server_version"))
    finally:
        await connection.close()
