"""The read side of cases: one case with everything, and filtered pages of cases, read
with Core into the same plain objects the aggregate uses (never locked, never saved)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from order_completion.cases.aggregate import CompletionCase, Step
from order_completion.cases.loading import case_from_row, cases_with_children, one_case
from order_completion.cases.repository import step_from_row
from order_completion.cases.rules import FINISHED_CASE_STATES
from order_completion.cases.tables import CASES, HISTORY, STEPS, CaseRow
from order_completion.errors import NotFound
from order_completion.tmf.counting import Count, RowCounter
from order_completion.tmf.query import Attribute, Filter, Page, conditions

FILTERS: dict[str, Attribute] = {
    "id": Attribute(CaseRow.id),
    "state": Attribute(CaseRow.state),
    "productOrder.id": Attribute(CaseRow.product_order_id),
    "productOrder.category": Attribute(CaseRow.order_category),
    "relatedParty.id": Attribute(CaseRow.customer_id),
    "policy.id": Attribute(CaseRow.policy_id),
    "jeopardy": Attribute(CaseRow.jeopardy),
    "fallout": Attribute(CaseRow.in_fallout, "boolean"),
    "waitingFor": Attribute(CaseRow.waiting_for),
    "creationDate": Attribute(CaseRow.created_at, "date"),
    "lastUpdate": Attribute(CaseRow.updated_at, "date"),
    "completionDate": Attribute(CaseRow.completed_at, "date"),
    "startOfServiceDate": Attribute(CaseRow.start_of_service_date, "date"),
}

History = dict[str, list[dict[str, Any]]]


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


async def get_case(session: AsyncSession, case_id: str) -> CompletionCase:
    """One case with its steps, items and milestones, in one statement."""
    row = (await session.execute(one_case(_dialect(session)), {"case_id": case_id})).first()
    if row is None:
        raise NotFound(f"no completion case {case_id}")
    return case_from_row(row)


async def get_step(session: AsyncSession, case_id: str, step_id: str) -> Step:
    row = (
        await session.execute(
            select(STEPS).where(STEPS.c.case_id == case_id, STEPS.c.id == step_id)
        )
    ).first()
    if row is None:
        if await session.scalar(select(CASES.c.id).where(CASES.c.id == case_id)) is None:
            raise NotFound(f"no completion case {case_id}")
        raise NotFound(f"case {case_id} has no step {step_id}")
    return step_from_row(row)


async def history_of(session: AsyncSession, case_ids: Sequence[str]) -> History:
    """The history entries of each case, oldest first, in their API shape."""
    entries: History = {case_id: [] for case_id in case_ids}
    if not case_ids:
        return entries
    rows = await session.execute(
        select(HISTORY.c.case_id, HISTORY.c.entries)
        .where(HISTORY.c.case_id.in_(case_ids))
        .order_by(HISTORY.c.case_id, HISTORY.c.seq)
    )
    for row in rows:
        entries[row.case_id] += row.entries
    return entries


async def history_page(
    session: AsyncSession, case_id: str, *, offset: int, limit: int
) -> tuple[list[dict[str, Any]], int]:
    """A page of the history of one case, oldest first, in API shape, and how many entries
    the case has in all (``[]`` and ``0`` for an unknown case).

    Every read of a case's history goes through here, so how history is stored can change
    behind this one function.
    """
    rows = await session.execute(
        select(HISTORY.c.entries).where(HISTORY.c.case_id == case_id).order_by(HISTORY.c.seq)
    )
    # One row per change that touched the case, each with its entries: a case has tens of
    # them, so the page is cut from all of its entries.
    entries = [entry for (gathered,) in rows for entry in gathered]
    return entries[offset : offset + limit], len(entries)


def ended_case_ids() -> Select[Any]:
    """The ids of cases in a final state (completed or cancelled), as a subquery: such a
    case takes no more changes, so nothing it owed other systems is owed again."""
    finished = [state.value for state in FINISHED_CASE_STATES]
    return select(CaseRow.id).where(CaseRow.state.in_(finished))


async def case_exists(session: AsyncSession, case_id: str) -> bool:
    return await session.scalar(select(CASES.c.id).where(CASES.c.id == case_id)) is not None


async def list_cases(
    session: AsyncSession,
    filters: Sequence[Filter],
    page: Page,
    counts: RowCounter,
    *,
    attributes: Mapping[str, Attribute] = FILTERS,
) -> tuple[list[CompletionCase], Count]:
    """One page of cases, newest first, with their steps, items and milestones (one
    statement), and how many match in all (counted over the filters' index, exactly up to
    the counter's bound, estimated above it)."""
    where = conditions(filters, attributes)
    total = await counts.count(session, select(CASES).where(*where))
    if not total.estimated and page.offset >= total.total:
        return [], total
    rows = await session.execute(
        cases_with_children(_dialect(session))
        .where(*where)
        .order_by(CASES.c.created_at.desc(), CASES.c.id.desc())
        .offset(page.offset)
        .limit(page.limit)
    )
    return [case_from_row(row) for row in rows], total
