"""The composition root: builds every service from settings, and nothing else does.

Step starters, timer jobs and projectors of each feature are wired here, so features stay
unaware of each other and tests can build the same graph with a fixed clock and transport.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import httpx

from order_completion.acceptance import behaviour as acceptance
from order_completion.appointments.tables import Appointment
from order_completion.attachments.store import AttachmentStore, FolderStore
from order_completion.auth.service import Authenticator, JwtConfig
from order_completion.cases import behaviour as case_jobs
from order_completion.cases import handlers as case_handlers
from order_completion.cases.aggregate import CaseBehaviour
from order_completion.cases.batch import BatchUnitOfWork
from order_completion.cases.projection import CallProjector, CaseProjector, TimerProjector
from order_completion.cases.rules import StepKind
from order_completion.cases.unit_of_work import Projector, UnitOfWork
from order_completion.certificates import handlers as certificates
from order_completion.certificates.projection import KIND as CERTIFICATE
from order_completion.certificates.projection import CertificateProjector
from order_completion.certificates.service import certificate_of
from order_completion.clock import Clock, SystemClock
from order_completion.commissioning import behaviour as commissioning
from order_completion.communications import handlers as messages
from order_completion.communications.sending import MessageSender
from order_completion.communications.triggers import KIND as MESSAGE
from order_completion.communications.triggers import MessageProjector
from order_completion.customer_records import behaviour as customer_records
from order_completion.customer_records import handlers as customer_update
from order_completion.customer_records.performers import Peers, performers
from order_completion.customer_records.projection import LateContactProjector
from order_completion.database import Database
from order_completion.events import ledger, outbox
from order_completion.events.continuous import ContinuousSender
from order_completion.events.guard import CallbackGuard, parse_allowlist
from order_completion.events.handlers import HubCommands
from order_completion.events.relay import relay_due
from order_completion.events.retry import Verdict as DeliveryVerdict
from order_completion.events.retry import parse_schedule
from order_completion.events.sealing import SecretBox, secret_box
from order_completion.events.sender import ReceiverClients, Sender
from order_completion.events.stream import StreamPublisher
from order_completion.integrations.billing import Billing
from order_completion.integrations.customer import CustomerRecords
from order_completion.integrations.messages.rendering import MessageRenderer
from order_completion.integrations.messages.transport import build_messenger
from order_completion.integrations.peer import ClientCredentials, Credentials, Peer
from order_completion.integrations.product_inventory import ProductInventory
from order_completion.integrations.product_order import OrderUpdateMode, ProductOrdering
from order_completion.integrations.s3 import S3Store, parse_store_url
from order_completion.interactions import behaviour as interactions
from order_completion.interactions.projection import InteractionProjector
from order_completion.orders.handlers import Intake, IntakeOutcome, forget_old_events
from order_completion.orders.peering import OrderManagementLink
from order_completion.outbound import store as outbound_calls
from order_completion.outbound.rules import AttemptOutcome, Verdict
from order_completion.outbound.runner import OutboundRunner
from order_completion.outbound.store import ClaimedCall
from order_completion.policies.loader import load_policies
from order_completion.policies.service import PolicyBook
from order_completion.portal.service import current_link
from order_completion.portal.signing import LinkSigner, signing_keys
from order_completion.processflow.projection import ProcessFlowProjector
from order_completion.processflow.representation import DERIVATIONS as PROCESS_FLOW_EVENTS
from order_completion.settings import Settings
from order_completion.surveys import behaviour as surveys
from order_completion.timers.rules import DueTimer, TimerKind
from order_completion.timers.worker import TimerWorker
from order_completion.tmf.counting import RowCounter
from order_completion.training import behaviour as training
from order_completion.worker import Worker

BEHAVIOUR = CaseBehaviour(
    starters={
        StepKind.READY_FOR_SERVICE_NOTICE: interactions.send_ready_for_service_notice,
        StepKind.COMMISSIONING_TEST: commissioning.start,
        StepKind.ACCEPTANCE: acceptance.start,
        StepKind.CUSTOMER_UPDATE: customer_records.update_customer_records,
        StepKind.TRAINING: training.start,
        StepKind.SATISFACTION_SURVEY: surveys.start,
    },
    jobs={
        TimerKind.ACCEPTANCE_WINDOW_END: acceptance.on_window_end,
        TimerKind.ACCEPTANCE_REMINDER: acceptance.on_reminder,
        TimerKind.JEOPARDY_WARNING: case_jobs.on_jeopardy_warning,
        TimerKind.JEOPARDY_BREACH: case_jobs.on_jeopardy_breach,
        TimerKind.TRAINING_DUE: training.on_due,
        TimerKind.SURVEY_AUTO_CLOSE: surveys.on_auto_close,
    },
)

# The order matters: a case event is written before the TMF701 event that mirrors it.
PROJECTORS: tuple[Projector, ...] = (
    CaseProjector(),
    ProcessFlowProjector(),
    InteractionProjector(),
    TimerProjector(),
    CallProjector(),
    CertificateProjector(),
)

# How long one worker round fires a backlog of due timers before the relay, retention and
# a stop request get their turn.
TIMER_ROUND_SECONDS = 1.0

# How the outbox builds the events that features store as facts (the TMF701 flows).
DERIVATIONS: outbox.Derivations = {**PROCESS_FLOW_EVENTS}


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
        return f"{self.portal_url}/portal/{token}"

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
        command = customer_update.RecordAttempt(call, outcome, verdict)
        await customer_update.record_attempt(self.uow(), command)

    async def record_certificate(
        self, call: ClaimedCall, outcome: AttemptOutcome, verdict: Verdict
    ) -> None:
        command = certificates.RecordCertificate(call, outcome, verdict)
        await certificates.record_certificate(self.uow(), command)

    async def record_message(
        self, call: ClaimedCall, outcome: AttemptOutcome, verdict: Verdict
    ) -> None:
        await messages.record_message(self.uow(), messages.RecordMessage(call, outcome, verdict))

    async def close(self) -> None:
        if self.peer_client is not None:
            await self.peer_client.aclose()
        if self.stream is not None:
            await self.stream.close()
        await self.sender.clients.aclose()
        await self.db.dispose()


def build_services(
    settings: Settings,
    *,
    clock: Clock | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> Services:
    """Everything the API, the worker and the CLI need, built from ``settings``.

    ``transport`` replaces the network under every outgoing HTTP client (tests hand in a
    mock or an ASGI transport where a real socket is not the point).
    """
    db = Database(settings.database_url)
    clock = clock or SystemClock()
    policies = PolicyBook(load_policies(settings.policy_dir))
    guard = CallbackGuard(parse_allowlist(settings.callback_allowlist))
    box = secret_box(settings.secret_keys, settings.secret_key_file)
    tallies = Tallies()
    sender = Sender(
        db=db,
        clock=clock,
        # Redirects are failures: a receiver that moved must be registered again.
        clients=ReceiverClients(
            lambda: httpx.AsyncClient(follow_redirects=False, transport=transport)
        ),
        guard=guard,
        derivations=DERIVATIONS,
        box=box,
        schedule=parse_schedule(settings.retry_schedule),
        timeout_seconds=settings.delivery_timeout_seconds,
        on_verdict=tallies.count_verdict,
    )
    stream = (
        StreamPublisher(db, clock, settings.nats_url, DERIVATIONS, stream=settings.nats_stream)
        if settings.nats_url
        else None
    )
    auth = Authenticator(
        db,
        bootstrap_token=settings.bootstrap_token,
        jwt_config=jwt_config(settings),
        cache_seconds=settings.token_cache_seconds,
        cache_size=settings.token_cache_size,
        clock=clock,
    )
    peer_client = httpx.AsyncClient(
        timeout=settings.integration_timeout_seconds, transport=transport
    )
    peers = build_peers(settings, peer_client)
    messenger = build_messenger(
        settings.message_transport,
        mail_from=settings.mail_from,
        smtp_url=settings.smtp_url.get_secret_value() if settings.smtp_url else None,
        tmf681_url=settings.tmf681_url,
        tmf681_token=settings.tmf681_token.get_secret_value() if settings.tmf681_token else None,
        http_client=peer_client,
    )
    services = Services(
        settings=settings,
        db=db,
        clock=clock,
        policies=policies,
        intake=Intake(policies, settings.trigger_states, on_result=tallies.count_inbound),
        guard=guard,
        sender=sender,
        auth=auth,
        counts=RowCounter(settings.exact_count_limit),
        secret_box=box,
        tallies=tallies,
        stream=stream,
        behaviour=behaviour_for(peers),
        projectors=projectors_for(peers, messenger is not None),
        peers=peers,
        peer_client=peer_client,
        attachments=attachment_store(settings, peer_client),
    )
    portal_key = settings.portal_key.get_secret_value() if settings.portal_key else ""
    services.portal_signer = LinkSigner(
        signing_keys(portal_key, settings.secret_keys, settings.secret_key_file)
    )
    performing = performers(peers)
    recording = {target.value: services.record_customer_attempt for target in peers.targets}
    if messenger is not None:
        performing[MESSAGE] = MessageSender(
            MessageRenderer(settings.template_dir),
            messenger,
            appointment=lambda appointment_id: _appointment(db, appointment_id),
            certificate=lambda case_id: certificate_of(db, case_id),
            customers=peers.customer,
            portal_link=services.portal_link_of,
        )
        recording[MESSAGE] = services.record_message
    outbound = OutboundRunner(
        db=db,
        clock=clock,
        performers=performing,
        recorders=recording,
        schedule=parse_schedule(settings.integration_retry_schedule),
        timeout_seconds=settings.integration_timeout_seconds,
        excluding=frozenset({CERTIFICATE}),
    )
    issuing = OutboundRunner(
        db=db,
        clock=clock,
        performers={CERTIFICATE: certificates.issuer(db)},
        recorders={CERTIFICATE: services.record_certificate},
        schedule=parse_schedule(settings.integration_retry_schedule),
        batch_size=4,
        kinds=frozenset({CERTIFICATE}),
    )
    services.timers = TimerWorker(
        db=db,
        clock=clock,
        fire=services.fire_timer,
        fire_many=services.fire_timers,
        give_up=services.give_up_timer,
        # SQLite runs one write transaction at a time: a second batch would only queue.
        in_flight=1 if db.dialect == "sqlite" else 2,
    )
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

    link = services.order_link = order_management_link(settings, services)
    services.worker = Worker(
        jobs=[
            ("relay", relay),
            ("send", sender.send_due),
            ("timers", fire_due_timers),
            *([("orders", link.run_due)] if link else []),
            ("outbound", outbound.run_once),
            ("certificates", issuing.run_once),
            ("retention", retention.prune_hourly),
            *([("stream", stream.publish_due)] if stream else []),
        ],
        poll_seconds=settings.worker_poll_seconds,
        loops={"send": sending.run},
    )
    return services


@dataclass
class Retention:
    """Prunes the delivery ledger and finished outbound calls at most once an hour (it
    counts as no work done)."""

    db: Database
    clock: Clock
    keep: timedelta
    last_run: datetime | None = None

    async def prune_hourly(self) -> int:
        now = self.clock.now()
        if self.last_run is None or now - self.last_run >= timedelta(hours=1):
            self.last_run = now
            await ledger.prune(self.db, now, self.keep)
            async with self.db.transaction() as session:
                await outbound_calls.prune(session, now - self.keep)
            await forget_old_events(self.db, now, self.keep)
        return 0


LISTENER_PATH = "/tmf-api/orderCompletion/v1/listener/productOrderStateChangeEvent"


def order_management_link(settings: Settings, services: Services) -> OrderManagementLink | None:
    """With TMF622 configured: register our listener at its hub (when this service has a
    public URL to give) and reconcile its orders now and then."""
    ordering = services.peers.product_order
    if ordering is None:
        return None
    token = settings.tmf622_listener_token
    return OrderManagementLink(
        db=services.db,
        clock=services.clock,
        intake=services.intake,
        ordering=ordering,
        uow=services.uow,
        every=timedelta(seconds=settings.reconcile_seconds),
        callback=f"{services.base_url}{LISTENER_PATH}" if services.base_url else None,
        listener_headers={"Authorization": f"Bearer {token.get_secret_value()}"} if token else {},
    )


async def _appointment(db: Database, appointment_id: str) -> Appointment | None:
    async with db.read() as session:
        return await session.get(Appointment, appointment_id)


def attachment_store(settings: Settings, client: httpx.AsyncClient) -> AttachmentStore:
    """The folder, or the S3-compatible bucket ``attachment_store`` names."""
    if not settings.attachment_store:
        return FolderStore(settings.attachment_dir)
    secret = settings.s3_secret_access_key
    return S3Store(
        parse_store_url(settings.attachment_store),
        settings.s3_access_key_id or "",
        secret.get_secret_value() if secret else "",
        client,
    )


def projectors_for(peers: Peers, messages: bool) -> tuple[Projector, ...]:
    """The projectors, with those of the systems configured: customer messages, and the
    contacts met after the customer update for the customer record."""
    extra: list[Projector] = []
    if messages:
        extra.append(MessageProjector())
    if peers.customer is not None:
        extra.append(LateContactProjector())
    return (*PROJECTORS, *extra)


def behaviour_for(peers: Peers) -> CaseBehaviour:
    """The case behaviour, with a customer update that waits on the systems configured."""
    if not peers.targets:
        return BEHAVIOUR
    starters = {
        **BEHAVIOUR.starters,
        StepKind.CUSTOMER_UPDATE: customer_records.customer_update_starter(peers.targets),
    }
    return CaseBehaviour(starters=starters, jobs=BEHAVIOUR.jobs)


def build_peers(settings: Settings, client: httpx.AsyncClient) -> Peers:
    """An adapter for every system whose root is configured, with its credentials: its own
    bearer token, else OAuth2 client credentials when configured, else none."""
    oauth = (
        ClientCredentials(
            settings.oauth_token_url,
            settings.oauth_client_id or "",
            settings.oauth_client_secret or "",
            settings.oauth_scope,
        )
        if settings.oauth_token_url
        else None
    )

    def peer(name: str, root: str | None, token: str | None) -> Peer | None:
        if not root:
            return None
        credentials = Credentials(token=token) if token else Credentials(oauth=oauth)
        return Peer(name, root, client, credentials)

    ordering = peer("TMF622", settings.tmf622_url, settings.tmf622_token)
    inventory = peer("TMF637", settings.tmf637_url, settings.tmf637_token)
    customer = peer("TMF629", settings.tmf629_url, settings.tmf629_token)
    billing = peer("billing", settings.billing_url, settings.billing_token)
    return Peers(
        product_order=ProductOrdering(ordering, OrderUpdateMode(settings.tmf622_mode))
        if ordering
        else None,
        product_inventory=ProductInventory(inventory) if inventory else None,
        customer=CustomerRecords(customer) if customer else None,
        billing=Billing(billing) if billing else None,
    )


def jwt_config(settings: Settings) -> JwtConfig | None:
    """Trust JWTs only when a key is configured; pick safe algorithms for the key's kind."""
    if not settings.jwt_key:
        return None
    asymmetric = settings.jwt_key.lstrip().startswith("-----BEGIN")
    algorithms = settings.jwt_algorithms or (["RS256", "ES256"] if asymmetric else ["HS256"])
    return JwtConfig(
        key=settings.jwt_key,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        algorithms=tuple(algorithms),
        role_claim=settings.jwt_role_claim,
    )
