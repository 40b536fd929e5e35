"""Migration 0017 turns the empty strings that stood for "no case" and "no category" into
NULL and lets an appointment have no end; going back restores the strings and gives an
end-less appointment its start as end. On both databases."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from alembic import command
from sqlalchemy import insert, select

from order_completion import migrate
from order_completion.appointments.tables import Appointment
from order_completion.bootstrap import Services, build_services
from order_completion.clock import FixedClock
from tests.conftest import settings_for
from tests.integration.test_lean_rows_migration import empty_database  # noqa: F401 (fixture)

START = datetime(2026, 12, 4, 10, tzinfo=UTC)
TABLE = Appointment.__table__


def _plain_row() -> dict[str, object]:
    return {
        "id": "plain-1",
        "case_id": None,
        "step_id": None,
        "category": None,
        "status": "initialized",
        "start": START,
        "end": None,
        "related_entity": [{"id": "WO-7", "role": "workOrder", "@referredType": "WorkOrder"}],
        "related_party": [],
        "contact_medium": [],
        "note": [],
        "attachment": [],
        "topics": [],
        "attendees": [],
        "attended": [],
        "creation_date": START,
        "last_update": START,
    }


@asynccontextmanager
async def _services(url: str, clock: FixedClock) -> AsyncIterator[Services]:
    services = build_services(settings_for(url), clock=clock)
    try:
        yield services
    finally:
        await services.close()


async def _rows(url: str, clock: FixedClock, *columns: str) -> list[tuple[object, ...]]:
    async with _services(url, clock) as services, services.db.read() as session:
        found = await session.execute(select(*(TABLE.c[name] for name in columns)))
        return [tuple(row) for row in found]


async def test_0017_makes_no_case_and_no_category_null_and_back(
    empty_database: str,  # noqa: F811 (the fixture imported above)
    clock: FixedClock,
) -> None:
    await migrate.upgrade_async(settings_for(empty_database))
    async with (
        _services(empty_database, clock) as services,
        services.db.engine.begin() as connection,
    ):
        await connection.execute(insert(TABLE).values(**_plain_row()))
    now = ("case_id", "category", "end", "related_entity")
    related = _plain_row()["related_entity"]
    assert await _rows(empty_database, clock, *now) == [(None, None, None, related)]

    config = migrate.alembic_config(empty_database, settings_for(empty_database))
    await asyncio.to_thread(command.downgrade, config, "0016")
    before = ("case_id", "category", "end")
    assert await _rows(empty_database, clock, *before) == [("", "", START)]

    await asyncio.to_thread(command.upgrade, config, "head")
    assert await _rows(empty_database, clock, *now) == [(None, None, START, None)]
