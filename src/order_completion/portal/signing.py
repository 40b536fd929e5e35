"""Signing and reading the customer's links with ``itsdangerous``.

A link carries its case, its generation and its expiry, signed with the portal key
(``ORDER_COMPLETION_PORTAL_KEY``). Without one, the keys are derived from the keys that
seal hub secrets (``ORDER_COMPLETION_SECRET_KEYS``, or the key file generated beside the
database): each is hashed with this purpose's label, so a portal link never reveals or
reuses a sealing key, and rotating the secret keys rotates the portal's with them.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime
from pathlib import Path

from itsdangerous import BadSignature, URLSafeSerializer

from order_completion.events.sealing import key_file_text, parse_keys
from order_completion.portal.rules import LinkClaims

PURPOSE = b"order-completion customer portal link"
SALT = "customer-portal-link"
PORTAL_PATH = "/portal"


class ForgedLink(Exception):
    """The link was not signed by this service, or was altered since."""


class LinkSigner:
    """Signs links with the first key and reads links signed with any of them."""

    def __init__(self, keys: list[bytes]) -> None:
        if not keys:
            raise ValueError("the portal needs at least one signing key")
        # itsdangerous signs with the last key of the list and checks with every one.
        self._serializer = URLSafeSerializer(list(reversed(keys)), salt=SALT)

    def sign(self, claims: LinkClaims) -> str:
        expires = int(claims.expires.timestamp())
        return str(self._serializer.dumps([claims.case_id, claims.generation, expires]))

    def read(self, token: str) -> LinkClaims:
        """The claims of a genuine link; ``ForgedLink`` for anything else."""
        try:
            payload = self._serializer.loads(token)
        except BadSignature:
            raise ForgedLink("the link is not one this service signed") from None
        match payload:
            case [str(case_id), int(generation), int(expires)]:
                return LinkClaims(case_id, generation, datetime.fromtimestamp(expires, UTC))
        raise ForgedLink("the link does not say which case it opens")


def signing_keys(portal_keys: str, secret_keys: str, key_file: Path) -> list[bytes]:
    """The portal's keys, first the one that signs: the configured ones, else one derived
    from each key that seals hub secrets (reading or generating the key file)."""
    configured = [part.strip().encode() for part in portal_keys.split(",") if part.strip()]
    if configured:
        return configured
    sealing = parse_keys(secret_keys) or parse_keys(key_file_text(key_file))
    return [hmac.new(key, PURPOSE, hashlib.sha256).digest() for key in sealing]


def portal_address(portal_url: str, token: str) -> str:
    """Where the holder of ``token`` opens the portal; every link handed out (the API's
    answer, the case page, the messages, the demo) is built here so they all agree."""
    return f"{portal_url}{PORTAL_PATH}/{token}"


def link_url(portal_url: str, signer: LinkSigner, claims: LinkClaims) -> str:
    """The URL of a newly issued link: its claims signed, under the portal's address."""
    return portal_address(portal_url, signer.sign(claims))
