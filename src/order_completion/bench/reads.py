"""Benchmark: reads at scale. Seeds N completion cases straight into the case tables (clones
of cases the real handlers opened, written with the driver: ``seeding.py``), then drives the
GET routes of a real ``serve`` process with many concurrent connections, beside a minimal
app that answers a constant body of the same size under the same server and the same
client, measured in the same run.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import random
import secrets
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI, Request, Response

from order_completion.audit import Actor
from order_completion.bench import footprint, raw, seeding
from order_completion.bench.b2c import (
    Target,
    consumer_order,
    free_port,
    fresh_services,
    wait_healthy,
)
from order_completion.bench.cpu import cpu_seconds
from order_completion.bench.measure import Result, run_concurrently
from order_completion.bench.report import is_baseline
from order_completion.bench.seeding import Progress
from order_completion.bench.summary import Figure, Goal
from order_completion.cases.representation import API_BASE
from order_completion.orders.handlers import OpenCase
from order_completion.orders.schemas import ProductOrder

SEEDER = Actor("bench-reads")
# The tables a case is read from; timers and outbox rows are left out, so that nothing but
# the bench's own requests runs while it measures.
CASE_TABLES = ("completion_case", "case_step", "case_order_item", "case_history")
CASES_PER_CUSTOMER = 5
SPACING = timedelta(seconds=30)  # between the creation of two seeded cases
BODY_FILE = "ORDER_COMPLETION_BENCH_BODY_FILE"


def case_id(index: int) -> str:
    """The id of the ``index``-th seeded case: computed, so no list of a million is kept."""
    return str(uuid.UUID(int=(0xBE << 120) | index))


def customer_id(index: int) -> str:
    return f"READS-CUST-{index // CASES_PER_CUSTOMER}"


def template_order(index: int, category: str) -> dict[str, Any]:
    """The order of the ``index``-th template case, known by ids no other text contains."""
    order = consumer_order("template", index)
    customer = f"TEMPLATE-CUSTOMER-{index}"
    order.update(id=f"TEMPLATE-ORDER-{index}", category=category)
    order["relatedParty"] = [{**order["relatedParty"][0], "id": customer}]
    return order


async def template_cases(target: Target) -> list[seeding.Template]:
    """Cases the real handlers opened, as stored: three consumer orders (completed on the
    spot) and one business order (still active, its steps waiting)."""
    orders: list[tuple[dict[str, Any], str | None]] = [
        (template_order(i, "B2C"), None) for i in range(3)
    ]
    orders.append((template_order(3, "B2B"), "business-managed"))
    async with fresh_services(target, "template") as services:
        for order, policy in orders:
            command = OpenCase.by_operator(ProductOrder.model_validate(order), SEEDER, policy)
            await services.intake.open_case(services.uow(), command)
        stored = await raw.capture(services.settings.database_url)
    return [
        seeding.compile_template([part for part in case if part.table in CASE_TABLES])
        for case in stored
    ]


def identities(count: int) -> Callable[[int], seeding.Identity]:
    """Who the ``i``-th of ``count`` seeded cases is: its ids, its order, its customer (five
    cases each), and its creation, 30 s after the one before, the last one now."""
    first = datetime.now(UTC).replace(tzinfo=None) - SPACING * count

    def identity(index: int) -> seeding.Identity:
        return seeding.Identity(
            case_id(index), f"READS-{index}", customer_id(index), first + SPACING * index
        )

    return identity


async def seed(
    url: str, templates: Sequence[seeding.Template], count: int, progress: Progress
) -> None:
    """Insert ``count`` clones of ``templates``, newest last."""
    await seeding.seed(url, templates, identities(count), count, progress)


@dataclass(frozen=True)
class Scenario:
    """One kind of request, and the path of its ``n``-th request."""

    label: str
    path: Callable[[random.Random], str]


def one_case(count: int) -> Scenario:
    """GET one of ``count`` seeded cases, drawn at random."""
    return Scenario(
        "GET one case", lambda r: f"{API_BASE}/completionCase/{case_id(r.randrange(count))}"
    )


def scenarios(count: int) -> list[Scenario]:
    cases = f"{API_BASE}/completionCase"
    customers = max(count // CASES_PER_CUSTOMER, 1)
    return [
        one_case(count),
        Scenario(
            "GET history page (limit 20)",
            lambda r: f"{cases}/{case_id(r.randrange(count))}/history?limit=20",
        ),
        Scenario(
            "list state + relatedParty.id (limit 20, counted)",
            lambda r: (
                f"{cases}?state=completed&relatedParty.id=READS-CUST-{r.randrange(customers)}"
                "&limit=20"
            ),
        ),
        Scenario(
            "list state=active (limit 20, counted)", lambda _r: f"{cases}?state=active&limit=20"
        ),
        Scenario("list unfiltered (limit 20, counted)", lambda _r: f"{cases}?limit=20"),
    ]


def baseline_app() -> FastAPI:
    """A minimal FastAPI app answering a constant body (the bytes of one real case, or of
    the answer to a new order): to a GET with 200, to a POST with 201 once it has read the
    request's body, as the service reads an order."""
    body = Path(os.environ[BODY_FILE]).read_bytes()
    app = FastAPI()

    @app.get("/baseline")
    async def constant() -> Response:
        return Response(body, media_type="application/json")

    @app.post("/baseline")
    async def accepted(request: Request) -> Response:
        await request.body()
        return Response(body, status_code=201, media_type="application/json")

    return app


def rss_megabytes(pid: int) -> tuple[float, float]:
    """Resident memory of a process now and at its peak, in MB (Linux)."""
    status = Path(f"/proc/{pid}/status").read_text().splitlines()
    fields = {line.split(":")[0]: line.split()[1] for line in status if line.startswith("Vm")}
    return int(fields.get("VmRSS", 0)) / 1024, int(fields.get("VmHWM", 0)) / 1024


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    base: str


def start(command: list[str], env: dict[str, str], log: Any) -> Server:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", *command, "--port", str(port)],
        env={**env, "ORDER_COMPLETION_PORT": str(port)},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    return Server(process, f"http://127.0.0.1:{port}")


async def stop(server: Server) -> None:
    server.process.terminate()
    await asyncio.to_thread(server.process.wait, 15)


async def drive(
    server: Server,
    path: Callable[[random.Random], str],
    *,
    label: str,
    database: str,
    requests: int,
    connections: int,
    headers: dict[str, str] | None = None,
) -> Result:
    """``requests`` GETs over ``connections`` keep-alive connections, after a warm-up that
    opens every connection; any answer but 200 stops the run."""
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    chosen = random.Random(7)
    async with httpx.AsyncClient(
        base_url=server.base, limits=limits, headers=headers, timeout=30
    ) as client:

        def job(target: str) -> Callable[[], Awaitable[object]]:
            async def get() -> None:
                try:
                    response = await client.get(target)
                except (httpx.RemoteProtocolError, httpx.ReadError):
                    # The server closed a keep-alive connection that sat idle past its
                    # timeout while this client, starved of CPU, came back to it: the usual
                    # race of keep-alive, not an answer. Ask once more.
                    response = await client.get(target)
                if response.status_code != 200:
                    raise RuntimeError(f"GET {target}: {response.status_code} {response.text}")

            return get

        warm_up = [job(path(chosen)) for _ in range(connections * 4)]
        await run_concurrently("warm-up", database, warm_up, connections)
        jobs = [job(path(chosen)) for _ in range(requests)]
        cpu_before = cpu_seconds(server.process.pid)
        result = await run_concurrently(label, database, jobs, connections)
        cpu_ms = (cpu_seconds(server.process.pid) - cpu_before) * 1000 / requests
        return dataclasses.replace(result, server_cpu_ms=cpu_ms)


def environment(url: str, token: str) -> dict[str, str]:
    return {
        **os.environ,
        "ORDER_COMPLETION_DATABASE_URL": url,
        "ORDER_COMPLETION_LOG_LEVEL": "warning",
        "ORDER_COMPLETION_BOOTSTRAP_TOKEN": token,
    }


@dataclass(frozen=True)
class ReadsRun:
    """What one database measured, the serve process's memory after it, how long seeding
    took and what the seeded database takes on disk."""

    results: list[Result]
    rss_mb: float
    peak_rss_mb: float
    seed_seconds: float
    database_mb: float


async def bench_target(
    target: Target,
    scale: int,
    connections: int,
    requests: int,
    progress: Progress,
) -> ReadsRun:
    """Seed ``scale`` cases, then measure the baseline and each read against ``serve``."""
    progress(f"{target.name}: template cases through the real handlers")
    templates = await template_cases(target)
    url = await target.make("reads")
    try:
        progress(f"{target.name}: seeding {scale:,} cases")
        began = time.perf_counter()
        await seed(url, templates, scale, lambda line: progress(f"{target.name}: {line}"))
        seed_seconds = time.perf_counter() - began
        size = await footprint.bytes_on_disk(url) / 1e6
        progress(f"{target.name}: seeded in {seed_seconds:.0f} s ({size:,.0f} MB); measuring")
        results, rss, peak = await _measure(target.name, url, scale, connections, requests)
        return ReadsRun(results, rss, peak, seed_seconds, size)
    finally:
        await target.drop(url)


async def _measure(
    database: str, url: str, scale: int, connections: int, requests: int
) -> tuple[list[Result], float, float]:
    """Each read against ``serve``, after the baseline; the results and serve's memory
    (now and at its peak, MB)."""
    token = secrets.token_urlsafe(24)  # this run's own admin token, never stored
    env = environment(url, token)
    auth = {"Authorization": f"Bearer {token}"}
    with tempfile.TemporaryDirectory() as folder, (Path(folder) / "serve.log").open("wb") as log:
        serve = start(["order_completion", "serve", "--no-worker"], env, log)
        try:
            await wait_healthy(serve.base, serve.process)
            body = await _one_case_body(serve, auth)
            results = [
                await _baseline(body, Path(folder), env, log, database, requests, connections)
            ]
            for scenario in scenarios(scale):
                results.append(
                    await drive(
                        serve,
                        scenario.path,
                        label=scenario.label,
                        database=database,
                        requests=requests,
                        connections=connections,
                        headers=auth,
                    )
                )
            rss, peak = rss_megabytes(serve.process.pid)
        finally:
            await stop(serve)
    return results, rss, peak


async def _one_case_body(serve: Server, auth: dict[str, str]) -> bytes:
    async with httpx.AsyncClient(base_url=serve.base, headers=auth) as client:
        response = await client.get(f"{API_BASE}/completionCase/{case_id(0)}")
        response.raise_for_status()
        return response.content


async def _baseline(
    body: bytes,
    folder: Path,
    env: dict[str, str],
    log: Any,
    database: str,
    requests: int,
    connections: int,
) -> Result:
    """The constant body from a minimal app, under the same uvicorn and the same client."""
    server = await start_baseline(body, folder, env, log)
    try:
        return await drive(
            server,
            lambda _r: "/baseline",
            label=f"constant {len(body):,} B, minimal app (baseline)",
            database=database,
            requests=requests,
            connections=connections,
        )
    finally:
        await stop(server)


async def start_baseline(
    body: bytes, folder: Path, env: dict[str, str], log: Any, workers: int = 1
) -> Server:
    """``baseline_app`` answering ``body`` under uvicorn with ``workers`` processes, as
    ``serve`` runs the service; once it answers. Stop it with ``stop``."""
    body_file = folder / f"body-{uuid.uuid4().hex[:8]}.json"
    body_file.write_bytes(body)
    command = ["uvicorn", f"{__name__}:baseline_app", "--factory", "--log-level", "warning"]
    command += ["--no-access-log", "--workers", str(workers)]
    server = start(command, {**env, BODY_FILE: str(body_file)}, log)
    try:
        await wait_healthy(server.base, server.process, "/baseline", "the baseline app")
    except BaseException:
        await stop(server)
        raise
    return server


# The targets of reads, stated for 1,000,000 cases (docs/benchmarks.md).
ONE_CASE_RATE = 2_000.0
ONE_CASE_P95_MS = 20.0
NARROW_LIST_P95_MS = 50.0
SERVE_RSS_MB = 150.0


def figures(run: ReadsRun, database: str, scale: int) -> list[Figure]:
    """One case (rate and p95) and the narrow list (p95) beside the minimal app of the same
    run, and serve's peak memory, each against its target."""
    by_label = {result.label: result for result in run.results}
    baseline = next(result for result in run.results if is_baseline(result))
    one = by_label["GET one case"]
    narrow = next(r for r in run.results if r.label.startswith("list state + relatedParty.id"))
    minimal = "minimal app"
    return [
        Figure(
            "GET one case",
            database,
            one.rate,
            "/s",
            Goal.at_least(ONE_CASE_RATE),
            baseline.rate,
            minimal,
        ),
        Figure(
            "GET one case, p95",
            database,
            one.percentile(0.95),
            " ms",
            Goal.no_more_than(ONE_CASE_P95_MS),
            baseline.percentile(0.95),
            minimal,
            decimals=1,
        ),
        Figure(
            "list state + relatedParty.id (limit 20, counted), p95",
            database,
            narrow.percentile(0.95),
            " ms",
            Goal.no_more_than(NARROW_LIST_P95_MS),
            baseline.percentile(0.95),
            minimal,
            decimals=1,
        ),
        Figure(
            f"serve peak RSS over {scale:,} cases",
            database,
            run.peak_rss_mb,
            " MB",
            Goal.no_more_than(SERVE_RSS_MB),
        ),
    ]


def memory_notes(runs: dict[str, ReadsRun]) -> Iterator[str]:
    for database, run in runs.items():
        yield (
            f"{database}: serve RSS {run.rss_mb:.0f} MB after the run (peak {run.peak_rss_mb:.0f}"
            f" MB); seeding took {run.seed_seconds:.0f} s; the database takes"
            f" {run.database_mb:,.0f} MB on disk"
        )
