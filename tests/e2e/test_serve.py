"""End to end through a real server process: orders in, cases completed, timers fired."""

from __future__ import annotations

import time
from typing import Any

import httpx

from tests.e2e.conftest import Server
from tests.orders import BASE, business_order, failing_test, passing_test, product_order

CASES = f"{BASE}/completionCase"


def step(case: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(s for s in case["step"] if s["kind"] == kind)


def wait_for(client: httpx.Client, url: str, done: Any, seconds: float = 20) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while True:
        case: dict[str, Any] = client.get(url).json()
        if done(case) or time.monotonic() > deadline:
            return case
        time.sleep(0.2)


def test_a_consumer_order_completes_by_itself(server: Server) -> None:
    with server.client() as client:
        created = client.post(CASES, json={"productOrder": product_order("E2E-B2C")})
        assert created.status_code == 201
        case = client.get(created.json()["href"]).json()
        assert case["state"] == "completed"
        assert step(case, "acceptance")["outcome"] == "deemedAccepted"


def test_a_business_order_goes_through_retest_rejection_acceptance_and_training(
    server: Server,
) -> None:
    with server.client() as client:
        case_id = client.post(CASES, json={"productOrder": business_order("E2E-B2B")}).json()["id"]
        url = f"{CASES}/{case_id}"
        assert client.post(f"{url}/commissioningTest", json=failing_test()).status_code == 201
        assert client.post(f"{url}/commissioningTest", json=passing_test()).status_code == 201
        rejected = client.post(
            f"{url}/acceptanceDecision",
            json={
                "decision": "rejected",
                "decidedBy": {"name": "Dana Smith"},
                "reason": "Failover slow",
                "punchList": [{"description": "Failover under 5 s"}],
            },
        )
        assert rejected.status_code == 201
        assert client.post(f"{url}/commissioningTest", json=passing_test()).status_code == 201
        case = client.get(url).json()
        assert [m["name"] for m in case["milestone"]].count("readyForServiceNotified") == 2
        accepted = client.post(
            f"{url}/acceptanceDecision",
            json={"decision": "accepted", "decidedBy": {"name": "Dana Smith"}},
        )
        assert accepted.status_code == 201
        session = client.post(
            f"{url}/trainingSession",
            json={
                "topic": ["Portal administration"],
                "scheduledStart": "2026-12-01T09:00:00Z",
                "scheduledEnd": "2026-12-01T11:00:00Z",
                "attendee": [{"name": "Dana Smith"}],
            },
        ).json()
        closed = client.patch(
            session["href"], json={"state": "completed", "attended": ["Dana Smith"]}
        )
        assert closed.status_code == 200
        answered = client.post(f"{url}/surveyResponse", json={"score": 9})
        assert answered.json()["completionCase"]["state"] == "completed"


def test_silence_through_a_short_window_is_deemed_acceptance(server: Server) -> None:
    with server.client() as client:
        order = product_order("E2E-QUICK", category="QUICK")
        created = client.post(CASES, json={"productOrder": order}).json()
        assert created["state"] == "active"
        assert created["policy"]["id"] == "e2e-quick"
        case = wait_for(client, created["href"], lambda c: c["state"] == "completed")
        assert case["state"] == "completed", case
        assert step(case, "acceptance")["outcome"] == "deemedAccepted"
        assert case["startOfServiceDate"] == step(case, "acceptance")["dueDate"]
