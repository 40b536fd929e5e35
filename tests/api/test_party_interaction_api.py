"""TMF683 Party Interaction v4, from the spec and the conformance kit's habits."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from order_completion.clock import FixedClock, iso
from order_completion.events.catalog import BASE_PATHS, Api
from tests.api.test_cases_api import CASES, assert_error
from tests.orders import business_order, passing_test

PI = f"{BASE_PATHS[Api.PARTY_INTERACTION]}/partyInteraction"
CALL = {
    "direction": "inbound",
    "reason": "Customer asked when the engineer comes",
    "channel": [{"id": "phone", "name": "Phone"}],
    "relatedParty": [{"id": "CUST-42", "role": "customer", "@referredType": "Customer"}],
}


async def test_create_defaults_status_and_date_like_the_conformance_kit_expects(
    client: httpx.AsyncClient,
) -> None:
    created = await client.post(PI, json=CALL)
    assert created.status_code == 201
    body = created.json()
    assert body["status"] == "open"
    assert body["interactionDate"]["startDateTime"] == body["creationDate"]
    assert {"id", "href", "@type", "creationDate", "statusChangeDate"} <= body.keys()
    assert created.headers["Location"] == body["href"]
    assert (await client.get(body["href"])).json() == body


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda b: b.pop("direction"), "direction"),
        (lambda b: b.update(direction="x" * 21), "direction"),
        (lambda b: b.update(status="x" * 41), "status"),
        (lambda b: b.pop("reason"), "reason"),
        (lambda b: b.pop("channel"), "channel"),
        (lambda b: b.update(channel=[]), "channel"),
        (lambda b: b.update(id="mine"), "id"),
        (lambda b: b.update(creationDate="2026-01-01T00:00:00Z"), "creationDate"),
        (lambda b: b.update(mood="happy"), "mood"),
        (
            lambda b: b.update(interactionDate={"startDateTime": "soon"}),
            "interactionDate.startDateTime",
        ),
        # The service's own channel marks what the service logged: nobody may claim it.
        (lambda b: b.update(channel=[{"id": "orderCompletion"}]), "channel"),
        (lambda b: b.update(channel=[{"id": "phone"}, {"id": "x", "role": "system"}]), "channel"),
        # A completion case the interaction is about must exist.
        (
            lambda b: b.update(
                interactionItem=[
                    {
                        "item": {
                            "id": "no-such-case",
                            "role": "case",
                            "@referredType": "CompletionCase",
                        }
                    }
                ]
            ),
            "interactionItem",
        ),
    ],
)
async def test_bad_creations_are_400(client: httpx.AsyncClient, mutate: Any, field: str) -> None:
    body = {**CALL}
    mutate(body)
    assert_error(await client.post(PI, json=body), 400, field)


async def test_list_filters_fields_and_paging(client: httpx.AsyncClient) -> None:
    for index in range(3):
        await client.post(PI, json={**CALL, "reason": f"call {index}"})
    await client.post(PI, json={**CALL, "direction": "outbound", "status": "completed"})
    listing = await client.get(PI, params={"direction": "inbound", "limit": "2"})
    assert listing.headers["X-Total-Count"] == "3"
    assert listing.headers["X-Result-Count"] == "2"
    done = await client.get(PI, params={"status": "completed", "fields": "status"})
    assert [set(item) for item in done.json()] == [{"id", "href", "@type", "status"}]
    by_party = await client.get(PI, params={"relatedParty.id": "CUST-42"})
    assert by_party.headers["X-Total-Count"] == "4"
    assert_error(await client.get(PI, params={"mood": "x"}), 400, "mood")


async def test_patch_changes_status_and_refuses_read_only(client: httpx.AsyncClient) -> None:
    body = (await client.post(PI, json=CALL)).json()
    changed = await client.patch(body["href"], json={"status": "completed"})
    assert changed.status_code == 200
    assert changed.json()["status"] == "completed"
    assert changed.json()["statusChangeDate"] >= body["statusChangeDate"]
    noted = await client.patch(
        body["href"],
        json={"note": [{"text": "Called back"}]},
        headers={"content-type": "application/merge-patch+json"},
    )
    assert noted.json()["note"] == [{"text": "Called back"}]
    assert_error(await client.patch(body["href"], json={"direction": "outbound"}), 400, "direction")
    assert_error(await client.patch(body["href"], json={"href": "x"}), 400, "href")
    assert_error(await client.patch(body["href"], json={"reason": None}), 400, "reason")
    assert_error(await client.patch(f"{PI}/nope", json={"status": "x"}), 404)


async def test_delete_removes_it(client: httpx.AsyncClient) -> None:
    body = (await client.post(PI, json=CALL)).json()
    assert (await client.delete(body["href"])).status_code == 204
    assert_error(await client.get(body["href"]), 404)
    assert_error(await client.delete(body["href"]), 404)


async def test_the_completion_phase_is_logged_automatically(client: httpx.AsyncClient) -> None:
    case = (await client.post(CASES, json={"productOrder": business_order()})).json()
    await client.post(f"{CASES}/{case['id']}/commissioningTest", json=passing_test())
    await client.post(
        f"{CASES}/{case['id']}/acceptanceDecision",
        json={"decision": "accepted", "decidedBy": {"name": "Dana Smith"}},
    )
    logged = await client.get(PI, params={"interactionItem.item.id": case["id"]})
    reasons = sorted(item["reason"] for item in logged.json())
    assert reasons == [
        "acceptanceDecision: accepted",
        "commissioningTestWitnessed: passed",
        "readyForServiceNotice",
    ]
    decision = next(i for i in logged.json() if i["reason"].startswith("acceptanceDecision"))
    assert decision["direction"] == "inbound"
    assert {p["name"] for p in decision["relatedParty"]} >= {"Dana Smith"}
    assert decision["interactionItem"][0]["item"]["@referredType"] == "CompletionCase"


async def test_a_manual_entry_can_point_at_a_case(client: httpx.AsyncClient) -> None:
    case = (await client.post(CASES, json={"productOrder": business_order()})).json()
    visit = {
        **CALL,
        "reason": "Site visit",
        "interactionItem": [
            {
                "item": {
                    "id": case["id"],
                    "role": "completionCase",
                    "@referredType": "CompletionCase",
                }
            }
        ],
    }
    await client.post(PI, json=visit)
    logged = await client.get(
        PI, params={"interactionItem.item.id": case["id"], "reason": "Site visit"}
    )
    assert logged.headers["X-Total-Count"] == "1"


async def test_polymorphic_attributes_are_kept_in_every_answer(client: httpx.AsyncClient) -> None:
    """The response model documents @baseType and @schemaLocation, so they are not dropped."""
    extended = {
        **CALL,
        "@type": "CallInteraction",
        "@baseType": "PartyInteraction",
        "@schemaLocation": "https://example.com/call.json",
    }
    created = (await client.post(PI, json=extended)).json()
    read = (await client.get(created["href"])).json()
    for body in (created, read):
        assert body["@type"] == "CallInteraction"
        assert body["@baseType"] == "PartyInteraction"
        assert body["@schemaLocation"] == "https://example.com/call.json"


async def test_any_direction_string_is_kept_as_sent(client: httpx.AsyncClient) -> None:
    created = await client.post(PI, json={**CALL, "direction": "sideways"})
    assert created.status_code == 201, created.text
    assert created.json()["direction"] == "sideways"
    listed = await client.get(PI, params={"direction": "sideways"})
    assert [item["id"] for item in listed.json()] == [created.json()["id"]]


async def test_absent_values_are_left_out_and_references_have_what_tmf683_requires(
    client: httpx.AsyncClient,
) -> None:
    body = (await client.post(PI, json=CALL)).json()
    assert "description" not in body
    assert "endDateTime" not in body["interactionDate"]
    assert body["channel"] == [
        {"id": "phone", "name": "Phone", "href": "urn:order-completion:channel:phone"}
    ]
    assert body["relatedParty"] == [
        {
            "id": "CUST-42",
            "role": "customer",
            "@referredType": "Customer",
            "href": "urn:order-completion:customer:CUST-42",
        }
    ]


async def _logged_decision(client: httpx.AsyncClient) -> dict[str, Any]:
    case = (await client.post(CASES, json={"productOrder": business_order()})).json()
    await client.post(f"{CASES}/{case['id']}/commissioningTest", json=passing_test())
    await client.post(
        f"{CASES}/{case['id']}/acceptanceDecision",
        json={"decision": "accepted", "decidedBy": {"name": "Dana Smith"}},
    )
    logged = await client.get(
        PI, params={"interactionItem.item.id": case["id"], "reason": "acceptanceDecision: accepted"}
    )
    decision: dict[str, Any] = logged.json()[0]
    return decision


async def test_automatic_interactions_reference_channel_and_parties_with_href(
    client: httpx.AsyncClient,
) -> None:
    decision = await _logged_decision(client)
    assert decision["channel"][0]["href"] == "urn:order-completion:channel:orderCompletion"
    contact = next(p for p in decision["relatedParty"] if p["name"] == "Dana Smith")
    assert contact["id"] == "Dana Smith"
    assert contact["@referredType"] == "Individual"
    assert contact["href"] == "urn:order-completion:individual:Dana%20Smith"
    assert all({"id", "href", "@referredType"} <= p.keys() for p in decision["relatedParty"])


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"status": "open"}, "status"),
        ({"reason": "something else"}, "reason"),
        ({"description": "rewritten"}, "description"),
        ({"note": []}, "note"),
    ],
)
async def test_an_automatic_interaction_is_a_record_only_notes_may_be_added(
    client: httpx.AsyncClient, patch: dict[str, Any], field: str
) -> None:
    decision = await _logged_decision(client)
    noted = await client.patch(decision["href"], json={"note": [{"text": "Confirmed by phone"}]})
    assert noted.status_code == 200, noted.text
    assert [note["text"] for note in noted.json()["note"]] == ["Confirmed by phone"]
    assert_error(await client.patch(decision["href"], json=patch), 409, field)
    unchanged = (await client.get(decision["href"])).json()
    assert unchanged == noted.json()


async def test_a_note_added_to_an_automatic_interaction_is_signed_by_the_caller_and_dated_now(
    client: httpx.AsyncClient, clock: FixedClock
) -> None:
    """The record's notes say who wrote them and when, whatever the body claims."""
    decision = await _logged_decision(client)
    forged = {
        "text": "Confirmed by phone",
        "author": "Someone Else",
        "date": "2020-01-01T00:00:00Z",
    }
    noted = await client.patch(decision["href"], json={"note": [forged]})
    assert noted.status_code == 200, noted.text
    first = {
        "text": "Confirmed by phone",
        "author": "bootstrap",
        "date": iso(clock.now()),
    }
    assert noted.json()["note"] == [first]
    clock.advance(timedelta(minutes=5))
    again = await client.patch(decision["href"], json={"note": [first, {"text": "Second"}]})
    assert again.status_code == 200, again.text
    assert again.json()["note"] == [
        first,
        {"text": "Second", "author": "bootstrap", "date": iso(clock.now())},
    ]


async def test_a_manual_interaction_cannot_take_the_service_channel_by_a_patch(
    client: httpx.AsyncClient,
) -> None:
    call = (await client.post(PI, json=CALL)).json()
    refused = await client.patch(call["href"], json={"channel": [{"id": "orderCompletion"}]})
    assert_error(refused, 400, "channel")
    assert (await client.get(call["href"])).json() == call


async def test_an_automatic_interaction_is_never_deleted(client: httpx.AsyncClient) -> None:
    decision = await _logged_decision(client)
    refused = await client.delete(decision["href"])
    assert_error(refused, 409)
    assert "never deleted" in refused.json()["message"]
    assert (await client.get(decision["href"])).json() == decision


async def test_lists_filter_on_channels_and_on_every_party(client: httpx.AsyncClient) -> None:
    """Values inside the channel and party lists match exactly, commas meaning "or"; the
    interaction's end is filtered like its start."""
    witness = {"id": "W-9", "role": "witness", "@referredType": "Individual"}
    call = (
        await client.post(PI, json={**CALL, "relatedParty": [*CALL["relatedParty"], witness]})
    ).json()
    mail = {"id": "email", "name": "E-mail", "href": "https://example.com/channel/email"}
    period = {"startDateTime": "2026-11-02T10:00:00Z", "endDateTime": "2026-11-02T10:20:00Z"}
    letter = (
        await client.post(PI, json={**CALL, "channel": [mail], "interactionDate": period})
    ).json()
    expected = {
        ("channel.id", "phone"): [call["id"]],
        ("channel.id", "email,phone"): [letter["id"], call["id"]],
        ("channel.id", "Phone"): [],
        ("channel.name", "E-mail"): [letter["id"]],
        ("channel.href", "https://example.com/channel/email"): [letter["id"]],
        ("relatedParty.id", "W-9"): [call["id"]],
        ("relatedParty.id", "CUST-42"): [letter["id"], call["id"]],
        ("interactionDate.endDateTime", period["endDateTime"]): [letter["id"]],
        ("interactionDate.endDateTime.gt", "2026-11-02T10:00:00Z"): [letter["id"]],
    }
    for (name, value), ids in expected.items():
        found = await client.get(PI, params={name: value})
        assert found.status_code == 200, found.text
        assert sorted(item["id"] for item in found.json()) == sorted(ids), (name, value)
        assert found.headers["X-Total-Count"] == str(len(ids))
    assert_error(await client.get(PI, params={"channel.id.gt": "a"}), 400, "channel.id.gt")
