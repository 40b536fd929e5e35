"""A case says who it waits for (``waitingFor``), and lists filter on it."""

from __future__ import annotations

import httpx

from tests.api.test_cases_api import CASES, create
from tests.orders import business_order, passing_test, product_order

ACCEPT = {"decision": "accepted", "decidedBy": {"name": "Dana Smith"}}


async def waiting(client: httpx.AsyncClient, waiter: str) -> list[str]:
    response = await client.get(CASES, params={"waitingFor": waiter, "fields": "waitingFor"})
    assert response.status_code == 200, response.text
    assert {case["waitingFor"] for case in response.json()} <= {waiter}
    return [case["id"] for case in response.json()]


async def test_a_case_says_who_it_waits_for_as_its_steps_move(client: httpx.AsyncClient) -> None:
    case = (await create(client, business_order())).json()
    assert case["waitingFor"] == "engineer"  # the commissioning test
    assert await waiting(client, "engineer") == [case["id"]]
    assert await waiting(client, "customer") == []

    tested = await client.post(f"{case['href']}/commissioningTest", json=passing_test())
    assert tested.json()["completionCase"]["waitingFor"] == "customer"  # acceptance
    assert await waiting(client, "customer") == [case["id"]]
    assert await waiting(client, "engineer") == []

    decided = await client.post(f"{case['href']}/acceptanceDecision", json=ACCEPT)
    # Only non-blocking steps are left, training first in the policy, then the survey.
    assert decided.json()["completionCase"]["waitingFor"] == "trainer"
    assert await waiting(client, "trainer") == [case["id"]]

    held = await client.patch(case["href"], json={"state": "hold"})
    assert held.json()["waitingFor"] == "nobody"
    assert await waiting(client, "trainer") == []
    assert await waiting(client, "nobody") == [case["id"]]


async def test_a_case_that_completed_by_itself_waits_for_nobody(
    client: httpx.AsyncClient,
) -> None:
    case = (await create(client, product_order())).json()
    assert case["state"] == "completed"
    assert case["waitingFor"] == "nobody"
    assert await waiting(client, "nobody") == [case["id"]]
