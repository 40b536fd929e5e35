"""Training sessions booked for a case's training step."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from order_completion.database import Base, JsonColumn, UTCDateTime


class TrainingSession(Base):
    __tablename__ = "training_session"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("completion_case.id"), index=True)
    step_id: Mapped[str] = mapped_column(String(36))
    topics: Mapped[list[str]] = mapped_column(JsonColumn)
    scheduled_start: Mapped[datetime] = mapped_column(UTCDateTime)
    scheduled_end: Mapped[datetime] = mapped_column(UTCDateTime)
    trainer: Mapped[dict[str, Any] | None] = mapped_column(JsonColumn)
    attendees: Mapped[list[dict[str, Any]]] = mapped_column(JsonColumn)
    state: Mapped[str] = mapped_column(String(20))
    attended: Mapped[list[str]] = mapped_column(JsonColumn)
    feedback_score: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
