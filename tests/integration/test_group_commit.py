"""On SQLite, commands that arrive together share one commit, yet each fails alone and each
caller is answered only once its change is committed."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.engine import make_url

from order_completion.acceptance.schemas import AcceptanceDecisionRequest
from order_completion.bootstrap import Services, build_services
from order_completion.clock import FixedClock
from order_completion.errors import Conflict
from tests.conftest import settings_for
from tests.orders import business_order, product_order
from tests.support import decide, open_case

TOGETHER = 20


@pytest.fixture
async def sqlite_services(sqlite_url: str, clock: FixedClock) -> AsyncIterator[Services]:
    built = build_services(settings_for(sqlite_url), clock=clock)
    try:
        yield built
    finally:
        await built.close()


def committed_case_ids(url: str) -> set[str]:
    """What another process would see: a plain connection of its own."""
    path = make_url(url).database
    assert path is not None
    with sqlite3.connect(path) as connection:
        return {row[0] for row in connection.execute("SELECT id FROM completion_case")}


async def test_commands_arriving_together_share_commits_and_fail_alone(
    sqlite_services: Services, sqlite_url: str
) -> None:
    services = sqlite_services
    waiting_for_a_test = await open_case(services, business_order())
    writer = services.db.writer
    assert writer is not None
    units, commits = writer.units, writer.commits

    refused = AcceptanceDecisionRequest.model_validate(
        {"decision": "accepted", "decidedBy": {"name": "Dana Smith"}}
    )

    async def open_one() -> str:
        case_id = await open_case(services, product_order())
        # Answered only once durable: another connection already sees it.
        assert case_id in committed_case_ids(sqlite_url)
        return case_id

    results = await asyncio.gather(
        *(open_one() for _ in range(TOGETHER // 2)),
        decide(services, waiting_for_a_test, refused),  # acceptance is not open yet: 409
        *(open_one() for _ in range(TOGETHER // 2)),
        return_exceptions=True,
    )

    failures = [result for result in results if isinstance(result, BaseException)]
    assert len(failures) == 1
    assert isinstance(failures[0], Conflict)
    opened = {result for result in results if isinstance(result, str)}
    assert len(opened) == TOGETHER
    assert opened <= committed_case_ids(sqlite_url)
    assert writer.units - units == TOGETHER + 1
    assert writer.commits - commits < TOGETHER // 2  # they were committed in groups
