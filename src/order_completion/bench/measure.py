"""Timing helpers for the benchmarks: run work with bounded concurrency, keep latencies."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

# For a figure no baseline measures, such as a latency at a set arrival rate.
NOT_COMPARED = ""


@dataclass(frozen=True)
class Result:
    """One measured path: how many operations, how long, and each one's latency."""

    label: str
    database: str
    count: int
    seconds: float
    latencies: Sequence[float]
    # The label of the row of the same database this one is compared with, when it is not
    # that database's baseline (NOT_COMPARED: with nothing).
    compared_with: str | None = None
    # CPU the server process spent per operation, in ms, where the bench could see it: a
    # figure the other programs sharing the machine do not distort as they do rates.
    server_cpu_ms: float | None = None

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0

    def percentile(self, fraction: float) -> float:
        """Latency in milliseconds at ``fraction`` (0.5, 0.95, 0.99)."""
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        index = min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))
        return ordered[index] * 1000


async def run_concurrently(
    label: str, database: str, jobs: Sequence[Callable[[], Awaitable[object]]], concurrency: int
) -> Result:
    """Run every job with at most ``concurrency`` in flight; time each and the whole."""
    queue: asyncio.Queue[Callable[[], Awaitable[object]]] = asyncio.Queue()
    for job in jobs:
        queue.put_nowait(job)
    latencies: list[float] = []

    async def lane() -> None:
        while not queue.empty():
            job = queue.get_nowait()
            began = time.perf_counter()
            await job()
            latencies.append(time.perf_counter() - began)

    started = time.perf_counter()
    await asyncio.gather(*(lane() for _ in range(concurrency)))
    return Result(label, database, len(jobs), time.perf_counter() - started, latencies)
