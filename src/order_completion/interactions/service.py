"""The calls and visits staff log by hand in the completion-phase interaction log (TMF683):
create, change, delete. Every change is an outbox event of the partyInteraction hub,
written in the same unit of work."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from order_completion.cases.queries import case_exists
from order_completion.errors import Conflict, InvalidInput, NotFound
from order_completion.events import outbox
from order_completion.interactions.rules import (
    SERVICE_CHANNEL_ID,
    SERVICE_CHANNEL_ROLE,
    Origin,
    claims_the_service_channel,
    refused_change,
    stamped_notes,
)
from order_completion.interactions.schemas import (
    Note,
    PartyInteractionCreate,
    PartyInteractionUpdate,
    interaction_resource,
    reference_href,
)
from order_completion.interactions.tables import PartyInteraction

SYSTEM_CHANNEL = {
    "id": SERVICE_CHANNEL_ID,
    "href": reference_href("channel", SERVICE_CHANNEL_ID),
    "name": "Order Completion",
    "role": SERVICE_CHANNEL_ROLE,
}
EXTENSION_KEYS = ("@type", "@baseType", "@schemaLocation")


def _event(
    session: AsyncSession,
    kind: str,
    row: PartyInteraction,
    now: datetime,
    base_url: str,
    **extra: Any,
) -> None:
    outbox.record(
        session,
        event_type=f"partyInteraction{kind}Event",
        now=now,
        body={"partyInteraction": interaction_resource(row, base_url), **extra},
        case_id=row.case_id,
    )


def _customer_of(parties: list[dict[str, Any]]) -> str | None:
    for party in parties:
        if str(party.get("role", "")).lower() == "customer":
            return str(party["id"])
    return str(parties[0]["id"]) if parties else None


def _dump(items: list[Any] | None) -> list[dict[str, Any]]:
    return [item.model_dump(by_alias=True, mode="json", exclude_none=True) for item in items or []]


def _case_ids(items: list[dict[str, Any]]) -> list[str]:
    """The completion cases an interaction's items are about."""
    return [
        str(i["item"]["id"])
        for i in items
        if isinstance(i.get("item"), dict)
        and i["item"].get("@referredType") == "CompletionCase"
        and i["item"].get("id")
    ]


async def _checked_items(session: AsyncSession, items: list[dict[str, Any]]) -> list[str]:
    """The cases ``items`` are about, each one checked to exist."""
    case_ids = _case_ids(items)
    for case_id in case_ids:
        if not await case_exists(session, case_id):
            raise InvalidInput(f"no completion case {case_id}", field="interactionItem")
    return case_ids


def _refuse_the_service_channel(channels: list[dict[str, Any]]) -> None:
    if claims_the_service_channel(channels):
        raise InvalidInput(
            f"the channel {SERVICE_CHANNEL_ID!r} (role {SERVICE_CHANNEL_ROLE!r}) marks what the "
            "service logged itself; name the channel the interaction took place on",
            field="channel",
        )


async def create(
    session: AsyncSession, body: PartyInteractionCreate, now: datetime, *, base_url: str = ""
) -> PartyInteraction:
    """Log an interaction by hand."""
    parties = _dump(body.relatedParty)
    items = _dump(body.interactionItem)
    channels = _dump(body.channel)
    _refuse_the_service_channel(channels)
    case_ids = await _checked_items(session, items)
    period = body.interactionDate
    row = PartyInteraction(
        id=str(uuid.uuid4()),
        case_id=case_ids[0] if case_ids else None,
        customer_id=_customer_of(parties),
        origin=Origin.MANUAL.value,
        status=body.status,
        direction=body.direction,
        reason=body.reason,
        description=body.description,
        channel=channels,
        interaction_start=(period.startDateTime if period else None) or now,
        interaction_end=period.endDateTime if period else None,
        interaction_item=items,
        interaction_relationship=body.interactionRelationship or [],
        related_party=parties,
        note=_dump(body.note),
        attachment=body.attachment or [],
        extension=_extension(body),
        creation_date=now,
        status_change_date=now,
        last_update=now,
    )
    session.add(row)
    _event(session, "Create", row, now, base_url)
    return row


def _refuse_rewriting(row: PartyInteraction, patch: PartyInteractionUpdate) -> None:
    """An interaction the service logged is a record: notes may be added, nothing else."""
    named = patch.model_dump(by_alias=True, exclude_unset=True).keys()
    notes = _dump(patch.note) if "note" in named else row.note
    refused = refused_change(Origin(row.origin), named, row.note, notes)
    if refused == "note":
        raise Conflict(
            "notes of an interaction the service logged may be added to, not changed", field="note"
        )
    if refused is not None:
        raise Conflict(
            f"{refused} of an interaction the service logged cannot change; add a note",
            field=refused,
        )


def _extension(body: PartyInteractionCreate | PartyInteractionUpdate) -> dict[str, Any]:
    data = body.model_dump(by_alias=True, exclude_unset=True)
    return {key: data[key] for key in EXTENSION_KEYS if data.get(key) is not None}


async def get(session: AsyncSession, interaction_id: str) -> PartyInteraction:
    row = await session.get(PartyInteraction, interaction_id)
    if row is None:
        raise NotFound(f"no party interaction {interaction_id}")
    return row


async def update(
    session: AsyncSession,
    interaction_id: str,
    patch: PartyInteractionUpdate,
    now: datetime,
    *,
    author: str | None = None,
    base_url: str = "",
) -> PartyInteraction:
    """Apply a merge patch; a status change is a status-change event, anything else an
    attribute-value-change event. Notes added to an interaction the service logged are
    signed by ``author`` (the caller) and dated ``now``."""
    row = await get(session, interaction_id)
    given = patch.model_fields_set
    if not given:
        raise InvalidInput("the patch changes nothing", field="body")
    _refuse_rewriting(row, patch)
    if "channel" in given:
        _refuse_the_service_channel(_dump(patch.channel))
    if "interactionItem" in given:
        await _checked_items(session, _dump(patch.interactionItem))
    status_changed = "status" in given and patch.status != row.status
    for name in ("reason", "status"):
        value = getattr(patch, name)
        if name in given:
            if value is None:
                raise InvalidInput("cannot be removed", field=name)
            setattr(row, name, value)
    if "description" in given:
        row.description = patch.description
    lists = {
        "channel": "channel",
        "interactionItem": "interaction_item",
        "note": "note",
        "relatedParty": "related_party",
    }
    notes_before = len(row.note)
    for attribute, column in lists.items():
        if attribute in given:
            setattr(row, column, _dump(getattr(patch, attribute)))
    if "note" in given and row.origin == Origin.AUTOMATIC:
        stamp = _dump([Note(author=author, date=now)])[0]
        row.note = stamped_notes(row.note, notes_before, stamp)
    if "relatedParty" in given:
        row.customer_id = _customer_of(row.related_party)
    for attribute, column in (
        ("interactionRelationship", "interaction_relationship"),
        ("attachment", "attachment"),
    ):
        if attribute in given:
            setattr(row, column, getattr(patch, attribute) or [])
    if "interactionDate" in given and patch.interactionDate is not None:
        row.interaction_start = patch.interactionDate.startDateTime or row.interaction_start
        row.interaction_end = patch.interactionDate.endDateTime
    row.extension = {**row.extension, **_extension(patch)}
    row.last_update = now
    if status_changed:
        row.status_change_date = now
        _event(session, "StatusChange", row, now, base_url)
    else:
        _event(
            session, "AttributeValueChange", row, now, base_url, fieldPath=",".join(sorted(given))
        )
    return row


async def delete(
    session: AsyncSession, interaction_id: str, now: datetime, *, base_url: str = ""
) -> None:
    row = await get(session, interaction_id)
    if row.origin == Origin.AUTOMATIC:
        raise Conflict("an interaction the service logged is a record and is never deleted")
    _event(session, "Delete", row, now, base_url)
    await session.delete(row)
