"""Inbound events already handled, so a repeated ``eventId`` has no second effect."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from order_completion.database import Base, UTCDateTime


class InboundEvent(Base):
    __tablename__ = "inbound_event"

    source: Mapped[str] = mapped_column(String(80), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    result: Mapped[str] = mapped_column(String(40))
    case_id: Mapped[str | None] = mapped_column(String(36))
