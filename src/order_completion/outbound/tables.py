"""Outbound call rows: the work owed to other systems survives a restart as a row, written
in the transaction of the change that owes it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from order_completion.database import Base, JsonColumn, UTCDateTime
from order_completion.outbound.rules import CallState

PENDING_ONLY = f"state = '{CallState.PENDING.value}'"


class OutboundCall(Base):
    __tablename__ = "outbound_call"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(String(36))
    # Which adapter performs it (``productInventory``, ``productOrder``, ``message``...).
    kind: Mapped[str] = mapped_column(String(40))
    # What it is for, unique within the case: enqueueing the same work twice is a no-op.
    # Room for a kind and an order item id of up to 200 characters.
    purpose: Mapped[str] = mapped_column(String(300))
    payload: Mapped[dict[str, Any]] = mapped_column(JsonColumn)
    state: Mapped[str] = mapped_column(String(20))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # A claimed attempt holds the call until then; a worker that dies mid-call leaves it
    # to be taken again when the lease runs out.
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Which claim holds it: only that claim's answer is recorded (a stale attempt's,
    # even with the same attempt number after an operator's retry, is not).
    claim_token: Mapped[str | None] = mapped_column(String(36))
    last_error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict[str, Any] | None] = mapped_column(JsonColumn)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("case_id", "purpose", name="uq_outbound_call_case_purpose"),
        Index(
            "ix_outbound_call_pending_due",
            "next_attempt_at",
            postgresql_where=text(PENDING_ONLY),
            sqlite_where=text(PENDING_ONLY),
        ),
    )
