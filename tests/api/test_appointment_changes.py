"""Changes of an appointment as its invitation and its details show them: every move and
status change is a new version of the invitation (a higher SEQUENCE), a failed appointment
is withdrawn from calendars, and a PATCH changes the same details of a case's appointment
as of a plain one."""

from __future__ import annotations

from typing import Any

import httpx
from icalendar import Calendar

from tests.api.test_appointment_api import AP, WHEN, booking, open_case

LATER = {"startDateTime": "2026-12-03T09:00:00Z", "endDateTime": "2026-12-03T10:00:00Z"}
ENGINEER = {"id": "E-9", "@referredType": "Individual", "role": "engineer", "name": "Kim"}


async def invitation(client: httpx.AsyncClient, href: str) -> tuple[str, Any]:
    response = await client.get(f"{href}/calendar.ics")
    assert response.status_code == 200, response.text
    calendar = Calendar.from_ical(response.content)
    return str(calendar["method"]), next(iter(calendar.walk("VEVENT")))


async def test_every_move_and_status_change_is_a_new_version_of_the_invitation(
    client: httpx.AsyncClient,
) -> None:
    visit = (await client.post(AP, json=booking(await open_case(client), "commissioning"))).json()
    method, event = await invitation(client, visit["href"])
    assert (method, event["sequence"], str(event["status"])) == ("REQUEST", 0, "TENTATIVE")
    assert (await client.patch(visit["href"], json={"validFor": LATER})).status_code == 200
    method, event = await invitation(client, visit["href"])
    assert (method, event["sequence"]) == ("REQUEST", 1)
    assert event.decoded("dtstart").isoformat() == "2026-12-03T09:00:00+00:00"
    assert (await client.patch(visit["href"], json={"status": "confirmed"})).status_code == 200
    method, event = await invitation(client, visit["href"])
    assert (method, event["sequence"], str(event["status"])) == ("REQUEST", 2, "CONFIRMED")


async def test_a_move_to_the_same_period_or_a_note_keeps_the_version(
    client: httpx.AsyncClient,
) -> None:
    visit = (await client.post(AP, json=booking(await open_case(client), "commissioning"))).json()
    same = await client.patch(visit["href"], json={"validFor": WHEN, "note": [{"text": "Hi"}]})
    assert same.status_code == 200, same.text
    _, event = await invitation(client, visit["href"])
    assert event["sequence"] == 0


async def test_a_failed_appointment_is_withdrawn_from_calendars(client: httpx.AsyncClient) -> None:
    visit = (await client.post(AP, json=booking(await open_case(client), "commissioning"))).json()
    for status in ("confirmed", "failed"):
        assert (await client.patch(visit["href"], json={"status": status})).status_code == 200
    method, event = await invitation(client, visit["href"])
    assert (method, event["sequence"], str(event["status"])) == ("CANCEL", 2, "CANCELLED")


async def test_related_parties_of_a_case_appointment_are_patched_beside_its_customer(
    client: httpx.AsyncClient,
) -> None:
    visit = (await client.post(AP, json=booking(await open_case(client), "commissioning"))).json()
    [customer] = visit["relatedParty"]
    assert customer["role"] == "customer"
    impostor = {"id": "X", "@referredType": "Individual", "role": "customer"}
    patched = await client.patch(visit["href"], json={"relatedParty": [ENGINEER, impostor]})
    assert patched.status_code == 200, patched.text
    assert patched.json()["relatedParty"] == [customer, ENGINEER]
    assert (await client.get(visit["href"])).json()["relatedParty"] == [customer, ENGINEER]
    cleared = await client.patch(visit["href"], json={"relatedParty": None})
    assert cleared.json()["relatedParty"] == [customer]


async def test_related_parties_of_a_plain_appointment_are_kept_as_sent(
    client: httpx.AsyncClient,
) -> None:
    plain = (await client.post(AP, json={"validFor": WHEN})).json()
    party = {"id": "C-1", "@referredType": "Individual", "role": "customer"}
    patched = await client.patch(plain["href"], json={"relatedParty": [party, ENGINEER]})
    assert patched.status_code == 200, patched.text
    assert patched.json()["relatedParty"] == [party, ENGINEER]
