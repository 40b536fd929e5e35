"""Continuous sending: a worker keeps up to ``slots`` delivery attempts in flight, and an
attempt that ends frees its slot at once for the next due delivery.

Two tasks share the work. The claimer claims small batches as slots free up (only what fits,
each claim committed before its requests go out, see claims.py) and starts one task per
attempt. The recorder writes finished outcomes in groups: whatever finished while the
previous group was being written, so a burst costs one transaction and a lone outcome is
written at once. No attempt waits for another, so a receiver that hangs until the timeout
holds only its own slots (at most its subscription's cap) and the other subscriptions' go on.

An attempt that ended has no request open any more, so the claimer counts it as room under
its subscription's cap before its outcome is recorded. For that count to match the
database, this worker's claims and records take turns (``_ledger``); each is one short
transaction.

The claimer sleeps while nothing is due, until ``wake()`` (the relay made deliveries in this
process), an attempt ending (room under a cap) or the poll interval (deliveries made by
other processes, retries falling due). On stop it claims nothing more, lets attempts in
flight finish for a grace period, records them, and abandons the rest: their leases run out
and another attempt follows, as after a crash.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from dataclasses import dataclass, field

import structlog

from order_completion.events.claims import Job
from order_completion.events.sender import Outcome, Sender

log = structlog.get_logger(__name__)


@dataclass
class ContinuousSender:
    sender: Sender
    slots: int = 64
    poll_seconds: float = 1.0
    # The most outcomes written in one transaction.
    record_group: int = 100
    # How long a stopping worker lets attempts in flight finish before it abandons them.
    shutdown_grace_seconds: float = 5.0
    # How long the claimer lets attempts keep ending after a nudge before it claims: one
    # claim then takes the room of several, rather than a transaction for each.
    claim_linger_seconds: float = 0.005
    _attempts: set[asyncio.Task[None]] = field(default_factory=set, init=False)
    _finished: list[Outcome] = field(default_factory=list, init=False)
    _ledger: asyncio.Lock = field(default_factory=asyncio.Lock, init=False)
    _nudge: asyncio.Event = field(default_factory=asyncio.Event, init=False)
    _outcomes_waiting: asyncio.Event = field(default_factory=asyncio.Event, init=False)
    _closing: bool = field(default=False, init=False)

    def wake(self) -> None:
        """Deliveries were just made: claim now rather than at the next poll."""
        self._nudge.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Send until ``stop`` is set; then finish or abandon what is in flight."""
        self._closing = False
        recorder = asyncio.create_task(self._record_continuously())
        nudger = asyncio.create_task(self._nudge_when_set(stop))
        try:
            await self._claim_continuously(stop)
            await self._let_attempts_finish()
        finally:
            await self._abandon_attempts()
            self._closing = True
            self._outcomes_waiting.set()
            await recorder
            nudger.cancel()

    async def _claim_continuously(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self._nudge.clear()  # from now on, a nudge means another look is worth it
            free = self.slots - len(self._attempts)
            jobs = await self._claim(free) if free > 0 else []
            for job in jobs:
                self._start(job)
            if len(jobs) < free or free <= 0:  # all due is claimed, waits for room, or full
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._nudge.wait(), timeout=self.poll_seconds)
                await asyncio.sleep(self.claim_linger_seconds)

    async def _claim(self, limit: int) -> list[Job]:
        """A failed claim (the database away, a deadlock) is logged; the poll tries again."""
        try:
            async with self._ledger:
                return await self.sender.claim(limit, ended=self._ended_unrecorded())
        except Exception:
            log.exception("delivery.claim_failed")
            return []

    def _ended_unrecorded(self) -> Counter[str]:
        """Per subscription, attempts that are over but still hold their lease unrecorded."""
        now = self.sender.clock.now()
        return Counter(
            outcome.job.subscription_id
            for outcome in self._finished
            if outcome.job.leased_until > now
        )

    def _start(self, job: Job) -> None:
        task = asyncio.create_task(self._attempt(job))
        self._attempts.add(task)
        task.add_done_callback(self._free_slot)

    async def _attempt(self, job: Job) -> None:
        outcome = await self.sender.attempt(job)
        self._finished.append(outcome)
        self._outcomes_waiting.set()

    def _free_slot(self, task: asyncio.Task[None]) -> None:
        self._attempts.discard(task)
        self._nudge.set()
        if not task.cancelled() and task.exception() is not None:
            log.error("delivery.attempt_crashed", exc_info=task.exception())

    async def _record_continuously(self) -> None:
        """Write finished outcomes in groups until closing with nothing left to write."""
        while True:
            await self._outcomes_waiting.wait()
            self._outcomes_waiting.clear()
            while self._finished:
                async with self._ledger:
                    group = self._finished[: self.record_group]
                    del self._finished[: len(group)]
                    await self.sender.record(group)
            if self._closing:
                return

    async def _let_attempts_finish(self) -> None:
        if self._attempts:
            await asyncio.wait(set(self._attempts), timeout=self.shutdown_grace_seconds)

    async def _abandon_attempts(self) -> None:
        """Cancel what is still in flight; the leases bring those deliveries back later."""
        unfinished = set(self._attempts)
        if not unfinished:
            return
        log.warning("delivery.attempts_abandoned", count=len(unfinished))
        for task in unfinished:
            task.cancel()
        await asyncio.gather(*unfinished, return_exceptions=True)

    async def _nudge_when_set(self, stop: asyncio.Event) -> None:
        """Whatever the claimer waits for, stopping ends the wait."""
        await stop.wait()
        self._nudge.set()
