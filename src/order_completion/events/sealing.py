"""Hub signing secrets at rest: sealed (Fernet, AES-128-CBC with HMAC-SHA256) with keys from
the settings, so a copy of the database alone cannot sign events as this service.

Several keys may be configured: the first seals, every one opens, so a new key is put first,
``order-completion secrets rotate`` reseals every secret under it, and the old key can then
be dropped. With no key configured, one is generated once into a file of the data folder,
readable by its owner only, so a laptop works out of the box; a deployment sets its keys.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

import structlog
from cryptography.fernet import Fernet, InvalidToken, MultiFernet

log = structlog.get_logger(__name__)


class SecretUnreadable(Exception):
    """A stored secret none of the configured keys opens."""


def parse_keys(text: str) -> list[bytes]:
    """``"key1,key2"`` → keys, each checked; a bad one is a ValueError saying which."""
    keys: list[bytes] = []
    for number, part in enumerate(text.replace("\n", ",").split(","), start=1):
        item = part.strip()
        if not item:
            continue
        try:
            Fernet(item)
        except ValueError:
            raise ValueError(
                f"key {number} is not a Fernet key (32 url-safe base64-encoded bytes; make one "
                'with python -c "from cryptography.fernet import Fernet; '
                'print(Fernet.generate_key().decode())")'
            ) from None
        keys.append(item.encode())
    return keys


class SecretBox:
    """Seals and opens hub secrets with the configured keys (the first seals)."""

    def __init__(self, keys: Sequence[bytes]) -> None:
        if not keys:
            raise ValueError("a secret box needs at least one key")
        self._keys = MultiFernet([Fernet(key) for key in keys])

    def seal(self, secret: str) -> str:
        return self._keys.encrypt(secret.encode()).decode()

    def open(self, sealed: str) -> str:
        return self._with_keys(self._keys.decrypt, sealed)

    def opens(self, sealed: str) -> bool:
        """Whether a configured key opens ``sealed``."""
        try:
            self.open(sealed)
        except SecretUnreadable:
            return False
        return True

    def reseal(self, sealed: str) -> str:
        """The same secret sealed under the first key (already so: sealed afresh)."""
        return self._with_keys(self._keys.rotate, sealed)

    @staticmethod
    def _with_keys(action: Callable[[bytes], bytes], sealed: str) -> str:
        try:
            return action(sealed.encode()).decode()
        except InvalidToken:
            raise SecretUnreadable(
                "a hub secret cannot be opened with any configured key "
                "(did ORDER_COMPLETION_SECRET_KEYS lose the key that sealed it?)"
            ) from None


def key_file_text(path: Path) -> str:
    """The keys kept in ``path`` (one generated there on first use, owner-only)."""
    try:
        return path.read_text()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key()
    try:
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first: use theirs
        return path.read_text()
    with os.fdopen(handle, "w") as file:
        file.write(key.decode() + "\n")
    log.warning(
        "hub_secrets.key_generated",
        # The default path is relative to the working directory: say which file it became.
        path=str(path.absolute()),
        advice="set ORDER_COMPLETION_SECRET_KEYS in production and keep the key apart "
        "from the database",
    )
    return key.decode()


def secret_box(keys: str, key_file: Path) -> SecretBox:
    """The box of the configured ``keys``, or of the one generated into ``key_file``."""
    parsed = parse_keys(keys)
    if parsed:
        return SecretBox(parsed)
    from_file = parse_keys(key_file_text(key_file))
    if not from_file:
        raise ValueError(f"{key_file} holds no key")
    return SecretBox(from_file)
