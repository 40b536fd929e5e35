"""Benchmark: TMF622 ``productOrderStateChangeEvent``s POSTed to a real ``serve`` process
over loopback on 32 connections, each opening a consumer case that completes at once; then
a share of them sent again, which must have no second effect; beside a minimal ASGI app
answering 201 under the same uvicorn, with the same client (``loopback.py``) and the same
bodies."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import IO

import orjson

from order_completion.auth.handlers import TokenCommands
from order_completion.bench import loopback, plain
from order_completion.bench.b2c import Target, consumer_order, free_port, wait_healthy
from order_completion.bench.loopback import Answer
from order_completion.bench.measure import Result
from order_completion.bench.summary import Figure, Goal
from order_completion.clock import SystemClock
from order_completion.database import Database

LISTENER = "/tmf-api/orderCompletion/v1/listener/productOrderStateChangeEvent"
CONNECTIONS = 32
# One event in this many is sent a second time.
DUPLICATE_EVERY = 10
TARGET_PER_SECOND = 1_000.0
BASELINE = "minimal ASGI app answering 201 (baseline)"


@dataclass(frozen=True)
class InboundRun:
    """The timed paths, and how many repeated events had an effect all the same."""

    results: list[Result]
    second_effects: int


def order_event(run: str, index: int) -> bytes:
    """An event saying a consumer order is completed: it opens a case."""
    return orjson.dumps(
        {
            "eventId": f"EV-{run}-{index}",
            "eventTime": "2026-11-27T10:00:00Z",
            "eventType": "productOrderStateChangeEvent",
            "event": {"productOrder": consumer_order(run, index)},
        }
    )


async def post_all(
    base: str, token: str, bodies: Sequence[bytes], label: str, database: str
) -> tuple[Result, list[Answer]]:
    headers = {"authorization": f"Bearer {token}", "content-type": "application/json"}
    return await loopback.post_all(base, LISTENER, bodies, headers, CONNECTIONS, label, database)


def not_answered(answers: Sequence[Answer], status: int, outcome: str) -> int:
    """How many answers are not ``status`` with ``result: outcome``."""
    return sum(
        1
        for answer in answers
        if answer.status != status or orjson.loads(answer.body).get("result") != outcome
    )


async def integration_token(url: str) -> str:
    """A token of the only role the listener accepts, made as ``token create`` makes it."""
    database = Database(url)
    try:
        tokens = TokenCommands(database, SystemClock())
        return await tokens.create(name=f"bench-{uuid.uuid4().hex[:8]}", role="integration")
    finally:
        await database.dispose()


@contextlib.asynccontextmanager
async def serving(command: Callable[[int], subprocess.Popen[bytes]]) -> AsyncIterator[str]:
    """A server process on a free port, healthy; its base URL. Stopped on the way out."""
    port = free_port()
    process = command(port)
    try:
        base = f"http://127.0.0.1:{port}"
        await wait_healthy(base, process)
        yield base
    finally:
        process.terminate()
        await asyncio.to_thread(process.wait, 15)


def serve_process(url: str, log: IO[bytes]) -> Callable[[int], subprocess.Popen[bytes]]:
    """``order-completion serve`` as a user starts it (with its worker), on ``url``."""

    def start(port: int) -> subprocess.Popen[bytes]:
        env = {
            **os.environ,
            "ORDER_COMPLETION_DATABASE_URL": url,
            "ORDER_COMPLETION_PORT": str(port),
            "ORDER_COMPLETION_LOG_LEVEL": "warning",
        }
        return subprocess.Popen(
            [sys.executable, "-m", "order_completion", "serve"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    return start


def baseline_process(port: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "order_completion.bench.listener_baseline", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


CASES = "SELECT count(*) FROM completion_case"


async def through_serve(
    url: str, bodies: list[bytes], database: str, progress: Callable[[str], None]
) -> InboundRun:
    """Every event once, then every ``DUPLICATE_EVERY``-th again."""
    token = await integration_token(url)
    again = bodies[::DUPLICATE_EVERY]
    with tempfile.TemporaryFile() as log:
        async with serving(serve_process(url, log)) as base:
            progress(f"{database}: {len(bodies):,} events to serve")
            first, answers = await post_all(
                base, token, bodies, "TMF622 events to serve (each opens a case)", database
            )
            wrong = not_answered(answers, 201, "caseCreated")
            cases = await plain.count(url, CASES)
            if wrong or cases != len(bodies):
                raise RuntimeError(f"{wrong} events refused; {cases} of {len(bodies)} cases")
            progress(f"{database}: {len(again):,} events again")
            repeated, answers = await post_all(
                base, token, again, "the same events again (duplicates)", database
            )
            added = await plain.count(url, CASES) - cases
    return InboundRun([first, repeated], added + not_answered(answers, 200, "duplicate"))


async def bench_target(target: Target, count: int, progress: Callable[[str], None]) -> InboundRun:
    """The service on a fresh database, then the minimal app, with the same bodies."""
    run = uuid.uuid4().hex[:6]
    bodies = [order_event(run, index) for index in range(count)]
    url = await target.make("inbound")
    try:
        measured = await through_serve(url, bodies, target.name, progress)
    finally:
        await target.drop(url)
    progress(f"{target.name}: {count:,} events to a minimal app")
    async with serving(baseline_process) as base:
        baseline, answers = await post_all(base, "none", bodies, BASELINE, target.name)
    if any(answer.status != 201 for answer in answers):
        raise RuntimeError("the minimal app did not answer 201")
    return InboundRun([*measured.results, baseline], measured.second_effects)


def figures(run: InboundRun, database: str) -> list[Figure]:
    events, baseline = run.results[0], run.results[-1]
    return [
        Figure(
            "inbound TMF622 events",
            database,
            events.rate,
            "/s",
            Goal.at_least(TARGET_PER_SECOND),
            baseline.rate,
            "minimal ASGI app, same uvicorn and client",
        ),
        Figure(
            "repeated inbound events with a second effect",
            database,
            run.second_effects,
            goal=Goal.no_more_than(0),
        ),
    ]
