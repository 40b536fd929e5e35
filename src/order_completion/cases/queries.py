"""The read side of cases: one case with everything, and filtered pages of cases."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from order_completion.cases.tables import CompletionCase
from order_completion.errors import NotFound
from order_completion.tmf.query import Attribute, Filter, Page, conditions

FILTERS: dict[str, Attribute] = {
    "id": Attribute(CompletionCase.id),
    "state": Attribute(CompletionCase.state),
    "productOrder.id": Attribute(CompletionCase.product_order_id),
    "productOrder.category": Attribute(CompletionCase.order_category),
    "relatedParty.id": Attribute(CompletionCase.customer_id),
    "policy.id": Attribute(CompletionCase.policy_id),
    "jeopardy": Attribute(CompletionCase.jeopardy),
    "creationDate": Attribute(CompletionCase.created_at, "date"),
    "lastUpdate": Attribute(CompletionCase.updated_at, "date"),
    "completionDate": Attribute(CompletionCase.completed_at, "date"),
    "startOfServiceDate": Attribute(CompletionCase.start_of_service_date, "date"),
}


def _without_history() -> Select[CompletionCase]:
    return select(CompletionCase).options(
        selectinload(CompletionCase.steps),
        selectinload(CompletionCase.items),
        selectinload(CompletionCase.milestones),
    )


def _full() -> Select[CompletionCase]:
    return _without_history().options(selectinload(CompletionCase.history))


async def get_case(
    session: AsyncSession, case_id: str, *, with_history: bool = True
) -> CompletionCase:
    statement = _full() if with_history else _without_history()
    case = (await session.scalars(statement.where(CompletionCase.id == case_id))).first()
    if case is None:
        raise NotFound(f"no completion case {case_id}")
    return case


async def list_cases(
    session: AsyncSession,
    filters: Sequence[Filter],
    page: Page,
    *,
    with_history: bool = True,
    attributes: Mapping[str, Attribute] = FILTERS,
) -> tuple[list[CompletionCase], int]:
    """One page of cases, newest first, and how many match in all."""
    where = conditions(filters, attributes)
    total = await session.scalar(select(func.count()).select_from(CompletionCase).where(*where))
    statement = _full() if with_history else _without_history()
    rows = await session.scalars(
        statement.where(*where)
        .order_by(CompletionCase.created_at.desc(), CompletionCase.id)
        .offset(page.offset)
        .limit(page.limit)
    )
    return list(rows), int(total or 0)
