"""The customer update reaches the systems around us: order management (TMF622), product
inventory (TMF637), the customer record (TMF629) and billing, over real HTTP against the
sandbox peers, with retries after a peer was down, no second product after a timeout, and
fallout an operator retries or settles."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from order_completion.bootstrap import Services
from order_completion.clock import FixedClock
from tests.orders import (
    BASE,
    accept_after_passing_test,
    business_order,
    open_over_api,
    product_order,
    training_session,
)
from tests.receiver import Receiver
from tests.sandbox_peers import (
    CUSTOMERS,
    INVENTORY,
    ORDERING,
    RunningSandbox,
)
from tests.support import events


@pytest.fixture
async def peers(sandbox: RunningSandbox) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=10) as peer:
        await peer.delete(f"{sandbox.control}/fault")
        yield peer
        await peer.delete(f"{sandbox.control}/fault")


@pytest.fixture
def extra_settings(sandbox: RunningSandbox, receiver: Receiver) -> dict[str, Any]:
    return {
        "tmf622_url": sandbox.root(ORDERING),
        "tmf637_url": sandbox.root(INVENTORY),
        "tmf629_url": sandbox.root(CUSTOMERS),
        "billing_url": f"{receiver.url}/billing/start",
        "integration_retry_schedule": "0,10s,10s",
        "integration_timeout_seconds": 1.0,
    }


@pytest.fixture(autouse=True)
def reconciled_just_now(services: Services) -> None:
    """The sandbox holds other tests' completed orders: the worker's own look for them is
    put off, so each test sees only its case (the reconciliation tests look themselves)."""
    assert services.order_link is not None
    services.order_link.postpone()


async def order_at_peer(
    peers: httpx.AsyncClient, sandbox: RunningSandbox, order: dict[str, Any]
) -> str:
    """The order as order management holds it; the case is opened for the same id."""
    created = await peers.post(
        f"{sandbox.root(ORDERING)}/productOrder",
        json={
            "productOrderItem": order["productOrderItem"],
            "relatedParty": order["relatedParty"],
            "category": order["category"],
        },
    )
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


async def customer_at_peer(peers: httpx.AsyncClient, sandbox: RunningSandbox) -> str:
    created = await peers.post(
        f"{sandbox.root(CUSTOMERS)}/customer",
        json={
            "name": "Acme Ltd",
            "engagedParty": {"id": "ORG-1", "@referredType": "Organization"},
            "contactMedium": [
                {"mediumType": "email", "characteristic": {"emailAddress": "dana@acme.example"}}
            ],
        },
    )
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


async def products_of(
    peers: httpx.AsyncClient, sandbox: RunningSandbox, order_id: str
) -> list[Any]:
    found = await peers.get(
        f"{sandbox.root(INVENTORY)}/product", params={"productOrderItem.productOrderId": order_id}
    )
    listed: list[Any] = found.json()
    return listed


async def open_consumer_case(
    client: httpx.AsyncClient, peers: httpx.AsyncClient, sandbox: RunningSandbox
) -> tuple[str, dict[str, Any]]:
    order = product_order()
    order["id"] = await order_at_peer(peers, sandbox, order)
    return order["id"], await open_over_api(client, order)


def step(case: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(s for s in case["step"] if s["kind"] == kind)


async def test_every_configured_system_is_updated_and_the_step_completes(
    services: Services,
    client: httpx.AsyncClient,
    peers: httpx.AsyncClient,
    sandbox: RunningSandbox,
    receiver: Receiver,
) -> None:
    order_id, case = await open_consumer_case(client, peers, sandbox)
    update = step(case, "customerUpdate")
    assert update["state"] == "active"  # waits for the systems, no longer done at once
    assert {entry["state"] for entry in update["detail"]["targets"].values()} == {"pending"}

    await services.worker.run_once()

    case = (await client.get(f"{BASE}/completionCase/{case['id']}")).json()
    assert case["state"] == "completed"
    assert step(case, "customerUpdate")["outcome"] == "recorded"
    assert "customerRecordsUpdated" in [m["name"] for m in case["milestone"]]
    order = (await peers.get(f"{sandbox.root(ORDERING)}/productOrder/{order_id}")).json()
    assert order["state"] == "completed"
    [product] = await products_of(peers, sandbox, order_id)
    assert product["status"] == "active"
    assert product["startDate"] == case["startOfServiceDate"]
    assert product["productOffering"]["id"] == "FIBRE-500"
    assert product["relatedParty"][0]["id"] == "CUST-1"
    assert case["orderItem"][0]["product"]["id"] == product["id"]
    [billing] = [
        r
        for r in receiver.received
        if r.path == "/billing/start" and r.event["caseId"] == case["id"]
    ]
    assert billing.event["startOfServiceDate"] == case["startOfServiceDate"]
    assert billing.headers["idempotency-key"].startswith(case["id"])


async def test_a_peer_down_for_a_while_is_retried_and_a_timeout_makes_no_second_product(
    services: Services,
    client: httpx.AsyncClient,
    peers: httpx.AsyncClient,
    sandbox: RunningSandbox,
    clock: FixedClock,
) -> None:
    # The first call is answered too late (the sandbox still creates the product), the
    # next one meets a 503; the third finds the product the first one made.
    await peers.post(
        f"{sandbox.control}/fault", json={"api": INVENTORY, "delaySeconds": 2, "times": 1}
    )
    order_id, case = await open_consumer_case(client, peers, sandbox)
    await services.worker.run_once()
    targets = step(
        (await client.get(f"{BASE}/completionCase/{case['id']}")).json(), "customerUpdate"
    )["detail"]["targets"]
    inventory = targets["productInventory:1"]
    assert (inventory["state"], inventory["attempts"]) == ("pending", 1)
    assert "no answer within" in inventory["lastError"]

    await peers.post(f"{sandbox.control}/fault", json={"api": INVENTORY, "status": 503, "times": 1})
    clock.advance(timedelta(seconds=11))
    await services.worker.run_once()
    clock.advance(timedelta(seconds=11))
    await services.worker.run_once()

    case = (await client.get(f"{BASE}/completionCase/{case['id']}")).json()
    inventory = step(case, "customerUpdate")["detail"]["targets"]["productInventory:1"]
    assert (inventory["state"], inventory["attempts"]) == ("done", 3)
    assert len(await products_of(peers, sandbox, order_id)) == 1
    assert case["state"] == "completed"


async def test_a_refusal_puts_the_case_in_fallout_until_an_operator_retries(
    services: Services,
    client: httpx.AsyncClient,
    peers: httpx.AsyncClient,
    sandbox: RunningSandbox,
) -> None:
    _, case = await open_consumer_case(client, peers, sandbox)
    await peers.post(f"{sandbox.control}/fault", json={"api": ORDERING, "status": 400, "times": 1})
    await services.worker.run_once()

    case = (await client.get(f"{BASE}/completionCase/{case['id']}")).json()
    assert case["fallout"] is True
    assert case["state"] == "active"
    update = step(case, "customerUpdate")
    assert update["detail"]["targets"]["productOrder"]["state"] == "failed"
    assert "400" in update["detail"]["targets"]["productOrder"]["lastError"]
    in_fallout = await client.get(f"{BASE}/completionCase", params={"fallout": "true"})
    assert [c["id"] for c in in_fallout.json()] == [case["id"]]
    bad = await client.get(f"{BASE}/completionCase", params={"fallout": "maybe"})
    assert (bad.status_code, bad.json()["field"]) == (400, "fallout")

    retried = await client.post(f"{BASE}/completionCase/{case['id']}/customerUpdate/retry")
    assert retried.status_code == 200, retried.text
    assert retried.json()["retried"] == ["productOrder"]
    assert retried.json()["completionCase"]["fallout"] is False
    await services.worker.run_once()
    case = (await client.get(f"{BASE}/completionCase/{case['id']}")).json()
    assert case["state"] == "completed"
    again = await client.post(f"{BASE}/completionCase/{case['id']}/customerUpdate/retry")
    assert again.status_code == 409


async def test_an_operator_settles_a_fallout_with_a_reason(
    services: Services,
    client: httpx.AsyncClient,
    peers: httpx.AsyncClient,
    sandbox: RunningSandbox,
) -> None:
    await peers.post(f"{sandbox.control}/fault", json={"api": INVENTORY, "status": 422, "times": 5})
    _, case = await open_consumer_case(client, peers, sandbox)
    await services.worker.run_once()
    empty = await client.post(f"{BASE}/completionCase/{case['id']}/customerUpdate/settle", json={})
    assert (empty.status_code, empty.json()["field"]) == (400, "reason")
    settled = await client.post(
        f"{BASE}/completionCase/{case['id']}/customerUpdate/settle",
        json={"reason": "entered in inventory by hand"},
    )
    assert settled.status_code == 200, settled.text
    assert settled.json()["settled"] == ["productInventory:1"]
    case = settled.json()["completionCase"]
    assert case["state"] == "completed"
    assert step(case, "customerUpdate")["detail"]["targets"]["productInventory:1"]["state"] == (
        "settled"
    )


async def test_contacts_met_during_completion_reach_the_customer_record_once(
    services: Services,
    client: httpx.AsyncClient,
    peers: httpx.AsyncClient,
    sandbox: RunningSandbox,
) -> None:
    customer_id = await customer_at_peer(peers, sandbox)
    order = business_order(customer_id=customer_id)
    order["id"] = await order_at_peer(peers, sandbox, order)
    case = await open_over_api(client, order)
    await accept_after_passing_test(
        client,
        case["id"],
        witnessed_by={"name": "Dana Smith", "email": "DANA@acme.example", "role": "IT"},
        decided_by={"name": "Lee Chan", "email": "lee@acme.example"},
    )
    await services.worker.run_once()

    record = (await peers.get(f"{sandbox.root(CUSTOMERS)}/customer/{customer_id}")).json()
    emails = [m["characteristic"].get("emailAddress") for m in record["contactMedium"]]
    # Dana's address was already on the record (in other letters' case): not added twice.
    assert sorted(emails) == ["dana@acme.example", "lee@acme.example"]
    assert {p["name"] for p in record["relatedParty"]} == {"Dana Smith", "Lee Chan"}
    case = (await client.get(f"{BASE}/completionCase/{case['id']}")).json()
    assert step(case, "customerUpdate")["state"] == "completed"
    assert len(await products_of(peers, sandbox, order["id"])) == 2

    # Met after the update: a training attendee still reaches the record.
    one = f"{BASE}/completionCase/{case['id']}"
    session = await client.post(
        f"{one}/trainingSession",
        json=training_session(attendee=[{"name": "Pat Doe", "email": "pat@acme.example"}]),
    )
    assert session.status_code == 201, session.text
    await services.worker.run_once()
    record = (await peers.get(f"{sandbox.root(CUSTOMERS)}/customer/{customer_id}")).json()
    emails = [m["characteristic"].get("emailAddress") for m in record["contactMedium"]]
    assert sorted(emails) == ["dana@acme.example", "lee@acme.example", "pat@acme.example"]


async def meet_late(client: httpx.AsyncClient, case_id: str, name: str, email: str) -> None:
    """A training attendee met once the customer update has completed."""
    session = await client.post(
        f"{BASE}/completionCase/{case_id}/trainingSession",
        json=training_session(attendee=[{"name": name, "email": email}]),
    )
    assert session.status_code == 201, session.text


async def test_a_late_contact_the_customer_record_refuses_is_fallout_an_operator_handles(
    services: Services,
    client: httpx.AsyncClient,
    peers: httpx.AsyncClient,
    sandbox: RunningSandbox,
) -> None:
    """The call of a contact met after the update shows its end on the case; failed for
    good it is fallout (jeopardy, information required) an operator retries or settles."""
    customer_id = await customer_at_peer(peers, sandbox)
    order = business_order(customer_id=customer_id)
    order["id"] = await order_at_peer(peers, sandbox, order)
    case_id = (await open_over_api(client, order))["id"]
    await accept_after_passing_test(client, case_id)
    await services.worker.run_once()
    one = f"{BASE}/completionCase/{case_id}"
    assert step((await client.get(one)).json(), "customerUpdate")["state"] == "completed"

    await peers.post(f"{sandbox.control}/fault", json={"api": CUSTOMERS, "status": 400, "times": 1})
    await meet_late(client, case_id, "Pat Doe", "pat@acme.example")
    await services.worker.run_once()

    pat = "customer:pat@acme.example"
    case = (await client.get(one)).json()
    assert case["fallout"] is True
    target = step(case, "customerUpdate")["detail"]["targets"][pat]
    assert (target["state"], target["attempts"]) == ("failed", 1)
    history = (await client.get(f"{one}/history")).json()
    [attempted] = [
        e
        for e in history
        if e["action"] == "customerUpdateAttempted" and e["detail"]["target"] == pat
    ]
    assert attempted["detail"]["state"] == "failed"
    assert "400" in attempted["detail"]["error"]
    [failed] = [e for e in history if e["action"] == "customerUpdateFailed"]
    assert failed["detail"]["targets"] == [pat]
    raised = await events(services, case_id)
    [alert] = [e for e in raised if e["eventType"] == "completionCaseJeopardyAlertEvent"]
    assert alert["event"]["jeopardyAlert"]["target"] == [pat]
    asked = [e for e in raised if e["eventType"] == "completionCaseInformationRequiredEvent"]
    assert asked[-1]["event"]["reason"] == "customerUpdateFailed"

    retried = await client.post(f"{one}/customerUpdate/retry")
    assert retried.status_code == 200, retried.text
    assert retried.json()["retried"] == [pat]
    assert retried.json()["completionCase"]["fallout"] is False
    await services.worker.run_once()
    record = (await peers.get(f"{sandbox.root(CUSTOMERS)}/customer/{customer_id}")).json()
    emails = [m["characteristic"].get("emailAddress") for m in record["contactMedium"]]
    assert "pat@acme.example" in emails
    case = (await client.get(one)).json()
    assert step(case, "customerUpdate")["detail"]["targets"][pat]["state"] == "done"

    await peers.post(f"{sandbox.control}/fault", json={"api": CUSTOMERS, "status": 400, "times": 1})
    await meet_late(client, case_id, "Kim Roe", "kim@acme.example")
    await services.worker.run_once()
    assert (await client.get(one)).json()["fallout"] is True
    settled = await client.post(
        f"{one}/customerUpdate/settle", json={"reason": "added to the CRM by hand"}
    )
    assert settled.status_code == 200, settled.text
    assert settled.json()["settled"] == ["customer:kim@acme.example"]
    case = settled.json()["completionCase"]
    assert case["fallout"] is False
    targets = step(case, "customerUpdate")["detail"]["targets"]
    late = {
        purpose: t["state"] for purpose, t in targets.items() if purpose.startswith("customer:")
    }
    assert late == {pat: "done", "customer:kim@acme.example": "settled"}
    nothing_left = await client.post(f"{one}/customerUpdate/retry")
    assert nothing_left.status_code == 409


async def test_reconciliation_opens_the_case_of_an_order_whose_event_was_lost(
    services: Services,
    client: httpx.AsyncClient,
    peers: httpx.AsyncClient,
    sandbox: RunningSandbox,
) -> None:
    order = product_order()
    order_id = await order_at_peer(peers, sandbox, order)
    # Order management completes the order; its notification never reaches us.
    completed = await peers.patch(
        f"{sandbox.root(ORDERING)}/productOrder/{order_id}", json={"state": "completed"}
    )
    assert completed.status_code == 200, completed.text
    assert (
        await client.get(f"{BASE}/completionCase", params={"productOrder.id": order_id})
    ).json() == []

    assert services.order_link is not None
    assert await services.order_link.reconcile() >= 1

    found = (
        await client.get(f"{BASE}/completionCase", params={"productOrder.id": order_id})
    ).json()
    assert [case["productOrder"]["id"] for case in found] == [order_id]
    history = (await client.get(f"{BASE}/completionCase/{found[0]['id']}/history")).json()
    assert history[0]["detail"]["by"] == "reconciliation"
    # A second look finds the same order again and opens nothing more.
    assert services.order_link is not None
    assert await services.order_link.reconcile() == 0
    again = await client.get(f"{BASE}/completionCase", params={"productOrder.id": order_id})
    assert len(again.json()) == 1


async def test_the_listener_is_registered_at_the_order_hub_once(
    services: Services, peers: httpx.AsyncClient, sandbox: RunningSandbox
) -> None:
    await peers.delete(f"{sandbox.control}/request")
    link = services.order_link
    assert link is not None
    link.callback = (
        "http://127.0.0.1:9/tmf-api/orderCompletion/v1/listener/productOrderStateChangeEvent"
    )
    assert await link.register() == 1
    link._registered = False
    assert await link.register() == 0  # remembered: not registered twice
    log = (await peers.get(f"{sandbox.control}/request", params={"api": ORDERING})).json()
    hubs = [entry for entry in log if entry["method"] == "POST" and entry["path"].endswith("/hub")]
    assert len(hubs) == 1
    assert hubs[0]["body"]["callback"] == link.callback
    assert hubs[0]["body"]["query"] == "eventType=ProductOrderStateChangeEvent"
