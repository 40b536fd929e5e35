"""Message settings: every accepted SMTP URL form, refusals that never show the password, and
the transport built from what is set."""

from __future__ import annotations

import httpx
import pytest
from pydantic import ValidationError

from order_completion.integrations.messages.model import MessageTransport
from order_completion.integrations.messages.smtp import (
    SmtpMessenger,
    SmtpSecurity,
    SmtpServer,
    SmtpUrlError,
    parse_smtp_url,
)
from order_completion.integrations.messages.tmf681 import Tmf681Messenger
from order_completion.integrations.messages.transport import build_messenger
from order_completion.settings import Settings


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "smtp://mailer:s%40cret@mail.example.com:587?starttls=true",
            SmtpServer("mail.example.com", 587, SmtpSecurity.STARTTLS, "mailer", "s@cret"),
        ),
        ("smtp://127.0.0.1:2525?starttls=false", SmtpServer("127.0.0.1", 2525, SmtpSecurity.NONE)),
        ("smtp://mail.example.com", SmtpServer("mail.example.com", 25, SmtpSecurity.OPPORTUNISTIC)),
        (
            "smtps://mailer:pw@mail.example.com",
            SmtpServer("mail.example.com", 465, SmtpSecurity.TLS, "mailer", "pw"),
        ),
    ],
)
def test_accepted_urls(url: str, expected: SmtpServer) -> None:
    """Ports default per scheme; user and password are percent-decoded."""
    assert parse_smtp_url(url) == expected


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://u:hunter2@mail.example.com", "scheme must be smtp:// or smtps://"),
        ("smtp://u:hunter2@:587", "no host"),
        ("smtp://u:hunter2@mail.example.com:99999", "port must be a number"),
        ("smtp://:hunter2@mail.example.com", "a password needs a user name"),
        ("smtp://u:hunter2@mail.example.com?starttls=maybe", "starttls must be true or false"),
        ("smtp://u:hunter2@mail.example.com?tls=true", "unknown option tls"),
        ("smtps://u:hunter2@mail.example.com?starttls=true", "starttls does not apply"),
    ],
)
def test_refused_urls_say_why_without_the_password(url: str, problem: str) -> None:
    """The message says what to fix and masks the password."""
    with pytest.raises(SmtpUrlError, match=problem) as raised:
        parse_smtp_url(url)
    assert "hunter2" not in str(raised.value)


def test_the_password_stays_out_of_repr_and_settings_errors() -> None:
    """Neither the parsed server nor a settings error shows the password."""
    server = parse_smtp_url("smtp://u:hunter2@mail.example.com:587")
    assert "hunter2" not in repr(server)
    assert str(server) == "smtp://u:***@mail.example.com:587 (opportunistic)"
    with pytest.raises(ValueError, match="port must be a number") as raised:
        Settings(smtp_url="smtp://u:hunter2@mail.example.com:x")
    assert "hunter2" not in str(raised.value)


@pytest.mark.parametrize(
    ("values", "missing"),
    [
        ({"message_transport": "smtp"}, "ORDER_COMPLETION_MAIL_FROM and ORDER_COMPLETION_SMTP_URL"),
        (
            {"message_transport": "tmf681", "mail_from": "o@op.example"},
            "ORDER_COMPLETION_TMF681_URL",
        ),
    ],
)
def test_a_chosen_transport_needs_its_settings(values: dict[str, str], missing: str) -> None:
    """A half-configured transport stops start-up naming the variables to set."""
    with pytest.raises(ValueError, match=f"needs {missing}"):
        Settings(**values)  # type: ignore[arg-type]


def test_a_bad_transport_setting_is_reported_once_under_its_own_name() -> None:
    """A wrong SMTP URL is named as such, not also as a missing one: the transport is
    checked only once every field it needs has passed its own check."""
    with pytest.raises(ValidationError) as raised:
        Settings(
            message_transport=MessageTransport.SMTP,
            mail_from="o@op.example",
            smtp_url="smtp://mail.example.com:twentyfive",  # type: ignore[arg-type]
        )
    assert [problem["loc"] for problem in raised.value.errors()] == [("smtp_url",)]


def test_no_transport_is_the_default() -> None:
    """With nothing configured the service keeps messages as events, as before."""
    assert Settings().message_transport == "none"


async def test_the_chosen_transport_is_built_from_its_settings() -> None:
    """``none`` builds nothing; ``smtp`` and ``tmf681`` build their messenger or say what lacks."""
    assert build_messenger(MessageTransport.NONE, mail_from=None) is None
    smtp = build_messenger(
        MessageTransport.SMTP, mail_from="o@op.example", smtp_url="smtps://u:p@mail.example.com"
    )
    assert isinstance(smtp, SmtpMessenger)
    async with httpx.AsyncClient() as client:
        tmf681 = build_messenger(
            MessageTransport.TMF681,
            mail_from="o@op.example",
            tmf681_url="http://crm.example.com/tmf-api/communicationManagement/v4",
            http_client=client,
        )
        assert isinstance(tmf681, Tmf681Messenger)
    with pytest.raises(ValueError, match="needs ORDER_COMPLETION_SMTP_URL"):
        build_messenger(MessageTransport.SMTP, mail_from="o@op.example")
    with pytest.raises(ValueError, match="needs an HTTP client"):
        build_messenger(MessageTransport.TMF681, mail_from="o@op.example", tmf681_url="http://x")
