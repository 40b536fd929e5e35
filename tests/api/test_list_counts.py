"""Lists count the rows that match exactly up to ``ORDER_COMPLETION_EXACT_COUNT_LIMIT``;
above it ``X-Total-Count`` is an estimate, never below the limit, marked as one."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select, text

from order_completion.bootstrap import Services
from order_completion.cases.tables import CASES
from order_completion.events.catalog import BASE_PATHS, Api
from order_completion.tmf.counting import ESTIMATED_HEADER, Count, RowCounter
from tests.orders import BASE, product_order

LIMIT = 3
CASES_PATH = f"{BASE}/completionCase"
FLOWS = f"{BASE_PATHS[Api.PROCESS_FLOW]}/processFlow"
INTERACTIONS = f"{BASE_PATHS[Api.PARTY_INTERACTION]}/partyInteraction"


@pytest.fixture
def extra_settings() -> dict[str, Any]:
    return {"exact_count_limit": LIMIT}


async def open_cases(client: httpx.AsyncClient, count: int, customer: str) -> None:
    for _ in range(count):
        order = product_order(customer_id=customer)
        answer = await client.post(CASES_PATH, json={"productOrder": order})
        assert answer.status_code == 201, answer.text


def assert_estimated(answer: httpx.Response, returned: int) -> int:
    assert answer.status_code == 200, answer.text
    assert answer.headers[ESTIMATED_HEADER] == "true"
    assert answer.headers["X-Result-Count"] == str(returned)
    total = int(answer.headers["X-Total-Count"])
    assert total > LIMIT
    return total


def assert_exact(answer: httpx.Response, total: int) -> None:
    assert answer.status_code == 200, answer.text
    assert ESTIMATED_HEADER not in answer.headers
    assert answer.headers["X-Total-Count"] == str(total)


async def test_lists_over_the_limit_answer_an_estimate_marked_as_one(
    client: httpx.AsyncClient,
) -> None:
    await open_cases(client, 5, "C-MANY")

    assert_estimated(await client.get(CASES_PATH, params={"limit": "2"}), 2)
    completed = {"state": "completed", "relatedParty.id": "C-MANY"}
    assert_estimated(await client.get(CASES_PATH, params=completed), 5)
    assert_estimated(await client.get(FLOWS, params={"limit": "1"}), 1)
    # Each case sent its customer a ready-for-service notice: a list of interactions.
    assert_estimated(await client.get(INTERACTIONS, params={"limit": "4"}), 4)


async def test_lists_up_to_the_limit_are_counted_exactly_without_the_mark(
    client: httpx.AsyncClient,
) -> None:
    await open_cases(client, 3, "C-THREE")
    await open_cases(client, 2, "C-TWO")

    at_the_limit = {"state": "completed", "relatedParty.id": "C-THREE"}
    assert_exact(await client.get(CASES_PATH, params=at_the_limit), 3)
    assert_exact(await client.get(CASES_PATH, params={"relatedParty.id": "C-TWO"}), 2)
    assert_exact(await client.get(CASES_PATH, params={"state": "active"}), 0)
    past_the_end = await client.get(CASES_PATH, params={**at_the_limit, "offset": "3"})
    assert_exact(past_the_end, 3)
    assert past_the_end.json() == []
    assert_exact(await client.get(FLOWS, params={"relatedParty.id": "C-TWO"}), 2)


@pytest.mark.parametrize(
    "database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
async def test_postgresql_estimates_with_the_planner(
    client: httpx.AsyncClient, services: Services
) -> None:
    await open_cases(client, 12, "C-PLANNED")
    async with services.db.engine.connect() as connection:
        await connection.execute(text("ANALYZE completion_case"))

    # Twelve rows in the statistics: the planner's figure, not the bounded count (4).
    assert assert_estimated(await client.get(CASES_PATH, params={"limit": "1"}), 1) == 12


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_sqlite_estimates_with_a_count_at_most_a_minute_old(
    client: httpx.AsyncClient, services: Services
) -> None:
    now = [0.0]
    counter = RowCounter(LIMIT, recount_seconds=60, clock=lambda: now[0])

    async def count() -> Count:
        async with services.db.read() as session:
            return await counter.count(session, select(CASES))

    await open_cases(client, 4, "C-SOON")
    assert await count() == Count(4, estimated=True)
    await open_cases(client, 2, "C-LATER")
    now[0] = 59.0
    assert await count() == Count(4, estimated=True)
    now[0] = 61.0
    assert await count() == Count(6, estimated=True)
