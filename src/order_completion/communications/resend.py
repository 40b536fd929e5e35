"""An operator sends a customer message again (a notice the customer says never came, an
invitation they lost): the same message, fixed as it was owed, owed once more.

The message that was sent stays as it was; the new one is another outbound call of the
case, made by the worker like the first, its outcome logged as an interaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from order_completion.audit import Actor
from order_completion.cases.events import HistoryAction, RequestedCall
from order_completion.cases.unit_of_work import UnitOfWork
from order_completion.errors import Conflict, NotFound
from order_completion.outbound import store as outbound
from order_completion.outbound.rules import CallKind, CallState

RESEND = ":resend:"


@dataclass(frozen=True)
class ResendMessage:
    case_id: str
    message_id: str  # the outbound call that sent (or failed to send) the message
    actor: Actor


async def resend_message(uow: UnitOfWork, cmd: ResendMessage) -> str:
    """Owe the message again; 404 for a message the case does not have, 409 while it is
    still being sent. Returns the purpose of the new call."""
    async with uow:
        case = await uow.load(cmd.case_id, cmd.actor)
        calls = await outbound.calls_of(uow.session, case.id)
        sent = next((call for call in calls if call.id == cmd.message_id), None)
        if sent is None or sent.kind != CallKind.MESSAGE:
            raise NotFound(f"case {case.id} has no message {cmd.message_id}", field="message")
        if CallState(sent.state) is CallState.PENDING:
            raise Conflict("this message is still being sent: wait for its outcome")
        first = sent.purpose.split(RESEND)[0]
        again = sum(1 for call in calls if call.purpose.startswith(first + RESEND)) + 1
        purpose = f"{first}{RESEND}{again}"
        case.request_calls([RequestedCall(CallKind.MESSAGE, purpose, dict(sent.payload))])
        case.record(
            HistoryAction.MESSAGE_RESENT,
            message=sent.payload.get("messageKind"),
            resentOf=sent.id,
        )
        return purpose
