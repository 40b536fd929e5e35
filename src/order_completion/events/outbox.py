"""The transactional outbox: events are rows written in the transaction of the change they
report, so a committed change always has its events and a rolled-back one never does."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Index, Integer, String, Table
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from order_completion.database import Base, JsonColumn, UTCDateTime, append_row

DOMAIN = "orderCompletion"


class OutboxEvent(Base):
    """One event in the TMF envelope, waiting to be delivered.

    ``sequence`` orders the events of one case (counted on the case row); relays claim
    unpublished rows rather than polling by position, since rows commit out of order.
    """

    __tablename__ = "outbox_event"

    event_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    event_type: Mapped[str] = mapped_column(String(80))
    event_time: Mapped[datetime] = mapped_column(UTCDateTime)
    case_id: Mapped[str | None] = mapped_column(String(36))
    payload: Mapped[dict[str, Any]] = mapped_column(JsonColumn)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    streamed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # sent to NATS

    __table_args__ = (
        Index("ix_outbox_event_case_id_sequence", "case_id", "sequence"),
        Index("ix_outbox_event_published_at", "published_at"),
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


def event_row(
    *,
    event_type: str,
    now: datetime,
    body: dict[str, Any],
    case_id: str | None = None,
    sequence: int = 0,
    title: str | None = None,
) -> dict[str, Any]:
    """One outbox row (a new event id, the TMF envelope) ready to insert."""
    event_id = str(uuid.uuid4())
    payload = envelope(
        event_id=event_id,
        event_type=event_type,
        event_time=now,
        body=body,
        correlation_id=case_id,
        title=title,
    )
    return {
        "event_id": event_id,
        "sequence": sequence,
        "event_type": event_type,
        "event_time": now,
        "case_id": case_id,
        "published_at": None,
        "streamed_at": None,
        "payload": payload,
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
    row = event_row(
        event_type=event_type,
        now=now,
        body=body,
        case_id=case_id,
        sequence=sequence,
        title=title,
    )
    append_row(session, OUTBOX, row)
    return str(row["event_id"])


OUTBOX = cast(Table, OutboxEvent.__table__)
