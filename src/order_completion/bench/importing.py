"""Benchmark: ``order-completion import-orders`` of an NDJSON file of consumer orders, run
as a user runs it (its own process, the progress bar drawn as on a terminal), beside the raw
insert rate of the rows it wrote, measured in the same run."""

from __future__ import annotations

import asyncio
import os
import re
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import orjson

from order_completion.bench import b2c, plain, raw
from order_completion.bench.b2c import Target, consumer_order
from order_completion.bench.measure import Result
from order_completion.bench.summary import Figure, Goal

TARGET_PER_SECOND = 1_000.0
# Escape sequences the progress bar draws with, removed before reading the summary line.
TERMINAL_CODES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def write_orders(path: Path, count: int) -> None:
    """``count`` consumer orders, one JSON document per line."""
    run = uuid.uuid4().hex[:6]
    with path.open("wb") as file:
        for index in range(count):
            file.write(orjson.dumps(consumer_order(run, index)) + b"\n")


async def import_file(url: str, path: Path, log: Path) -> tuple[float, str]:
    """Run ``import-orders`` on ``path`` as its own process; its wall time and output.

    Rich draws the progress bar as on a terminal (``TTY_COMPATIBLE``, ``TTY_INTERACTIVE``),
    so the bar costs what it costs a user at a terminal."""
    env = {
        **os.environ,
        "ORDER_COMPLETION_DATABASE_URL": url,
        "TTY_COMPATIBLE": "1",
        "TTY_INTERACTIVE": "1",
        "COLUMNS": "100",
    }
    with log.open("wb") as output:
        started = time.perf_counter()
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "order_completion",
            "import-orders",
            str(path),
            env=env,
            stdout=output,
            stderr=asyncio.subprocess.STDOUT,
        )
        code = await process.wait()
        seconds = time.perf_counter() - started
    text = TERMINAL_CODES.sub("", await asyncio.to_thread(log.read_text, errors="replace"))
    if code != 0:
        raise RuntimeError(f"import-orders exited with {code}:\n{text[-2000:]}")
    return seconds, text


async def bench_target(
    target: Target, count: int, concurrency: int, progress: Callable[[str], None]
) -> list[Result]:
    """Start-up on an empty file, then ``count`` orders, then the raw inserts of the rows
    of (at most ``raw.SAMPLE_CASES`` of) those orders."""
    with tempfile.TemporaryDirectory() as folder:
        orders, empty = Path(folder) / "orders.ndjson", Path(folder) / "empty.ndjson"
        write_orders(orders, count)
        empty.write_bytes(b"")
        url = await target.make("import")
        try:
            progress(f"{target.name}: import-orders, start-up on an empty file")
            start_up, _ = await import_file(url, empty, Path(folder) / "empty.log")
            progress(f"{target.name}: import-orders, {count:,} orders")
            seconds, output = await import_file(url, orders, Path(folder) / "import.log")
            _check(output, count)
            completed = await plain.count(
                url, "SELECT count(*) FROM completion_case WHERE state = 'completed'"
            )
            if completed != count:
                raise RuntimeError(f"import-orders completed {completed} of {count} cases")
            stored = await raw.capture(url)
        finally:
            await target.drop(url)
    progress(f"{target.name}: raw inserts of the rows of {len(stored):,} imported orders")
    limits, _ = await b2c.lean_limits(target, stored, concurrency)
    timed = [
        Result(f"import-orders of {count:,} orders (wall clock)", target.name, count, seconds, []),
        Result(
            f"import-orders net of start-up ({start_up:.1f} s on an empty file)",
            target.name,
            count,
            max(seconds - start_up, 1e-9),
            [],
        ),
    ]
    return [*timed, *limits]


def _check(output: str, count: int) -> None:
    expected = f"created {count}, duplicate 0, rejected 0"
    if expected not in output:
        raise RuntimeError(f"import-orders did not report {expected!r}:\n{output[-2000:]}")


def figures(results: list[Result], database: str) -> list[Figure]:
    """The wall-clock rate: what a user waits for, start-up included."""
    limit = b2c.raw_limit(results)
    return [
        Figure(
            "import-orders from NDJSON",
            database,
            results[0].rate,
            "/s",
            Goal.at_least(TARGET_PER_SECOND),
            limit.rate,
            limit.label.removesuffix(raw.LIMIT),
        )
    ]
