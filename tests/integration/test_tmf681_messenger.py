"""E-mail handed to a TMF681 Communication Management API: the ``communicationMessage`` body
against the resource's definition, and which answers are worth a retry."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from order_completion.integrations.errors import PermanentFailure, TransientFailure
from order_completion.integrations.messages.calendar import invitation_attachment
from order_completion.integrations.messages.model import Attachment, Message, MessageKind
from order_completion.integrations.messages.rendering import MessageRenderer
from order_completion.integrations.messages.rules import Recipient
from order_completion.integrations.messages.tmf681 import Tmf681Messenger
from tests.mailbox import free_port
from tests.messages import CONTEXT
from tests.receiver import Receiver

ROOT = "/tmf-api/communicationManagement/v4"
PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

# TMF681 v4.0.0: required and defined properties of the resources the POST body uses.
CREATE_REQUIRED = {"content", "receiver", "sender", "messageType"}
CREATE_PROPERTIES = CREATE_REQUIRED | {
    "@baseType", "@schemaLocation", "@type", "attachment", "characteristic", "description",
    "logFlag", "priority", "scheduledSendTime", "sendTime", "sendTimeComplete", "state",
    "subject", "tryTimes",
}  # fmt: skip
PARTY_PROPERTIES = {"@baseType", "@schemaLocation", "@type", "email", "id", "name", "party"}
RECEIVER_PROPERTIES = PARTY_PROPERTIES | {"appUserId", "ip", "phoneNumber"}
SENDER_PROPERTIES = PARTY_PROPERTIES | {"phoneNumber"}
ATTACHMENT_PROPERTIES = {
    "@baseType", "@schemaLocation", "@type", "attachmentType", "content", "description", "href",
    "id", "mimeType", "name", "size", "url", "validFor",
}  # fmt: skip
CHARACTERISTIC_PROPERTIES = {
    "@baseType", "@schemaLocation", "@type", "characteristicRelationship", "id", "name",
    "value", "valueType",
}  # fmt: skip


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=5) as client:
        yield client


def messenger(client: httpx.AsyncClient, url: str) -> Tmf681Messenger:
    return Tmf681Messenger(
        client, base_url=url + ROOT + "/", mail_from="Orders <orders@op.example>", token="t0k"
    )


def confirmation() -> Message:
    content = MessageRenderer().render(MessageKind.TRAINING_INVITATION, CONTEXT)
    return Message(
        key="case-99/trainingInvitation/0",
        content=content,
        recipients=(Recipient("mia@harbour.example", "Mia Berg"), Recipient("ops@h.example")),
        attachments=(
            invitation_attachment(MessageKind.TRAINING_INVITATION, CONTEXT),
            Attachment("certificate.pdf", "application/pdf", PDF),
        ),
    )


def assert_shape(body: dict[str, Any]) -> None:
    assert CREATE_REQUIRED <= set(body) <= CREATE_PROPERTIES
    assert set(body["sender"]) <= SENDER_PROPERTIES
    assert body["receiver"]
    for entry in body["receiver"]:
        assert set(entry) <= RECEIVER_PROPERTIES
    for entry in body["attachment"]:
        assert set(entry) <= ATTACHMENT_PROPERTIES
    for entry in body["characteristic"]:
        assert {"name", "value"} <= set(entry) <= CHARACTERISTIC_PROPERTIES


async def test_the_message_is_posted_as_a_communication_message(
    receiver: Receiver, client: httpx.AsyncClient
) -> None:
    """Text in ``content``, both attachments by value, the HTML and the key as characteristics."""
    receiver.answer_body = b'{"id": "cm-17", "state": "initial"}'
    receiver.script(201)
    message = confirmation()
    sent = await messenger(client, receiver.url).send(message)

    assert (sent.provider, sent.message_id) == ("tmf681", "cm-17")
    [request] = receiver.received
    assert request.path == f"{ROOT}/communicationMessage"
    assert request.headers["authorization"] == "Bearer t0k"
    body = request.event
    assert_shape(body)
    assert body["messageType"] == "email"
    assert body["subject"] == "Training session for order PO-4711 on 3 December 2026"
    assert body["content"] == message.content.text
    assert body["sender"] == {"email": "orders@op.example", "name": "Orders"}
    assert body["receiver"] == [
        {"email": "mia@harbour.example", "name": "Mia Berg"},
        {"email": "ops@h.example"},
    ]
    calendar, pdf = body["attachment"]
    assert calendar["name"] == "invitation.ics"
    assert calendar["mimeType"] == "text/calendar; method=REQUEST; charset=utf-8"
    assert b"METHOD:REQUEST" in base64.b64decode(calendar["content"])
    assert pdf == {
        "@type": "Attachment",
        "name": "certificate.pdf",
        "mimeType": "application/pdf",
        "content": base64.b64encode(PDF).decode(),
        "size": {"amount": len(PDF), "units": "bytes"},
    }
    characteristics = {c["name"]: c["value"] for c in body["characteristic"]}
    assert characteristics["messageKey"] == "case-99/trainingInvitation/0"
    assert characteristics["messageKind"] == "trainingInvitation"
    assert characteristics["htmlContent"] == message.content.html


async def test_without_an_id_in_the_answer_the_message_key_identifies_it(
    receiver: Receiver, client: httpx.AsyncClient
) -> None:
    """A 200 with no ``id`` still counts as sent; the key stands in for the provider's id."""
    sent = await messenger(client, receiver.url).send(confirmation())
    assert sent.message_id == "case-99/trainingInvitation/0"


@pytest.mark.parametrize(
    ("status", "failure"),
    [
        (503, TransientFailure),
        (500, TransientFailure),
        (429, TransientFailure),
        (400, PermanentFailure),
        (404, PermanentFailure),
    ],
)
async def test_server_errors_are_retried_and_refusals_are_not(
    receiver: Receiver, client: httpx.AsyncClient, status: int, failure: type[Exception]
) -> None:
    """5xx and 429 are worth another try; any other 4xx says the request itself is wrong."""
    receiver.answer_body = b'{"code": "x", "reason": "refused by the test"}'
    receiver.script(status)
    with pytest.raises(failure, match=f"communicationMessage: {status} .*refused by the test"):
        await messenger(client, receiver.url).send(confirmation())


async def test_a_slow_or_absent_api_is_a_transient_failure(receiver: Receiver) -> None:
    """A timeout and a refused connection are both retried later."""
    receiver.script(201, delay=2.0)
    async with httpx.AsyncClient(timeout=0.2) as impatient:
        with pytest.raises(TransientFailure, match="ReadTimeout"):
            await messenger(impatient, receiver.url).send(confirmation())
        with pytest.raises(TransientFailure, match="communicationMessage"):
            await messenger(impatient, f"http://127.0.0.1:{free_port()}").send(confirmation())
