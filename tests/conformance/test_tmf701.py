"""TMF701 Process Flow v4 as the conformance kit tests it: a process flow created with the
specification's mandatory attribute (and the product order a completion case is opened for),
read, listed, filtered, narrowed with ``fields``; its task flows read the same way; every
body valid against the official ``ProcessFlow`` and ``TaskFlow`` definitions, also over the
demo data."""

from __future__ import annotations

import httpx

from order_completion.bootstrap import Services
from order_completion.demo import load_demo
from order_completion.events.catalog import BASE_PATHS, Api
from tests.conformance import kit
from tests.orders import business_order

PF = f"{BASE_PATHS[Api.PROCESS_FLOW]}/processFlow"
API = "tmf701"


async def test_the_kit_round_on_a_process_flow_and_its_task_flows(
    client: httpx.AsyncClient,
) -> None:
    assert kit.mandatory(API, "ProcessFlow_Create") == ["processFlowSpecification"]
    order = business_order("PO-KIT-701")
    body = {
        "processFlowSpecification": "business-managed",
        "relatedEntity": [{**order, "role": "productOrder", "@referredType": "ProductOrder"}],
    }
    flow = await kit.run(
        client,
        api=API,
        resource="ProcessFlow",
        url=PF,
        body=body,
        filters=[
            ("processFlowSpecification", "business-managed"),
            ("relatedEntity.id", "PO-KIT-701"),
        ],
        fields="processFlowSpecification",
    )
    tasks = await kit.read(client, f"{flow['href']}/taskFlow")
    assert [task["id"] for task in tasks] == [task["id"] for task in flow["taskFlow"]]
    for task in tasks:
        kit.assert_conforms(API, "TaskFlow", task)
        assert await kit.read(client, task["href"]) == task
        chosen = await kit.read(client, task["href"], fields="state")
        kit.assert_conforms(API, "TaskFlow", chosen)
        assert chosen == {
            "id": task["id"],
            "href": task["href"],
            "@type": "TaskFlow",
            "state": task["state"],
        }


async def test_every_demo_process_flow_and_task_flow_conforms(
    client: httpx.AsyncClient, services: Services
) -> None:
    assert await load_demo(services) > 0
    flows = await kit.every_one(client, api=API, resource="ProcessFlow", url=PF)
    assert len(flows) >= 10
    for flow in flows:
        tasks = await kit.every_one(
            client, api=API, resource="TaskFlow", url=f"{flow['href']}/taskFlow"
        )
        assert len(tasks) == len(flow["taskFlow"])


async def test_an_error_body_conforms(client: httpx.AsyncClient) -> None:
    refused = await client.post(PF, json={})
    assert refused.status_code == 400
    kit.assert_conforms(API, "Error", refused.json())
    missing = await client.get(f"{PF}/no-such-flow")
    assert missing.status_code == 404
    kit.assert_conforms(API, "Error", missing.json())


async def test_a_listener_registered_with_only_its_callback_conforms(
    client: httpx.AsyncClient,
) -> None:
    await kit.hub_round(client, api=API, base=BASE_PATHS[Api.PROCESS_FLOW])
