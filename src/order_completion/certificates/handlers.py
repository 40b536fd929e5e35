"""Issuing the certificate: render it (worker) and keep its hash on the case."""

from __future__ import annotations

from typing import Any

from order_completion.audit import SYSTEM
from order_completion.cases.unit_of_work import UnitOfWork
from order_completion.certificates.service import certificate_of
from order_completion.database import Database
from order_completion.outbound import store as outbound
from order_completion.outbound.commands import RecordCall
from order_completion.outbound.runner import Performer
from order_completion.outbound.store import ClaimedCall


def issuer(db: Database) -> Performer:
    """The outbound performer of certificate calls: render, and answer the hash."""

    async def issue(call: ClaimedCall) -> dict[str, Any]:
        rendered = await certificate_of(db, call.case_id)
        return {"sha256": rendered.sha256, "bytes": len(rendered.pdf)}

    return issue


async def record_certificate(uow: UnitOfWork, cmd: RecordCall) -> None:
    async with uow:
        current = await outbound.record(uow.session, cmd.call, cmd.outcome, cmd.verdict, uow.now)
        sha256 = (cmd.outcome.result or {}).get("sha256")
        if current and sha256:
            case = await uow.load(cmd.call.case_id, SYSTEM)
            case.note_certificate(str(sha256))
