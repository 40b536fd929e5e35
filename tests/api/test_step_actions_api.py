"""Step actions over HTTP: each validated, each 409 when the step does not wait for it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.api.test_cases_api import CASES, assert_error, create
from tests.orders import business_order, failing_test, passing_test, product_order
from tests.portal import PI as INTERACTIONS

ACCEPT = {"decision": "accepted", "decidedBy": {"name": "Dana Smith", "id": "C-42"}}
SESSION = {
    "topic": ["Portal administration"],
    "scheduledStart": "2026-11-30T09:00:00Z",
    "scheduledEnd": "2026-11-30T11:00:00Z",
    "trainer": {"name": "Sam Lee"},
    "attendee": [{"name": "Dana Smith", "email": "dana@example.com"}],
}


async def open_business(client: httpx.AsyncClient) -> str:
    case_id: str = (await create(client, business_order())).json()["id"]
    return case_id


async def post(
    client: httpx.AsyncClient, case_id: str, action: str, body: dict[str, Any]
) -> httpx.Response:
    return await client.post(f"{CASES}/{case_id}/{action}", json=body)


def step(case: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(s for s in case["step"] if s["kind"] == kind)


async def test_a_failed_test_waits_for_a_retest_and_a_pass_completes_it(
    client: httpx.AsyncClient,
) -> None:
    case_id = await open_business(client)
    failed = await post(client, case_id, "commissioningTest", failing_test())
    assert failed.status_code == 201
    assert failed.json()["result"] == "failed"
    assert step(failed.json()["completionCase"], "commissioningTest")["state"] == "active"
    passed = await post(client, case_id, "commissioningTest", passing_test())
    case = passed.json()["completionCase"]
    assert step(case, "commissioningTest")["outcome"] == "passed"
    assert step(case, "acceptance")["waitingFor"] == "acceptanceDecision"
    assert_error(await post(client, case_id, "commissioningTest", passing_test()), 409)


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda b: b.pop("witnessedBy"), "witnessedBy"),
        (lambda b: b["testItem"].pop(), "result"),
        (lambda b: b["testItem"].append({"name": "Jitter", "result": "passed"}), "testItem"),
        (lambda b: b.update(result="maybe"), "result"),
        (lambda b: b["testItem"][0].update(result="ok"), "testItem[0].result"),
        (lambda b: b.update(signature="x"), "signature"),
    ],
)
async def test_bad_test_reports_are_400_and_change_nothing(
    client: httpx.AsyncClient, mutate: Any, field: str
) -> None:
    case_id = await open_business(client)
    body = passing_test()
    mutate(body)
    assert_error(await post(client, case_id, "commissioningTest", body), 400, field)
    case = (await client.get(f"{CASES}/{case_id}")).json()
    assert step(case, "commissioningTest")["detail"] == {"attempts": 0}


async def test_decisions_wait_for_the_acceptance_step(client: httpx.AsyncClient) -> None:
    case_id = await open_business(client)
    assert_error(await post(client, case_id, "acceptanceDecision", ACCEPT), 409)
    await post(client, case_id, "commissioningTest", passing_test())
    accepted = await post(client, case_id, "acceptanceDecision", ACCEPT)
    assert accepted.status_code == 201
    case = accepted.json()["completionCase"]
    assert case["startOfServiceDate"] == accepted.json()["decisionDate"]
    assert "customerAccepted" in [m["name"] for m in case["milestone"]]
    assert_error(await post(client, case_id, "acceptanceDecision", ACCEPT), 409)


async def test_a_rejection_reopens_the_test_and_needs_a_reason(client: httpx.AsyncClient) -> None:
    case_id = await open_business(client)
    await post(client, case_id, "commissioningTest", passing_test())
    bare = {"decision": "rejected", "decidedBy": {"name": "Dana"}}
    assert_error(await post(client, case_id, "acceptanceDecision", bare), 400, "body")
    rejected = await post(
        client,
        case_id,
        "acceptanceDecision",
        {**bare, "punchList": [{"description": "Failover under 5 s"}]},
    )
    assert rejected.status_code == 201
    case = rejected.json()["completionCase"]
    assert step(case, "commissioningTest")["state"] == "active"
    assert step(case, "acceptance")["state"] == "new"
    assert rejected.json()["punchList"] == [{"description": "Failover under 5 s"}]


async def test_decisions_on_an_unknown_case_are_404(client: httpx.AsyncClient) -> None:
    assert_error(await post(client, "nope", "acceptanceDecision", ACCEPT), 404)


async def test_training_sessions_are_booked_listed_and_closed(client: httpx.AsyncClient) -> None:
    case_id = await open_business(client)
    assert_error(await post(client, case_id, "trainingSession", SESSION), 409)
    await post(client, case_id, "commissioningTest", passing_test())
    await post(client, case_id, "acceptanceDecision", ACCEPT)

    booked = await post(client, case_id, "trainingSession", SESSION)
    assert booked.status_code == 201
    session = booked.json()
    assert session["state"] == "scheduled"
    assert booked.headers["Location"] == session["href"]
    listing = await client.get(f"{CASES}/{case_id}/trainingSession")
    assert [s["id"] for s in listing.json()] == [session["id"]]
    assert (await client.get(session["href"])).json()["topic"] == ["Portal administration"]

    url = session["href"]
    assert_error(
        await client.patch(url, json={"state": "completed", "attended": ["Eve"]}), 400, "attended"
    )
    assert_error(
        await client.patch(url, json={"state": "completed", "feedbackScore": 6}),
        400,
        "feedbackScore",
    )
    assert_error(await client.patch(url, json={"topic": ["x"]}), 400, "topic")
    closed = await client.patch(
        url, json={"state": "completed", "attended": ["Dana Smith"], "feedbackScore": 4}
    )
    assert closed.status_code == 200
    assert closed.json()["feedbackScore"] == 4
    assert_error(await client.patch(url, json={"state": "cancelled"}), 409)
    case = (await client.get(f"{CASES}/{case_id}")).json()
    assert step(case, "training")["outcome"] == "trained"
    assert_error(await client.get(f"{CASES}/{case_id}/trainingSession/nope"), 404)


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda b: b.update(topic=["Cooking"]), "topic"),
        (lambda b: b.update(topic=[]), "topic"),
        (lambda b: b.update(scheduledEnd="2026-11-30T08:00:00Z"), "body"),
        (lambda b: b.update(scheduledStart="tomorrow"), "scheduledStart"),
        (lambda b: b.update(scheduledStart="2026-11-30T09:00:00"), "scheduledStart"),
        (lambda b: b["attendee"][0].update(email="not-an-email"), "attendee[0].email"),
    ],
)
async def test_bad_session_bookings_are_400(
    client: httpx.AsyncClient, mutate: Any, field: str
) -> None:
    case_id = await open_business(client)
    await post(client, case_id, "commissioningTest", passing_test())
    await post(client, case_id, "acceptanceDecision", ACCEPT)
    body = {**SESSION, "attendee": [dict(SESSION["attendee"][0])]}  # type: ignore[index]
    mutate(body)
    assert_error(await post(client, case_id, "trainingSession", body), 400, field)


async def test_the_survey_answer_completes_the_case_and_is_logged_as_the_customers(
    client: httpx.AsyncClient,
) -> None:
    case_id = await open_business(client)
    await post(client, case_id, "commissioningTest", passing_test())
    await post(client, case_id, "acceptanceDecision", ACCEPT)
    assert_error(await post(client, case_id, "surveyResponse", {"score": 8}), 409)
    session = (await post(client, case_id, "trainingSession", SESSION)).json()
    await client.patch(session["href"], json={"state": "completed"})
    assert_error(await post(client, case_id, "surveyResponse", {"score": 11}), 400, "score")
    answered = await post(client, case_id, "surveyResponse", {"score": 8, "comment": "Good"})
    assert answered.json()["completionCase"]["state"] == "completed"
    logged = (await client.get(INTERACTIONS, params={"limit": 100})).json()
    [answer] = [
        entry
        for entry in logged
        if entry["interactionItem"][0]["item"]["id"] == case_id
        and entry["reason"].startswith("satisfactionSurvey")
    ]
    assert (answer["reason"], answer["direction"], answer["description"]) == (
        "satisfactionSurvey: scored 8",
        "inbound",
        "Good",
    )


async def test_actions_on_a_completed_case_are_409(client: httpx.AsyncClient) -> None:
    case_id = (await create(client, product_order())).json()["id"]
    assert_error(await post(client, case_id, "acceptanceDecision", ACCEPT), 409)
    assert_error(await post(client, case_id, "commissioningTest", passing_test()), 409)
