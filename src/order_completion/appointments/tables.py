"""Appointments (TMF646): commissioning visits and training sessions of a case.

A training session is an appointment of category ``training``; the training API and the
appointment API read and write the same row, so each sees what the other did.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from order_completion.database import Base, JsonColumn, UTCDateTime


class Appointment(Base):
    """A plain TMF646 appointment (booked through the API for no completion case) has no
    ``case_id``, perhaps no ``category`` and no ``end``, and keeps the entities it was sent
    in ``related_entity``; a case's appointment is related to its case only."""

    __tablename__ = "appointment"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str | None] = mapped_column(String(36), index=True)
    step_id: Mapped[str | None] = mapped_column(String(36), index=True)
    category: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), index=True)
    start: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    description: Mapped[str | None] = mapped_column(Text)
    external_id: Mapped[str | None] = mapped_column(String(200))
    related_entity: Mapped[list[dict[str, Any]] | None] = mapped_column(JsonColumn)
    related_place: Mapped[dict[str, Any] | None] = mapped_column(JsonColumn)
    related_party: Mapped[list[dict[str, Any]]] = mapped_column(JsonColumn)
    contact_medium: Mapped[list[dict[str, Any]]] = mapped_column(JsonColumn)
    note: Mapped[list[dict[str, Any]]] = mapped_column(JsonColumn)
    attachment: Mapped[list[dict[str, Any]]] = mapped_column(JsonColumn)
    calendar_event: Mapped[dict[str, Any] | None] = mapped_column(JsonColumn)
    topics: Mapped[list[str]] = mapped_column(JsonColumn)
    trainer: Mapped[dict[str, Any] | None] = mapped_column(JsonColumn)
    attendees: Mapped[list[dict[str, Any]]] = mapped_column(JsonColumn)
    attended: Mapped[list[str]] = mapped_column(JsonColumn)
    feedback_score: Mapped[int | None] = mapped_column(Integer)
    # The invitation's RFC 5545 SEQUENCE: grown by every move and status change, so
    # calendars replace the earlier version of the invitation.
    sequence: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    creation_date: Mapped[datetime] = mapped_column(UTCDateTime)
    last_update: Mapped[datetime] = mapped_column(UTCDateTime)
