"""Adding a file to a case: its bytes are stored by their hash first (a file stored for a
request that then fails is only an unused copy), then its row and a history entry are
written with the case in one unit of work."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from order_completion.attachments.rules import essence_of, media_type_problem, name_problem
from order_completion.attachments.store import AttachmentStore
from order_completion.attachments.tables import Attachment
from order_completion.audit import Actor
from order_completion.cases.events import HistoryAction
from order_completion.cases.unit_of_work import UnitOfWork
from order_completion.errors import InvalidInput


@dataclass(frozen=True)
class AddAttachment:
    case_id: str
    name: str
    media_type: str
    data: bytes
    description: str | None
    actor: Actor


async def add_attachment(
    uow: UnitOfWork, store: AttachmentStore, allowed: frozenset[str], cmd: AddAttachment
) -> Attachment:
    problem = name_problem(cmd.name)
    if problem:
        raise InvalidInput(problem, field="name")
    problem = media_type_problem(cmd.media_type, allowed)
    if problem:
        raise InvalidInput(problem, field="Content-Type")
    if not cmd.data:
        raise InvalidInput("the body is empty: send the file's bytes", field="body")
    sha256 = await store.put(cmd.data)
    async with uow:
        case = await uow.load(cmd.case_id, cmd.actor)
        row = Attachment(
            id=str(uuid.uuid4()),
            case_id=case.id,
            name=cmd.name,
            media_type=essence_of(cmd.media_type),
            size=len(cmd.data),
            sha256=sha256,
            description=cmd.description,
            evidence_of=None,
            created_at=uow.now,
            created_by=(cmd.actor.name or "")[:200] or None,
        )
        uow.add(row)
        case.record(
            HistoryAction.ATTACHMENT_ADDED,
            attachmentId=row.id,
            name=row.name,
            sha256=sha256,
            size=row.size,
        )
    return row
