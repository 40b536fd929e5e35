"""The worker loop: relay the outbox into deliveries, send due deliveries, fire due timers,
and now and then prune the ledger. Each job is one round of short transactions; a round
that fails is logged and the loop goes on."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import structlog

log = structlog.get_logger(__name__)

Job = Callable[[], Awaitable[int]]


@dataclass
class Worker:
    jobs: Sequence[tuple[str, Job]]
    poll_seconds: float = 1.0

    async def run_once(self) -> int:
        """One round of every job; returns how much work was done in all."""
        done = 0
        for name, job in self.jobs:
            try:
                done += await job()
            except Exception:  # one failing job must not stop the others
                log.exception("worker.job_failed", job=name)
        return done

    async def run(self, stop: asyncio.Event) -> None:
        """Rounds until ``stop`` is set; it waits ``poll_seconds`` only when idle."""
        log.info("worker.started", poll_seconds=self.poll_seconds)
        while not stop.is_set():
            if await self.run_once() == 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=self.poll_seconds)
        log.info("worker.stopped")
