"""Product orders for tests, in the TMF622 v4 shape order management sends."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

BASE = "/tmf-api/orderCompletion/v1"


def product_order(
    order_id: str | None = None,
    *,
    category: str = "B2C",
    state: str = "completed",
    items: list[dict[str, Any]] | None = None,
    customer_id: str = "CUST-1",
) -> dict[str, Any]:
    return {
        "id": order_id or f"PO-{uuid.uuid4().hex[:12]}",
        "category": category,
        "state": state,
        "productOrderItem": items
        or [
            {
                "id": "1",
                "action": "add",
                "productOffering": {"id": "FIBRE-500", "name": "Fibre broadband 500"},
            },
        ],
        "relatedParty": [
            {
                "id": customer_id,
                "name": "Jo Bloggs",
                "role": "customer",
                "@referredType": "Customer",
            },
        ],
        "billingAccount": {"id": "BA-7"},
    }


def business_order(order_id: str | None = None, **kwargs: Any) -> dict[str, Any]:
    order = product_order(order_id, category="B2B", **kwargs)
    order["productOrderItem"] = [
        {
            "id": "1",
            "action": "add",
            "productOffering": {"id": "ETH-1G", "name": "Managed Ethernet 1 Gbit/s"},
        },
        {"id": "2", "action": "add", "productOffering": {"id": "SDWAN", "name": "Managed SD-WAN"}},
    ]
    return order


def with_email(order: dict[str, Any], address: str | None) -> dict[str, Any]:
    """``order`` whose customer party can be written to at ``address`` (left as it is for
    ``None``: a customer with no address)."""
    party = order["relatedParty"][0]
    if address:
        party["contactMedium"] = [
            {"mediumType": "email", "characteristic": {"emailAddress": address}}
        ]
    return order


async def open_over_api(client: httpx.AsyncClient, order: dict[str, Any]) -> dict[str, Any]:
    """The case opened for ``order`` through the API, as the API shows it."""
    opened = await client.post(f"{BASE}/completionCase", json={"productOrder": order})
    assert opened.status_code == 201, opened.text
    case: dict[str, Any] = opened.json()
    return case


async def accept_after_passing_test(
    client: httpx.AsyncClient,
    case_id: str,
    *,
    witnessed_by: dict[str, Any] | None = None,
    decided_by: dict[str, Any] | None = None,
) -> None:
    """A business case's commissioning test passes and the customer accepts, so training can
    be booked."""
    one = f"{BASE}/completionCase/{case_id}"
    test = passing_test()
    if witnessed_by is not None:
        test["witnessedBy"] = witnessed_by
    recorded = await client.post(f"{one}/commissioningTest", json=test)
    assert recorded.status_code == 201, recorded.text
    decision = {"decision": "accepted", "decidedBy": decided_by or {"name": "Dana"}}
    decided = await client.post(f"{one}/acceptanceDecision", json=decision)
    assert decided.status_code == 201, decided.text


def training_session(**fields: Any) -> dict[str, Any]:
    """A training session for a business case, on 1 December 2026, with ``fields`` added."""
    return {
        "topic": ["Portal administration"],
        "scheduledStart": "2026-12-01T09:00:00Z",
        "scheduledEnd": "2026-12-01T11:00:00Z",
        "trainer": {"name": "Sam Lee"},
        **fields,
    }


def passing_test() -> dict[str, Any]:
    return {
        "result": "passed",
        "testItem": [
            {
                "name": "Throughput (Y.1564)",
                "result": "passed",
                "measure": {"value": 998, "unit": "Mbit/s"},
            },
            {"name": "Latency", "result": "passed", "measure": {"value": 4.1, "unit": "ms"}},
            {"name": "Failover", "result": "passed"},
        ],
        "witnessedBy": {"name": "Dana Smith", "role": "IT manager"},
    }


def failing_test() -> dict[str, Any]:
    body = passing_test()
    body["result"] = "failed"
    body["testItem"][2]["result"] = "failed"
    return body


# A two-day acceptance window with a reminder half-way and a jeopardy warning at two days,
# so the window end and the warning fall due together; training and a survey after it.
QUICK_POLICY = """
id: quick
version: 1
name: Quick acceptance
priority: 50
appliesTo: {orderCategory: [QUICK]}
jeopardy: {target: {days: 4}, warnAt: 0.5}
steps:
  - kind: readyForServiceNotice
  - kind: acceptance
    window: {days: 2}
    reminder: {at: 0.5}
  - kind: customerUpdate
  - kind: training
    dueWithin: {days: 10}
    topics: [{name: Basics, mandatory: true}]
  - kind: satisfactionSurvey
    after: [customerUpdate]
    autoCloseAfter: {days: 3}
"""


@pytest.fixture(name="policy_dir")
def quick_policy_dir(tmp_path: Path) -> Path:
    """The policy folder of a test module that imports this: the bundled policies plus
    ``quick`` (QUICK orders get a short acceptance window, so timers fall due soon)."""
    folder = tmp_path / "policies"
    folder.mkdir()
    (folder / "quick.yaml").write_text(QUICK_POLICY)
    return folder
