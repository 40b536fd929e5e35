"""Reading the interaction log for other features (the portal, which logs a look at most
once an hour and keeps one move request open per session): plain values, one cheap read
on the case's own rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from order_completion.interactions.tables import PartyInteraction


@dataclass(frozen=True)
class Logged:
    """One interaction of a case, as far as the portal's rules need it."""

    description: str | None
    status: str
    logged_at: datetime


async def last_logged(session: AsyncSession, case_id: str, reason: str) -> datetime | None:
    """When an interaction of the case with this reason was last logged, or None."""
    latest: datetime | None = await session.scalar(
        select(func.max(PartyInteraction.creation_date)).where(
            PartyInteraction.case_id == case_id, PartyInteraction.reason == reason
        )
    )
    return latest


async def open_logged(session: AsyncSession, case_id: str, reason: str) -> list[Logged]:
    """The case's open interactions with this reason, oldest first."""
    rows = await session.execute(
        select(
            PartyInteraction.description,
            PartyInteraction.status,
            PartyInteraction.creation_date,
        )
        .where(
            PartyInteraction.case_id == case_id,
            PartyInteraction.reason == reason,
            PartyInteraction.status == "open",
        )
        .order_by(PartyInteraction.creation_date)
    )
    return [Logged(row.description, row.status, row.creation_date) for row in rows]
