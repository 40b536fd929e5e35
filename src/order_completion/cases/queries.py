"""The read side of cases: one case with everything, and filtered pages of cases."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, selectinload

from order_completion.cases.tables import CompletionCase
from order_completion.errors import NotFound
from order_completion.tmf.query import Filter, Page, parse_datetime

FILTER_COLUMNS: dict[str, InstrumentedAttribute[Any]] = {
    "id": CompletionCase.id,
    "state": CompletionCase.state,
    "productOrder.id": CompletionCase.product_order_id,
    "productOrder.category": CompletionCase.order_category,
    "relatedParty.id": CompletionCase.customer_id,
    "policy.id": CompletionCase.policy_id,
    "jeopardy": CompletionCase.jeopardy,
    "creationDate": CompletionCase.created_at,
    "lastUpdate": CompletionCase.updated_at,
    "completionDate": CompletionCase.completed_at,
    "startOfServiceDate": CompletionCase.start_of_service_date,
}
DATE_FILTERS = {"creationDate", "lastUpdate", "completionDate", "startOfServiceDate"}


def _full() -> Select[CompletionCase]:
    return select(CompletionCase).options(
        selectinload(CompletionCase.steps),
        selectinload(CompletionCase.items),
        selectinload(CompletionCase.milestones),
        selectinload(CompletionCase.history),
    )


async def get_case(session: AsyncSession, case_id: str) -> CompletionCase:
    case = (await session.scalars(_full().where(CompletionCase.id == case_id))).first()
    if case is None:
        raise NotFound(f"no completion case {case_id}")
    return case


def _condition(item: Filter) -> ColumnElement[bool]:
    column = FILTER_COLUMNS[item.attribute]
    values: list[object] = list(item.values)
    if item.attribute in DATE_FILTERS:
        values = [parse_datetime(value, item.attribute) for value in item.values]
    if item.operator == "eq":
        return column.in_(values) if len(values) > 1 else column == values[0]
    operators = {
        "gt": column > values[0],
        "gte": column >= values[0],
        "lt": column < values[0],
        "lte": column <= values[0],
    }
    return operators[item.operator]


async def list_cases(
    session: AsyncSession, filters: Sequence[Filter], page: Page, *, with_history: bool = True
) -> tuple[list[CompletionCase], int]:
    """One page of cases, newest first, and how many match in all."""
    conditions = [_condition(item) for item in filters]
    total = await session.scalar(
        select(func.count()).select_from(CompletionCase).where(*conditions)
    )
    statement = (
        _full()
        if with_history
        else select(CompletionCase).options(
            selectinload(CompletionCase.steps),
            selectinload(CompletionCase.items),
            selectinload(CompletionCase.milestones),
        )
    )
    rows = await session.scalars(
        statement.where(*conditions)
        .order_by(CompletionCase.created_at.desc(), CompletionCase.id)
        .offset(page.offset)
        .limit(page.limit)
    )
    return list(rows), int(total or 0)
