"""Permissions follow the action, not the route: every path that makes the same change to a
step (the case's own step actions, the TMF646 and TMF701 façades) asks for the same
permission, and a refused call changes nothing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from order_completion.app import create_app
from order_completion.auth.rules import ROLE_PERMISSIONS, Permission, Role
from order_completion.bootstrap import Services
from order_completion.events.catalog import BASE_PATHS, Api
from tests.api.test_cases_api import CASES
from tests.conftest import ADMIN_TOKEN, token_for
from tests.orders import business_order, passing_test

HOST = "http://testserver"
AP = f"{BASE_PATHS[Api.APPOINTMENT]}/appointment"
PF = f"{BASE_PATHS[Api.PROCESS_FLOW]}/processFlow"
WHEN = {"startDateTime": "2026-12-01T09:00:00Z", "endDateTime": "2026-12-01T11:00:00Z"}
DANA = {"name": "Dana Smith", "email": "dana@example.com"}
SESSION = {
    "topic": ["Portal administration"],
    "scheduledStart": "2026-12-01T09:00:00Z",
    "scheduledEnd": "2026-12-01T11:00:00Z",
    "attendee": [DANA],
}
TRAINED = {"status": "completed", "attended": ["Dana Smith"], "feedbackScore": 5}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def appointment(case_id: str, category: str, **extra: Any) -> dict[str, Any]:
    return {
        "category": category,
        "validFor": WHEN,
        "relatedEntity": [{"id": case_id, "@referredType": "CompletionCase"}],
        **extra,
    }


async def step(admin: httpx.AsyncClient, case_id: str, kind: str) -> dict[str, Any]:
    case = (await admin.get(f"{CASES}/{case_id}")).json()
    found: dict[str, Any] = next(s for s in case["step"] if s["kind"] == kind)
    return found


async def task_href(admin: httpx.AsyncClient, case_id: str, kind: str) -> str:
    return f"{PF}/{case_id}/taskFlow/{(await step(admin, case_id, kind))['id']}"


async def commissioned(admin: httpx.AsyncClient, case_id: str) -> None:
    await admin.post(f"{CASES}/{case_id}/commissioningTest", json=passing_test())


async def accepted(admin: httpx.AsyncClient, case_id: str) -> None:
    await commissioned(admin, case_id)
    decision = {"decision": "accepted", "decidedBy": {"name": "Dana"}}
    await admin.post(f"{CASES}/{case_id}/acceptanceDecision", json=decision)


async def booked(admin: httpx.AsyncClient, case_id: str) -> None:
    await accepted(admin, case_id)
    await admin.post(f"{CASES}/{case_id}/trainingSession", json=SESSION)


async def session_id(admin: httpx.AsyncClient, case_id: str) -> str:
    sessions = (await admin.get(f"{CASES}/{case_id}/trainingSession")).json()
    return str(sessions[0]["id"]) if sessions else ""


async def sessions_booked(admin: httpx.AsyncClient, case_id: str) -> object:
    return len((await admin.get(f"{CASES}/{case_id}/trainingSession")).json())


async def appointments_booked(admin: httpx.AsyncClient, case_id: str) -> object:
    return len((await admin.get(AP, params={"relatedEntity.id": case_id})).json())


def outcome_of(kind: str) -> Callable[[httpx.AsyncClient, str], Awaitable[object]]:
    async def outcome(admin: httpx.AsyncClient, case_id: str) -> object:
        return (await step(admin, case_id, kind)).get("outcome")

    return outcome


Send = Callable[[httpx.AsyncClient, httpx.AsyncClient, str], Awaitable[httpx.Response]]


@dataclass(frozen=True)
class StepChange:
    """One path to a change: what the case needs first, the call, the permissions it needs
    (all of them), its status when allowed, and what it changed (``before`` → ``after``)."""

    name: str
    prepare: Callable[[httpx.AsyncClient, str], Awaitable[None]]
    send: Send
    needs: frozenset[Permission]
    status: int
    observe: Callable[[httpx.AsyncClient, str], Awaitable[object]]
    before: object
    after: object


async def _post_session(admin: httpx.AsyncClient, caller: httpx.AsyncClient, case_id: str) -> Any:
    return await caller.post(f"{CASES}/{case_id}/trainingSession", json=SESSION)


async def _post_training(admin: httpx.AsyncClient, caller: httpx.AsyncClient, case_id: str) -> Any:
    return await caller.post(AP, json=appointment(case_id, "training", attendee=[DANA]))


async def _close_session(admin: httpx.AsyncClient, caller: httpx.AsyncClient, case_id: str) -> Any:
    body = {"state": "completed", "attended": ["Dana Smith"], "feedbackScore": 5}
    href = f"{CASES}/{case_id}/trainingSession/{await session_id(admin, case_id)}"
    return await caller.patch(href, json=body)


async def _complete_training(
    admin: httpx.AsyncClient, caller: httpx.AsyncClient, case_id: str
) -> Any:
    return await caller.patch(f"{AP}/{await session_id(admin, case_id)}", json=TRAINED)


async def _move_training(admin: httpx.AsyncClient, caller: httpx.AsyncClient, case_id: str) -> Any:
    later = {"startDateTime": "2026-12-03T09:00:00Z", "endDateTime": "2026-12-03T11:00:00Z"}
    return await caller.patch(f"{AP}/{await session_id(admin, case_id)}", json={"validFor": later})


async def _post_test(admin: httpx.AsyncClient, caller: httpx.AsyncClient, case_id: str) -> Any:
    return await caller.post(f"{CASES}/{case_id}/commissioningTest", json=passing_test())


async def _feed_test(admin: httpx.AsyncClient, caller: httpx.AsyncClient, case_id: str) -> Any:
    values = {**passing_test(), "witnessedBy": "Dana Smith"}
    characteristic = [{"name": name, "value": value} for name, value in values.items()]
    href = await task_href(admin, case_id, "commissioningTest")
    return await caller.patch(href, json={"characteristic": characteristic})


async def _post_decision(admin: httpx.AsyncClient, caller: httpx.AsyncClient, case_id: str) -> Any:
    body = {"decision": "accepted", "decidedBy": {"name": "Dana"}}
    return await caller.post(f"{CASES}/{case_id}/acceptanceDecision", json=body)


async def _feed_decision(admin: httpx.AsyncClient, caller: httpx.AsyncClient, case_id: str) -> Any:
    characteristic = [
        {"name": "decision", "value": "accepted"},
        {"name": "decidedBy", "value": "Dana"},
    ]
    href = await task_href(admin, case_id, "acceptance")
    return await caller.patch(href, json={"characteristic": characteristic})


async def _post_visit(admin: httpx.AsyncClient, caller: httpx.AsyncClient, case_id: str) -> Any:
    return await caller.post(AP, json=appointment(case_id, "commissioning"))


async def _nothing(admin: httpx.AsyncClient, case_id: str) -> None:
    return None


async def training_start(admin: httpx.AsyncClient, case_id: str) -> object:
    sessions = (await admin.get(f"{CASES}/{case_id}/trainingSession")).json()
    return sessions[0]["scheduledStart"]


TRAINING = frozenset({Permission.MANAGE_TRAINING})
TRAINING_APPOINTMENT = frozenset({Permission.MANAGE_TRAINING, Permission.MANAGE_APPOINTMENTS})
TEST = frozenset({Permission.RECORD_TEST})
DECISION = frozenset({Permission.RECORD_DECISION})
TRAINING_OUTCOME = outcome_of("training")
TEST_OUTCOME = outcome_of("commissioningTest")
DECISION_OUTCOME = outcome_of("acceptance")
CHANGES = [
    # Booking a training session: the case's route and a TMF646 training appointment.
    StepChange("book session", accepted, _post_session, TRAINING, 201, sessions_booked, 0, 1),
    StepChange(
        "book training appointment",
        accepted,
        _post_training,
        TRAINING_APPOINTMENT,
        201,
        sessions_booked,
        0,
        1,
    ),
    # Completing it, which completes the training step.
    StepChange(
        "complete session", booked, _close_session, TRAINING, 200, TRAINING_OUTCOME, None, "trained"
    ),
    StepChange(
        "complete training appointment",
        booked,
        _complete_training,
        TRAINING_APPOINTMENT,
        200,
        TRAINING_OUTCOME,
        None,
        "trained",
    ),
    StepChange(
        "move training appointment",
        booked,
        _move_training,
        TRAINING_APPOINTMENT,
        200,
        training_start,
        "2026-12-01T09:00:00Z",
        "2026-12-03T09:00:00Z",
    ),
    # Reporting the commissioning test: the case's route and the TMF701 task.
    StepChange("report test", _nothing, _post_test, TEST, 201, TEST_OUTCOME, None, "passed"),
    StepChange("feed test task", _nothing, _feed_test, TEST, 200, TEST_OUTCOME, None, "passed"),
    # Recording the acceptance decision: the case's route and the TMF701 task.
    StepChange(
        "record decision",
        commissioned,
        _post_decision,
        DECISION,
        201,
        DECISION_OUTCOME,
        None,
        "accepted",
    ),
    StepChange(
        "feed acceptance task",
        commissioned,
        _feed_decision,
        DECISION,
        200,
        DECISION_OUTCOME,
        None,
        "accepted",
    ),
    # A commissioning visit is an appointment and changes no step's outcome.
    StepChange(
        "book commissioning visit",
        _nothing,
        _post_visit,
        frozenset({Permission.MANAGE_APPOINTMENTS}),
        201,
        appointments_booked,
        0,
        1,
    ),
]


@pytest.mark.parametrize("change", CHANGES, ids=[change.name for change in CHANGES])
@pytest.mark.parametrize("role", list(Role))
async def test_every_path_to_a_step_change_asks_for_the_same_permission(
    services: Services, change: StepChange, role: Role
) -> None:
    transport = httpx.ASGITransport(app=create_app(services))
    token = await token_for(services, role.value)
    async with (
        httpx.AsyncClient(transport=transport, base_url=HOST, headers=bearer(ADMIN_TOKEN)) as admin,
        httpx.AsyncClient(transport=transport, base_url=HOST, headers=bearer(token)) as caller,
    ):
        case_id = (await admin.post(CASES, json={"productOrder": business_order()})).json()["id"]
        await change.prepare(admin, case_id)
        assert await change.observe(admin, case_id) == change.before

        response = await change.send(admin, caller, case_id)

        if change.needs <= ROLE_PERMISSIONS[role]:
            assert response.status_code == change.status, response.text
            assert await change.observe(admin, case_id) == change.after
        else:
            assert response.status_code == 403, response.text
            assert response.json()["reason"] == "Forbidden"
            assert await change.observe(admin, case_id) == change.before
