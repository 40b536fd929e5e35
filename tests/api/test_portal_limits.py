"""What a link's holder may ask of the service: a look through the link is logged at most
once an hour (the page is served every time), the customer holds at most two open sessions
booked through the link and one move request per session, picks plausible times, and
writes prose without control or bidirectional override characters, as the staff's API
takes it too."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from order_completion.bootstrap import Services
from order_completion.clock import FixedClock
from order_completion.events.catalog import BASE_PATHS, Api
from tests.api.test_cases_api import assert_error
from tests.orders import training_session
from tests.portal import CASES, link_of, portal_interactions, tested_case
from tests.support import event_types

AP = f"{BASE_PATHS[Api.APPOINTMENT]}/appointment"
# The tests' clock stands at 2026-11-23T09:00:00Z.
SESSION = {"scheduledStart": "2026-12-01T09:00:00Z", "scheduledEnd": "2026-12-01T11:00:00Z"}
MOVE = {"preferredStart": "2026-12-03T09:00:00Z", "preferredEnd": "2026-12-03T11:00:00Z"}
# Characters that make prose ring, escape or read otherwise than it is stored.
# and characters that show nothing: marks, zero-width spaces, a byte order mark, a tag
# character carrying hidden text, a private-use code point.
HOSTILE = ["\x1b[2J", "\x07", "\x00", "\x85", "\u202e", "\u202a", "\u2066", "\u2069"]
HOSTILE += ["\u200f", "\u061c", "\u200b", "\ufeff", "\U000e0041", "\ue000"]


def reasons(logged: list[dict[str, Any]]) -> list[str]:
    return [entry["reason"] for entry in logged]


async def used(client: httpx.AsyncClient, case_id: str) -> list[dict[str, Any]]:
    entries = (await client.get(f"{CASES}/{case_id}/history", params={"limit": 1000})).json()
    return [entry for entry in entries if entry["action"] == "customerPortalUsed"]


async def accepted_case(client: httpx.AsyncClient, anonymous: httpx.AsyncClient) -> tuple[str, str]:
    """A case whose customer accepted through their link: training waits on them."""
    case_id = await tested_case(client)
    portal = await link_of(client, case_id)
    decided = await anonymous.post(
        f"{portal}/acceptance", json={"fullName": "Dana Smith", "consent": True}
    )
    assert decided.status_code == 201, decided.text
    return case_id, portal


async def test_a_look_is_logged_at_most_once_an_hour_and_served_every_time(
    services: Services,
    clock: FixedClock,
    client: httpx.AsyncClient,
    anonymous_portal: httpx.AsyncClient,
) -> None:
    case_id = await tested_case(client)
    portal = await link_of(client, case_id)
    events_before = (await event_types(services, case_id)).count("partyInteractionCreateEvent")
    for _ in range(5):
        assert (await anonymous_portal.get(f"{portal}/case")).status_code == 200
        assert (await anonymous_portal.get(portal)).status_code == 200
    assert reasons(await portal_interactions(client, case_id)) == ["customerPortal: case viewed"]
    assert len(await used(client, case_id)) == 1
    events = (await event_types(services, case_id)).count("partyInteractionCreateEvent")
    assert events == events_before + 1

    clock.advance(timedelta(minutes=59))
    await anonymous_portal.get(f"{portal}/case")
    assert len(await portal_interactions(client, case_id)) == 1
    clock.advance(timedelta(minutes=1))
    await anonymous_portal.get(f"{portal}/case")
    await anonymous_portal.get(portal)
    assert reasons(await portal_interactions(client, case_id)) == 2 * [
        "customerPortal: case viewed"
    ]

    # Each kind of look is counted on its own: the certificate's downloads too.
    await anonymous_portal.post(
        f"{portal}/acceptance", json={"fullName": "Dana Smith", "consent": True}
    )
    for _ in range(3):
        certificate = await anonymous_portal.get(f"{portal}/certificate.pdf")
        assert certificate.content.startswith(b"%PDF")
    downloads = [r for r in reasons(await portal_interactions(client, case_id)) if "certif" in r]
    assert downloads == ["customerPortal: certificate downloaded"]
    assert len(await used(client, case_id)) == 3


async def test_a_link_books_while_the_case_holds_fewer_than_three_open_sessions(
    client: httpx.AsyncClient, anonymous_portal: httpx.AsyncClient
) -> None:
    case_id, portal = await accepted_case(client, anonymous_portal)
    booked = [await anonymous_portal.post(f"{portal}/trainingSession", json=SESSION) for _ in "ab"]
    assert [answer.status_code for answer in booked] == [201, 201]
    note = (await client.get(f"{CASES}/{case_id}/trainingSession")).json()
    # The provider still books what they agree with the customer, and it counts: the notes
    # staff may change have no say in what the link may book.
    staff = await client.post(f"{CASES}/{case_id}/trainingSession", json=training_session())
    assert staff.status_code == 201, staff.text
    third = await anonymous_portal.post(f"{portal}/trainingSession", json=SESSION)
    assert_error(third, 409)
    assert "move one" in third.json()["message"]
    for session in note:
        edited = await client.patch(
            f"/tmf-api/appointment/v4/appointment/{session['id']}",
            json={"note": [{"text": "Customer asked for a projector"}]},
        )
        assert edited.status_code == 200, edited.text
    assert_error(await anonymous_portal.post(f"{portal}/trainingSession", json=SESSION), 409)

    # A session no longer open frees its place.
    cancelled = await client.patch(
        f"{CASES}/{case_id}/trainingSession/{booked[0].json()['id']}", json={"state": "cancelled"}
    )
    assert cancelled.status_code == 200, cancelled.text
    again = await anonymous_portal.post(f"{portal}/trainingSession", json=SESSION)
    assert again.status_code == 201, again.text
    assert len((await anonymous_portal.get(f"{portal}/case")).json()["trainingSession"]) == 4


async def test_one_move_request_per_session_is_with_the_trainer_at_a_time(
    clock: FixedClock, client: httpx.AsyncClient, anonymous_portal: httpx.AsyncClient
) -> None:
    case_id, portal = await accepted_case(client, anonymous_portal)
    booked = [
        (await anonymous_portal.post(f"{portal}/trainingSession", json=SESSION)).json()["id"]
        for _ in range(2)
    ]
    asked = await anonymous_portal.post(
        f"{portal}/trainingSession/{booked[0]}/moveRequest", json=MOVE
    )
    assert asked.status_code == 202, asked.text
    twice = await anonymous_portal.post(
        f"{portal}/trainingSession/{booked[0]}/moveRequest", json=MOVE
    )
    assert_error(twice, 409)
    assert "already with the trainer" in twice.json()["message"]
    other = await anonymous_portal.post(
        f"{portal}/trainingSession/{booked[1]}/moveRequest", json=MOVE
    )
    assert other.status_code == 202, other.text
    requests = [r for r in reasons(await portal_interactions(client, case_id)) if "move" in r]
    assert len(requests) == 2

    # The trainer moves the session later on: that answers the request; another may be made.
    clock.advance(timedelta(hours=2))
    later = {"startDateTime": "2026-12-03T09:00:00Z", "endDateTime": "2026-12-03T11:00:00Z"}
    moved = await client.patch(f"{AP}/{booked[0]}", json={"validFor": later})
    assert moved.status_code == 200, moved.text
    anew = await anonymous_portal.post(
        f"{portal}/trainingSession/{booked[0]}/moveRequest", json=MOVE
    )
    assert anew.status_code == 202, anew.text


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        ("2026-11-23T08:00:00Z", "2026-11-23T10:00:00Z", "Start"),  # already begun
        ("2026-11-23T09:00:00Z", "2026-11-23T10:00:00Z", "Start"),  # now is not the future
        ("2027-11-24T09:00:00Z", "2027-11-24T10:00:00Z", "Start"),  # more than a year ahead
        ("2026-12-01T09:00:00Z", "2026-12-01T17:01:00Z", "End"),  # longer than 8 hours
    ],
)
async def test_the_customer_picks_plausible_times_only(
    client: httpx.AsyncClient,
    anonymous_portal: httpx.AsyncClient,
    start: str,
    end: str,
    field: str,
) -> None:
    case_id, portal = await accepted_case(client, anonymous_portal)
    booking = {"scheduledStart": start, "scheduledEnd": end}
    assert_error(
        await anonymous_portal.post(f"{portal}/trainingSession", json=booking),
        400,
        f"scheduled{field}",
    )
    assert (await anonymous_portal.get(f"{portal}/case")).json()["trainingSession"] == []

    session = (await anonymous_portal.post(f"{portal}/trainingSession", json=SESSION)).json()
    move = {"preferredStart": start, "preferredEnd": end}
    answer = await anonymous_portal.post(
        f"{portal}/trainingSession/{session['id']}/moveRequest", json=move
    )
    assert_error(answer, 400, f"preferred{field}")
    assert not [r for r in reasons(await portal_interactions(client, case_id)) if "move" in r]


async def test_the_staff_api_still_records_a_past_session(
    client: httpx.AsyncClient, anonymous_portal: httpx.AsyncClient
) -> None:
    case_id, _ = await accepted_case(client, anonymous_portal)
    past = training_session(
        scheduledStart="2026-11-20T09:00:00Z", scheduledEnd="2026-11-20T18:00:00Z"
    )
    recorded = await client.post(f"{CASES}/{case_id}/trainingSession", json=past)
    assert recorded.status_code == 201, recorded.text


@pytest.mark.parametrize("hostile", HOSTILE)
async def test_prose_with_control_or_override_characters_is_refused_naming_the_field(
    client: httpx.AsyncClient, anonymous_portal: httpx.AsyncClient, hostile: str
) -> None:
    case_id = await tested_case(client)
    portal = await link_of(client, case_id)
    name = {"fullName": "Dana Smith"}
    attempts = [
        (f"{portal}/rejection", {**name, "punchList": [f"Fix{hostile} it"]}, "punchList[0]"),
        (f"{portal}/rejection", {**name, "punchList": ["Fix"], "reason": f"a{hostile}"}, "reason"),
        (
            f"{CASES}/{case_id}/acceptanceDecision",
            {"decision": "rejected", "decidedBy": {"name": "Dana"}, "reason": f"Slow{hostile}"},
            "reason",
        ),
        (
            f"{CASES}/{case_id}/acceptanceDecision",
            {
                "decision": "rejected",
                "decidedBy": {"name": "Dana"},
                "punchList": [{"description": f"{hostile}Fix"}],
            },
            "punchList[0].description",
        ),
    ]
    for path, body, field in attempts:
        caller = client if path.startswith(CASES) else anonymous_portal
        answer = await caller.post(path, json=body)
        assert answer.status_code == 400, (path, body, answer.text)
        assert answer.json()["field"] == field, answer.json()
    history = (await client.get(f"{CASES}/{case_id}/history", params={"limit": 100})).json()
    assert not [e for e in history if e["action"] == "acceptanceDecisionRecorded"]

    await anonymous_portal.post(f"{portal}/acceptance", json={**name, "consent": True})
    session = (await anonymous_portal.post(f"{portal}/trainingSession", json=SESSION)).json()
    note = await anonymous_portal.post(
        f"{portal}/trainingSession/{session['id']}/moveRequest", json={**MOVE, "note": hostile}
    )
    assert_error(note, 400, "note")
    closed = {"state": "completed", "attended": []}
    await client.patch(f"{CASES}/{case_id}/trainingSession/{session['id']}", json=closed)
    answer = {"score": 9, "comment": f"Good{hostile}"}
    assert_error(
        await anonymous_portal.post(f"{portal}/surveyResponse", json=answer), 400, "comment"
    )
    assert_error(
        await client.post(f"{CASES}/{case_id}/surveyResponse", json=answer), 400, "comment"
    )


async def test_prose_keeps_its_line_breaks_and_a_punch_list_item_is_at_most_500_characters(
    client: httpx.AsyncClient, anonymous_portal: httpx.AsyncClient
) -> None:
    case_id = await tested_case(client)
    portal = await link_of(client, case_id)
    name = {"fullName": "Dana Smith"}
    long_line = {**name, "punchList": ["x" * 501]}
    refused = await anonymous_portal.post(f"{portal}/rejection", json=long_line)
    assert_error(refused, 400, "punchList[0]")
    huge = {
        "decision": "rejected",
        "decidedBy": {"name": "Dana"},
        "punchList": [{"description": "x" * 501}],
    }
    answer = await client.post(f"{CASES}/{case_id}/acceptanceDecision", json=huge)
    assert_error(answer, 400, "punchList[0].description")

    reason = "Failover took 40 s.\r\nSecond try:\t38 s"
    rejected = await anonymous_portal.post(
        f"{portal}/rejection", json={**name, "punchList": ["y" * 500], "reason": reason}
    )
    assert rejected.status_code == 201, rejected.text
    assert rejected.json()["reason"] == reason
    assert rejected.json()["punchList"] == [{"description": "y" * 500}]


@pytest.mark.parametrize("hostile", ["\u202e", "\u200f", "\U000e0041"])
async def test_a_name_that_reads_otherwise_than_it_is_stored_is_refused(
    client: httpx.AsyncClient, anonymous_portal: httpx.AsyncClient, hostile: str
) -> None:
    _, portal = await accepted_case(client, anonymous_portal)
    attendee = {**SESSION, "attendee": [{"name": f"Dana {hostile}elif.exe"}]}
    booked = await anonymous_portal.post(f"{portal}/trainingSession", json=attendee)
    assert_error(booked, 400, "attendee[0].name")
    assert (await anonymous_portal.get(f"{portal}/case")).json()["trainingSession"] == []


async def test_the_staff_api_bounds_a_decisions_reason_and_punch_list(
    client: httpx.AsyncClient,
) -> None:
    case_id = await tested_case(client)
    url = f"{CASES}/{case_id}/acceptanceDecision"
    rejected = {"decision": "rejected", "decidedBy": {"name": "Dana"}}
    long_reason = await client.post(url, json={**rejected, "reason": "x" * 2001})
    assert_error(long_reason, 400, "reason")
    items = [{"description": f"Fix {n}"} for n in range(101)]
    assert_error(await client.post(url, json={**rejected, "punchList": items}), 400, "punchList")
    fine = await client.post(url, json={**rejected, "punchList": items[:100], "reason": "x" * 2000})
    assert fine.status_code == 201, fine.text
