"""The customer portal's pages: the link the customer is sent opens their case as a page;
its forms accept, reject, book training and ask to move a session through the portal's
handlers (logged on the customerPortal channel), refuse bad input naming the field and
forms without their token, and a refused link shows nothing of any case."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import httpx

from order_completion.bootstrap import Services
from order_completion.clock import FixedClock
from order_completion.portal.rules import LinkClaims
from tests.orders import passing_test
from tests.portal import CASES, link_of, portal_interactions, tested_case
from tests.web import add_staff, form_token, sign_in


async def opened(customer: httpx.AsyncClient, portal: str) -> tuple[str, str]:
    """The portal page as the customer's browser opens it, and its form token."""
    page = await customer.get(portal)
    assert page.status_code == 200, page.text
    return page.text, form_token(page.text)


async def on_the_page(
    client: httpx.AsyncClient, customer: httpx.AsyncClient
) -> tuple[str, str, str]:
    """A case waiting for its customer's decision, the path of its link, and the form
    token of the customer who opened it."""
    case_id = await tested_case(client)
    portal = await link_of(client, case_id)
    _, token = await opened(customer, portal)
    return case_id, portal, token


async def steps(client: httpx.AsyncClient, case_id: str) -> list[dict[str, Any]]:
    return list((await client.get(f"{CASES}/{case_id}")).json()["step"])


async def history(client: httpx.AsyncClient, case_id: str, action: str) -> list[dict[str, Any]]:
    entries = (await client.get(f"{CASES}/{case_id}/history", params={"limit": 100})).json()
    return [entry for entry in entries if entry["action"] == action]


async def test_the_page_shows_the_handover_and_the_customer_accepts_with_consent(
    client: httpx.AsyncClient, anonymous_portal: httpx.AsyncClient
) -> None:
    case_id = await tested_case(client)
    portal = await link_of(client, case_id, validForDays=3)
    page, token = await opened(anonymous_portal, portal)
    assert "Managed Ethernet 1 Gbit/s" in page
    assert "Managed SD-WAN" in page
    witnessed = r'<tr data-test="([^"]+)">.*?<td data-label="Witnessed by">([^<]*)</td>'
    assert re.findall(witnessed, page) == [
        ("Throughput (Y.1564)", "Dana Smith"),
        ("Latency", "Dana Smith"),
        ("Failover", "Dana Smith"),
    ]
    assert "2026-11-26 09:00 UTC" in page  # the link's expiry
    assert f'action="{portal}/accept"' in page
    assert f'action="{portal}/reject"' in page
    assert "certificate.pdf" not in page
    assert f'action="{portal}/training"' not in page  # training does not wait yet

    accepted = await anonymous_portal.post(
        f"{portal}/accept",
        data={"csrf": token, "form": "accept", "fullName": " Dana Smith ", "consent": "yes"},
    )
    assert accepted.status_code == 303, accepted.text
    assert accepted.headers["location"] == f"{portal}?done=accepted#notice"
    acceptance = next(s for s in await steps(client, case_id) if s["kind"] == "acceptance")
    assert (acceptance["state"], acceptance["outcome"]) == ("completed", "accepted")
    decided = (await history(client, case_id, "acceptanceDecisionRecorded"))[0]
    assert (decided["actor"], decided["detail"]["by"]) == ("Dana Smith", "customer Jo Bloggs")

    after = (await anonymous_portal.get(f"{portal}?done=accepted")).text
    assert "you accepted the delivery" in after
    assert f'href="{portal}/certificate.pdf"' in after
    assert f'action="{portal}/accept"' not in after
    certificate = await anonymous_portal.get(f"{portal}/certificate.pdf")
    assert certificate.content.startswith(b"%PDF")
    logged = [entry["reason"] for entry in await portal_interactions(client, case_id)]
    assert sorted(logged) == [  # the second view, within the hour, is not logged again
        "acceptanceDecision: accepted",
        "customerPortal: case viewed",
        "customerPortal: certificate downloaded",
    ]


async def test_accepting_without_consent_or_a_name_is_400_naming_it_and_changes_nothing(
    client: httpx.AsyncClient, anonymous_portal: httpx.AsyncClient
) -> None:
    case_id, portal, token = await on_the_page(client, anonymous_portal)
    before = await steps(client, case_id)
    attempts = [
        ({"fullName": "Dana Smith"}, "consent"),
        ({"fullName": "Dana Smith", "consent": "no"}, "consent"),
        ({"fullName": "   ", "consent": "yes"}, "fullName"),
        ({"fullName": "Dana\u0000Smith", "consent": "yes"}, "fullName"),
        # line and paragraph separators break a line as a newline does
        ({"fullName": "Dana\u2028Smith", "consent": "yes"}, "fullName"),
        ({"fullName": "Dana\u2029Smith", "consent": "yes"}, "fullName"),
    ]
    for form, field in attempts:
        answer = await anonymous_portal.post(
            f"{portal}/accept", data={"csrf": token, "form": "accept", **form}
        )
        assert answer.status_code == 400, (form, answer.text)
        assert answer.headers["content-type"].startswith("text/html"), form
        assert f"Nothing was changed: {field}: " in answer.text
        assert f'action="{portal}/accept"' in answer.text  # the page again, to try again
        if field == "consent":  # worded for the person at the page, not as JSON
            assert "tick &#34;I accept the delivery as described on this page&#34;" in answer.text
            assert "consent: true" not in answer.text
    assert await steps(client, case_id) == before
    assert await history(client, case_id, "acceptanceDecisionRecorded") == []


async def test_a_rejection_sends_the_punch_list_and_an_empty_one_is_refused(
    client: httpx.AsyncClient, anonymous_portal: httpx.AsyncClient
) -> None:
    case_id, portal, token = await on_the_page(client, anonymous_portal)
    form = {"csrf": token, "form": "reject", "fullName": "Dana Smith", "reason": "Slow failover"}

    empty = await anonymous_portal.post(f"{portal}/reject", data={**form, "punchList": " \n "})
    assert empty.status_code == 400
    assert "Nothing was changed: punchList: " in empty.text
    assert "Slow failover</textarea>" in empty.text  # what they typed is kept
    assert await history(client, case_id, "acceptanceDecisionRecorded") == []

    rejected = await anonymous_portal.post(
        f"{portal}/reject",
        data={**form, "punchList": "Failover under 5 s\r\n\r\n Label the rack \n"},
    )
    assert rejected.status_code == 303, rejected.text
    decided = (await history(client, case_id, "acceptanceDecisionRecorded"))[0]
    assert decided["detail"]["decision"] == "rejected"
    assert decided["detail"]["punchList"] == [
        {"description": "Failover under 5 s"},
        {"description": "Label the rack"},
    ]
    commissioning = next(
        s for s in await steps(client, case_id) if s["kind"] == "commissioningTest"
    )
    assert commissioning["state"] == "active"  # the provider tests again
    page = (await anonymous_portal.get(f"{portal}?done=rejected")).text
    assert "the list of what must be put right" in page
    assert f'action="{portal}/accept"' not in page
    assert "acceptanceDecision: rejected" in {
        entry["reason"] for entry in await portal_interactions(client, case_id)
    }


async def test_the_customer_books_training_and_asks_to_move_the_session(
    client: httpx.AsyncClient, anonymous_portal: httpx.AsyncClient
) -> None:
    case_id, portal, token = await on_the_page(client, anonymous_portal)
    accept = {"csrf": token, "fullName": "Dana Smith", "consent": "yes"}
    assert (await anonymous_portal.post(f"{portal}/accept", data=accept)).status_code == 303
    page = (await anonymous_portal.get(portal)).text
    assert f'action="{portal}/training"' in page
    assert "Portal administration" in page  # a topic of the policy's training
    booking = {
        "csrf": token,
        "form": "book",
        "scheduledStart": "2026-12-01T09:00",
        "attendee": "Dana Smith\nSam Lee",
        "topic": "Portal administration",
    }

    backwards = await anonymous_portal.post(
        f"{portal}/training", data={**booking, "scheduledEnd": "2026-12-01T08:00"}
    )
    assert backwards.status_code == 400
    assert "scheduledEnd must be after scheduledStart" in backwards.text
    # The form comes back as it was sent, its inputs named as the refusal names them.
    refilled = backwards.text
    assert 'name="scheduledStart" type="datetime-local"' in refilled
    assert 'value="2026-12-01T09:00"' in refilled
    assert 'value="2026-12-01T08:00"' in refilled
    assert ">Dana Smith\nSam Lee</textarea>" in refilled
    assert 'value="Portal administration" checked' in refilled
    unnamed = await anonymous_portal.post(
        f"{portal}/training",
        data={**booking, "scheduledEnd": "2026-12-01T11:00", "attendee": "Dana\tSmith"},
    )
    assert unnamed.status_code == 400
    assert "Nothing was changed: attendee[0].name: " in unnamed.text
    booked = await anonymous_portal.post(
        f"{portal}/training", data={**booking, "scheduledEnd": "2026-12-01T11:00"}
    )
    assert booked.status_code == 303, booked.text
    seen = (await anonymous_portal.get(f"{portal}/case")).json()
    [session] = seen["trainingSession"]
    assert (session["scheduledStart"], session["scheduledEnd"]) == (
        "2026-12-01T09:00:00Z",
        "2026-12-01T11:00:00Z",
    )
    assert (session["topic"], session["attendee"]) == (
        ["Portal administration"],
        ["Dana Smith", "Sam Lee"],
    )

    page = (await anonymous_portal.get(f"{portal}?done=booked")).text
    move_to = f"{portal}/training/{session['id']}/move"
    assert f'action="{move_to}"' in page
    moved = await anonymous_portal.post(
        move_to,
        data={
            "csrf": token,
            "preferredStart": "2026-12-03T09:00",
            "preferredEnd": "2026-12-03T11:00",
            "note": "Our admin is away on the 1st",
        },
    )
    assert moved.status_code == 303, moved.text
    logged = await portal_interactions(client, case_id)
    request = next(e for e in logged if e["reason"].endswith("move requested"))
    assert request["status"] == "open"
    assert "2026-12-03T09:00:00Z" in request["description"]
    assert "Our admin is away on the 1st" in request["description"]
    unknown = await anonymous_portal.post(
        f"{portal}/training/nope/move",
        data={
            "csrf": token,
            "preferredStart": "2026-12-03T09:00",
            "preferredEnd": "2026-12-03T11:00",
        },
    )
    assert unknown.status_code == 404
    assert "Nothing was changed" in unknown.text
    form_of_session = f"move {session['id']}"
    backwards = await anonymous_portal.post(
        move_to,
        data={
            "csrf": token,
            "form": form_of_session,
            "preferredStart": "2026-12-04T09:00",
            "preferredEnd": "2026-12-04T08:00",
            "note": "Mornings suit us",
        },
    )
    assert backwards.status_code == 400
    assert "preferredEnd must be after preferredStart" in backwards.text
    assert 'value="2026-12-04T09:00"' in backwards.text
    assert 'value="2026-12-04T08:00"' in backwards.text
    assert ">Mornings suit us</textarea>" in backwards.text


async def test_refused_links_show_a_page_without_any_case_data(
    services: Services,
    clock: FixedClock,
    client: httpx.AsyncClient,
    anonymous_portal: httpx.AsyncClient,
) -> None:
    case_id = await tested_case(client)
    order_id = (await client.get(f"{CASES}/{case_id}")).json()["productOrder"]["id"]
    first = await link_of(client, case_id, validForDays=1)
    _, token = await opened(anonymous_portal, first)
    tampered = first[:-2] + ("AA" if not first.endswith("AA") else "BB")
    orphan = services.portal_signer.sign(
        LinkClaims("no-such-case", 1, clock.now() + timedelta(days=1))
    )
    second = await link_of(client, case_id, revokeOthers=True, validForDays=2)
    await add_staff(services, "morgan", "admin")
    await sign_in(anonymous_portal, "morgan")  # a staff session opens no more than a link does

    pages = {
        "forged": await anonymous_portal.get(tampered),
        "revoked": await anonymous_portal.get(first),
        "unknownCase": await anonymous_portal.get(f"/portal/{orphan}"),
    }
    clock.advance(timedelta(days=2))
    pages["expired"] = await anonymous_portal.get(second)
    accept = {"csrf": token, "fullName": "Dana Smith", "consent": "yes"}
    pages["forged post"] = await anonymous_portal.post(f"{tampered}/accept", data=accept)
    pages["expired post"] = await anonymous_portal.post(f"{second}/accept", data=accept)

    statuses = {name: answer.status_code for name, answer in pages.items()}
    assert statuses == {
        "forged": 403,
        "revoked": 403,
        "unknownCase": 404,
        "expired": 403,
        "forged post": 403,
        "expired post": 403,
    }
    for name, answer in pages.items():
        shown = answer.text
        assert ("Order not found" if name == "unknownCase" else "This link is not valid") in shown
        for secret in (case_id, order_id, "Bloggs", "Dana Smith", "Managed Ethernet"):
            assert secret not in shown, (name, secret)
    assert 'data-refusal="expired"' in pages["expired"].text
    assert "ask them for a new one" in pages["revoked"].text
    # Only the first link's one view before it was revoked: nothing through a refused link.
    reasons = [entry["reason"] for entry in await portal_interactions(client, case_id)]
    assert reasons == ["customerPortal: case viewed"]
    assert await history(client, case_id, "acceptanceDecisionRecorded") == []


async def test_a_form_without_its_token_is_refused_and_records_nothing(
    client: httpx.AsyncClient, anonymous_portal: httpx.AsyncClient
) -> None:
    case_id, portal, token = await on_the_page(client, anonymous_portal)
    accept = {"fullName": "Dana Smith", "consent": "yes"}
    reject = {"fullName": "Dana Smith", "punchList": "Fix it"}
    for path, form in [("accept", accept), ("reject", reject)]:
        for sent in (form, {**form, "csrf": "x" * 43}):
            answer = await anonymous_portal.post(f"{portal}/{path}", data=sent)
            assert answer.status_code == 403
            assert "Nothing was done" in answer.text
    assert await history(client, case_id, "acceptanceDecisionRecorded") == []
    reasons = [entry["reason"] for entry in await portal_interactions(client, case_id)]
    assert reasons == ["customerPortal: case viewed"]
    accepted = await anonymous_portal.post(f"{portal}/accept", data={**accept, "csrf": token})
    assert accepted.status_code == 303


async def test_the_customer_downloads_the_cases_documents_and_no_other_cases(
    client: httpx.AsyncClient, anonymous_portal: httpx.AsyncClient
) -> None:
    ours, theirs = await tested_case(client), await tested_case(client)
    files = {}
    for case_id, name in [(ours, "handover.pdf"), (theirs, "other-customer.pdf")]:
        added = await client.post(
            f"{CASES}/{case_id}/attachment",
            params={"name": name},
            content=f"%PDF-1.7 {name}".encode(),
            headers={"Content-Type": "application/pdf"},
        )
        assert added.status_code == 201, added.text
        files[case_id] = added.json()["id"]
    portal = await link_of(client, ours)
    page, _ = await opened(anonymous_portal, portal)
    assert f'href="{portal}/document/{files[ours]}"' in page
    assert "other-customer.pdf" not in page

    mine = await anonymous_portal.get(f"{portal}/document/{files[ours]}")
    assert mine.status_code == 200
    assert mine.content == b"%PDF-1.7 handover.pdf"
    other = await anonymous_portal.get(f"{portal}/document/{files[theirs]}")
    assert other.status_code == 404
    assert "other-customer" not in other.text
    assert theirs not in other.text
    assert "customerPortal: document downloaded" in {
        entry["reason"] for entry in await portal_interactions(client, ours)
    }


async def test_a_rejected_case_can_be_decided_again_after_the_retest(
    client: httpx.AsyncClient, anonymous_portal: httpx.AsyncClient
) -> None:
    """After a rejection the page waits for the provider; once they test again, the
    customer decides again on the same link."""
    case_id, portal, token = await on_the_page(client, anonymous_portal)
    reject = {"csrf": token, "fullName": "Dana Smith", "punchList": "Failover under 5 s"}
    assert (await anonymous_portal.post(f"{portal}/reject", data=reject)).status_code == 303
    waiting = (await anonymous_portal.get(portal)).text
    assert 'id="nothing-waits"' in waiting
    accept = {"csrf": token, "fullName": "Dana Smith", "consent": "yes"}
    too_soon = await anonymous_portal.post(f"{portal}/accept", data=accept)
    assert too_soon.status_code == 409
    await client.post(f"{CASES}/{case_id}/commissioningTest", json=passing_test())
    assert f'action="{portal}/accept"' in (await anonymous_portal.get(portal)).text
    assert (await anonymous_portal.post(f"{portal}/accept", data=accept)).status_code == 303


async def test_the_customer_answers_the_survey_once_training_is_done(
    client: httpx.AsyncClient, anonymous_portal: httpx.AsyncClient
) -> None:
    case_id, portal, token = await on_the_page(client, anonymous_portal)
    accept = {"csrf": token, "fullName": "Dana Smith", "consent": "yes"}
    assert (await anonymous_portal.post(f"{portal}/accept", data=accept)).status_code == 303
    answer = {"csrf": token, "form": "survey", "score": "9", "comment": "Smooth handover"}
    early = await anonymous_portal.post(f"{portal}/survey", data=answer)
    assert early.status_code == 409  # training comes first
    assert f'action="{portal}/survey"' not in (await anonymous_portal.get(portal)).text

    booking = {
        "csrf": token,
        "scheduledStart": "2026-12-01T09:00",
        "scheduledEnd": "2026-12-01T11:00",
    }
    assert (await anonymous_portal.post(f"{portal}/training", data=booking)).status_code == 303
    [session] = (await anonymous_portal.get(f"{portal}/case")).json()["trainingSession"]
    closed = {"state": "completed", "attended": ["Dana Smith"], "feedbackScore": 5}
    trained = await client.patch(f"{CASES}/{case_id}/trainingSession/{session['id']}", json=closed)
    assert trained.status_code == 200, trained.text

    page = (await anonymous_portal.get(portal)).text
    assert f'action="{portal}/survey"' in page
    assert "Tell us how it went" in page
    for wrong in ("11", "nine", ""):
        refused = await anonymous_portal.post(f"{portal}/survey", data={**answer, "score": wrong})
        assert refused.status_code == 400, wrong
        assert "Nothing was changed: score" in refused.text
        assert "Smooth handover</textarea>" in refused.text  # what they typed is kept
    survey = next(s for s in await steps(client, case_id) if s["kind"] == "satisfactionSurvey")
    assert survey["state"] == "active"

    answered = await anonymous_portal.post(f"{portal}/survey", data=answer)
    assert answered.status_code == 303, answered.text
    assert answered.headers["location"] == f"{portal}?done=answered#notice"
    case = (await client.get(f"{CASES}/{case_id}")).json()
    survey = next(s for s in case["step"] if s["kind"] == "satisfactionSurvey")
    assert (survey["state"], survey["outcome"]) == ("completed", "responded")
    assert case["state"] == "completed"
    [recorded] = await history(client, case_id, "surveyAnswered")
    assert (recorded["detail"]["score"], recorded["detail"]["comment"]) == (9, "Smooth handover")
    assert recorded["detail"]["by"] == "customer Jo Bloggs"
    done = (await anonymous_portal.get(f"{portal}?done=answered")).text
    assert "Thank you for your answer" in done
    assert f'action="{portal}/survey"' not in done
    again = await anonymous_portal.post(f"{portal}/survey", data=answer)
    assert again.status_code == 409


async def test_a_double_clicked_decision_shows_the_page_with_its_notice_not_an_error(
    client: httpx.AsyncClient, anonymous_portal: httpx.AsyncClient
) -> None:
    case_id, portal, token = await on_the_page(client, anonymous_portal)
    reject = {"csrf": token, "fullName": "Dana Smith", "punchList": "Failover under 5 s"}
    for _ in range(2):
        rejected = await anonymous_portal.post(f"{portal}/reject", data=reject)
        assert rejected.status_code == 303, rejected.text
        assert rejected.headers["location"] == f"{portal}?done=rejected#notice"
    assert len(await history(client, case_id, "acceptanceDecisionRecorded")) == 1
    # A different decision than the one recorded is still refused: nothing waits for it.
    accept = {"csrf": token, "fullName": "Dana Smith", "consent": "yes"}
    assert (await anonymous_portal.post(f"{portal}/accept", data=accept)).status_code == 409

    await client.post(f"{CASES}/{case_id}/commissioningTest", json=passing_test())
    for _ in range(2):
        accepted = await anonymous_portal.post(f"{portal}/accept", data=accept)
        assert accepted.status_code == 303, accepted.text
        assert accepted.headers["location"] == f"{portal}?done=accepted#notice"
    decided = await history(client, case_id, "acceptanceDecisionRecorded")
    assert [entry["detail"]["decision"] for entry in decided] == ["rejected", "accepted"]


async def test_the_page_refuses_hostile_or_overlong_punch_list_lines_naming_the_field(
    client: httpx.AsyncClient, anonymous_portal: httpx.AsyncClient
) -> None:
    case_id, portal, token = await on_the_page(client, anonymous_portal)
    form = {"csrf": token, "fullName": "Dana Smith"}
    for punch_list in ("Fix \x1b[31mit", "Fix \u202eti", "x" * 501):
        refused = await anonymous_portal.post(
            f"{portal}/reject", data={**form, "punchList": punch_list}
        )
        assert refused.status_code == 400, punch_list
        assert "Nothing was changed: punchList[0]: " in refused.text
    bidi_reason = {**form, "punchList": "Fix it", "reason": "Slow\u2066 failover"}
    refused = await anonymous_portal.post(f"{portal}/reject", data=bidi_reason)
    assert refused.status_code == 400
    assert "Nothing was changed: reason: " in refused.text
    assert await history(client, case_id, "acceptanceDecisionRecorded") == []


async def test_the_page_books_plausible_times_and_three_sessions_and_one_move_at_a_time(
    client: httpx.AsyncClient, anonymous_portal: httpx.AsyncClient
) -> None:
    case_id, portal, token = await on_the_page(client, anonymous_portal)
    accept = {"csrf": token, "fullName": "Dana Smith", "consent": "yes"}
    assert (await anonymous_portal.post(f"{portal}/accept", data=accept)).status_code == 303
    booking = {
        "csrf": token,
        "scheduledStart": "2026-12-01T09:00",
        "scheduledEnd": "2026-12-01T11:00",
    }
    past = {**booking, "scheduledStart": "2026-11-20T09:00", "scheduledEnd": "2026-11-20T10:00"}
    refused = await anonymous_portal.post(f"{portal}/training", data=past)
    assert refused.status_code == 400
    assert "scheduledStart must be in the future" in refused.text
    for _ in range(3):
        assert (await anonymous_portal.post(f"{portal}/training", data=booking)).status_code == 303
    fourth = await anonymous_portal.post(f"{portal}/training", data=booking)
    assert fourth.status_code == 409
    assert "ask to move one of them instead" in fourth.text
    sessions = (await anonymous_portal.get(f"{portal}/case")).json()["trainingSession"]
    assert len(sessions) == 3

    move = {"csrf": token, "preferredStart": "2026-12-03T09:00", "preferredEnd": "2026-12-03T11:00"}
    move_to = f"{portal}/training/{sessions[0]['id']}/move"
    assert (await anonymous_portal.post(move_to, data=move)).status_code == 303
    again = await anonymous_portal.post(move_to, data={**move, "note": "Any news?"})
    assert again.status_code == 409
    assert "already with the trainer" in again.text
    long = await anonymous_portal.post(move_to, data={**move, "preferredEnd": "2026-12-03T18:00"})
    assert long.status_code == 400
    assert "preferredEnd must be at most 8 hours after preferredStart" in long.text
    requests = [e for e in await portal_interactions(client, case_id) if "move" in e["reason"]]
    assert len(requests) == 1
