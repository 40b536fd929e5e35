"""The transactional outbox: events are rows written in the transaction of the change they
report, so a committed change always has its events and a rolled-back one never does."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any, cast

import structlog
from sqlalchemy import Index, Integer, String, Table, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from order_completion.database import Base, JsonColumn, UTCDateTime, append_row

log = structlog.get_logger(__name__)
DOMAIN = "orderCompletion"

Derivation = Callable[[dict[str, Any]], dict[str, Any]]
"""Builds an event's body from the facts stored in its place (see ``derived_event``)."""

Derivations = Mapping[str, Derivation]
"""The derivations by the name events are stored with; the composition root gathers them
from the features that store such events and hands them to every reader of the outbox.
A name carries its facts' version (``processFlow/1``): a change to what the facts hold
gets a new name, and the old derivation stays as long as old rows may be read."""


class EventNotBuilt(Exception):
    """An event stored as facts that no registered derivation can build."""


class OutboxBatch(Base):
    """The events one unit of work raised about one case (or one event about none), each
    in its TMF envelope, waiting to be relayed and streamed.

    A command raises a dozen events or more; writing them as one row is most of what keeps
    a change cheap. ``events`` is the list of envelopes in the case's event order;
    ``sequence`` is the case's number of the first of them, so batches of one case keep
    one order. Relays claim unpublished rows rather than polling by position, since rows
    commit out of order. Retention deletes a batch relayed longer ago than the retention
    period once none of its deliveries is pending; the case's own history stays.
    """

    __tablename__ = "outbox_batch"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str | None] = mapped_column(String(36))
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    event_time: Mapped[datetime] = mapped_column(UTCDateTime)
    event_count: Mapped[int] = mapped_column(Integer)
    events: Mapped[list[dict[str, Any]]] = mapped_column(JsonColumn)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    streamed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # sent to NATS

    __table_args__ = (
        Index("ix_outbox_batch_case_id_sequence", "case_id", "sequence"),
        Index("ix_outbox_batch_published_at", "published_at"),
        Index("ix_outbox_batch_streamed_at", "streamed_at"),
    )


def envelope(
    *,
    event_id: str,
    event_type: str,
    event_time: datetime,
    body: dict[str, Any],
    correlation_id: str | None = None,
    title: str | None = None,
) -> dict[str, Any]:
    """The TMF event envelope (``eventId``, ``eventTime``, ``eventType``, ``event``)."""
    result: dict[str, Any] = {
        "eventId": event_id,
        "eventTime": event_time.isoformat().replace("+00:00", "Z"),
        "eventType": event_type,
        "domain": DOMAIN,
        "event": body,
    }
    if correlation_id is not None:
        result["correlationId"] = correlation_id
    if title is not None:
        result["title"] = title
    return result


def derived_event(
    *,
    event_type: str,
    at: datetime,
    derivation: str,
    facts: dict[str, Any],
    case_id: str | None = None,
) -> dict[str, Any]:
    """An event stored as the facts its body is built from, with a new event id.

    A view of a change that another event already reports (a TMF701 processFlow event
    beside its completionCase event) is stored this way: a few hundred bytes of facts
    instead of a full resource, and no work to build it unless someone reads it.
    """
    event = new_event(event_type=event_type, at=at, body={}, case_id=case_id)
    del event["event"]
    event["derivation"] = derivation
    event["facts"] = facts
    return event


def expand(stored: dict[str, Any], derivations: Derivations) -> dict[str, Any]:
    """The event in its TMF envelope, its body built when it was stored as facts.

    Raises ``EventNotBuilt`` when the facts cannot be built; readers handle it for that
    event alone, so one such event never holds up the others.
    """
    name = stored.get("derivation")
    if name is None:
        return stored
    derive = derivations.get(name)
    if derive is None:
        raise EventNotBuilt(f"event {stored['eventId']}: no derivation {name!r}")
    try:
        body = derive(stored["facts"])
    except (KeyError, TypeError, ValueError) as error:
        raise EventNotBuilt(f"event {stored['eventId']}: {name!r} failed: {error!r}") from error
    event = {key: value for key, value in stored.items() if key not in ("derivation", "facts")}
    event["event"] = body
    return event


async def envelopes_of(
    session: AsyncSession, wanted: Iterable[tuple[str, str]], derivations: Derivations
) -> dict[str, dict[str, Any]]:
    """The envelopes of the ``(batch id, event id)`` pairs wanted, by event id; an event
    that cannot be read or built is left out (and logged).

    Each batch is read once however many of its events are wanted (a batch holds every
    event of a command, and a subscriber usually wants most of them).
    """
    by_batch: dict[str, set[str]] = {}
    for batch_id, event_id in wanted:
        by_batch.setdefault(batch_id, set()).add(event_id)
    if not by_batch:
        return {}
    rows = await session.execute(
        select(OUTBOX.c.id, OUTBOX.c.events).where(OUTBOX.c.id.in_(by_batch))
    )
    found: dict[str, dict[str, Any]] = {}
    for row in rows:
        for stored in row.events:
            if stored["eventId"] in by_batch[row.id]:
                event = built(stored, derivations)
                if event is not None:
                    found[stored["eventId"]] = event
    return found


def built(stored: dict[str, Any], derivations: Derivations) -> dict[str, Any] | None:
    """The event in its envelope, or None when it cannot be built (logged): the relay,
    the sender and the stream go on without it rather than stop for every event."""
    try:
        return expand(stored, derivations)
    except EventNotBuilt as error:
        log.error("outbox.event_not_built", event_id=stored.get("eventId"), error=str(error))
        return None


def new_event(
    *,
    event_type: str,
    at: datetime,
    body: dict[str, Any],
    case_id: str | None = None,
    title: str | None = None,
) -> dict[str, Any]:
    """One event in its envelope, with a new event id."""
    return envelope(
        event_id=str(uuid.uuid4()),
        event_type=event_type,
        event_time=at,
        body=body,
        correlation_id=case_id,
        title=title,
    )


def batch_row(
    events: list[dict[str, Any]], *, at: datetime, case_id: str | None = None, sequence: int = 0
) -> dict[str, Any]:
    """One outbox row holding ``events`` (envelopes), ready to insert."""
    return {
        "id": str(uuid.uuid4()),
        "case_id": case_id,
        "sequence": sequence,
        "event_time": at,
        "event_count": len(events),
        "events": events,
        "published_at": None,
        "streamed_at": None,
    }


def record(
    session: AsyncSession,
    *,
    event_type: str,
    now: datetime,
    body: dict[str, Any],
    case_id: str | None = None,
    sequence: int = 0,
    title: str | None = None,
) -> str:
    """Add one event to the outbox of the current transaction; returns its event id."""
    event = new_event(event_type=event_type, at=now, body=body, case_id=case_id, title=title)
    append_row(session, OUTBOX, batch_row([event], at=now, case_id=case_id, sequence=sequence))
    return str(event["eventId"])


OUTBOX = cast(Table, OutboxBatch.__table__)
