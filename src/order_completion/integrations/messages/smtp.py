"""E-mail over SMTP: the server's URL, the MIME message, and which SMTP failures are worth a retry.

``smtp://user:pass@host:587?starttls=true`` requires STARTTLS, ``starttls=false`` never uses it
and no ``starttls`` upgrades when the server offers it; ``smtps://`` speaks TLS from the first
byte (port 465 by default). The password is kept out of every message, repr and log line.
"""

from __future__ import annotations

import re
import ssl
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.errors import MessageError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from enum import StrEnum
from urllib.parse import parse_qsl, unquote, urlsplit

import aiosmtplib

from order_completion.integrations.errors import PermanentFailure, TransientFailure
from order_completion.integrations.messages.model import Message, SentMessage

PROVIDER = "smtp"
DEFAULT_PORTS = {"smtp": 25, "smtps": 465}
_UNSAFE_IN_ID = re.compile(r"[^A-Za-z0-9._-]")
TRUE, FALSE = {"true", "1", "yes", "on"}, {"false", "0", "no", "off"}


class SmtpSecurity(StrEnum):
    """How the connection is protected: ``opportunistic`` upgrades only if the server offers."""

    NONE = "none"
    OPPORTUNISTIC = "opportunistic"
    STARTTLS = "starttls"
    TLS = "tls"


class SmtpUrlError(ValueError):
    """The SMTP URL cannot be used; the message shows it with the password masked."""


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    security: SmtpSecurity
    username: str | None = None
    password: str | None = field(default=None, repr=False)

    def __str__(self) -> str:
        scheme = "smtps" if self.security is SmtpSecurity.TLS else "smtp"
        user = f"{self.username}:***@" if self.username else ""
        return f"{scheme}://{user}{self.host}:{self.port} ({self.security})"


def parse_smtp_url(url: str) -> SmtpServer:
    """The server described by ``url``; raises ``SmtpUrlError`` saying what to fix."""
    shown = re.sub(r"//([^:@/]*):[^@/]*@", r"//\1:***@", url)
    parts = urlsplit(url)
    if parts.scheme not in DEFAULT_PORTS:
        raise SmtpUrlError(f"{shown}: the scheme must be smtp:// or smtps://")
    if not parts.hostname:
        raise SmtpUrlError(f"{shown}: no host, e.g. smtp://mail.example.com:587?starttls=true")
    try:
        port = parts.port or DEFAULT_PORTS[parts.scheme]
    except ValueError:
        raise SmtpUrlError(f"{shown}: the port must be a number from 1 to 65535") from None
    if parts.password is not None and not parts.username:
        raise SmtpUrlError(f"{shown}: a password needs a user name")
    return SmtpServer(
        host=parts.hostname,
        port=port,
        security=_security(parts.scheme, parts.query, shown),
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password is not None else None,
    )


def _security(scheme: str, query: str, shown: str) -> SmtpSecurity:
    options = dict(parse_qsl(query, keep_blank_values=True))
    unknown = set(options) - {"starttls"}
    if unknown:
        raise SmtpUrlError(f"{shown}: unknown option {', '.join(sorted(unknown))}; only starttls")
    if scheme == "smtps":
        if "starttls" in options:
            raise SmtpUrlError(f"{shown}: smtps:// is TLS from the start; starttls does not apply")
        return SmtpSecurity.TLS
    value = options.get("starttls")
    if value is None:
        return SmtpSecurity.OPPORTUNISTIC
    if value.lower() in TRUE:
        return SmtpSecurity.STARTTLS
    if value.lower() in FALSE:
        return SmtpSecurity.NONE
    raise SmtpUrlError(f"{shown}: starttls must be true or false, not {value!r}")


def sender_address(mail_from: str) -> Address:
    """``mail_from`` (``ops@example.com`` or ``Name <ops@example.com>``) as a header address."""
    name, address = parseaddr(mail_from)
    if "@" not in address:
        raise ValueError(f"{mail_from!r} is not an e-mail address, e.g. Orders <ops@example.com>")
    return Address(display_name=name, addr_spec=address)


def build_email(message: Message, *, sender: Address, sent_at: datetime) -> EmailMessage:
    """The MIME message: text and HTML as alternatives, then every attachment."""
    email = EmailMessage()
    email["Subject"] = message.content.subject
    email["From"] = sender
    email["To"] = [Address(r.name or "", addr_spec=r.email) for r in message.recipients]
    email["Date"] = format_datetime(sent_at)
    email["Message-ID"] = message_id(message.key, sender.domain)
    email.set_content(message.content.text)
    email.add_alternative(message.content.html, subtype="html")
    for attachment in message.attachments:
        maintype, _, subtype = attachment.media_type.partition("/")
        email.add_attachment(
            attachment.data,
            maintype=maintype,
            subtype=subtype,
            filename=attachment.filename,
            params=dict(attachment.parameters),
        )
    return email


def message_id(key: str, domain: str) -> str:
    """The same Message-ID for every attempt at one message, so duplicates can be recognised."""
    return f"<{_UNSAFE_IN_ID.sub('-', key)}@{domain}>"


class SmtpMessenger:
    """Sends each message over a fresh SMTP connection (messages are rare; no pool to go stale)."""

    def __init__(
        self,
        server: SmtpServer,
        *,
        mail_from: str,
        timeout: float = 30.0,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        self._server = server
        self._sender = sender_address(mail_from)
        self._timeout = timeout
        self._tls_context = tls_context

    async def send(self, message: Message) -> SentMessage:
        try:
            email = build_email(message, sender=self._sender, sent_at=datetime.now(UTC))
        except (ValueError, TypeError, MessageError) as error:
            raise PermanentFailure(f"the message cannot be written as an e-mail: {error}") from None
        security = self._server.security
        client = aiosmtplib.SMTP(
            hostname=self._server.host,
            port=self._server.port,
            username=self._server.username,
            password=self._server.password,
            timeout=self._timeout,
            use_tls=security is SmtpSecurity.TLS,
            start_tls={SmtpSecurity.STARTTLS: True, SmtpSecurity.OPPORTUNISTIC: None}.get(
                security, False
            ),
            tls_context=self._tls_context,
        )
        try:
            async with client:
                refused, _ = await client.send_message(
                    email,
                    sender=self._sender.addr_spec,
                    recipients=[r.email for r in message.recipients],
                )
        except aiosmtplib.SMTPRecipientsRefused as error:
            raise _refused(error) from None
        except aiosmtplib.SMTPResponseException as error:
            raise _by_code(error.code, f"{self._server}: {error.code} {error.message}") from None
        except aiosmtplib.SMTPNotSupported as error:
            raise PermanentFailure(f"{self._server}: {error}") from None
        except (aiosmtplib.SMTPException, OSError) as error:
            raise TransientFailure(
                f"{self._server}: {str(error) or type(error).__name__}"
            ) from None
        return SentMessage(PROVIDER, message_id=email["Message-ID"], refused=tuple(refused))


def _refused(error: aiosmtplib.SMTPRecipientsRefused) -> TransientFailure | PermanentFailure:
    """Every recipient was refused: worth a retry only if some refusal was temporary (4xx)."""
    reasons = "; ".join(f"{r.recipient}: {r.code} {r.message}" for r in error.recipients)
    temporary = any(400 <= r.code < 500 for r in error.recipients)
    return (TransientFailure if temporary else PermanentFailure)(f"recipients refused: {reasons}")


def _by_code(code: int, detail: str) -> TransientFailure | PermanentFailure:
    return PermanentFailure(detail) if code >= 500 else TransientFailure(detail)
