"""A mail sink for the demo: an SMTP server on this machine that keeps every message it
receives as an ``.eml`` file, so a newcomer can see what the customer would have got.

Kept as files (one per message, written aside and moved in) rather than in the sandbox's
database: the SMTP server runs in its own thread, and a file needs no connection."""

from __future__ import annotations

import email
import os
import tempfile
import time
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class FolderMailbox:
    """The SMTP handler: every message accepted is written to ``folder``."""

    folder: Path

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"{time.time_ns()}.eml"
        handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=".incoming-")
        with os.fdopen(handle, "wb") as output:
            output.write(envelope.original_content)
        os.replace(temporary, self.folder / name)
        return "250 Message accepted"


def start_mail_sink(folder: Path, host: str, port: int) -> Controller:
    """An SMTP server on ``host:port`` keeping what it receives in ``folder``."""
    controller = Controller(FolderMailbox(folder), hostname=host, port=port)
    controller.start()
    return controller


def _read(path: Path) -> EmailMessage:
    parsed = email.message_from_bytes(path.read_bytes(), policy=default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def messages(folder: Path) -> list[dict[str, Any]]:
    """Every message kept, oldest first: who, what, and its attachments' names."""
    if not folder.is_dir():
        return []
    listed = []
    for path in sorted(folder.glob("*.eml")):
        message = _read(path)
        listed.append(
            {
                "id": path.stem,
                "from": message["From"],
                "to": message["To"],
                "subject": message["Subject"],
                "date": message["Date"],
                "attachment": [part.get_filename() for part in message.iter_attachments()],
            }
        )
    return listed


def raw_message(folder: Path, message_id: str) -> bytes | None:
    """The message as received (``message/rfc822``), or None for an id not kept."""
    if not message_id.isdigit():
        return None
    path = folder / f"{message_id}.eml"
    return path.read_bytes() if path.is_file() else None
