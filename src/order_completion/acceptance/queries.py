"""Reading a case's explicit acceptance decisions for other features (the certificate), as
plain values: they never see this feature's table."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from order_completion.acceptance.tables import AcceptanceDecision


@dataclass(frozen=True)
class DecisionRecord:
    """One decision the customer gave, as it was recorded."""

    id: str
    round: int
    decision: str
    decided_by: dict[str, Any]
    reason: str | None
    decided_at: datetime


async def decisions_of_case(session: AsyncSession, case_id: str) -> tuple[DecisionRecord, ...]:
    """Every decision recorded for the case, oldest first."""
    rows = await session.scalars(
        select(AcceptanceDecision)
        .where(AcceptanceDecision.case_id == case_id)
        .order_by(AcceptanceDecision.decided_at, AcceptanceDecision.id)
    )
    return tuple(
        DecisionRecord(
            id=row.id,
            round=row.round,
            decision=row.decision,
            decided_by=dict(row.decided_by),
            reason=row.reason,
            decided_at=row.decided_at,
        )
        for row in rows
    )
