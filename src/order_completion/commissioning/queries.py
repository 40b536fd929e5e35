"""Reading a case's commissioning test runs for other features (the certificate), as plain
values: they never see this feature's table."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from order_completion.commissioning.tables import CommissioningRun


@dataclass(frozen=True)
class RunRecord:
    """One commissioning test run as it was reported."""

    id: str
    round: int
    result: str
    test_items: list[dict[str, Any]]
    witnessed_by: dict[str, Any] | None
    recorded_at: datetime


async def runs_of_case(session: AsyncSession, case_id: str) -> tuple[RunRecord, ...]:
    """Every run reported for the case, oldest first."""
    rows = await session.scalars(
        select(CommissioningRun)
        .where(CommissioningRun.case_id == case_id)
        .order_by(CommissioningRun.recorded_at, CommissioningRun.id)
    )
    return tuple(
        RunRecord(
            id=row.id,
            round=row.round,
            result=row.result,
            test_items=list(row.test_items),
            witnessed_by=dict(row.witnessed_by) if row.witnessed_by else None,
            recorded_at=row.recorded_at,
        )
        for row in rows
    )
