"""A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps what it receives and refuses the
recipients a test names; plus a self-signed certificate for its TLS."""

from __future__ import annotations

import datetime as dt
import email
import ipaddress
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


@dataclass
class Delivered:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes
    over_tls: bool
    login: str | None

    @property
    def message(self) -> EmailMessage:
        parsed: EmailMessage = email.message_from_bytes(self.content, policy=default)  # type: ignore[assignment]
        return parsed


@dataclass
class Mailbox:
    """The aiosmtpd handler: ``refuse`` maps an address to the SMTP reply its RCPT gets."""

    users: dict[str, str] = field(default_factory=dict)
    refuse: dict[str, str] = field(default_factory=dict)
    delivered: list[Delivered] = field(default_factory=list)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        login = session.auth_data.login.decode() if session.auth_data else None
        self.delivered.append(
            Delivered(
                envelope.mail_from,
                list(envelope.rcpt_tos),
                envelope.original_content,
                session.ssl is not None,
                login,
            )
        )
        return "250 Message accepted"

    def authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        ok = isinstance(data, LoginPassword) and self.users.get(data.login.decode()) == (
            data.password.decode()
        )
        return AuthResult(success=ok, handled=False, auth_data=data if ok else None)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start_server(mailbox: Mailbox, **options: Any) -> Controller:
    """Start aiosmtpd in its own thread; ``options`` go to the SMTP server (TLS, AUTH)."""
    if mailbox.users:
        options.setdefault("authenticator", mailbox.authenticate)
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port(), **options)
    controller.start()
    return controller


@contextmanager
def running_mailbox() -> Iterator[tuple[Mailbox, int]]:
    """A mailbox served on a free port of 127.0.0.1 for as long as the block runs: the
    mailbox and its port."""
    box = Mailbox()
    server = start_server(box)
    try:
        yield box, server.port
    finally:
        server.stop()


def smtp_settings(port: int) -> dict[str, Any]:
    """The service's settings that send its mail to the test's SMTP server on ``port``."""
    return {
        "message_transport": "smtp",
        "smtp_url": f"smtp://127.0.0.1:{port}?starttls=false",
        "mail_from": "Orders <orders@provider.example>",
    }


def self_signed(folder: Path) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A server context with a fresh certificate for 127.0.0.1, and a client context trusting
    only that certificate."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert_file, key_file)
    client = ssl.create_default_context(cafile=str(cert_file))
    return server, client
