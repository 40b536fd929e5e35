"""Case page actions that are the API's own commands: scheduling, completing and
cancelling a training session, and retrying a customer update in fallout. Each effect is
read back through the API; a role without the permission is refused and changes nothing."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from order_completion.acceptance.schemas import AcceptanceDecisionRequest
from order_completion.bootstrap import Services
from order_completion.commissioning.schemas import CommissioningTestResult
from tests.conftest import ADMIN_TOKEN
from tests.orders import BASE, business_order, passing_test, product_order
from tests.receiver import Receiver
from tests.support import decide, open_case, record_test
from tests.web import add_staff, sign_in

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    return sqlite_url


@pytest.fixture
def extra_settings(receiver: Receiver) -> dict[str, Any]:
    """Billing is the one system the customer update writes to, here a receiver the
    tests script (a 400 is a refusal: the case falls out)."""
    return {"billing_url": f"{receiver.url}/billing/start"}


async def api(http: httpx.AsyncClient, path: str) -> Any:
    """What the API answers an administrator for ``path`` under the case API."""
    answer = await http.get(f"{BASE}{path}", headers=ADMIN)
    assert answer.status_code == 200, answer.text
    return answer.json()


async def training_case(services: Services, order_id: str) -> str:
    """A business case tested, accepted and its customer update done: its training step
    waits for sessions."""
    case_id = await open_case(services, business_order(order_id))
    await record_test(services, case_id, CommissioningTestResult.model_validate(passing_test()))
    decision = {"decision": "accepted", "decidedBy": {"name": "Dana Smith"}}
    await decide(services, case_id, AcceptanceDecisionRequest.model_validate(decision))
    await services.worker.run_once()  # training follows the customer update
    return case_id


def booking(token: str, day: str, **extra: str) -> dict[str, str | list[str]]:
    return {
        "csrf": token,
        "topic": ["Portal administration"],
        "start": f"{day}T09:00",
        "end": f"{day}T11:00",
        "trainer": "Sam Lee",
        "attendees": "Dana Smith\nAl Jones",
        **extra,
    }


async def test_a_trainer_schedules_completes_and_cancels_sessions_from_the_case_page(
    services: Services, anonymous: httpx.AsyncClient
) -> None:
    case_id = await training_case(services, "TRAIN-1")
    await add_staff(services, "tess", "trainer")
    token = await sign_in(anonymous, "tess")
    page = (await anonymous.get(f"/cases/{case_id}")).text
    assert f'action="/cases/{case_id}/training-sessions"' in page

    for day in ("2026-12-01", "2026-12-02"):
        booked = await anonymous.post(
            f"/cases/{case_id}/training-sessions", data=booking(token, day)
        )
        assert booked.status_code == 303, booked.text
        assert booked.headers["location"] == f"/cases/{case_id}?done=booked"
    sessions = await api(anonymous, f"/completionCase/{case_id}/trainingSession")
    assert [(s["scheduledStart"], s["state"]) for s in sessions] == [
        ("2026-12-01T09:00:00Z", "scheduled"),
        ("2026-12-02T09:00:00Z", "scheduled"),
    ]
    first, second = (s["id"] for s in sessions)
    assert sessions[0]["trainer"]["name"] == "Sam Lee"
    assert [a["name"] for a in sessions[0]["attendee"]] == ["Dana Smith", "Al Jones"]
    page = (await anonymous.get(f"/cases/{case_id}?done=booked")).text
    assert "The training session was booked." in page
    assert f'action="/cases/{case_id}/training-sessions/{first}"' in page

    # as a browser sends the form: every attendee ticked (the default), no score
    cancelled = await anonymous.post(
        f"/cases/{case_id}/training-sessions/{second}",
        data={"csrf": token, "end": "cancelled", "attended": ["Dana Smith", "Al Jones"]},
    )
    assert cancelled.status_code == 303, cancelled.text
    completed = await anonymous.post(
        f"/cases/{case_id}/training-sessions/{first}",
        data={"csrf": token, "end": "completed", "attended": "Dana Smith", "feedbackScore": "4"},
    )
    assert completed.status_code == 303, completed.text

    done = await api(anonymous, f"/completionCase/{case_id}/trainingSession/{first}")
    assert (done["state"], done["attended"], done["feedbackScore"]) == (
        "completed",
        ["Dana Smith"],
        4,
    )
    dropped = await api(anonymous, f"/completionCase/{case_id}/trainingSession/{second}")
    assert (dropped["state"], dropped["attended"]) == ("cancelled", [])
    case = await api(anonymous, f"/completionCase/{case_id}?fields=history,step")
    step = next(s for s in case["step"] if s["kind"] == "training")
    assert step["state"] == "completed"
    by = {
        e["action"]: e["detail"]["by"]
        for e in case["history"]
        if e["action"].startswith("trainingSession")
    }
    assert by == {
        "trainingSessionScheduled": "tess",
        "trainingSessionCancelled": "tess",
        "trainingSessionCompleted": "tess",
    }


async def test_bad_session_forms_name_their_field_and_change_nothing(
    services: Services, anonymous: httpx.AsyncClient
) -> None:
    case_id = await training_case(services, "TRAIN-2")
    await add_staff(services, "tess", "trainer")
    token = await sign_in(anonymous, "tess")
    backwards = booking(token, "2026-12-01", end="2026-12-01T08:00")
    refused = await anonymous.post(f"/cases/{case_id}/training-sessions", data=backwards)
    assert refused.status_code == 400
    assert "Nothing was changed: form: scheduledEnd must be after scheduledStart" in refused.text
    assert await api(anonymous, f"/completionCase/{case_id}/trainingSession") == []

    booked = await anonymous.post(
        f"/cases/{case_id}/training-sessions", data=booking(token, "2026-12-01")
    )
    assert booked.status_code == 303
    [session] = await api(anonymous, f"/completionCase/{case_id}/trainingSession")
    close = f"/cases/{case_id}/training-sessions/{session['id']}"
    for data, field in [
        ({"end": "postponed"}, "end"),
        ({"end": "completed", "feedbackScore": "9"}, "feedbackScore"),
    ]:
        wrong = await anonymous.post(close, data={"csrf": token, **data})
        assert wrong.status_code == 400
        assert f"Nothing was changed: {field}: " in wrong.text
    again = await api(anonymous, f"/completionCase/{case_id}/trainingSession/{session['id']}")
    assert again["state"] == "scheduled"


async def test_an_engineer_may_not_schedule_or_close_a_session(
    services: Services, anonymous: httpx.AsyncClient
) -> None:
    case_id = await training_case(services, "TRAIN-3")
    await add_staff(services, "tess", "trainer")
    await add_staff(services, "eli", "engineer")
    token = await sign_in(anonymous, "tess")
    assert (
        await anonymous.post(
            f"/cases/{case_id}/training-sessions", data=booking(token, "2026-12-01")
        )
    ).status_code == 303
    [session] = await api(anonymous, f"/completionCase/{case_id}/trainingSession")
    await anonymous.post("/signout", data={"csrf": token})

    token = await sign_in(anonymous, "eli")
    page = (await anonymous.get(f"/cases/{case_id}")).text
    assert "training-sessions" not in page
    for path, data in [
        ("training-sessions", booking(token, "2026-12-03")),
        (f"training-sessions/{session['id']}", {"csrf": token, "end": "cancelled"}),
    ]:
        refused = await anonymous.post(f"/cases/{case_id}/{path}", data=data)
        assert refused.status_code == 403
        assert "eli (engineer) may not do this" in refused.text
    [still] = await api(anonymous, f"/completionCase/{case_id}/trainingSession")
    assert still["state"] == "scheduled"


async def fallen_out(services: Services, receiver: Receiver, order_id: str) -> str:
    """A consumer case whose customer update billing refused: in fallout."""
    receiver.script(400)
    case_id = await open_case(services, product_order(order_id))
    await services.worker.run_once()
    return case_id


async def test_a_manager_retries_a_customer_update_in_fallout(
    services: Services, anonymous: httpx.AsyncClient, receiver: Receiver
) -> None:
    case_id = await fallen_out(services, receiver, "RETRY-1")
    case = await api(anonymous, f"/completionCase/{case_id}")
    assert (case["fallout"], case["state"]) == (True, "active")
    await add_staff(services, "morgan", "orderManager")
    token = await sign_in(anonymous, "morgan")
    page = (await anonymous.get(f"/cases/{case_id}")).text
    assert f'action="/cases/{case_id}/customer-update/retry"' in page

    retried = await anonymous.post(f"/cases/{case_id}/customer-update/retry", data={"csrf": token})
    assert retried.status_code == 303, retried.text
    assert retried.headers["location"] == f"/cases/{case_id}?done=retried"
    assert (await api(anonymous, f"/completionCase/{case_id}"))["fallout"] is False
    await services.worker.run_once()
    case = await api(anonymous, f"/completionCase/{case_id}?fields=history,state")
    assert case["state"] == "completed"
    assert [p for p in (r.path for r in receiver.received) if p == "/billing/start"] == [
        "/billing/start",
        "/billing/start",
    ]
    nothing = await anonymous.post(f"/cases/{case_id}/customer-update/retry", data={"csrf": token})
    assert nothing.status_code == 409
    assert "Nothing was changed:" in nothing.text


async def test_a_viewer_may_not_retry_a_customer_update(
    services: Services, anonymous: httpx.AsyncClient, receiver: Receiver
) -> None:
    case_id = await fallen_out(services, receiver, "RETRY-2")
    await add_staff(services, "vic", "viewer")
    token = await sign_in(anonymous, "vic")
    assert "customer-update/retry" not in (await anonymous.get(f"/cases/{case_id}")).text
    refused = await anonymous.post(f"/cases/{case_id}/customer-update/retry", data={"csrf": token})
    assert refused.status_code == 403
    assert "vic (viewer) may not do this" in refused.text
    assert (await api(anonymous, f"/completionCase/{case_id}"))["fallout"] is True
    await services.worker.run_once()
    assert len(receiver.received) == 1  # billing was not asked again
