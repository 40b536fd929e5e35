"""The sandbox peers over real HTTP: a real ``order-completion sandbox`` process on a free
port, its SQLite file, and a real receiver for the hub notifications."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from order_completion.cases.representation import API_BASE
from order_completion.orders.schemas import ProductOrderStateChangeEvent
from tests.conftest import SECRET_KEY
from tests.e2e.conftest import Server, start_server, stop_server
from tests.receiver import Receiver
from tests.sandbox_peers import (
    CUSTOMERS,
    INVENTORY,
    ORDERING,
    RunningSandbox,
    start_sandbox,
    stop_sandbox,
)

pytestmark = pytest.mark.e2e

CUSTOMER_PARTY = {"id": "CUST-42", "role": "customer", "@referredType": "Organization"}


def order_body(marker: str) -> dict[str, Any]:
    return {
        "category": marker,
        "productOrderItem": [{"id": "1", "action": "add", "productOffering": {"id": "ETH-1G"}}],
        "relatedParty": [CUSTOMER_PARTY],
    }


def product_body(marker: str) -> dict[str, Any]:
    return {
        "name": marker,
        "status": "created",
        "isBundle": False,
        "productOrderItem": [{"orderItemId": "1", "productOrderId": "PO-1"}],
        "relatedParty": [CUSTOMER_PARTY],
    }


def customer_body(marker: str) -> dict[str, Any]:
    return {
        "name": marker,
        "engagedParty": {"id": "ORG-1", "@referredType": "Organization"},
        "contactMedium": [
            {"mediumType": "email", "characteristic": {"emailAddress": "ops@acme.example"}}
        ],
    }


# Per API: its resource, a valid body, its lifecycle attribute with a next value, and the
# attribute each needs that a body may lack.
APIS = [
    pytest.param(ORDERING, "productOrder", order_body, "state", "completed", id="TMF622"),
    pytest.param(INVENTORY, "product", product_body, "status", "active", id="TMF637"),
    pytest.param(CUSTOMERS, "customer", customer_body, "status", "Approved", id="TMF629"),
]
MISSING = [
    pytest.param(ORDERING, order_body, "productOrderItem", id="TMF622"),
    pytest.param(INVENTORY, product_body, "status", id="TMF637"),
    pytest.param(CUSTOMERS, customer_body, "engagedParty", id="TMF629"),
]


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    folder = tmp_path_factory.mktemp("sandbox")
    running = start_sandbox(folder / "data" / "sandbox.db", folder / "sandbox.log")
    yield running
    stop_sandbox(running)


@pytest.fixture
async def http(sandbox: RunningSandbox) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=sandbox.url, timeout=10) as client:
        yield client
        await client.delete("/sandbox/v1/fault")


def marker() -> str:
    return f"run-{uuid.uuid4().hex[:10]}"


def path(api: str, tail: str) -> str:
    return f"/tmf-api/{api}/v4/{tail}"


# How long a test waits for something that happens after an answer (a notification, a case
# the service opens from it): generous, since the machine may be busy; most take milliseconds.
PATIENCE_SECONDS = 30


async def wait_for(receiver: Receiver, count: int) -> None:
    """Until the receiver has ``count`` requests (notifications go out after the answer)."""
    deadline = time.monotonic() + PATIENCE_SECONDS
    while len(receiver.received) < count:
        if time.monotonic() > deadline:
            raise AssertionError(f"expected {count} notifications, got {len(receiver.received)}")
        await asyncio.sleep(0.025)


@pytest.mark.parametrize(("api", "name", "body", "state", "next_state"), APIS)
async def test_each_peer_creates_reads_lists_patches_and_deletes(
    sandbox: RunningSandbox,
    http: httpx.AsyncClient,
    api: str,
    name: str,
    body: Any,
    state: str,
    next_state: str,
) -> None:
    """The resource's whole life over its standard root, with TMF630 paging and fields."""
    run = marker()
    created = await http.post(path(api, name), json=body(run))
    assert created.status_code == 201, created.text
    resource = created.json()
    assert resource["href"] == f"{sandbox.url}{path(api, name)}/{resource['id']}"
    assert created.headers["location"] == resource["href"]
    assert resource["@type"] == name[0].upper() + name[1:]
    second = (await http.post(path(api, name), json=body(run))).json()

    read = await http.get(path(api, f"{name}/{resource['id']}"))
    assert read.status_code == 200
    assert read.json() == resource

    filter_name = "category" if name == "productOrder" else "name"
    page = await http.get(path(api, name), params={filter_name: run, "offset": 1, "limit": 1})
    assert page.status_code == 200
    assert (page.headers["x-total-count"], page.headers["x-result-count"]) == ("2", "1")
    assert [item["id"] for item in page.json()] == [second["id"]]
    trimmed = await http.get(path(api, name), params={filter_name: run, "fields": filter_name})
    assert trimmed.json()[0] == {
        "id": resource["id"],
        "href": resource["href"],
        "@type": resource["@type"],
        filter_name: run,
    }

    patched = await http.patch(
        path(api, f"{name}/{resource['id']}"),
        json={state: next_state, "description": "changed"},
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert patched.status_code == 200, patched.text
    assert (patched.json()[state], patched.json()["description"]) == (next_state, "changed")
    assert patched.json()["lastUpdate"] >= resource["lastUpdate"]
    removed = await http.patch(path(api, f"{name}/{resource['id']}"), json={"description": None})
    assert "description" not in removed.json()
    listed = await http.get(path(api, name), params={state: next_state, filter_name: run})
    assert [item["id"] for item in listed.json()] == [resource["id"]]

    deleted = await http.delete(path(api, f"{name}/{resource['id']}"))
    assert deleted.status_code == 204
    gone = await http.get(path(api, f"{name}/{resource['id']}"))
    assert gone.status_code == 404
    assert gone.json() == {
        "code": "60",
        "reason": "Not found",
        "message": f"no {name} {resource['id']}",
        "status": "404",
        "@type": "Error",
        "field": "id",
    }


@pytest.mark.parametrize(("api", "body", "attribute"), MISSING)
async def test_a_create_without_a_mandatory_attribute_is_refused_naming_it(
    http: httpx.AsyncClient, api: str, body: Any, attribute: str
) -> None:
    """Each spec's ``*_Create`` requirement is a 400 TMF error, and nothing is stored."""
    run = marker()
    incomplete = {key: value for key, value in body(run).items() if key != attribute}
    name = {ORDERING: "productOrder", INVENTORY: "product", CUSTOMERS: "customer"}[api]
    answer = await http.post(path(api, name), json=incomplete)
    assert answer.status_code == 400
    assert answer.json()["field"] == attribute
    assert answer.json()["message"] == f"{attribute}: is required"
    assert (answer.json()["code"], answer.json()["status"]) == ("21", "400")
    filter_name = "category" if api == ORDERING else "name"
    listed = await http.get(path(api, name), params={filter_name: run})
    assert (listed.status_code, listed.json()) == (200, [])


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (
            {"relatedParty": [{"id": "C-1", "role": "customer"}]},
            "relatedParty[0].@referredType",
            "is required",
        ),
        (
            {"productOrderItem": [{"id": "1", "action": "install"}]},
            "productOrderItem[0].action",
            "must be one of add, modify, delete, noChange",
        ),
        (
            {"requestedStartDate": "soon"},
            "requestedStartDate",
            "'soon' is not an ISO 8601 date-time",
        ),
        ({"id": "PO-1"}, "id", "is set by the server, not by the client"),
        ({"state": "completed"}, "state", "is set by the server, not by the client"),
        ({"note": [{"author": "x"}]}, "note[0].text", "is required"),
    ],
)
async def test_an_order_breaking_the_spec_is_refused_naming_the_field(
    http: httpx.AsyncClient, change: dict[str, Any], field: str, message: str
) -> None:
    answer = await http.post(
        path(ORDERING, "productOrder"), json={**order_body(marker()), **change}
    )
    assert answer.status_code == 400
    assert (answer.json()["field"], answer.json()["message"]) == (field, f"{field}: {message}")


async def test_a_bad_patch_is_refused_and_changes_nothing(http: httpx.AsyncClient) -> None:
    created = (await http.post(path(INVENTORY, "product"), json=product_body(marker()))).json()
    where = path(INVENTORY, f"product/{created['id']}")
    wrong_status = await http.patch(where, json={"status": "sold"})
    assert (wrong_status.status_code, wrong_status.json()["field"]) == (400, "status")
    no_status = await http.patch(where, json={"status": None})
    assert (no_status.status_code, no_status.json()["message"]) == (400, "status: is required")
    owned = await http.patch(where, json={"href": "elsewhere"})
    assert (owned.status_code, owned.json()["field"]) == (400, "href")
    not_json = await http.patch(
        where, content=b"status=active", headers={"Content-Type": "text/plain"}
    )
    assert not_json.status_code == 415
    not_object = await http.patch(where, json=["active"])
    assert (not_object.status_code, not_object.json()["field"]) == (400, "body")
    missing = await http.patch(path(INVENTORY, "product/no-such-product"), json={"name": "x"})
    assert missing.status_code == 404
    assert (await http.get(where)).json() == created


async def test_lists_filter_on_dotted_paths_values_and_flags(http: httpx.AsyncClient) -> None:
    run = marker()
    first = (await http.post(path(ORDERING, "productOrder"), json=order_body(run))).json()
    other_body = order_body(run)
    other_body["productOrderItem"] = [{"id": "7", "action": "modify"}]
    other_body["relatedParty"] = [{**CUSTOMER_PARTY, "id": "CUST-7"}]
    other = (await http.post(path(ORDERING, "productOrder"), json=other_body)).json()

    async def ids(**params: str) -> list[str]:
        answer = await http.get(path(ORDERING, "productOrder"), params={"category": run, **params})
        assert answer.status_code == 200, answer.text
        return [item["id"] for item in answer.json()]

    assert await ids(**{"relatedParty.id": "CUST-7"}) == [other["id"]]
    assert await ids(**{"productOrderItem.id": "1"}) == [first["id"]]
    assert await ids(**{"productOrderItem.action": "add,modify"}) == [first["id"], other["id"]]
    assert await ids(state="acknowledged") == [first["id"], other["id"]]
    assert await ids(state="completed") == []

    product = (await http.post(path(INVENTORY, "product"), json=product_body(run))).json()
    flagged = await http.get(path(INVENTORY, "product"), params={"name": run, "isBundle": "false"})
    assert [item["id"] for item in flagged.json()] == [product["id"]]


async def test_completed_orders_are_found_by_last_update(http: httpx.AsyncClient) -> None:
    """What the service's reconciliation asks: ``state=completed&lastUpdate.gt=...``."""
    run = marker()
    early = (await http.post(path(ORDERING, "productOrder"), json=order_body(run))).json()
    late = (await http.post(path(ORDERING, "productOrder"), json=order_body(run))).json()
    done_early = await http.patch(
        path(ORDERING, f"productOrder/{early['id']}"), json={"state": "completed"}
    )
    assert done_early.json()["completionDate"] == done_early.json()["lastUpdate"]
    await asyncio.sleep(0.002)  # stamps are to the millisecond: make the two completions differ
    done_late = await http.patch(
        path(ORDERING, f"productOrder/{late['id']}"), json={"state": "completed"}
    )
    assert done_late.json()["lastUpdate"] > done_early.json()["lastUpdate"]

    async def completed_after(moment: str) -> list[str]:
        params = {"state": "completed", "lastUpdate.gt": moment, "category": run}
        answer = await http.get(path(ORDERING, "productOrder"), params=params)
        assert answer.status_code == 200, answer.text
        return [item["id"] for item in answer.json()]

    assert await completed_after(early["lastUpdate"]) == [early["id"], late["id"]]
    assert await completed_after(done_early.json()["lastUpdate"]) == [late["id"]]
    assert await completed_after(done_late.json()["lastUpdate"]) == []
    before = await http.get(
        path(ORDERING, "productOrder"),
        params={"lastUpdate.lt": done_late.json()["lastUpdate"], "category": run},
    )
    assert [item["id"] for item in before.json()] == [early["id"]]
    wrong = await http.get(path(ORDERING, "productOrder"), params={"lastUpdate.gt": "yesterday"})
    assert (wrong.status_code, wrong.json()["field"]) == (400, "lastUpdate")


async def test_the_hub_notifies_matching_listeners_once(
    http: httpx.AsyncClient, receiver: Receiver
) -> None:
    """A state change reaches the listener in the envelope the service's TMF622 listener
    takes; a failing listener is not retried, and an unregistered one gets nothing more."""
    run = marker()
    query = f"eventType=productOrderStateChangeEvent&event.productOrder.category={run}"
    registered = await http.post(
        path(ORDERING, "hub"), json={"callback": f"{receiver.url}/orders", "query": query}
    )
    assert registered.status_code == 201, registered.text
    hub = registered.json()
    assert registered.headers["location"] == path(ORDERING, f"hub/{hub['id']}")
    listener_query = f"event.productOrder.category={run}"
    every = await http.post(
        path(ORDERING, "hub"),
        json={"callback": receiver.url, "query": listener_query, "deliveryStyle": "listener"},
    )

    order = (await http.post(path(ORDERING, "productOrder"), json=order_body(run))).json()
    await wait_for(receiver, 1)
    assert receiver.received[0].path == "/listener/productOrderCreateEvent"
    receiver.script(500)  # the first notification of the state change fails
    await http.patch(path(ORDERING, f"productOrder/{order['id']}"), json={"state": "completed"})
    await wait_for(receiver, 3)
    await asyncio.sleep(0.2)  # a retry, if there were one, would come now
    by_path = {item.path: item for item in receiver.received}
    assert sorted(by_path) == [
        "/listener/productOrderCreateEvent",
        "/listener/productOrderStateChangeEvent",
        "/orders",
    ]
    assert len(receiver.received) == 3
    event = by_path["/orders"].event
    assert event["eventType"] == "ProductOrderStateChangeEvent"
    assert event["event"]["productOrder"]["id"] == order["id"]
    assert event["event"]["productOrder"]["state"] == "completed"
    assert set(event) == {"eventId", "eventTime", "eventType", "event"}
    ProductOrderStateChangeEvent.model_validate(event)  # what the service's listener takes
    sent = (await http.get("/sandbox/v1/notification")).json()
    statuses = sorted(item["status"] for item in sent if item["eventId"] == event["eventId"])
    assert statuses == [200, 500]

    assert (await http.delete(path(ORDERING, f"hub/{hub['id']}"))).status_code == 204
    await http.patch(path(ORDERING, f"productOrder/{order['id']}"), json={"state": "failed"})
    await wait_for(receiver, 4)
    await asyncio.sleep(0.2)
    assert [item.path for item in receiver.received[3:]] == [
        "/listener/productOrderStateChangeEvent"
    ]
    assert (await http.delete(path(ORDERING, f"hub/{every.json()['id']}"))).status_code == 204
    again = await http.delete(path(ORDERING, f"hub/{hub['id']}"))
    assert again.status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"callback": "not a url"}, "callback"),
        ({"callback": "http://127.0.0.1:9/x", "query": "eventType=OrderShippedEvent"}, "query"),
        ({"callback": "http://127.0.0.1:9/x", "query": "=&&"}, "query"),
        ({"callback": "http://127.0.0.1:9/x", "secret": "s"}, "secret"),
        ({"query": "eventType=ProductCreateEvent"}, "callback"),
        ({"callback": "http://127.0.0.1:9/x", "headers": {"Bad Name": "x"}}, "headers"),
        ({"callback": "http://127.0.0.1:9/x", "headers": {"X-Token": "a\nb"}}, "headers"),
    ],
)
async def test_a_bad_hub_registration_is_refused_naming_the_field(
    http: httpx.AsyncClient, body: dict[str, Any], field: str
) -> None:
    answer = await http.post(path(INVENTORY, "hub"), json=body)
    assert (answer.status_code, answer.json()["field"]) == (400, field)


async def test_faults_fail_the_next_calls_of_one_api_only(http: httpx.AsyncClient) -> None:
    run = marker()
    armed = await http.post("/sandbox/v1/fault", json={"api": INVENTORY, "status": 503, "times": 2})
    assert armed.status_code == 201
    assert armed.json() == {"api": INVENTORY, "status": 503, "times": 2, "delaySeconds": 0}
    await http.delete("/sandbox/v1/request")

    statuses = []
    for _ in range(3):
        answer = await http.post(path(INVENTORY, "product"), json=product_body(run))
        statuses.append(answer.status_code)
        if answer.status_code == 503:
            assert answer.json()["reason"] == "Injected fault"
    assert statuses == [503, 503, 201]
    untouched = await http.post(path(CUSTOMERS, "customer"), json=customer_body(run))
    assert untouched.status_code == 201
    stored = await http.get(path(INVENTORY, "product"), params={"name": run})
    assert stored.headers["x-total-count"] == "1"

    seen = (await http.get("/sandbox/v1/request", params={"api": INVENTORY})).json()
    assert [(item["method"], item["status"]) for item in seen] == [
        ("POST", 503),
        ("POST", 503),
        ("POST", 201),
        ("GET", 200),
    ]
    assert seen[0]["body"] == product_body(run)
    assert seen[0]["path"] == path(INVENTORY, "product")
    assert seen[3]["query"] == f"name={run}"

    await http.post("/sandbox/v1/fault", json={"api": INVENTORY, "status": 500, "times": 5})
    assert (await http.delete("/sandbox/v1/fault")).status_code == 204
    assert (await http.get("/sandbox/v1/fault")).json() == []
    served = await http.post(path(INVENTORY, "product"), json=product_body(run))
    assert served.status_code == 201


async def test_a_delay_only_fault_serves_the_call_after_the_client_gave_up(
    http: httpx.AsyncClient,
) -> None:
    """How a client timeout is tried: the peer still does the work, late."""
    run = marker()
    await http.post("/sandbox/v1/fault", json={"api": INVENTORY, "delaySeconds": 1})
    with pytest.raises(httpx.ReadTimeout):
        await http.post(path(INVENTORY, "product"), json=product_body(run), timeout=0.2)
    deadline = time.monotonic() + PATIENCE_SECONDS
    while time.monotonic() < deadline:
        stored = await http.get(path(INVENTORY, "product"), params={"name": run})
        if stored.json():
            break
        await asyncio.sleep(0.05)
    assert stored.headers["x-total-count"] == "1"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"api": "billing", "status": 503}, "api"),
        ({"api": INVENTORY, "status": 200}, "status"),
        ({"api": INVENTORY, "status": 503, "times": 0}, "times"),
        ({"api": INVENTORY}, "body"),
    ],
)
async def test_a_bad_fault_is_refused(
    http: httpx.AsyncClient, body: dict[str, Any], field: str
) -> None:
    answer = await http.post("/sandbox/v1/fault", json=body)
    assert (answer.status_code, answer.json()["field"]) == (400, field)
    assert (await http.get("/sandbox/v1/fault")).json() == []


async def test_resources_and_listeners_survive_a_restart(
    tmp_path: Path, receiver: Receiver
) -> None:
    """The file keeps the resources and the listeners, with the headers they asked for."""
    database = tmp_path / "peers.db"
    first = start_sandbox(database, tmp_path / "first.log")
    try:
        async with httpx.AsyncClient(base_url=first.url, timeout=10) as http:
            customer = (
                await http.post(path(CUSTOMERS, "customer"), json=customer_body("A"))
            ).json()
            listener = {"callback": receiver.url, "headers": {"Authorization": "Bearer t-1"}}
            await http.post(path(CUSTOMERS, "hub"), json=listener)
    finally:
        stop_sandbox(first)

    second = start_sandbox(database, tmp_path / "second.log")
    try:
        async with httpx.AsyncClient(base_url=second.url, timeout=10) as http:
            read = await http.get(path(CUSTOMERS, f"customer/{customer['id']}"))
            assert read.json() == customer
            await http.patch(path(CUSTOMERS, f"customer/{customer['id']}"), json={"name": "B"})
            await wait_for(receiver, 1)
    finally:
        stop_sandbox(second)
    announced = f"TMF629 Customer Management: {second.url}/tmf-api/customerManagement/v4"
    assert announced in second.log.read_text()
    event = receiver.received[-1].event
    assert event["eventType"] == "CustomerAttributeValueChangeEvent"
    assert receiver.received[-1].headers["authorization"] == "Bearer t-1"
    assert event["event"]["customer"]["name"] == "B"


def integration_token(server: Server, tmp_path: Path) -> str:
    """An API key with the integration role, as order management would be given."""
    command = ["token", "create", "--role", "integration", "--name", "order-management"]
    created = subprocess.run(
        [sys.executable, "-m", "order_completion", *command, "--quiet"],
        env={
            **os.environ,
            "ORDER_COMPLETION_DATABASE_URL": server.database_url,
            "ORDER_COMPLETION_SECRET_KEYS": SECRET_KEY,
        },
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    return created.stdout.strip()


async def test_a_completed_sandbox_order_opens_a_case_in_the_service(
    sandbox: RunningSandbox, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    """The whole inbound loop over real HTTP: the service's TMF622 listener, registered at
    the sandbox's hub with its token, takes the sandbox's state change event."""
    server = start_server(tmp_path, f"sqlite:///{tmp_path / 'data' / 'service.db'}")
    try:
        token = integration_token(server, tmp_path)
        listener = f"{server.url}{API_BASE}/listener/productOrderStateChangeEvent"
        run = marker()
        query = f"eventType=ProductOrderStateChangeEvent&event.productOrder.externalId={run}"
        hub = await http.post(
            path(ORDERING, "hub"),
            json={
                "callback": listener,
                "query": query,
                "headers": {"Authorization": f"Bearer {token}"},
            },
        )
        assert hub.status_code == 201, hub.text
        order = (
            await http.post(
                path(ORDERING, "productOrder"),
                json={**order_body("QUICK"), "externalId": run},
            )
        ).json()
        await http.patch(path(ORDERING, f"productOrder/{order['id']}"), json={"state": "completed"})
        deadline = time.monotonic() + PATIENCE_SECONDS
        with server.client() as service:
            while time.monotonic() < deadline:
                cases = service.get(
                    f"{API_BASE}/completionCase", params={"productOrder.id": order["id"]}
                ).json()
                if cases:
                    break
                await asyncio.sleep(0.05)
        sent = (await http.get("/sandbox/v1/notification")).json()
        to_listener = [item for item in sent if item["url"] == listener]
        assert [case["productOrder"]["id"] for case in cases] == [order["id"]], to_listener
        assert [item["status"] for item in to_listener] == [201]
    finally:
        stop_server(server)
