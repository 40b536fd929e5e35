"""Customer messages over a real SMTP server: the changes of a case send the customer what
they call for, with the right attachments, each outcome logged as an interaction; a
customer with no address makes the case ask for one."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage
from io import BytesIO
from typing import Any

import httpx
import pytest
from pypdf import PdfReader

from order_completion.bootstrap import Services
from order_completion.clock import FixedClock
from tests.mailbox import Mailbox, running_mailbox, smtp_settings
from tests.orders import (
    BASE,
    accept_after_passing_test,
    business_order,
    open_over_api,
    passing_test,
    product_order,
    training_session,
    with_email,
)
from tests.support import events

PI = "/tmf-api/partyInteraction/v4/partyInteraction"
AP = "/tmf-api/appointment/v4/appointment"


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    with running_mailbox() as sink:
        yield sink


@pytest.fixture
def extra_settings(mailbox: tuple[Mailbox, int]) -> dict[str, Any]:
    return smtp_settings(mailbox[1])


def by_subject(box: Mailbox) -> dict[str, EmailMessage]:
    return {d.message["Subject"]: d.message for d in box.delivered}


def attachments(message: EmailMessage) -> dict[str, bytes]:
    return {
        part.get_filename() or "": part.get_payload(decode=True)  # type: ignore[misc]
        for part in message.iter_attachments()
    }


async def test_a_consumer_order_sends_its_notice_confirmation_and_welcome(
    services: Services, client: httpx.AsyncClient, mailbox: tuple[Mailbox, int]
) -> None:
    box, _ = mailbox
    order = with_email(product_order(), "jo@example.com")
    case = (await client.post(f"{BASE}/completionCase", json={"productOrder": order})).json()
    await services.worker.run_once()
    await services.worker.run_once()  # the certificate, then the confirmation carrying it

    assert len(box.delivered) == 3, [d.message["Subject"] for d in box.delivered]
    assert all(d.rcpt_tos == ["jo@example.com"] for d in box.delivered)
    confirmation = next(
        d.message for d in box.delivered if "acceptance-certificate" in str(attachments(d.message))
    )
    [pdf] = [data for name, data in attachments(confirmation).items() if name.endswith(".pdf")]
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)
    assert order["id"] in text
    logged = (
        await client.get(PI, params={"interactionItem.item.id": case["id"], "status": "completed"})
    ).json()
    reasons = {entry["reason"] for entry in logged}
    assert {"readyForServiceNotice", "acceptanceConfirmation", "completionWelcome"} <= reasons


async def test_a_customer_without_an_address_makes_the_case_ask_for_one(
    services: Services, client: httpx.AsyncClient, mailbox: tuple[Mailbox, int]
) -> None:
    box, _ = mailbox
    order = with_email(product_order(), None)
    case = (await client.post(f"{BASE}/completionCase", json={"productOrder": order})).json()
    await services.worker.run_once()
    assert box.delivered == []
    history = (await client.get(f"{BASE}/completionCase/{case['id']}/history")).json()
    failed = [entry for entry in history if entry["action"] == "messageFailed"]
    assert failed
    kind, text = failed[0]["detail"]["message"], failed[0]["detail"]["error"]
    assert "no e-mail address" in text
    assert f"{kind} message about product order {order['id']}" in text
    assert "?" not in text
    asked = [
        e["event"]
        for e in await events(services, case["id"])
        if e["eventType"] == "completionCaseInformationRequiredEvent"
        and e["event"].get("reason") == "messageFailed"
    ]
    assert asked[0]["message"] == {"kind": kind, "error": text}
    logged = (
        await client.get(PI, params={"interactionItem.item.id": case["id"], "status": "failed"})
    ).json()
    assert logged


async def test_a_training_session_sends_an_invitation_and_its_cancellation(
    services: Services, client: httpx.AsyncClient, mailbox: tuple[Mailbox, int]
) -> None:
    box, _ = mailbox
    case = await open_over_api(client, with_email(business_order(), "it@acme.example"))
    one = f"{BASE}/completionCase/{case['id']}"
    await accept_after_passing_test(client, case["id"])
    session = await client.post(f"{one}/trainingSession", json=training_session())
    assert session.status_code == 201, session.text
    await services.worker.run_once()
    cancelled = await client.patch(
        f"{one}/trainingSession/{session.json()['id']}", json={"state": "cancelled"}
    )
    assert cancelled.status_code == 200, cancelled.text
    await services.worker.run_once()
    invitations = [
        (d.message, data)
        for d in box.delivered
        for name, data in attachments(d.message).items()
        if name.endswith(".ics")
    ]
    methods = sorted(b"METHOD:CANCEL" in data for _, data in invitations)
    assert methods == [False, True]
    assert all(b"DTSTART:20261201T090000Z" in data for _, data in invitations)


async def test_a_moved_visit_sends_the_invitation_again_as_a_newer_version(
    services: Services, client: httpx.AsyncClient, mailbox: tuple[Mailbox, int]
) -> None:
    box, _ = mailbox
    case = await open_over_api(client, with_email(business_order(), "it@acme.example"))
    entity = {"id": case["id"], "role": "completionCase", "@referredType": "CompletionCase"}
    booked = await client.post(
        AP,
        json={
            "category": "commissioning",
            "relatedEntity": [entity],
            "validFor": {
                "startDateTime": "2026-12-01T09:00:00Z",
                "endDateTime": "2026-12-01T11:00:00Z",
            },
        },
    )
    assert booked.status_code == 201, booked.text
    await services.worker.run_once()
    later = {"startDateTime": "2026-12-03T09:00:00Z", "endDateTime": "2026-12-03T10:00:00Z"}
    moved = await client.patch(booked.json()["href"], json={"validFor": later})
    assert moved.status_code == 200, moved.text
    await services.worker.run_once()
    sent = {
        str(message["Subject"]).strip(): data
        for message in (d.message for d in box.delivered)
        for name, data in attachments(message).items()
        if name.endswith(".ics")
    }
    first, second = sorted(sent, key=lambda subject: subject.startswith("Changed"))
    assert second.startswith("Changed: Commissioning visit")
    assert b"SEQUENCE:0" in sent[first]
    assert b"SEQUENCE:1" in sent[second]
    assert b"METHOD:REQUEST" in sent[second]
    assert b"DTSTART:20261203T090000Z" in sent[second]


async def test_a_business_case_sends_its_reminder_rejection_and_survey(
    services: Services,
    client: httpx.AsyncClient,
    mailbox: tuple[Mailbox, int],
    clock: FixedClock,
) -> None:
    box, _ = mailbox
    case = await open_over_api(client, with_email(business_order(), "it@acme.example"))
    one = f"{BASE}/completionCase/{case['id']}"
    assert (await client.post(f"{one}/commissioningTest", json=passing_test())).status_code == 201
    # Half the acceptance window passes in silence: the reminder goes out.
    clock.advance(timedelta(days=4))
    await services.worker.run_once()
    await services.worker.run_once()
    rejected = await client.post(
        f"{one}/acceptanceDecision",
        json={
            "decision": "rejected",
            "decidedBy": {"name": "Dana"},
            "punchList": [{"description": "Failover under 5 s"}],
        },
    )
    assert rejected.status_code == 201, rejected.text
    await accept_after_passing_test(client, case["id"])
    await services.worker.run_once()
    session = await client.post(f"{one}/trainingSession", json=training_session())
    done = await client.patch(
        f"{one}/trainingSession/{session.json()['id']}",
        json={"state": "completed", "attended": ["Dana"], "feedbackScore": 5},
    )
    assert done.status_code == 200, done.text
    await services.worker.run_once()
    await services.worker.run_once()

    texts = {
        d.message["Subject"]: d.message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
        for d in box.delivered
    }
    reminder = [s for s in texts if "remind" in s.lower()]
    rejection = [s for s in texts if "rejection" in s.lower()]
    survey = [s for s in texts if "survey" in s.lower() or "how did we do" in s.lower()]
    assert reminder, list(texts)
    assert rejection, list(texts)
    assert "Failover under 5 s" in texts[rejection[0]]
    assert survey, list(texts)


async def test_a_cancelled_visit_is_withdrawn_from_the_customers_calendar(
    services: Services, client: httpx.AsyncClient, mailbox: tuple[Mailbox, int]
) -> None:
    box, _ = mailbox
    case = await open_over_api(client, with_email(business_order(), "it@acme.example"))
    entity = {"id": case["id"], "role": "completionCase", "@referredType": "CompletionCase"}
    period = {"startDateTime": "2026-12-01T09:00:00Z", "endDateTime": "2026-12-01T11:00:00Z"}
    booked = await client.post(
        AP, json={"category": "commissioning", "relatedEntity": [entity], "validFor": period}
    )
    assert booked.status_code == 201, booked.text
    await services.worker.run_once()
    cancelled = await client.patch(booked.json()["href"], json={"status": "cancelled"})
    assert cancelled.status_code == 200, cancelled.text
    await services.worker.run_once()
    calendars = [
        data
        for message in (d.message for d in box.delivered)
        for name, data in attachments(message).items()
        if name.endswith(".ics")
    ]
    assert len(calendars) == 2
    assert sum(b"METHOD:CANCEL" in data for data in calendars) == 1
