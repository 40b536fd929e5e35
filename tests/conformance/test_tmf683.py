"""TMF683 Party Interaction v4 as the conformance kit tests it: an interaction created with
no more than the mandatory attributes (the kit may leave out even ``status`` and
``interactionDate``, or send both ends of it), read, listed, filtered on every mandatory
attribute (each channel by its ``id``, ``href`` and ``name``), narrowed with ``fields``;
every body valid against the official ``PartyInteraction`` definition, also over the demo
data."""

from __future__ import annotations

import httpx
import pytest

from order_completion.bootstrap import Services
from order_completion.demo import load_demo
from order_completion.events.catalog import BASE_PATHS, Api
from tests.conformance import kit

PI = f"{BASE_PATHS[Api.PARTY_INTERACTION]}/partyInteraction"
API = "tmf683"
LEFT_OUT_BY_THE_KIT = {"status", "interactionDate"}


@pytest.mark.parametrize("direction", ["inbound", "outbound", "Inbound call (kit)"])
async def test_the_kit_round_on_a_party_interaction(
    client: httpx.AsyncClient, direction: str
) -> None:
    body = {
        "direction": direction,
        "reason": "Conformance check",
        "channel": [{"id": "7", "href": "https://example.com/channel/7", "name": "email"}],
    }
    assert set(kit.mandatory(API, "PartyInteraction_Create")) == set(body) | LEFT_OUT_BY_THE_KIT
    made = await kit.run(
        client,
        api=API,
        resource="PartyInteraction",
        url=PI,
        body=body,
        filters=[],
        fields="direction,reason",
    )
    assert {name: made[name] for name in body} == body


async def test_the_kit_round_with_every_mandatory_attribute_sent(
    client: httpx.AsyncClient,
) -> None:
    body = {
        "direction": "outbound",
        "reason": "Conformance check with all mandatory attributes",
        "status": "completed",
        "interactionDate": {
            "startDateTime": "2026-11-02T10:00:00Z",
            "endDateTime": "2026-11-02T10:20:00Z",
        },
        "channel": [{"id": "8", "href": "https://example.com/channel/8", "name": "phone"}],
    }
    assert set(kit.mandatory(API, "PartyInteraction_Create")) == set(body)
    made = await kit.run(
        client, api=API, resource="PartyInteraction", url=PI, body=body, filters=[], fields="status"
    )
    assert {name: made[name] for name in body} == body


async def test_references_sent_without_href_still_conform(client: httpx.AsyncClient) -> None:
    created = await client.post(
        PI,
        json={
            "direction": "inbound",
            "reason": "Customer called",
            "channel": [{"id": "phone"}],
            "relatedParty": [{"id": "CUST-1", "role": "customer"}],
        },
    )
    assert created.status_code == 201, created.text
    kit.assert_conforms(API, "PartyInteraction", created.json())


async def test_every_demo_interaction_conforms(
    client: httpx.AsyncClient, services: Services
) -> None:
    assert await load_demo(services) > 0
    interactions = await kit.every_one(client, api=API, resource="PartyInteraction", url=PI)
    assert len(interactions) >= 10


async def test_a_listener_registered_with_only_its_callback_conforms(
    client: httpx.AsyncClient,
) -> None:
    await kit.hub_round(client, api=API, base=BASE_PATHS[Api.PARTY_INTERACTION])
