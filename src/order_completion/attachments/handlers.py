"""Adding a file to a case: its bytes are stored by their hash first (a file stored for a
request that then fails is only an unused copy), then its row and a history entry are
written with the case in one unit of work.

A client that retries an upload (its first answer lost to a timeout) sends the same bytes
under the same name again: that is the attachment already made, given back rather than
made twice. A finished case takes no more files, and none of their bytes are stored."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from order_completion.attachments.rules import essence_of, media_type_problem, name_problem
from order_completion.attachments.service import same_file
from order_completion.attachments.store import AttachmentStore
from order_completion.attachments.tables import Attachment
from order_completion.audit import Actor
from order_completion.cases import queries
from order_completion.cases.aggregate import CompletionCase
from order_completion.cases.events import HistoryAction
from order_completion.cases.rules import FINISHED_CASE_STATES
from order_completion.cases.unit_of_work import UnitOfWork
from order_completion.errors import Conflict, InvalidInput


@dataclass(frozen=True)
class AddAttachment:
    case_id: str
    name: str
    media_type: str
    data: bytes
    description: str | None
    actor: Actor


@dataclass(frozen=True)
class Added:
    """The attachment, and whether this request made it (``False``: a retry of the upload
    that did)."""

    attachment: Attachment
    created: bool


async def add_attachment(
    uow: UnitOfWork, store: AttachmentStore, allowed: frozenset[str], cmd: AddAttachment
) -> Added:
    _check(cmd, allowed)
    sha256 = hashlib.sha256(cmd.data).hexdigest()
    # A look before the bytes are stored, so a finished case (or a retry) stores nothing;
    # the unit of work below decides again, on the case as it then is.
    async with uow.db.read() as session:
        earlier = await _earlier(session, await queries.get_case(session, cmd.case_id), sha256, cmd)
    if earlier is not None:
        return Added(earlier, created=False)
    stored = await store.put(cmd.data)
    assert stored == sha256, "the store names a file by its SHA-256"
    async with uow:
        case = await uow.load(cmd.case_id, cmd.actor)
        # The case row is locked from here to the commit, so two uploads of one file to one
        # case cannot both find none and both add one.
        earlier = await _earlier(uow.session, case, sha256, cmd)
        if earlier is not None:
            return Added(earlier, created=False)
        row = _new_row(case, sha256, cmd, uow)
        uow.add(row)
        case.record(
            HistoryAction.ATTACHMENT_ADDED,
            attachmentId=row.id,
            name=row.name,
            sha256=sha256,
            size=row.size,
        )
    return Added(row, created=True)


def _check(cmd: AddAttachment, allowed: frozenset[str]) -> None:
    problem = name_problem(cmd.name)
    if problem:
        raise InvalidInput(problem, field="name")
    problem = media_type_problem(cmd.media_type, allowed)
    if problem:
        raise InvalidInput(problem, field="Content-Type")
    if not cmd.data:
        raise InvalidInput("the body is empty: send the file's bytes", field="body")


async def _earlier(
    session: AsyncSession, case: CompletionCase, sha256: str, cmd: AddAttachment
) -> Attachment | None:
    """The attachment an earlier upload of this file made; 409 for a finished case (its
    certificate, if it has one, lists the evidence as it was)."""
    if case.state in FINISHED_CASE_STATES:
        raise Conflict(f"the case is {case.state}; a finished case takes no more attachments")
    return await same_file(session, case.id, sha256, cmd.name)


def _new_row(case: CompletionCase, sha256: str, cmd: AddAttachment, uow: UnitOfWork) -> Attachment:
    return Attachment(
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
