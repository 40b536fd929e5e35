"""The worker's outbound job: claim due calls, perform each with its adapter outside any
transaction, and hand what each attempt came to to its recorder as soon as it ends.

The claim is committed before any call is made, so a peer that hangs holds no database
lock, and a worker that dies mid-call leaves the call to be taken again when its lease
runs out. Calls must therefore be idempotent (the adapters look before they create).
Any exception from a performer is that attempt's failure alone.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import structlog

from order_completion.clock import Clock
from order_completion.database import Database
from order_completion.events.retry import next_attempt
from order_completion.integrations.errors import IntegrationFailure
from order_completion.outbound import store
from order_completion.outbound.rules import AttemptOutcome, Verdict, judge
from order_completion.outbound.store import ClaimedCall

log = structlog.get_logger(__name__)

# What performs a call of one kind: the result the peer gave (kept on the call), or an
# ``IntegrationFailure`` saying whether to try again.
Performer = Callable[[ClaimedCall], Awaitable[dict[str, Any]]]
# What records an attempt's outcome, in a transaction of its own that also writes the call
# row (``store.record``): a case's handler, so the case and the call change together.
Recorder = Callable[[ClaimedCall, AttemptOutcome, Verdict], Awaitable[None]]


@dataclass
class OutboundRunner:
    db: Database
    clock: Clock
    performers: Mapping[str, Performer]
    recorders: Mapping[str, Recorder]
    schedule: Sequence[timedelta]
    lease: timedelta = timedelta(minutes=2)
    batch_size: int = 20
    timeout_seconds: float = 30.0
    # Kinds this runner takes, or leaves to another runner: slow work (rendering
    # certificates) is not let in front of calls to other systems.
    kinds: frozenset[str] | None = None
    excluding: frozenset[str] = frozenset()

    async def run_once(self) -> int:
        """One round: the calls due now; returns how many were attempted."""
        async with self.db.transaction() as session:
            claimed = await store.claim(
                session,
                self.clock.now(),
                lease=self.lease,
                limit=self.batch_size,
                kinds=self.kinds,
                excluding=self.excluding,
            )
        if not claimed:
            return 0
        # The calls of one case are recorded one after the other, those of different cases
        # side by side: each recorder loads its case for change, so a second one of the
        # same case would only wait on the case's row lock, holding a connection.
        recording: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        await asyncio.gather(*(self._attempt(call, recording[call.case_id]) for call in claimed))
        return len(claimed)

    async def _attempt(self, call: ClaimedCall, recording: asyncio.Lock) -> None:
        """Perform the call and record what it came to at once: a worker that dies later
        in the round leaves no ended call (a message sent) to be made again."""
        outcome = await self._perform(call)
        async with recording:
            await self._record(call, outcome)

    async def _perform(self, call: ClaimedCall) -> AttemptOutcome:
        performer = self.performers.get(call.kind)
        if performer is None:
            return AttemptOutcome(error=f"nothing is configured to perform {call.kind} calls")
        try:
            result = await asyncio.wait_for(performer(call), self.timeout_seconds)
        except IntegrationFailure as failure:
            return AttemptOutcome(error=failure.detail, retryable=failure.retryable)
        except TimeoutError:
            return AttemptOutcome(
                error=f"no answer within {self.timeout_seconds:g} s", retryable=True
            )
        except Exception as error:  # any other error is this attempt's failure alone
            log.warning("outbound.call_raised", call=call.id, kind=call.kind, exc_info=True)
            return AttemptOutcome(error=f"{type(error).__name__}: {error}", retryable=True)
        return AttemptOutcome(result=result)

    async def _record(self, call: ClaimedCall, outcome: AttemptOutcome) -> None:
        now = self.clock.now()
        verdict = judge(outcome, next_attempt(call.attempt, now, schedule=self.schedule).at)
        if not outcome.succeeded:
            log.warning(
                "outbound.attempt_failed",
                call=call.id,
                case=call.case_id,
                kind=call.kind,
                attempt=call.attempt,
                state=verdict.state.value,
                error=outcome.error,
            )
        recorder = self.recorders.get(call.kind, self._record_call_only)
        try:
            await recorder(call, outcome, verdict)
        except Exception:  # left leased: taken again, and recorded, after the lease
            log.exception("outbound.record_failed", call=call.id, kind=call.kind)

    async def _record_call_only(
        self, call: ClaimedCall, outcome: AttemptOutcome, verdict: Verdict
    ) -> None:
        async with self.db.transaction() as session:
            await store.record(session, call, outcome, verdict, self.clock.now())
