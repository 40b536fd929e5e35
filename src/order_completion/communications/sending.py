"""Sending one owed message: its recipients (the order's contacts, and the customer's record
when TMF629 is configured), its rendering, its attachments (an invitation's ``.ics``, the
acceptance certificate), and the transport. Performed by the worker, outside any
transaction; a failure says whether another attempt may help."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from order_completion.acceptance.certificate import MEDIA_TYPE, RenderedCertificate
from order_completion.appointments.calendar import details
from order_completion.appointments.queries import Appointment
from order_completion.integrations.customer import CustomerRecords
from order_completion.integrations.errors import PermanentFailure
from order_completion.integrations.messages.calendar import invitation_attachment
from order_completion.integrations.messages.model import (
    AppointmentChange,
    Attachment,
    DeliveredItem,
    Message,
    MessageContext,
    MessageKind,
    Messenger,
)
from order_completion.integrations.messages.rendering import MessageRenderer
from order_completion.integrations.messages.rules import NoRecipient, recipients_for
from order_completion.outbound.store import ClaimedCall

INVITATIONS = frozenset({MessageKind.COMMISSIONING_INVITATION, MessageKind.TRAINING_INVITATION})
# The messages that ask the customer to accept: they carry a link to the customer portal.
ASKING_TO_ACCEPT = frozenset(
    {MessageKind.READY_FOR_SERVICE_NOTICE, MessageKind.ACCEPTANCE_REMINDER}
)
# The detail of a failure that no retry can mend: the customer has no address to write to.
NO_ADDRESS = "no e-mail address for the customer"


def _moment(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def _day(value: Any) -> date | None:
    moment = _moment(value)
    return moment.date() if moment else None


def context_of(payload: dict[str, Any], case_id: str) -> MessageContext:
    return MessageContext(
        customer_name=payload.get("customerName") or payload["customerId"],
        order_id=payload["orderId"],
        case_id=case_id,
        items=tuple(
            DeliveredItem(str(item.get("name")), item.get("offering"))
            for item in payload.get("item") or []
        ),
        start_of_service=_day(payload.get("startOfService")),
        acceptance_window_end=_moment(payload.get("acceptanceWindowEnd")),
        punch_list=tuple(payload.get("punchList") or ()),
        rejection_reason=payload.get("rejectionReason"),
    )


@dataclass
class MessageSender:
    renderer: MessageRenderer
    messenger: Messenger
    appointment: Callable[[str], Awaitable[Appointment | None]]
    certificate: Callable[[str], Awaitable[RenderedCertificate]]
    customers: CustomerRecords | None = None
    portal_link: Callable[[str], Awaitable[str]] | None = None  # a case's portal URL

    async def __call__(self, call: ClaimedCall) -> dict[str, Any]:
        payload = call.payload
        kind = MessageKind(payload["messageKind"])
        record = await self.customers.record(payload["customerId"]) if self.customers else None
        try:
            recipients = recipients_for({"relatedParty": payload.get("orderParty") or []}, record)
        except NoRecipient as error:
            raise PermanentFailure(f"{NO_ADDRESS}: {error}") from None
        context = context_of(payload, call.case_id)
        attachments: list[Attachment] = []
        if kind in INVITATIONS:
            context = await self._with_appointment(context, payload)
            attachments.append(invitation_attachment(kind, context))
        if kind in ASKING_TO_ACCEPT and self.portal_link is not None:
            context = replace(context, portal_link=await self.portal_link(call.case_id))
        if kind is MessageKind.ACCEPTANCE_CONFIRMATION:
            certificate = await self.certificate(call.case_id)
            name = f"acceptance-certificate-{context.order_id}.pdf"
            attachments.append(Attachment(name, MEDIA_TYPE, certificate.pdf))
        rendered = self.renderer.render(kind, replace(context, recipient_name=recipients[0].name))
        message = Message(
            key=f"{call.case_id}.{call.purpose}",
            content=rendered,
            recipients=recipients,
            attachments=tuple(attachments),
        )
        sent = await self.messenger.send(message)
        return {
            "provider": sent.provider,
            "messageId": sent.message_id,
            "subject": rendered.subject,
            "to": [recipient.email for recipient in recipients],
            "refused": list(sent.refused),
        }

    async def _with_appointment(
        self, context: MessageContext, payload: dict[str, Any]
    ) -> MessageContext:
        row = await self.appointment(str(payload["appointmentId"]))
        if row is None:
            raise PermanentFailure(f"appointment {payload['appointmentId']} no longer exists")
        # The appointment as it is now, with its current sequence: a message sent late
        # (retried, or after a later move) still hands the calendar the latest version.
        appointment = details(row)
        if appointment.change is AppointmentChange.SCHEDULED:
            change = AppointmentChange(payload.get("change") or AppointmentChange.SCHEDULED)
            appointment = replace(appointment, change=change)
        return replace(context, appointment=appointment)
