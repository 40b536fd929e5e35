"""TMF646 Appointment v4 as the conformance kit tests it: an appointment created with only
``validFor`` (both ends, or only its start as the ``TimePeriod`` definition allows), read,
listed, filtered by its dates exactly as sent, narrowed with ``fields``; one related to
another system's entity keeps it and is found by it; every body valid against the official
``Appointment`` definition, also over the demo data."""

from __future__ import annotations

import httpx
import pytest

from order_completion.bootstrap import Services
from order_completion.demo import load_demo
from order_completion.events.catalog import BASE_PATHS, Api
from tests.conformance import kit

AP = f"{BASE_PATHS[Api.APPOINTMENT]}/appointment"
API = "tmf646"


@pytest.mark.parametrize(
    "period",
    [
        {"startDateTime": "2026-12-01T09:00:00.000Z", "endDateTime": "2026-12-01T10:30:00.000Z"},
        {"startDateTime": "2026-12-01T11:00:00+02:00", "endDateTime": "2026-12-01T12:00:00+02:00"},
        {"startDateTime": "2026-12-01T13:00:00Z"},
    ],
)
async def test_the_kit_round_on_an_appointment(
    client: httpx.AsyncClient, period: dict[str, str]
) -> None:
    body = {"validFor": period}
    assert kit.mandatory(API, "Appointment_Create") == list(body)
    made = await kit.run(
        client,
        api=API,
        resource="Appointment",
        url=AP,
        body=body,
        filters=list(kit.leaves("validFor", period)),
        fields="validFor",
    )
    assert made["status"] == "initialized"
    assert made["validFor"].keys() == period.keys()


async def test_the_kit_round_on_an_appointment_related_to_another_entity(
    client: httpx.AsyncClient,
) -> None:
    entity = {
        "id": "WO-646",
        "href": "https://field.example/workOrder/WO-646",
        "role": "workOrder",
        "@referredType": "WorkOrder",
    }
    body = {"validFor": {"startDateTime": "2026-12-02T08:00:00Z"}, "relatedEntity": [entity]}
    made = await kit.run(
        client,
        api=API,
        resource="Appointment",
        url=AP,
        body=body,
        filters=[("relatedEntity.id", "WO-646")],
        fields="validFor,relatedEntity",
    )
    assert made["relatedEntity"] == [entity]


async def test_every_demo_appointment_conforms(
    client: httpx.AsyncClient, services: Services
) -> None:
    assert await load_demo(services) > 0
    appointments = await kit.every_one(client, api=API, resource="Appointment", url=AP)
    assert appointments


async def test_a_listener_registered_with_only_its_callback_conforms(
    client: httpx.AsyncClient,
) -> None:
    await kit.hub_round(client, api=API, base=BASE_PATHS[Api.APPOINTMENT])
