"""Timer rows: an absolute due time and what to do then, so a restart loses nothing."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from order_completion.database import Base, JsonColumn, UTCDateTime


class TimerKind(StrEnum):
    ACCEPTANCE_WINDOW_END = "acceptanceWindowEnd"
    ACCEPTANCE_REMINDER = "acceptanceReminder"
    JEOPARDY_WARNING = "jeopardyWarning"
    JEOPARDY_BREACH = "jeopardyBreach"
    TRAINING_DUE = "trainingDue"
    SURVEY_AUTO_CLOSE = "surveyAutoClose"


class TimerState(StrEnum):
    PENDING = "pending"  # waits for its due time
    PAUSED = "paused"  # its case is on hold; due time shifts by the hold when resumed
    FIRED = "fired"  # its job ran and committed
    CANCELLED = "cancelled"  # what it waited for happened first


class Timer(Base):
    __tablename__ = "timer"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(String(36))
    step_id: Mapped[str | None] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(40))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(20))
    payload: Mapped[dict[str, Any]] = mapped_column(JsonColumn)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    fired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    result: Mapped[str | None] = mapped_column(String(40))

    __table_args__ = (
        Index("ix_timer_state_due_at", "state", "due_at"),
        Index("ix_timer_case_id_state", "case_id", "state"),
    )
