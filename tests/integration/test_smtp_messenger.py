"""E-mail over SMTP against a real aiosmtpd server on 127.0.0.1: the parts that arrive, login,
STARTTLS and implicit TLS, and which refusals are worth a retry."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from order_completion.integrations.errors import PermanentFailure, TransientFailure
from order_completion.integrations.messages.calendar import invitation_attachment
from order_completion.integrations.messages.model import Attachment, Message, MessageKind
from order_completion.integrations.messages.rendering import MessageRenderer
from order_completion.integrations.messages.rules import Recipient
from order_completion.integrations.messages.smtp import SmtpMessenger, parse_smtp_url
from tests.mailbox import Mailbox, free_port, self_signed, start_server
from tests.messages import CONTEXT

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
MIA = Recipient("mia@harbour.example", "Mia Berg")
OPS = Recipient("ops@harbour.example")
SENDER = "Order Completion <orders@op.example>"


@pytest.fixture
def mailbox() -> Mailbox:
    return Mailbox()


@pytest.fixture
def server(mailbox: Mailbox) -> Iterator[int]:
    controller = start_server(mailbox)
    yield controller.port
    controller.stop()


def invitation_with_certificate(*recipients: Recipient) -> Message:
    content = MessageRenderer().render(MessageKind.COMMISSIONING_INVITATION, CONTEXT)
    return Message(
        key="case-99/commissioningInvitation/1",
        content=content,
        recipients=recipients,
        attachments=(
            invitation_attachment(
                MessageKind.COMMISSIONING_INVITATION, CONTEXT, organizer="orders@op.example"
            ),
            Attachment("certificate.pdf", "application/pdf", PDF),
        ),
    )


async def test_a_message_arrives_with_both_parts_and_both_attachments(
    mailbox: Mailbox, server: int
) -> None:
    """Subject, sender, recipients, text and HTML alternatives, the .ics and the PDF all arrive."""
    url = f"smtp://127.0.0.1:{server}?starttls=false"
    messenger = SmtpMessenger(parse_smtp_url(url), mail_from=SENDER)
    sent = await messenger.send(invitation_with_certificate(MIA, OPS))

    assert sent.provider == "smtp"
    assert sent.message_id == "<case-99-commissioningInvitation-1@op.example>"
    assert sent.refused == ()
    [delivered] = mailbox.delivered
    assert delivered.mail_from == "orders@op.example"
    assert delivered.rcpt_tos == ["mia@harbour.example", "ops@harbour.example"]
    message = delivered.message
    assert message["Subject"] == "Commissioning visit for order PO-4711 on 3 December 2026"
    assert message["From"] == SENDER
    assert message["To"] == "Mia Berg <mia@harbour.example>, ops@harbour.example"
    assert message["Message-ID"] == sent.message_id
    assert message.get_content_type() == "multipart/mixed"
    alternative, calendar, pdf = message.iter_parts()
    assert alternative.get_content_type() == "multipart/alternative"
    text, html = alternative.iter_parts()
    assert text.get_content_type() == "text/plain"
    assert "Riverside depot, gate 2" in text.get_content()
    assert html.get_content_type() == "text/html"
    assert "<li>Where: Riverside depot, gate 2</li>" in html.get_content()
    assert calendar.get_content_type() == "text/calendar"
    assert calendar.get_param("method") == "REQUEST"
    assert calendar.get_filename() == "invitation.ics"
    assert "UID:visit-7@order-completion" in calendar.get_content()
    assert pdf.get_content_type() == "application/pdf"
    assert pdf.get_filename() == "certificate.pdf"
    assert pdf.get_content() == PDF


async def test_one_refused_recipient_does_not_stop_the_others(
    mailbox: Mailbox, server: int
) -> None:
    """The message reaches the accepted recipients; the refused one is reported."""
    mailbox.refuse["ops@harbour.example"] = "550 5.1.1 No such user"
    messenger = SmtpMessenger(parse_smtp_url(f"smtp://127.0.0.1:{server}"), mail_from=SENDER)
    sent = await messenger.send(invitation_with_certificate(MIA, OPS))
    assert sent.refused == ("ops@harbour.example",)
    assert [d.rcpt_tos for d in mailbox.delivered] == [["mia@harbour.example"]]


async def test_a_recipient_refused_for_good_is_a_permanent_failure(
    mailbox: Mailbox, server: int
) -> None:
    """A 5xx for every recipient cannot be cured by sending again."""
    mailbox.refuse["mia@harbour.example"] = "550 5.1.1 No such user"
    messenger = SmtpMessenger(parse_smtp_url(f"smtp://127.0.0.1:{server}"), mail_from=SENDER)
    with pytest.raises(PermanentFailure, match=r"mia@harbour\.example: 550") as raised:
        await messenger.send(invitation_with_certificate(MIA))
    assert raised.value.retryable is False
    assert mailbox.delivered == []


@pytest.mark.parametrize("address", ["mia@@harbour.example", "mia@harbour.example\r\nBcc: x@y.z"])
async def test_an_address_no_e_mail_can_carry_is_a_permanent_failure(
    mailbox: Mailbox, server: int, address: str
) -> None:
    """An address that cannot be written into a header is refused before connecting."""
    messenger = SmtpMessenger(parse_smtp_url(f"smtp://127.0.0.1:{server}"), mail_from=SENDER)
    with pytest.raises(PermanentFailure, match="cannot be written as an e-mail"):
        await messenger.send(invitation_with_certificate(Recipient(address)))
    assert mailbox.delivered == []


async def test_a_recipient_refused_for_now_is_a_transient_failure(
    mailbox: Mailbox, server: int
) -> None:
    """A 4xx (a full mailbox, greylisting) is worth another try later."""
    mailbox.refuse["mia@harbour.example"] = "450 4.2.1 Mailbox busy, try later"
    messenger = SmtpMessenger(parse_smtp_url(f"smtp://127.0.0.1:{server}"), mail_from=SENDER)
    with pytest.raises(TransientFailure, match="450") as raised:
        await messenger.send(invitation_with_certificate(MIA))
    assert raised.value.retryable is True


async def test_a_server_that_is_down_is_a_transient_failure() -> None:
    """A refused connection is retried later, and the failure names the server, not the password."""
    url = f"smtp://mailer:hunter2@127.0.0.1:{free_port()}?starttls=false"
    messenger = SmtpMessenger(parse_smtp_url(url), mail_from=SENDER, timeout=5)
    with pytest.raises(TransientFailure) as raised:
        await messenger.send(invitation_with_certificate(MIA))
    assert raised.value.detail.startswith("smtp://mailer:***@127.0.0.1:")
    assert "hunter2" not in raised.value.detail


async def test_login_after_starttls_with_the_url_credentials(
    mailbox: Mailbox, tmp_path: Path
) -> None:
    """``starttls=true`` upgrades before AUTH; the server sees the login over TLS."""
    server_tls, client_tls = self_signed(tmp_path)
    mailbox.users["mailer"] = "s@cret"
    controller = start_server(mailbox, tls_context=server_tls, require_starttls=True)
    try:
        url = f"smtp://mailer:s%40cret@127.0.0.1:{controller.port}?starttls=true"
        messenger = SmtpMessenger(parse_smtp_url(url), mail_from=SENDER, tls_context=client_tls)
        await messenger.send(invitation_with_certificate(MIA))
        mailbox.users["mailer"] = "changed"
        with pytest.raises(PermanentFailure, match="535"):
            await messenger.send(invitation_with_certificate(MIA))
    finally:
        controller.stop()
    [delivered] = mailbox.delivered
    assert delivered.over_tls is True
    assert delivered.login == "mailer"


async def test_smtps_speaks_tls_from_the_first_byte(mailbox: Mailbox, tmp_path: Path) -> None:
    """``smtps://`` connects with TLS at once (what port 465 expects)."""
    server_tls, client_tls = self_signed(tmp_path)
    controller = start_server(mailbox, ssl_context=server_tls)
    try:
        url = f"smtps://127.0.0.1:{controller.port}"
        messenger = SmtpMessenger(parse_smtp_url(url), mail_from=SENDER, tls_context=client_tls)
        await messenger.send(invitation_with_certificate(MIA))
    finally:
        controller.stop()
    [delivered] = mailbox.delivered
    assert delivered.message["Subject"].startswith("Commissioning visit")
