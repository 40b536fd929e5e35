"""Whose a hub is: only the caller that registered it and administrators see and manage it
(others get 404), one caller holds a bounded number, the list pages, and callback
credentials and receivers' answers are shown only to those who may manage the hub."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from typing import Any

import httpx
import jwt
import pytest

from order_completion.bootstrap import Services
from order_completion.clock import FixedClock
from order_completion.errors import NotFound
from order_completion.events import subscriptions
from order_completion.events.catalog import BASE_PATHS, Api
from order_completion.events.rules import HubCaller
from order_completion.events.subscriptions import Subscription
from tests.api.test_cases_api import CASES, assert_error
from tests.conftest import token_for
from tests.orders import product_order
from tests.receiver import Receiver
from tests.support import count

HUB = f"{BASE_PATHS[Api.ORDER_COMPLETION]}/hub"
JWT_KEY = "a shared key for the tests' identity provider, long enough"
CAP = 3


@pytest.fixture
def extra_settings() -> dict[str, Any]:
    return {"jwt_key": JWT_KEY, "max_subscriptions_per_owner": CAP}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def caller(services: Services, role: str) -> dict[str, str]:
    return bearer(await token_for(services, role))


def person(subject: str, *roles: str) -> dict[str, str]:
    """The headers of ``subject`` signed in at the identity provider with ``roles``."""
    claims = {"sub": subject, "exp": int(time.time()) + 300, "roles": list(roles)}
    return bearer(jwt.encode(claims, JWT_KEY, algorithm="HS256"))


async def register(
    client: httpx.AsyncClient, headers: dict[str, str], callback: str = "http://127.0.0.1:9/a"
) -> dict[str, Any]:
    created = await client.post(HUB, json={"callback": callback}, headers=headers)
    assert created.status_code == 201, created.text
    body: dict[str, Any] = created.json()
    return body


def assert_not_found(response: httpx.Response, hub_id: str) -> None:
    """The same 404 as for a hub that never existed."""
    assert_error(response, 404)
    assert response.json()["message"] == f"no hub subscription {hub_id}"


async def test_another_caller_neither_sees_nor_manages_a_hub(
    anonymous: httpx.AsyncClient, client: httpx.AsyncClient, services: Services
) -> None:
    owner, other = await caller(services, "integration"), await caller(services, "integration")
    hub = await register(anonymous, owner)
    href = hub["href"]
    listing = await anonymous.get(HUB, headers=other)
    assert listing.json() == []
    assert listing.headers["X-Total-Count"] == "0"
    window = {"from": "2026-11-01T00:00:00Z", "to": "2026-12-01T00:00:00Z"}
    for method, path, body in [
        ("GET", href, None),
        ("DELETE", href, None),
        ("POST", f"{href}/rotateSecret", {}),
        ("GET", f"{href}/delivery", None),
        ("GET", f"{href}/delivery/d", None),
        ("POST", f"{href}/delivery/d/replay", None),
        ("POST", f"{href}/replay", window),
        ("POST", f"{href}/enable", None),
    ]:
        response = await anonymous.request(method, path, json=body, headers=other)
        assert_not_found(response, hub["id"])

    assert (await anonymous.get(href, headers=owner)).status_code == 200
    assert [item["id"] for item in (await anonymous.get(HUB, headers=owner)).json()] == [hub["id"]]
    assert [item["id"] for item in (await client.get(HUB)).json()] == [hub["id"]]
    rotated = await anonymous.post(f"{href}/rotateSecret", json={}, headers=owner)
    assert rotated.status_code == 200
    assert (await client.delete(href)).status_code == 204  # an administrator may
    assert await count(services, Subscription) == 0


async def test_a_hub_from_before_owners_is_for_administrators_only(
    anonymous: httpx.AsyncClient, client: httpx.AsyncClient, services: Services
) -> None:
    old = await services.hubs().register(
        Api.ORDER_COMPLETION, callback="http://127.0.0.1:9/old", query=None, style="callback"
    )
    integration = await caller(services, "integration")
    assert_not_found(await anonymous.get(f"{HUB}/{old.id}", headers=integration), old.id)
    assert (await anonymous.get(HUB, headers=integration)).json() == []
    assert (await client.get(f"{HUB}/{old.id}")).status_code == 200


async def test_one_caller_holds_at_most_the_configured_number_of_hubs(
    anonymous: httpx.AsyncClient, services: Services
) -> None:
    owner, other = await caller(services, "integration"), await caller(services, "integration")
    first = await register(anonymous, owner)
    await register(anonymous, owner)
    appointments = f"{BASE_PATHS[Api.APPOINTMENT]}/hub"
    third = await anonymous.post(
        appointments, json={"callback": "http://127.0.0.1:9/c"}, headers=owner
    )
    assert third.status_code == 201  # the limit counts every API's hubs
    refused = await anonymous.post(HUB, json={"callback": "http://127.0.0.1:9/d"}, headers=owner)
    assert_error(refused, 409)
    assert "ORDER_COMPLETION_MAX_SUBSCRIPTIONS_PER_OWNER is 3" in refused.json()["message"]
    assert await count(services, Subscription) == CAP  # nothing stored

    await register(anonymous, other)  # another caller's room is its own
    assert (await anonymous.delete(first["href"], headers=owner)).status_code == 204
    await register(anonymous, owner)


async def test_the_hub_list_pages_with_offset_and_limit(
    client: httpx.AsyncClient, clock: FixedClock
) -> None:
    ids = []
    for number in range(CAP):
        ids.append((await register(client, {}, f"http://127.0.0.1:9/{number}"))["id"])
        clock.advance(timedelta(minutes=1))  # listed oldest first
    first = await client.get(HUB, params={"limit": "1"})
    assert [item["id"] for item in first.json()] == ids[:1]
    assert first.headers["X-Total-Count"] == "3"
    assert first.headers["X-Result-Count"] == "1"
    last = await client.get(HUB, params={"offset": "2", "limit": "5"})
    assert [item["id"] for item in last.json()] == ids[2:]
    assert_error(await client.get(HUB, params={"limit": "0"}), 400, "limit")
    assert_error(await client.get(HUB, params={"colour": "red"}), 400, "colour")


async def test_callback_credentials_and_answers_are_only_for_who_manages_the_hub(
    anonymous: httpx.AsyncClient,
    client: httpx.AsyncClient,
    services: Services,
    receiver: Receiver,
) -> None:
    port = receiver.url.rsplit(":", 1)[1]
    callback = f"http://crm:hunter2@127.0.0.1:{port}/hook?token=s3cret&v=1"
    masked = f"http://***@127.0.0.1:{port}/hook?token=***&v=***"
    integrating = person("crm-sync", "integration")
    hub = (
        await anonymous.post(
            HUB,
            json={"callback": callback, "query": "eventType=completionCaseCreateEvent"},
            headers=integrating,
        )
    ).json()
    await client.post(CASES, json={"productOrder": product_order()})
    while await services.worker.run_once():
        pass
    delivery = (await client.get(f"{hub['href']}/delivery")).json()[0]["href"]

    # The same person, now only allowed to read: still theirs, but without credentials.
    reading = person("crm-sync", "viewer")
    assert (await anonymous.get(hub["href"], headers=reading)).json()["callback"] == masked
    assert (await anonymous.get(HUB, headers=reading)).json()[0]["callback"] == masked
    attempt = (await anonymous.get(delivery, headers=reading)).json()["attempt"][0]
    assert attempt["url"] == masked
    assert attempt["responseBody"] is None

    for managing in (integrating, bearer("test-admin-token")):
        assert (await anonymous.get(hub["href"], headers=managing)).json()["callback"] == callback
        attempt = (await anonymous.get(delivery, headers=managing)).json()["attempt"][0]
        assert attempt["url"] == callback
        assert attempt["responseBody"] == '{"ok": true}'

    viewer = await caller(services, "viewer")
    assert_not_found(await anonymous.get(hub["href"], headers=viewer), hub["id"])
    assert_not_found(await anonymous.get(delivery, headers=viewer), hub["id"])
    assert (await anonymous.get(HUB, headers=viewer)).json() == []


async def test_registrations_racing_each_other_stay_within_the_limit(
    anonymous: httpx.AsyncClient, services: Services
) -> None:
    owner = await caller(services, "integration")
    answers = await asyncio.gather(
        *(
            anonymous.post(HUB, json={"callback": f"http://127.0.0.1:9/{n}"}, headers=owner)
            for n in range(CAP + 5)
        )
    )
    assert sorted(answer.status_code for answer in answers) == [201] * CAP + [409] * 5
    assert await count(services, Subscription) == CAP


async def test_a_caller_without_a_key_sees_in_the_list_what_it_may_read(
    services: Services,
) -> None:
    """The list's SQL and the read of one hub follow one rule: a caller with no credential
    key owns nothing, so a hub stored with an empty owner is in neither."""
    keyless = HubCaller(key="", admin=False, manages_hubs=True)
    stored = await services.hubs().register(
        Api.ORDER_COMPLETION,
        callback="http://127.0.0.1:9/keyless",
        query=None,
        style="callback",
        owner=keyless,
    )
    async with services.db.read() as session:
        listed = list(await session.scalars(subscriptions.listed(Api.ORDER_COMPLETION, keyless)))
        with pytest.raises(NotFound):
            await subscriptions.get(
                session, api=Api.ORDER_COMPLETION, subscription_id=stored.id, caller=keyless
            )
    assert listed == []
