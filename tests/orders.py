"""Product orders for tests, in the TMF622 v4 shape order management sends."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

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
