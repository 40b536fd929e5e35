"""Who receives a customer message: e-mail addresses found on the order and the customer record.

Pure (standard library only). The order's customer-role parties come first, then the customer
record's own contact media, then the order's other parties; each address once. No address at all
raises ``NoRecipient``, which the caller turns into an information-required event.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeGuard

CUSTOMER_ROLE = "customer"

# Deliberately loose: one "@", something on each side, a dot in the domain, and no whitespace
# or line breaks, which could otherwise smuggle extra headers into an e-mail.
_ADDRESS = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


@dataclass(frozen=True)
class Recipient:
    email: str
    name: str | None = None


class NoRecipient(Exception):
    """Neither the order nor the customer record gives an e-mail address to write to."""


def recipients_for(
    order: Mapping[str, Any], customer: Mapping[str, Any] | None = None
) -> tuple[Recipient, ...]:
    """Every distinct address to write to about ``order`` (TMF622), customer first.

    ``customer`` is the TMF629 customer record when one was read; its ``contactMedium`` entries
    count after the order's customer-role parties. Raises ``NoRecipient`` when none is found.
    """
    parties = [p for p in order.get("relatedParty") or [] if isinstance(p, Mapping)]
    customers = [p for p in parties if _role(p) == CUSTOMER_ROLE]
    others = [p for p in parties if _role(p) != CUSTOMER_ROLE]
    found = [
        *(r for party in customers for r in _party_addresses(party)),
        *(_customer_addresses(customer) if customer else ()),
        *(r for party in others for r in _party_addresses(party)),
    ]
    unique: dict[str, Recipient] = {}
    for recipient in found:
        unique.setdefault(recipient.email.lower(), recipient)
    if not unique:
        # Name the order and the customer only when known: a "?" helps nobody.
        order_id, customer_id = order.get("id"), (customer or {}).get("id")
        raise NoRecipient(
            "no e-mail address on "
            + (f"product order {order_id}" if order_id else "the order's parties")
            + (f" nor on customer {customer_id}" if customer_id else "")
            + ": give a relatedParty a contactMedium with characteristic.emailAddress"
        )
    return tuple(unique.values())


def is_address(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and _ADDRESS.fullmatch(value) is not None


def _role(party: Mapping[str, Any]) -> str:
    return str(party.get("role") or "").strip().lower()


def _party_addresses(party: Mapping[str, Any]) -> Iterable[Recipient]:
    name = _name(party.get("name"))
    yield from _medium_addresses(party.get("contactMedium"), name)
    if is_address(party.get("emailAddress")):
        yield Recipient(email=party["emailAddress"], name=name)


def _customer_addresses(customer: Mapping[str, Any]) -> Iterable[Recipient]:
    name = _name(customer.get("name"))
    return _medium_addresses(customer.get("contactMedium"), name)


def _name(value: object) -> str | None:
    """A display name on one line: a line break in a header would start a new header."""
    return " ".join(value.split()) or None if isinstance(value, str) else None


def _medium_addresses(media: object, name: str | None) -> Iterable[Recipient]:
    """Addresses of TMF v4 ``ContactMedium`` entries, preferred ones first."""
    if not isinstance(media, list):
        return []
    entries = [m for m in media if isinstance(m, Mapping)]
    entries.sort(key=lambda medium: medium.get("preferred") is not True)
    found = []
    for medium in entries:
        characteristic = medium.get("characteristic")
        address = (
            characteristic.get("emailAddress") if isinstance(characteristic, Mapping) else None
        )
        if is_address(address):
            found.append(Recipient(email=address, name=name))
    return found
