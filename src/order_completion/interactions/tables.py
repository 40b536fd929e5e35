"""Party interactions (TMF683): every contact with the customer during completion."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from order_completion.database import Base, JsonColumn, UTCDateTime


class PartyInteraction(Base):
    """One interaction; ``case_id`` and ``customer_id`` are kept apart for filtering."""

    __tablename__ = "party_interaction"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str | None] = mapped_column(String(36), index=True)
    customer_id: Mapped[str | None] = mapped_column(String(200), index=True)
    origin: Mapped[str] = mapped_column(String(20))  # automatic or manual
    status: Mapped[str] = mapped_column(String(40), index=True)
    direction: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    channel: Mapped[list[dict[str, Any]]] = mapped_column(JsonColumn)
    interaction_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    interaction_end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    interaction_item: Mapped[list[dict[str, Any]]] = mapped_column(JsonColumn)
    interaction_relationship: Mapped[list[dict[str, Any]]] = mapped_column(JsonColumn)
    related_party: Mapped[list[dict[str, Any]]] = mapped_column(JsonColumn)
    note: Mapped[list[dict[str, Any]]] = mapped_column(JsonColumn)
    attachment: Mapped[list[dict[str, Any]]] = mapped_column(JsonColumn)
    extension: Mapped[dict[str, Any]] = mapped_column(JsonColumn)  # @type, @baseType, ...
    creation_date: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    status_change_date: Mapped[datetime] = mapped_column(UTCDateTime)
    last_update: Mapped[datetime] = mapped_column(UTCDateTime)
