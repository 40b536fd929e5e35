"""The delivery ledger API: deliveries and attempts, replay, re-enable, secret rotation."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from standardwebhooks.webhooks import Webhook

from order_completion.bootstrap import Services
from order_completion.clock import FixedClock
from order_completion.events import ledger
from order_completion.events.catalog import BASE_PATHS, Api
from tests.api.test_cases_api import CASES, assert_error
from tests.orders import product_order
from tests.receiver import Receiver

HUB = f"{BASE_PATHS[Api.ORDER_COMPLETION]}/hub"


async def listen(client: httpx.AsyncClient, receiver: Receiver) -> dict[str, Any]:
    created: dict[str, Any] = (
        await client.post(
            HUB, json={"callback": receiver.url, "query": "eventType=completionCaseCreateEvent"}
        )
    ).json()
    return created


async def drain(services: Services) -> None:
    for _ in range(5):
        if await services.worker.run_once() == 0:
            return


async def test_deliveries_and_attempts_are_listed_and_read(
    client: httpx.AsyncClient, services: Services, receiver: Receiver
) -> None:
    hub = await listen(client, receiver)
    receiver.script(500)
    await client.post(CASES, json={"productOrder": product_order()})
    await drain(services)
    listing = await client.get(f"{hub['href']}/delivery", params={"status": "pending"})
    assert listing.headers["X-Total-Count"] == "1"
    delivery = listing.json()[0]
    assert delivery["eventType"] == "completionCaseCreateEvent"
    assert delivery["lastStatusCode"] == 500
    one = (await client.get(delivery["href"])).json()
    assert one["attempt"][0]["statusCode"] == 500
    assert one["attempt"][0]["responseBody"] == '{"ok": true}'
    assert one["attempt"][0]["durationMs"] >= 0
    assert_error(await client.get(f"{hub['href']}/delivery/nope"), 404)
    assert_error(await client.get(f"{HUB}/nope/delivery"), 404)


async def test_a_delivery_or_a_time_range_is_replayed(
    client: httpx.AsyncClient, services: Services, receiver: Receiver, clock: FixedClock
) -> None:
    hub = await listen(client, receiver)
    await client.post(CASES, json={"productOrder": product_order()})
    await drain(services)
    delivery = (await client.get(f"{hub['href']}/delivery")).json()[0]
    assert delivery["status"] == "delivered"
    replayed = await client.post(f"{delivery['href']}/replay")
    assert replayed.json()["status"] == "pending"
    await drain(services)
    assert len(receiver.received) == 2
    assert receiver.received[0].headers["webhook-id"] == receiver.received[1].headers["webhook-id"]
    window = {
        "from": (clock.now() - timedelta(hours=1)).isoformat(),
        "to": (clock.now() + timedelta(hours=1)).isoformat(),
    }
    assert (await client.post(f"{hub['href']}/replay", json=window)).json() == {"replayed": 1}
    await drain(services)
    assert len(receiver.received) == 3
    backwards = {"from": window["to"], "to": window["from"]}
    assert_error(await client.post(f"{hub['href']}/replay", json=backwards), 400, "to")


async def test_a_gone_listener_is_disabled_and_can_be_enabled_again(
    client: httpx.AsyncClient, services: Services, receiver: Receiver
) -> None:
    hub = await listen(client, receiver)
    receiver.script(410)
    await client.post(CASES, json={"productOrder": product_order()})
    await drain(services)
    state = (await client.get(hub["href"])).json()
    assert state["state"] == "disabled"
    assert "410" in state["disabledReason"]
    assert (await client.post(f"{hub['href']}/enable")).status_code == 204
    assert (await client.get(hub["href"])).json()["state"] == "active"


async def test_rotation_signs_with_both_secrets_for_a_while(
    client: httpx.AsyncClient, services: Services, receiver: Receiver
) -> None:
    hub = await listen(client, receiver)
    rotated = (
        await client.post(f"{hub['href']}/rotateSecret", json={"keepPreviousHours": 1})
    ).json()
    assert rotated["secret"] != hub["secret"]
    await client.post(CASES, json={"productOrder": product_order()})
    await drain(services)
    (request,) = receiver.received
    assert len(request.headers["webhook-signature"].split()) == 2
    assert Webhook(hub["secret"]).verify(request.body, request.headers)
    assert Webhook(rotated["secret"]).verify(request.body, request.headers)


async def test_old_finished_deliveries_are_pruned(
    client: httpx.AsyncClient, services: Services, receiver: Receiver, clock: FixedClock
) -> None:
    hub = await listen(client, receiver)
    await client.post(CASES, json={"productOrder": product_order()})
    await drain(services)
    assert (
        await ledger.prune(services.db, clock.now() + timedelta(days=29), timedelta(days=30)) == 0
    )
    assert (
        await ledger.prune(services.db, clock.now() + timedelta(days=31), timedelta(days=30)) == 1
    )
    assert (await client.get(f"{hub['href']}/delivery")).json() == []
