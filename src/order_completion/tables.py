"""Every table of the service, imported in one place for Alembic and test set-up."""

from __future__ import annotations

from order_completion.acceptance.tables import AcceptanceDecision
from order_completion.appointments.tables import Appointment
from order_completion.attachments.tables import Attachment
from order_completion.auth.tables import ApiToken, EndedSession, SignInFailure, StaffUser
from order_completion.cases.tables import CaseRow, HistoryRow, ItemRow, StepRow
from order_completion.commissioning.tables import CommissioningRun
from order_completion.database import Base
from order_completion.events.deliveries import Delivery, DeliveryAttempt
from order_completion.events.outbox import OutboxBatch
from order_completion.events.subscriptions import Subscription
from order_completion.integrations.tables import PeerState
from order_completion.interactions.tables import PartyInteraction
from order_completion.orders.tables import InboundEvent
from order_completion.outbound.tables import OutboundCall
from order_completion.portal.tables import CustomerLinks
from order_completion.timers.tables import Timer

metadata = Base.metadata

__all__ = [
    "AcceptanceDecision",
    "ApiToken",
    "Appointment",
    "Attachment",
    "CaseRow",
    "CommissioningRun",
    "CustomerLinks",
    "Delivery",
    "DeliveryAttempt",
    "EndedSession",
    "HistoryRow",
    "InboundEvent",
    "ItemRow",
    "OutboundCall",
    "OutboxBatch",
    "PartyInteraction",
    "PeerState",
    "SignInFailure",
    "StaffUser",
    "StepRow",
    "Subscription",
    "Timer",
    "metadata",
]
