"""The link to order management (TMF622) against the sandbox peer over real HTTP: the
reconciliation never looks past an order whose case it could not open, and the listener is
registered at the hub once however many processes start together."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from sqlalchemy import select

from order_completion.bootstrap import Services, build_services
from order_completion.clock import FixedClock
from order_completion.integrations.tables import PeerState
from order_completion.orders.peering import OrderManagementLink
from tests.orders import BASE, product_order
from tests.sandbox_peers import ORDERING, RunningSandbox

CALLBACK = "http://127.0.0.1:9/tmf-api/orderCompletion/v1/listener/productOrderStateChangeEvent"


@pytest.fixture
async def peers(sandbox: RunningSandbox) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=10) as peer:
        await peer.delete(f"{sandbox.control}/request")
        yield peer


@pytest.fixture
def extra_settings(sandbox: RunningSandbox) -> dict[str, Any]:
    return {"tmf622_url": sandbox.root(ORDERING)}


def link_of(services: Services) -> OrderManagementLink:
    assert services.order_link is not None
    return services.order_link


async def completed_at_peer(
    peers: httpx.AsyncClient, sandbox: RunningSandbox, order: dict[str, Any]
) -> dict[str, Any]:
    """The order as order management holds it once completed (with its ``lastUpdate``)."""
    orders = f"{sandbox.root(ORDERING)}/productOrder"
    created = await peers.post(
        orders,
        json={key: order[key] for key in ("productOrderItem", "relatedParty", "category")},
    )
    assert created.status_code == 201, created.text
    completed = await peers.patch(
        f"{orders}/{created.json()['id']}",
        json={"state": "completed"},
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert completed.status_code == 200, completed.text
    held: dict[str, Any] = completed.json()
    return held


def moment(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


async def looked_since(peers: httpx.AsyncClient, sandbox: RunningSandbox) -> list[datetime]:
    """The ``lastUpdate.gt`` of every look at order management's orders, in order."""
    log = (await peers.get(f"{sandbox.control}/request", params={"api": ORDERING})).json()
    return [
        moment(parse_qs(entry["query"])["lastUpdate.gt"][0])
        for entry in log
        if entry["method"] == "GET" and entry["path"].endswith("/productOrder")
    ]


async def hub_registrations(
    peers: httpx.AsyncClient, sandbox: RunningSandbox
) -> list[dict[str, Any]]:
    """The registrations posted to order management's hub since the test began."""
    log = (await peers.get(f"{sandbox.control}/request", params={"api": ORDERING})).json()
    return [entry for entry in log if entry["method"] == "POST" and entry["path"].endswith("/hub")]


async def reconciled_until(services: Services) -> datetime:
    """The mark the next look starts from (less an overlap), as the service keeps it."""
    async with services.db.read() as session:
        value = await session.scalar(
            select(PeerState.value).where(PeerState.name == "tmf622.reconciledUntil")
        )
    assert value is not None
    return moment(value["until"])


async def test_an_order_whose_case_could_not_open_is_taken_again_by_the_next_look(
    services: Services,
    client: httpx.AsyncClient,
    peers: httpx.AsyncClient,
    sandbox: RunningSandbox,
) -> None:
    refused = await completed_at_peer(peers, sandbox, product_order())
    # A case for the same order id with other items: order management's copy conflicts.
    other_items = product_order(
        refused["id"],
        items=[{"id": "1", "action": "add", "productOffering": {"id": "TV-BASIC", "name": "TV"}}],
    )
    opened = await client.post(f"{BASE}/completionCase", json={"productOrder": other_items})
    assert opened.status_code == 201, opened.text
    later = await completed_at_peer(peers, sandbox, product_order())
    link = link_of(services)

    assert await link.reconcile() >= 1
    found = await client.get(f"{BASE}/completionCase", params={"productOrder.id": later["id"]})
    assert len(found.json()) == 1  # the order after the refused one has its case

    refused_at = moment(refused["lastUpdate"])
    assert await reconciled_until(services) <= refused_at
    await peers.delete(f"{sandbox.control}/request")
    await link.reconcile()
    [since] = await looked_since(peers, sandbox)
    assert since < refused_at


@pytest.fixture
async def second_process(services: Services, clock: FixedClock) -> AsyncIterator[Services]:
    """The services of another process started at the same moment on the same database."""
    other = build_services(services.settings, clock=clock)
    yield other
    await other.close()


async def test_processes_starting_together_register_the_listener_once(
    services: Services,
    second_process: Services,
    peers: httpx.AsyncClient,
    sandbox: RunningSandbox,
) -> None:
    links = [link_of(services), link_of(second_process)]
    for link in links:
        link.callback = CALLBACK

    registered = await asyncio.gather(*(link.register() for link in links))

    assert sorted(registered) == [0, 1]
    assert len(await hub_registrations(peers, sandbox)) == 1
    # The process that found the registration under way finds it done at its next round.
    assert await links[registered.index(0)].register() == 0
    assert len(await hub_registrations(peers, sandbox)) == 1


async def test_a_registration_the_hub_refused_for_now_is_tried_again(
    services: Services, peers: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    link = link_of(services)
    link.callback = CALLBACK
    await peers.post(f"{sandbox.control}/fault", json={"api": ORDERING, "status": 503, "times": 1})
    try:
        assert await link.register() == 0
    finally:
        await peers.delete(f"{sandbox.control}/fault")
    # The refused attempt left no claim behind: the next round registers.
    assert await link.register() == 1
    assert len(await hub_registrations(peers, sandbox)) == 2
