"""The policies in force, as loaded: listed and read by id."""

from __future__ import annotations

import httpx

from order_completion.bootstrap import Services
from tests.conftest import token_for
from tests.orders import BASE

POLICIES = f"{BASE}/policy"


async def test_the_loaded_policies_are_listed_with_their_steps_and_windows(
    anonymous: httpx.AsyncClient, services: Services
) -> None:
    viewer = {"Authorization": f"Bearer {await token_for(services, 'viewer')}"}
    response = await anonymous.get(POLICIES, headers=viewer)
    assert response.status_code == 200, response.text
    assert response.headers["X-Total-Count"] == "3"
    by_id = {policy["id"]: policy for policy in response.json()}
    assert sorted(by_id) == ["business-managed", "consumer-standard", "default"]
    business = by_id["business-managed"]
    assert (business["name"], business["version"]) == ("Managed business services", 1)
    assert business["href"] == f"{POLICIES}/business-managed"
    assert business["jeopardy"] == {"target": {"businessDays": 10}, "warnAt": 0.8}
    acceptance = next(step for step in business["steps"] if step["kind"] == "acceptance")
    assert acceptance["window"] == {"businessDays": 5, "country": "GB"}
    assert [step["kind"] for step in business["steps"]] == [
        "readyForServiceNotice",
        "commissioningTest",
        "acceptance",
        "customerUpdate",
        "training",
        "satisfactionSurvey",
    ]

    one = await anonymous.get(business["href"], headers=viewer)
    assert one.status_code == 200
    assert one.json() == business


async def test_an_unknown_policy_is_a_tmf_404(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{POLICIES}/gold")
    assert response.status_code == 404
    body = response.json()
    assert (body["status"], body["reason"]) == ("404", "Not found")
    assert "gold" in body["message"]
