"""The wiring of what the service owes the systems around it: an adapter for each system
configured (order management, inventory, the customer record, billing), the customer's
messages, the attachment store, the case behaviour and projectors that depend on them, and
the runners that perform and record the outbound calls."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from order_completion.appointments.queries import appointment_by_id
from order_completion.attachments.store import AttachmentStore, FolderStore
from order_completion.bootstrap.behaviour import BEHAVIOUR, PROJECTORS
from order_completion.bootstrap.services import Services
from order_completion.cases.aggregate import CaseBehaviour
from order_completion.cases.rules import StepKind
from order_completion.cases.unit_of_work import Projector
from order_completion.certificates import handlers as certificates
from order_completion.certificates.service import certificate_of
from order_completion.communications.sending import MessageSender
from order_completion.communications.triggers import MessageProjector
from order_completion.customer_records import behaviour as customer_records
from order_completion.customer_records.performers import Peers, performers
from order_completion.customer_records.projection import LateContactProjector
from order_completion.events.retry import parse_schedule
from order_completion.integrations.billing import Billing
from order_completion.integrations.customer import CustomerRecords
from order_completion.integrations.messages.model import Messenger
from order_completion.integrations.messages.rendering import MessageRenderer
from order_completion.integrations.messages.transport import build_messenger
from order_completion.integrations.peer import ClientCredentials, Credentials, Peer
from order_completion.integrations.product_inventory import ProductInventory
from order_completion.integrations.product_order import OrderUpdateMode, ProductOrdering
from order_completion.integrations.s3 import S3Store, parse_store_url
from order_completion.outbound.rules import CallKind
from order_completion.outbound.runner import OutboundRunner
from order_completion.settings import Settings


@dataclass(frozen=True)
class OutboundRunners:
    """The worker's two runners of outbound calls: the certificates are rendered apart,
    a few at a time, so a batch of them never holds up the calls to other systems."""

    calls: OutboundRunner
    certificates: OutboundRunner


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


def messenger_for(settings: Settings, client: httpx.AsyncClient) -> Messenger | None:
    """How customer messages leave (SMTP or TMF681), or ``None`` when they do not."""
    return build_messenger(
        settings.message_transport,
        mail_from=settings.mail_from,
        smtp_url=settings.smtp_url.get_secret_value() if settings.smtp_url else None,
        tmf681_url=settings.tmf681_url,
        tmf681_token=settings.tmf681_token.get_secret_value() if settings.tmf681_token else None,
        http_client=client,
    )


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


def outbound_runners(services: Services, messenger: Messenger | None) -> OutboundRunners:
    """A performer and a recorder for every kind of call owed: one per system configured,
    the customer's messages when a messenger is, and the certificates."""
    db, settings, peers = services.db, services.settings, services.peers
    performing = performers(peers)
    recording = {target.value: services.record_customer_attempt for target in peers.targets}
    if messenger is not None:
        performing[CallKind.MESSAGE] = MessageSender(
            MessageRenderer(settings.template_dir),
            messenger,
            appointment=lambda appointment_id: appointment_by_id(db, appointment_id),
            certificate=lambda case_id: certificate_of(db, case_id),
            customers=peers.customer,
            portal_link=services.portal_link_of,
        )
        recording[CallKind.MESSAGE] = services.record_message
    schedule = parse_schedule(settings.integration_retry_schedule)
    calls = OutboundRunner(
        db=db,
        clock=services.clock,
        performers=performing,
        recorders=recording,
        schedule=schedule,
        timeout_seconds=settings.integration_timeout_seconds,
        excluding=frozenset({CallKind.CERTIFICATE}),
    )
    issuing = OutboundRunner(
        db=db,
        clock=services.clock,
        performers={CallKind.CERTIFICATE: certificates.issuer(db)},
        recorders={CallKind.CERTIFICATE: services.record_certificate},
        schedule=schedule,
        batch_size=4,
        kinds=frozenset({CallKind.CERTIFICATE}),
    )
    return OutboundRunners(calls, issuing)
