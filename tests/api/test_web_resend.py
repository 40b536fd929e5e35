"""Sending a customer message again from the case page: the same message, owed once more
and sent by the worker like the first (a real SMTP server)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from order_completion.bootstrap import Services
from order_completion.outbound import store as outbound
from tests.mailbox import Mailbox, running_mailbox, smtp_settings
from tests.orders import product_order
from tests.support import case_json, open_case
from tests.web import add_staff, sign_in


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    return sqlite_url


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    with running_mailbox() as sink:
        yield sink


@pytest.fixture
def extra_settings(mailbox: tuple[Mailbox, int]) -> dict[str, Any]:
    return smtp_settings(mailbox[1])


def subjects(box: Mailbox) -> list[str]:
    return [str(delivered.message["Subject"]) for delivered in box.delivered]


async def test_a_sent_notice_is_sent_again_once_per_request(
    services: Services, anonymous: httpx.AsyncClient, mailbox: tuple[Mailbox, int]
) -> None:
    box, _ = mailbox
    order = product_order("RESEND-1")
    order["relatedParty"][0]["contactMedium"] = [
        {"mediumType": "email", "characteristic": {"emailAddress": "jo@example.com"}}
    ]
    case_id = await open_case(services, order)
    await services.worker.run_once()
    sent = subjects(box)
    assert sent
    await add_staff(services, "morgan", "orderManager")
    token = await sign_in(anonymous, "morgan")
    async with services.db.read() as session:
        calls = await outbound.calls_of(session, case_id)
    notice_call = next(c for c in calls if c.payload.get("messageKind") == "readyForServiceNotice")
    notice, notice_subject = notice_call.id, str((notice_call.result or {})["subject"])
    assert notice_subject in sent
    resend = f"/cases/{case_id}/messages/{notice}/resend"
    page = (await anonymous.get(f"/cases/{case_id}")).text
    assert f'action="{resend}"' in page

    for _ in range(2):
        answer = await anonymous.post(resend, data={"csrf": token})
        assert answer.status_code == 303
    await services.worker.run_once()
    assert subjects(box).count(notice_subject) == 3
    history = (await case_json(services, case_id))["history"]
    assert [e["detail"]["by"] for e in history if e["action"] == "messageResent"] == [
        "morgan",
        "morgan",
    ]


async def test_a_viewer_may_not_resend_and_an_unknown_message_is_404(
    services: Services, anonymous: httpx.AsyncClient
) -> None:
    case_id = await open_case(services, product_order("RESEND-2"))
    await add_staff(services, "morgan", "orderManager")
    token = await sign_in(anonymous, "morgan")
    answer = await anonymous.post(f"/cases/{case_id}/messages/nothing/resend", data={"csrf": token})
    assert answer.status_code == 404
    assert f"message: case {case_id} has no message nothing" in answer.text
