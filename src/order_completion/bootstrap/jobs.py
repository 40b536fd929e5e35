"""The worker's jobs, in the order of one round: relay the outbox, send deliveries, fire
due timers, look at order management, perform outbound calls and certificates, prune what
retention lets go, and publish to the stream."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from order_completion.auth import ended, throttle
from order_completion.bootstrap.behaviour import DERIVATIONS
from order_completion.bootstrap.outbound import OutboundRunners
from order_completion.bootstrap.services import Services
from order_completion.cases.queries import ended_case_ids
from order_completion.clock import Clock
from order_completion.database import Database
from order_completion.events import ledger
from order_completion.events.continuous import ContinuousSender
from order_completion.events.relay import relay_due
from order_completion.orders.handlers import forget_old_events
from order_completion.outbound import retention as outbound_retention
from order_completion.worker import Worker

# How long one worker round fires a backlog of due timers before the relay, retention and
# a stop request get their turn.
TIMER_ROUND_SECONDS = 1.0


@dataclass
class Retention:
    """Prunes the delivery ledger, finished outbound calls, old inbound event ids, the
    sign-in counters whose window and lockout are over and the ended web sessions whose
    cookies have all expired, at most once an hour, each through the job of the feature
    that owns them (it counts as no work done)."""

    db: Database
    clock: Clock
    keep: timedelta
    last_run: datetime | None = None

    async def prune_hourly(self) -> int:
        now = self.clock.now()
        if self.last_run is None or now - self.last_run >= timedelta(hours=1):
            self.last_run = now
            await ledger.prune(self.db, now, self.keep)
            await outbound_retention.prune_finished(
                self.db, now, self.keep, ended_cases=ended_case_ids()
            )
            await forget_old_events(self.db, now, self.keep)
            await throttle.forget_expired(self.db, now)
            await ended.forget_expired(self.db, now)
        return 0


def build_worker(services: Services, runners: OutboundRunners) -> Worker:
    """The worker of these services; deliveries go out in a loop of their own, woken as
    soon as the relay has published new events."""
    db, clock, settings = services.db, services.clock, services.settings
    sender, stream, link = services.sender, services.stream, services.order_link
    retention = Retention(db, clock, timedelta(days=settings.delivery_retention_days))
    sending = ContinuousSender(
        sender, slots=settings.delivery_slots, poll_seconds=settings.worker_poll_seconds
    )

    async def relay() -> int:
        published = await relay_due(db, clock.now(), DERIVATIONS)
        if published:
            sending.wake()  # their deliveries go out now, not at the sender's next poll
        return published

    async def fire_due_timers() -> int:
        return await services.timers.fire_due(for_seconds=TIMER_ROUND_SECONDS)

    return Worker(
        jobs=[
            ("relay", relay),
            ("send", sender.send_due),
            ("timers", fire_due_timers),
            *([("orders", link.run_due)] if link else []),
            ("outbound", runners.calls.run_once),
            ("certificates", runners.certificates.run_once),
            ("retention", retention.prune_hourly),
            *([("stream", stream.publish_due)] if stream else []),
        ],
        poll_seconds=settings.worker_poll_seconds,
        loops={"send": sending.run},
    )
