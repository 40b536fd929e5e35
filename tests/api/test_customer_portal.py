"""The customer portal: a signed link opens one case, without a bearer token; through it
the customer reviews the handover, accepts or rejects, books training and fetches the
certificate, each through the same handlers as the API and logged on the customerPortal
channel. Forged, expired, revoked and orphaned links open nothing."""

from __future__ import annotations

from datetime import timedelta

import httpx

from order_completion.bootstrap import Services
from order_completion.clock import FixedClock
from order_completion.portal.rules import LinkClaims
from tests.api.test_cases_api import assert_error
from tests.orders import passing_test
from tests.portal import CASES, link_of, portal_interactions, tested_case

SESSION = {
    "topic": ["Portal administration"],
    "scheduledStart": "2026-12-01T09:00:00Z",
    "scheduledEnd": "2026-12-01T11:00:00Z",
    "attendee": [{"name": "Dana Smith", "email": "dana@example.com"}],
}


async def test_a_link_opens_its_case_and_the_customer_accepts_through_it(
    services: Services, client: httpx.AsyncClient, anonymous_portal: httpx.AsyncClient
) -> None:
    case_id = await tested_case(client)
    portal = await link_of(client, case_id, validForDays=3)

    view = await anonymous_portal.get(f"{portal}/case")
    assert view.status_code == 200, view.text
    seen = view.json()
    assert seen["id"] == case_id
    assert seen["waitingFor"] == ["acceptanceDecision"]
    assert [item["productOffering"]["name"] for item in seen["item"]] == [
        "Managed Ethernet 1 Gbit/s",
        "Managed SD-WAN",
    ]
    assert {(test["name"], test["witnessedBy"]) for test in seen["test"]} == {
        ("Throughput (Y.1564)", "Dana Smith"),
        ("Latency", "Dana Smith"),
        ("Failover", "Dana Smith"),
    }
    assert seen["certificate"] is None
    assert seen["linkExpires"] == "2026-11-26T09:00:00Z"

    accepted = await anonymous_portal.post(
        f"{portal}/acceptance", json={"fullName": " Dana Smith ", "consent": True}
    )
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["decidedBy"] == {"name": "Dana Smith", "role": "customer"}
    assert accepted.json()["case"]["certificate"]["href"].endswith(f"{portal}/certificate.pdf")

    case = (await client.get(f"{CASES}/{case_id}")).json()
    assert case["startOfServiceDate"] == "2026-11-23T09:00:00Z"
    certificate = await anonymous_portal.get(f"{portal}/certificate.pdf")
    assert certificate.status_code == 200
    assert certificate.content.startswith(b"%PDF")

    reasons = {entry["reason"] for entry in await portal_interactions(client, case_id)}
    assert reasons == {
        "customerPortal: case viewed",
        "acceptanceDecision: accepted",
        "customerPortal: certificate downloaded",
    }
    history = (await client.get(f"{CASES}/{case_id}/history", params={"limit": 100})).json()
    decided = next(e for e in history if e["action"] == "acceptanceDecisionRecorded")
    assert decided["actor"] == "Dana Smith"
    assert decided["detail"]["by"] == "customer Jo Bloggs"
    assert any(e["action"] == "customerLinkIssued" for e in history)


async def test_refused_links_say_why_and_show_nothing_of_the_case(
    services: Services,
    clock: FixedClock,
    client: httpx.AsyncClient,
    anonymous_portal: httpx.AsyncClient,
) -> None:
    case_id = await tested_case(client)
    first = await link_of(client, case_id, validForDays=1)
    tampered = first[:-2] + ("AA" if not first.endswith("AA") else "BB")
    orphan = services.portal_signer.sign(
        LinkClaims("no-such-case", 1, clock.now() + timedelta(days=1))
    )
    second = await link_of(client, case_id, revokeOthers=True, validForDays=2)

    refusals = {
        "forged": await anonymous_portal.get(f"{tampered}/case"),
        "revoked": await anonymous_portal.get(f"{first}/case"),
        "unknown": await anonymous_portal.get(f"/portal/{orphan}/case"),
    }
    clock.advance(timedelta(days=2))
    refusals["expired"] = await anonymous_portal.get(f"{second}/case")

    statuses = {name: answer.status_code for name, answer in refusals.items()}
    assert statuses == {"forged": 403, "revoked": 403, "unknown": 404, "expired": 403}
    messages = {answer.json()["message"] for answer in refusals.values()}
    assert len(messages) == 4
    for answer in refusals.values():
        assert set(answer.json()) == {"@type", "code", "reason", "message", "status", "field"}
        assert answer.json()["field"] == "token"
        assert case_id not in answer.text
        assert "Bloggs" not in answer.text
    assert await portal_interactions(client, case_id) == []


async def test_a_refused_link_is_answered_before_its_body_is_read(
    client: httpx.AsyncClient, anonymous_portal: httpx.AsyncClient
) -> None:
    deep = b"[" * 10_000
    answer = await anonymous_portal.post(
        "/portal/not-a-link/acceptance", content=deep, headers={"content-type": "application/json"}
    )
    assert answer.status_code == 403
    assert "not one this service signed" in answer.json()["message"]


async def test_bad_portal_input_is_400_naming_the_field_and_changes_nothing(
    client: httpx.AsyncClient, anonymous_portal: httpx.AsyncClient
) -> None:
    case_id = await tested_case(client)
    portal = await link_of(client, case_id)
    before = (await client.get(f"{CASES}/{case_id}")).json()
    attempts = [
        ("acceptance", {"fullName": "Dana Smith", "consent": False}, "consent"),
        ("acceptance", {"fullName": "Dana\nSmith", "consent": True}, "fullName"),
        # the line and paragraph separators: the customer's field, not the decision's
        ("acceptance", {"fullName": "Dana\u2028Smith", "consent": True}, "fullName"),
        ("rejection", {"fullName": "Dana\u2029Smith", "punchList": ["Fix it"]}, "fullName"),
        ("acceptance", {"fullName": "   ", "consent": True}, "fullName"),
        ("rejection", {"fullName": "Dana Smith", "punchList": []}, "punchList"),
        ("rejection", {"fullName": "Dana Smith", "punchList": ["Fix it", " "]}, "punchList"),
        (
            "trainingSession",
            {**SESSION, "attendee": [{"name": "Dana\r\nBcc: all@example.com"}]},
            "attendee",
        ),
        ("trainingSession", {**SESSION, "topic": ["Portal\nadministration"]}, "topic"),
    ]
    for action, body, field in attempts:
        answer = await anonymous_portal.post(f"{portal}/{action}", json=body)
        assert answer.status_code == 400, (action, body, answer.text)
        assert answer.json()["field"].split(".")[0].split("[")[0] == field, answer.json()
    bounds = [{"validForDays": 0}, {"validForDays": 91}, {"revokeOthers": "maybe"}]
    for body in bounds:
        answer = await client.post(f"{CASES}/{case_id}/customerLink", json=body)
        assert answer.status_code == 400
        assert answer.json()["field"] == next(iter(body))
    after = (await client.get(f"{CASES}/{case_id}")).json()
    assert after["step"] == before["step"]


async def test_a_rejection_reopens_the_cycle_and_training_is_booked_and_a_move_asked(
    client: httpx.AsyncClient, anonymous_portal: httpx.AsyncClient
) -> None:
    case_id = await tested_case(client)
    portal = await link_of(client, case_id)
    rejected = await anonymous_portal.post(
        f"{portal}/rejection",
        json={"fullName": "Dana Smith", "punchList": ["Failover under 5 s"]},
    )
    assert rejected.status_code == 201, rejected.text
    assert rejected.json()["punchList"] == [{"description": "Failover under 5 s"}]
    case = (await client.get(f"{CASES}/{case_id}")).json()
    commissioning = next(s for s in case["step"] if s["kind"] == "commissioningTest")
    assert commissioning["state"] == "active"

    await client.post(f"{CASES}/{case_id}/commissioningTest", json=passing_test())
    await anonymous_portal.post(f"{portal}/acceptance", json={"fullName": "Dana", "consent": True})
    booked = await anonymous_portal.post(f"{portal}/trainingSession", json=SESSION)
    assert booked.status_code == 201, booked.text
    assert booked.json()["topic"] == ["Portal administration"]
    move = {"preferredStart": "2026-12-03T09:00:00Z", "preferredEnd": "2026-12-03T11:00:00Z"}
    asked = await anonymous_portal.post(
        f"{portal}/trainingSession/{booked.json()['id']}/moveRequest", json=move
    )
    assert asked.status_code == 202, asked.text
    unknown = await anonymous_portal.post(f"{portal}/trainingSession/nope/moveRequest", json=move)
    assert unknown.status_code == 404

    logged = await portal_interactions(client, case_id)
    request = next(e for e in logged if e["reason"].endswith("move requested"))
    assert request["status"] == "open"
    assert "2026-12-03T09:00:00Z" in request["description"]
    assert {"acceptanceDecision: rejected", "acceptanceDecision: accepted"} <= {
        e["reason"] for e in logged
    }


async def test_the_customer_answers_the_survey_through_the_link_once_training_is_done(
    client: httpx.AsyncClient, anonymous_portal: httpx.AsyncClient
) -> None:
    case_id = await tested_case(client)
    portal = await link_of(client, case_id)
    await anonymous_portal.post(f"{portal}/acceptance", json={"fullName": "Dana", "consent": True})
    answer = {"score": 8, "comment": "Clear training"}
    early = await anonymous_portal.post(f"{portal}/surveyResponse", json=answer)
    assert early.status_code == 409, early.text
    booked = (await anonymous_portal.post(f"{portal}/trainingSession", json=SESSION)).json()
    closed = {"state": "completed", "attended": ["Dana Smith"]}
    await client.patch(f"{CASES}/{case_id}/trainingSession/{booked['id']}", json=closed)
    seen = (await anonymous_portal.get(f"{portal}/case")).json()
    assert seen["waitingFor"] == ["surveyResponse"]

    wrongs = [({"score": 11}, "score"), ({"score": "nine"}, "score")]
    wrongs += [({"comment": "no score"}, "score"), ({**answer, "x": 1}, "x")]
    for wrong, field in wrongs:
        refused = await anonymous_portal.post(f"{portal}/surveyResponse", json=wrong)
        assert_error(refused, 400, field)
    answered = await anonymous_portal.post(f"{portal}/surveyResponse", json=answer)
    assert answered.status_code == 201, answered.text
    body = answered.json()
    assert (body["score"], body["comment"], body["case"]["state"]) == (
        8,
        "Clear training",
        "completed",
    )
    assert body["case"]["waitingFor"] == []
    logged = {e["reason"] for e in await portal_interactions(client, case_id)}
    assert "satisfactionSurvey: scored 8" in logged
