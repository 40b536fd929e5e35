"""E-mail handed to a TMF681 Communication Management API as a ``communicationMessage``.

``content`` carries the plain-text part (the only body the resource defines); the HTML part, the
message kind and the stable message key travel as ``characteristic`` entries, and attachments
are embedded by value, base64-encoded, as the ``Attachment`` resource allows.
"""

from __future__ import annotations

import base64
from typing import Any

import httpx

from order_completion.integrations.errors import PermanentFailure, TransientFailure
from order_completion.integrations.messages.model import Attachment, Message, SentMessage
from order_completion.integrations.messages.smtp import sender_address

PROVIDER = "tmf681"
RETRYABLE_CLIENT_ERRORS = {408, 425, 429}


def communication_message(message: Message, *, mail_from: str) -> dict[str, Any]:
    """The ``CommunicationMessage_Create`` body for ``message``."""
    sender = sender_address(mail_from)
    content = message.content
    body: dict[str, Any] = {
        "@type": "CommunicationMessage",
        "messageType": "email",
        "subject": content.subject,
        "content": content.text,
        "sender": {
            "email": sender.addr_spec,
            **({"name": sender.display_name} if sender.display_name else {}),
        },
        "receiver": [
            {"email": r.email, **({"name": r.name} if r.name else {})} for r in message.recipients
        ],
        "characteristic": [
            {"name": "messageKey", "valueType": "string", "value": message.key},
            {"name": "messageKind", "valueType": "string", "value": str(content.kind)},
            {"name": "htmlContent", "valueType": "string", "value": content.html},
        ],
    }
    if message.attachments:
        body["attachment"] = [_attachment(a) for a in message.attachments]
    return body


def _attachment(attachment: Attachment) -> dict[str, Any]:
    parameters = "".join(f"; {name}={value}" for name, value in attachment.parameters)
    return {
        "@type": "Attachment",
        "name": attachment.filename,
        "mimeType": attachment.media_type + parameters,
        "content": base64.b64encode(attachment.data).decode("ascii"),
        "size": {"amount": len(attachment.data), "units": "bytes"},
    }


class Tmf681Messenger:
    """POSTs each message to ``{base_url}/communicationMessage`` with the injected client."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        base_url: str,
        mail_from: str,
        token: str | None = None,
    ) -> None:
        self._client = client
        self._url = base_url.rstrip("/") + "/communicationMessage"
        self._mail_from = mail_from
        sender_address(mail_from)  # a bad sender stops start-up, not the first message
        self._headers = {"Authorization": f"Bearer {token}"} if token else {}

    async def send(self, message: Message) -> SentMessage:
        body = communication_message(message, mail_from=self._mail_from)
        try:
            response = await self._client.post(self._url, json=body, headers=self._headers)
        except httpx.TransportError as error:
            raise TransientFailure(
                f"POST {self._url}: {str(error) or type(error).__name__}"
            ) from None
        if response.is_success:
            return SentMessage(PROVIDER, message_id=_created_id(response) or message.key)
        detail = f"POST {self._url}: {response.status_code} {response.text[:500]}"
        if response.status_code >= 500 or response.status_code in RETRYABLE_CLIENT_ERRORS:
            raise TransientFailure(detail)
        raise PermanentFailure(detail)


def _created_id(response: httpx.Response) -> str | None:
    try:
        created = response.json()
    except ValueError:
        return None
    identifier = created.get("id") if isinstance(created, dict) else None
    return str(identifier) if identifier else None
