"""TMF701 Process Flow v4: cases as process flows, steps as task flows (no CTK exists for
TMF701, so these follow the spec)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select

from order_completion.bootstrap import DERIVATIONS, Services
from order_completion.events.catalog import BASE_PATHS, Api
from order_completion.events.deliveries import Delivery
from order_completion.events.outbox import OutboxBatch
from order_completion.events.relay import relay_due
from tests.api.test_cases_api import CASES, assert_error
from tests.conftest import token_for
from tests.orders import business_order, passing_test, product_order
from tests.receiver import Receiver
from tests.support import event_types, outbox_events

PF = f"{BASE_PATHS[Api.PROCESS_FLOW]}/processFlow"


def flow_body(order: dict[str, Any], spec: str = "completeCustomerOrder") -> dict[str, Any]:
    return {
        "processFlowSpecification": spec,
        "relatedEntity": [{**order, "role": "productOrder", "@referredType": "ProductOrder"}],
    }


def characteristic(flow: dict[str, Any], name: str) -> Any:
    return next(c["value"] for c in flow["characteristic"] if c["name"] == name)


async def task_of(client: httpx.AsyncClient, flow: dict[str, Any], kind: str) -> dict[str, Any]:
    tasks = (await client.get(f"{flow['href']}/taskFlow")).json()
    task: dict[str, Any] = next(t for t in tasks if t["taskFlowSpecification"] == kind)
    return task


async def test_a_process_flow_opens_a_case_from_an_order_by_value(
    client: httpx.AsyncClient,
) -> None:
    created = await client.post(PF, json=flow_body(business_order("PO-PF1")))
    assert created.status_code == 201
    flow = created.json()
    assert created.headers["Location"] == flow["href"]
    assert flow["@type"] == "ProcessFlow"
    assert flow["processFlowSpecification"] == "business-managed"
    assert flow["state"] == "active"
    assert {"id", "href", "processFlowDate", "state", "taskFlow"} <= flow.keys()
    assert flow["relatedEntity"][0] == {
        "id": "PO-PF1",
        "role": "productOrder",
        "@referredType": "ProductOrder",
    }
    assert flow["relatedParty"][0]["role"] == "customer"
    assert len(flow["taskFlow"]) == 6
    case = (await client.get(f"{CASES}/{flow['id']}")).json()
    assert case["productOrder"]["id"] == "PO-PF1"
    again = await client.post(PF, json=flow_body(business_order("PO-PF1")))
    assert again.status_code == 200
    assert again.json()["id"] == flow["id"]


async def test_a_policy_can_be_named_as_the_specification(client: httpx.AsyncClient) -> None:
    flow = (await client.post(PF, json=flow_body(product_order(), "business-managed"))).json()
    assert flow["processFlowSpecification"] == "business-managed"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            {"relatedEntity": [{"id": "x", "@referredType": "ProductOrder"}]},
            "processFlowSpecification",
        ),
        (flow_body(product_order(), "platinum"), "processFlowSpecification"),
        (
            {
                "processFlowSpecification": "completeCustomerOrder",
                "relatedEntity": [{"id": "PO-9", "role": "other", "@referredType": "Thing"}],
            },
            "relatedEntity",
        ),
        (
            flow_body({**product_order(), "productOrderItem": []}),
            "relatedEntity[0].productOrderItem",
        ),
        ({**flow_body(product_order()), "state": "active"}, "state"),
        ({**flow_body(product_order()), "id": "mine"}, "id"),
    ],
)
async def test_bad_process_flows_are_400(
    client: httpx.AsyncClient, body: dict[str, Any], field: str
) -> None:
    assert_error(await client.post(PF, json=body), 400, field)


async def test_task_flows_take_the_acceptance_decision_as_characteristics(
    client: httpx.AsyncClient,
) -> None:
    flow = (await client.post(PF, json=flow_body(business_order()))).json()
    test = await task_of(client, flow, "commissioningTest")
    assert test["state"] == "active"
    assert characteristic(test, "waitingFor") == "commissioningTestResult"
    passed = [
        {"name": "result", "value": "passed"},
        {"name": "testItem", "value": passing_test()["testItem"]},
        {"name": "witnessedBy", "value": "Dana Smith"},
    ]
    done = await client.patch(test["href"], json={"characteristic": passed})
    assert done.status_code == 200
    assert done.json()["state"] == "completed"

    acceptance = await task_of(client, flow, "acceptance")
    accepted = await client.patch(
        acceptance["href"],
        json={
            "characteristic": [
                {"name": "decision", "value": "accepted"},
                {"name": "decidedBy", "value": "Dana"},
            ]
        },
    )
    assert accepted.status_code == 200
    assert characteristic(accepted.json(), "outcome") == "accepted"
    flow = (await client.get(flow["href"])).json()
    assert characteristic(flow, "startOfServiceDate") is not None
    assert any(c["name"] == "milestone.customerAccepted" for c in flow["characteristic"])


async def test_task_flow_patches_are_checked_like_the_step_actions(
    client: httpx.AsyncClient,
) -> None:
    flow = (await client.post(PF, json=flow_body(business_order()))).json()
    acceptance = await task_of(client, flow, "acceptance")
    early = await client.patch(
        acceptance["href"],
        json={
            "characteristic": [
                {"name": "decision", "value": "accepted"},
                {"name": "decidedBy", "value": "Dana"},
            ]
        },
    )
    assert_error(early, 409)
    test = await task_of(client, flow, "commissioningTest")
    no_witness = [
        {"name": "result", "value": "passed"},
        {"name": "testItem", "value": passing_test()["testItem"]},
    ]
    assert_error(
        await client.patch(test["href"], json={"characteristic": no_witness}),
        400,
        "characteristic.witnessedBy",
    )
    assert_error(
        await client.patch(
            test["href"], json={"characteristic": [{"name": "colour", "value": "red"}]}
        ),
        400,
        "characteristic.colour",
    )
    assert_error(await client.patch(test["href"], json={"state": "completed"}), 400, "state")
    assert_error(
        await client.patch(test["href"], json={"characteristic": []}), 400, "characteristic"
    )
    training = await task_of(client, flow, "training")
    assert_error(
        await client.patch(
            training["href"], json={"characteristic": [{"name": "topic", "value": "x"}]}
        ),
        409,
    )
    assert_error(await client.get(f"{flow['href']}/taskFlow/nope"), 404)
    assert_error(await client.get(f"{PF}/nope"), 404)
    assert_error(await client.delete(flow["href"]), 405)


async def test_task_flow_patches_check_the_role_of_each_task(
    anonymous: httpx.AsyncClient, client: httpx.AsyncClient, services: Services
) -> None:
    flow = (await client.post(PF, json=flow_body(business_order()))).json()
    test = await task_of(client, flow, "commissioningTest")
    trainer = {"Authorization": f"Bearer {await token_for(services, 'trainer')}"}
    manager = {"Authorization": f"Bearer {await token_for(services, 'orderManager')}"}
    body = {
        "characteristic": [
            {"name": "result", "value": "failed"},
            {"name": "witnessedBy", "value": "Dana"},
        ]
    }
    assert_error(await anonymous.patch(test["href"], json=body, headers=trainer), 403)
    assert_error(await anonymous.patch(test["href"], json=body, headers=manager), 403)
    assert characteristic(await task_of(client, flow, "commissioningTest"), "outcome") is None
    engineer = {"Authorization": f"Bearer {await token_for(services, 'engineer')}"}
    recorded = await anonymous.patch(test["href"], json=body, headers=engineer)
    assert recorded.status_code == 200, recorded.text
    assert recorded.json()["state"] == "active"  # a failed run keeps it waiting for a retest
    assert characteristic(recorded.json(), "outcome") == "failed"


async def test_lists_filter_page_and_pick_fields(client: httpx.AsyncClient) -> None:
    for index in range(3):
        await client.post(PF, json=flow_body(product_order(f"PO-PFL{index}")))
    await client.post(PF, json=flow_body(business_order("PO-PFLB")))
    active = await client.get(PF, params={"state": "active", "fields": "state"})
    assert [set(f) for f in active.json()] == [{"id", "href", "@type", "state"}]
    page = await client.get(PF, params={"limit": "2"})
    assert page.headers["X-Total-Count"] == "4"
    assert page.headers["X-Result-Count"] == "2"
    by_order = await client.get(PF, params={"relatedEntity.id": "PO-PFL1"})
    assert by_order.headers["X-Total-Count"] == "1"
    flow = by_order.json()[0]
    done = await client.get(f"{flow['href']}/taskFlow", params={"state": "completed"})
    assert done.headers["X-Total-Count"] == "3"


async def test_case_changes_are_also_tmf701_events(
    client: httpx.AsyncClient, services: Services
) -> None:
    flow = (await client.post(PF, json=flow_body(business_order()))).json()
    types = await event_types(services, flow["id"])
    assert types.index("processFlowCreateEvent") > types.index("completionCaseCreateEvent")
    assert "taskFlowStateChangeEvent" in types
    asked = types.count("taskFlowInformationRequiredEvent")  # the witness is asked to come
    assert asked == 1
    test = await task_of(client, flow, "commissioningTest")
    await client.patch(
        test["href"],
        json={
            "characteristic": [
                {"name": "result", "value": "passed"},
                {"name": "testItem", "value": passing_test()["testItem"]},
                {"name": "witnessedBy", "value": "Dana"},
            ]
        },
    )
    types = await event_types(services, flow["id"])
    assert types.count("taskFlowInformationRequiredEvent") == asked + 1  # now for acceptance
    assert "processFlowAttributeValueChangeEvent" in types


async def test_tmf701_events_are_stored_as_facts_and_built_when_relayed(
    client: httpx.AsyncClient, services: Services, receiver: Receiver
) -> None:
    """The flows are not written twice: the outbox keeps a TMF701 event as the facts of the
    change, and a subscriber receives the full resource, filtered on its built body."""
    hubs = services.hubs()
    await hubs.register(
        Api.PROCESS_FLOW,
        callback=receiver.url,
        query="eventType=taskFlowStateChangeEvent&event.taskFlow.state=completed",
        style="callback",
    )
    flow = (await client.post(PF, json=flow_body(product_order("PO-PFD")))).json()
    async with services.db.read() as session:
        stored = [
            event
            for row in await session.scalars(select(OutboxBatch))
            for event in row.events
            if event["eventType"].startswith(("processFlow", "taskFlow"))
        ]
    assert stored
    assert all(
        "event" not in e and e["derivation"] in {"processFlow/1", "taskFlow/1"} for e in stored
    )
    for _ in range(5):
        if await services.worker.run_once() == 0:
            break
    sent = [request.event for request in receiver.received]
    assert sent
    assert {event["eventType"] for event in sent} == {"taskFlowStateChangeEvent"}
    tasks = {t["id"]: t for t in (await client.get(f"{flow['href']}/taskFlow")).json()}
    for event in sent:
        assert event["correlationId"] == flow["id"]
        assert event["event"]["previousState"] == "active"
        assert event["event"]["taskFlow"] == tasks[event["event"]["taskFlow"]["id"]]


async def _break_one_stored_flow_event(services: Services, case_id: str) -> str:
    """Give one TMF701 event of the case a derivation no version of the service knows, as
    a row written by a future version would; returns its event id."""
    async with services.db.transaction() as session:
        row = await session.scalar(select(OutboxBatch).where(OutboxBatch.case_id == case_id))
        assert row is not None
        events = [dict(event) for event in row.events]
        broken = next(e for e in events if e["eventType"] == "taskFlowStateChangeEvent")
        broken["derivation"] = "taskFlow/99"
        row.events = events
    return str(broken["eventId"])


async def test_an_event_that_cannot_be_built_fails_alone(
    client: httpx.AsyncClient, services: Services, receiver: Receiver
) -> None:
    """The relay leaves it out, the sender fails its delivery, and every other event of
    the same row still goes out."""
    hubs = services.hubs()
    await hubs.register(Api.PROCESS_FLOW, callback=receiver.url, query=None, style="callback")
    first = (await client.post(PF, json=flow_body(product_order("PO-PFX1")))).json()
    await relay_due(services.db, services.clock.now(), DERIVATIONS)
    not_sent = await _break_one_stored_flow_event(services, first["id"])  # after its relay
    second = (await client.post(PF, json=flow_body(product_order("PO-PFX2")))).json()
    not_relayed = await _break_one_stored_flow_event(services, second["id"])  # before it
    for _ in range(5):
        if await services.worker.run_once() == 0:
            break
    sent = {request.event["eventId"] for request in receiver.received}
    stored = [e for e in await outbox_events_raw(services) if "derivation" in e]
    assert sent == {e["eventId"] for e in stored} - {not_sent, not_relayed}
    async with services.db.read() as session:
        failed = (
            await session.scalars(select(Delivery).where(Delivery.event_id == not_sent))
        ).one()
        assert failed.status == "failed"
        assert failed.last_error == "its event could not be read from the outbox"
        assert not (
            await session.scalars(select(Delivery).where(Delivery.event_id == not_relayed))
        ).all()


async def outbox_events_raw(services: Services) -> list[dict[str, Any]]:
    async with services.db.read() as session:
        return [e for row in await session.scalars(select(OutboxBatch)) for e in row.events]


async def test_a_step_deadline_set_when_it_starts_reaches_subscribers(
    client: httpx.AsyncClient, services: Services
) -> None:
    """The acceptance window is set by the step's starter, after the state change that
    started it; an attribute change event carries the due date that a GET shows."""
    flow = (await client.post(PF, json=flow_body(business_order("PO-PFDUE")))).json()
    test = await task_of(client, flow, "commissioningTest")
    characteristics = [
        {"name": "result", "value": "passed"},
        {"name": "testItem", "value": passing_test()["testItem"]},
        {"name": "witnessedBy", "value": "Dana"},
    ]
    await client.patch(test["href"], json={"characteristic": characteristics})
    acceptance = await task_of(client, flow, "acceptance")
    due = characteristic(acceptance, "dueDate")
    assert due is not None
    changes = [
        event["event"]
        for event in await outbox_events(services, flow["id"])
        if event["eventType"] == "taskFlowAttributeValueChangeEvent"
        and event["event"]["taskFlow"]["id"] == acceptance["id"]
    ]
    assert [change["fieldPath"] for change in changes] == ["characteristic.dueDate"]
    assert changes[0]["taskFlow"] == acceptance
