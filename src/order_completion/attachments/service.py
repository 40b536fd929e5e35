"""Attachments other features use: linking a case's files to the test run or decision they
back, and reading them back as evidence; finding the attachment an upload already made; and
a case's files as the API and the customer portal list and serve them."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from order_completion.attachments.rules import EvidenceOf
from order_completion.attachments.tables import Attachment
from order_completion.errors import InvalidInput


async def attach(
    session: AsyncSession, case_id: str, ids: Sequence[str], of: EvidenceOf, record_id: str
) -> list[Attachment]:
    """Make the case's files ``ids`` the evidence of a run or decision; 400 naming
    ``attachment`` for an id this case does not have, or a file that backs something else."""
    if not ids:
        return []
    rows = {
        row.id: row
        for row in (
            await session.execute(
                select(Attachment).where(Attachment.case_id == case_id, Attachment.id.in_(ids))
            )
        ).scalars()
    }
    unknown = [attachment_id for attachment_id in ids if attachment_id not in rows]
    if unknown:
        raise InvalidInput(f"this case has no attachment {unknown[0]}", field="attachment")
    target = f"{of.value}:{record_id}"
    for row in rows.values():
        if row.evidence_of not in (None, target):
            raise InvalidInput(
                f"attachment {row.id} is already the evidence of {row.evidence_of}",
                field="attachment",
            )
        row.evidence_of = target
    return list(rows.values())


async def same_file(
    session: AsyncSession, case_id: str, sha256: str, name: str
) -> Attachment | None:
    """The case's attachment of these bytes under this name, if an upload made one."""
    found = await session.scalars(
        select(Attachment)
        .where(Attachment.case_id == case_id, Attachment.sha256 == sha256, Attachment.name == name)
        .order_by(Attachment.created_at, Attachment.id)
        .limit(1)
    )
    return found.first()


async def evidence_of_case(session: AsyncSession, case_id: str) -> dict[str, list[Attachment]]:
    """The case's files that back a run or decision, by that run's or decision's id."""
    rows = (
        await session.execute(
            select(Attachment)
            .where(Attachment.case_id == case_id, Attachment.evidence_of.is_not(None))
            .order_by(Attachment.created_at, Attachment.id)
        )
    ).scalars()
    found: dict[str, list[Attachment]] = {}
    for row in rows:
        record_id = str(row.evidence_of).split(":", 1)[1]
        found.setdefault(record_id, []).append(row)
    return found


async def files_of_case(session: AsyncSession, case_id: str) -> list[Attachment]:
    """Every file of the case, oldest first (a case holds a handful)."""
    rows = await session.scalars(
        select(Attachment)
        .where(Attachment.case_id == case_id)
        .order_by(Attachment.created_at, Attachment.id)
    )
    return list(rows)


async def file_of_case(
    session: AsyncSession, case_id: str, attachment_id: str
) -> Attachment | None:
    """The case's file ``attachment_id``, or None when the case has no such file: a file of
    another case is not one of this case's, so nothing tells the caller it exists."""
    row = await session.get(Attachment, attachment_id)
    return row if row is not None and row.case_id == case_id else None
