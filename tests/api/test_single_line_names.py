"""Names and identifiers that end up in e-mail headers, calendar invitations and the
acceptance certificate are one line: a line break or another control character in any of
them is refused with a 400 naming the field, on every API that takes it, and nothing is
written."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from order_completion.events.catalog import BASE_PATHS, Api
from tests.api.test_cases_api import CASES, assert_error
from tests.orders import (
    BASE,
    business_order,
    open_over_api,
    passing_test,
    product_order,
    training_session,
)

AP = f"{BASE_PATHS[Api.APPOINTMENT]}/appointment"
PF = f"{BASE_PATHS[Api.PROCESS_FLOW]}/processFlow"
LISTENER = f"{BASE}/listener/productOrderStateChangeEvent"
# A line break that would start a header of the sender's choosing.
SMUGGLED = "Dana Smith\r\nBcc: everyone@example.com"
# Other characters that break a line or control a device.
BREAKING = ["Dana\nSmith", "Dana\tSmith", "Dana\x85Smith", "Dana\u2028Smith", "Dana\x1bSmith"]


def customer_named(name: str) -> dict[str, Any]:
    order = product_order()
    order["relatedParty"][0]["name"] = name
    return order


def offering_named(name: str) -> dict[str, Any]:
    order = product_order()
    order["productOrderItem"][0]["productOffering"]["name"] = name
    return order


def other_party_named(name: str) -> dict[str, Any]:
    order = product_order()
    order["relatedParty"].append({"id": "S-1", "name": name, "role": "seller"})
    return order


def order_numbered(order_id: str) -> dict[str, Any]:
    return product_order(order_id)


async def case_count(client: httpx.AsyncClient) -> str:
    return (await client.get(CASES, params={"limit": "1"})).headers["X-Total-Count"]


@pytest.mark.parametrize("name", [SMUGGLED, *BREAKING])
async def test_a_customer_name_on_more_than_one_line_opens_no_case(
    client: httpx.AsyncClient, name: str
) -> None:
    before = await case_count(client)
    answer = await client.post(CASES, json={"productOrder": customer_named(name)})
    assert_error(answer, 400, "productOrder.relatedParty[0].name")
    assert "one line" in answer.json()["message"]
    assert await case_count(client) == before


@pytest.mark.parametrize(
    ("order", "field"),
    [
        (offering_named(SMUGGLED), "productOrderItem[0].productOffering.name"),
        (other_party_named(SMUGGLED), "relatedParty[1].name"),
        (order_numbered("PO-1\r\nSubject: paid"), "id"),
    ],
)
async def test_every_path_that_opens_a_case_refuses_a_name_on_two_lines(
    client: httpx.AsyncClient,
    integration: dict[str, str],
    order: dict[str, Any],
    field: str,
) -> None:
    before = await case_count(client)
    direct = await client.post(CASES, json={"productOrder": order})
    assert_error(direct, 400, f"productOrder.{field}")
    event = {
        "eventId": "EV-1",
        "eventType": "productOrderStateChangeEvent",
        "event": {"productOrder": order},
    }
    heard = await client.post(LISTENER, json=event, headers=integration)
    assert_error(heard, 400, f"event.productOrder.{field}")
    flow = {
        "processFlowSpecification": "completeCustomerOrder",
        "relatedEntity": [{**order, "role": "productOrder", "@referredType": "ProductOrder"}],
    }
    assert_error(await client.post(PF, json=flow), 400, f"relatedEntity[0].{field}")
    assert await case_count(client) == before


async def test_a_process_flow_names_its_own_related_party_when_that_is_refused(
    client: httpx.AsyncClient,
) -> None:
    """The customer may come beside the order rather than inside it: the error names it
    where it was sent."""
    order = product_order()
    party = order.pop("relatedParty")
    party[0]["name"] = SMUGGLED
    flow = {
        "processFlowSpecification": "completeCustomerOrder",
        "relatedEntity": [{**order, "role": "productOrder", "@referredType": "ProductOrder"}],
        "relatedParty": party,
    }
    assert_error(await client.post(PF, json=flow), 400, "relatedParty[0].name")


def witnessed(name: str) -> dict[str, Any]:
    return {**passing_test(), "witnessedBy": {"name": name, "role": "IT manager"}}


def witness_role(role: str) -> dict[str, Any]:
    return {**passing_test(), "witnessedBy": {"name": "Dana", "role": role}}


def item_named(name: str) -> dict[str, Any]:
    body = passing_test()
    body["testItem"][0]["name"] = name
    return body


def decided(name: str) -> dict[str, Any]:
    return {"decision": "accepted", "decidedBy": {"name": name}}


def booking(case_id: str, category: str, **extra: Any) -> dict[str, Any]:
    return {
        "category": category,
        "validFor": {
            "startDateTime": "2026-12-01T09:00:00Z",
            "endDateTime": "2026-12-01T11:00:00Z",
        },
        "relatedEntity": [
            {"id": case_id, "role": "completionCase", "@referredType": "CompletionCase"}
        ],
        **extra,
    }


# (route under the case, or an absolute one; the body for a case id; the field named)
Write = tuple[str, Callable[[str], dict[str, Any]], str]
STEP_WRITES: list[Write] = [
    ("commissioningTest", lambda _: witnessed(SMUGGLED), "witnessedBy.name"),
    ("commissioningTest", lambda _: witness_role("IT\nmanager"), "witnessedBy.role"),
    ("commissioningTest", lambda _: item_named("Throughput\r\n"), "testItem[0].name"),
    ("acceptanceDecision", lambda _: decided(SMUGGLED), "decidedBy.name"),
    (
        "trainingSession",
        lambda _: training_session(attendee=[{"name": SMUGGLED, "email": "p@acme.example"}]),
        "attendee[0].name",
    ),
    ("trainingSession", lambda _: training_session(trainer={"name": "Sam\nLee"}), "trainer.name"),
    (
        "trainingSession",
        lambda _: training_session(topic=["Portal\r\nadministration"]),
        "topic[0]",
    ),
    (
        AP,
        lambda case_id: booking(case_id, "training", attendee=[{"name": SMUGGLED}]),
        "attendee[0].name",
    ),
    (
        AP,
        lambda case_id: booking(case_id, "commissioning", relatedPlace={"name": "Depot\n3"}),
        "relatedPlace.name",
    ),
]


@pytest.mark.parametrize(("route", "body", "field"), STEP_WRITES)
async def test_a_name_on_two_lines_changes_no_case(
    client: httpx.AsyncClient,
    route: str,
    body: Callable[[str], dict[str, Any]],
    field: str,
) -> None:
    case = await open_over_api(client, business_order())
    one = f"{CASES}/{case['id']}"
    before = (await client.get(one, params={"fields": "history"})).json()
    target = route if route.startswith("/") else f"{one}/{route}"
    assert_error(await client.post(target, json=body(case["id"])), 400, field)
    assert (await client.get(one, params={"fields": "history"})).json() == before
    assert (await client.get(AP)).json() == []


async def test_a_task_flow_refuses_a_witness_on_two_lines(client: httpx.AsyncClient) -> None:
    case = await open_over_api(client, business_order())
    tasks = (await client.get(f"{PF}/{case['id']}/taskFlow")).json()
    test = next(t for t in tasks if t["taskFlowSpecification"] == "commissioningTest")
    given = [
        {"name": "result", "value": "passed"},
        {"name": "testItem", "value": passing_test()["testItem"]},
        {"name": "witnessedBy", "value": SMUGGLED},
    ]
    refused = await client.patch(test["href"], json={"characteristic": given})
    assert_error(refused, 400, "characteristic.witnessedBy")
    after = (await client.get(test["href"])).json()
    assert after["state"] == test["state"] == "active"


async def test_attendance_on_two_lines_is_refused_on_both_apis(
    client: httpx.AsyncClient,
) -> None:
    case = await open_over_api(client, business_order())
    one = f"{CASES}/{case['id']}"
    await client.post(f"{one}/commissioningTest", json=passing_test())
    await client.post(f"{one}/acceptanceDecision", json=decided("Dana"))
    session = await client.post(
        f"{one}/trainingSession", json=training_session(attendee=[{"name": "Dana"}])
    )
    assert session.status_code == 201, session.text
    closing = {"state": "completed", "attended": ["Dana\r\nBcc: x"]}
    href = f"{one}/trainingSession/{session.json()['id']}"
    assert_error(await client.patch(href, json=closing), 400, "attended[0]")
    appointment = session.json()["appointment"]["href"]
    outcome = {"status": "completed", "attended": ["Dana\nSmith"]}
    assert_error(await client.patch(appointment, json=outcome), 400, "attended[0]")
    assert (await client.get(href)).json()["state"] == "scheduled"


async def test_names_in_any_script_on_one_line_pass(client: httpx.AsyncClient) -> None:
    """Only line breaks and control characters are refused: accents, other scripts and the
    joiners some of them need are names like any other."""
    name = "Zoë Ångström-Łukasz (نرگس\u200cپور)"
    case = await open_over_api(client, customer_named(name))
    assert case["relatedParty"][0]["name"] == name
