"""The dates the KPI report measures are kept on the case row: written by the save of the
command that reaches their milestone, and filled in by migration 0025 for cases that
existed before it, on both databases."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from alembic import command
from sqlalchemy import inspect, select

from order_completion import migrate
from order_completion.acceptance.schemas import AcceptanceDecisionRequest
from order_completion.bootstrap import Services, build_services
from order_completion.cases.tables import CASES
from order_completion.clock import FixedClock
from order_completion.commissioning.schemas import CommissioningTestResult
from tests.conftest import settings_for
from tests.integration.test_lean_rows_migration import empty_database  # noqa: F401 (fixture)
from tests.orders import business_order, failing_test, passing_test, product_order
from tests.support import decide, open_case, record_test

Dates = tuple[datetime | None, datetime | None, datetime | None]


def decision(kind: str, **extra: object) -> AcceptanceDecisionRequest:
    return AcceptanceDecisionRequest.model_validate(
        {"decision": kind, "decidedBy": {"name": "Dana Smith"}, **extra}
    )


async def row_dates(services: Services) -> dict[str, Dates]:
    """Each case's first ready-for-service notice, readyForClosure and start of service, as
    its row holds them."""
    columns = (
        CASES.c.ready_for_service_at,
        CASES.c.ready_for_closure_at,
        CASES.c.start_of_service_date,
    )
    async with services.db.read() as session:
        rows = await session.execute(select(CASES.c.id, *columns))
        return {row.id: tuple(row)[1:] for row in rows}


async def retested_and_accepted(services: Services, clock: FixedClock) -> str:
    """A business case (notified ready for service as it opens) whose test fails, then
    passes; rejected, retested (a second notice) and accepted, two days and five hours after
    it opened."""
    case_id = await open_case(services, business_order("PO-DATES"))
    await record_test(services, case_id, CommissioningTestResult.model_validate(failing_test()))
    clock.advance(timedelta(hours=4))
    passed = CommissioningTestResult.model_validate(passing_test())
    await record_test(services, case_id, passed)
    clock.advance(timedelta(days=1))
    await decide(services, case_id, decision("rejected", reason="Failover slow"))
    clock.advance(timedelta(days=1))
    await record_test(services, case_id, passed)
    clock.advance(timedelta(hours=1))
    await decide(services, case_id, decision("accepted"))
    return case_id


async def test_the_row_keeps_the_first_notice_and_readiness_for_closure(
    services: Services, clock: FixedClock
) -> None:
    opened = clock.now()
    case_id = await open_case(services, business_order("PO-DATES"))
    assert (await row_dates(services))[case_id] == (opened, None, None)  # notified as it opens

    clock.advance(timedelta(hours=4))
    passed = CommissioningTestResult.model_validate(passing_test())
    await record_test(services, case_id, passed)
    assert (await row_dates(services))[case_id] == (opened, None, None)

    clock.advance(timedelta(days=1))
    await decide(services, case_id, decision("rejected", reason="Failover slow"))
    clock.advance(timedelta(days=1))
    await record_test(services, case_id, passed)  # a second notice: the first one stays
    assert (await row_dates(services))[case_id] == (opened, None, None)

    clock.advance(timedelta(hours=1))
    await decide(services, case_id, decision("accepted"))
    accepted = opened + timedelta(days=2, hours=5)
    assert (await row_dates(services))[case_id] == (opened, accepted, accepted)


async def test_a_consumer_case_deemed_as_it_opens_has_both_dates_at_once(
    services: Services, clock: FixedClock
) -> None:
    case_id = await open_case(services, product_order("PO-DEEMED"))
    now = clock.now()
    assert (await row_dates(services))[case_id] == (now, now, now)


async def test_0025_fills_in_the_dates_of_cases_made_before_it(
    empty_database: str,  # noqa: F811 (the fixture imported above)
    clock: FixedClock,
) -> None:
    settings = settings_for(empty_database)
    await migrate.upgrade_async(settings)
    services = build_services(settings, clock=clock)
    try:
        await open_case(services, product_order("PO-DEEMED"))
        await retested_and_accepted(services, clock)
        await open_case(services, business_order("PO-WAITING"))  # notified, not accepted
        written = await row_dates(services)
    finally:
        await services.close()

    config = migrate.alembic_config(empty_database, settings)
    await asyncio.to_thread(command.downgrade, config, "0024")
    services = build_services(settings, clock=clock)
    try:
        async with services.db.engine.connect() as connection:
            names = await connection.run_sync(
                lambda sync: {c["name"] for c in inspect(sync).get_columns("completion_case")}
            )
        assert "ready_for_service_at" not in names  # the cases are as 0024 kept them
    finally:
        await services.close()
    await asyncio.to_thread(command.upgrade, config, "head")

    services = build_services(settings, clock=clock)
    try:
        filled = await row_dates(services)
    finally:
        await services.close()
    assert filled == written
    opened, now = clock.now() - timedelta(days=2, hours=5), clock.now()
    assert set(filled.values()) == {(opened,) * 3, (opened, now, now), (now, None, None)}
