"""What a message attempt came to, on the case: a sent message, or one that failed for good,
is logged as a completion-phase interaction (TMF683); a customer who cannot be reached
makes the case ask for the missing information."""

from __future__ import annotations

from typing import Any

from order_completion.audit import SYSTEM
from order_completion.cases.events import Direction
from order_completion.cases.unit_of_work import UnitOfWork
from order_completion.outbound import store as outbound
from order_completion.outbound.commands import RecordCall
from order_completion.outbound.rules import CallState


async def record_message(uow: UnitOfWork, cmd: RecordCall) -> None:
    async with uow:
        current = await outbound.record(uow.session, cmd.call, cmd.outcome, cmd.verdict, uow.now)
        if not current or cmd.verdict.state is CallState.PENDING:
            return  # another attempt follows: only the end of a message is logged
        case = await uow.load(cmd.call.case_id, SYSTEM)
        kind = str(cmd.call.payload["messageKind"])
        result: dict[str, Any] = dict(cmd.outcome.result or {})
        if cmd.verdict.state is CallState.DONE:
            to = ", ".join(str(address) for address in result.get("to") or [])
            case.log_interaction(
                kind,
                Direction.OUTBOUND,
                description=f"{result.get('subject')} (to {to})",
                status="completed",
            )
        else:
            case.log_interaction(
                kind, Direction.OUTBOUND, description=cmd.outcome.error, status="failed"
            )
            case.message_failed(kind, cmd.outcome.error)
