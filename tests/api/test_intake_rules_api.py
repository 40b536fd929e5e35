"""Who may open which case: the order must be in a trigger state (an administrator may
force it), and only a role that manages cases may name a policy the rules would not pick."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from order_completion.bootstrap import Services
from order_completion.events.catalog import BASE_PATHS, Api
from tests.api.test_listener_api import event
from tests.conftest import token_for
from tests.orders import BASE, business_order, product_order

CASES = f"{BASE}/completionCase"
FLOWS = f"{BASE_PATHS[Api.PROCESS_FLOW]}/processFlow"


def as_role(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_refused(response: httpx.Response, status: int, field: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status"] == str(status)
    assert body["field"] == field
    assert field.rsplit(".", 1)[-1] in body["message"]


async def case_count(client: httpx.AsyncClient) -> int:
    return int((await client.get(CASES)).headers["X-Total-Count"])


def opening(route: str, order: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Where and what to post to open the case of ``order`` through ``route``."""
    if route == "processFlow":
        entity = {**order, "role": "productOrder", "@referredType": "ProductOrder"}
        return FLOWS, {
            "processFlowSpecification": "completeCustomerOrder",
            "relatedEntity": [entity],
        }
    return CASES, {"productOrder": order}


ROUTES = ["completionCase", "processFlow"]


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("state", ["inProgress", None])
async def test_an_order_in_no_trigger_state_opens_no_case(
    client: httpx.AsyncClient, state: str | None, route: str
) -> None:
    order = product_order(state=state or "completed")
    if state is None:
        order.pop("state")
    url, body = opening(route, order)
    response = await client.post(url, json=body)
    assert_refused(response, 409, "productOrder.state")
    assert "completed" in response.json()["message"]
    assert await case_count(client) == 0


@pytest.mark.parametrize("route", ROUTES)
async def test_an_administrator_may_force_an_order_in_no_trigger_state(
    client: httpx.AsyncClient, route: str
) -> None:
    order = product_order(state="inProgress")
    url, body = opening(route, order)
    response = await client.post(url, params={"force": "true"}, json=body)
    assert response.status_code == 201, response.text
    assert await case_count(client) == 1
    case = (await client.get(CASES)).json()[0]
    assert case["productOrder"]["id"] == order["id"]


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("role", ["orderManager", "integration"])
async def test_only_an_administrator_may_force(
    anonymous: httpx.AsyncClient,
    client: httpx.AsyncClient,
    services: Services,
    role: str,
    route: str,
) -> None:
    headers = as_role(await token_for(services, role))
    url, body = opening(route, product_order(state="inProgress"))
    response = await anonymous.post(url, params={"force": "true"}, json=body, headers=headers)
    assert_refused(response, 403, "force")
    assert response.json()["reason"] == "Forbidden"
    assert "forceCase" in response.json()["message"]
    assert await case_count(client) == 0


async def test_the_listener_opens_no_case_for_an_order_in_no_trigger_state_and_names_no_policy(
    anonymous: httpx.AsyncClient, client: httpx.AsyncClient, integration: dict[str, str]
) -> None:
    """The listener takes what the rules pick: a business order gets the business policy,
    and an order in no trigger state is recorded and ignored."""
    listener = f"{BASE}/listener/productOrderStateChangeEvent"
    waiting = await anonymous.post(
        listener, json=event("EV-W", business_order(state="inProgress")), headers=integration
    )
    assert waiting.json() == {"eventId": "EV-W", "result": "ignored"}
    assert await case_count(client) == 0
    opened = await anonymous.post(
        listener, json=event("EV-C", business_order()), headers=integration
    )
    assert opened.json()["result"] == "caseCreated", opened.text
    case = (await client.get(f"{CASES}/{opened.json()['completionCase']['id']}")).json()
    assert case["policy"]["id"] == "business-managed"


async def test_an_integration_may_not_name_a_policy_the_rules_would_not_pick(
    anonymous: httpx.AsyncClient, services: Services
) -> None:
    headers = as_role(await token_for(services, "integration"))
    order = business_order()
    body: dict[str, Any] = {"productOrder": order, "policy": "consumer-standard"}
    assert_refused(await anonymous.post(CASES, json=body, headers=headers), 403, "policy")
    flow = {
        "processFlowSpecification": "consumer-standard",
        "relatedEntity": [{**order, "role": "productOrder", "@referredType": "ProductOrder"}],
    }
    refused = await anonymous.post(FLOWS, json=flow, headers=headers)
    assert_refused(refused, 403, "processFlowSpecification")
    assert "business-managed" in refused.json()["message"]
    same = await anonymous.post(
        CASES, json={"productOrder": order, "policy": "business-managed"}, headers=headers
    )
    assert same.status_code == 201, same.text
    assert same.json()["policy"]["id"] == "business-managed"


async def test_a_role_that_manages_cases_may_name_another_policy(
    anonymous: httpx.AsyncClient, services: Services
) -> None:
    headers = as_role(await token_for(services, "orderManager"))
    body = {"productOrder": business_order(), "policy": "consumer-standard"}
    response = await anonymous.post(CASES, json=body, headers=headers)
    assert response.status_code == 201, response.text
    assert response.json()["policy"]["id"] == "consumer-standard"
