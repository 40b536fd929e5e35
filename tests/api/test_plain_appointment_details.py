"""What TMF646 lets a plain appointment (one of no completion case) carry beyond our own
steps' needs: entities of other systems in ``relatedEntity``, and a ``validFor`` with only
its start. Case appointments keep theirs: the case reference, and both ends."""

from __future__ import annotations

import httpx
from icalendar import Calendar

from tests.api.test_appointment_api import AP, WHEN, booking, open_case
from tests.api.test_cases_api import assert_error

WORK_ORDER = {
    "id": "WO-7",
    "href": "https://field.example/workOrder/WO-7",
    "role": "workOrder",
    "@referredType": "WorkOrder",
    "name": "Mast inspection",
}
TICKET = {"id": "TT-3", "role": "troubleTicket", "@referredType": "TroubleTicket"}
START_ONLY = {"startDateTime": "2026-12-04T10:00:00Z"}


async def test_a_plain_appointment_keeps_the_entities_it_relates_to(
    client: httpx.AsyncClient,
) -> None:
    created = await client.post(AP, json={"validFor": WHEN, "relatedEntity": [WORK_ORDER]})
    assert created.status_code == 201, created.text
    made = created.json()
    assert made["relatedEntity"] == [WORK_ORDER]
    assert (await client.get(made["href"])).json() == made
    for value in ("WO-7", "nope,WO-7"):
        found = await client.get(AP, params={"relatedEntity.id": value})
        assert [item["id"] for item in found.json()] == [made["id"]]
    assert (await client.get(AP, params={"relatedEntity.id": "WO"})).json() == []
    patched = await client.patch(made["href"], json={"relatedEntity": [WORK_ORDER, TICKET]})
    assert patched.status_code == 200, patched.text
    assert patched.json()["relatedEntity"] == [WORK_ORDER, TICKET]
    found = await client.get(AP, params={"relatedEntity.id": "TT-3"})
    assert [item["id"] for item in found.json()] == [made["id"]]
    cleared = await client.patch(made["href"], json={"relatedEntity": None})
    assert cleared.json()["relatedEntity"] == []


async def test_a_case_appointment_is_still_found_by_its_case_and_keeps_its_reference(
    client: httpx.AsyncClient,
) -> None:
    case_id = await open_case(client)
    visit = (await client.post(AP, json=booking(case_id, "commissioning"))).json()
    await client.post(AP, json={"validFor": WHEN, "relatedEntity": [WORK_ORDER]})
    found = await client.get(AP, params={"relatedEntity.id": case_id})
    assert [item["id"] for item in found.json()] == [visit["id"]]
    refused = await client.patch(visit["href"], json={"relatedEntity": [WORK_ORDER]})
    assert_error(refused, 400, "relatedEntity")
    assert (await client.get(visit["href"])).json() == visit


async def test_entities_are_refused_where_they_would_change_what_an_appointment_is(
    client: httpx.AsyncClient,
) -> None:
    case_id = await open_case(client)
    case = booking(case_id, "commissioning")["relatedEntity"][0]
    mixed = booking(case_id, "commissioning", relatedEntity=[case, WORK_ORDER])
    assert_error(await client.post(AP, json=mixed), 400, "relatedEntity")
    plain = (await client.post(AP, json={"validFor": WHEN, "relatedEntity": [TICKET]})).json()
    assert_error(
        await client.patch(plain["href"], json={"relatedEntity": [case]}), 400, "relatedEntity"
    )
    missing_role = {"id": "X-1", "@referredType": "Thing"}
    assert_error(
        await client.patch(plain["href"], json={"relatedEntity": [missing_role]}),
        400,
        "relatedEntity[0].role",
    )
    assert (await client.get(plain["href"])).json() == plain


async def test_a_plain_appointment_may_have_only_its_start(client: httpx.AsyncClient) -> None:
    created = await client.post(AP, json={"validFor": START_ONLY})
    assert created.status_code == 201, created.text
    made = created.json()
    assert made["validFor"] == START_ONLY
    assert (await client.get(made["href"])).json() == made
    found = await client.get(AP, params={"validFor.startDateTime": START_ONLY["startDateTime"]})
    assert [item["id"] for item in found.json()] == [made["id"]]
    invitation = await client.get(f"{made['href']}/calendar.ics")
    assert invitation.status_code == 200, invitation.text
    event = next(iter(Calendar.from_ical(invitation.content).walk("VEVENT")))
    assert event.decoded("dtstart").isoformat() == "2026-12-04T10:00:00+00:00"
    assert "dtend" not in event
    assert "duration" not in event
    ended = await client.patch(
        made["href"], json={"validFor": {"endDateTime": "2026-12-04T11:00:00Z"}}
    )
    assert ended.status_code == 200, ended.text
    assert ended.json()["validFor"] == {**START_ONLY, "endDateTime": "2026-12-04T11:00:00Z"}
    opened = await client.patch(made["href"], json={"validFor": {"endDateTime": None}})
    assert opened.json()["validFor"] == START_ONLY


async def test_our_own_appointments_keep_needing_an_end(client: httpx.AsyncClient) -> None:
    case_id = await open_case(client)
    start_only = booking(case_id, "commissioning", validFor=START_ONLY)
    assert_error(await client.post(AP, json=start_only), 400, "validFor.endDateTime")
    visit = (await client.post(AP, json=booking(case_id, "commissioning"))).json()
    refused = await client.patch(visit["href"], json={"validFor": {"endDateTime": None}})
    assert_error(refused, 400, "validFor.endDateTime")
    early = await client.patch(
        visit["href"], json={"validFor": {"endDateTime": "2026-12-01T08:00:00Z"}}
    )
    assert_error(early, 400, "validFor")
    assert (await client.get(visit["href"])).json() == visit
