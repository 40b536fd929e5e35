"""What a customer message is made of: its kind, the facts it tells, and the sent result.

Everything here is a plain frozen value, so the caller (a durable outbound job) can build it from
the case and the transports can send it without knowing where it came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol

from order_completion.integrations.messages.rules import Recipient


class MessageKind(StrEnum):
    """Every message the service sends to a customer; each has its own templates."""

    READY_FOR_SERVICE_NOTICE = "readyForServiceNotice"
    ACCEPTANCE_REMINDER = "acceptanceReminder"
    REJECTION_RECEIVED = "rejectionReceived"
    ACCEPTANCE_CONFIRMATION = "acceptanceConfirmation"
    COMMISSIONING_INVITATION = "commissioningInvitation"
    TRAINING_INVITATION = "trainingInvitation"
    COMPLETION_WELCOME = "completionWelcome"
    SATISFACTION_SURVEY = "satisfactionSurvey"


class MessageTransport(StrEnum):
    """How messages leave: ``none`` keeps them as events only, as with no mail set up."""

    NONE = "none"
    SMTP = "smtp"
    TMF681 = "tmf681"


class AppointmentChange(StrEnum):
    """Why an invitation is sent again: the calendar replaces or removes the earlier one."""

    SCHEDULED = "scheduled"
    UPDATED = "updated"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class DeliveredItem:
    name: str
    offering: str | None = None


@dataclass(frozen=True)
class Person:
    name: str | None = None
    email: str | None = None
    phone: str | None = None


@dataclass(frozen=True)
class AppointmentDetails:
    """A commissioning visit or training session as the customer's calendar must see it.

    ``uid`` stays the same for every version of one appointment and ``sequence`` grows with each
    change, so calendars replace the earlier invitation instead of adding a second one.
    ``end`` is unknown only for a plain TMF646 appointment booked with just its start.
    """

    uid: str
    start: datetime
    end: datetime | None
    place: str | None = None
    trainer: Person | None = None
    topics: tuple[str, ...] = ()
    attendees: tuple[Person, ...] = ()
    change: AppointmentChange = AppointmentChange.SCHEDULED
    sequence: int = 0
    # Booked but not yet confirmed: calendars show it as tentative.
    tentative: bool = False
    stamp: datetime | None = None


@dataclass(frozen=True)
class MessageContext:
    """The facts a message template may show; optional ones are ``None`` or empty when unknown."""

    customer_name: str
    order_id: str
    case_id: str
    recipient_name: str | None = None
    items: tuple[DeliveredItem, ...] = ()
    start_of_service: date | None = None
    acceptance_window_end: datetime | None = None
    punch_list: tuple[str, ...] = ()
    rejection_reason: str | None = None
    appointment: AppointmentDetails | None = None
    help_contact: Person | None = None
    portal_link: str | None = None
    survey_link: str | None = None


@dataclass(frozen=True)
class Attachment:
    """A file sent with a message; ``parameters`` go on its content type (``method`` of an .ics)."""

    filename: str
    media_type: str
    data: bytes
    parameters: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class RenderedMessage:
    kind: MessageKind
    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class Message:
    """One message ready to send; ``key`` is stable across retries of the same send.

    The SMTP transport turns the key into the Message-ID and TMF681 carries it as a
    characteristic, so a receiver can recognise a message sent twice after a lost answer.
    """

    key: str
    content: RenderedMessage
    recipients: tuple[Recipient, ...]
    attachments: tuple[Attachment, ...] = field(default=())


@dataclass(frozen=True)
class SentMessage:
    """What the transport reported: which provider took the message and its id there."""

    provider: str
    message_id: str
    refused: tuple[str, ...] = ()


class Messenger(Protocol):
    """Sends one message; raises ``TransientFailure`` or ``PermanentFailure`` when it cannot."""

    async def send(self, message: Message) -> SentMessage: ...
