"""The services the composition root builds: what the API, the worker and the CLI use,
and the callbacks through which the worker reaches each feature's handlers."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from order_completion.attachments.store import AttachmentStore, FolderStore
from order_completion.auth.service import Authenticator
from order_completion.bootstrap.behaviour import BEHAVIOUR, PROJECTORS
from order_completion.cases import handlers as case_handlers
from order_completion.cases.aggregate import CaseBehaviour
from order_completion.cases.batch import BatchUnitOfWork
from order_completion.cases.unit_of_work import Projector, UnitOfWork
from order_completion.certificates import handlers as certificates
from order_completion.clock import Clock
from order_completion.communications import handlers as messages
from order_completion.customer_records import handlers as customer_update
from order_completion.customer_records.performers import Peers
from order_completion.database import Database
from order_completion.events.guard import CallbackGuard
from order_completion.events.handlers import HubCommands
from order_completion.events.retry import Verdict as DeliveryVerdict
from order_completion.events.sealing import SecretBox
from order_completion.events.sender import Sender
from order_completion.events.stream import StreamPublisher
from order_completion.orders.handlers import Intake, IntakeOutcome
from order_completion.orders.peering import OrderManagementLink
from order_completion.outbound.commands import RecordCall
from order_completion.outbound.rules import AttemptOutcome, Verdict
from order_completion.outbound.store import ClaimedCall
from order_completion.policies.service import PolicyBook
from order_completion.portal.service import current_link
from order_completion.portal.signing import LinkSigner, portal_address
from order_completion.settings import Settings
from order_completion.timers.rules import DueTimer
from order_completion.timers.worker import TimerWorker
from order_completion.tmf.counting import RowCounter
from order_completion.worker import Worker


@dataclass
class Tallies:
    """What this process's sender and intake came to, counted for the metrics (which read
    them at scrape time): the handlers only say what happened, through a callback."""

    delivery_verdicts: Counter[str] = field(default_factory=Counter)
    inbound_results: Counter[str] = field(default_factory=Counter)

    def count_verdict(self, verdict: DeliveryVerdict) -> None:
        self.delivery_verdicts[verdict.value] += 1

    def count_inbound(self, outcome: IntakeOutcome) -> None:
        self.inbound_results[outcome.value] += 1


@dataclass
class Services:
    """Everything the API, the worker and the CLI use; routes see it through the narrow
    protocols their features declare."""

    settings: Settings
    db: Database
    clock: Clock
    policies: PolicyBook
    intake: Intake
    guard: CallbackGuard
    sender: Sender
    auth: Authenticator
    counts: RowCounter
    secret_box: SecretBox
    tallies: Tallies = field(default_factory=Tallies)
    behaviour: CaseBehaviour = BEHAVIOUR
    projectors: tuple[Projector, ...] = PROJECTORS
    stream: StreamPublisher | None = None
    peers: Peers = field(default_factory=Peers)
    peer_client: httpx.AsyncClient | None = None
    order_link: OrderManagementLink | None = None
    attachments: AttachmentStore = field(default_factory=lambda: FolderStore(Path("data")))
    portal_signer: LinkSigner = field(init=False)
    timers: TimerWorker = field(init=False)
    worker: Worker = field(init=False)

    @property
    def base_url(self) -> str:
        return self.settings.public_url.rstrip("/")

    @property
    def portal_url(self) -> str:
        """Where customers open their links: the public URL, else this server's address."""
        return self.base_url or f"http://{self.settings.host}:{self.settings.port}"

    @property
    def portal_link_days(self) -> int:
        return self.settings.portal_link_days

    async def portal_link_of(self, case_id: str) -> str:
        """The customer portal URL a message to the customer carries."""
        token = await current_link(
            self.db, self.portal_signer, case_id, self.clock.now(), self.portal_link_days
        )
        return portal_address(self.portal_url, token)

    def hubs(self) -> HubCommands:
        """The hub commands, for the hub routes, the CLI and tools acting as the operator."""
        return HubCommands(
            self.db,
            self.clock,
            self.secret_box,
            max_per_owner=self.settings.max_subscriptions_per_owner,
        )

    def uow(self) -> UnitOfWork:
        """A fresh unit of work for one command."""
        return UnitOfWork(
            self.db, self.clock, self.behaviour, self.projectors, base_url=self.base_url
        )

    async def fire_timer(self, timer: DueTimer) -> bool:
        command = case_handlers.FireTimer(timer.id, timer.case_id)
        fired = await case_handlers.fire_timer(self.uow(), command)
        return fired.firing is case_handlers.Firing.FIRED

    def batch_uow(self) -> BatchUnitOfWork:
        """A fresh unit of work for a command on many cases, saved table by table."""
        return BatchUnitOfWork(
            self.db, self.clock, self.behaviour, self.projectors, base_url=self.base_url
        )

    async def fire_timers(self, timers: Sequence[DueTimer]) -> list[bool | Exception]:
        command = case_handlers.FireTimers(
            [case_handlers.FireTimer(timer.id, timer.case_id) for timer in timers]
        )
        return [
            outcome
            if isinstance(outcome, Exception)
            else outcome.firing is case_handlers.Firing.FIRED
            for outcome in await case_handlers.fire_timers(self.batch_uow(), command)
        ]

    async def give_up_timer(self, timer: DueTimer, error: str) -> None:
        await case_handlers.give_up_timer(self.uow(), case_handlers.GiveUpTimer(timer, error))

    async def record_customer_attempt(
        self, call: ClaimedCall, outcome: AttemptOutcome, verdict: Verdict
    ) -> None:
        command = RecordCall(call, outcome, verdict)
        await customer_update.record_attempt(self.uow(), command)

    async def record_certificate(
        self, call: ClaimedCall, outcome: AttemptOutcome, verdict: Verdict
    ) -> None:
        command = RecordCall(call, outcome, verdict)
        await certificates.record_certificate(self.uow(), command)

    async def record_message(
        self, call: ClaimedCall, outcome: AttemptOutcome, verdict: Verdict
    ) -> None:
        await messages.record_message(self.uow(), RecordCall(call, outcome, verdict))

    async def close(self) -> None:
        if self.peer_client is not None:
            await self.peer_client.aclose()
        if self.stream is not None:
            await self.stream.close()
        await self.sender.clients.aclose()
        await self.db.dispose()
