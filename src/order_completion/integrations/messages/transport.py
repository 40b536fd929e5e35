"""The one way customer messages leave the service, chosen in settings."""

from __future__ import annotations

import httpx

from order_completion.integrations.messages.model import MessageTransport, Messenger
from order_completion.integrations.messages.smtp import SmtpMessenger, parse_smtp_url
from order_completion.integrations.messages.tmf681 import Tmf681Messenger


def build_messenger(
    transport: MessageTransport,
    *,
    mail_from: str | None,
    smtp_url: str | None = None,
    tmf681_url: str | None = None,
    tmf681_token: str | None = None,
    http_client: httpx.AsyncClient | None = None,
) -> Messenger | None:
    """The configured messenger, or ``None`` for ``none``; raises ``ValueError`` naming what is
    missing, so a half-configured transport stops start-up instead of failing every message."""
    if transport is MessageTransport.NONE:
        return None
    if not mail_from:
        raise ValueError(f"the {transport} transport needs ORDER_COMPLETION_MAIL_FROM")
    if transport is MessageTransport.SMTP:
        if not smtp_url:
            raise ValueError("the smtp transport needs ORDER_COMPLETION_SMTP_URL")
        return SmtpMessenger(parse_smtp_url(smtp_url), mail_from=mail_from)
    if not tmf681_url:
        raise ValueError("the tmf681 transport needs ORDER_COMPLETION_TMF681_URL")
    if http_client is None:
        raise ValueError("the tmf681 transport needs an HTTP client")
    return Tmf681Messenger(
        http_client, base_url=tmf681_url, mail_from=mail_from, token=tmf681_token
    )
