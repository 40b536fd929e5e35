"""Date-times whose offset carries them outside years 1 to 9999 once in UTC (valid ISO
8601, but no date type holds them) are refused with a 400 naming the field, wherever a
date-time is read: list filters, appointments, training sessions, interactions, replays."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from order_completion.events.catalog import BASE_PATHS, Api
from tests.api.test_appointment_api import AP, booking, open_case
from tests.api.test_cases_api import CASES, assert_error
from tests.api.test_party_interaction_api import CALL, PI
from tests.receiver import Receiver

EARLY = "0001-01-01T00:00:00+01:00"
LATE = "9999-12-31T23:59:59-23:59"
HUB = f"{BASE_PATHS[Api.ORDER_COMPLETION]}/hub"
LATER = "2026-12-01T11:00:00Z"


@pytest.mark.parametrize("moment", [EARLY, LATE])
@pytest.mark.parametrize(
    ("path", "name"),
    [
        (CASES, "creationDate.gt"),
        (CASES, "lastUpdate"),
        (AP, "validFor.startDateTime.gte"),
        (PI, "interactionDate.startDateTime.lt"),
        (f"{BASE_PATHS[Api.PROCESS_FLOW]}/processFlow", "processFlowDate.lte"),
    ],
)
async def test_list_filters(client: httpx.AsyncClient, path: str, name: str, moment: str) -> None:
    attribute = re.sub(r"\.(gt|gte|lt|lte)$", "", name)
    assert_error(await client.get(path, params={name: moment}), 400, attribute)


@pytest.mark.parametrize("moment", [EARLY, LATE])
async def test_appointments_and_training_sessions(client: httpx.AsyncClient, moment: str) -> None:
    case_id = await open_case(client, trained=True)
    period = {"startDateTime": moment, "endDateTime": LATER}
    created = await client.post(AP, json=booking(case_id, "training", validFor=period))
    assert_error(created, 400, "validFor.startDateTime")
    session = {"topic": ["Reporting"], "scheduledStart": moment, "scheduledEnd": LATER}
    booked = await client.post(f"{CASES}/{case_id}/trainingSession", json=session)
    assert_error(booked, 400, "scheduledStart")
    assert (await client.get(f"{CASES}/{case_id}/trainingSession")).json() == []

    visit = (await client.post(AP, json=booking(case_id, "training"))).json()
    moved = await client.patch(visit["href"], json={"validFor": period})
    assert_error(moved, 400, "validFor.startDateTime")


@pytest.mark.parametrize("moment", [EARLY, LATE])
async def test_interactions(client: httpx.AsyncClient, moment: str) -> None:
    body: dict[str, Any] = {**CALL, "interactionDate": {"startDateTime": moment}}
    assert_error(await client.post(PI, json=body), 400, "interactionDate.startDateTime")


@pytest.mark.parametrize("moment", [EARLY, LATE])
async def test_replays(client: httpx.AsyncClient, receiver: Receiver, moment: str) -> None:
    hub = (await client.post(HUB, json={"callback": receiver.url})).json()
    replay = await client.post(f"{hub['href']}/replay", json={"from": moment, "to": LATER})
    assert_error(replay, 400, "from")
