"""The composition root: builds every service from settings, and nothing else does.

Step starters, timer jobs and projectors of each feature are wired here, so features stay
unaware of each other and tests can build the same graph with a fixed clock and transport.
The wiring is kept in parts: the case behaviour (``behaviour``), the services it builds
(``services``), the systems around us and the calls owed to them (``outbound``), the link
to order management (``order_link``) and the worker's jobs (``jobs``).
"""

from __future__ import annotations

import httpx

from order_completion.auth.service import Authenticator, JwtConfig
from order_completion.bootstrap.behaviour import BEHAVIOUR, DERIVATIONS, PROJECTORS
from order_completion.bootstrap.jobs import Retention, build_worker
from order_completion.bootstrap.order_link import order_management_link
from order_completion.bootstrap.outbound import (
    attachment_store,
    behaviour_for,
    build_peers,
    messenger_for,
    outbound_runners,
    projectors_for,
)
from order_completion.bootstrap.services import Services, Tallies
from order_completion.clock import Clock, SystemClock
from order_completion.database import Database
from order_completion.events.guard import CallbackGuard, parse_allowlist
from order_completion.events.retry import parse_schedule
from order_completion.events.sealing import secret_box
from order_completion.events.sender import ReceiverClients, Sender
from order_completion.events.stream import StreamPublisher
from order_completion.orders.handlers import Intake
from order_completion.policies.loader import load_policies
from order_completion.policies.service import PolicyBook
from order_completion.portal.signing import LinkSigner, signing_keys
from order_completion.settings import Settings
from order_completion.timers.worker import TimerWorker
from order_completion.tmf.counting import RowCounter

__all__ = [
    "BEHAVIOUR",
    "DERIVATIONS",
    "PROJECTORS",
    "Retention",
    "Services",
    "Tallies",
    "build_services",
    "jwt_config",
]


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
    tallies = Tallies()
    peer_client = httpx.AsyncClient(
        timeout=settings.integration_timeout_seconds, transport=transport
    )
    peers = build_peers(settings, peer_client)
    messenger = messenger_for(settings, peer_client)
    sender = _sender(settings, db, clock, tallies, transport)
    stream = (
        StreamPublisher(db, clock, settings.nats_url, DERIVATIONS, stream=settings.nats_stream)
        if settings.nats_url
        else None
    )
    services = Services(
        settings=settings,
        db=db,
        clock=clock,
        policies=policies,
        intake=Intake(policies, settings.trigger_states, on_result=tallies.count_inbound),
        guard=sender.guard,
        sender=sender,
        auth=_authenticator(settings, db, clock),
        counts=RowCounter(settings.exact_count_limit),
        secret_box=sender.box,
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
    services.timers = TimerWorker(
        db=db,
        clock=clock,
        fire=services.fire_timer,
        fire_many=services.fire_timers,
        give_up=services.give_up_timer,
        # SQLite runs one write transaction at a time: a second batch would only queue.
        in_flight=1 if db.dialect == "sqlite" else 2,
    )
    services.order_link = order_management_link(services)
    services.worker = build_worker(services, outbound_runners(services, messenger))
    return services


def _sender(
    settings: Settings,
    db: Database,
    clock: Clock,
    tallies: Tallies,
    transport: httpx.AsyncBaseTransport | None,
) -> Sender:
    """The sender of hub deliveries, counting what each attempt came to; its callback guard
    and secret box are the services' own."""
    return Sender(
        db=db,
        clock=clock,
        # Redirects are failures: a receiver that moved must be registered again.
        clients=ReceiverClients(
            lambda: httpx.AsyncClient(follow_redirects=False, transport=transport)
        ),
        guard=CallbackGuard(parse_allowlist(settings.callback_allowlist)),
        derivations=DERIVATIONS,
        box=secret_box(settings.secret_keys, settings.secret_key_file),
        schedule=parse_schedule(settings.retry_schedule),
        timeout_seconds=settings.delivery_timeout_seconds,
        on_verdict=tallies.count_verdict,
    )


def _authenticator(settings: Settings, db: Database, clock: Clock) -> Authenticator:
    return Authenticator(
        db,
        bootstrap_token=settings.bootstrap_token,
        jwt_config=jwt_config(settings),
        cache_seconds=settings.token_cache_seconds,
        cache_size=settings.token_cache_size,
        clock=clock,
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
