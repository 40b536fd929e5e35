"""Service-level helpers shared by the integration tests."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from order_completion.bootstrap import Services
from order_completion.cases.queries import get_case
from order_completion.cases.representation import case_resource
from order_completion.cases.service import CaseUnit
from order_completion.events.outbox import OutboxEvent
from order_completion.orders.schemas import ProductOrder
from order_completion.timers.tables import Timer

T = TypeVar("T")


async def open_case(services: Services, order: dict[str, Any], policy: str | None = None) -> str:
    async def work(session: AsyncSession, now: datetime) -> str:
        result = await services.intake.open_case(
            session, ProductOrder.model_validate(order), now, policy_id=policy
        )
        return result.case_id

    return await services.write(work)


async def act(services: Services, case_id: str, action: Callable[[CaseUnit], Awaitable[T]]) -> T:
    """Run one step action on a case in its own transaction, as the API does."""

    async def work(session: AsyncSession, now: datetime) -> T:
        return await action(await services.cases.require(session, case_id, now))

    return await services.write(work)


async def case_json(services: Services, case_id: str) -> dict[str, Any]:
    async with services.db.read() as session:
        return case_resource(await get_case(session, case_id))


async def events(services: Services, case_id: str) -> list[dict[str, Any]]:
    async with services.db.read() as session:
        rows = await session.scalars(
            select(OutboxEvent).where(OutboxEvent.case_id == case_id).order_by(OutboxEvent.sequence)
        )
        return [row.payload for row in rows]


async def event_types(services: Services, case_id: str) -> list[str]:
    return [event["eventType"] for event in await events(services, case_id)]


async def count(services: Services, model: Any) -> int:
    async with services.db.read() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def timers_of(services: Services, case_id: str) -> list[Timer]:
    async with services.db.read() as session:
        rows = await session.scalars(
            select(Timer).where(Timer.case_id == case_id).order_by(Timer.due_at)
        )
        return list(rows)


def milestones(case: dict[str, Any]) -> list[str]:
    return [milestone["name"] for milestone in case["milestone"]]


def step_of(case: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(step for step in case["step"] if step["kind"] == kind)


def actions(case: dict[str, Any]) -> list[str]:
    return [entry["action"] for entry in case["history"]]
