"""TMF646 Appointment v4: commissioning visits and training sessions, with the enforced
life cycle, the link to training sessions both ways, and calendar invitations."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from icalendar import Calendar

from order_completion.appointments.queries import appointment_by_id
from order_completion.bootstrap import Services
from order_completion.events.catalog import BASE_PATHS, Api
from tests.api.test_cases_api import CASES, assert_error
from tests.orders import business_order, failing_test, passing_test
from tests.support import outbox_events

AP = f"{BASE_PATHS[Api.APPOINTMENT]}/appointment"
WHEN = {"startDateTime": "2026-12-01T09:00:00Z", "endDateTime": "2026-12-01T11:00:00Z"}


def booking(case_id: str, category: str, **extra: Any) -> dict[str, Any]:
    return {
        "category": category,
        "validFor": WHEN,
        "relatedEntity": [
            {"id": case_id, "role": "completionCase", "@referredType": "CompletionCase"}
        ],
        **extra,
    }


async def open_case(client: httpx.AsyncClient, *, trained: bool = False) -> str:
    case_id: str = (await client.post(CASES, json={"productOrder": business_order()})).json()["id"]
    if trained:
        await client.post(f"{CASES}/{case_id}/commissioningTest", json=passing_test())
        await client.post(
            f"{CASES}/{case_id}/acceptanceDecision",
            json={"decision": "accepted", "decidedBy": {"name": "Dana"}},
        )
    return case_id


async def test_a_commissioning_visit_is_booked_and_settled_by_the_test_result(
    client: httpx.AsyncClient,
) -> None:
    case_id = await open_case(client)
    created = await client.post(
        AP, json=booking(case_id, "commissioning", relatedPlace={"name": "Acme HQ", "role": "site"})
    )
    assert created.status_code == 201
    visit = created.json()
    assert visit["status"] == "initialized"
    assert visit["relatedEntity"][0]["id"] == case_id
    assert {"id", "href", "@type", "creationDate", "lastUpdate", "validFor"} <= visit.keys()
    assert created.headers["Location"] == visit["href"]
    confirmed = await client.patch(visit["href"], json={"status": "confirmed"})
    assert confirmed.json()["status"] == "confirmed"
    await client.post(f"{CASES}/{case_id}/commissioningTest", json=failing_test())
    assert (await client.get(visit["href"])).json()["status"] == "failed"


@pytest.mark.parametrize(
    ("path", "final"),
    [
        (["confirmed", "completed"], "completed"),
        (["confirmed", "failed"], "failed"),
        (["cancelled"], "cancelled"),
    ],
)
async def test_the_life_cycle_allows_its_edges(
    client: httpx.AsyncClient, path: list[str], final: str
) -> None:
    case_id = await open_case(client)
    visit = (await client.post(AP, json=booking(case_id, "commissioning"))).json()
    for status in path:
        response = await client.patch(visit["href"], json={"status": status})
        assert response.status_code == 200, response.text
    assert (await client.get(visit["href"])).json()["status"] == final


@pytest.mark.parametrize(
    ("path", "refused"),
    [
        ([], "completed"),
        ([], "failed"),
        (["confirmed"], "cancelled"),
        (["confirmed"], "initialized"),
        (["cancelled"], "confirmed"),
        (["confirmed", "completed"], "failed"),
    ],
)
async def test_the_life_cycle_refuses_other_moves(
    client: httpx.AsyncClient, path: list[str], refused: str
) -> None:
    case_id = await open_case(client)
    visit = (await client.post(AP, json=booking(case_id, "commissioning"))).json()
    for status in path:
        await client.patch(visit["href"], json={"status": status})
    before = (await client.get(visit["href"])).json()
    assert_error(await client.patch(visit["href"], json={"status": refused}), 409)
    assert (await client.get(visit["href"])).json() == before


async def test_a_training_appointment_is_a_training_session_and_back(
    client: httpx.AsyncClient,
) -> None:
    case_id = await open_case(client, trained=True)
    appointment = (
        await client.post(
            AP,
            json=booking(
                case_id, "training", attendee=[{"name": "Dana Smith", "email": "dana@example.com"}]
            ),
        )
    ).json()
    assert appointment["topic"] == ["Portal administration"]  # the mandatory topic
    sessions = (await client.get(f"{CASES}/{case_id}/trainingSession")).json()
    assert [s["id"] for s in sessions] == [appointment["id"]]
    assert sessions[0]["state"] == "scheduled"

    booked = (
        await client.post(
            f"{CASES}/{case_id}/trainingSession",
            json={
                "topic": ["Reporting"],
                "scheduledStart": "2026-12-02T09:00:00Z",
                "scheduledEnd": "2026-12-02T10:00:00Z",
            },
        )
    ).json()
    listed = await client.get(AP, params={"relatedEntity.id": case_id, "category": "training"})
    assert {a["id"] for a in listed.json()} == {appointment["id"], booked["id"]}

    await client.patch(appointment["href"], json={"status": "confirmed"})
    done = await client.patch(
        appointment["href"],
        json={"status": "completed", "attended": ["Dana Smith"], "feedbackScore": 5},
    )
    assert done.status_code == 200
    assert done.json()["status"] == "completed"
    case = (await client.get(f"{CASES}/{case_id}")).json()
    training = next(s for s in case["step"] if s["kind"] == "training")
    assert training["outcome"] == "trained"


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda b: b.pop("validFor"), "validFor"),
        (
            lambda b: b.update(validFor={"startDateTime": "2026-12-01T09:00:00Z"}),
            "validFor.endDateTime",
        ),
        (lambda b: b.update(validFor={**WHEN, "endDateTime": "2026-12-01T08:00:00Z"}), "validFor"),
        (lambda b: b.update(category="party"), "category"),
        (
            lambda b: b.update(relatedEntity=[{"id": "x", "@referredType": "Thing"}]),
            "relatedEntity",
        ),
        (lambda b: b.update(status="confirmed"), "status"),
        (lambda b: b.update(topic=["Cooking"]), "topic"),
    ],
)
async def test_bad_bookings_are_400(client: httpx.AsyncClient, mutate: Any, field: str) -> None:
    case_id = await open_case(client)
    body = booking(case_id, "commissioning")
    mutate(body)
    assert_error(await client.post(AP, json=body), 400, field)


async def test_bookings_need_a_step_that_waits(client: httpx.AsyncClient) -> None:
    case_id = await open_case(client)
    assert_error(await client.post(AP, json=booking(case_id, "training")), 409)
    assert_error(await client.post(AP, json=booking("nope", "commissioning")), 404)


async def test_moving_and_annotating_an_appointment(client: httpx.AsyncClient) -> None:
    case_id = await open_case(client)
    visit = (await client.post(AP, json=booking(case_id, "commissioning"))).json()
    later = {"startDateTime": "2026-12-03T09:00:00Z", "endDateTime": "2026-12-03T10:00:00Z"}
    moved = await client.patch(
        visit["href"], json={"validFor": later, "note": [{"text": "Bring a laptop"}]}
    )
    assert moved.json()["validFor"] == later
    assert moved.json()["note"] == [{"text": "Bring a laptop"}]
    assert_error(await client.patch(visit["href"], json={"category": "training"}), 400, "category")
    assert_error(await client.patch(visit["href"], json={"id": "x"}), 400, "id")
    assert_error(await client.patch(f"{AP}/nope", json={"status": "confirmed"}), 404)
    await client.patch(visit["href"], json={"status": "cancelled"})
    assert_error(await client.patch(visit["href"], json={"validFor": later}), 409)


async def test_other_features_read_an_appointment_as_it_stands_now(
    services: Services, client: httpx.AsyncClient
) -> None:
    """The query other features use (the invitation a message carries) gives the current
    version, readable after its session closed, and nothing for an unknown id."""
    case_id = await open_case(client)
    visit = (await client.post(AP, json=booking(case_id, "commissioning"))).json()
    later = {"startDateTime": "2026-12-03T09:00:00Z", "endDateTime": "2026-12-03T10:00:00Z"}
    assert (await client.patch(visit["href"], json={"validFor": later})).status_code == 200
    found = await appointment_by_id(services.db, visit["id"])
    assert found is not None
    assert (found.case_id, found.sequence, found.start.isoformat()) == (
        case_id,
        1,
        "2026-12-03T09:00:00+00:00",
    )
    assert await appointment_by_id(services.db, "no-such-appointment") is None


async def test_the_calendar_invitation_describes_the_appointment(
    client: httpx.AsyncClient,
) -> None:
    case_id = await open_case(client, trained=True)
    appointment = (
        await client.post(
            AP,
            json=booking(
                case_id,
                "training",
                attendee=[{"name": "Dana Smith", "email": "dana@example.com"}],
                relatedPlace={"name": "Acme HQ, room 4", "role": "venue"},
            ),
        )
    ).json()
    response = await client.get(f"{appointment['href']}/calendar.ics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    event = next(iter(Calendar.from_ical(response.content).walk("VEVENT")))
    assert str(event["uid"]) == f"{appointment['id']}@order-completion"
    assert event.decoded("dtstart").isoformat() == "2026-12-01T09:00:00+00:00"
    assert str(event["location"]) == "Acme HQ, room 4"
    assert str(event["status"]) == "TENTATIVE"
    assert "mailto:dana@example.com" in str(event["attendee"])


async def test_appointment_lists_filter_and_page(client: httpx.AsyncClient) -> None:
    case_id = await open_case(client)
    for _ in range(3):
        await client.post(AP, json=booking(case_id, "commissioning"))
    listing = await client.get(
        AP, params={"status": "initialized", "limit": "2", "fields": "status"}
    )
    assert listing.headers["X-Total-Count"] == "3"
    assert [set(a) for a in listing.json()] == [{"id", "href", "@type", "status"}] * 2
    later = await client.get(AP, params={"validFor.startDateTime.gt": "2026-12-01T10:00:00Z"})
    assert later.json() == []


UNUSUAL = {
    "category": "Site survey / Überprüfung",
    "validFor": {
        "startDateTime": "2026-12-02T08:30:00+01:00",
        "endDateTime": "2026-12-02T09:00:00+01:00",
    },
    "description": "",
    "externalId": "EXT 7/Ω",
    "calendarEvent": {"id": "ev-1", "@referredType": "CalendarEvent"},
    "relatedPlace": {"role": "site", "name": "Depot 3"},
    "relatedParty": [{"id": "P-9", "@referredType": "Individual", "name": "Kim"}],
    "note": [{"text": "bring the ladder"}],
    "contactMedium": [{"mediumType": "phone", "characteristic": {"phoneNumber": "+1 555"}}],
}


async def test_an_appointment_needs_only_valid_for_and_changes_no_case(
    client: httpx.AsyncClient, services: Services
) -> None:
    case_id = await open_case(client)
    case_before = (await client.get(f"{CASES}/{case_id}")).json()
    created = await client.post(AP, json={"validFor": WHEN})
    assert created.status_code == 201, created.text
    plain = created.json()
    assert plain == {
        "id": plain["id"],
        "href": created.headers["Location"],
        "@type": "Appointment",
        "status": "initialized",
        "creationDate": plain["creationDate"],
        "lastUpdate": plain["lastUpdate"],
        "validFor": WHEN,
        "relatedEntity": [],
        "relatedParty": [],
        "contactMedium": [],
        "note": [],
        "attachment": [],
    }
    assert (await client.get(plain["href"])).json() == plain
    listed = await client.get(AP, params={"validFor.startDateTime": WHEN["startDateTime"]})
    assert [item["id"] for item in listed.json()] == [plain["id"]]
    for status in ("confirmed", "completed"):
        moved = await client.patch(plain["href"], json={"status": status})
        assert moved.status_code == 200, moved.text
        assert moved.json()["status"] == status
    assert (await client.get(f"{CASES}/{case_id}")).json() == case_before
    told = [
        (event["eventType"], event["event"]["appointment"]["status"])
        for event in await outbox_events(services)
        if event["eventType"].startswith("appointment")
        and event["event"]["appointment"]["id"] == plain["id"]
    ]
    assert told == [
        ("appointmentCreateEvent", "initialized"),
        ("appointmentStateChangeEvent", "confirmed"),
        ("appointmentStateChangeEvent", "completed"),
    ]
    invitation = await client.get(f"{plain['href']}/calendar.ics")
    event = next(iter(Calendar.from_ical(invitation.content).walk("VEVENT")))
    assert str(event["summary"]) == "Appointment"


async def test_unusual_values_of_a_plain_appointment_are_kept_as_sent(
    client: httpx.AsyncClient,
) -> None:
    created = await client.post(AP, json=UNUSUAL)
    assert created.status_code == 201, created.text
    body = created.json()
    kept = {name: body.get(name) for name in UNUSUAL if name not in ("validFor", "description")}
    assert kept == {name: UNUSUAL[name] for name in kept}
    assert body["validFor"] == {
        "startDateTime": "2026-12-02T07:30:00Z",
        "endDateTime": "2026-12-02T08:00:00Z",
    }
    listed = await client.get(AP, params={"category": UNUSUAL["category"]})
    assert [item["id"] for item in listed.json()] == [body["id"]]
    patched = await client.patch(
        body["href"], json={"externalId": None, "note": [{"text": "no ladder"}]}
    )
    assert patched.status_code == 200, patched.text
    assert "externalId" not in patched.json()
    assert patched.json()["note"] == [{"text": "no ladder"}]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "validFor"),
        ({"validFor": WHEN, "category": "training"}, "relatedEntity"),
        ({"validFor": WHEN, "category": "commissioning"}, "relatedEntity"),
        ({"validFor": WHEN, "relatedParty": [{"id": "P-9"}]}, "relatedParty[0].@referredType"),
        ({"validFor": WHEN, "topic": ["Portal"]}, "topic"),
        ({"validFor": WHEN, "externalId": "x" * 201}, "externalId"),
        ({"validFor": WHEN, "category": "x" * 41}, "category"),
    ],
)
async def test_a_plain_appointment_is_refused_only_for_what_tmf646_or_our_steps_need(
    client: httpx.AsyncClient, body: dict[str, Any], field: str
) -> None:
    assert_error(await client.post(AP, json=body), 400, field)
    assert (await client.get(AP)).json() == []


async def test_outcomes_are_for_training_appointments_of_a_case(client: httpx.AsyncClient) -> None:
    plain = (await client.post(AP, json={"validFor": WHEN})).json()
    assert_error(
        await client.patch(plain["href"], json={"status": "confirmed", "attended": ["Kim"]}),
        400,
        "attended",
    )
    assert (await client.get(plain["href"])).json() == plain


async def test_a_case_appointment_leaves_out_what_it_lacks(client: httpx.AsyncClient) -> None:
    case_id = await open_case(client)
    visit = (await client.post(AP, json=booking(case_id, "commissioning"))).json()
    assert not {"externalId", "calendarEvent", "relatedPlace"} & visit.keys()
    assert None not in visit.values()
