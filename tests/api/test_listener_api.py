"""The TMF622 listener: trigger states open cases; a repeated event id has no second effect."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from order_completion.auth.handlers import TokenCommands
from order_completion.bootstrap import Services
from order_completion.clock import FixedClock
from order_completion.orders.handlers import forget_old_events as prune_inbound
from tests.api.test_cases_api import CASES, assert_error
from tests.conftest import token_for
from tests.orders import BASE, product_order

LISTENER = f"{BASE}/listener/productOrderStateChangeEvent"


def event(event_id: str, order: dict[str, Any]) -> dict[str, Any]:
    return {
        "eventId": event_id,
        "eventTime": "2026-11-23T09:00:00Z",
        "eventType": "productOrderStateChangeEvent",
        "event": {"productOrder": order},
    }


async def test_an_order_in_a_trigger_state_opens_a_case(
    client: httpx.AsyncClient, integration: dict[str, str]
) -> None:
    response = await client.post(
        LISTENER, headers=integration, json=event("EV-1", product_order("PO-E1"))
    )
    assert response.status_code == 201
    assert response.json()["result"] == "caseCreated"
    case = (await client.get(response.json()["completionCase"]["href"])).json()
    assert case["productOrder"]["id"] == "PO-E1"


async def test_a_repeated_event_id_has_no_second_effect(
    client: httpx.AsyncClient, integration: dict[str, str]
) -> None:
    first = await client.post(
        LISTENER, headers=integration, json=event("EV-2", product_order("PO-E2"))
    )
    again = await client.post(
        LISTENER, headers=integration, json=event("EV-2", product_order("PO-E2"))
    )
    assert again.status_code == 200
    assert again.json() == {**first.json(), "result": "duplicate"}
    assert (await client.get(CASES)).headers["X-Total-Count"] == "1"


async def test_another_event_for_the_same_order_finds_the_existing_case(
    client: httpx.AsyncClient,
    integration: dict[str, str],
) -> None:
    first = await client.post(
        LISTENER, headers=integration, json=event("EV-3", product_order("PO-E3"))
    )
    second = await client.post(
        LISTENER, headers=integration, json=event("EV-4", product_order("PO-E3"))
    )
    assert second.json()["result"] == "existingCase"
    assert second.json()["completionCase"] == first.json()["completionCase"]


async def test_other_states_are_recorded_and_ignored(
    client: httpx.AsyncClient, integration: dict[str, str]
) -> None:
    response = await client.post(
        LISTENER,
        headers=integration,
        json=event("EV-5", product_order("PO-E5", state="inProgress")),
    )
    assert response.json() == {"eventId": "EV-5", "result": "ignored"}
    assert (await client.get(CASES)).headers["X-Total-Count"] == "0"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"eventType": "productOrderStateChangeEvent", "event": {"productOrder": {}}}, "eventId"),
        ({**event("EV-6", product_order()), "eventType": "productOrderCreateEvent"}, "eventType"),
        (
            {"eventId": "EV-7", "eventType": "productOrderStateChangeEvent", "event": {}},
            "event.productOrder",
        ),
        (
            event("EV-8", {**product_order(), "productOrderItem": []}),
            "event.productOrder.productOrderItem",
        ),
    ],
)
async def test_malformed_events_are_400(
    client: httpx.AsyncClient, integration: dict[str, str], body: dict[str, Any], field: str
) -> None:
    assert_error(await client.post(LISTENER, headers=integration, json=body), 400, field)


async def test_event_ids_are_deduplicated_per_sender(
    client: httpx.AsyncClient, integration: dict[str, str], services: Services
) -> None:
    """Two order systems may both use EV-1; the same sender repeating it is a duplicate."""
    other = {"Authorization": f"Bearer {await token_for(services, 'integration')}"}
    first = await client.post(
        LISTENER, headers=integration, json=event("EV-1", product_order("PO-S1"))
    )
    second = await client.post(LISTENER, headers=other, json=event("EV-1", product_order("PO-S2")))
    assert (first.json()["result"], second.json()["result"]) == ("caseCreated", "caseCreated")
    again = await client.post(LISTENER, headers=other, json=event("EV-1", product_order("PO-S2")))
    assert again.json()["result"] == "duplicate"


async def test_senders_whose_names_begin_alike_keep_their_own_event_ids(
    client: httpx.AsyncClient, services: Services
) -> None:
    """The sender is its credential, not its name: two integrations whose names share
    their first 80 characters do not take each other's events for duplicates."""
    tokens = TokenCommands(services.db, services.clock)
    common = "order-management-integration-" + "x" * 60
    senders = [
        {"Authorization": f"Bearer {await tokens.create(name=f'{common}-{n}', role='integration')}"}
        for n in (1, 2)
    ]
    answers = [
        await client.post(LISTENER, headers=sender, json=event("EV-99", product_order(f"PO-N{n}")))
        for n, sender in enumerate(senders)
    ]
    assert [answer.json()["result"] for answer in answers] == ["caseCreated", "caseCreated"]


async def test_event_ids_are_remembered_for_at_least_seven_days(
    client: httpx.AsyncClient, integration: dict[str, str], services: Services, clock: FixedClock
) -> None:
    await client.post(LISTENER, headers=integration, json=event("EV-9", product_order("PO-S9")))
    assert await prune_inbound(services.db, clock.now() + timedelta(days=6), timedelta(days=1)) == 0
    assert await prune_inbound(services.db, clock.now() + timedelta(days=8), timedelta(days=1)) == 1
