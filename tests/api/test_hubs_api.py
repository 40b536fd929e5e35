"""Hubs on each API: register, list, read, remove; and which subscriptions an event reaches."""

from __future__ import annotations

import httpx
import pytest

from order_completion.bootstrap import Services
from order_completion.events import subscriptions
from order_completion.events.catalog import BASE_PATHS, Api
from tests.api.test_cases_api import CASES, assert_error
from tests.orders import business_order
from tests.support import events


@pytest.mark.parametrize("api", list(Api))
async def test_a_listener_is_registered_read_listed_and_removed(
    client: httpx.AsyncClient, api: Api
) -> None:
    hub = f"{BASE_PATHS[api]}/hub"
    created = await client.post(hub, json={"callback": "http://127.0.0.1:9/listener"})
    assert created.status_code == 201
    body = created.json()
    assert body["callback"] == "http://127.0.0.1:9/listener"
    assert body["@type"] == "EventSubscription"
    assert created.headers["Location"] == body["href"] == f"{hub}/{body['id']}"
    secret = body.pop("secret")
    assert secret.startswith("whsec_")  # shown once, never again
    assert (await client.get(body["href"])).json() == body
    listing = await client.get(hub)
    assert [item["id"] for item in listing.json()] == [body["id"]]
    assert listing.headers["X-Total-Count"] == "1"
    assert (await client.delete(body["href"])).status_code == 204
    assert_error(await client.get(body["href"]), 404)
    assert_error(await client.delete(body["href"]), 404)


async def test_a_subscription_belongs_to_its_api(client: httpx.AsyncClient) -> None:
    created = await client.post(
        f"{BASE_PATHS[Api.APPOINTMENT]}/hub", json={"callback": "http://127.0.0.1:9/cb"}
    )
    other = f"{BASE_PATHS[Api.PARTY_INTERACTION]}/hub/{created.json()['id']}"
    assert_error(await client.get(other), 404)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"callback": "not a url"}, "callback"),
        ({"callback": "ftp://files.example.com/x"}, "callback"),
        ({}, "callback"),
        # A callback the HTTP client would refuse only when sending is refused now.
        ({"callback": "http://127.0.0.1:8899/x\u0001y"}, "callback"),
        ({"callback": "http://127.0.0.1:8899/a b"}, "callback"),
        ({"callback": "https://h:99999/"}, "callback"),
        ({"callback": "https://h:0/"}, "callback"),
        ({"callback": "https://h:port/"}, "callback"),
        ({"callback": "https://[::1/"}, "callback"),
        ({"callback": "https://[zz]/"}, "callback"),
        # A host the resolver cannot even encode: a label over 63 characters, a name
        # over 253, an empty label.
        ({"callback": "https://" + "a" * 64 + ".example.com/"}, "callback"),
        ({"callback": "https://" + "abcdefghi." * 26 + "com/"}, "callback"),
        ({"callback": "https://a..example.com/"}, "callback"),
        (
            {"callback": "http://127.0.0.1:9/x", "query": "eventType=appointmentCreateEvent"},
            "query",
        ),
        ({"callback": "http://127.0.0.1:9/x", "query": "eventType="}, "query"),
        ({"callback": "http://127.0.0.1:9/x", "id": "mine"}, "id"),
        ({"callback": "http://127.0.0.1:9/x", "colour": "red"}, "colour"),
    ],
)
async def test_bad_registrations_are_400(
    client: httpx.AsyncClient, body: dict[str, str], field: str
) -> None:
    response = await client.post(f"{BASE_PATHS[Api.ORDER_COMPLETION]}/hub", json=body)
    assert_error(response, 400, field)
    if field == "id":
        assert "read-only" in response.json()["message"]


async def test_an_event_reaches_the_subscriptions_whose_query_matches(
    client: httpx.AsyncClient, services: Services
) -> None:
    hub = f"{BASE_PATHS[Api.ORDER_COMPLETION]}/hub"
    everything = (await client.post(hub, json={"callback": "http://127.0.0.1:9/a"})).json()
    milestones = (
        await client.post(
            hub,
            json={
                "callback": "http://127.0.0.1:9/b",
                "query": "eventType=completionCaseMilestoneEvent",
            },
        )
    ).json()
    accepted = (
        await client.post(
            hub,
            json={
                "callback": "http://127.0.0.1:9/c",
                "query": "eventType=completionCaseMilestoneEvent"
                "&event.milestone.name=customerAccepted",
            },
        )
    ).json()
    await client.post(
        f"{BASE_PATHS[Api.APPOINTMENT]}/hub", json={"callback": "http://127.0.0.1:9/d"}
    )
    case = (await client.post(CASES, json={"productOrder": business_order()})).json()

    reached: dict[str, set[str]] = {}
    async with services.db.read() as session:
        for event in await events(services, case["id"]):
            rows = await subscriptions.reached_by(session, event)
            reached[event["eventType"]] = {row.id for row in rows}
    assert reached["completionCaseCreateEvent"] == {everything["id"]}
    assert reached["completionCaseMilestoneEvent"] == {everything["id"], milestones["id"]}
    assert accepted["id"] not in reached["completionCaseMilestoneEvent"]  # not accepted yet


async def test_callbacks_to_unsafe_addresses_are_refused_at_registration(
    client: httpx.AsyncClient,
) -> None:
    hub = f"{BASE_PATHS[Api.ORDER_COMPLETION]}/hub"
    refused = await client.post(hub, json={"callback": "http://10.0.0.8/cb"})
    assert_error(refused, 400, "callback")
    assert "private" in refused.json()["message"]
    local = await client.post(hub, json={"callback": "http://[::1]:8080/cb"})
    assert "loopback" in local.json()["message"]
    assert (await client.get(hub)).json() == []
