"""The worker: relay the outbox into deliveries, send due deliveries, fire due timers, and now
and then prune the ledger.

Most jobs run in rounds of short transactions; a round that fails is logged and the loop goes
on. A job may also have a long-running form (sending keeps its slots busy continuously):
``run`` runs that loop beside the rounds instead of the job, while ``run_once`` still runs
every job once, for tests and step-by-step runs.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field

import structlog

log = structlog.get_logger(__name__)

Job = Callable[[], Awaitable[int]]
Loop = Callable[[asyncio.Event], Awaitable[None]]


@dataclass
class Worker:
    jobs: Sequence[tuple[str, Job]]
    poll_seconds: float = 1.0
    # By job name: the loop that ``run`` runs in place of that job's rounds.
    loops: Mapping[str, Loop] = field(default_factory=dict)

    async def run_once(self) -> int:
        """One round of every job; returns how much work was done in all."""
        return await self._round(self.jobs)

    async def run(self, stop: asyncio.Event) -> None:
        """Until ``stop`` is set: the loops, and rounds of the other jobs, which wait
        ``poll_seconds`` only when idle. Returns once the loops have wound down."""
        log.info("worker.started", poll_seconds=self.poll_seconds)
        loops = [
            asyncio.create_task(self._keep_running(name, loop, stop))
            for name, loop in self.loops.items()
        ]
        rounds = [(name, job) for name, job in self.jobs if name not in self.loops]
        try:
            while not stop.is_set():
                if await self._round(rounds) == 0:
                    await self._pause(stop)
        except asyncio.CancelledError:
            for task in loops:
                task.cancel()
            raise
        finally:
            await asyncio.gather(*loops, return_exceptions=True)
        log.info("worker.stopped")

    async def _round(self, jobs: Sequence[tuple[str, Job]]) -> int:
        done = 0
        for name, job in jobs:
            try:
                done += await job()
            except Exception:  # one failing job must not stop the others
                log.exception("worker.job_failed", job=name)
        return done

    async def _keep_running(self, name: str, loop: Loop, stop: asyncio.Event) -> None:
        """A loop that fails is logged and started again after a pause."""
        while not stop.is_set():
            try:
                await loop(stop)
            except Exception:
                log.exception("worker.loop_failed", loop=name)
                await self._pause(stop)

    async def _pause(self, stop: asyncio.Event) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=self.poll_seconds)
