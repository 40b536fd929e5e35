"""Migration 0016 fills in who each existing case waits for, on both databases."""

from __future__ import annotations

import asyncio

from alembic import command
from sqlalchemy import select

from order_completion import migrate
from order_completion.bootstrap import build_services
from order_completion.cases.tables import CASES
from order_completion.clock import FixedClock
from tests.conftest import settings_for
from tests.integration.test_lean_rows_migration import empty_database  # noqa: F401 (fixture)
from tests.orders import business_order, product_order
from tests.support import open_case


async def test_0016_fills_in_who_each_existing_case_waits_for(
    empty_database: str,  # noqa: F811 (the fixture imported above)
    clock: FixedClock,
) -> None:
    await migrate.upgrade_async(settings_for(empty_database))
    services = build_services(settings_for(empty_database), clock=clock)
    try:
        business = await open_case(services, business_order())  # waits for its test
        consumer = await open_case(services, product_order())  # completed at once
    finally:
        await services.close()

    config = migrate.alembic_config(empty_database, settings_for(empty_database))
    await asyncio.to_thread(command.downgrade, config, "0014")
    await asyncio.to_thread(command.upgrade, config, "head")

    services = build_services(settings_for(empty_database), clock=clock)
    try:
        async with services.db.read() as session:
            rows = await session.execute(select(CASES.c.id, CASES.c.waiting_for))
            waiting = {row.id: row.waiting_for for row in rows}
    finally:
        await services.close()
    assert waiting == {business: "engineer", consumer: "nobody"}
