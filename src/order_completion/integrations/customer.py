"""TMF629 Customer: the contacts met during completion (witnesses, training attendees, the
person who accepted) added to the customer's record.

The record is read first; a contact already there (the same e-mail address or phone
number, or for a party the same id, or name and role) is not added again, so a repeat
changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from order_completion.integrations.errors import PermanentFailure
from order_completion.integrations.peer import Peer
from order_completion.integrations.product_order import PATCH_HEADERS


@dataclass(frozen=True)
class Contact:
    name: str
    role: str | None = None
    email: str | None = None
    phone: str | None = None
    party_id: str | None = None


def _norm(value: Any) -> str:
    return str(value or "").strip().casefold()


def _medium_keys(medium: dict[str, Any]) -> set[str]:
    characteristic = medium.get("characteristic") or {}
    if not isinstance(characteristic, dict):
        return set()
    keys = set()
    if characteristic.get("emailAddress"):
        keys.add("email:" + _norm(characteristic["emailAddress"]))
    if characteristic.get("phoneNumber"):
        keys.add(
            "phone:" + "".join(ch for ch in str(characteristic["phoneNumber"]) if ch.isdigit())
        )
    return keys


def _party_key(party: dict[str, Any]) -> str:
    return "id:" + _norm(party.get("id") or party.get("name"))


def _mediums_of(contact: Contact) -> list[dict[str, Any]]:
    mediums = []
    if contact.email:
        mediums.append(
            {
                "mediumType": "email",
                "characteristic": {
                    "emailAddress": contact.email,
                    "contactType": contact.role or "contact",
                },
            }
        )
    if contact.phone:
        mediums.append(
            {
                "mediumType": "phone",
                "characteristic": {
                    "phoneNumber": contact.phone,
                    "contactType": contact.role or "contact",
                },
            }
        )
    return mediums


def _party_of(contact: Contact) -> dict[str, Any]:
    """A reference to the person. TMF629 requires an ``id``: a contact known only by name
    and address is referred to by its address, or its name, as an ``Individual``."""
    return {
        "id": contact.party_id or contact.email or contact.name,
        "name": contact.name,
        "role": contact.role or "contact",
        "@referredType": "Individual",
    }


def merged(customer: dict[str, Any], contacts: list[Contact]) -> dict[str, Any]:
    """The ``contactMedium`` and ``relatedParty`` arrays with the new contacts added, only
    those that changed; empty when the record already has every contact."""
    mediums = [m for m in customer.get("contactMedium") or [] if isinstance(m, dict)]
    parties = [p for p in customer.get("relatedParty") or [] if isinstance(p, dict)]
    known_media = set().union(*(_medium_keys(m) for m in mediums)) if mediums else set()
    known_parties = {_party_key(p) for p in parties}
    patch: dict[str, Any] = {}
    for contact in contacts:
        for medium in _mediums_of(contact):
            keys = _medium_keys(medium)
            if not keys & known_media:
                mediums.append(medium)
                known_media |= keys
                patch["contactMedium"] = mediums
        party = _party_of(contact)
        if _party_key(party) not in known_parties:
            parties.append(party)
            known_parties.add(_party_key(party))
            patch["relatedParty"] = parties
    return patch


@dataclass
class CustomerRecords:
    peer: Peer

    async def record(self, customer_id: str) -> dict[str, Any] | None:
        """The customer's record (``None`` when order management's id is unknown here)."""
        try:
            found = await self.peer.request("GET", f"customer/{quote(customer_id, safe='')}")
        except PermanentFailure:
            return None
        return found if isinstance(found, dict) else None

    async def add_contacts(self, customer_id: str, contacts: list[Contact]) -> dict[str, Any]:
        path = f"customer/{quote(customer_id, safe='')}"
        customer = await self.peer.request("GET", path)
        patch = merged(customer or {}, contacts)
        if patch:
            await self.peer.request("PATCH", path, json=patch, headers=PATCH_HEADERS)
        return {"customer": customer_id, "added": sorted(patch)}
